package schemas

import "time"

// KindAdmonishment is 诫勉 (P4).
const KindAdmonishment CaseKind = "admonishment"

// AdmonishmentInput starts an admonishment case (诫勉, DOMAIN.md P4): the proposal and its
// grounds.
type AdmonishmentInput struct {
	CaseID      string   `json:"case_id"`
	Title       string   `json:"title"`
	OrgUnitID   string   `json:"org_unit_id"`
	CreatedBy   string   `json:"created_by"`
	Priority    Priority `json:"priority"`
	CadreID     string   `json:"cadre_id"`
	CadreName   string   `json:"cadre_name"`
	CadreUnitID string   `json:"cadre_unit_id"`
	Grounds     string   `json:"grounds"`
	// Source says where the proposal came from; SourceCaseID the case, if any.
	Source       string `json:"source"`
	SourceCaseID string `json:"source_case_id,omitempty"`
}

// Where an admonishment proposal comes from.
const (
	AdmSourceDirect  = "direct"  // proposed directly
	AdmSourceInquiry = "inquiry" // an inquiry letter's outcome
	AdmSourceReport  = "report"  // a report's verification
	// AdmSourceEvaluation: the verification of a cadre the annual evaluation flagged (P9).
	AdmSourceEvaluation = "evaluation"
	// AdmSourceMatters: a personal-matters check's handling (DOMAIN.md P8 step 8); only that
	// case starts one, so it is not among the sources a request may name.
	AdmSourceMatters = "matters"
)

// AdmonishmentSources lists the sources a start request may give (the evaluation's only
// starts its own linked cases).
var AdmonishmentSources = []string{AdmSourceDirect, AdmSourceInquiry, AdmSourceReport}

// AdmonishmentTalk is the scheduled talk.
type AdmonishmentTalk struct {
	Date      string `json:"date"` // YYYY-MM-DD
	Time      string `json:"time,omitempty"`
	Place     string `json:"place"`
	Attendees string `json:"attendees"`
}

// AdmonishmentState is the admonishment part of CaseState.
type AdmonishmentState struct {
	CadreID      string            `json:"cadre_id"`
	CadreName    string            `json:"cadre_name"`
	CadreUnitID  string            `json:"cadre_unit_id"`
	Source       string            `json:"source"`
	SourceCaseID string            `json:"source_case_id,omitempty"`
	Grounds      string            `json:"grounds"`
	Talk         *AdmonishmentTalk `json:"talk,omitempty"`
	TalkHeldAt   *time.Time        `json:"talk_held_at,omitempty"`
	// The influence period (影响期): no promotion until InfluenceEnd.
	InfluenceStart *time.Time `json:"influence_start,omitempty"`
	InfluenceEnd   *time.Time `json:"influence_end,omitempty"`
	// RepeatOf lists the admonishments whose influence period was running when this one was
	// proposed (flagged to the supervisor).
	RepeatOf  []string `json:"repeat_of,omitempty"`
	Corrected *bool    `json:"corrected,omitempty"`
}

// RestrictionNoPromotion: the official may not be promoted or given a more important post.
const RestrictionNoPromotion = "no_promotion"

// Restriction is one period during which an official may not be promoted (the projection
// that admonishment workflows keep; other processes ask it). ID is "<case id>/<kind>".
type Restriction struct {
	ID         string     `gorm:"primaryKey" json:"id"`
	OfficialID string     `json:"official_id"`
	Kind       string     `json:"kind"`
	CaseID     string     `json:"case_id"`
	Reason     string     `json:"reason"`
	StartsAt   time.Time  `json:"starts_at"`
	EndsAt     time.Time  `json:"ends_at"`
	LiftedAt   *time.Time `json:"lifted_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Active reports whether the restriction holds at t.
func (r Restriction) Active(t time.Time) bool {
	return r.LiftedAt == nil && !t.Before(r.StartsAt) && t.Before(r.EndsAt)
}
