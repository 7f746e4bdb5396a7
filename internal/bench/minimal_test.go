package bench

import (
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The minimal shape accepts each step's update only once the step is open, runs exactly one
// activity per step, and waits for the period before the last step.
func TestMinimalWorkflow(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(minimalWorkflow, workflow.RegisterOptions{Name: minimalWorkflowName})
	env.RegisterActivityWithOptions(baselineActivity, activityOptions)
	var acts atomic.Int32
	env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { acts.Add(1) })

	accepted, rejected := map[string]bool{}, map[string]bool{}
	update := func(label string, step int) {
		env.UpdateWorkflow(minimalUpdate, label, &testsuite.TestUpdateCallback{
			OnAccept: func() { accepted[label] = true },
			OnReject: func(error) { rejected[label] = true },
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Errorf("%s: %v", label, err)
				}
			},
		}, step)
	}
	at := func(d time.Duration, f func()) { env.RegisterDelayedCallback(f, d) }
	at(time.Millisecond, func() { update("early-1", 1) })
	at(2*time.Millisecond, func() { update("step-0", 0) })
	at(3*time.Millisecond, func() { update("again-0", 0) })
	at(4*time.Millisecond, func() { update("step-1", 1) })
	at(5*time.Millisecond, func() { update("before-period-2", 2) })
	at(2*time.Hour, func() { update("step-2", 2) })
	env.ExecuteWorkflow(minimalWorkflowName, minimalInput{Steps: 3, Sleep: time.Hour})

	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	for _, l := range []string{"step-0", "step-1", "step-2"} {
		if !accepted[l] {
			t.Errorf("%s not accepted", l)
		}
	}
	for _, l := range []string{"early-1", "again-0", "before-period-2"} {
		if !rejected[l] {
			t.Errorf("%s not rejected", l)
		}
	}
	if got := acts.Load(); got != 3 {
		t.Errorf("%d activities, want 3", got)
	}
	if len(accepted) != 3 {
		t.Errorf("accepted %v", accepted)
	}
}
