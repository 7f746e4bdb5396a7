package schemas

import "time"

// KindInquiry is 函询 (P5).
const KindInquiry CaseKind = "inquiry"

// InquiryInput starts an inquiry letter case (函询, DOMAIN.md P5).
type InquiryInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department that sends the letter
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	// The cadre asked, and the unit they serve in (whose principal forwards the letter and
	// signs off the answer).
	CadreID     string `json:"cadre_id"`
	CadreName   string `json:"cadre_name"`
	CadreUnitID string `json:"cadre_unit_id"`
	// Grounds is what the letter is based on: the report or the finding.
	Grounds      string `json:"grounds"`
	SourceCaseID string `json:"source_case_id,omitempty"`
}

// Assessment decisions on an inquiry answer (DOMAIN.md P5 step 6).
const (
	InqClarified    = "clarified"     // 了结澄清
	InqReminderTalk = "reminder_talk" // 谈话提醒
	InqAdmonish     = "admonish"      // 诫勉 (starts a linked admonishment)
	InqSecondLetter = "second_letter" // 再次函询
	InqVerify       = "verify"        // 进一步核实
	InqRefer        = "refer"         // 移送纪委
)

// How the supervisor finds the cadre's answer (form field answer_finding).
const (
	AnswerTruthful = "truthful" // 如实说明
	AnswerVague    = "vague"    // 说明不清
	AnswerUntrue   = "untrue"   // 不如实说明
)

// InquiryLetter is one letter sent and what came back.
type InquiryLetter struct {
	No          int        `json:"no"` // 1, then 2 for a second letter (再次函询)
	SentAt      time.Time  `json:"sent_at"`
	AnswerDueAt time.Time  `json:"answer_due_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	SignedAt    *time.Time `json:"signed_at,omitempty"`
	// Late: the answer came after its deadline; TalkOrdered: the leader ordered a talk
	// because of it.
	Late        bool `json:"late"`
	TalkOrdered bool `json:"talk_ordered"`
}

// InquiryState is the inquiry part of CaseState.
type InquiryState struct {
	CadreID     string          `json:"cadre_id"`
	CadreName   string          `json:"cadre_name"`
	CadreUnitID string          `json:"cadre_unit_id"`
	Letters     []InquiryLetter `json:"letters"`
	// AnswerFinding is the last assessment's view of the answer; Untrue stays set once any
	// answer was found untrue (《纪律处分条例》art. 81).
	AnswerFinding string `json:"answer_finding,omitempty"`
	Untrue        bool   `json:"untrue"`
	// Verifications lists the findings of further verification (进一步核实), in order.
	Verifications []string `json:"verifications,omitempty"`
	Decision      string   `json:"decision,omitempty"`
	// ClarificationLetter is the text of the 澄清 letter when the case ends clarified.
	ClarificationLetter string `json:"clarification_letter,omitempty"`
	LinkedCaseID        string `json:"linked_case_id,omitempty"`
}
