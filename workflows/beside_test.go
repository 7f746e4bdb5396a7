package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The leader decides just after the decision step escalated, while its 督办 task is still being
// opened (its row is written slowly): the case must not close before the 督办 task is opened and
// withdrawn, so no task row of the case is left open.
func TestEscalationAsCaseEndsLeavesNoOpenTask(t *testing.T) {
	r := newRun(t, "publicity-2026-0041", mustTime(t, "2026-11-02 09:00:00"))
	real := &activities.Activities{DB: r.db, Logger: testenv.Logger(t)}
	r.env.OnActivity("OpenTask", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, req activities.OpenTaskRequest) (activities.OpenTaskResult, error) {
			if strings.HasSuffix(req.Task.ID, "-duban") {
				time.Sleep(500 * time.Millisecond) // the main line finishes meanwhile
			}
			return real.OpenTask(ctx, req)
		})
	draftAndApprove(r, "2026-11-02")
	// decide-c1 opens when the period ends (9 Nov), is due 16 Nov and escalates at the end of
	// 23 Nov (its rung fires that night); the leader decides 100 ms later, while the 督办 task is being opened.
	escalates := r.rungAt("2026-11-23", "decide-c1")
	r.env.RegisterDelayedCallback(func() {
		r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil)
	}, escalates.Add(100*time.Millisecond).Sub(r.start))
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	s := r.state()
	if s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	if got := r.auditAt("task.escalate", "decide-c1"); !got.Equal(escalates) {
		t.Fatalf("escalated at %s", got)
	}
	var open []schemas.Task
	r.db.Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Find(&open)
	if len(open) > 0 {
		t.Fatalf("open task rows left after the case closed: %+v", open)
	}
	for _, v := range s.Tasks {
		if v.Status == schemas.TaskOpen {
			t.Fatalf("task %s still open in the final state", v.ID)
		}
	}
	var duban schemas.Task
	if err := r.db.First(&duban, "id = ?", r.caseID+".decide-c1-duban").Error; err != nil || duban.Status != schemas.TaskCancelled {
		t.Fatalf("督办 task %+v %v", duban, err)
	}
	// The withdrawal is recorded before the case closes.
	var withdrawn, closed schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, "task.cancelled", duban.ID).First(&withdrawn)
	r.db.Where("case_id = ? AND action = ?", r.caseID, "case.closed").First(&closed)
	if withdrawn.ID == 0 || closed.ID == 0 || withdrawn.ID > closed.ID {
		t.Fatalf("督办 withdrawn (event %d) after the case closed (event %d)", withdrawn.ID, closed.ID)
	}
	r.verifyAudit()
}
