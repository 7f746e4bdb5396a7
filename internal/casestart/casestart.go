// Package casestart starts a numbered case's workflow the one way every starter does: a start
// request (api.startCase) and a cycle's schedule (activities.LaunchCycle). The case is
// numbered first (internal/caseno); its number is the workflow id.
package casestart

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jiandu/jiandu/schemas"
)

// Case is what the Temporal UI shows of a case to start.
type Case struct {
	Kind    schemas.CaseKind
	Title   string
	OrgUnit schemas.OrgUnit
	// Details are the static details (markdown), ending with who started the case.
	Details string
}

// Options are the start options of case id: its number as the workflow id (a second start of
// the same id while it runs answers the running workflow; one that has ended is refused), its
// summary and details, and the search attributes CaseKind, CaseNo and OrgUnit.
func Options(id, taskQueue string, c Case) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            fmt.Sprintf("%s｜%s｜%s", c.Kind.Title(), c.Title, c.OrgUnit.Name),
		StaticDetails:            c.Details,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			schemas.SACaseKind.ValueSet(string(c.Kind)),
			schemas.SACaseNo.ValueSet(id),
			schemas.SAOrgUnit.ValueSet(c.OrgUnit.ID),
		),
	}
}

// Execute starts the workflow of case id, of workflowType, with input.
func Execute(ctx context.Context, tc client.Client, taskQueue, id, workflowType string, c Case, input any) (client.WorkflowRun, error) {
	return tc.ExecuteWorkflow(ctx, Options(id, taskQueue, c), workflowType, input)
}
