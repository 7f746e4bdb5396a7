package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/cycles"
)

// ScheduledStartTime is the search attribute a Temporal Schedule sets on every workflow it
// starts: the round's nominal time (the spec's time, also for a caught-up round; the trigger's
// time for a triggered one).
var ScheduledStartTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// CycleLauncher starts one round of a periodic process at an organization department: a
// cycle's schedule (internal/cycles) runs it at the round's time. Its one activity numbers the
// round's case idempotently and starts the case's workflow (activities.LaunchCycle); the
// launcher ends when the case has started and answers its number and period.
func CycleLauncher(ctx workflow.Context, in cycles.Launch) (activities.Launched, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		Summary:             "编号并发起本轮案件",
		RetryPolicy:         activityRetry(),
	})
	req := activities.LaunchRequest{
		Kind: in.Kind, OrgUnitID: in.OrgUnitID,
		ScheduleID:  cycles.ScheduleID(in.Kind, in.OrgUnitID),
		ScheduledAt: scheduledAt(ctx),
	}
	var out activities.Launched
	err := workflow.ExecuteActivity(ctx, acts.LaunchCycle, req).Get(ctx, &out)
	return out, err
}

// scheduledAt is the round's nominal time: the schedule's TemporalScheduledStartTime, or the
// launcher's own start time when something other than a schedule started it.
func scheduledAt(ctx workflow.Context) time.Time {
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(ScheduledStartTime); ok && !t.IsZero() {
		return t
	}
	return workflow.GetInfo(ctx).WorkflowStartTime
}
