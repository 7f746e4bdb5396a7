package workflows

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Recusal (回避) is a rule of the kernel, not of a process: a process only says who its
// subjects are (c.state.Subjects, set from its input) and which steps by role are the
// subject's own (StepSpec.ForSubject). Every task update checks the actor here, and the
// assignment of a task (reassign-task) checks the new holder.

// isSubject reports whether the official is a subject of the case.
func (c *caseRun) isSubject(id string) bool {
	return id != "" && slices.Contains(c.state.Subjects, id)
}

// addSubjects adds officials to the case's subjects, skipping empty and repeated ids.
func (c *caseRun) addSubjects(ids ...string) {
	for _, id := range ids {
		if id != "" && !c.isSubject(id) {
			c.state.Subjects = append(c.state.Subjects, id)
		}
	}
}

// recusedFrom refuses a subject of the case every task but the ones addressed to them as
// subject: a named step must be named to them, a step by role must be marked ForSubject.
func (c *caseRun) recusedFrom(v schemas.TaskView, a schemas.Actor) error {
	if !c.isSubject(a.ID) {
		return nil
	}
	if v.ForSubject && (v.AssigneeID == "" || v.AssigneeID == a.ID) {
		return nil
	}
	return rejection(schemas.ErrTypeRecused, "回避：您是本案当事人，不能办理、认领、转交或撤销本案其他事项")
}

// recusedActor refuses a subject of the case an action on the case as a whole (cancel it,
// add a subject to it).
func (c *caseRun) recusedActor(a schemas.Actor) error {
	if c.isSubject(a.ID) {
		return rejection(schemas.ErrTypeRecused, "回避：您是本案当事人，不能处理本案")
	}
	return nil
}

// reasonIssue checks a required reason of at most schemas.MaxReasonRunes characters.
func reasonIssue(reason, what string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n == 0 || n > schemas.MaxReasonRunes {
		return rejection(schemas.ErrTypeInvalid, "须说明"+what+"理由（不超过500字）",
			schemas.FieldIssue{Field: "reason", Message: "必填，不超过500字"})
	}
	return nil
}

// --- extending the deadline of a step addressed to the subject ---

func (c *caseRun) validateExtend(req schemas.ExtendTaskRequest) error {
	t, err := c.supervisedTask(req.TaskID, req.Actor, "延长期限")
	if err != nil {
		return err
	}
	if !t.view.ForSubject || t.view.AssigneeID == "" {
		return rejection(schemas.ErrTypeConflict, "只有当事人本人办理的任务可以延长期限；其他任务可以转交")
	}
	if t.fixedDeadline || len(t.plan.RungsAt) != len(t.ladder) {
		return rejection(schemas.ErrTypeConflict, "此任务的期限届满即有结果，不能延长")
	}
	if req.WorkingDays < 1 || req.WorkingDays > schemas.MaxExtendWorkingDays {
		return rejection(schemas.ErrTypeInvalid, "延长天数无效", schemas.FieldIssue{Field: "working_days", Message: "1至30个工作日"})
	}
	return reasonIssue(req.Reason, "延期")
}

// extendTask moves the deadline by working days from the current one, re-plans the ladder on
// the calendar, records the extension and wakes the ladder. Rungs already fired stay fired.
func (c *caseRun) extendTask(ctx workflow.Context, req schemas.ExtendTaskRequest) (schemas.CaseState, error) {
	t, err := c.openTaskFor(req.TaskID)
	if err != nil {
		return schemas.CaseState{}, err
	}
	var plan activities.StepPlan
	if err := c.exec(ctx, "延长期限："+t.view.Title, acts.PlanStep, activities.PlanRequest{
		From: t.view.DueAt, Period: calendar.Period{N: req.WorkingDays, Unit: calendar.WorkingDays}, Ladder: t.ladder, Task: t.view.ID,
	}, &plan); err != nil {
		return schemas.CaseState{}, err
	}
	if err := c.exec(ctx, "记录延期："+t.view.Title, acts.ExtendTask, activities.ExtendTaskRequest{
		Case: c.caseRef(), TaskID: t.view.ID, Title: t.view.Title, Actor: req.Actor.ID, Holder: t.view.AssigneeID,
		From: t.view.DueAt, DueAt: plan.DueAt, WorkingDays: req.WorkingDays, Reason: req.Reason, At: workflow.Now(ctx),
	}); err != nil {
		return schemas.CaseState{}, err
	}
	if t.closed || t.completion != nil {
		return c.snapshot(), nil
	}
	t.plan, t.view.DueAt = plan, plan.DueAt
	t.view.Overdue, t.view.EscalationLevel = false, 0
	t.extensions++
	c.refresh(ctx)
	return c.snapshot(), nil
}

// --- adding a subject ---

func (c *caseRun) validateAddSubject(req schemas.AddSubjectRequest) error {
	if c.state.Status != schemas.CaseOpen || c.cancelReq != nil {
		return rejection(schemas.ErrTypeConflict, "案件已办结或已撤销")
	}
	if err := c.recusedActor(req.Actor); err != nil {
		return err
	}
	if !req.Actor.Roles.Has(schemas.RoleSupervisor) && !req.Actor.Roles.Has(schemas.RoleIntakeClerk) {
		return rejection(schemas.ErrTypeForbidden, "只有干部监督或12380受理人员可以增加当事人")
	}
	if req.OfficialID == "" {
		return rejection(schemas.ErrTypeInvalid, "当事人无效", schemas.FieldIssue{Field: "official_id", Message: "必填"})
	}
	if c.isSubject(req.OfficialID) {
		return rejection(schemas.ErrTypeConflict, "此人已是本案当事人")
	}
	return reasonIssue(req.Reason, "增加当事人")
}

// addSubject records the new subject and takes back what they hold of the case: a claim is
// released, and a step by role reassigned to them goes back to its role.
func (c *caseRun) addSubject(ctx workflow.Context, req schemas.AddSubjectRequest) (schemas.CaseState, error) {
	if c.isSubject(req.OfficialID) {
		return schemas.CaseState{}, rejection(schemas.ErrTypeConflict, "此人已是本案当事人")
	}
	c.addSubjects(req.OfficialID)
	if err := c.exec(ctx, "增加当事人", acts.RecordSubject, activities.SubjectRequest{
		CaseID: c.state.ID, OfficialID: req.OfficialID, Actor: req.Actor.ID, Reason: req.Reason, At: workflow.Now(ctx),
	}); err != nil {
		return schemas.CaseState{}, err
	}
	for _, t := range c.tasks {
		if t.view.Status != schemas.TaskOpen || t.closed || t.completion != nil || c.recusedFrom(t.view, schemas.Actor{ID: req.OfficialID}) == nil {
			continue
		}
		release := t.view.AssigneeID == req.OfficialID && t.view.Role != ""
		if t.view.ClaimedBy != req.OfficialID && !release {
			continue
		}
		if err := c.exec(ctx, "回避：收回任务："+t.view.Title, acts.ChangeTask, activities.ChangeTaskRequest{
			Case: c.caseRef(), TaskID: t.view.ID, Title: t.view.Title, Action: "task.recused", Actor: req.Actor.ID,
			Release: release, Reason: "回避：" + req.OfficialID + " 为本案当事人", At: workflow.Now(ctx),
		}); err != nil {
			return schemas.CaseState{}, err
		}
		t.view.ClaimedBy = ""
		if release {
			t.view.AssigneeID = ""
		}
	}
	c.refresh(ctx)
	return c.snapshot(), nil
}
