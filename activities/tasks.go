package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// CaseRef names the case a task belongs to, for notification text.
type CaseRef struct {
	ID    string           `json:"id"`
	Kind  schemas.CaseKind `json:"kind"`
	Title string           `json:"title"`
}

// PlanRequest asks for a step's deadline and the times its ladder fires.
type PlanRequest struct {
	From   time.Time       `json:"from"`
	Period calendar.Period `json:"period"`
	Ladder schemas.Ladder  `json:"ladder"`
	// Due, when set (YYYY-MM-DD), is the deadline's date: the deadline is the end of that day
	// in Beijing time, and Period is not counted.
	Due string `json:"due,omitempty"`
	// Task is the ID of the task whose ladder is planned. A rung that falls at the end of a day
	// then fires after midnight at the task's offset within schemas.RungNight; without it (and
	// for rungs in hours or minutes) every rung fires at its exact time.
	Task string `json:"task,omitempty"`
}

// StepPlan is a step's deadline and, per rung, when it fires.
type StepPlan struct {
	DueAt   time.Time   `json:"due_at"`
	RungsAt []time.Time `json:"rungs_at"`
	// CalendarIncomplete: the deadline fell in a year with no holiday schedule entered, so it was
	// counted Monday to Friday; the task is flagged and the root office's admins told.
	CalendarIncomplete bool `json:"calendar_incomplete,omitempty"`
}

// PlanStep computes a step's due time and ladder on the working-day calendar. As an activity
// its answer is recorded, so a later calendar edit never changes a running step.
func (a *Activities) PlanStep(ctx context.Context, req PlanRequest) (StepPlan, error) {
	cal, err := a.Calendar(ctx)
	if err != nil {
		return StepPlan{}, err
	}
	due, err := planDue(cal, req)
	if err != nil {
		return StepPlan{}, err
	}
	plan := StepPlan{DueAt: a.compress(req.From, due)}
	if year := due.In(calendar.Location()).Year(); !cal.Covers(year) {
		a.Logger.WarnContext(ctx, "deadline falls in a year with no holiday schedule; counting Monday to Friday",
			"year", year, "period", req.Period.String())
		plan.CalendarIncomplete = true
		if err := a.reportCalendarGap(ctx, year); err != nil {
			return StepPlan{}, err
		}
	}
	for _, r := range req.Ladder {
		at, err := cal.Add(due, r.Offset)
		if err != nil {
			return StepPlan{}, fmt.Errorf("ladder rung %s: %w", r.Action, err)
		}
		at = spreadRung(cal, req.Task, r, at)
		plan.RungsAt = append(plan.RungsAt, a.compress(req.From, at))
	}
	return plan, nil
}

// spreadRung moves a rung of the task that falls at the end of a day (a ladder in days) to
// midnight plus the task's offset within schemas.RungNight, so that the rungs of a day do not
// all fall due at the same second. Rungs in hours or minutes keep their exact time.
func spreadRung(cal *calendar.Calendar, task string, r schemas.Rung, at time.Time) time.Time {
	if task == "" || r.Offset.Unit == calendar.Hours || r.Offset.Unit == calendar.Minutes || !at.Equal(cal.EndOfDay(at)) {
		return at
	}
	return at.Add(time.Second + schemas.RungSpread(task))
}

// planDue is a step's deadline: the end of its Due date, or Period after From.
func planDue(cal *calendar.Calendar, req PlanRequest) (time.Time, error) {
	if req.Due != "" {
		d, err := time.ParseInLocation(time.DateOnly, req.Due, calendar.Location())
		if err != nil {
			return time.Time{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("deadline date %q is not YYYY-MM-DD", req.Due), "bad-due-date", err)
		}
		return cal.AddDays(d, 0), nil
	}
	due, err := cal.Add(req.From, req.Period)
	if err != nil {
		return time.Time{}, fmt.Errorf("deadline %s after %s: %w", req.Period, req.From.Format(time.RFC3339), err)
	}
	return due, nil
}

// reportCalendarGap tells the admins of the root office, once per year, that deadlines are
// being computed without that year's holiday schedule.
func (a *Activities) reportCalendarGap(ctx context.Context, year int) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&schemas.CalendarGap{Year: year, ReportedAt: time.Now().UTC()})
		if ins.Error != nil {
			return fmt.Errorf("record calendar gap %d: %w", year, ins.Error)
		}
		if ins.RowsAffected == 0 {
			return nil // already reported
		}
		admins, err := rootAdmins(tx)
		if err != nil {
			return err
		}
		for _, id := range admins {
			// Keyed on the year, not the activity: the gap row above already makes this once.
			err := notify.Enqueue(tx, &schemas.Notification{
				OfficialID: id, Kind: notify.KindInfo, CreatedAt: time.Now().UTC(),
				DedupKey: fmt.Sprintf("calendar-gap/%d/%s", year, id),
				Title:    fmt.Sprintf("请录入%d年节假日安排", year),
				Body: fmt.Sprintf("有办理期限落在%d年，而该年的节假日安排尚未录入，期限暂按周一至周五计算，相关任务已标注“日历未完整”。"+
					"请在国务院办公厅公布安排后录入（PUT /api/v1/calendar/%d），此后新计算的期限将按其执行。", year, year),
			})
			if err != nil {
				return fmt.Errorf("notify %s of calendar gap %d: %w", id, year, err)
			}
		}
		return nil
	})
}

// OpenTaskRequest opens a task row.
type OpenTaskRequest struct {
	Case CaseRef          `json:"case"`
	Task schemas.TaskView `json:"task"`
	At   time.Time        `json:"at"`
}

// OpenTaskResult tells the workflow where the task's org unit sits in the tree, for the
// subtree checks of supervisors.
type OpenTaskResult struct {
	OrgPath string `json:"org_path"`
}

// OpenTask writes the task row, its audit event and the "new task" notifications in one
// transaction. It is idempotent on the task id: opening an open task again changes nothing.
func (a *Activities) OpenTask(ctx context.Context, req OpenTaskRequest) (OpenTaskResult, error) {
	var res OpenTaskResult
	t := req.Task
	row := schemas.Task{
		ID: t.ID, CaseID: req.Case.ID, WorkflowID: activity.GetInfo(ctx).WorkflowExecution.ID,
		CaseKind: req.Case.Kind, StepKey: t.StepKey, Step: t.Step,
		Title: t.Title, OrgUnitID: t.OrgUnitID, AssigneeRole: t.Role, ForSubject: t.ForSubject, Priority: t.Priority,
		Status: schemas.TaskOpen, Spec: t.Spec, CalendarIncomplete: t.CalendarIncomplete,
		CreatedAt: req.At.UTC(), UpdatedAt: req.At.UTC(),
	}
	if t.AssigneeID != "" {
		row.AssigneeID = &t.AssigneeID
	}
	if !t.DueAt.IsZero() {
		due := t.DueAt.UTC() // one zone in the table, so times compare as stored
		row.DueAt = &due
	}
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var unit schemas.OrgUnit
		if err := tx.First(&unit, "id = ?", t.OrgUnitID).Error; err != nil {
			return fmt.Errorf("open task %s: org unit %s: %w", t.ID, t.OrgUnitID, err)
		}
		res.OrgPath = unit.Path
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if ins.Error != nil {
			return fmt.Errorf("open task %s: %w", t.ID, ins.Error)
		}
		if ins.RowsAffected == 0 {
			return nil
		}
		detail := map[string]any{"title": t.Title, "org_unit_id": t.OrgUnitID, "role": t.Role, "assignee_id": t.AssigneeID}
		if !t.DueAt.IsZero() {
			detail["due_at"] = t.DueAt
		}
		if err := appendAudit(ctx, tx, req.Case.ID, req.At, "system", "task.opened", t.ID, detail); err != nil {
			return err
		}
		to, err := holders(tx, t)
		if err != nil {
			return err
		}
		if len(to) == 0 && t.AssigneeID == "" {
			// Nobody holds the step's role at its org unit: nobody sees the task.
			if err := reportGap(tx, req.At, t.OrgUnitID, t.Role, "任务「"+t.Title+"」"); err != nil {
				return err
			}
		}
		if to, err = withoutSubjects(tx, req.Case.ID, t, to); err != nil {
			return err
		}
		body := fmt.Sprintf("%s《%s》有新的待办任务「%s」", req.Case.ID, req.Case.Title, t.Title)
		if !t.DueAt.IsZero() {
			body += "，办理期限" + calendar.DateText(t.DueAt)
		}
		return enqueueAll(ctx, tx, to, schemas.Notification{
			CaseID: req.Case.ID, TaskID: t.ID, Kind: notify.KindAssigned,
			Title: "新任务：" + t.Title, Body: body + "。", CreatedAt: req.At,
		})
	})
	return res, err
}

// CloseTaskRequest closes a task: completed with a decision, or cancelled.
type CloseTaskRequest struct {
	CaseID      string             `json:"case_id"`
	TaskID      string             `json:"task_id"`
	Status      schemas.TaskStatus `json:"status"`
	Decision    string             `json:"decision,omitempty"`
	DecisionTxt string             `json:"decision_label,omitempty"`
	CompletedBy string             `json:"completed_by,omitempty"`
	Comment     string             `json:"comment,omitempty"`
	Form        map[string]any     `json:"form,omitempty"`
	// Files are the files the completion's file fields reference: CloseTask attaches them to
	// the case and puts their SHA-256 in the task.completed event.
	Files  []schemas.FileRef `json:"files,omitempty"`
	At     time.Time         `json:"at"`
	Reason string            `json:"reason,omitempty"`
	// A task withdrawn because its case was cancelled: who cancelled it (the audit actor) and
	// why; NotifyHolders tells whoever held the task.
	CancelledBy   string `json:"cancelled_by,omitempty"`
	CaseReason    string `json:"case_reason,omitempty"`
	CaseTitle     string `json:"case_title,omitempty"`
	NotifyHolders bool   `json:"notify_holders,omitempty"`
}

// ErrTaskNotOpen means the task row was already closed: the workflow closes each task once, so
// this only happens if the projection was changed behind its back. CloseTask returns it
// non-retryable (brokenInvariant).
var ErrTaskNotOpen = errors.New("task is not open")

// CloseTask marks the task row completed or cancelled and writes the audit event.
func (a *Activities) CloseTask(ctx context.Context, req CloseTaskRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row schemas.Task
		if err := tx.First(&row, "id = ?", req.TaskID).Error; err != nil {
			return fmt.Errorf("close task %s: %w", req.TaskID, err)
		}
		action := "task.cancelled"
		if req.Status == schemas.TaskCompleted {
			action = "task.completed"
		}
		if row.Status != schemas.TaskOpen {
			if row.Status == req.Status {
				return nil // a retry after the commit
			}
			return brokenInvariant(fmt.Errorf("close task %s: %w (it is %s)", req.TaskID, ErrTaskNotOpen, row.Status))
		}
		at := req.At.UTC()
		updates := map[string]any{
			"status": req.Status, "decision": req.Decision, "comment": req.Comment,
			"completed_at": &at, "updated_at": at,
		}
		if req.CompletedBy != "" {
			updates["completed_by"] = req.CompletedBy
		}
		if err := tx.Model(&schemas.Task{}).Where("id = ? AND status = ?", req.TaskID, schemas.TaskOpen).Updates(updates).Error; err != nil {
			return fmt.Errorf("close task %s: %w", req.TaskID, err)
		}
		actor := req.CompletedBy
		if actor == "" {
			actor = req.CancelledBy
		}
		if actor == "" {
			actor = "system"
		}
		detail := map[string]any{"decision": req.Decision, "decision_label": req.DecisionTxt, "comment": req.Comment, "form": req.Form, "reason": req.Reason}
		if req.CancelledBy != "" {
			detail["cancelled_by"] = req.CancelledBy
		}
		if len(req.Files) > 0 {
			if err := attachFiles(tx, req); err != nil {
				return err
			}
			detail["files"] = req.Files
		}
		if err := appendAudit(ctx, tx, req.CaseID, req.At, actor, action, req.TaskID, detail); err != nil {
			return err
		}
		if req.Status != schemas.TaskCancelled || !req.NotifyHolders {
			return nil
		}
		return notifyWithdrawn(ctx, tx, req, row)
	})
}

// notifyWithdrawn tells the holders of a task withdrawn with its case who cancelled the case
// and why.
func notifyWithdrawn(ctx context.Context, tx *gorm.DB, req CloseTaskRequest, row schemas.Task) error {
	v := schemas.TaskView{ID: row.ID, OrgUnitID: row.OrgUnitID, Role: row.AssigneeRole, ForSubject: row.ForSubject}
	if row.AssigneeID != nil {
		v.AssigneeID = *row.AssigneeID
	}
	if row.ClaimedBy != nil {
		v.ClaimedBy = *row.ClaimedBy
	}
	to, err := holders(tx, v)
	if err != nil {
		return err
	}
	if to, err = withoutSubjects(tx, req.CaseID, v, to); err != nil {
		return err
	}
	who := req.CancelledBy
	switch who {
	case "", "system":
		who = "系统"
	case "temporal":
		who = "流程引擎管理员（Temporal）"
	default:
		var o schemas.Official
		if err := tx.First(&o, "id = ?", who).Error; err == nil {
			who = o.Name + "（" + o.ID + "）"
		}
	}
	reason := req.CaseReason
	if reason == "" {
		reason = req.Reason
	}
	return enqueueAll(ctx, tx, to, schemas.Notification{
		CaseID: req.CaseID, TaskID: row.ID, Kind: notify.KindInfo, CreatedAt: req.At,
		Title: "任务已撤销：" + row.Title,
		Body: fmt.Sprintf("%s《%s》已由%s撤销，撤销理由：%s。您的任务「%s」随之撤回，无需再办理。",
			req.CaseID, req.CaseTitle, who, reason, row.Title),
	})
}

// ChangeTaskRequest records a claim, an unclaim or a reassignment.
type ChangeTaskRequest struct {
	Case       CaseRef   `json:"case"`
	TaskID     string    `json:"task_id"`
	Title      string    `json:"title"`
	Action     string    `json:"action"` // task.claimed, task.unclaimed, task.reassigned
	Actor      string    `json:"actor"`
	ClaimedBy  string    `json:"claimed_by"`        // "" clears
	AssigneeID string    `json:"assignee_id"`       // set on reassignment
	Release    bool      `json:"release,omitempty"` // clears the assignee: the task goes back to its role (回避)
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

// ChangeTask updates who holds a task and writes the audit event; a reassignment also tells the
// new holder.
func (a *Activities) ChangeTask(ctx context.Context, req ChangeTaskRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		updates := map[string]any{"updated_at": req.At.UTC(), "claimed_by": nullable(req.ClaimedBy)}
		if req.AssigneeID != "" {
			updates["assignee_id"] = req.AssigneeID
		}
		if req.Release {
			updates["assignee_id"] = nil
		}
		res := tx.Model(&schemas.Task{}).Where("id = ? AND status = ?", req.TaskID, schemas.TaskOpen).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("%s %s: %w", req.Action, req.TaskID, res.Error)
		}
		detail := map[string]any{"claimed_by": req.ClaimedBy, "assignee_id": req.AssigneeID, "reason": req.Reason}
		if err := appendAudit(ctx, tx, req.Case.ID, req.At, req.Actor, req.Action, req.TaskID, detail); err != nil {
			return err
		}
		if req.AssigneeID == "" {
			return nil
		}
		return enqueueAll(ctx, tx, []string{req.AssigneeID}, schemas.Notification{
			CaseID: req.Case.ID, TaskID: req.TaskID, Kind: notify.KindAssigned, CreatedAt: req.At,
			Title: "任务转交：" + req.Title,
			Body:  fmt.Sprintf("%s《%s》的任务「%s」已转交您办理。", req.Case.ID, req.Case.Title, req.Title),
		})
	})
}

// RungRequest fires one rung of a task's ladder.
type RungRequest struct {
	Case   CaseRef            `json:"case"`
	Task   schemas.TaskView   `json:"task"`
	Action schemas.RungAction `json:"action"`
	At     time.Time          `json:"at"`
	// To is whom a RungEscalateTo rung tells.
	To *RungTarget `json:"to,omitempty"`
}

// RungTarget names whom an escalate_to rung tells: the holders of Role found upwards from
// OrgUnitID (the leader of the case's organization department, say).
type RungTarget struct {
	Role      schemas.Role `json:"role"`
	OrgUnitID string       `json:"org_unit_id"`
}

// RungResult says where an escalation went, so the workflow can open the 督办 task there.
type RungResult struct {
	EscalatedTo string `json:"escalated_to,omitempty"`
}

// FireRung marks the task row (overdue, escalation level), writes the audit event and notifies
// whoever the rung addresses.
func (a *Activities) FireRung(ctx context.Context, req RungRequest) (RungResult, error) {
	var result RungResult
	t := req.Task
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hold, err := holders(tx, t)
		if err != nil {
			return err
		}
		// The holders and the others a rung tells read different words: the holder is asked to
		// finish, the others to follow it up. Who the others are is the recipient rule
		// (recipients.go).
		rs, err := newRecipients(tx, req.Case.ID, t.OrgUnitID, hold)
		if err != nil {
			return err
		}
		n := schemas.Notification{CaseID: req.Case.ID, TaskID: t.ID, CreatedAt: req.At}
		var got reach
		updates := map[string]any{"updated_at": req.At.UTC()}
		subject := fmt.Sprintf("%s《%s》的任务「%s」", req.Case.ID, req.Case.Title, t.Title)
		yours := fmt.Sprintf("您承办的%s《%s》的任务「%s」", req.Case.ID, req.Case.Title, t.Title)
		var holderBody, otherBody, need string
		switch req.Action {
		case schemas.RungRemind:
			n.Kind, n.Title = notify.KindReminder, "任务即将到期："+t.Title
			holderBody = yours + "将于" + calendar.DateText(t.DueAt) + "到期，请及时办理。"
		case schemas.RungOverdue:
			updates["overdue"] = true
			got, err = rs.overdue()
			need = "逾期通知"
			n.Kind, n.Title = notify.KindOverdue, "任务已逾期："+t.Title
			holderBody = yours + "已于" + calendar.DateText(t.DueAt) + "到期，请尽快办结。"
			otherBody = subject + "已于" + calendar.DateText(t.DueAt) + "到期未办结，请予关注。"
		case schemas.RungUrge:
			updates["overdue"], updates["escalation_level"] = true, 1
			got, err = rs.urge()
			need = "催办通知"
			n.Kind, n.Title = notify.KindUrge, "催办通知："+t.Title
			holderBody = yours + "已逾期，请立即办结。"
			otherBody = subject + "已逾期，请督促承办人尽快办结。"
		case schemas.RungEscalate:
			updates["overdue"], updates["escalation_level"] = true, 2
			got, err = rs.escalate()
			need = "督办"
			if got.hit.office {
				result.EscalatedTo = got.hit.unit
			}
			n.Kind, n.Title = notify.KindEscalation, "督办通知："+t.Title
			holderBody = yours + "逾期未办结，已提请上级干部监督机构督办，请立即办结。"
			otherBody = subject + "逾期未办结，请予督办。"
		case schemas.RungEscalateTo:
			if req.To == nil {
				return fmt.Errorf("ladder action %q names nobody to tell", req.Action)
			}
			updates["overdue"], updates["escalation_level"] = true, 2
			got, err = rs.named(req.To.OrgUnitID, req.To.Role)
			need = "逾期上报"
			n.Kind, n.Title = notify.KindEscalation, "逾期上报："+t.Title
			holderBody = yours + "逾期未办结，已报告" + req.To.Role.Title() + "，请立即办结。"
			otherBody = subject + "逾期未办结，请督促办理。"
		default:
			return fmt.Errorf("unknown ladder action %q", req.Action)
		}
		if err != nil {
			return err
		}
		if err := rs.reportGaps(req.At, "任务「"+t.Title+"」的"+need); err != nil {
			return err
		}
		others := got.to
		if err := tx.Model(&schemas.Task{}).Where("id = ? AND status = ?", t.ID, schemas.TaskOpen).Updates(updates).Error; err != nil {
			return fmt.Errorf("mark task %s: %w", t.ID, err)
		}
		if hold, err = withoutSubjects(tx, req.Case.ID, t, hold); err != nil { // 回避
			return err
		}
		detail := map[string]any{"due_at": t.DueAt, "notified": append(append([]string(nil), hold...), others...), "escalated_to": result.EscalatedTo}
		if got.hit.unit != "" {
			detail["reached"] = map[string]any{"org_unit_id": got.hit.unit, "role": got.hit.role}
		}
		if err := appendAudit(ctx, tx, req.Case.ID, req.At, "system", "task."+string(req.Action), t.ID, detail); err != nil {
			return err
		}
		n.Body = holderBody
		if err := enqueueAll(ctx, tx, hold, n); err != nil {
			return err
		}
		n.Body = otherBody
		return enqueueAll(ctx, tx, others, n)
	})
	return result, err
}

// NotifyRequest sends a message about a case to officials named directly or by role.
type NotifyRequest struct {
	Case    CaseRef   `json:"case"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	To      []string  `json:"to,omitempty"`
	Role    string    `json:"role,omitempty"` // with OrgUnit: everyone with this role, found upwards
	OrgUnit string    `json:"org_unit,omitempty"`
}

// Notify enqueues a message about a case and records that it was sent.
func (a *Activities) Notify(ctx context.Context, req NotifyRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		to := append([]string(nil), req.To...)
		if req.Role != "" {
			_, ids, err := nearestWithRole(tx, req.OrgUnit, schemas.Role(req.Role))
			if err != nil {
				return err
			}
			to = append(to, ids...)
		}
		if err := appendAudit(ctx, tx, req.Case.ID, req.At, "system", "notified", "", map[string]any{"title": req.Title, "to": to}); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, to, schemas.Notification{CaseID: req.Case.ID, Kind: req.Kind, Title: req.Title, Body: req.Body, CreatedAt: req.At})
	})
}

// enqueueAll sends n to each official once; dedup keys make a retried activity send nothing twice.
func enqueueAll(ctx context.Context, tx *gorm.DB, to []string, n schemas.Notification) error {
	seen := map[string]bool{}
	for _, id := range to {
		if seen[id] {
			continue
		}
		seen[id] = true
		m := n
		m.OfficialID = id
		m.CreatedAt = m.CreatedAt.UTC()
		m.DedupKey = dedupKey(ctx, "notify/"+id)
		if err := notify.Enqueue(tx, &m); err != nil {
			return fmt.Errorf("notify %s: %w", id, err)
		}
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return gorm.Expr("NULL")
	}
	return s
}

// withoutSubjects drops the case's subjects from the holders of a step that is not theirs
// (回避): they are never told to act on their own case.
func withoutSubjects(tx *gorm.DB, caseID string, t schemas.TaskView, to []string) ([]string, error) {
	if t.ForSubject || len(to) == 0 {
		return to, nil
	}
	var subjects []string
	if err := tx.Model(&schemas.CaseSubject{}).Where("case_id = ?", caseID).Pluck("official_id", &subjects).Error; err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", caseID, err)
	}
	kept := to[:0:0]
	for _, id := range to {
		if !slices.Contains(subjects, id) {
			kept = append(kept, id)
		}
	}
	return kept, nil
}

// ExtendTaskRequest records a supervisor's extension of a step's deadline.
type ExtendTaskRequest struct {
	Case        CaseRef   `json:"case"`
	TaskID      string    `json:"task_id"`
	Title       string    `json:"title"`
	Actor       string    `json:"actor"`
	Holder      string    `json:"holder"`
	From        time.Time `json:"from"`
	DueAt       time.Time `json:"due_at"`
	WorkingDays int       `json:"working_days"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
}

// ExtendTask moves the task row's deadline (no longer overdue), writes the audit event and
// tells the holder.
func (a *Activities) ExtendTask(ctx context.Context, req ExtendTaskRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		due := req.DueAt.UTC()
		res := tx.Model(&schemas.Task{}).Where("id = ? AND status = ?", req.TaskID, schemas.TaskOpen).
			Updates(map[string]any{"due_at": &due, "overdue": false, "escalation_level": 0, "updated_at": req.At.UTC()})
		if res.Error != nil {
			return fmt.Errorf("extend %s: %w", req.TaskID, res.Error)
		}
		detail := map[string]any{"from": req.From, "due_at": req.DueAt, "working_days": req.WorkingDays, "reason": req.Reason}
		if err := appendAudit(ctx, tx, req.Case.ID, req.At, req.Actor, "task.extended", req.TaskID, detail); err != nil {
			return err
		}
		if req.Holder == "" {
			return nil
		}
		return enqueueAll(ctx, tx, []string{req.Holder}, schemas.Notification{
			CaseID: req.Case.ID, TaskID: req.TaskID, Kind: notify.KindInfo, CreatedAt: req.At,
			Title: "期限延长：" + req.Title,
			Body:  fmt.Sprintf("%s《%s》的任务「%s」办理期限延长至%s。", req.Case.ID, req.Case.Title, req.Title, calendar.DateText(req.DueAt)),
		})
	})
}

// attachFiles makes the files a completion references the case's (an upload that no case held
// yet becomes the case's, with the task and field it was given for).
func attachFiles(tx *gorm.DB, req CloseTaskRequest) error {
	for _, f := range req.Files {
		err := tx.Model(&schemas.File{}).Where("id = ? AND case_id IS NULL", f.ID).
			Updates(map[string]any{"case_id": req.CaseID, "task_id": req.TaskID, "field": f.Field}).Error
		if err != nil {
			return fmt.Errorf("attach file %s: %w", f.ID, err)
		}
	}
	return nil
}
