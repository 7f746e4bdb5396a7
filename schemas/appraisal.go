package schemas

import "time"

// KindAppraisal is 述职述廉 (P12): the annual round of an organization department, which opens
// one appraisal case per cadre of its roster.
const KindAppraisal CaseKind = "appraisal"

// KindAppraisalCadre is one cadre's 述职述廉 within a round: report, 测评, grade, handling.
const KindAppraisalCadre CaseKind = "appraisal-cadre"

// AppraisalInput starts (or continues) a round. CycleStart names the office and the year.
type AppraisalInput struct {
	CycleStart
	Title string `json:"title,omitempty"`
	// Roster and Opened carry the round across continue-as-new: the roster read when it
	// opened, and the cases opened so far (in roster order).
	Roster []AppraisalCadre  `json:"roster,omitempty"`
	Opened []AppraisalOpened `json:"opened,omitempty"`
	// Continued: this run continues an earlier one (the case is already recorded as open).
	Continued bool `json:"continued,omitempty"`
}

// AppraisalCadre is one cadre of an office's roster.
type AppraisalCadre struct {
	OfficialID string `json:"official_id"`
	Name       string `json:"name"`
	UnitID     string `json:"unit_id"`
}

// AppraisalOpened is the appraisal case opened for a cadre.
type AppraisalOpened struct {
	OfficialID string `json:"official_id"`
	CaseID     string `json:"case_id"`
}

// AppraisalState is the round's part of CaseState.
type AppraisalState struct {
	Period string            `json:"period"`
	Roster int               `json:"roster"` // cadres on the roster
	Opened []AppraisalOpened `json:"opened"`
}

// The grades of 年度考核 (《党政领导干部考核工作条例》).
const (
	GradeExcellent   = "excellent"   // 优秀
	GradeCompetent   = "competent"   // 称职
	GradeBasic       = "basic"       // 基本称职
	GradeIncompetent = "incompetent" // 不称职
)

// Grades lists the grades from best to worst.
var Grades = []string{GradeExcellent, GradeCompetent, GradeBasic, GradeIncompetent}

// GradeTitle is a grade's Chinese name.
func GradeTitle(g string) string {
	return map[string]string{GradeExcellent: "优秀", GradeCompetent: "称职", GradeBasic: "基本称职", GradeIncompetent: "不称职"}[g]
}

// Handling decided at the review a threshold calls for (DOMAIN.md P12 step 16).
const (
	AppraisalNoAction = "no_action" // 不作处理
	AppraisalAdmonish = "admonish"  // 诫勉 → a linked P4 case
	AppraisalAdjust   = "adjust"    // 调整岗位
	AppraisalDismiss  = "dismiss"   // 免职
	AppraisalResign   = "resign"    // 责令辞职
	AppraisalDemote   = "demote"    // 降职
)

// AppraisalHandlingTitle is a handling's Chinese name.
func AppraisalHandlingTitle(h string) string {
	return map[string]string{
		AppraisalNoAction: "不作处理", AppraisalAdmonish: "诫勉", AppraisalAdjust: "调整岗位",
		AppraisalDismiss: "免职", AppraisalResign: "责令辞职", AppraisalDemote: "降职",
	}[h]
}

// AdmSourceAppraisal: an admonishment decided at an appraisal's review.
const AdmSourceAppraisal = "appraisal"

// AppraisalTally is the meeting's anonymous 测评, entered as counts per grade: never a ballot.
type AppraisalTally struct {
	Excellent   int `json:"excellent"`
	Competent   int `json:"competent"`
	Basic       int `json:"basic"`
	Incompetent int `json:"incompetent"`
}

// Total is the valid ballots.
func (t AppraisalTally) Total() int { return t.Excellent + t.Competent + t.Basic + t.Incompetent }

// LowSupport: 优秀 and 称职 together are less than two thirds of the valid ballots.
func (t AppraisalTally) LowSupport() bool {
	return t.Total() > 0 && 3*(t.Excellent+t.Competent) < 2*t.Total()
}

// ManyIncompetent: 不称职 is more than a third of the valid ballots.
func (t AppraisalTally) ManyIncompetent() bool {
	return t.Total() > 0 && 3*t.Incompetent > t.Total()
}

// AppraisalCadreInput starts one cadre's appraisal.
type AppraisalCadreInput struct {
	CaseID      string   `json:"case_id"`
	Title       string   `json:"title"`
	OrgUnitID   string   `json:"org_unit_id"`
	CreatedBy   string   `json:"created_by"`
	Priority    Priority `json:"priority"`
	Period      string   `json:"period"`
	CycleCaseID string   `json:"cycle_case_id"`
	CadreID     string   `json:"cadre_id"`
	CadreName   string   `json:"cadre_name"`
	CadreUnitID string   `json:"cadre_unit_id"`
}

// AppraisalCadreState is one cadre's appraisal in CaseState.
type AppraisalCadreState struct {
	Period      string          `json:"period"`
	CycleCaseID string          `json:"cycle_case_id"`
	CadreID     string          `json:"cadre_id"`
	CadreName   string          `json:"cadre_name"`
	CadreUnitID string          `json:"cadre_unit_id"`
	ReportAt    *time.Time      `json:"report_at,omitempty"`
	Tally       *AppraisalTally `json:"tally,omitempty"`
	Proposed    string          `json:"proposed,omitempty"` // the assessment team's grade
	Grade       string          `json:"grade,omitempty"`    // the leader's decision
	// Thresholds the tally hit: low_support (优秀+称职 < 2/3), many_incompetent (不称职 > 1/3).
	Thresholds []string `json:"thresholds,omitempty"`
	Handling   string   `json:"handling,omitempty"` // the review's decision
	// AdmonishmentCaseID and TalkCaseID are the linked cases (诫勉, the feedback talk).
	AdmonishmentCaseID string `json:"admonishment_case_id,omitempty"`
	TalkCaseID         string `json:"talk_case_id,omitempty"`
}

// The thresholds of AppraisalCadreState.Thresholds.
const (
	ThresholdLowSupport      = "low_support"
	ThresholdManyIncompetent = "many_incompetent"
)
