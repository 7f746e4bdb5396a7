package schemas

import (
	"hash/fnv"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// Names of the updates and queries every case workflow answers. Human actions are Updates, so
// the caller learns at once whether the workflow accepted them.
const (
	UpdateCompleteTask  = "complete-task"
	UpdateClaimTask     = "claim-task"
	UpdateUnclaimTask   = "unclaim-task"
	UpdateReassignTask  = "reassign-task"
	UpdateCancelCase    = "cancel-case"
	UpdateFileObjection = "file-objection"
	UpdateAddSubject    = "add-subject"
	UpdateExtendTask    = "extend-task"
	QueryCaseState      = "case-state"
)

// Error types of rejected updates; the API maps each to an HTTP status.
const (
	ErrTypeNotFound  = "NotFound"  // 404: no such task or candidate in the case
	ErrTypeForbidden = "Forbidden" // 403: the actor may not do this
	ErrTypeConflict  = "Conflict"  // 409: the task or case is not in a state that allows it
	ErrTypeInvalid   = "Invalid"   // 422: decision or form fails validation; details are []FieldIssue
	ErrTypeRecused   = "Recused"   // 403 (problem type .../recused): the actor or the new holder is a subject of the case (回避)
)

// MaxReasonRunes is the longest reason a reassignment, a deadline extension or a new subject
// may give, in characters.
const MaxReasonRunes = 500

// MaxExtendWorkingDays is the most working days one extension may add to a deadline.
const MaxExtendWorkingDays = 30

// FieldIssue names a field that failed validation inside a workflow.
type FieldIssue struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Actor is the official behind an update, as the API read them from the database.
type Actor struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Roles     Roles  `json:"roles"`
	OrgUnitID string `json:"org_unit_id"`
	OrgPath   string `json:"org_path"`
}

// Decision is one choice a step offers.
type Decision struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// FieldType is the kind of value a form field takes.
type FieldType string

const (
	FieldText     FieldType = "text"
	FieldTextarea FieldType = "textarea"
	FieldBool     FieldType = "bool"
	FieldSelect   FieldType = "select"
	FieldDate     FieldType = "date" // YYYY-MM-DD
	// FieldFile takes the id of an uploaded file (POST /api/v1/files); the kernel checks the
	// reference (workflows.validateFiles): it exists, it is the actor's upload or already the
	// case's, its detected type is in Accept and its size within MaxBytes.
	FieldFile FieldType = "file"
)

// FormField describes one field of a step's form.
type FormField struct {
	Name     string    `json:"name"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"`
	// RequiredFor lists decisions that make the field required.
	RequiredFor []string `json:"required_for,omitempty"`
	Options     []string `json:"options,omitempty"`
	MaxLen      int      `json:"max_len,omitempty"`
	// A date field's bounds: not before MinDate (YYYY-MM-DD), and with NotFuture not after
	// the day it is entered (Beijing time).
	MinDate   string `json:"min_date,omitempty"`
	NotFuture bool   `json:"not_future,omitempty"`
	// A file field's allowed content types (detected from the content; empty: any) and size
	// limit in bytes (0: DefaultFileMaxBytes).
	Accept   []string `json:"accept,omitempty"`
	MaxBytes int64    `json:"max_bytes,omitempty"`
}

// TaskSpec is what a step asks of the official: its decisions and form. It is stored with the
// task row so the inbox can show it without asking the workflow.
type TaskSpec struct {
	Decisions []Decision  `json:"decisions"`
	Form      []FormField `json:"form"`
	// Notes is what the official must know to act, shown with the task: a restriction on the
	// candidate, the opinion a draft was returned with, the previous draft.
	Notes []string `json:"notes,omitempty"`
}

// RungAction is what one rung of a reminder ladder does.
type RungAction string

const (
	RungRemind   RungAction = "remind"   // remind the holder before the deadline
	RungOverdue  RungAction = "overdue"  // mark overdue, tell the holder's supervisor
	RungUrge     RungAction = "urge"     // 催办 to the holder's unit head
	RungEscalate RungAction = "escalate" // 督办 task at the supervision office one level up
	// RungEscalateTo tells a named role (the step's EscalateTo), with no 督办 task.
	RungEscalateTo RungAction = "escalate_to"
)

// Rung fires Offset after the deadline (a negative N is before it).
type Rung struct {
	Offset calendar.Period `json:"offset"`
	Action RungAction      `json:"action"`
}

// Ladder is a step's reminder and escalation ladder, in firing order.
type Ladder []Rung

// RungNight is the window after the end of a day in which the rungs due at that end fire. A
// ladder counted in days puts every rung of a day at 23:59:59 Beijing time, so with thousands
// of open cases the reminders, overdue marks and escalations of a day would all fall due at
// the same second and queue behind each other for minutes (docs/BENCHMARKS.md, "10,000 open
// cases"). Instead each task's day-end rungs fire at midnight plus the task's own offset within
// this window (RungSpread): spread evenly over the night, done before anyone's working day.
const RungNight = 6 * time.Hour

// RungSpread is the offset within RungNight, to the second, at which the day-end rungs of the
// task with this ID fire after midnight: a hash of the ID (FNV-1a), so a task keeps its offset
// on every replay and extension, and a day's tasks spread evenly over the window.
func RungSpread(taskID string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(taskID))
	return time.Duration(h.Sum32()%uint32(RungNight/time.Second)) * time.Second
}

// DefaultLadder is DOMAIN.md's default: remind 2 working days before, overdue at the deadline,
// 催办 3 working days after, escalation 5 working days after.
func DefaultLadder() Ladder {
	return Ladder{
		{calendar.Period{N: -2, Unit: calendar.WorkingDays}, RungRemind},
		{calendar.Period{N: 0, Unit: calendar.WorkingDays}, RungOverdue},
		{calendar.Period{N: 3, Unit: calendar.WorkingDays}, RungUrge},
		{calendar.Period{N: 5, Unit: calendar.WorkingDays}, RungEscalate},
	}
}

// ClockLadder is the ladder of a window of hours counted round the clock (DOMAIN.md P11): remind
// at 50% and at 80% of the window, overdue at the deadline (the recipient rule tells the
// holder's supervisor, or the leader when the supervisors hold the step), and 督办 up the org
// tree 2 hours after it. The rungs are in minutes, so every window of whole hours fires them at
// the exact minute (80% of one hour is 12 minutes before the deadline).
func ClockLadder(window calendar.Period) Ladder {
	minutes := window.N * 60
	if window.Unit == calendar.Minutes {
		minutes = window.N
	}
	at := func(n int) calendar.Period { return calendar.Period{N: n, Unit: calendar.Minutes} }
	return Ladder{
		{at(-minutes / 2), RungRemind},
		{at(-minutes / 5), RungRemind},
		{at(0), RungOverdue},
		{at(120), RungEscalate},
	}
}

// ReferralReceipt records that the discipline commission received a referral (移送纪委).
type ReferralReceipt struct {
	Key        string    `json:"key"`
	Subject    string    `json:"subject"`
	Office     string    `json:"office"`
	ReceiptNo  string    `json:"receipt_no"`
	ReceivedBy string    `json:"received_by"`
	At         time.Time `json:"at"`
}

// TaskView is a task as the workflow holds it and the API shows it.
type TaskView struct {
	ID         string     `json:"id"`
	StepKey    string     `json:"step_key"`
	Step       string     `json:"step"`
	Title      string     `json:"title"`
	OrgUnitID  string     `json:"org_unit_id"`
	OrgPath    string     `json:"org_path,omitempty"`
	Role       Role       `json:"role,omitempty"`
	AssigneeID string     `json:"assignee_id,omitempty"`
	ClaimedBy  string     `json:"claimed_by,omitempty"`
	ForSubject bool       `json:"for_subject,omitempty"` // addressed to the case's subject: the only steps a subject may act on
	Priority   Priority   `json:"priority"`
	Status     TaskStatus `json:"status"`
	DueAt      time.Time  `json:"due_at"`
	// CalendarIncomplete: DueAt fell in a year with no holiday schedule, counted Monday to Friday.
	CalendarIncomplete bool           `json:"calendar_incomplete,omitempty"`
	Overdue            bool           `json:"overdue"`
	EscalationLevel    int            `json:"escalation_level"`
	Spec               TaskSpec       `json:"spec"`
	Decision           string         `json:"decision,omitempty"`
	CompletedBy        string         `json:"completed_by,omitempty"`
	CompletedAt        *time.Time     `json:"completed_at,omitempty"`
	Comment            string         `json:"comment,omitempty"`
	Form               map[string]any `json:"form,omitempty"`
}

// CompleteTaskRequest is the argument of the complete-task update.
type CompleteTaskRequest struct {
	TaskID   string         `json:"task_id"`
	Actor    Actor          `json:"actor"`
	Decision string         `json:"decision"`
	Form     map[string]any `json:"form,omitempty"`
	Comment  string         `json:"comment,omitempty"`
	// Files are the files the form's file fields name, as the API read them from the files
	// table: ids, hashes, type, size and owner, never contents.
	Files []FileRef `json:"files,omitempty"`
}

// TaskActionRequest is the argument of claim-task and unclaim-task.
type TaskActionRequest struct {
	TaskID string `json:"task_id"`
	Actor  Actor  `json:"actor"`
}

// ReassignTaskRequest is the argument of reassign-task: a supervisor hands a task to a named
// official within their org subtree.
type ReassignTaskRequest struct {
	TaskID string `json:"task_id"`
	Actor  Actor  `json:"actor"`
	To     Actor  `json:"to"`
	Reason string `json:"reason"`
}

// ExtendTaskRequest is the argument of extend-task: a supervisor moves the deadline of a step
// addressed to the case's subject (which cannot be reassigned) by working days.
type ExtendTaskRequest struct {
	TaskID      string `json:"task_id"`
	Actor       Actor  `json:"actor"`
	WorkingDays int    `json:"working_days"`
	Reason      string `json:"reason"`
}

// AddSubjectRequest is the argument of add-subject: a report names another official, who
// becomes a subject of the case and is recused from it.
type AddSubjectRequest struct {
	Actor      Actor  `json:"actor"`
	OfficialID string `json:"official_id"`
	Reason     string `json:"reason"`
}

// CancelCaseRequest is the argument of cancel-case.
type CancelCaseRequest struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

// CaseState is what the case-state query answers and what updates return.
type CaseState struct {
	ID         string     `json:"id"`
	Kind       CaseKind   `json:"kind"`
	Title      string     `json:"title"`
	OrgUnitID  string     `json:"org_unit_id"`
	Status     CaseStatus `json:"status"`
	Stage      string     `json:"stage"`
	StageTitle string     `json:"stage_title"`
	Outcome    string     `json:"outcome,omitempty"`
	Priority   Priority   `json:"priority"`
	Subjects   []string   `json:"subjects,omitempty"` // the officials the case is about (回避)
	// Referrals are the matters handed to the discipline commission, with their receipts.
	Referrals []ReferralReceipt `json:"referrals,omitempty"`
	Tasks     []TaskView        `json:"tasks"`
	Publicity *PublicityState   `json:"publicity,omitempty"`

	// P2 and P3.
	DepartureAudit  *DepartureAuditState  `json:"departure_audit,omitempty"`
	JointInspection *JointInspectionState `json:"joint_inspection,omitempty"`

	// P5 and P4.
	Inquiry      *InquiryState      `json:"inquiry,omitempty"`
	Admonishment *AdmonishmentState `json:"admonishment,omitempty"`

	// P6 and P7.
	Report   *ReportState   `json:"report,omitempty"`
	Transfer *TransferState `json:"transfer,omitempty"`

	// P8 (the selection chain).
	MattersCheck *MattersCheckState `json:"matters_check,omitempty"`
	MattersCycle *MattersCycleState `json:"matters_cycle,omitempty"`
	// P10 (the selection chain).
	PreAppointment *PreAppointmentState `json:"pre_appointment,omitempty"`
	// P11.
	PublicOpinion *PublicOpinionState `json:"public_opinion,omitempty"`
	// P9 (一报告两评议).
	Evaluation *EvaluationState `json:"evaluation,omitempty"`

	// P12: 双向约谈, the 述职述廉 round and one cadre's 述职述廉.
	Talk           *TalkState           `json:"talk,omitempty"`
	Appraisal      *AppraisalState      `json:"appraisal,omitempty"`
	AppraisalCadre *AppraisalCadreState `json:"appraisal_cadre,omitempty"`
	// P13 (the selection chain).
	Selection *SelectionState `json:"selection,omitempty"`
	// The periodic analysis report (issue 17).
	Analysis *AnalysisState `json:"analysis,omitempty"`
	// SelectionReview is set for selection-review cases (倒查, DOMAIN.md P13).
	SelectionReview *SelectionReviewState `json:"selection_review,omitempty"`

	// Attention says why the case needs a person: a write the database refused for good. The
	// case waits (it can be cancelled) instead of retrying forever.
	Attention string `json:"attention,omitempty"`
}
