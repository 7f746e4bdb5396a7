package schemas

import "time"

// KindTalk is 双向约谈 (P12): a talk the organization department holds with a cadre, proposed by
// the office or asked for by the cadre.
const KindTalk CaseKind = "talk"

// Who asked for a talk (TalkInput.InitiatedBy).
const (
	TalkByOrganization = "organization" // 组织约谈干部 (DOMAIN.md P12 steps 1–5)
	TalkByCadre        = "cadre"        // 干部约谈组织 (DOMAIN.md P12 steps 6–10)
)

// Reasons of an organization-initiated talk.
const (
	TalkReasonAppointment = "appointment"         // 任职
	TalkReasonTransfer    = "transfer"            // 交流调整
	TalkReasonAssessment  = "assessment_feedback" // 考核反馈
	TalkReasonWarningSign = "warning_sign"        // 苗头性问题
)

// TalkReasons lists the reasons of an organization-initiated talk.
var TalkReasons = []string{TalkReasonAppointment, TalkReasonTransfer, TalkReasonAssessment, TalkReasonWarningSign}

// TalkReasonTitle is a reason's Chinese name.
func TalkReasonTitle(r string) string {
	return map[string]string{
		TalkReasonAppointment: "任职谈话", TalkReasonTransfer: "交流调整", TalkReasonAssessment: "考核反馈", TalkReasonWarningSign: "苗头性问题",
	}[r]
}

// How the clerk routes a cadre's request, by the cadre's level (DOMAIN.md P12 step 7): the
// decisions of the routing step.
const (
	TalkRoutePrincipal = "principal" // 正职 → 部长
	TalkRouteDeputy    = "deputy"    // 副职 → 副部长
	TalkRouteSection   = "section"   // 其他 → 干部科
)

// When the matters a cadre raised are settled (DOMAIN.md P12 step 9): the decisions of the
// record step of a cadre-initiated talk.
const (
	TalkSettleOnSpot   = "on_spot"   // 当场答复
	TalkSettleWithin5  = "within_5"  // 5个工作日内答复
	TalkSettleWithin20 = "within_20" // 20个工作日内答复
)

// The cadre's satisfaction with the answer (DOMAIN.md P12 step 10).
const (
	TalkSatisfied      = "satisfied"
	TalkBasicSatisfied = "basically_satisfied"
	TalkUnsatisfied    = "unsatisfied"
)

// TalkInput starts a talk case (双向约谈, DOMAIN.md P12).
type TalkInput struct {
	CaseID      string   `json:"case_id"`
	Title       string   `json:"title"`
	OrgUnitID   string   `json:"org_unit_id"` // the organization department that holds the talk
	CreatedBy   string   `json:"created_by"`
	Priority    Priority `json:"priority"`
	InitiatedBy string   `json:"initiated_by"` // organization or cadre
	CadreID     string   `json:"cadre_id"`
	CadreName   string   `json:"cadre_name"`
	CadreUnitID string   `json:"cadre_unit_id"`
	// Reason (organization-initiated only) and Grounds: the reason's detail, or the topic the
	// cadre asks to talk about.
	Reason       string `json:"reason,omitempty"`
	Grounds      string `json:"grounds"`
	SourceCaseID string `json:"source_case_id,omitempty"`
	// ProposedBy is the case that decided the talk (an appraisal's feedback talk): the
	// proposal and its approval are that case's, and the talk is due in TalkWorkingDays.
	ProposedBy      string `json:"proposed_by,omitempty"`
	TalkWorkingDays int    `json:"talk_working_days,omitempty"`
}

// TalkRecord is what the talkers recorded.
type TalkRecord struct {
	Date     string    `json:"date"` // YYYY-MM-DD
	Time     string    `json:"time,omitempty"`
	Place    string    `json:"place"`
	Talkers  []string  `json:"talkers"` // the two officials who held the talk
	Content  string    `json:"content"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Disputed string    `json:"disputed,omitempty"` // the cadre's objection to this record
}

// TalkFollowUp is one follow-up item of a talk, with its deadline.
type TalkFollowUp struct {
	Item   string `json:"item"`
	DueOn  string `json:"due_on"` // YYYY-MM-DD
	Status string `json:"status"` // open, corrected, not_corrected
	Note   string `json:"note,omitempty"`
}

// TalkState is the talk part of CaseState. The record is confidential: the case is read by the
// organization department's officials (the kernel's case rule), never by the cadre (回避), who
// reads the record in their own confirmation step.
type TalkState struct {
	InitiatedBy  string `json:"initiated_by"`
	CadreID      string `json:"cadre_id"`
	CadreName    string `json:"cadre_name"`
	CadreUnitID  string `json:"cadre_unit_id"`
	Reason       string `json:"reason,omitempty"`
	Grounds      string `json:"grounds"`
	SourceCaseID string `json:"source_case_id,omitempty"`
	ProposedBy   string `json:"proposed_by,omitempty"`
	// Route is the clerk's routing of a cadre's request; ScheduledDate and Place what they fixed.
	Route         string         `json:"route,omitempty"`
	ScheduledDate string         `json:"scheduled_date,omitempty"`
	ScheduledTime string         `json:"scheduled_time,omitempty"`
	Place         string         `json:"place,omitempty"`
	Records       []TalkRecord   `json:"records,omitempty"`
	Confirmed     bool           `json:"confirmed"`
	FollowUps     []TalkFollowUp `json:"follow_ups,omitempty"`
	// Settlement: when the cadre's matters are answered; Answer the answer.
	Settlement   string `json:"settlement,omitempty"`
	Answer       string `json:"answer,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
	// DisciplineMatter is what the record referred to the discipline commission, if anything.
	DisciplineMatter string `json:"discipline_matter,omitempty"`
}

// TalkSettlementTitle names when a cadre's matters are answered, in Chinese.
func TalkSettlementTitle(s string) string {
	return map[string]string{TalkSettleOnSpot: "当场答复", TalkSettleWithin5: "5个工作日内答复", TalkSettleWithin20: "20个工作日内答复"}[s]
}

// TalkSatisfactionTitle names the cadre's satisfaction in Chinese.
func TalkSatisfactionTitle(s string) string {
	return map[string]string{TalkSatisfied: "满意", TalkBasicSatisfied: "基本满意", TalkUnsatisfied: "不满意"}[s]
}
