package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// execLocal falls back to a regular activity only when the local retries gave up on an error a
// retry may fix: not when the write was cancelled (the case cancelled during the outage), nor
// when it failed with a non-retryable error. The write fails locally and succeeds as an
// activity, so the fallback, when it happens, ends the workflow well.
func TestLocalWriteFallbackOnlyForRetryableFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		local    error
		cancelAt time.Duration // 0: not cancelled
		fellBack bool
	}{
		{name: "database down", local: errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"), fellBack: true},
		{name: "cancelled while retrying", local: errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"), cancelAt: 5 * time.Second},
		{name: "non-retryable", local: temporal.NewNonRetryableApplicationError("bad request", "Invalid", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterActivityWithOptions(func(ctx context.Context, n int) (int, error) {
				if activity.GetInfo(ctx).IsLocalActivity {
					return 0, tc.local
				}
				return n + 1, nil
			}, activity.RegisterOptions{Name: "Write"})
			var got int
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
				c := &caseRun{}
				return c.execLocal(ctx, "写入", "Write", 41, &got)
			}, workflow.RegisterOptions{Name: "WriteProbe"})
			var mu sync.Mutex
			var remote []time.Time
			env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) {
				mu.Lock()
				defer mu.Unlock()
				remote = append(remote, env.Now())
			})
			start := env.Now()
			if tc.cancelAt > 0 {
				env.RegisterDelayedCallback(env.CancelWorkflow, tc.cancelAt)
			}
			env.ExecuteWorkflow("WriteProbe")
			if !env.IsWorkflowCompleted() {
				t.Fatal("workflow did not complete")
			}
			err := env.GetWorkflowError()
			switch {
			case tc.fellBack:
				if err != nil || got != 42 || len(remote) != 1 {
					t.Fatalf("fallback: err %v, result %d, %d activity tasks; want the write done by one activity", err, got, len(remote))
				}
				if d := remote[0].Sub(start); d < 30*time.Second || d > localWriteBound {
					t.Errorf("the activity started %s after the write, want after the local retries, within %s", d, localWriteBound)
				}
			case tc.cancelAt > 0:
				if !temporal.IsCanceledError(err) || len(remote) != 0 {
					t.Fatalf("cancelled: err %v, %d activity tasks; want cancelled, none", err, len(remote))
				}
			default:
				var app *temporal.ApplicationError
				if !errors.As(err, &app) || app.Type() != "Invalid" || len(remote) != 0 {
					t.Fatalf("non-retryable: err %v, %d activity tasks; want the error, none", err, len(remote))
				}
			}
		})
	}
}
