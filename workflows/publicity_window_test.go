package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// TestPublicityPublishOnAndWindow: approved on Monday 2 Nov for publication on Wednesday 4 Nov,
// the notice goes up that day and the 5 working days count from it (to Wednesday 11 Nov).
// Before publication and after the period, objections over the API are refused; one attached by
// a 12380 report after the period, while the decision is pending, is taken and marked late.
// While on display the case's DueAt is the period's end.
func TestPublicityPublishOnAndWindow(t *testing.T) {
	r := newRun(t, "publicity-2026-0051", mustTime(t, "2026-11-02 09:00:00"))
	in := publicityInput(r.caseID, "张三")
	in.PublishOn = "2026-11-04"
	draftAndApprove(r, "2026-11-02")
	objection := func() schemas.ObjectionRequest {
		return schemas.ObjectionRequest{Actor: r.actor("he.ping"), CandidateID: "c1", Channel: "phone", Summary: "反映其作风问题"}
	}
	r.at("2026-11-03 10:00", func() {
		r.reject("objection before publication", schemas.UpdateFileObjection, objection(), schemas.ErrTypeConflict)
	})
	// The DueAt search attribute as last upserted.
	var dueAt time.Time
	r.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		dueAt, _ = args.Get(0).(temporal.SearchAttributes).GetTime(schemas.SADueAt)
	}).Return(nil)
	var shownDue string
	r.at("2026-11-05 10:00", func() {
		r.update("objection on display", schemas.UpdateFileObjection, objection())
		shownDue = dueAt.In(cst).Format("2006-01-02")
	})
	r.at("2026-11-12 09:00", func() {
		r.reject("objection after the period", schemas.UpdateFileObjection, objection(), schemas.ErrTypeConflict)
		req := objection()
		req.Signed = true
		r.env.SignalWorkflow(schemas.SignalReportObjection, schemas.ReportObjection{ReportID: "report-2026-0009", Request: req})
	})
	r.at("2026-11-13 10:00", func() {
		r.complete("verify-o2", "ma.lin", schemas.FindingUnfounded, map[string]any{"report": "经核查不属实"})
	})
	r.at("2026-11-16 10:00", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, in)

	s := r.state()
	if got := s.Publicity.PublishedAt.In(cst).Format("2006-01-02 15:04"); got != "2026-11-04 00:00" {
		t.Fatalf("published at %s, want the start of 4 Nov", got)
	}
	if got := s.Publicity.PeriodEnd.In(cst).Format("2006-01-02"); got != "2026-11-11" {
		t.Fatalf("period ends %s, want 2026-11-11", got)
	}
	if shownDue != "2026-11-11" {
		t.Fatalf("DueAt while on display: %q, want the period's end", shownDue)
	}
	if len(s.Publicity.Objections) != 2 || s.Publicity.Objections[0].Late || !s.Publicity.Objections[1].Late {
		t.Fatalf("objections: %+v (want one on time, one late)", s.Publicity.Objections)
	}
}

// TestFinishedStepsCancelTheirTimers: a step done before its reminder leaves no timer pending
// (the Temporal UI would show it waiting): the draft, the approval and the decision are done
// early, so each cancels the timer of its next rung.
// Histories from before the change (the version's default) keep their timers.
func TestFinishedStepsCancelTheirTimers(t *testing.T) {
	for _, c := range []struct {
		version workflow.Version
		want    int
	}{{1, 3}, {workflow.DefaultVersion, 0}} {
		r := newRun(t, "publicity-2026-0052", mustTime(t, "2026-11-02 09:00:00"))
		cancelled := 0
		r.env.SetOnTimerCanceledListener(func(string) { cancelled++ })
		r.env.OnGetVersion("cancel-finished-timers", workflow.DefaultVersion, 1).Return(c.version)
		draftAndApprove(r, "2026-11-02")
		r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
		r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))
		if s := r.state(); s.Status != schemas.CaseClosed {
			t.Fatalf("version %d: status %s", c.version, s.Status)
		}
		if cancelled != c.want {
			t.Fatalf("version %d: %d timers cancelled, want %d (one per step done before its reminder)", c.version, cancelled, c.want)
		}
	}
}
