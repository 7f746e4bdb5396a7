package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// outage plays a database that goes away for one write: the first local attempt commits but
// its answer is lost (the connection drops after the commit), the later local attempts and the
// first failing regular attempts cannot connect, and then the database is back.
type outage struct {
	mu sync.Mutex
	// failRegular is how many attempts of the regular activity fail before one succeeds.
	failRegular int
	// local and regular count the attempts of the write; began and started are when (test
	// clock) its first local and its first regular attempt ran; maxAttempt is the highest
	// attempt number the regular activity reached (what the UI shows).
	local, regular int
	maxAttempt     int32
	began, started time.Time
}

var (
	errLostAnswer = errors.New("read tcp 127.0.0.1:51234->127.0.0.1:5432: read: connection reset by peer")
	errRefused    = errors.New("failed to connect to `host=127.0.0.1 user=postgres database=jiandu`: dial error (dial tcp 127.0.0.1:5432: connect: connection refused)")
)

// try runs one attempt of the write (write: the real activity) as the outage allows.
func (o *outage) try(ctx context.Context, now time.Time, write func() error) error {
	info := activity.GetInfo(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	if info.IsLocalActivity {
		o.local++
		if o.local == 1 {
			o.began = now
			if err := write(); err != nil {
				return err
			}
			return errLostAnswer
		}
		return errRefused
	}
	o.regular++
	if o.regular == 1 {
		o.started = now
	}
	o.maxAttempt = max(o.maxAttempt, info.Attempt)
	if o.regular <= o.failRegular {
		return errRefused
	}
	return write()
}

// When a local write keeps failing (the database is down), its local retries give up within
// localWriteBound and the workflow runs the same write as a regular activity, retried until the
// database is back: the outage shows in the Temporal UI as a pending activity (its attempts,
// its last failure) and the case goes on. The first local attempt committed before its answer
// was lost, so the fallback finds the write done: one case.opened event, one task row, one
// task.opened event, one notification per holder. Both kinds of write are exercised: the case
// row (RecordCase, whose audit event is keyed on the record's WriteKey) and a task row
// (OpenTask, idempotent on the task id).
func TestLocalWriteFallsBackToActivity(t *testing.T) {
	r := newRun(t, "publicity-2026-0061", mustTime(t, "2026-11-02 09:00:00"))
	real := &activities.Activities{DB: r.db, Logger: testenv.Logger(t)}
	opened := &outage{failRegular: 2}
	draft := &outage{failRegular: 3}
	r.env.OnActivity("RecordCase", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, rec activities.CaseRecord) error {
			if rec.Action != "case.opened" {
				return real.RecordCase(ctx, rec)
			}
			return opened.try(ctx, r.env.Now(), func() error { return real.RecordCase(ctx, rec) })
		})
	r.env.OnActivity("OpenTask", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, req activities.OpenTaskRequest) (activities.OpenTaskResult, error) {
			if req.Task.ID != r.caseID+".draft-1" {
				return real.OpenTask(ctx, req)
			}
			var res activities.OpenTaskResult
			err := draft.try(ctx, r.env.Now(), func() error {
				var err error
				res, err = real.OpenTask(ctx, req)
				return err
			})
			return res, err
		})
	remote := map[string]int{}
	var mu sync.Mutex
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		remote[info.ActivityType.Name]++
	})
	draftAndApprove(r, "2026-11-02")
	r.at("2026-11-16 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	if s := r.state(); s.Status != schemas.CaseClosed || s.Attention != "" {
		t.Fatalf("case %s (attention %q), want closed", s.Status, s.Attention)
	}
	for name, o := range map[string]*outage{"case.opened": opened, "draft-1 task": draft} {
		// Local attempts at 0, 1, 3, 7, 15 and 31 s; the next, 32 s later, would pass the bound.
		if o.local != 6 {
			t.Errorf("%s: %d local attempts, want 6", name, o.local)
		}
		if o.regular != o.failRegular+1 || o.maxAttempt != int32(o.failRegular+1) {
			t.Errorf("%s: %d regular attempts reaching attempt %d, want %d", name, o.regular, o.maxAttempt, o.failRegular+1)
		}
		if d := o.started.Sub(o.began); d < 30*time.Second || d > time.Minute {
			t.Errorf("%s: the regular activity started %s after the write began, want within the minute's bound", name, d)
		}
	}
	// Only the failed writes ran as activity tasks: every other write stayed local.
	if remote["RecordCase"] != opened.regular || remote["OpenTask"] != draft.regular || remote["CloseTask"] != 0 || remote["PlanStep"] != 0 {
		t.Errorf("activity tasks %v; want only the fallen-back RecordCase (%d) and OpenTask (%d) attempts", remote, opened.regular, draft.regular)
	}
	count := func(action, task string) int64 {
		var n int64
		q := r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, action)
		if task != "" {
			q = q.Where("task_id = ?", r.caseID+"."+task)
		}
		q.Count(&n)
		return n
	}
	if n := count("case.opened", ""); n != 1 {
		t.Errorf("%d case.opened events, want 1", n)
	}
	if n := count("task.opened", "draft-1"); n != 1 {
		t.Errorf("%d task.opened events for draft-1, want 1", n)
	}
	var rows, notes, holders int64
	r.db.Model(&schemas.Task{}).Where("id = ?", r.caseID+".draft-1").Count(&rows)
	r.db.Model(&schemas.Notification{}).Where("task_id = ?", r.caseID+".draft-1").Count(&notes)
	r.db.Model(&schemas.Notification{}).Where("task_id = ?", r.caseID+".draft-1").Distinct("official_id").Count(&holders)
	if rows != 1 || notes == 0 || notes != holders {
		t.Errorf("draft-1: %d task rows, %d notifications to %d officials; want 1 row, one notification each", rows, notes, holders)
	}
	// Every stage move is on the trail once: opened, approving, publicizing, deciding, closed.
	var moves int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action IN ?", r.caseID,
		[]string{"case.opened", "case.stage", "case.closed"}).Count(&moves)
	if moves != 5 {
		t.Errorf("%d case moves on the trail, want 5", moves)
	}
	r.verifyAudit()
}

// A write the database refuses for good does not fall back: the case needs attention at once,
// as before version local-write-fallback, and no activity task retries the refused write.
func TestPermanentLocalFailureDoesNotFallBack(t *testing.T) {
	r := newRun(t, "publicity-2026-0062", mustTime(t, "2026-11-02 09:00:00"))
	real := &activities.Activities{DB: r.db, Logger: testenv.Logger(t)}
	refused := 0
	r.env.OnActivity("RecordCase", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, rec activities.CaseRecord) error {
			if rec.Action == "case.stage" && rec.Stage == "approving" {
				refused++
				return temporal.NewNonRetryableApplicationError("value too long for type character varying(200)", schemas.ErrTypePermanent, nil)
			}
			return real.RecordCase(ctx, rec)
		})
	remote := map[string]int{}
	var mu sync.Mutex
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		remote[info.ActivityType.Name]++
	})
	r.at("2026-11-02 10:00", func() { r.complete("draft-1", "wu.gang", workflows.DecisionSubmit, draftForm) })
	var attention string
	r.at("2026-11-03 10:00", func() {
		v, err := r.env.QueryWorkflow(schemas.QueryCaseState)
		var st schemas.CaseState
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Errorf("query: %v", err)
		}
		attention = st.Attention
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "数据有误，重新发起"})
	})
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	if s := r.state(); s.Status != schemas.CaseCancelled {
		t.Fatalf("status %s, want cancelled", s.Status)
	}
	if attention == "" {
		t.Error("the case did not need attention after the refused write")
	}
	if refused != 1 || remote["RecordCase"] != 0 || remote["MarkAttention"] != 1 {
		t.Errorf("refused write tried %d times, activity tasks %v; want once, locally, then MarkAttention", refused, remote)
	}
	r.verifyAudit()
}
