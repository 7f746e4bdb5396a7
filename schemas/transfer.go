package schemas

import "time"

// KindTransfer is 转办/交办 (P7).
const KindTransfer CaseKind = "transfer"

// TransferInput starts a transferred case (转办/交办, DOMAIN.md P7): the lower office verifies a
// report and reports back to the superior by a deadline.
type TransferInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the lower office that handles it
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	// The superior: its case (a report) and its supervision office.
	ParentCaseID      string `json:"parent_case_id"`
	SuperiorOrgUnitID string `json:"superior_org_unit_id"`
	// Instructions say what must be verified.
	Instructions string `json:"instructions"`
	SubjectName  string `json:"subject_name"`
	// Subjects are the report's subjects (回避), inherited by the transfer.
	Subjects []string `json:"subjects,omitempty"`
}

// Review decisions of the superior on a report-back (P7 step 4), and the take-over.
const (
	ReviewAccept   = "accept"
	ReviewReturn   = "return"    // 退回重新核查
	ReviewTakeOver = "take_over" // 提级办理
	// TransferMaxReturns is how many times the superior may return a result before taking over.
	TransferMaxReturns = 2
)

// TransferRound is one report-back and its review.
type TransferRound struct {
	Round       int        `json:"round"`
	DueAt       time.Time  `json:"due_at"`
	Finding     string     `json:"finding,omitempty"`
	Report      string     `json:"report,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Review      string     `json:"review,omitempty"`
	ReviewNote  string     `json:"review_note,omitempty"`
	// Attachments is material of the lower office's own (interview notes, statements) sent up
	// with its report, as text.
	Attachments string `json:"attachments,omitempty"`
	// Documents are the lower office's files sent up with its report (ids and hashes; the
	// superior office reads them through the transfer case).
	Documents []FileRef `json:"documents,omitempty"`
}

// TransferState is the transfer part of CaseState.
type TransferState struct {
	ParentCaseID string `json:"parent_case_id"`
	// Instructions are the superior's: what must be verified.
	Instructions      string          `json:"instructions,omitempty"`
	SuperiorOrgUnitID string          `json:"superior_org_unit_id"`
	Rounds            []TransferRound `json:"rounds"`
	Returns           int             `json:"returns"`
	Escalated         bool            `json:"escalated"`
	TakenOver         bool            `json:"taken_over"`
}

// Outcomes a transfer reports to its report case.
const (
	TransferAccepted  = "accepted"
	TransferTakenOver = "taken_over"
)

// TransferResult is the transfer-result signal.
type TransferResult struct {
	TransferID string `json:"transfer_id"`
	Outcome    string `json:"outcome"`
	Finding    string `json:"finding,omitempty"`
	Report     string `json:"report,omitempty"`
	// Attachments: the lower office's own material, as text.
	Attachments string `json:"attachments,omitempty"`
}
