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
// (the step's reminder, its overdue mark) and the case closes as before. From version
// kernel-writes-local on, the kernel's row writes (the case row, opening and closing a task,
// the period's deadline) are local activities too: none of them is an activity task, each step
// opens and closes its task once, and the audit trail is whole (verifyAudit).
func TestPlanStepRunsLocally(t *testing.T) {
	r := newRun(t, "publicity-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	remote := map[string]int{}
	local := map[string]int{}
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		remote[info.ActivityType.Name]++
	})
	r.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		local[info.ActivityType.Name]++
	})
	// The draft is done late: its reminder and overdue rungs fire first.
	r.at("2026-11-06 10:00", func() { r.complete("draft-1", "wu.gang", "submit", draftForm) })
	r.at("2026-11-06 11:00", func() { r.complete("approve-1", "chen.jing", "approve", nil) })
	r.at("2026-11-16 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	if s := r.state(); s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	for _, name := range []string{"PlanStep", "OpenTask", "CloseTask", "RecordCase", "ComputeDeadline"} {
		if remote[name] != 0 {
			t.Errorf("%s ran %d times as an activity task; want local only", name, remote[name])
		}
	}
	if local["PlanStep"] != 3 || local["OpenTask"] != 3 || local["CloseTask"] != 3 || local["ComputeDeadline"] != 1 {
		t.Errorf("local activities %v; want PlanStep, OpenTask and CloseTask once per step (3), ComputeDeadline once", local)
	}
	// Opened (in drafting), approving, publicizing, deciding, closed: one case row write each.
	if local["RecordCase"] != 5 {
		t.Errorf("RecordCase ran locally %d times, want 5", local["RecordCase"])
	}
	var opened, completed int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "task.opened").Count(&opened)
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "task.completed").Count(&completed)
	if opened != 3 || completed != 3 {
		t.Errorf("audit: %d task.opened and %d task.completed, want 3 and 3", opened, completed)
	}
	// Opened Monday 2 Nov: 3 working days run to the end of Thursday 5 Nov.
	if got, want := r.auditAt("task.overdue", "draft-1"), r.rungAt("2026-11-05", "draft-1"); !got.Equal(want) {
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
	want := []string{"2026-01-19", "2026-01-28"}
	if len(reminders) != len(want) {
		t.Fatalf("%d reminders, want %d", len(reminders), len(want))
	}
	for i, ev := range reminders {
		if w := r.rungAt(want[i], "probe"); !ev.At.Equal(w) {
			t.Errorf("reminder %d at %s, want %s", i, ev.At.In(cst), w)
		}
	}
	if got, want := r.auditAt("task.overdue", "probe"), r.rungAt("2026-01-31", "probe"); !got.Equal(want) {
		t.Errorf("overdue at %s, want %s", got, want)
	}
}
