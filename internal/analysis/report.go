package analysis

import (
	"encoding/json"
	"strconv"
	"time"
)

// SuppressBelow is the smallest count of 12380 reports shown as a number: a cell of one or two
// reports (one signed report about a small unit) could point at who reported, so it shows
// "<3" (issue 17).
const SuppressBelow = 3

// Cell is a count that may be withheld. Its JSON is the number, or "<3" when Suppressed; N is
// never written out for a suppressed cell.
type Cell struct {
	N          int
	Suppressed bool
}

// MarshalJSON writes the number or "<3".
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Suppressed {
		return json.Marshal(c.Text())
	}
	return json.Marshal(c.N)
}

// UnmarshalJSON reads what MarshalJSON wrote (a stored report); a suppressed cell reads as
// suppressed with N 0.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = Cell{Suppressed: true}
		return nil
	}
	*c = Cell{}
	return json.Unmarshal(b, &c.N)
}

// Text is the cell as shown: the number or "<3".
func (c Cell) Text() string {
	if c.Suppressed {
		return "<" + strconv.Itoa(SuppressBelow)
	}
	return strconv.Itoa(c.N)
}

// Row is one line of a breakdown.
type Row struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count Cell   `json:"count"`
}

// OrgRef names an org unit.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Report is the analysis report of an org unit's subtree for a period.
type Report struct {
	OrgUnit OrgRef `json:"org_unit"`
	Period  Period `json:"period"`
	Title   string `json:"title"`
	// AsOf is when the figures were read: a stored report keeps them as of then.
	AsOf     time.Time  `json:"as_of"`
	Headline Headline   `json:"headline"`
	Previous Comparison `json:"previous"`
	LastYear Comparison `json:"last_year"`
	Reports  Reports    `json:"reports"`
	// Timeliness has a row per process (Step "") and per step of it.
	Timeliness    []Timeliness     `json:"timeliness"`
	Transfers     []TransferOffice `json:"transfers"`
	Publicity     Publicity        `json:"publicity"`
	Inquiries     Outcomes         `json:"inquiries"`
	Admonishments Outcomes         `json:"admonishments"`
	Restrictions  Restrictions     `json:"restrictions"`
	Warnings      []Warning        `json:"warnings"`
}

// Headline are the figures compared across periods.
type Headline struct {
	Reports        Cell `json:"reports"` // 12380 reports received
	CasesOpened    int  `json:"cases_opened"`
	CasesClosed    int  `json:"cases_closed"`
	TasksClosed    int  `json:"tasks_closed"`
	TasksLate      int  `json:"tasks_late"`      // closed after their deadline
	TasksEscalated int  `json:"tasks_escalated"` // closed in the period after a 督办 (or a report upward)
}

// Comparison is the headline of another period.
type Comparison struct {
	Period   Period   `json:"period"`
	Headline Headline `json:"headline"`
}

// Reports are the 12380 reports received in the period.
type Reports struct {
	Total Cell `json:"total"`
	// ByChannel: phone, letter, visit, sms, web.
	ByChannel []Row `json:"by_channel"`
	// ByType is how the report was triaged (核查, 谈话提醒, 函询, 存档, 转办, 并入公示): the type
	// of matter as the office classed it; "pending" while not triaged.
	ByType []Row `json:"by_type"`
	// ByUnit is the reported cadre's unit (the official's org unit when the report names an
	// official of Jiandu, else the unit the report gives).
	ByUnit []Row `json:"by_unit"`
	// ByFinding is the outcome of verification (属实, 部分属实, 不属实, 无法查实); "open" while
	// the case runs, "none" for a case that ended without one.
	ByFinding []Row `json:"by_finding"`
	// ByHandling is what followed a finding (诫勉, 函询, 组织处理, 移送纪委, 无需处理).
	ByHandling []Row `json:"by_handling"`
	ByMonth    []Row `json:"by_month"`
}

// Timeliness is how the steps of a process (or one step, Step set) closed in the period.
type Timeliness struct {
	Kind      string `json:"kind"`
	KindTitle string `json:"kind_title"`
	Step      string `json:"step,omitempty"`
	StepTitle string `json:"step_title,omitempty"`
	Closed    int    `json:"closed"`
	OnTime    int    `json:"on_time"`
	Late      int    `json:"late"`
	Escalated int    `json:"escalated"`
	// OpenOverdue are the steps still open at the period's end past their deadline.
	OpenOverdue int `json:"open_overdue"`
	// MedianHours and P90Hours are the time to close: of the steps, or for the process row of
	// the cases closed in the period (opened to closed).
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`
}

// TransferOffice is one lower office's transfers (转办) and its report-backs.
type TransferOffice struct {
	Office   OrgRef `json:"office"`
	Received int    `json:"received"` // transfer cases opened in the period
	// Report-backs closed in the period, on time or late; still open past the deadline.
	OnTime      int `json:"on_time"`
	Late        int `json:"late"`
	OpenOverdue int `json:"open_overdue"`
	Returned    int `json:"returned"`   // results the superior returned for re-verification
	TakenOver   int `json:"taken_over"` // transfers the superior took over (提级办理)
}

// Publicity is the publicity (任前公示) cases: objections received and decisions made. The
// objections are reports about a candidate: one or two show "<3", as 12380 reports do.
type Publicity struct {
	Cases      int   `json:"cases"` // opened in the period
	Objections Cell  `json:"objections"`
	Verified   Cell  `json:"verified"` // objections that got a verification
	Decisions  []Row `json:"decisions"`
}

// Outcomes are the cases of a kind: opened, closed and what they closed with.
type Outcomes struct {
	Opened    int   `json:"opened"`
	Closed    int   `json:"closed"`
	Open      int   `json:"open"` // still open at the period's end
	ByOutcome []Row `json:"by_outcome"`
}

// Restrictions are the restrictions on officials of the subtree in force at the period's end
// (now, while the period runs).
type Restrictions struct {
	InForce int   `json:"in_force"`
	ByKind  []Row `json:"by_kind"`
}

// Warning rules (苗头性问题).
const (
	RuleRepeatSubject = "repeat_subject" // a cadre named in two or more reports within 12 months
	RuleRisingUnit    = "rising_unit"    // a unit with more reports than the period before
	RuleLateOffice    = "late_office"    // a lower office late on two or more steps within 12 months
	RuleRepeatFinding = "repeat_finding" // the same finding in two or more inspections of a unit
)

// RuleTitles are the rules' Chinese names.
var RuleTitles = map[string]string{
	RuleRepeatSubject: "干部被重复举报",
	RuleRisingUnit:    "单位举报数量上升",
	RuleLateOffice:    "下级组织部门多次逾期",
	RuleRepeatFinding: "检查中重复发现同类问题",
}

// Warning is one early warning with the cases behind it.
type Warning struct {
	Rule  string `json:"rule"`
	Title string `json:"title"`
	// SubjectID is the official a repeat_subject warning is about; the unit or office id
	// otherwise. Subject is its name.
	SubjectID string   `json:"subject_id"`
	Subject   string   `json:"subject"`
	Detail    string   `json:"detail"`
	Count     int      `json:"count"`
	Cases     []string `json:"cases"`
}
