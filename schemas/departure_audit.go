package schemas

import "time"

// KindDepartureAudit is 经济责任审计 + 离任交接 (P2).
const KindDepartureAudit CaseKind = "departure-audit"

// DepartureAuditInput starts a departure audit case (经济责任审计 + 离任交接, DOMAIN.md P2): a
// cadre's departure has been registered.
type DepartureAuditInput struct {
	CaseID    string    `json:"case_id"`
	Title     string    `json:"title"`
	OrgUnitID string    `json:"org_unit_id"` // the organization department running the case
	CreatedBy string    `json:"created_by"`
	Priority  Priority  `json:"priority"`
	Departure Departure `json:"departure"`
	// The bodies the case involves, resolved when the case starts.
	AuditOfficeID      string `json:"audit_office_id"`
	DisciplineOfficeID string `json:"discipline_office_id"`
}

// Departure is what registering a cadre's departure records (P2 step 1).
type Departure struct {
	CadreID       string `json:"cadre_id"`
	CadreName     string `json:"cadre_name"`
	UnitID        string `json:"unit_id"` // the unit the cadre leaves
	UnitName      string `json:"unit_name"`
	Post          string `json:"post"`
	DepartureDate string `json:"departure_date"` // YYYY-MM-DD
	SuccessorID   string `json:"successor_id"`
	SuccessorName string `json:"successor_name"`
}

// The items of a handover list (离任交接清单), in the order the form asks for them.
var HandoverItems = []struct{ Key, Label string }{
	{"assets", "资产"},
	{"liabilities", "债务"},
	{"contracts", "合同"},
	{"projects", "在建项目"},
	{"funds", "未结资金"},
}

// Answers of the successor on each handover item.
const (
	ItemConfirmed = "confirmed" // 确认
	ItemDisputed  = "disputed"  // 有异议
)

// Audit findings (P2 step 8): the final report's decision.
const (
	AuditNoFindings       = "none"              // 未发现问题
	AuditManagementIssues = "management_issues" // 发现管理问题
	AuditDisciplineClues  = "discipline_clues"  // 发现违纪违法问题线索
)

// Decisions of a written-opinion step.
const (
	OpinionNoObjection = "no_objection" // 无异议 (also what a lapsed window records)
	OpinionSubmitted   = "submit"       // 提出书面意见
)

// HandoverRound is one round of the handover list and the successor's answer to it.
type HandoverRound struct {
	Round    int               `json:"round"`
	Items    map[string]string `json:"items"`              // item key -> the cadre's text
	Answers  map[string]string `json:"answers,omitempty"`  // item key -> confirmed/disputed
	Disputed []string          `json:"disputed,omitempty"` // item keys, in form order
	Reason   string            `json:"reason,omitempty"`
}

// WrittenOpinion is one answer to the draft report, or the record that the window lapsed.
type WrittenOpinion struct {
	From     string    `json:"from"` // cadre or unit
	By       string    `json:"by"`   // official id, "system" when the window lapsed
	Decision string    `json:"decision"`
	Opinion  string    `json:"opinion,omitempty"`
	Lapsed   bool      `json:"lapsed"` // no answer in time: counted as no objection
	At       time.Time `json:"at"`
}

// DisciplineTransfer records clues transferred to the discipline commission (移送).
type DisciplineTransfer struct {
	To    string    `json:"to"` // org unit id
	Clues string    `json:"clues"`
	At    time.Time `json:"at"`
}

// DepartureAuditState is the departure-audit part of CaseState.
type DepartureAuditState struct {
	Departure        Departure           `json:"departure"`
	Handover         []HandoverRound     `json:"handover"`
	HandoverSignedBy string              `json:"handover_signed_by,omitempty"`
	HandoverSignedAt *time.Time          `json:"handover_signed_at,omitempty"`
	PlanApprovedAt   *time.Time          `json:"plan_approved_at,omitempty"`
	NoticeServedAt   *time.Time          `json:"notice_served_at,omitempty"`
	FieldworkFrom    *time.Time          `json:"fieldwork_from,omitempty"`
	DraftSentAt      *time.Time          `json:"draft_sent_at,omitempty"`
	Opinions         []WrittenOpinion    `json:"opinions,omitempty"`
	Finding          string              `json:"finding,omitempty"`
	Findings         string              `json:"findings,omitempty"`
	RectifyRounds    int                 `json:"rectify_rounds,omitempty"`
	RectifiedAt      *time.Time          `json:"rectified_at,omitempty"`
	Transfer         *DisciplineTransfer `json:"transfer,omitempty"`
	FiledAt          *time.Time          `json:"filed_at,omitempty"`
}
