package schemas

import "time"

// KindSelection is 选拔任用全程记实 (P13): the record of one selection, from the motion to the
// appointment.
const KindSelection CaseKind = "selection"

// MaxSelectionCandidates is the most nominees one selection case names.
const MaxSelectionCandidates = 20

// UpdateFlagIrregularity is the update by which a supervisor flags an irregularity in a
// selection: the case opens no further stage until it is resolved.
const UpdateFlagIrregularity = "flag-irregularity"

// SelectionInput starts a selection case (DOMAIN.md P13) for a post or a batch of posts.
type SelectionInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department running the selection
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	// Posts describes the post or posts to fill (拟任职位及职数).
	Posts string `json:"posts"`
	// DisciplineOfficeID and MattersYear are for the pre-appointment checks (P10) the 考察 stage
	// starts, resolved at start.
	DisciplineOfficeID string `json:"discipline_office_id"`
	MattersYear        int    `json:"matters_year"`
	// Candidates are the nominees the selection considers (初始提名人选): officials of Jiandu.
	Candidates []SelectionCandidate `json:"candidates"`
}

// SelectionCandidate is one nominee as the case starts.
type SelectionCandidate struct {
	ID           string `json:"id"` // c1, c2, … within the case
	OfficialID   string `json:"official_id"`
	Name         string `json:"name"`
	UnitID       string `json:"unit_id"`
	UnitName     string `json:"unit_name"`
	CurrentPost  string `json:"current_post"`
	ProposedPost string `json:"proposed_post"`
}

// The meeting's conclusion on a candidate at 讨论决定 (DOMAIN.md P13 step 4).
const (
	SelectionPassed    = "passed"     // 通过
	SelectionNotPassed = "not_passed" // 未通过
	SelectionDeferred  = "deferred"   // 缓议
)

// The end-of-trial assessment's conclusion on an appointee on probation (DOMAIN.md P13 step 6):
// the decision keys of its step.
const (
	SelectionCompetent   = "competent"   // 胜任：正式任职
	SelectionIncompetent = "incompetent" // 不胜任：免去试任职务
)

// SelectionTrial is the end-of-trial assessment of one appointee.
type SelectionTrial struct {
	Result     string     `json:"result,omitempty"` // competent, incompetent
	Assessment string     `json:"assessment,omitempty"`
	By         string     `json:"by,omitempty"`
	At         *time.Time `json:"at,omitempty"`
}

// Who raised an irregularity that is not a supervisor: the system's rule checks.
const (
	IrregularityRuleOrder          = "stage_order"    // stages skipped or out of order
	IrregularityRuleRecommendation = "recommendation" // the recommendation is older than a year
)

// SelectionMotion is the record of 动议 (DOMAIN.md P13 step 1).
type SelectionMotion struct {
	Proposer   string     `json:"proposer"`
	Date       string     `json:"date"` // YYYY-MM-DD
	Vacancy    string     `json:"vacancy"`
	QuotaOK    bool       `json:"quota_ok"` // 职数核查：未超职数
	Analysis   string     `json:"analysis"` // 分析研判
	Method     string     `json:"method"`   // 初始提名方式
	Minutes    string     `json:"minutes"`  // 酝酿情况
	DraftedBy  string     `json:"drafted_by"`
	ApprovedBy string     `json:"approved_by"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
}

// SelectionRecommendation is the record of 民主推荐 (DOMAIN.md P13 step 2).
type SelectionRecommendation struct {
	Date            string     `json:"date"` // YYYY-MM-DD: the result is valid one year from it
	Talks           string     `json:"talks"`
	Expected        int        `json:"expected"` // 应参加推荐人数
	Attended        int        `json:"attended"` // 实参加推荐人数
	BallotsIssued   int        `json:"ballots_issued"`
	BallotsReturned int        `json:"ballots_returned"`
	BallotsValid    int        `json:"ballots_valid"`
	RecordedBy      string     `json:"recorded_by"`
	RecordedAt      *time.Time `json:"recorded_at,omitempty"`
}

// SelectionInspection is the record of 考察 (DOMAIN.md P13 step 3).
type SelectionInspection struct {
	Team      string     `json:"team"` // 考察组成员
	Plan      string     `json:"plan"`
	FixedBy   string     `json:"fixed_by"`
	FixedAt   *time.Time `json:"fixed_at,omitempty"`
	PreCaseID string     `json:"pre_appointment_case_id,omitempty"` // the P10 case
}

// SelectionMeeting is the record of 讨论决定 (DOMAIN.md P13 step 4).
type SelectionMeeting struct {
	Date       string     `json:"date"`
	Members    int        `json:"members"` // 应到会成员
	Present    int        `json:"present"` // 实到会成员
	Minutes    string     `json:"minutes"`
	RecordedBy string     `json:"recorded_by"`
	RecordedAt *time.Time `json:"recorded_at,omitempty"`
	// Consent and Candidates are a reconsideration's (复议): how many members agreed to
	// reconsider, and the candidates (ids) reconsidered.
	Consent    int      `json:"consent,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
}

// SelectionVotes is the meeting's tally on one candidate (同意 / 不同意 / 缓议).
type SelectionVotes struct {
	Agree    int `json:"agree"`
	Disagree int `json:"disagree"`
	Defer    int `json:"defer"`
}

// SelectionCandidateState is one nominee through the stages.
type SelectionCandidateState struct {
	SelectionCandidate
	Votes     int    `json:"votes"`     // 民主推荐得票
	Inspected bool   `json:"inspected"` // fixed as 考察对象
	Report    string `json:"report,omitempty"`
	// PreAppointment is the P10 conclusion (pass, suspend, unfit; missing when none came).
	PreAppointment string `json:"pre_appointment,omitempty"`
	// Blocked says why the candidate cannot go further (Chinese); empty when they can.
	Blocked  string          `json:"blocked,omitempty"`
	Tally    *SelectionVotes `json:"tally,omitempty"`
	Decision string          `json:"decision,omitempty"` // passed, not_passed, deferred
	// Publicity is the P1 decision (proceed, proceed_with_reminder, refuse, suspend).
	Publicity     string     `json:"publicity,omitempty"`
	Appointed     bool       `json:"appointed"`
	AppointedAt   *time.Time `json:"appointed_at,omitempty"`
	Talk          string     `json:"talk,omitempty"` // 任职谈话
	Probation     bool       `json:"probation"`
	ProbationEnds string     `json:"probation_ends,omitempty"` // YYYY-MM-DD
	TalkDate      string     `json:"talk_date,omitempty"`      // YYYY-MM-DD, the 任职谈话
	AppointedBy   string     `json:"appointed_by,omitempty"`   // who recorded the appointment
	// Signatures are the inspection team's signatures on the report (考察组成员签字).
	Signatures string `json:"signatures,omitempty"`
	// TrialOn is the day the end-of-trial assessment opens (YYYY-MM-DD), once planned; Trial
	// is its conclusion.
	TrialOn string          `json:"trial_on,omitempty"`
	Trial   *SelectionTrial `json:"trial,omitempty"`
}

// SelectionIrregularity is an irregularity flagged in a selection, by a supervisor or by a
// rule check of the system, and its resolution.
type SelectionIrregularity struct {
	ID          string     `json:"id"` // i1, i2, …
	Stage       string     `json:"stage"`
	Rule        string     `json:"rule,omitempty"` // the system's rule check, when it raised it
	Description string     `json:"description"`
	RaisedBy    string     `json:"raised_by"` // an official, or "system"
	RaisedAt    time.Time  `json:"raised_at"`
	Resolution  string     `json:"resolution,omitempty"`
	ResolvedBy  string     `json:"resolved_by,omitempty"` // the leader who approved it
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
}

// SelectionReview is the supervisor's 纪实 review after 任职.
type SelectionReview struct {
	Gaps     []string   `json:"gaps"` // what the system found missing or irregular
	Decision string     `json:"decision,omitempty"`
	Notice   string     `json:"notice,omitempty"` // 纠正 notice
	By       string     `json:"by,omitempty"`
	At       *time.Time `json:"at,omitempty"`
}

// SelectionState is the selection part of CaseState.
type SelectionState struct {
	Posts              string                     `json:"posts"`
	DisciplineOfficeID string                     `json:"discipline_office_id"`
	MattersYear        int                        `json:"matters_year"`
	Candidates         []*SelectionCandidateState `json:"candidates"`
	// Stages are the stages entered, in order (internal/selection stage names).
	Stages         []string                 `json:"stages"`
	Motion         *SelectionMotion         `json:"motion,omitempty"`
	Recommendation *SelectionRecommendation `json:"recommendation,omitempty"`
	Inspection     *SelectionInspection     `json:"inspection,omitempty"`
	Meeting        *SelectionMeeting        `json:"meeting,omitempty"`
	// Reconsiderations are the 复议 meetings of candidates the meeting deferred (缓议).
	Reconsiderations []SelectionMeeting      `json:"reconsiderations,omitempty"`
	PublicityCaseID  string                  `json:"publicity_case_id,omitempty"`
	Review           *SelectionReview        `json:"review,omitempty"`
	Irregularities   []SelectionIrregularity `json:"irregularities"`
	// Halted: an irregularity is unresolved, so no further stage opens.
	Halted bool `json:"halted"`
}

// IrregularityRequest is the argument of the flag-irregularity update.
type IrregularityRequest struct {
	Actor       Actor  `json:"actor"`
	Description string `json:"description"`
}
