package activities_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestBrokenInvariantsAreNonRetryable: an activity that finds the projection contradicting the
// workflow (closing a task that is closed otherwise, recording a case id that names no case)
// fails at once, as a permanent failure the workflow turns into "needs attention".
func TestBrokenInvariantsAreNonRetryable(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		a := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		env.RegisterActivity(a)
		run := func(activity, arg any) error {
			_, err := env.ExecuteActivity(activity, arg)
			return err
		}
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		ref := activities.CaseRef{ID: "publicity-2026-0077", Kind: schemas.KindPublicity, Title: "公示"}
		if err := run(a.RecordCase, activities.CaseRecord{
			ID: ref.ID, Kind: ref.Kind, Title: ref.Title, OrgUnitID: "150100", CreatedBy: "wu.gang",
			Priority: schemas.PriorityNormal, Status: schemas.CaseOpen, Stage: "drafting", At: at, Actor: "wu.gang", Action: "case.opened",
		}); err != nil {
			t.Fatal(err)
		}
		task := schemas.TaskView{ID: ref.ID + ".draft-1", StepKey: "draft-1", Title: "起草", OrgUnitID: "150100",
			Role: schemas.RoleCadreSection, Status: schemas.TaskOpen, DueAt: at.Add(72 * time.Hour)}
		if err := run(a.OpenTask, activities.OpenTaskRequest{Case: ref, Task: task, At: at}); err != nil {
			t.Fatal(err)
		}
		closeAs := func(status schemas.TaskStatus) error {
			return run(a.CloseTask, activities.CloseTaskRequest{CaseID: ref.ID, TaskID: task.ID, Status: status, At: at, CompletedBy: "wu.gang"})
		}
		if err := closeAs(schemas.TaskCompleted); err != nil {
			t.Fatal(err)
		}
		if err := closeAs(schemas.TaskCompleted); err != nil {
			t.Fatalf("a retry after the commit must succeed: %v", err)
		}
		broken := map[string]error{
			"task not open": closeAs(schemas.TaskCancelled),
			"unknown case": run(a.RecordCase, activities.CaseRecord{ID: "no-such-case", Kind: schemas.KindPublicity,
				Status: schemas.CaseOpen, At: at, Actor: "system", Action: "case.opened"}),
		}
		for what, err := range broken {
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != schemas.ErrTypePermanent {
				t.Errorf("%s: got %v, want a non-retryable %s error", what, err, schemas.ErrTypePermanent)
			}
		}
		if err := broken["task not open"]; err == nil || !strings.Contains(err.Error(), activities.ErrTaskNotOpen.Error()) {
			t.Errorf("the reason is lost: %v", err)
		}
	})
}
