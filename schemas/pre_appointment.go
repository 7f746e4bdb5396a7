package schemas

import "time"

// KindPreAppointment is 任前征求意见 / 凡提必核 (P10).
const KindPreAppointment CaseKind = "pre-appointment"

// MaxPreAppointmentCandidates is the most candidates one pre-appointment case names.
const MaxPreAppointmentCandidates = 20

// PreAppointmentInput starts the pre-appointment checks (DOMAIN.md P10) of one or more
// candidates for promotion.
type PreAppointmentInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department running the case
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`
	// DisciplineOfficeID is the same-level 纪委监委 asked for its opinion, resolved at start.
	DisciplineOfficeID string `json:"discipline_office_id"`
	// MattersYear is the personal-matters report year the checks compare.
	MattersYear int                       `json:"matters_year"`
	Candidates  []PreAppointmentCandidate `json:"candidates"`
}

// PreAppointmentCandidate is one candidate as the case starts: an official of Jiandu.
type PreAppointmentCandidate struct {
	ID           string `json:"id"` // c1, c2, … within the case
	OfficialID   string `json:"official_id"`
	Name         string `json:"name"`
	UnitID       string `json:"unit_id"` // where they serve: its Party committee signs the 廉洁自律 opinion
	UnitName     string `json:"unit_name"`
	ProposedPost string `json:"proposed_post"`
}

// The four checks of each candidate (DOMAIN.md P10 step 1).
const (
	PreCheckFile       = "file"       // 档案审核
	PreCheckMatters    = "matters"    // 个人有关事项核查
	PreCheckDiscipline = "discipline" // 纪委监委意见
	PreCheckReports    = "reports"    // 信访举报核查
)

// PreChecks lists the four checks in the order the case shows them.
var PreChecks = []string{PreCheckFile, PreCheckMatters, PreCheckDiscipline, PreCheckReports}

// PreCheckTitle is a check's Chinese name.
func PreCheckTitle(check string) string {
	return map[string]string{
		PreCheckFile: "档案审核", PreCheckMatters: "个人有关事项核查", PreCheckDiscipline: "纪委监委意见", PreCheckReports: "信访举报核查",
	}[check]
}

// Results of the checks (the decisions of their steps, or of the personal-matters finding).
const (
	FileClean       = "clean"       // 档案审核无问题
	FileIssues      = "issues"      // 档案有问题（须作出处理意见）
	FileFalsified   = "falsified"   // 档案造假: blocks the nomination
	DisciplineOK    = "no_problem"  // 暂未发现影响提拔任用的问题
	DisciplineHold  = "suspend"     // 建议暂缓
	DisciplineUnfit = "unfit"       // 不宜提拔任用
	ReportsNone     = "none"        // 无具体可查的举报
	ReportsNoImpact = "no_impact"   // 经核实不影响使用
	ReportsAffect   = "affects_use" // 经核实影响使用: blocks the nomination
)

// Decisions of the supervisor's consolidation per candidate (DOMAIN.md P10 step 3).
const (
	PrePass    = "pass"    // 通过
	PreSuspend = "suspend" // 暂缓
	PreUnfit   = "unfit"   // 不宜
)

// PreCheckResult is where one check of a candidate stands.
type PreCheckResult struct {
	Check  string `json:"check"`
	Status string `json:"status"` // running, done, missing (ended without a result)
	// Result is the step's decision or the personal-matters finding; Clean says whether it
	// needs nothing more; Blocking whether it forbids passing the candidate.
	Result   string     `json:"result,omitempty"`
	Clean    bool       `json:"clean"`
	Blocking bool       `json:"blocking"`
	Summary  string     `json:"summary,omitempty"` // Chinese, for the consolidation's notes
	Notes    string     `json:"notes,omitempty"`   // what the checker wrote
	By       string     `json:"by,omitempty"`
	At       *time.Time `json:"at,omitempty"`
	// CaseID is the personal-matters check's case (for PreCheckMatters).
	CaseID string `json:"case_id,omitempty"`
	// Reports are the report cases about the candidate (for PreCheckReports).
	Reports []ReportAbout `json:"reports,omitempty"`
}

// ReportAbout is a P6 report case about an official, as P10 reads it: no reporter, no content.
type ReportAbout struct {
	CaseID     string     `json:"case_id"`
	Status     CaseStatus `json:"status"`
	ReceivedAt time.Time  `json:"received_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Triage     string     `json:"triage,omitempty"`
	Finding    string     `json:"finding,omitempty"`
	// Specific: the report is clear and checkable and not cleared (open, or found substantiated,
	// partly substantiated or unverifiable): the candidate's check verifies it.
	Specific bool `json:"specific"`
}

// PreAppointmentCandidateState is one candidate's checks, opinion and decision.
type PreAppointmentCandidateState struct {
	PreAppointmentCandidate
	Checks []PreCheckResult `json:"checks"`
	// Integrity is the unit Party committee's signed 廉洁自律 opinion.
	Integrity   string     `json:"integrity,omitempty"`
	IntegrityAt *time.Time `json:"integrity_at,omitempty"`
	// Bars are the promotion bars in force when the supervisor consolidated.
	Bars     []string `json:"bars,omitempty"`
	Decision string   `json:"decision,omitempty"` // pass, suspend, unfit
	Reason   string   `json:"reason,omitempty"`
	// Resolutions are the supervisor's recorded decisions on the findings, by check.
	Resolutions map[string]string `json:"resolutions,omitempty"`
	DecidedBy   string            `json:"decided_by,omitempty"`
	DecidedAt   *time.Time        `json:"decided_at,omitempty"`
}

// PreAppointmentState is the pre-appointment part of CaseState.
type PreAppointmentState struct {
	DisciplineOfficeID string                          `json:"discipline_office_id"`
	MattersYear        int                             `json:"matters_year"`
	Candidates         []*PreAppointmentCandidateState `json:"candidates"`
}
