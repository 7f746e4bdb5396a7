// Package worker builds the Temporal worker that runs every Jiandu workflow and activity.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/jiandu/jiandu/activities"
)

// New registers every workflow and activity on taskQueue. Run it with Start/Stop or Run.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	w.RegisterActivity(acts)
	return w
}
