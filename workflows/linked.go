package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/schemas"
)

// LinkedCase describes a case that this one starts and that then runs on its own.
type LinkedCase struct {
	Kind      schemas.CaseKind
	Key       string // unique within this case: the same key never starts a second case
	Title     string
	OrgUnitID string
	Input     func(caseID string) any
	// Prepare, when set, runs once the case is numbered and before it starts: what the linked
	// case needs outside its workflow (a report case's report row) is written here.
	Prepare func(ctx workflow.Context, caseID string) error
}

// startLinkedCase numbers and starts another case as an abandoned child: it shows under this
// case in the Temporal UI, and outlives it. It returns the new case's id once it has started.
func (c *caseRun) startLinkedCase(ctx workflow.Context, l LinkedCase) (string, error) {
	id, _, err := c.startLinkedChild(ctx, l)
	return id, err
}

// startLinkedChild is startLinkedCase answering the child's future too, for a case that waits
// for the linked case's result (P10 waits for its personal-matters checks).
func (c *caseRun) startLinkedChild(ctx workflow.Context, l LinkedCase) (string, workflow.ChildWorkflowFuture, error) {
	var id string
	if err := c.exec(ctx, "编号："+l.Kind.Title(), acts.AllocateCase, activities.AllocateRequest{Kind: l.Kind, Key: l.Key}, &id); err != nil {
		return "", nil, err
	}
	if l.Prepare != nil {
		if err := l.Prepare(ctx, id); err != nil {
			return "", nil, err
		}
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         fmt.Sprintf("%s｜%s｜由%s发起", l.Kind.Title(), l.Title, c.state.ID),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			schemas.SACaseKind.ValueSet(string(l.Kind)),
			schemas.SACaseNo.ValueSet(id),
			schemas.SAOrgUnit.ValueSet(l.OrgUnitID),
		),
	})
	child := workflow.ExecuteChildWorkflow(cctx, l.Kind.WorkflowType(), l.Input(id))
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", nil, fmt.Errorf("start linked case %s: %w", id, err)
	}
	err := c.audit(ctx, "关联案件："+id, activities.AuditRequest{
		Actor: "system", Action: "case.linked",
		Detail: map[string]string{"linked_case": id, "kind": string(l.Kind)},
	})
	return id, child, err
}
