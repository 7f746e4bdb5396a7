package schemas

import "time"

// KindSelectionReview is 倒查 (DOMAIN.md P13, 倒查): the review of a selection whose appointee
// later proved 带病提拔 — which stage missed what and who signed it — and the accountability
// proposal (《干部选拔任用工作监督检查和责任追究办法》2019).
const KindSelectionReview CaseKind = "selection-review"

// What revealed that the appointee was 带病提拔: the trigger of a 倒查.
const (
	ReviewTriggerReport       = "report"        // a P6 report about them ended 属实
	ReviewTriggerMattersCheck = "matters_check" // a P8 check ended 瞒报
	ReviewTriggerDiscipline   = "discipline"    // a discipline case
	ReviewTriggerOther        = "other"
)

// SelectionReviewInput starts a 倒查 of one appointee of a selection.
type SelectionReviewInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department that ran the selection
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	// SelectionCaseID and Selection are the selection reviewed and its recorded state, read at
	// start; CandidateID names the appointee in it.
	SelectionCaseID string          `json:"selection_case_id"`
	Selection       *SelectionState `json:"selection"`
	CandidateID     string          `json:"candidate_id"`
	Trigger         string          `json:"trigger"`
	SourceCaseID    string          `json:"source_case_id,omitempty"` // the P6, P8 or discipline case
	Grounds         string          `json:"grounds"`
}

// SelectionReviewStage is one stage of the reviewed selection as its record shows it: who
// signed, what it found about the appointee, and what it missed given the trigger.
type SelectionReviewStage struct {
	Stage  string     `json:"stage"`
	Title  string     `json:"title"`
	Signed []string   `json:"signed"` // officials who recorded or approved the stage
	At     *time.Time `json:"at,omitempty"`
	Found  string     `json:"found,omitempty"`
	Missed string     `json:"missed,omitempty"` // empty when the trigger does not point at it
}

// SelectionReviewState is the selection-review part of CaseState.
type SelectionReviewState struct {
	SelectionCaseID string                 `json:"selection_case_id"`
	OfficialID      string                 `json:"official_id"`
	Name            string                 `json:"name"`
	Post            string                 `json:"post"`
	Trigger         string                 `json:"trigger"`
	SourceCaseID    string                 `json:"source_case_id,omitempty"`
	Grounds         string                 `json:"grounds"`
	Stages          []SelectionReviewStage `json:"stages"`
	// OfficeID (OfficeName) is the organization department the review's steps run at: the one
	// above the selection's, the root's own at the root; empty for a case started before the
	// signers were recused. Recused are the roles whose every holder there signed the selection
	// (回避): nobody may act on those steps until another official is configured.
	OfficeID   string `json:"office_id,omitempty"`
	OfficeName string `json:"office_name,omitempty"`
	Recused    []Role `json:"recused,omitempty"`
	// The approved accountability proposal.
	Findings       string     `json:"findings,omitempty"`
	Accountability string     `json:"accountability,omitempty"`
	Persons        string     `json:"persons,omitempty"`
	ProposedBy     string     `json:"proposed_by,omitempty"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time `json:"approved_at,omitempty"`
}
