package schemas

import (
	"testing"
	"time"
)

// The thresholds of 述职述廉 at their edges: 优秀+称职 exactly two thirds is not low support;
// 不称职 exactly a third is not "many".
func TestAppraisalThresholds(t *testing.T) {
	cases := []struct {
		tally     AppraisalTally
		low, many bool
	}{
		{AppraisalTally{Excellent: 10, Competent: 10, Basic: 10}, false, false},                  // 20/30 = 2/3
		{AppraisalTally{Excellent: 10, Competent: 9, Basic: 11}, true, false},                    // 19/30
		{AppraisalTally{Excellent: 20, Incompetent: 10}, false, false},                           // 10/30 = 1/3
		{AppraisalTally{Excellent: 19, Incompetent: 11}, true, true},                             // 19/30 and 11/30
		{AppraisalTally{}, false, false},                                                         // no ballots
		{AppraisalTally{Excellent: 1, Competent: 1, Basic: 0, Incompetent: 2}, true, true},       // 2/4, 2/4
		{AppraisalTally{Excellent: 30, Competent: 30, Basic: 10, Incompetent: 20}, false, false}, // 60/90, 20/90
	}
	for _, c := range cases {
		if c.tally.LowSupport() != c.low || c.tally.ManyIncompetent() != c.many {
			t.Errorf("%+v: low support %v, many incompetent %v; want %v %v", c.tally, c.tally.LowSupport(), c.tally.ManyIncompetent(), c.low, c.many)
		}
	}
}

// The round is a registered cycle: it opens on 1 December, about that year, and its input
// carries the cycle's start.
func TestAppraisalCycle(t *testing.T) {
	for _, c := range Cycles() {
		if c.Kind != KindAppraisal {
			continue
		}
		if len(c.Months) != 1 || c.Months[0] != 12 || c.Day != 1 || c.Period(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) != "2026" {
			t.Fatalf("appraisal cycle %+v", c)
		}
		in, ok := c.Input(CycleStart{CaseID: "appraisal-2026-0001", OrgUnitID: "150100", Period: "2026", CreatedBy: "system"}).(AppraisalInput)
		if !ok || in.OrgUnitID != "150100" || in.Period != "2026" || in.CaseID != "appraisal-2026-0001" {
			t.Fatalf("appraisal cycle input %+v", in)
		}
		return
	}
	t.Fatal("the appraisal round is not a registered cycle")
}

// Only a supervised cadre may start a case about themself, and only of a kind that allows it.
func TestMayStartAboutSelf(t *testing.T) {
	cadre := Actor{ID: "batu", Roles: Roles{RoleSupervisedCadre}, OrgUnitID: "150100-jyj"}
	if !KindTalk.MayStartAboutSelf(cadre) {
		t.Error("a cadre may not ask for a talk")
	}
	for _, p := range Processes() {
		if p.Kind != KindTalk && p.Kind.MayStartAboutSelf(cadre) {
			t.Errorf("a cadre may start %s about themself", p.Kind)
		}
	}
	for _, r := range AllRoles {
		if r != RoleSupervisedCadre && KindTalk.MayStartAboutSelf(Actor{ID: "x", Roles: Roles{r}, OrgUnitID: "150100"}) {
			t.Errorf("role %s starts a talk about themself", r)
		}
	}
}
