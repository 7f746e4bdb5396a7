package schemas

import "time"

// KindReport is 12380 举报受理查核 (P6).
const KindReport CaseKind = "report"

// Report is a 12380 report (举报) as the receiving supervision office holds it. Its id is the
// report case's id. The reporter's identity and contact are sealed (internal/secrets) in
// IdentitySealed under key KeyID and are never copied anywhere else: workflows carry the report
// id and whether it is signed, nothing more.
type Report struct {
	ID             string `json:"id" gorm:"primaryKey"`
	OrgUnitID      string `json:"org_unit_id"` // the receiving supervision office
	Channel        string `json:"channel"`     // phone, letter, visit, web, sms
	Signed         bool   `json:"signed"`      // real-name (署名)
	KeyID          string `json:"-"`
	IdentitySealed string `json:"-"` // base64 of the sealed ReporterIdentity JSON; empty when anonymous
	SubjectID      string `json:"subject_id,omitempty"`
	SubjectName    string `json:"subject_name"`
	SubjectUnit    string `json:"subject_unit"`
	SubjectPost    string `json:"subject_post"`
	Content        string `json:"content"`
	// QueryCode (查询码) lets a web reporter follow the report with the secret whose salted
	// PBKDF2 hash is kept here; nil for reports registered by a clerk.
	QueryCode  *string    `json:"-"`
	SecretSalt string     `json:"-"`
	SecretHash string     `json:"-"`
	Status     string     `json:"status"`
	Feedback   string     `json:"feedback,omitempty"`
	FeedbackAt *time.Time `json:"feedback_at,omitempty"`
	CreatedBy  string     `json:"created_by"` // the clerk, or "public" for the web channel
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// ReportMaterial is material added to a report later (by the reporter through the query code).
type ReportMaterial struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	ReportID  string    `json:"report_id"`
	Source    string    `json:"source"` // "public" or the official's id
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// ReporterIdentity is what is sealed: who reported and how to reach them.
type ReporterIdentity struct {
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	IDNo    string `json:"id_no,omitempty"`
	Unit    string `json:"unit,omitempty"`
}

// Empty reports whether nothing identifies the reporter.
func (r ReporterIdentity) Empty() bool { return r == ReporterIdentity{} }

// Report statuses, as the reporter sees them through the query code.
const (
	ReportReceived   = "received"    // 已收到
	ReportAccepted   = "accepted"    // 已受理
	ReportInProgress = "in_progress" // 办理中
	ReportForwarded  = "forwarded"   // 不属于受理范围，已转交
	ReportConcluded  = "concluded"   // 已办结
	ReportWithdrawn  = "withdrawn"   // 已撤销 (its case was cancelled)
)

// ReportStatusTitle is the Chinese text of a report status.
func ReportStatusTitle(s string) string {
	return map[string]string{
		ReportReceived: "已收到", ReportAccepted: "已受理", ReportInProgress: "办理中",
		ReportForwarded: "不属于受理范围，已转有关部门", ReportConcluded: "已办结", ReportWithdrawn: "已撤销",
	}[s]
}

// ReportChannels are the 12380 channels; "web" files itself through the public endpoint.
var ReportChannels = []string{"phone", "letter", "visit", "sms", "web"}

// OrgRef names an org unit.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ReportInput starts a report case. It carries no reporter identity.
type ReportInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the receiving supervision office
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	Channel   string   `json:"channel"`
	Signed    bool     `json:"signed"`
	// Followable: the reporter holds a query code, so feedback is written for them too.
	Followable bool `json:"followable"`
	// The reported cadre; SubjectID is set when they are an official in Jiandu (needed for
	// 诫勉 and 函询 cases).
	SubjectID     string `json:"subject_id,omitempty"`
	SubjectName   string `json:"subject_name"`
	SubjectUnitID string `json:"subject_unit_id,omitempty"`
	// LowerOffices are the organization departments below OrgUnitID that a report may be
	// transferred to (P7), as the API found them at intake.
	LowerOffices []OrgRef `json:"lower_offices,omitempty"`
}

// Triage decisions (DOMAIN.md P6 step 3).
const (
	TriageVerify    = "verify"    // clear and specific: verification by this office
	TriageTalk      = "talk"      // vague: 谈话提醒
	TriageInquiry   = "inquiry"   // vague: 函询 (P5, linked)
	TriageFile      = "file"      // vague: filed for reference (存档备查)
	TriageTransfer  = "transfer"  // belongs to a lower level: 转办 (P7)
	TriagePublicity = "publicity" // about a candidate under publicity: objection in that P1 case
)

// Handling after a finding (DOMAIN.md P6 step 5).
const (
	HandleNone       = "none"
	HandleAdmonish   = "admonish"         // 诫勉 (P4, linked)
	HandleInquiry    = "inquiry"          // 函询 (P5, linked)
	HandleOrg        = "organizational"   // 组织处理
	HandleDiscipline = "refer_discipline" // 移送纪委
)

// ReportState is the report part of CaseState.
type ReportState struct {
	Channel         string `json:"channel"`
	Signed          bool   `json:"signed"`
	Followable      bool   `json:"followable"`
	Accepted        *bool  `json:"accepted,omitempty"`
	ForwardedTo     string `json:"forwarded_to,omitempty"`
	Triage          string `json:"triage,omitempty"`
	TransferCaseID  string `json:"transfer_case_id,omitempty"`
	TransferOutcome string `json:"transfer_outcome,omitempty"`
	// TransferReport and TransferAttachments are what the lower office reported up.
	TransferReport      string   `json:"transfer_report,omitempty"`
	TransferAttachments string   `json:"transfer_attachments,omitempty"`
	PublicityCaseID     string   `json:"publicity_case_id,omitempty"`
	Extended            bool     `json:"extended,omitempty"`
	Finding             string   `json:"finding,omitempty"`
	Handling            string   `json:"handling,omitempty"`
	LinkedCases         []string `json:"linked_cases,omitempty"`
	Clarified           bool     `json:"clarified,omitempty"`
	FeedbackGiven       bool     `json:"feedback_given,omitempty"`
}

// Signals between cases.
const (
	// SignalReportObjection attaches a report to a publicity case as an objection: a workflow
	// cannot send the file-objection update, so the report case signals.
	SignalReportObjection = "report-objection"
	// SignalTransferResult tells a report case what became of its transfer (P7).
	SignalTransferResult = "transfer-result"
)

// ReportObjection is the report-objection signal: an ObjectionRequest vouched for by the report
// case, with the official who triaged it as the actor.
type ReportObjection struct {
	ReportID string           `json:"report_id"`
	Request  ObjectionRequest `json:"request"`
}
