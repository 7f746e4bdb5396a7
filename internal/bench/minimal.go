package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// The minimal shape is the least a durable three-step process with a waiting period can cost
// on Temporal (issue 14): per human step one update whose handler runs one activity (no-op) and
// returns when it is done, the period as one timer before the last step, nothing else. Its
// client does what Jiandu's does per step: it waits until the step is open (a query, where
// Jiandu's client reads the inbox), then completes it (the update). Jiandu is compared with it
// to show what the shape of a publicity case costs, not only what Jiandu adds to that shape
// (the baseline does that).
const (
	minimalWorkflowName = "BenchMinimal"
	minimalUpdate       = "complete"
	minimalQuery        = "open-step"
)

type minimalInput struct {
	Steps int
	Sleep time.Duration // the publicity period, compressed
}

func minimalWorkflow(ctx workflow.Context, in minimalInput) error {
	open, accepted, done := -1, -1, -1
	if err := workflow.SetQueryHandler(ctx, minimalQuery, func() (int, error) { return open, nil }); err != nil {
		return err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	err := workflow.SetUpdateHandlerWithOptions(ctx, minimalUpdate, func(ctx workflow.Context, step int) (int, error) {
		accepted = step
		if err := workflow.ExecuteActivity(actx, baselineActivity).Get(ctx, nil); err != nil {
			return 0, err
		}
		done = step
		return step, nil
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, step int) error {
		if step != open || accepted >= step {
			return fmt.Errorf("step %d is not open", step)
		}
		return nil
	}})
	if err != nil {
		return err
	}
	for step := range in.Steps {
		if step == in.Steps-1 && in.Sleep > 0 {
			if err := workflow.Sleep(ctx, in.Sleep); err != nil {
				return err
			}
		}
		open = step
		if err := workflow.Await(ctx, func() bool { return done >= step }); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// runMinimal starts one minimal workflow and completes each step once it is open.
func runMinimal(ctx context.Context, tc client.Client, queue, id string, in minimalInput, poll time.Duration, rec *Recorder) error {
	return driveSteps(ctx, tc, queue, id, minimalWorkflowName, in, in.Steps, minimalQuery, minimalUpdate, poll, rec)
}

// waitOpen polls the workflow's open-step query until it reports step.
func waitOpen(ctx context.Context, tc client.Client, id, query string, step int, poll time.Duration) error {
	for {
		v, err := tc.QueryWorkflow(ctx, id, "", query)
		if err != nil {
			return err
		}
		var open int
		if err := v.Get(&open); err != nil {
			return err
		}
		if open == step {
			return nil
		}
		if err := sleep(ctx, poll); err != nil {
			return err
		}
	}
}
