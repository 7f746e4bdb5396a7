package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// run is one workflow under the time-skipping test environment, with the real activities
// against a real (SQLite) database seeded with the demo org tree.
type run struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	db     *gorm.DB
	acts   *activities.Activities // registered by pointer: a test may set a hook before it runs
	caseID string
	start  time.Time
	seq    int
	// rejections records every rejected update by its label.
	rejections map[string]error
}

var cst = calendar.Location()

func newRun(t *testing.T, caseID string, start time.Time) *run {
	t.Helper()
	url := testenv.DatabaseURL(t, "sqlite")
	gdb := testenv.Open(t, url)
	if err := schemas.Migrate(gdb); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(gdb); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: caseID})
	acts := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
	worker.Register(env, acts)
	return &run{t: t, env: env, db: gdb, acts: acts, caseID: caseID, start: start, rejections: map[string]error{}}
}

// at schedules fn at a wall time in Asia/Shanghai ("2026-09-23 10:00").
func (r *run) at(when string, fn func()) {
	r.t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", when, cst)
	if err != nil {
		r.t.Fatal(err)
	}
	d := ts.Sub(r.start)
	if d <= 0 {
		r.t.Fatalf("%s is not after the start", when)
	}
	r.env.RegisterDelayedCallback(fn, d)
}

func (r *run) actor(id string) schemas.Actor {
	r.t.Helper()
	var o schemas.Official
	if err := r.db.First(&o, "id = ?", id).Error; err != nil {
		r.t.Fatalf("official %s: %v", id, err)
	}
	var u schemas.OrgUnit
	if err := r.db.First(&u, "id = ?", o.OrgUnitID).Error; err != nil {
		r.t.Fatal(err)
	}
	return schemas.Actor{ID: o.ID, Name: o.Name, Roles: o.Roles, OrgUnitID: o.OrgUnitID, OrgPath: u.Path}
}

// update sends an update; a rejection is recorded under label (and fails the test unless the
// label starts with "reject:").
func (r *run) update(label, name string, arg any) {
	r.t.Helper()
	r.seq++
	r.env.UpdateWorkflow(name, fmt.Sprintf("u%d", r.seq), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) {
			r.rejections[label] = err
			if !strings.HasPrefix(label, "reject:") {
				r.t.Errorf("%s rejected: %v", label, err)
			}
		},
		OnComplete: func(_ any, err error) {
			if err != nil {
				r.t.Errorf("%s failed: %v", label, err)
			}
		},
	}, arg)
}

func (r *run) complete(step, official, decision string, form map[string]any) {
	r.update(step+" by "+official, schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
		TaskID: r.caseID + "." + step, Actor: r.actor(official), Decision: decision, Form: form,
	})
}

// reject sends an update expected to be rejected with errType.
func (r *run) reject(label, name string, arg any, errType string) {
	label = "reject:" + label
	r.update(label, name, arg)
	r.t.Cleanup(func() {
		err := r.rejections[label]
		var appErr *temporal.ApplicationError
		if err == nil {
			r.t.Errorf("%s was accepted", label)
		} else if !errors.As(err, &appErr) || appErr.Type() != errType {
			r.t.Errorf("%s: got %v, want a %s rejection", label, err, errType)
		}
	})
}

func (r *run) state() schemas.CaseState {
	r.t.Helper()
	if !r.env.IsWorkflowCompleted() {
		r.t.Fatal("workflow did not complete")
	}
	if err := r.env.GetWorkflowError(); err != nil {
		r.t.Fatalf("workflow failed: %v", err)
	}
	var s schemas.CaseState
	if err := r.env.GetWorkflowResult(&s); err != nil {
		r.t.Fatal(err)
	}
	return s
}

// auditAt returns the time of the first audit event with action on task (step key).
func (r *run) auditAt(action, step string) time.Time {
	r.t.Helper()
	var ev schemas.AuditEvent
	err := r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, action, r.caseID+"."+step).Order("id").First(&ev).Error
	if err != nil {
		r.t.Fatalf("no %s event for %s: %v", action, step, err)
	}
	return ev.At.In(cst)
}

func (r *run) verifyAudit() {
	r.t.Helper()
	rep, err := audit.Verify(context.Background(), r.db)
	if err != nil || !rep.OK() || rep.Events == 0 {
		r.t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

func (r *run) notified(official, kind, taskStep string) bool {
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND kind = ? AND task_id = ?", official, kind, r.caseID+"."+taskStep).Count(&n)
	return n > 0
}

// rungAt is when a ladder rung due at the end of day (YYYY-MM-DD, Beijing) fires for the task of
// step: after midnight, at the task's offset within schemas.RungNight (activities.spreadRung).
func (r *run) rungAt(day, step string) time.Time {
	r.t.Helper()
	return rungAfter(r.t, mustTime(r.t, day+" 23:59:59"), r.caseID+"."+step)
}

// rungAfter is when the rung of task due at dayEnd (23:59:59) fires; it checks that the time lies
// in the night window after the day, so that a test expecting it checks the rule, not only the hash.
func rungAfter(t *testing.T, dayEnd time.Time, task string) time.Time {
	t.Helper()
	at := dayEnd.Add(time.Second + schemas.RungSpread(task))
	if midnight := dayEnd.Add(time.Second); at.Before(midnight) || !at.Before(midnight.Add(schemas.RungNight)) {
		t.Fatalf("rung of %s at %s: outside the night after %s", task, at, dayEnd)
	}
	return at
}

func mustTime(t *testing.T, s string) time.Time {
	ts, err := time.ParseInLocation("2006-01-02 15:04:05", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
