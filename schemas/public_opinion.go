package schemas

import "time"

// KindPublicOpinion is 舆情应对 (P11): an item of public opinion about cadre selection or a
// cadre, answered "第一时间" on limits in clock hours, round the clock.
const KindPublicOpinion CaseKind = "public-opinion"

// ReportChannelOpinion is the channel of a report case opened from a public-opinion case: the
// content came from the monitoring, not from a person, so the report has no reporter (it is
// unsigned, has no identity to seal and no query code).
const ReportChannelOpinion = "public_opinion"

// PublicOpinionInput starts a public-opinion case (DOMAIN.md P11 step 1).
type PublicOpinionInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department that answers
	CreatedBy string   `json:"created_by"`  // the official who registered it (监测)
	Priority  Priority `json:"priority"`
	Source    string   `json:"source"`  // where it appeared: a site, an account, a paper
	Link      string   `json:"link"`    // its address
	Capture   string   `json:"capture"` // the text as captured
	// FirstSeenAt is when it was first seen (T0): every limit of the case counts from it, not
	// from its registration.
	FirstSeenAt time.Time `json:"first_seen_at"`
	// The cadre it is about, when it names one: SubjectID when they are an official in Jiandu
	// (the case's subject, 回避).
	SubjectID     string `json:"subject_id,omitempty"`
	SubjectName   string `json:"subject_name,omitempty"`
	SubjectUnitID string `json:"subject_unit_id,omitempty"`
	// LinkedCaseID is a case the matter already belongs to (a P1 publicity, a P4 admonishment,
	// a P5 inquiry), checked by the API at start.
	LinkedCaseID string `json:"linked_case_id,omitempty"`
	// LowerOffices are the organization departments below OrgUnitID, as the API found them, for
	// a report case the fact-finding opens (its transfer down, P7).
	LowerOffices []OrgRef `json:"lower_offices,omitempty"`
}

// Grades of a public-opinion item (DOMAIN.md P11 step 2).
const (
	OpinionGeneral = "general" // 一般
	OpinionMajor   = "major"   // 重大
)

// OpinionReferReport is the fact-finding's decision to open a linked report case (P6).
const OpinionReferReport = "refer_report"

// PublicOpinionDeadline is one limit of the case, counted from the first sighting.
type PublicOpinionDeadline struct {
	Key    string     `json:"key"` // grade, leader, info, briefing, response
	Title  string     `json:"title"`
	DueAt  time.Time  `json:"due_at"`
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// PublicOpinionUpdate is a statement published as the facts firm up (step 5).
type PublicOpinionUpdate struct {
	Text  string    `json:"text"`
	Final bool      `json:"final,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// PublicOpinionState is the public-opinion part of CaseState.
type PublicOpinionState struct {
	Source       string                  `json:"source"`
	Link         string                  `json:"link"`
	FirstSeenAt  time.Time               `json:"first_seen_at"`
	SubjectName  string                  `json:"subject_name,omitempty"`
	LinkedCaseID string                  `json:"linked_case_id,omitempty"`
	Grade        string                  `json:"grade,omitempty"`
	Deadlines    []PublicOpinionDeadline `json:"deadlines"`
	// Response is the approved response (authoritative information or the response).
	Response string `json:"response,omitempty"`
	// Briefing is the press conference or 吹风会 of a major item.
	Briefing string `json:"briefing,omitempty"`
	// The facts: a finding (FindingSubstantiated, FindingPartly, FindingUnfounded,
	// FindingUnverifiable), what was found and the handling.
	Finding      string                `json:"finding,omitempty"`
	Facts        string                `json:"facts,omitempty"`
	Handling     string                `json:"handling,omitempty"`
	ReportCaseID string                `json:"report_case_id,omitempty"`
	Updates      []PublicOpinionUpdate `json:"updates"`
	// Clarified: the item proved untrue and the final statement cleared the cadre (澄清).
	Clarified bool   `json:"clarified,omitempty"`
	Review    string `json:"review,omitempty"`
}
