package workflows

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// StepSpec describes one human step: who acts, by when, what they may decide.
type StepSpec struct {
	Key        string // unique within the case: the task id is "<case id>.<key>"
	Step       string // the kind of step, e.g. "verify"
	Stage      string // when set, the stage the case enters as the step begins
	Title      string // Chinese, shown in the inbox and the UI
	OrgUnitID  string
	Role       schemas.Role // anyone with this role at OrgUnitID may act...
	AssigneeID string       // ...unless the step names one official
	Period     calendar.Period
	// From is the instant the period counts from; zero counts from the moment the step opens. A
	// process whose limits run from an event (P11: hours from the first sighting, not from when
	// a step happens to open) sets it, so the deadline and every rung come from that instant.
	From time.Time
	// Due, when set ("2027-01-31"), fixes the deadline at the end of that date in Beijing time
	// instead of Period after the step opens (a report due by 31 January); the ladder counts
	// from it as from any deadline. Period is then unused.
	Due string
	// Ladder overrides the default reminder ladder; an empty non-nil ladder has no rungs.
	Ladder schemas.Ladder
	// DeadlineSummary names the deadline timer in the UI ("核查期限"); default "办理期限".
	DeadlineSummary string
	Spec            schemas.TaskSpec
	// Validate adds checks across fields that the form description cannot say.
	Validate func(schemas.CompleteTaskRequest) []schemas.FieldIssue
	// Opened runs once the task is open, with its deadline: a process keeps the due date in its
	// own state while the step runs.
	Opened func(schemas.TaskView)
	// Refuse rejects a decision that the case's state forbids now (a restricted candidate may
	// not be promoted): its rejection (a conflict) is returned as is. It runs at validation
	// time, so it sees the state as it is when the completion arrives.
	Refuse func(schemas.CompleteTaskRequest) error
	// EscalateTo is whom a schemas.RungEscalateTo rung of the ladder tells.
	EscalateTo *activities.RungTarget
	// RungTargets overrides EscalateTo for the rung at an index of the ladder: a ladder that
	// reports to two places (P7: the lower office's leader, then the superior office).
	RungTargets map[int]*activities.RungTarget
	// AfterRung runs after each rung fired, in the step's coroutine (start longer work with
	// workflow.Go): a process opens a task for whoever the rung reached.
	AfterRung func(ctx workflow.Context, action schemas.RungAction)
	// ForSubject marks a step by role that the case's subject does as such (the inspected
	// leader's self-inspection and rectification). A step named to a subject (AssigneeID) is
	// the subject's without it.
	ForSubject bool
	// FixedDeadline: the deadline is an outcome (a window that lapses), so it cannot be extended.
	FixedDeadline bool
}

// Completion is what the official decided.
type Completion struct {
	Decision string
	Form     map[string]any
	Comment  string
	Actor    schemas.Actor
	At       time.Time
	// Files are the files the form's file fields reference (schemas.FileRef: id and hash).
	Files []schemas.FileRef
}

// Text returns a text form field, "" when absent.
func (c Completion) Text(name string) string {
	s, _ := c.Form[name].(string)
	return s
}

// Bool returns a bool form field, false when absent.
func (c Completion) Bool(name string) bool {
	b, _ := c.Form[name].(bool)
	return b
}

// humanStep is the one way every process runs a human step: it enters the step's stage,
// computes the deadline, opens the task, waits for the complete-task update while the reminder
// ladder fires, then closes the task. Every transition is audited and shown in the UI.
func (c *caseRun) humanStep(ctx workflow.Context, spec StepSpec) (Completion, error) {
	if spec.Stage != "" {
		if err := c.setStage(ctx, spec.Stage); err != nil {
			return Completion{}, err
		}
	}
	t, _, err := c.openTask(ctx, spec)
	if err != nil {
		return Completion{}, err
	}
	if spec.Opened != nil {
		spec.Opened(t.view)
	}
	done := func() bool { return t.completion != nil || t.abandoned }
	if err := c.climbLadder(ctx, t, spec, done); err != nil {
		return Completion{}, err
	}
	if err := workflow.Await(ctx, done); err != nil {
		return Completion{}, err
	}
	return c.closeTask(ctx, t)
}

// ladderOf is the step's ladder, the default unless the step sets one.
func ladderOf(spec StepSpec) schemas.Ladder {
	if spec.Ladder == nil {
		return schemas.DefaultLadder()
	}
	return spec.Ladder
}

func (c *caseRun) openTask(ctx workflow.Context, spec StepSpec) (*task, activities.StepPlan, error) {
	var plan activities.StepPlan
	opened := workflow.Now(ctx)
	from := opened
	if !spec.From.IsZero() {
		from = spec.From
	}
	id := c.state.ID + "." + spec.Key
	if err := c.planStep(ctx, "计算期限："+spec.Title,
		activities.PlanRequest{From: from, Period: spec.Period, Due: spec.Due, Ladder: ladderOf(spec), Task: id}, &plan); err != nil {
		return nil, plan, err
	}
	t := &task{
		view: schemas.TaskView{
			ID: id, StepKey: spec.Key, Step: spec.Step, Title: spec.Title,
			OrgUnitID: spec.OrgUnitID, Role: spec.Role, AssigneeID: spec.AssigneeID,
			ForSubject: spec.ForSubject || (spec.AssigneeID != "" && c.isSubject(spec.AssigneeID)),
			Priority:   c.state.Priority, Status: schemas.TaskOpen, DueAt: plan.DueAt, Spec: spec.Spec,
			CalendarIncomplete: plan.CalendarIncomplete,
		},
		validate:      spec.Validate,
		refuse:        spec.Refuse,
		ladder:        ladderOf(spec),
		plan:          plan,
		fixedDeadline: spec.FixedDeadline,
	}
	// The task joins the case before its row is written: the inbox may show the row, and a
	// completion sent at once, before this activity's result is processed, must find it.
	c.tasks = append(c.tasks, t)
	var res activities.OpenTaskResult
	if err := c.write(ctx, "开启任务："+spec.Title, acts.OpenTask,
		activities.OpenTaskRequest{Case: c.caseRef(), Task: t.view, At: opened}, &res); err != nil {
		return nil, plan, err
	}
	t.view.OrgPath = res.OrgPath
	workflow.GetLogger(ctx).Info("task opened", "case", c.state.ID, "task", t.view.ID, "due", plan.DueAt)
	c.refresh(ctx)
	return t, plan, nil
}

// planStep computes a step's deadline and ladder (acts.PlanStep). From version
// "plan-step-local" on it is a local activity: a calendar read and date arithmetic need no
// activity task of their own on the server, nor a workflow task to take their result
// (docs/BENCHMARKS.md: 6 of the 32 events of a human step).
func (c *caseRun) planStep(ctx workflow.Context, summary string, req activities.PlanRequest, plan *activities.StepPlan) error {
	if workflow.GetVersion(ctx, "plan-step-local", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return c.exec(ctx, summary, acts.PlanStep, req, plan)
	}
	return c.execLocal(ctx, summary, acts.PlanStep, req, plan)
}

// climbLadder fires each rung at its time unless the step is done first. Rungs due before the
// task opened (a reminder for a very short step) are skipped. When a supervisor extends the
// deadline (extend-task), the rungs not yet fired wait for their times in the new plan.
func (c *caseRun) climbLadder(ctx workflow.Context, t *task, spec StepSpec, done func() bool) error {
	opened := workflow.Now(ctx)
	ladder := ladderOf(spec)
	for i := 0; i < len(ladder); i++ {
		rung := ladder[i]
		at := t.plan.RungsAt[i]
		if !at.After(opened) && rung.Action == schemas.RungRemind {
			continue
		}
		if d := at.Sub(workflow.Now(ctx)); d > 0 {
			extensions := t.extensions
			ok, err := awaitOrTimeout(ctx, d, rungSummary(spec, rung.Action), func() bool { return done() || t.extensions != extensions })
			if err != nil {
				return err
			}
			if ok && done() {
				return nil
			}
			if ok { // extended: wait for this rung's new time
				opened = workflow.Now(ctx)
				i--
				continue
			}
		} else if done() {
			return nil
		}
		to := spec.EscalateTo
		if rt := spec.RungTargets[i]; rt != nil {
			to = rt
		}
		if err := c.fireRung(ctx, t, rung.Action, to); err != nil {
			return err
		}
		if spec.AfterRung != nil {
			spec.AfterRung(ctx, rung.Action)
		}
	}
	return nil
}

func rungSummary(spec StepSpec, action schemas.RungAction) string {
	switch action {
	case schemas.RungRemind:
		return "到期提醒：" + spec.Title
	case schemas.RungOverdue:
		if spec.DeadlineSummary != "" {
			return spec.DeadlineSummary
		}
		return "办理期限：" + spec.Title
	case schemas.RungUrge:
		return "逾期催办：" + spec.Title
	case schemas.RungEscalateTo:
		return "逾期上报：" + spec.Title
	default:
		return "逾期督办：" + spec.Title
	}
}

func (c *caseRun) fireRung(ctx workflow.Context, t *task, action schemas.RungAction, to *activities.RungTarget) error {
	var res activities.RungResult
	if err := c.exec(ctx, rungSummary(StepSpec{Title: t.view.Title}, action), acts.FireRung,
		activities.RungRequest{Case: c.caseRef(), Task: t.view, Action: action, At: workflow.Now(ctx), To: to}, &res); err != nil {
		return err
	}
	switch action {
	case schemas.RungOverdue:
		t.view.Overdue = true
	case schemas.RungUrge:
		t.view.Overdue, t.view.EscalationLevel = true, 1
	case schemas.RungEscalateTo:
		t.view.Overdue, t.view.EscalationLevel = true, 2
	case schemas.RungEscalate:
		t.view.Overdue, t.view.EscalationLevel = true, 2
		if res.EscalatedTo != "" && !t.supervised {
			c.openSupervision(ctx, t, res.EscalatedTo)
		}
	}
	c.refresh(ctx)
	return nil
}

// openSupervision opens a 督办 task at the superior supervision office, in the background; it
// is withdrawn when the overdue task is done.
func (c *caseRun) openSupervision(ctx workflow.Context, t *task, orgUnitID string) {
	t.supervised = true
	c.sideTask(ctx, "supervise", supervisionSpec(t.view.StepKey, t.view.Title, orgUnitID, schemas.RoleSupervisor), t, nil)
}

// supervisionSpec is a 督办 task about the step key titled title, for role at orgUnitID.
func supervisionSpec(key, title, orgUnitID string, role schemas.Role) StepSpec {
	return StepSpec{
		Key: key + "-duban", Step: "supervise", Title: "督办：" + title,
		OrgUnitID: orgUnitID, Role: role,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays}, Ladder: schemas.Ladder{},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSupervised, Label: "已督办"}},
			Form:      []schemas.FormField{{Name: "note", Label: "督办意见", Type: schemas.FieldTextarea, MaxLen: 2000}},
		},
	}
}

// sideTask opens a task beside the task main in the background (a background step named
// name): it closes when done, or is withdrawn once main has closed, even if that happens while
// it is opening. then, when set, runs with its completion.
func (c *caseRun) sideTask(ctx workflow.Context, name string, spec StepSpec, main *task, then func(Completion)) {
	c.beside(ctx, name, func(gctx workflow.Context) error {
		s, _, err := c.openTask(gctx, spec)
		if err != nil {
			return err
		}
		if err := workflow.Await(gctx, func() bool { return s.completion != nil || s.abandoned || main.closed }); err != nil {
			return err
		}
		if s.completion == nil {
			s.abandoned = true
		}
		done, err := c.closeTask(gctx, s)
		if err == nil && then != nil {
			then(done)
		}
		return err
	})
}

// closeTask records the completion (or the withdrawal) and withdraws a pending 督办 task.
func (c *caseRun) closeTask(ctx workflow.Context, t *task) (Completion, error) {
	now := workflow.Now(ctx)
	req := activities.CloseTaskRequest{CaseID: c.state.ID, TaskID: t.view.ID, At: now}
	var comp Completion
	if t.completion != nil {
		r := t.completion
		comp = Completion{Decision: r.Decision, Form: r.Form, Comment: r.Comment, Actor: r.Actor, At: now,
			Files: referencedFiles(t.view.Spec, r)}
		req.Status, req.Decision, req.CompletedBy = schemas.TaskCompleted, r.Decision, r.Actor.ID
		req.DecisionTxt, req.Comment, req.Form = decisionLabel(t.view.Spec, r.Decision), r.Comment, r.Form
		req.Files = comp.Files
	} else {
		req.Status, req.Reason = schemas.TaskCancelled, "原任务已办结，督办撤回"
		if t.abandonReason != "" {
			req.Reason = t.abandonReason
		}
	}
	if err := c.write(ctx, "关闭任务："+t.view.Title, acts.CloseTask, req, nil); err != nil {
		return Completion{}, err
	}
	t.view.Status = req.Status
	if t.completion != nil {
		t.view.Decision, t.view.CompletedBy, t.view.Comment, t.view.Form = comp.Decision, comp.Actor.ID, comp.Comment, comp.Form
		t.view.CompletedAt = &now
	}
	t.closed = true
	workflow.GetLogger(ctx).Info("task closed", "case", c.state.ID, "task", t.view.ID, "status", req.Status, "decision", req.Decision)
	c.refresh(ctx)
	if t.completion == nil {
		return Completion{}, errAbandoned
	}
	return comp, nil
}

func decisionLabel(spec schemas.TaskSpec, key string) string {
	for _, d := range spec.Decisions {
		if d.Key == key {
			return d.Label
		}
	}
	return ""
}

// --- updates on tasks ---

func (c *caseRun) openTaskFor(id string) (*task, error) {
	t := c.find(id)
	if t == nil || t.view.ID == "" {
		return nil, rejection(schemas.ErrTypeNotFound, "案件中没有任务 "+id)
	}
	if t.view.Status != schemas.TaskOpen || t.completion != nil || t.abandoned {
		return nil, rejection(schemas.ErrTypeConflict, "任务已办结或已撤销")
	}
	return t, nil
}

// mayAct: a named task is its assignee's alone; any other is for holders of its role in its
// org unit, and once claimed, for the claimer.
func mayAct(v schemas.TaskView, a schemas.Actor) error {
	if v.AssigneeID != "" {
		if a.ID != v.AssigneeID {
			return rejection(schemas.ErrTypeForbidden, "此任务由指定人员办理")
		}
		return nil
	}
	if !a.Roles.Has(v.Role) || a.OrgUnitID != v.OrgUnitID {
		return rejection(schemas.ErrTypeForbidden, fmt.Sprintf("此任务须由%s的%s办理", v.OrgUnitID, v.Role.Title()))
	}
	if v.ClaimedBy != "" && v.ClaimedBy != a.ID {
		return rejection(schemas.ErrTypeConflict, "任务已由 "+v.ClaimedBy+" 认领")
	}
	return nil
}

func (c *caseRun) validateComplete(req schemas.CompleteTaskRequest) error {
	t, err := c.openTaskFor(req.TaskID)
	if err != nil {
		return err
	}
	if err := c.recusedFrom(t.view, req.Actor); err != nil {
		return err
	}
	if err := mayAct(t.view, req.Actor); err != nil {
		return err
	}
	issues := validateForm(t.view.Spec, req, workflow.Now(c.rootCtx).In(calendar.Location()).Format(time.DateOnly))
	issues = append(issues, validateFiles(t.view.Spec, req, c.state.ID)...)
	if t.validate != nil && len(issues) == 0 {
		issues = t.validate(req)
	}
	if msg := text.Check(req.Comment, 0, 2000); msg != "" {
		issues = append(issues, schemas.FieldIssue{Field: "comment", Message: msg})
	}
	if len(issues) > 0 {
		return rejection(schemas.ErrTypeInvalid, "办理内容未通过校验", issues...)
	}
	if t.refuse != nil {
		return t.refuse(req)
	}
	return nil
}

func (c *caseRun) completeTask(ctx workflow.Context, req schemas.CompleteTaskRequest) (schemas.CaseState, error) {
	// Validators run before handlers; two completions admitted together are decided here.
	t, err := c.openTaskFor(req.TaskID)
	if err != nil {
		return schemas.CaseState{}, err
	}
	t.completion = &req
	// The answer waits for the task to close, or for the case to need attention because
	// closing it failed for good (then the caller hears why instead of waiting forever).
	attention := c.state.Attention
	if err := workflow.Await(ctx, func() bool { return t.closed || c.state.Attention != attention }); err != nil {
		return schemas.CaseState{}, err
	}
	if !t.closed {
		return schemas.CaseState{}, rejection(schemas.ErrTypeNeedsAttention, c.state.Attention)
	}
	return c.snapshot(), nil
}

var dateField = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// validDate accepts a real calendar date in YYYY-MM-DD (not 2026-13-45).
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return dateField.MatchString(s) && err == nil
}

// validateForm checks the decision and the form against the step's spec; today (YYYY-MM-DD)
// bounds the dates that may not lie in the future.
func validateForm(spec schemas.TaskSpec, req schemas.CompleteTaskRequest, today string) []schemas.FieldIssue {
	var issues []schemas.FieldIssue
	if decisionLabel(spec, req.Decision) == "" {
		keys := make([]string, len(spec.Decisions))
		for i, d := range spec.Decisions {
			keys[i] = d.Key
		}
		issues = append(issues, schemas.FieldIssue{Field: "decision", Message: "须为以下之一：" + strings.Join(keys, ", ")})
	}
	known := 0
	for _, f := range spec.Form {
		v, present := req.Form[f.Name]
		if present {
			known++
		}
		required := f.Required
		for _, d := range f.RequiredFor {
			required = required || d == req.Decision
		}
		field := "form." + f.Name
		switch {
		case !present || v == nil:
			if required {
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "必填"})
			}
		case f.Type == schemas.FieldBool:
			if _, ok := v.(bool); !ok {
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "须为 true 或 false"})
			}
		default:
			s, ok := v.(string)
			min, max := 0, f.MaxLen
			if required {
				min = 1
			}
			if max == 0 {
				max = schemas.DefaultFormTextMax
			}
			switch {
			case !ok:
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "须为文本"})
			case text.Check(s, min, max) != "":
				// The one text rule (internal/text): no control characters, a required field
				// needs a visible character, every field has a maximum.
				issues = append(issues, schemas.FieldIssue{Field: field, Message: text.Check(s, min, max)})
			case f.Type == schemas.FieldDate && s != "" && !validDate(s):
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "日期格式须为 YYYY-MM-DD"})
			case f.Type == schemas.FieldDate && s != "" && f.MinDate != "" && s < f.MinDate:
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "不得早于" + f.MinDate})
			case f.Type == schemas.FieldDate && s != "" && f.NotFuture && s > today:
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "不得晚于今天（" + today + "）"})
			case f.Type == schemas.FieldSelect && s != "" && !contains(f.Options, s):
				issues = append(issues, schemas.FieldIssue{Field: field, Message: "须为以下之一：" + strings.Join(f.Options, ", ")})
			}
		}
	}
	if known < len(req.Form) {
		names := make([]string, len(spec.Form))
		for i, f := range spec.Form {
			names[i] = f.Name
		}
		issues = append(issues, schemas.FieldIssue{Field: "form", Message: "含有未知字段；可用字段：" + strings.Join(names, ", ")})
	}
	return issues
}

// validateFiles is the kernel's rule for file references (issue 18): a file field names a file
// that exists (the API resolved it into req.Files), that the actor uploaded and no other case
// holds, or that is already this case's; its detected type is one the field accepts and its
// size within the field's limit. Anything else reads as a missing file, so ids are not probed.
func validateFiles(spec schemas.TaskSpec, req schemas.CompleteTaskRequest, caseID string) []schemas.FieldIssue {
	var issues []schemas.FieldIssue
	for _, f := range spec.Form {
		id, _ := req.Form[f.Name].(string)
		if f.Type != schemas.FieldFile || id == "" {
			continue
		}
		field := "form." + f.Name
		ref, ok := fileRef(req.Files, id)
		mine := ref.AddedBy == req.Actor.ID && ref.CaseID == ""
		if !ok || !mine && ref.CaseID != caseID {
			issues = append(issues, schemas.FieldIssue{Field: field, Message: "文件 " + id + " 不存在或不可引用：须为本人上传或本案已有的文件"})
			continue
		}
		if len(f.Accept) > 0 && !contains(f.Accept, ref.ContentType) {
			issues = append(issues, schemas.FieldIssue{Field: field, Message: "文件类型须为" + strings.Join(f.Accept, "、") + "，此文件为" + ref.ContentType})
		}
		max := f.MaxBytes
		if max == 0 {
			max = schemas.DefaultFileMaxBytes
		}
		if ref.Size > max {
			issues = append(issues, schemas.FieldIssue{Field: field, Message: fmt.Sprintf("文件不得超过%d字节，此文件%d字节", max, ref.Size)})
		}
	}
	return issues
}

// referencedFiles are the files a completion's file fields name, each with its field.
func referencedFiles(spec schemas.TaskSpec, req *schemas.CompleteTaskRequest) []schemas.FileRef {
	var refs []schemas.FileRef
	for _, f := range spec.Form {
		id, _ := req.Form[f.Name].(string)
		if ref, ok := fileRef(req.Files, id); ok && f.Type == schemas.FieldFile && id != "" {
			ref.Field = f.Name
			refs = append(refs, ref)
		}
	}
	return refs
}

func fileRef(refs []schemas.FileRef, id string) (schemas.FileRef, bool) {
	for _, r := range refs {
		if r.ID == id {
			return r, true
		}
	}
	return schemas.FileRef{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *caseRun) validateClaim(req schemas.TaskActionRequest) error {
	t, err := c.openTaskFor(req.TaskID)
	if err != nil {
		return err
	}
	if err := c.recusedFrom(t.view, req.Actor); err != nil {
		return err
	}
	if t.view.AssigneeID != "" {
		return rejection(schemas.ErrTypeConflict, "指定人员办理的任务无需认领")
	}
	if t.view.ClaimedBy == req.Actor.ID {
		return rejection(schemas.ErrTypeConflict, "您已认领此任务")
	}
	return mayAct(t.view, req.Actor)
}

func (c *caseRun) claimTask(ctx workflow.Context, req schemas.TaskActionRequest) (schemas.CaseState, error) {
	return c.changeHolder(ctx, req.TaskID, "task.claimed", req.Actor.ID, req.Actor.ID, "", "")
}

func (c *caseRun) validateUnclaim(req schemas.TaskActionRequest) error {
	t, err := c.openTaskFor(req.TaskID)
	if err != nil {
		return err
	}
	if err := c.recusedFrom(t.view, req.Actor); err != nil {
		return err
	}
	if t.view.ClaimedBy == "" {
		return rejection(schemas.ErrTypeConflict, "任务未被认领")
	}
	if t.view.ClaimedBy != req.Actor.ID && !supervises(req.Actor, t.view) {
		return rejection(schemas.ErrTypeForbidden, "只有认领人或上级干部监督人员可以退回认领")
	}
	return nil
}

func (c *caseRun) unclaimTask(ctx workflow.Context, req schemas.TaskActionRequest) (schemas.CaseState, error) {
	return c.changeHolder(ctx, req.TaskID, "task.unclaimed", req.Actor.ID, "", "", "")
}

// supervises: a supervisor acts on the tasks of their org subtree. Org paths read
// "/150000/150100/", so the subtree is a prefix.
func supervises(a schemas.Actor, v schemas.TaskView) bool {
	return a.Roles.Has(schemas.RoleSupervisor) && a.OrgPath != "" && strings.HasPrefix(v.OrgPath, a.OrgPath)
}

// supervisedTask is the open task a supervision action (reassign, extend: verb) is about, once
// the actor is known to be neither recused from the case nor outside the task's supervision.
func (c *caseRun) supervisedTask(id string, a schemas.Actor, verb string) (*task, error) {
	t, err := c.openTaskFor(id)
	if err != nil {
		return nil, err
	}
	if t.view.OrgPath == "" {
		return nil, rejection(schemas.ErrTypeConflict, "任务正在开启，请稍后重试")
	}
	if err := c.recusedFrom(t.view, a); err != nil {
		return nil, err
	}
	if !supervises(a, t.view) {
		return nil, rejection(schemas.ErrTypeForbidden, "只有本级或上级干部监督人员可以"+verb)
	}
	return t, nil
}

// validateReassign keeps the step's rules through every reassignment, whoever holds the task
// now: the new holder has the step's role (when it has one) and serves in its org unit or
// below, and is not a subject of the case. A step addressed to the subject cannot be
// reassigned at all (extend-task moves its deadline instead).
func (c *caseRun) validateReassign(req schemas.ReassignTaskRequest) error {
	t, err := c.supervisedTask(req.TaskID, req.Actor, "转交任务")
	if err != nil {
		return err
	}
	if t.view.ForSubject && t.view.AssigneeID != "" {
		return rejection(schemas.ErrTypeForbidden, "当事人本人办理的任务不能转交；如需延期，请由干部监督人员延长期限")
	}
	if !strings.HasPrefix(req.To.OrgPath, req.Actor.OrgPath) {
		return rejection(schemas.ErrTypeForbidden, "只能转交给本级及下级单位的人员")
	}
	if req.To.ID == "" || req.To.ID == t.view.AssigneeID || req.To.ID == t.view.ClaimedBy {
		return rejection(schemas.ErrTypeInvalid, "转交对象无效", schemas.FieldIssue{Field: "to", Message: "须为另一名工作人员"})
	}
	if c.isSubject(req.To.ID) && !t.view.ForSubject {
		return rejection(schemas.ErrTypeRecused, "回避：转交对象是本案当事人")
	}
	if t.view.Role != "" && !req.To.Roles.Has(t.view.Role) {
		return rejection(schemas.ErrTypeInvalid, "转交对象无此任务所需角色",
			schemas.FieldIssue{Field: "to", Message: "须具有" + t.view.Role.Title() + "角色"})
	}
	if req.To.OrgPath == "" || !strings.HasPrefix(req.To.OrgPath, t.view.OrgPath) {
		return rejection(schemas.ErrTypeInvalid, "转交对象不在此任务所属单位",
			schemas.FieldIssue{Field: "to", Message: "须为" + t.view.OrgUnitID + "或其下级单位的人员"})
	}
	return reasonIssue(req.Reason, "转交")
}

func (c *caseRun) reassignTask(ctx workflow.Context, req schemas.ReassignTaskRequest) (schemas.CaseState, error) {
	return c.changeHolder(ctx, req.TaskID, "task.reassigned", req.Actor.ID, "", req.To.ID, req.Reason)
}

func (c *caseRun) changeHolder(ctx workflow.Context, taskID, action, actor, claimedBy, assignee, reason string) (schemas.CaseState, error) {
	t, err := c.openTaskFor(taskID)
	if err != nil {
		return schemas.CaseState{}, err
	}
	if err := c.exec(ctx, "变更任务承办人："+t.view.Title, acts.ChangeTask, activities.ChangeTaskRequest{
		Case: c.caseRef(), TaskID: taskID, Title: t.view.Title, Action: action, Actor: actor,
		ClaimedBy: claimedBy, AssigneeID: assignee, Reason: reason, At: workflow.Now(ctx),
	}); err != nil {
		return schemas.CaseState{}, err
	}
	t.view.ClaimedBy = claimedBy
	if assignee != "" {
		t.view.AssigneeID = assignee
	}
	c.refresh(ctx)
	return c.snapshot(), nil
}

// --- cancelling the case ---

func (c *caseRun) validateCancel(req schemas.CancelCaseRequest) error {
	if c.state.Status != schemas.CaseOpen || c.cancelReq != nil {
		return rejection(schemas.ErrTypeConflict, "案件已办结或已撤销")
	}
	if err := c.recusedActor(req.Actor); err != nil {
		return err
	}
	if c.mayCancel == nil || !c.mayCancel(req.Actor) {
		return rejection(schemas.ErrTypeForbidden, "无权撤销此案件")
	}
	if msg := text.Check(req.Reason, 1, 500); msg != "" {
		return rejection(schemas.ErrTypeInvalid, "须说明撤销理由", schemas.FieldIssue{Field: "reason", Message: msg})
	}
	return nil
}

func (c *caseRun) cancelCase(ctx workflow.Context, req schemas.CancelCaseRequest) (schemas.CaseState, error) {
	if c.cancelReq != nil {
		return schemas.CaseState{}, rejection(schemas.ErrTypeConflict, "案件已撤销")
	}
	c.cancelReq = &req
	if c.onCancel != nil {
		c.onCancel(ctx, req)
	}
	c.cancel()
	if err := workflow.Await(ctx, func() bool { return c.state.Status != schemas.CaseOpen }); err != nil {
		return schemas.CaseState{}, err
	}
	return c.snapshot(), nil
}
