package schemas

import (
	"slices"
	"strconv"
	"time"
)

// CycleStart is what starts one round of a periodic process (an annual reporting cycle, a
// year's evaluation, a month's analysis) for one office: a Temporal Schedule does it on its
// calendar, an authorised official by a request. Every cycle workflow's input carries it.
type CycleStart struct {
	CaseID    string `json:"case_id"`
	OrgUnitID string `json:"org_unit_id"` // the organization department that runs the round
	// Period is what the round is about: "2026" (a year), "2026-Q3" (a quarter), "2026-07"
	// (a month).
	Period    string `json:"period"`
	CreatedBy string `json:"created_by"` // the official, or "system" for a schedule
}

// Cycle is a periodic process that a Temporal Schedule starts per office. Registering one is
// a row in cycles, next to the process's row in processes.
type Cycle struct {
	Kind CaseKind
	// Months are the months (1–12) a round opens in; nil: every month.
	Months []int
	// Day is the day of the month a round opens on.
	Day int
	// Period names the period a round opening at t is about (the year whose reports are due,
	// the month just ended).
	Period func(t time.Time) string
	// Input is the workflow input of a round.
	Input func(CycleStart) any
}

// cycles registers every periodic process.
var cycles = []Cycle{
	// P9: the round opens on 1 January and evaluates the year just ended.
	{Kind: KindEvaluation, Months: []int{1}, Day: 1, Period: EvaluationPeriod, Input: func(cs CycleStart) any {
		return EvaluationInput{CycleStart: cs, Thresholds: DefaultEvaluationThresholds()}
	}},
	// 述职述廉 (DOMAIN.md P12 step 11): opens 1 December, about that year.
	{Kind: KindAppraisal, Months: []int{12}, Day: 1, Period: func(t time.Time) string { return strconv.Itoa(t.Year()) },
		Input: func(cs CycleStart) any { return AppraisalInput{CycleStart: cs} }},
	{Kind: KindMattersCycle, Months: []int{12}, Day: 1, Period: mattersCyclePeriod, Input: mattersCycleInput},
	// The analysis report: every month on the 1st, about the month just ended (its round adds
	// the quarter or year the month ends: AnalysisInput).
	{Kind: KindAnalysis, Day: 1, Period: PreviousMonth, Input: func(cs CycleStart) any { return AnalysisInput{CycleStart: cs} }},
}

// Cycles lists every periodic process in registration order.
func Cycles() []Cycle { return slices.Clone(cycles) }
