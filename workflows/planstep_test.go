package workflows_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/jiandu/jiandu/internal/calendar"
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

// StepSpec.Due fixes a step's deadline at the end of a calendar date, whenever the step opens:
// opened on 1 December 2025 with Due 2026-01-31, the task is due at the end of 31 January
// (Beijing), and a ladder counted from that deadline fires 10 and 3 working days before it and
// at it.
func TestStepDueOnAFixedDate(t *testing.T) {
	r := newRun(t, "inquiry-2025-0901", mustTime(t, "2025-12-01 09:00:00"))
	r.env.RegisterWorkflow(workflows.StepProbe)
	r.at("2026-02-10 10:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
	})
	r.env.ExecuteWorkflow(workflows.StepProbe, workflows.ProbeInput{
		CaseID: r.caseID, OrgUnitID: "150100", Role: schemas.RoleSupervisor, Due: "2026-01-31",
		Ladder: schemas.Ladder{
			{Offset: calendar.Period{N: -10, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
			{Offset: calendar.Period{N: -3, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
			{Offset: calendar.Period{N: 0, Unit: calendar.WorkingDays}, Action: schemas.RungOverdue},
		},
	})
	r.state()
	var task schemas.Task
	if err := r.db.First(&task, "id = ?", r.caseID+".probe").Error; err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-01-31 23:59:59"); !task.DueAt.Equal(want) {
		t.Errorf("due %s, want %s", task.DueAt.In(cst), want)
	}
	var reminders []schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ?", r.caseID, "task.remind").Order("id").Find(&reminders)
	// 31 Jan 2026 is a Saturday: 10 working days before is Mon 19 Jan, 3 before is Wed 28 Jan
	// (end of day, as every working-day count).
	want := []string{"2026-01-19 23:59:59", "2026-01-28 23:59:59"}
	if len(reminders) != len(want) {
		t.Fatalf("%d reminders, want %d", len(reminders), len(want))
	}
	for i, ev := range reminders {
		if w := mustTime(t, want[i]); !ev.At.Equal(w) {
			t.Errorf("reminder %d at %s, want %s", i, ev.At.In(cst), w)
		}
	}
	if got, want := r.auditAt("task.overdue", "probe"), mustTime(t, "2026-01-31 23:59:59"); !got.Equal(want) {
		t.Errorf("overdue at %s, want %s", got, want)
	}
}
