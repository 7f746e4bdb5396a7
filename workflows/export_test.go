package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// ProbeInput runs one human step with the default ladder: the recipient tests put the step
// at each kind of body and watch whom every rung reaches.
type ProbeInput struct {
	CaseID     string
	OrgUnitID  string
	Role       schemas.Role
	AssigneeID string
	Subjects   []string
	// Due and Ladder, when set, are the step's StepSpec.Due and StepSpec.Ladder.
	Due    string
	Ladder schemas.Ladder
}

// StepProbe is a one-step case (test only): the step never completes; cancel-case ends it.
func StepProbe(ctx workflow.Context, in ProbeInput) (schemas.CaseState, error) {
	c := newCaseRun(in.CaseID, schemas.KindInquiry, "回收测试", in.OrgUnitID, "test", schemas.PriorityNormal,
		map[string]string{"open": "办理中", "closed": "已办结"})
	c.addSubjects(in.Subjects...)
	c.mayCancel = func(schemas.Actor) bool { return true }
	runCtx, err := c.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	run := func(ctx workflow.Context) error {
		if err := c.open(ctx, "open", nil); err != nil {
			return err
		}
		_, err := c.humanStep(ctx, StepSpec{
			Key: "probe", Step: "probe", Title: "测试步骤", OrgUnitID: in.OrgUnitID, Role: in.Role, AssigneeID: in.AssigneeID,
			Period: calendar.Period{N: 5, Unit: calendar.WorkingDays}, Due: in.Due, Ladder: in.Ladder,
			Spec: schemas.TaskSpec{Decisions: []schemas.Decision{{Key: "done", Label: "办结"}}},
		})
		return err
	}
	return c.finish(ctx, run(runCtx))
}

// AppraisalBatch is how many cadre cases a run of an appraisal round opens before it
// continues as new (tests lower it).
var AppraisalBatch = &appraisalBatch
