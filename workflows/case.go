package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// acts names activities without running them: workflows call activity methods through this
// typed nil pointer.
var acts *activities.Activities

// caseRun is the machinery every case workflow shares: the case state, the tasks and their
// update handlers, cancellation, and what the Temporal UI shows. A process embeds it and adds
// its own steps.
type caseRun struct {
	state  schemas.CaseState
	tasks  []*task // in opening order
	stages map[string]string

	createdBy string
	// part names what a child workflow holds of its parent's case ("用人检查"); empty for the
	// case's own workflow. A part writes no case row and cannot be cancelled on its own: the
	// parent cancels it.
	part string
	// mayCancel says who may cancel a case of this process.
	mayCancel func(schemas.Actor) bool
	cancelReq *schemas.CancelCaseRequest
	// onCancel runs in the cancel-case handler before the run context is cancelled: a case
	// with parts tells them who cancelled it and why.
	onCancel func(ctx workflow.Context, req schemas.CancelCaseRequest)
	cancel   workflow.CancelFunc
	// runCtx is the context steps run in; background steps started by handlers use it too,
	// so that cancelling the case stops them.
	runCtx workflow.Context
	// rootCtx is the workflow's own context, for validators (workflows/budget.go).
	rootCtx workflow.Context

	shown shownUI
	// waits are deadlines the case waits for that no task holds (the end of a publicity
	// period): shown in the UI details and counted in DueAt like a task's.
	waits []wait

	// parts are the open tasks of this case's parts (children), as they last reported them
	// (parts.go): the UI and search attributes show them with the case's own.
	parts []partView
	// rollup: this part reports its open tasks to its parent; sentToParent is the last report.
	rollup       bool
	sentToParent *string
	// besides counts the background steps running beside the main line, by name, and busy all
	// of them (beside.go).
	besides map[string]int
	busy    int
	// records counts the case records this run has written (record): each one's WriteKey, so
	// its audit event is written once however its attempts go (activities.CaseRecord).
	records int
}

// wait is a named moment the case waits for.
type wait struct {
	label string
	at    time.Time
}

// showWait shows a deadline the case waits for until endWait removes it.
func (c *caseRun) showWait(label string, at time.Time) {
	c.waits = append(c.waits, wait{label, at})
}

func (c *caseRun) endWait(label string) {
	kept := c.waits[:0]
	for _, w := range c.waits {
		if w.label != label {
			kept = append(kept, w)
		}
	}
	c.waits = kept
}

// task is one human step's live state inside the workflow.
type task struct {
	view       schemas.TaskView
	validate   func(schemas.CompleteTaskRequest) []schemas.FieldIssue
	refuse     func(schemas.CompleteTaskRequest) error
	completion *schemas.CompleteTaskRequest
	abandoned  bool // closed without a decision (its reason went away)
	// abandonReason is recorded when an abandoned task closes; default: the 督办 withdrawal text.
	abandonReason string
	closed        bool
	supervised    bool // a 督办 task was opened when this one escalated
	// The step's ladder and its current plan; extend-task replaces the plan and counts up
	// extensions, which wakes the ladder to wait for the new times.
	ladder        schemas.Ladder
	plan          activities.StepPlan
	extensions    int
	fixedDeadline bool
}

// shownUI remembers what was last upserted, so unchanged search attributes add no events.
type shownUI struct {
	details, stage, assignees string
	dueAt                     time.Time
	overdue, set              bool
}

func newCaseRun(id string, kind schemas.CaseKind, title, orgUnitID, createdBy string, priority schemas.Priority, stages map[string]string) *caseRun {
	return &caseRun{
		state: schemas.CaseState{
			ID: id, Kind: kind, Title: title, OrgUnitID: orgUnitID,
			Status: schemas.CaseOpen, Priority: priority,
		},
		stages:    stages,
		createdBy: createdBy,
	}
}

// cancelAtOffice lets those whom the process's registration allows (schemas.CaseKind.MayCancel)
// at officeID cancel the case; a part (child workflow) sets nothing and is cancelled only with
// its case.
func (c *caseRun) cancelAtOffice(officeID string) {
	kind := c.state.Kind
	c.mayCancel = func(a schemas.Actor) bool { return kind.MayCancel(a, officeID) }
}

func (c *caseRun) caseRef() activities.CaseRef {
	return activities.CaseRef{ID: c.state.ID, Kind: c.state.Kind, Title: c.state.Title}
}

// setup registers the query and the task and case updates. Call it first, before any step.
// It returns the context the process's steps run in, which cancel-case cancels.
func (c *caseRun) setup(ctx workflow.Context) (workflow.Context, error) {
	if err := workflow.SetQueryHandlerWithOptions(ctx, schemas.QueryCaseState, func() (schemas.CaseState, error) {
		return c.snapshot(), nil
	}, workflow.QueryHandlerOptions{Description: "案件当前状态：阶段、待办任务、结果"}); err != nil {
		return nil, err
	}
	type update struct {
		name, description  string
		handler, validator any
	}
	c.rootCtx = ctx
	handlers := []update{
		{schemas.UpdateCompleteTask, "办理任务（决定与表单）", c.completeTask, guarded(c, c.validateComplete)},
		{schemas.UpdateClaimTask, "认领任务", c.claimTask, guarded(c, c.validateClaim)},
		{schemas.UpdateUnclaimTask, "退回认领", c.unclaimTask, guarded(c, c.validateUnclaim)},
		{schemas.UpdateReassignTask, "转交任务（干部监督人员）", c.reassignTask, guarded(c, c.validateReassign)},
		{schemas.UpdateExtendTask, "延长当事人任务期限（干部监督人员，须说明理由）", c.extendTask, guarded(c, c.validateExtend)},
	}
	if c.part == "" {
		handlers = append(handlers,
			update{schemas.UpdateCancelCase, "撤销案件（须说明理由）", c.cancelCase, c.validateCancel},
			update{schemas.UpdateAddSubject, "增加案件当事人（回避）", c.addSubject, guarded(c, c.validateAddSubject)})
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validator, Description: h.description}); err != nil {
			return nil, err
		}
	}
	c.runCtx, c.cancel = workflow.WithCancel(ctx)
	return c.runCtx, nil
}

// runCase is a case workflow's body: setup, then the process's run, then finish..
func (c *caseRun) runCase(ctx workflow.Context, run func(workflow.Context) error) (schemas.CaseState, error) {
	runCtx, err := c.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	return c.finish(ctx, run(runCtx))
}

// open records the new case (or part) and its first stage.
func (c *caseRun) open(ctx workflow.Context, stage string, detail any) error {
	workflow.GetLogger(ctx).Info("case opened", "case", c.state.ID, "kind", c.state.Kind, "part", c.part, "stage", stage)
	c.state.Stage, c.state.StageTitle = stage, c.stages[stage]
	err := c.recordMove(ctx, "登记案件", c.createdBy, "opened", detail)
	c.refresh(ctx)
	return err
}

// setStage moves the case to stage and records the move.
func (c *caseRun) setStage(ctx workflow.Context, stage string) error {
	if c.state.Stage == stage {
		return nil
	}
	workflow.GetLogger(ctx).Info("case stage", "case", c.state.ID, "part", c.part, "from", c.state.Stage, "to", stage)
	c.state.Stage, c.state.StageTitle = stage, c.stages[stage]
	err := c.recordMove(ctx, "进入阶段："+c.stages[stage], "system", "stage", map[string]string{"stage": stage})
	c.refresh(ctx)
	return err
}

// recordMove writes a move of the case: the case row and its audit event, or, for a part, the
// audit event alone ("part.stage" with the part's name).
func (c *caseRun) recordMove(ctx workflow.Context, summary, actor, move string, detail any) error {
	if c.part == "" {
		return c.write(ctx, summary, acts.RecordCase, c.record(ctx, actor, "case."+move, detail), nil)
	}
	return c.audit(ctx, c.part+"："+summary, activities.AuditRequest{
		Actor: actor, Action: "part." + move,
		Detail: map[string]any{"part": c.part, "stage": c.state.Stage, "detail": detail},
	})
}

func (c *caseRun) record(ctx workflow.Context, actor, action string, detail any) activities.CaseRecord {
	rec := activities.CaseRecord{
		ID: c.state.ID, Kind: c.state.Kind, Title: c.state.Title, OrgUnitID: c.state.OrgUnitID,
		CreatedBy: c.createdBy, Priority: c.state.Priority, Status: c.state.Status,
		Stage: c.state.Stage, Outcome: c.state.Outcome, At: workflow.Now(ctx),
		Actor: actor, Action: action, Detail: detail, Subjects: c.state.Subjects,
	}
	// An argument only (no command): the same key for every attempt of this write, local or not.
	c.records++
	rec.WriteKey = fmt.Sprintf("rec%d", c.records)
	if c.state.Status != schemas.CaseOpen {
		// The closing record carries the final state (an argument only: no new command).
		final := c.snapshot()
		rec.Final = &final
	}
	return rec
}

// finish ends the case: closed with outcome when run succeeded; cancelled when cancel-case or
// the Temporal UI cancelled it, with every open task closed as cancelled.
func (c *caseRun) finish(ctx workflow.Context, runErr error) (schemas.CaseState, error) {
	log := workflow.GetLogger(ctx)
	if runErr == nil {
		runErr = c.awaitSettled(ctx)
	}
	runErr = c.holdForAttention(runErr)
	if runErr == nil {
		c.state.Status = schemas.CaseClosed
		c.state.Stage, c.state.StageTitle = "closed", c.stages["closed"]
		err := c.recordMove(ctx, "办结", "system", "closed", map[string]string{"outcome": c.state.Outcome})
		c.refresh(ctx)
		if err != nil {
			return c.snapshot(), err
		}
		log.Info("case closed", "case", c.state.ID, "part", c.part)
		return c.snapshot(), workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	}
	if !temporal.IsCanceledError(runErr) {
		log.Error("case run failed", "case", c.state.ID, "part", c.part, "error", runErr)
		return c.snapshot(), runErr
	}
	// Cleanup must run even though the workflow's own context may be cancelled.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	actor, reason := "temporal", "在Temporal中取消"
	if c.cancelReq != nil {
		actor, reason = c.cancelReq.Actor.ID, c.cancelReq.Reason
	}
	for _, t := range c.tasks {
		if t.view.Status != schemas.TaskOpen {
			continue
		}
		// The holders are told who withdrew the case and why; the task's trail names them too.
		if err := c.exec(dctx, "撤销任务："+t.view.Title, acts.CloseTask, activities.CloseTaskRequest{
			CaseID: c.state.ID, TaskID: t.view.ID, Status: schemas.TaskCancelled,
			At: workflow.Now(dctx), Reason: "案件已撤销：" + reason,
			CancelledBy: actor, CaseReason: reason, CaseTitle: c.state.Title, NotifyHolders: true,
		}); err != nil {
			return c.snapshot(), err
		}
		t.view.Status, t.closed = schemas.TaskCancelled, true
	}
	c.state.Status = schemas.CaseCancelled
	c.state.Stage, c.state.StageTitle = "cancelled", "已撤销"
	c.state.Outcome = "已撤销：" + reason
	err := c.recordMove(dctx, "撤销案件", actor, "cancelled", map[string]string{"reason": reason})
	c.refresh(dctx)
	if err != nil {
		return c.snapshot(), err
	}
	if err := workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) }); err != nil {
		return c.snapshot(), err
	}
	log.Info("case cancelled", "case", c.state.ID, "part", c.part)
	if c.cancelReq == nil {
		return c.snapshot(), runErr // cancelled from Temporal: the run shows as Canceled
	}
	return c.snapshot(), nil
}

// snapshot is the case state as the query and updates answer it.
func (c *caseRun) snapshot() schemas.CaseState {
	s := c.state
	s.Subjects = append([]string(nil), c.state.Subjects...)
	s.Tasks = make([]schemas.TaskView, len(c.tasks))
	for i, t := range c.tasks {
		s.Tasks[i] = t.view
	}
	return s
}

func (c *caseRun) find(id string) *task {
	for _, t := range c.tasks {
		if t.view.ID == id {
			return t
		}
	}
	return nil
}

// activityRetry is the retry policy of the case's activities (a new value each time: the SDK
// keeps the pointer in the options it is given).
func activityRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	}
}

// exec runs an activity with the options every Jiandu activity uses: database writes retried
// until they succeed, so an outage delays a case and loses nothing. A write the database
// refuses for good is not retried (activities.NonRetryable): the case needs attention.
func (c *caseRun) exec(ctx workflow.Context, summary string, activity any, arg any, result ...any) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		Summary:             summary,
		RetryPolicy:         activityRetry(),
	})
	f := workflow.ExecuteActivity(ctx, activity, arg)
	var err error
	if len(result) > 0 {
		err = f.Get(ctx, result[0])
	} else {
		err = f.Get(ctx, nil)
	}
	if permanentFailure(err) {
		return c.needsAttention(ctx, summary, err)
	}
	return err
}

// audit records a transition that changes no row: an audit event of the case, at now unless
// ev.At is set.
func (c *caseRun) audit(ctx workflow.Context, summary string, ev activities.AuditRequest) error {
	ev.CaseID = c.state.ID
	if ev.At.IsZero() {
		ev.At = workflow.Now(ctx)
	}
	return c.exec(ctx, summary, acts.Audit, ev)
}

// notify tells officials about the case, at now unless n.At is set.
func (c *caseRun) notify(ctx workflow.Context, summary string, n activities.NotifyRequest) error {
	n.Case = c.caseRef()
	if n.At.IsZero() {
		n.At = workflow.Now(ctx)
	}
	return c.exec(ctx, summary, acts.Notify, n)
}

// versionLocalFallback guards the fallback of a local write whose local retries gave up
// (execLocal). Recorded only on that path: a local write that succeeds, or fails for good, adds
// no marker.
const versionLocalFallback = "local-write-fallback"

// localWriteBound is how long a local write is retried inside the worker before the workflow
// runs it as a regular activity instead (execLocal): its local activity's ScheduleToCloseTimeout.
const localWriteBound = time.Minute

// execLocal runs a short activity as a local activity, with exec's retry policy and its
// handling of permanent failures.
//
// A local activity's retries do not show in the Temporal UI as a pending activity: backoffs up
// to the workflow task timeout (10 s) are slept in the worker, the workflow task held open;
// longer ones become a "LocalActivity Backoff" timer and a new local activity. So the local
// retries are bounded (localWriteBound: against a database that refuses connections the last
// attempt starts about 31 s in, since the next, 32 s later, would pass the bound), and from
// version "local-write-fallback" on, a write whose local retries gave up on a retryable error
// runs again, the same write with the same argument, as a regular activity (exec), retried
// until it succeeds: an outage shows in the UI as a pending activity with its attempt count and
// last failure, and the case goes on once the database is back. The writes are idempotent
// across the switch (OpenTask on the task id, CloseTask on the row's status, RecordCase's
// audit event on its WriteKey). A permanent failure still needs attention at once, and a
// cancelled write (the case cancelled) falls back to nothing.
func (c *caseRun) execLocal(ctx workflow.Context, summary string, activity any, arg any, result any) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: localWriteBound,
		StartToCloseTimeout:    30 * time.Second,
		Summary:                summary,
		RetryPolicy:            activityRetry(),
	})
	err := workflow.ExecuteLocalActivity(lctx, activity, arg).Get(lctx, result)
	if permanentFailure(err) {
		return c.needsAttention(ctx, summary, err)
	}
	if !retryLater(err) || workflow.GetVersion(ctx, versionLocalFallback, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return err
	}
	workflow.GetLogger(ctx).Warn("local write gave up; running it as an activity",
		"case", c.state.ID, "part", c.part, "write", summary, "error", err)
	return c.exec(ctx, summary, activity, arg, result)
}

// retryLater reports whether a failed write may succeed if run again: not when it was
// cancelled, nor when it failed with a non-retryable error.
func retryLater(err error) bool {
	if err == nil || temporal.IsCanceledError(err) {
		return false
	}
	var app *temporal.ApplicationError
	return !errors.As(err, &app) || !app.NonRetryable()
}

// write runs one of the kernel's short writes (RecordCase, OpenTask, CloseTask: one
// transaction each with its audit event, idempotent on retry; ComputeDeadline, a calendar
// read). From version "kernel-writes-local" on it is a local activity: it runs inside the
// workflow task that asks for it and adds one marker to the history instead of an activity
// task and the workflow task that takes its result (6 events, two server round trips; see
// docs/BENCHMARKS.md, "Cut: the kernel's row writes as local activities"). The order of the
// writes is unchanged: a task row is still written before the step waits for its completion.
func (c *caseRun) write(ctx workflow.Context, summary string, activity any, arg any, result any) error {
	if workflow.GetVersion(ctx, "kernel-writes-local", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		if result == nil {
			return c.exec(ctx, summary, activity, arg)
		}
		return c.exec(ctx, summary, activity, arg, result)
	}
	return c.execLocal(ctx, summary, activity, arg, result)
}

// deadline computes "period after now" on the working-day calendar, through an activity.
func (c *caseRun) deadline(ctx workflow.Context, p calendar.Period, summary string) (time.Time, error) {
	return c.deadlineFrom(ctx, workflow.Now(ctx), p, summary)
}

// deadlineFrom computes "period after from" (a day already past: the day of a talk).
func (c *caseRun) deadlineFrom(ctx workflow.Context, from time.Time, p calendar.Period, summary string) (time.Time, error) {
	var due time.Time
	err := c.write(ctx, summary, acts.ComputeDeadline, activities.DeadlineRequest{From: from, Period: p}, &due)
	return due, err
}

// awaitOrTimeout waits until cond holds or d has passed (a timer named summary). When cond wins,
// the timer is cancelled, so a finished step leaves no reminder pending in the Temporal UI (the
// SDK leaves it running unless told). Versioned: histories from before kept their timers.
func awaitOrTimeout(ctx workflow.Context, d time.Duration, summary string, cond func() bool) (bool, error) {
	opts := workflow.AwaitOptions{Timeout: d, TimerOptions: workflow.TimerOptions{Summary: summary}}
	if workflow.GetVersion(ctx, "cancel-finished-timers", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// A context of its own would change the order in which cancelling the case cancels
		// timers and activities: older histories wait on ctx itself.
		return workflow.AwaitWithOptions(ctx, opts, cond)
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	return workflow.AwaitWithOptions(tctx, opts, cond)
}

// sleepUntil waits for a named timer ("公示期满") to reach at.
func sleepUntil(ctx workflow.Context, at time.Time, summary string) error {
	d := at.Sub(workflow.Now(ctx))
	if d <= 0 {
		return nil
	}
	return workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary}).Get(ctx, nil)
}

// rejection builds the error a validator returns; the API turns its type into a status code.
func rejection(errType, msg string, issues ...schemas.FieldIssue) error {
	opts := temporal.ApplicationErrorOptions{NonRetryable: true}
	if len(issues) > 0 {
		opts.Details = []any{issues}
	}
	return temporal.NewApplicationErrorWithOptions(msg, errType, opts)
}

// errAbandoned ends a human step whose reason went away (a 督办 task after the original task
// was done).
var errAbandoned = errors.New("task abandoned")

// refresh keeps the Temporal UI current: the details text and the search attributes.
func (c *caseRun) refresh(ctx workflow.Context) {
	var (
		lines     []string
		assignees []string
		minDue    time.Time
		overdue   bool
	)
	if c.state.Attention != "" {
		lines = append(lines, "**需要人工处理**："+c.state.Attention)
	}
	lines = append(lines, fmt.Sprintf("**阶段**：%s", c.state.StageTitle))
	if c.state.Outcome != "" {
		lines = append(lines, fmt.Sprintf("**结果**：%s", c.state.Outcome))
	}
	var own []schemas.TaskView
	for _, t := range c.tasks {
		if t.view.Status == schemas.TaskOpen {
			own = append(own, t.view)
		}
	}
	c.reportToParent(ctx, own)
	all := own
	for _, p := range c.parts {
		all = append(all, p.tasks...)
	}
	open := 0
	for _, v := range all {
		if open == 0 {
			lines = append(lines, "**待办**：")
		}
		open++
		holder := holderText(v)
		assignees = appendUnique(assignees, holderKey(v))
		mark := ""
		if v.Overdue {
			overdue = true
			mark = " **已逾期**"
			if v.EscalationLevel == 1 {
				mark += "（已催办）"
			} else if v.EscalationLevel >= 2 {
				mark += "（已督办）"
			}
		}
		if minDue.IsZero() || v.DueAt.Before(minDue) {
			minDue = v.DueAt
		}
		lines = append(lines, fmt.Sprintf("- %s — %s — 截止 %s%s", v.Title, holder,
			v.DueAt.In(calendar.Location()).Format("2006-01-02"), mark))
	}
	if open == 0 && c.state.Status == schemas.CaseOpen {
		lines = append(lines, "**待办**：无")
	}
	for i, w := range c.waits {
		if i == 0 {
			lines = append(lines, "**等待**：")
		}
		if minDue.IsZero() || w.at.Before(minDue) {
			minDue = w.at
		}
		lines = append(lines, fmt.Sprintf("- %s：%s", w.label, w.at.In(calendar.Location()).Format("2006-01-02 15:04")))
	}
	details := strings.Join(lines, "\n")
	if details != c.shown.details {
		workflow.SetCurrentDetails(ctx, details)
	}

	stage, who := c.state.Stage, strings.Join(assignees, ",")
	if c.shown.set && stage == c.shown.stage && who == c.shown.assignees &&
		minDue.Equal(c.shown.dueAt) && overdue == c.shown.overdue {
		c.shown.details = details
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		schemas.SACaseKind.ValueSet(string(c.state.Kind)),
		schemas.SACaseNo.ValueSet(c.state.ID),
		schemas.SAOrgUnit.ValueSet(c.state.OrgUnitID),
		schemas.SAStage.ValueSet(stage),
		schemas.SAOverdue.ValueSet(overdue),
	}
	if len(assignees) > 0 {
		updates = append(updates, schemas.SAAssignee.ValueSet(assignees))
	} else {
		updates = append(updates, schemas.SAAssignee.ValueUnset())
	}
	if !minDue.IsZero() {
		updates = append(updates, schemas.SADueAt.ValueSet(minDue))
	} else {
		updates = append(updates, schemas.SADueAt.ValueUnset())
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
	c.shown = shownUI{details: details, stage: stage, assignees: who, dueAt: minDue, overdue: overdue, set: true}
}

// holderKey is how the Assignee search attribute names a task's holder: the official, or
// role@org-unit for a task any holder of the role there may take.
func holderKey(v schemas.TaskView) string {
	switch {
	case v.ClaimedBy != "":
		return v.ClaimedBy
	case v.AssigneeID != "":
		return v.AssigneeID
	}
	return string(v.Role) + "@" + v.OrgUnitID
}

func holderText(v schemas.TaskView) string {
	switch {
	case v.ClaimedBy != "":
		return v.ClaimedBy + "（已认领）"
	case v.AssigneeID != "":
		return v.AssigneeID
	}
	return v.Role.Title() + "@" + v.OrgUnitID
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
