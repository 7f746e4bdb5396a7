package schemas

import "time"

// KindJointInspection is 三责联检 (P3).
const KindJointInspection CaseKind = "joint-inspection"

// JointInspectionInput starts a three-responsibilities joint inspection (三责联检, DOMAIN.md P3)
// of a unit's principal leader.
type JointInspectionInput struct {
	CaseID     string   `json:"case_id"`
	Title      string   `json:"title"`
	OrgUnitID  string   `json:"org_unit_id"` // the organization department running the case
	CreatedBy  string   `json:"created_by"`
	Priority   Priority `json:"priority"`
	LeaderID   string   `json:"leader_id"` // the inspected principal leader
	LeaderName string   `json:"leader_name"`
	UnitID     string   `json:"unit_id"`
	UnitName   string   `json:"unit_name"`
	PeriodFrom string   `json:"period_from"` // YYYY-MM-DD, the period the inspection covers
	PeriodTo   string   `json:"period_to"`
	// The offices doing the 进人 and 用编 checks, resolved when the case starts.
	HROfficeID            string `json:"hr_office_id"`
	EstablishmentOfficeID string `json:"establishment_office_id"`
}

// CheckArea names one of the three checks; it also ends the child workflow's id
// (joint-inspection-2026-0001-yongren).
type CheckArea string

const (
	CheckYongren  CheckArea = "yongren"  // 用人: appointing cadres, the organization department
	CheckJinren   CheckArea = "jinren"   // 进人: hiring, HR (人社)
	CheckYongbian CheckArea = "yongbian" // 用编: staffing quotas, the establishment office (编办)
)

// CheckAreas lists the three checks in the order the case shows them.
var CheckAreas = []CheckArea{CheckYongren, CheckJinren, CheckYongbian}

// Title is the check's Chinese name.
func (a CheckArea) Title() string {
	return map[CheckArea]string{CheckYongren: "用人检查", CheckJinren: "进人检查", CheckYongbian: "用编检查"}[a]
}

// JointInspectionCheckWorkflow is the workflow type of one check: a part (child workflow) of
// the joint inspection holding that check's steps.
const JointInspectionCheckWorkflow = "JointInspectionCheck"

// JointInspectionCheckID is the workflow id of a check of case caseID.
func JointInspectionCheckID(caseID string, a CheckArea) string { return caseID + "-" + string(a) }

// JointInspectionCheckInput starts one check.
type JointInspectionCheckInput struct {
	CaseID    string    `json:"case_id"` // the parent case
	Title     string    `json:"title"`
	Area      CheckArea `json:"area"`
	OrgUnitID string    `json:"org_unit_id"` // the office doing the check
	Role      Role      `json:"role"`
	Priority  Priority  `json:"priority"`
	CreatedBy string    `json:"created_by"`
	Subject   string    `json:"subject"` // the inspected leader and unit, for task titles
	// Subjects are the parent case's subjects (回避).
	Subjects []string `json:"subjects,omitempty"`
}

// Findings of a check, of the consolidated report.
const (
	InspectNoIssues      = "no_issues"      // 未发现问题
	InspectIssues        = "issues"         // 发现问题
	InspectSeriousIssues = "serious_issues" // 发现严重问题
)

// CheckResult is what a check found; a check's workflow returns it.
type CheckResult struct {
	Area        CheckArea  `json:"area"`
	WorkflowID  string     `json:"workflow_id"`
	Status      string     `json:"status"` // running, done, cancelled
	Decision    string     `json:"decision,omitempty"`
	Findings    string     `json:"findings,omitempty"`
	Report      string     `json:"report,omitempty"`
	CompletedBy string     `json:"completed_by,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Overdue     bool       `json:"overdue"`
}

// JointInspectionState is the joint-inspection part of CaseState.
type JointInspectionState struct {
	LeaderID       string        `json:"leader_id"`
	UnitID         string        `json:"unit_id"`
	PeriodFrom     string        `json:"period_from,omitempty"` // YYYY-MM-DD
	PeriodTo       string        `json:"period_to,omitempty"`
	NotifiedAt     *time.Time    `json:"notified_at,omitempty"`
	Checks         []CheckResult `json:"checks"`
	Finding        string        `json:"finding,omitempty"` // of the approved consolidated report
	Findings       string        `json:"findings,omitempty"`
	AcknowledgedAt *time.Time    `json:"acknowledged_at,omitempty"`
	RectifyRounds  int           `json:"rectify_rounds,omitempty"`
	RectifiedAt    *time.Time    `json:"rectified_at,omitempty"`
	Accountability string        `json:"accountability,omitempty"` // the leader's decision on the proposal
	FiledAt        *time.Time    `json:"filed_at,omitempty"`
}

// JointInspectionPeriod is the period a joint inspection covers, claimed by the API when it
// starts the case, so that one leader has one open inspection per period (migration 14). The
// case is open while its row is (or while it has no row yet: it is starting).
type JointInspectionPeriod struct {
	CaseID     string    `gorm:"primaryKey" json:"case_id"`
	LeaderID   string    `json:"leader_id"`
	PeriodFrom string    `json:"period_from"`
	PeriodTo   string    `json:"period_to"`
	CreatedAt  time.Time `json:"created_at"`
}
