package schemas

import "time"

// KindPublicity is 任前公示 (P1).
const KindPublicity CaseKind = "publicity"

// Candidate is one cadre named in a publicity notice (任前公示).
type Candidate struct {
	ID           string `json:"id"` // c1, c2, ... in notice order
	Name         string `json:"name"`
	Gender       string `json:"gender"`
	BirthDate    string `json:"birth_date"` // YYYY-MM
	Education    string `json:"education"`
	CurrentPost  string `json:"current_post"`
	ProposedPost string `json:"proposed_post"`
	// OfficialID is the candidate's Jiandu account when they have one: they are then a
	// subject of the case (回避).
	OfficialID string `json:"official_id,omitempty"`
}

// PublicityInput starts a publicity case.
type PublicityInput struct {
	CaseID     string      `json:"case_id"`
	Title      string      `json:"title"`
	OrgUnitID  string      `json:"org_unit_id"`
	CreatedBy  string      `json:"created_by"`
	Priority   Priority    `json:"priority"`
	Candidates []Candidate `json:"candidates"`
	// PeriodWorkingDays is the publicity period; the regulation requires at least 5.
	PeriodWorkingDays int `json:"period_working_days"`
	// PublishOn is the day the notice goes up (YYYY-MM-DD, Beijing time): the period counts from
	// it. Empty, or a day already come when the notice is approved: published on approval.
	PublishOn string `json:"publish_on,omitempty"`
}

// Publicity decisions per candidate (DOMAIN.md P1 step 6).
const (
	PubProceed             = "proceed"               // 不影响任职
	PubProceedWithReminder = "proceed_with_reminder" // 提醒后任职
	PubRefuse              = "refuse"                // 不予任职
	PubSuspend             = "suspend"               // 暂缓任职
)

// Findings of a verification.
const (
	FindingSubstantiated = "substantiated" // 属实
	FindingPartly        = "partly"        // 部分属实
	FindingUnfounded     = "unfounded"     // 不属实
	FindingUnverifiable  = "unverifiable"  // 无法查实
)

// ObjectionRequest is the argument of the file-objection update: a report about a named
// candidate received during the publicity period. It carries no reporter identity: whether the
// report was signed is all the workflow needs; who signed it stays with the 12380 office.
type ObjectionRequest struct {
	Actor       Actor  `json:"actor"`
	CandidateID string `json:"candidate_id"`
	Signed      bool   `json:"signed"`
	// Serious marks an anonymous report as serious, specific and with clear leads, which
	// is verified like a signed one (中组发〔2000〕18号).
	Serious bool   `json:"serious"`
	Channel string `json:"channel"` // phone, letter, visit, web, sms, direct
	Summary string `json:"summary"`
}

// Objection is a logged report and what became of it.
type Objection struct {
	ID          string    `json:"id"` // o1, o2, ...
	CandidateID string    `json:"candidate_id"`
	Signed      bool      `json:"signed"`
	Serious     bool      `json:"serious"`
	Channel     string    `json:"channel"`
	Summary     string    `json:"summary"`
	ReceivedAt  time.Time `json:"received_at"`
	LoggedBy    string    `json:"logged_by"`
	// Late: received after the period's end (attached by a report case while deciding).
	Late bool `json:"late,omitempty"`
	// Verified objections get a verification task; the others are filed (存档).
	Verified bool   `json:"verified"`
	TaskID   string `json:"task_id,omitempty"`
	Finding  string `json:"finding,omitempty"`
}

// CandidateState is a candidate with the outcome so far.
type CandidateState struct {
	Candidate
	Decision string `json:"decision,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Final is set once the candidate's outcome is settled (a suspension waits for re-decision).
	Final bool `json:"final"`
}

// PublicityState is the publicity part of CaseState.
type PublicityState struct {
	Candidates  []CandidateState `json:"candidates"`
	Objections  []Objection      `json:"objections"`
	PublishedAt *time.Time       `json:"published_at,omitempty"`
	PeriodEnd   *time.Time       `json:"period_end,omitempty"`
}
