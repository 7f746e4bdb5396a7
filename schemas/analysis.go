package schemas

import (
	"fmt"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// KindAnalysis is the periodic analysis report (定期分析报告, issue 17; DOMAIN.md "Analysis
// reports"): a round per office per month, started by its schedule (schemas.Cycles).
const KindAnalysis CaseKind = "analysis"

// AnalysisInput starts a round of the analysis report. Period is a month ("2026-10"), a
// quarter ("2026-Q3") or a year ("2026"). A month's round also compiles the quarter the month
// ends (March, June, September, December) and, in December, the year: the quarterly report
// is the same workflow, deciding by its period.
type AnalysisInput struct {
	CycleStart
}

// AnalysisState is the analysis part of CaseState.
type AnalysisState struct {
	// Periods are the periods the round compiles; Snapshots the ids of their stored reports
	// (AnalysisSnapshot), in the same order.
	Periods   []string `json:"periods"`
	Snapshots []string `json:"snapshots"`
	// Warnings is how many early warnings the compiled reports hold.
	Warnings   int        `json:"warnings"`
	Narrative  string     `json:"narrative,omitempty"` // 苗头性问题分析, as approved
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
}

// AnalysisSnapshot is a compiled report as stored (migration 15): its figures as of
// CompiledAt, which a later correction of a case never changes; the narrative and approval are
// added when the leader approves.
type AnalysisSnapshot struct {
	ID         string     `gorm:"primaryKey" json:"id"` // <case id>.<period>
	CaseID     string     `json:"case_id"`
	OrgUnitID  string     `json:"org_unit_id"`
	Period     string     `json:"period"`
	PeriodFrom string     `json:"period_from"`
	PeriodTo   string     `json:"period_to"`
	Title      string     `json:"title"`
	Figures    string     `json:"-"` // the analysis.Report JSON
	Narrative  string     `json:"narrative"`
	Status     string     `json:"status"` // AnalysisDraft, AnalysisApproved
	CompiledAt time.Time  `json:"compiled_at"`
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
}

// Statuses of a stored analysis report.
const (
	AnalysisDraft    = "draft"
	AnalysisApproved = "approved"
)

// PreviousMonth names the month before the one t falls in (Beijing time): "2026-10" on
// 1 November, the period of the monthly round that opens then.
func PreviousMonth(t time.Time) string {
	b := t.In(calendar.Location())
	m := time.Date(b.Year(), b.Month(), 1, 0, 0, 0, 0, calendar.Location()).AddDate(0, -1, 0)
	return fmt.Sprintf("%04d-%02d", m.Year(), m.Month())
}
