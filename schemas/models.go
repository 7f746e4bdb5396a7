package schemas

import "time"

// OrgLevel is an org unit's place in the tree 自治区 > 盟市 > 旗县 > 苏木乡镇.
type OrgLevel string

const (
	LevelRegion   OrgLevel = "region"   // 自治区
	LevelLeague   OrgLevel = "league"   // 盟市
	LevelCounty   OrgLevel = "county"   // 旗县(市、区)
	LevelTownship OrgLevel = "township" // 苏木乡镇
)

// OrgKind tells organization departments from the other bodies that take part in processes.
type OrgKind string

const (
	OrgKindOrganization  OrgKind = "organization"  // 党委组织部
	OrgKindDiscipline    OrgKind = "discipline"    // 纪委监委
	OrgKindAudit         OrgKind = "audit"         // 审计厅/局
	OrgKindHR            OrgKind = "hr"            // 人社厅/局
	OrgKindEstablishment OrgKind = "establishment" // 编办
	OrgKindUnit          OrgKind = "unit"          // a unit where cadres serve
)

// OrgUnit is a node of the org tree. Path holds the ids from the root down, as "/150000/150100/",
// so that a subtree is one prefix query.
type OrgUnit struct {
	ID       string   `gorm:"primaryKey" json:"id"`
	ParentID *string  `json:"parent_id,omitempty"`
	Name     string   `json:"name"`
	Level    OrgLevel `json:"level"`
	Kind     OrgKind  `json:"kind"`
	Path     string   `json:"path"`
}

// Official is a user of Jiandu. Tokens name the official; roles, org unit and Disabled are read
// from here on every request.
type Official struct {
	ID        string    `gorm:"primaryKey" json:"id"`
	Name      string    `json:"name"`
	OrgUnitID string    `json:"org_unit_id"`
	Roles     Roles     `gorm:"type:text" json:"roles"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CaseStatus is where a case stands as a whole.
type CaseStatus string

const (
	CaseOpen      CaseStatus = "open"
	CaseClosed    CaseStatus = "closed"
	CaseCancelled CaseStatus = "cancelled"
	// CaseTerminated: Temporal ended the workflow (terminated, timed out or failed) without
	// the case recording an end; the API reconciles the row (api/reconcile.go).
	CaseTerminated CaseStatus = "terminated"
)

// Case is the database projection of one process instance; its ID is the workflow id.
type Case struct {
	ID        string     `gorm:"primaryKey" json:"id"`
	Kind      CaseKind   `json:"kind"`
	Year      int        `json:"year"`
	Seq       int        `json:"seq"`
	Title     string     `json:"title"`
	OrgUnitID string     `json:"org_unit_id"`
	Status    CaseStatus `json:"status"`
	Stage     string     `json:"stage"`
	Outcome   string     `json:"outcome,omitempty"`
	Priority  Priority   `json:"priority"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	// FinalState is the workflow's last CaseState as JSON, stored when the case closes, so the
	// case stays readable after Temporal's retention has dropped the workflow.
	FinalState string `json:"-"`
	// Attention says why the case needs a person; empty when it does not (migration 11).
	Attention string `json:"attention,omitempty"`
}

// CaseSubject is one official a case is about (回避): the reported cadre, a publicity
// candidate, the inquired, admonished, audited or inspected cadre. The API reads it to refuse
// the subject reads of their own case without asking the workflow.
type CaseSubject struct {
	CaseID     string    `gorm:"primaryKey" json:"case_id"`
	OfficialID string    `gorm:"primaryKey" json:"official_id"`
	AddedBy    string    `json:"added_by"`
	Reason     string    `json:"reason"`
	CreatedAt  time.Time `json:"created_at"`
}

// CaseSequence numbers cases per kind per year.
type CaseSequence struct {
	Kind CaseKind `gorm:"primaryKey"`
	Year int      `gorm:"primaryKey"`
	Last int
}

// TaskStatus is the life of a human step.
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"
	TaskCompleted TaskStatus = "completed"
	TaskCancelled TaskStatus = "cancelled"
)

// Priority orders the inbox: urgent (加急) first.
type Priority int

const (
	PriorityNormal Priority = 0 // 普通
	PriorityUrgent Priority = 1 // 加急
)

// Task is the projection of one human step, kept by activities so the inbox is a fast SQL query.
// Its ID is "<case id>.<step key>", so opening it again is idempotent. WorkflowID is the
// workflow that holds the step: the case's own, or a child workflow of it.
type Task struct {
	ID              string     `gorm:"primaryKey" json:"id"`
	CaseID          string     `json:"case_id"`
	WorkflowID      string     `json:"workflow_id"`
	CaseKind        CaseKind   `json:"case_kind"`
	StepKey         string     `json:"step_key"`
	Step            string     `json:"step"`
	Title           string     `json:"title"`
	OrgUnitID       string     `json:"org_unit_id"`
	AssigneeRole    Role       `json:"assignee_role,omitempty"`
	AssigneeID      *string    `json:"assignee_id,omitempty"`
	ClaimedBy       *string    `json:"claimed_by,omitempty"`
	ForSubject      bool       `json:"for_subject"`
	Priority        Priority   `json:"priority"`
	Status          TaskStatus `json:"status"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	Overdue         bool       `json:"overdue"`
	EscalationLevel int        `json:"escalation_level"`
	Decision        string     `json:"decision,omitempty"`
	CompletedBy     *string    `json:"completed_by,omitempty"`
	CompletedAt     *time.Time `json:"completed_at,omitempty"`
	Comment         string     `json:"comment,omitempty"`
	Spec            TaskSpec   `gorm:"serializer:json" json:"spec"`
	// CalendarIncomplete: the due date fell in a year with no holiday schedule entered, so it
	// was counted Monday to Friday.
	CalendarIncomplete bool      `json:"calendar_incomplete"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// AuditEvent is one append-only row of a case's trail. Hash chains each row to the case's
// previous row; GlobalHash chains it to the previous row of all cases.
type AuditEvent struct {
	ID             int64     `gorm:"primaryKey" json:"id"`
	CaseID         string    `json:"case_id"`
	CaseSeq        int       `json:"case_seq"`
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	Action         string    `json:"action"`
	TaskID         string    `json:"task_id,omitempty"`
	Detail         string    `json:"detail,omitempty"`
	PrevHash       string    `json:"prev_hash"`
	Hash           string    `json:"hash"`
	GlobalPrevHash string    `json:"global_prev_hash"`
	GlobalHash     string    `json:"global_hash"`
	// KeyID names the audit key whose HMAC the hashes are; "" for a legacy (plain SHA-256) row.
	KeyID string `json:"key_id,omitempty"`
	// Scope lists, separated by spaces, the paths of the org units an admin-trail row concerns;
	// an administrator reads the rows whose scope reaches into their subtree.
	Scope    string `json:"scope,omitempty"`
	DedupKey string `json:"-"`
}

// Notification is both the official's inbox of messages and the outbox a dispatcher delivers to
// the configured webhook.
type Notification struct {
	ID            int64      `gorm:"primaryKey" json:"id"`
	OfficialID    string     `json:"official_id"`
	CaseID        string     `json:"case_id,omitempty"`
	TaskID        string     `json:"task_id,omitempty"`
	Kind          string     `json:"kind"`
	Title         string     `json:"title"`
	Body          string     `json:"body"`
	DedupKey      string     `json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	ReadAt        *time.Time `json:"read_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	Attempts      int        `json:"-"`
	NextAttemptAt *time.Time `json:"-"`
	LastError     string     `json:"-"`
}

// CaseRequest remembers the case that a start request with an Idempotency-Key created, so a
// retried start returns the same case instead of numbering a new one.
type CaseRequest struct {
	IdempotencyKey string `gorm:"primaryKey"`
	OfficialID     string
	CaseID         string
	CreatedAt      time.Time
}

// IdempotencyKey remembers the fingerprint of the first request an official sent with a key,
// so that the key cannot be reused for a different request.
type IdempotencyKey struct {
	OfficialID  string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	CreatedAt   time.Time
}

// CalendarGap records that a deadline fell in a year without a holiday schedule, and when the
// root office's admins were told.
type CalendarGap struct {
	Year       int `gorm:"primaryKey"`
	ReportedAt time.Time
}

// Holiday is one entry of the working-day calendar: a day off, or a make-up working day (调休上班).
type Holiday struct {
	Date string `gorm:"primaryKey" json:"date"` // YYYY-MM-DD
	Kind string `json:"kind"`                   // "off" | "workday"
	Name string `json:"name"`
}
