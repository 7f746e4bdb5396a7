package activities_test

import (
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestWritesSurviveTheFallback: a kernel write whose local activity committed but whose answer
// was lost runs again as a regular activity (workflows: version local-write-fallback), under
// another activity id. It writes nothing twice: the case record's audit event is keyed on its
// WriteKey, the task row on the task id, its close on the row's status. A different WriteKey
// is a different write.
func TestWritesSurviveTheFallback(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		a := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		env.RegisterActivity(a)
		// Each write twice: as a local activity, then as a regular one.
		twice := func(activity, arg any) {
			t.Helper()
			if _, err := env.ExecuteLocalActivity(activity, arg); err != nil {
				t.Fatal(err)
			}
			if _, err := env.ExecuteActivity(activity, arg); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		ref := activities.CaseRef{ID: "publicity-2026-0078", Kind: schemas.KindPublicity, Title: "公示"}
		rec := activities.CaseRecord{
			ID: ref.ID, Kind: ref.Kind, Title: ref.Title, OrgUnitID: "150100", CreatedBy: "wu.gang",
			Priority: schemas.PriorityNormal, Status: schemas.CaseOpen, Stage: "drafting", At: at,
			Actor: "wu.gang", Action: "case.opened", WriteKey: "rec1",
		}
		twice(a.RecordCase, rec)
		task := schemas.TaskView{ID: ref.ID + ".draft-1", StepKey: "draft-1", Title: "起草", OrgUnitID: "150100",
			Role: schemas.RoleCadreSection, Status: schemas.TaskOpen, DueAt: at.Add(72 * time.Hour)}
		twice(a.OpenTask, activities.OpenTaskRequest{Case: ref, Task: task, At: at})
		twice(a.CloseTask, activities.CloseTaskRequest{CaseID: ref.ID, TaskID: task.ID, Status: schemas.TaskCompleted, At: at, CompletedBy: "wu.gang"})
		// The next record of the case is another write, though it says the same.
		next := rec
		next.Action, next.WriteKey = "case.stage", "rec2"
		twice(a.RecordCase, next)
		again := next
		again.WriteKey = "rec3"
		if _, err := env.ExecuteActivity(a.RecordCase, again); err != nil {
			t.Fatal(err)
		}

		count := func(action string) int64 {
			var n int64
			gdb.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", ref.ID, action).Count(&n)
			return n
		}
		for action, want := range map[string]int64{"case.opened": 1, "task.opened": 1, "task.completed": 1, "case.stage": 2} {
			if got := count(action); got != want {
				t.Errorf("%d %s events, want %d", got, action, want)
			}
		}
		var rows, notes, holders int64
		gdb.Model(&schemas.Task{}).Where("id = ?", task.ID).Count(&rows)
		gdb.Model(&schemas.Notification{}).Where("task_id = ?", task.ID).Count(&notes)
		gdb.Model(&schemas.Notification{}).Where("task_id = ?", task.ID).Distinct("official_id").Count(&holders)
		if rows != 1 || notes == 0 || notes != holders {
			t.Errorf("%d task rows, %d notifications to %d officials; want one row and one notification each", rows, notes, holders)
		}
	})
}
