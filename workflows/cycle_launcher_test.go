package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/workflows"
)

// The launcher hands its activity the round's nominal time from the schedule's
// TemporalScheduledStartTime, or its own start time when no schedule started it, and the
// schedule id of its kind and org unit.
func TestCycleLauncherScheduledTime(t *testing.T) {
	start := time.Date(2027, 3, 1, 0, 0, 3, 0, time.UTC)   // started 3 s late
	nominal := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) // 08:00 Beijing
	for name, sa := range map[string][]temporal.SearchAttributeUpdate{
		"scheduled": {workflows.ScheduledStartTime.ValueSet(nominal)},
		"by hand":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.SetStartTime(start)
			if sa != nil {
				if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(sa...)); err != nil {
					t.Fatal(err)
				}
			}
			var got activities.LaunchRequest
			a := &activities.Activities{}
			env.RegisterActivity(a)
			env.OnActivity(a.LaunchCycle, mock.Anything, mock.Anything).Return(func(_ context.Context, req activities.LaunchRequest) (activities.Launched, error) {
				got = req
				return activities.Launched{CaseID: "x-2027-0001", Period: "2026", ScheduledAt: req.ScheduledAt}, nil
			})
			env.ExecuteWorkflow(workflows.CycleLauncher, cycles.Launch{Kind: "annual-x", OrgUnitID: "150100"})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			want := start
			if sa != nil {
				want = nominal
			}
			if !got.ScheduledAt.Equal(want) || got.ScheduleID != "cycle-annual-x-150100" || got.Kind != "annual-x" || got.OrgUnitID != "150100" {
				t.Fatalf("activity got %+v, want scheduled at %s", got, want)
			}
			var out activities.Launched
			if err := env.GetWorkflowResult(&out); err != nil || out.CaseID != "x-2027-0001" {
				t.Fatalf("result %+v %v", out, err)
			}
		})
	}
}
