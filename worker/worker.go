// Package worker builds the Temporal worker that runs every Jiandu workflow and activity.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// Register adds every workflow and activity to r (a worker, or a test environment).
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Publicity, workflow.RegisterOptions{Name: schemas.KindPublicity.WorkflowType()})
	r.RegisterActivity(acts)
}

// New builds a worker on taskQueue with everything registered. Run it with Start/Stop or Run.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	Register(w, acts)
	return w
}
