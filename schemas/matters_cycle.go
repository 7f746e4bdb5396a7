package schemas

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// KindMattersCycle is the annual personal-matters reporting cycle of one organization
// department (个人有关事项年度集中报告, DOMAIN.md P8 steps 1–4): the roster of the cadres who
// must report, one report per cadre due by 31 January, the completeness check, and the random
// draw whose checks run as matters-check cases.
const KindMattersCycle CaseKind = "matters-cycle"

// MattersCycleReportWorkflow is the workflow type of one cadre's report in a cycle: a part
// (child workflow) of the cycle's case, so each cadre's steps live in a history of their own.
const MattersCycleReportWorkflow = "MattersCycleReport"

// MattersCycleReportID is the workflow id of cadreID's report part in the cycle caseID.
func MattersCycleReportID(caseID, cadreID string) string { return caseID + "-report-" + cadreID }

// DefaultDrawPercent is the proportion of each unit's roster the random draw takes when the
// cycle does not say (中组部 抽查核实办法: 10% a year).
const DefaultDrawPercent = 10

// MattersCycleInput starts one round of the cycle. CycleStart.Period is the year reported on
// ("2026": reports due 31 January 2027); the other fields are optional.
type MattersCycleInput struct {
	CycleStart
	Title    string   `json:"title,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	// Percent is the proportion (1–100) of each unit's roster drawn for random checks; 0 is
	// DefaultDrawPercent.
	Percent int `json:"percent,omitempty"`
	// ReportDue is the reports' deadline date (YYYY-MM-DD); "" is 31 January after the year.
	ReportDue string `json:"report_due,omitempty"`
	// DrawBy is the date by which the draw is made (YYYY-MM-DD); "" is 31 March after the
	// year. The draw is made as soon as every report is checked complete, and on that date at
	// 09:00 at the latest.
	DrawBy string `json:"draw_by,omitempty"`
	// Seed, when set, is the draw's seed instead of a fresh random one (a redo of a recorded
	// draw, or a test).
	Seed string `json:"seed,omitempty"`
}

// Year is the year reported on, from Period.
func (in MattersCycleInput) Year() (int, error) {
	y, err := strconv.Atoi(in.Period)
	if err != nil || y < 2000 || y > 9998 {
		return 0, fmt.Errorf("matters cycle: period %q is not a year", in.Period)
	}
	return y, nil
}

// MattersCadre is one cadre on the cycle's roster.
type MattersCadre struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	UnitID string `json:"unit_id"`
}

// MattersCycleReportInput starts one cadre's report part.
type MattersCycleReportInput struct {
	CaseID    string       `json:"case_id"` // the cycle's case
	Title     string       `json:"title"`
	OrgUnitID string       `json:"org_unit_id"`
	CreatedBy string       `json:"created_by"`
	Priority  Priority     `json:"priority"`
	Cadre     MattersCadre `json:"cadre"`
	Year      int          `json:"year"`
	Due       string       `json:"due"` // YYYY-MM-DD
}

// Report statuses of a cadre in the cycle.
const (
	ReportPending   = "pending"   // 待报告
	ReportReturned  = "returned"  // 退回补充
	ReportComplete  = "complete"  // 已报告，审核完整
	ReportCancelled = "cancelled" // 周期已撤销
)

// LateWithoutCause is the finding recorded when a cadre has not reported 10 working days after
// the deadline (无正当理由不按时报告, DOMAIN.md P8 step 2).
const LateWithoutCause = "late_without_cause"

// MattersReport is one cadre's report in the cycle, as the part returns it and the cycle
// shows it.
type MattersReport struct {
	MattersCadre
	WorkflowID string     `json:"workflow_id"`
	Status     string     `json:"status"`
	ReportedAt *time.Time `json:"reported_at,omitempty"` // the last submission
	Late       bool       `json:"late,omitempty"`        // submitted (or still not) after the deadline
	Returned   int        `json:"returned,omitempty"`    // times sent back as incomplete
	Finding    string     `json:"finding,omitempty"`     // LateWithoutCause
	Handling   string     `json:"handling,omitempty"`    // what the supervisor decided on the finding
	// CheckCaseID is the matters-check case of a cadre the draw picked.
	CheckCaseID string `json:"check_case_id,omitempty"`
}

// MattersUnitDraw is the draw of one unit: its roster (cadre ids) and the cadres drawn, in
// draw order (internal/spotcheck).
type MattersUnitDraw struct {
	UnitID string   `json:"unit_id"`
	Roster []string `json:"roster"`
	Drawn  []string `json:"drawn"`
}

// MattersDraw is the cycle's recorded random draw: with the seed, anyone can redo it.
type MattersDraw struct {
	Seed    string            `json:"seed"`
	Percent int               `json:"percent"`
	Year    int               `json:"year"`
	DrawnAt time.Time         `json:"drawn_at"`
	Units   []MattersUnitDraw `json:"units"`
}

// MattersCycleState is the cycle's part of CaseState.
type MattersCycleState struct {
	Year      int             `json:"year"`
	Percent   int             `json:"percent"`
	ReportDue string          `json:"report_due"`
	DrawBy    string          `json:"draw_by"`
	Reports   []MattersReport `json:"reports"`
	Draw      *MattersDraw    `json:"draw,omitempty"`
}

// mattersCycleInput is a scheduled round's input: everything but CycleStart defaults.
func mattersCycleInput(cs CycleStart) any { return MattersCycleInput{CycleStart: cs} }

// mattersCyclePeriod is the year a round opening at t reports on: the round opening on
// 1 December 2026 collects the reports on 2026, due 31 January 2027.
func mattersCyclePeriod(t time.Time) string { return strconv.Itoa(t.In(calendar.Location()).Year()) }
