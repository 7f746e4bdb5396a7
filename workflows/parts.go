package workflows

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
)

// signalPartTasks is the signal a part sends its parent whenever its open tasks change, so the
// parent's UI details and search attributes (Overdue, DueAt, Assignee) roll up the open tasks
// of every part of the case.
const signalPartTasks = "part-tasks"

// partTasks is what a part tells its parent: its open tasks, as the UI shows them.
type partTasks struct {
	WorkflowID string             `json:"workflow_id"`
	Part       string             `json:"part"`
	Tasks      []schemas.TaskView `json:"tasks"`
}

// partView is one part's open tasks as the parent last heard them.
type partView struct {
	workflowID, name string
	tasks            []schemas.TaskView
}

// versionPartRollup guards the signals parts send their parents (and a check's completed,
// not cancelled, end when the case was withdrawn by cancel-case): histories recorded before
// it send none.
const versionPartRollup = "part-rollup"

// enablePartRollup decides, once at the start of a part, whether it reports its tasks.
func (c *caseRun) enablePartRollup(ctx workflow.Context) {
	c.rollup = workflow.GetVersion(ctx, versionPartRollup, workflow.DefaultVersion, 1) == 1
}

// listenToParts rolls the parts' tasks into this case's UI: call it on the root context of a
// workflow that starts parts, before it starts them.
func (c *caseRun) listenToParts(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, signalPartTasks)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var p partTasks
			if !ch.Receive(gctx, &p) {
				return
			}
			c.setPart(p.WorkflowID, p.Part, p.Tasks)
			c.refresh(gctx)
		}
	})
}

// setPart records a part's open tasks; none forgets the part. It reports whether the part was
// or is now shown.
func (c *caseRun) setPart(workflowID, name string, tasks []schemas.TaskView) bool {
	i := slices.IndexFunc(c.parts, func(p partView) bool { return p.workflowID == workflowID })
	switch {
	case len(tasks) == 0 && i >= 0:
		c.parts = slices.Delete(c.parts, i, i+1)
	case len(tasks) == 0:
		return false
	case i >= 0:
		c.parts[i].tasks = tasks
	default:
		c.parts = append(c.parts, partView{workflowID, name, tasks})
	}
	return true
}

// reportToParent sends the parent this part's open tasks when they changed since last sent.
func (c *caseRun) reportToParent(ctx workflow.Context, open []schemas.TaskView) {
	if c.part == "" || !c.rollup {
		return
	}
	parent := workflow.GetInfo(ctx).ParentWorkflowExecution
	if parent == nil {
		return
	}
	var sig strings.Builder
	for _, v := range open {
		sig.WriteString(v.ID + "|" + holderKey(v) + "|" + v.DueAt.String() + "|")
		if v.Overdue {
			sig.WriteString("!")
		}
		sig.WriteByte(byte('0' + v.EscalationLevel))
		sig.WriteByte(';')
	}
	if (c.sentToParent == nil && len(open) == 0) || (c.sentToParent != nil && *c.sentToParent == sig.String()) {
		return // nothing new: a part that has opened no task yet has nothing to report
	}
	s := sig.String()
	c.sentToParent = &s
	slim := make([]schemas.TaskView, len(open))
	for i, v := range open {
		slim[i] = schemas.TaskView{
			ID: v.ID, StepKey: v.StepKey, Title: v.Title, OrgUnitID: v.OrgUnitID, Role: v.Role,
			AssigneeID: v.AssigneeID, ClaimedBy: v.ClaimedBy, Status: v.Status, DueAt: v.DueAt,
			Overdue: v.Overdue, EscalationLevel: v.EscalationLevel,
		}
	}
	// Sent on a disconnected context: a cancelled part still tells its parent its tasks closed.
	sctx, _ := workflow.NewDisconnectedContext(ctx)
	workflow.SignalExternalWorkflow(sctx, parent.ID, "", signalPartTasks, partTasks{
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Part: c.part, Tasks: slim,
	})
}
