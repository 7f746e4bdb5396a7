// Package selection holds the rules a cadre selection (选拔任用, DOMAIN.md P13) is checked
// against that the system can decide itself: the quorum and majority of the decision meeting,
// the age of a recommendation, and the order of the stages. The P13 workflow and its forms
// use them; an irregularity they find stops the case until a supervisor resolves it.
package selection

import (
	"fmt"
	"time"
)

// Stage is one stage of a selection, in the order the 2019 regulation prescribes.
type Stage string

const (
	StageMotion      Stage = "motion"      // 动议
	StageRecommend   Stage = "recommend"   // 民主推荐
	StageInspect     Stage = "inspect"     // 考察
	StageDecide      Stage = "decide"      // 讨论决定
	StagePublicity   Stage = "publicity"   // 任前公示
	StageAppointment Stage = "appointment" // 任职
)

// stages lists the stages in order.
var stages = []Stage{StageMotion, StageRecommend, StageInspect, StageDecide, StagePublicity, StageAppointment}

var stageTitles = map[Stage]string{
	StageMotion: "动议", StageRecommend: "民主推荐", StageInspect: "考察",
	StageDecide: "讨论决定", StagePublicity: "任前公示", StageAppointment: "任职",
}

// Title is the stage's Chinese name.
func (s Stage) Title() string { return stageTitles[s] }

// Gap is an irregularity in the order of stages: a stage skipped or done out of order.
type Gap struct {
	Stage   Stage
	Message string // Chinese
}

// CheckOrder compares the stages a selection went through (in the order they happened) with
// the prescribed order: every stage before the last one done must be present, each once, in
// order. It returns the irregularities, none for a regular selection.
func CheckOrder(done []Stage) []Gap {
	var gaps []Gap
	pos := map[Stage]int{}
	for i, s := range stages {
		pos[s] = i
	}
	seen := map[Stage]bool{}
	last := -1
	for _, s := range done {
		p, ok := pos[s]
		switch {
		case !ok:
			gaps = append(gaps, Gap{s, fmt.Sprintf("未知环节“%s”", s)})
			continue
		case seen[s]:
			gaps = append(gaps, Gap{s, s.Title() + "环节重复"})
			continue
		case p < last:
			gaps = append(gaps, Gap{s, fmt.Sprintf("%s环节在%s之后进行，顺序颠倒", s.Title(), stages[last].Title())})
		}
		seen[s] = true
		if p > last {
			last = p
		}
	}
	for i := 0; i < last; i++ {
		if !seen[stages[i]] {
			gaps = append(gaps, Gap{stages[i], "缺少" + stages[i].Title() + "环节"})
		}
	}
	return gaps
}

// Tally is how the members present at the decision meeting voted on one candidate.
type Tally struct {
	Agree    int `json:"agree"`    // 同意
	Disagree int `json:"disagree"` // 不同意
	Defer    int `json:"defer"`    // 缓议
}

// Meeting is the record of a decision meeting (讨论决定).
type Meeting struct {
	Members int `json:"members"` // 应到会成员
	Present int `json:"present"` // 实到会成员
}

// CheckQuorum: at least two thirds of the members must be present, or no decision may be taken
// (2019 regulation, 讨论决定). The answer is the Chinese reason, "" when the quorum is met.
func (m Meeting) CheckQuorum() string {
	switch {
	case m.Members <= 0:
		return "应到会成员人数须大于零"
	case m.Present < 0 || m.Present > m.Members:
		return fmt.Sprintf("实到会成员人数须在 0 到 %d 之间", m.Members)
	case m.Present*3 < m.Members*2:
		return fmt.Sprintf("实到会成员 %d 人，不足应到会成员 %d 人的三分之二，不得作出任免决定", m.Present, m.Members)
	}
	return ""
}

// CheckTally: each member present says one of 同意 / 不同意 / 缓议, so the votes cannot exceed
// those present. The answer is the Chinese reason, "" when the tally is possible.
func (m Meeting) CheckTally(t Tally) string {
	if t.Agree < 0 || t.Disagree < 0 || t.Defer < 0 {
		return "票数不能为负"
	}
	if n := t.Agree + t.Disagree + t.Defer; n > m.Present {
		return fmt.Sprintf("表决 %d 票，多于实到会成员 %d 人", n, m.Present)
	}
	return ""
}

// Passes: a candidate is approved with the agreement of more than half of all members (应到会
// 成员), not merely of those present.
func (m Meeting) Passes(t Tally) bool {
	return m.CheckQuorum() == "" && m.CheckTally(t) == "" && t.Agree*2 > m.Members
}

// MayReconsider: a decision is reconsidered (复议) only when more than half of all members
// (应到会成员) agree to reconsider it, at a meeting with quorum; those agreeing are among those
// present (2019 regulation, 讨论决定). The candidate then passes as at any meeting (Passes).
func (m Meeting) MayReconsider(consent int) bool {
	return m.CheckQuorum() == "" && consent >= 0 && consent <= m.Present && consent*2 > m.Members
}

// recommendationYears is how long a democratic recommendation's result may be used
// (2019 regulation arts. 18–20: one year).
const recommendationYears = 1

// RecommendationValid reports whether a recommendation made on recommended may still be used
// on day (both as calendar dates in the same location): up to and including the day a year on.
func RecommendationValid(recommended, day time.Time) bool {
	return !day.Before(recommended) && !day.After(recommended.AddDate(recommendationYears, 0, 0))
}
