package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// The baseline is a bare Temporal workflow shaped like a publicity case: the same number of
// activities and of updates, the period as a timer before the last step, and the same
// handshake per step — the client waits until the step is open (a query, where Jiandu's client
// reads the inbox), sends the update, and the update returns once the step's closing activity
// is done (as complete-task does). No database, no HTTP: what remains is Temporal's own cost.
const (
	baselineWorkflowName = "BenchBaseline"
	baselineUpdate       = "complete"
	baselineQuery        = "open-step"
)

type baselineInput struct {
	Activities int
	Updates    int
	Sleep      time.Duration // the publicity period, compressed
}

var activityOptions = activity.RegisterOptions{Name: "BenchNoop"}

func baselineActivity(context.Context) error { return nil }

func baselineWorkflow(ctx workflow.Context, in baselineInput) error {
	open, completed, closed := -1, -1, -1
	if err := workflow.SetQueryHandler(ctx, baselineQuery, func() (int, error) { return open, nil }); err != nil {
		return err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, baselineUpdate, func(ctx workflow.Context, step int) (int, error) {
		completed = step
		if err := workflow.Await(ctx, func() bool { return closed >= step }); err != nil {
			return 0, err
		}
		return step, nil
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, step int) error {
		if step != open || completed >= step {
			return fmt.Errorf("step %d is not open", step)
		}
		return nil
	}})
	if err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	run := func(n int) error {
		for range n {
			if err := workflow.ExecuteActivity(ctx, baselineActivity).Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}
	// Per step, two activities before it opens (plan, open) and one after (close), as in a
	// human step; the rest are spread before the steps.
	extra := max(in.Activities-3*in.Updates, 0)
	for step := range in.Updates {
		if step == in.Updates-1 && in.Sleep > 0 {
			if err := workflow.Sleep(ctx, in.Sleep); err != nil {
				return err
			}
		}
		share := extra / in.Updates
		if step == 0 {
			share += extra % in.Updates
		}
		if err := run(share + 2); err != nil {
			return err
		}
		open = step
		if err := workflow.Await(ctx, func() bool { return completed >= step }); err != nil {
			return err
		}
		if err := run(1); err != nil {
			return err
		}
		closed = step
	}
	// Let the last update's handler answer before the workflow ends.
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// runBaseline starts one baseline workflow and completes each step once it is open.
func runBaseline(ctx context.Context, tc client.Client, queue, id string, in baselineInput, poll time.Duration, rec *Recorder) error {
	return driveSteps(ctx, tc, queue, id, baselineWorkflowName, in, in.Updates, baselineQuery, baselineUpdate, poll, rec)
}

// driveSteps starts workflowName with in and, for each of its steps, waits until the query reports
// the step open, then completes it with the update (timed as "update"). The baseline and the
// minimal shape are driven alike.
func driveSteps(ctx context.Context, tc client.Client, queue, id, workflowName string, in any, steps int, query, update string, poll time.Duration, rec *Recorder) error {
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflowName, in)
	if err != nil {
		return err
	}
	for step := range steps {
		if err := waitOpen(ctx, tc, id, query, step, poll); err != nil {
			return err
		}
		start := time.Now()
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: update, UpdateID: fmt.Sprintf("step-%d", step),
			Args: []any{step}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return err
		}
		rec.Add("update", time.Since(start))
	}
	return run.Get(ctx, nil)
}
