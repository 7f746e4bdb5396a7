package workflows_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// From version plan-step-local on, every step's deadline is planned by a local activity: no
// PlanStep activity task reaches the server, and the ladder still fires on the planned times
// (the step's reminder, its overdue mark) and the case closes as before.
func TestPlanStepRunsLocally(t *testing.T) {
	r := newRun(t, "publicity-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	remote := map[string]int{}
	local := 0
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		remote[info.ActivityType.Name]++
	})
	r.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		if info.ActivityType.Name == "PlanStep" {
			local++
		}
	})
	// The draft is done late: its reminder and overdue rungs fire first.
	r.at("2026-11-06 10:00", func() { r.complete("draft-1", "wu.gang", "submit", draftForm) })
	r.at("2026-11-06 11:00", func() { r.complete("approve-1", "chen.jing", "approve", nil) })
	r.at("2026-11-16 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	if s := r.state(); s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	if remote["PlanStep"] != 0 || local != remote["OpenTask"] || local < 3 {
		t.Errorf("PlanStep ran %d times as an activity task and %d times locally for %d steps opened; want locally, once per step",
			remote["PlanStep"], local, remote["OpenTask"])
	}
	// Opened Monday 2 Nov: 3 working days run to the end of Thursday 5 Nov.
	if got, want := r.auditAt("task.overdue", "draft-1"), mustTime(t, "2026-11-05 23:59:59"); !got.Equal(want) {
		t.Errorf("draft marked overdue at %s, want %s", got, want)
	}
	r.verifyAudit()
}
