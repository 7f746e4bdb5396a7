package activities_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPlanSpreadsDayEndRungs: a ladder counted in days puts its rungs at the end of a day; each
// task's rungs then fire after midnight at the task's own offset within schemas.RungNight, the
// same offset for every rung of the task and on every planning, and a day's tasks spread evenly
// over the night (so 10,000 reminders of a day do not fall due at the same second). The
// deadline itself stays at the end of its day; rungs in minutes keep their exact time, even one
// that lands on 23:59:59.
func TestPlanSpreadsDayEndRungs(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		a := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		ctx := context.Background()
		from := time.Date(2026, 11, 2, 9, 0, 0, 0, calendar.Location())
		period := calendar.Period{N: 5, Unit: calendar.WorkingDays}
		const tasks = 3000
		perHour := make([]int, int(schemas.RungNight/time.Hour))
		for i := range tasks {
			id := fmt.Sprintf("publicity-2026-%04d.draft-%d", i, i%3+1)
			plan, err := a.PlanStep(ctx, activities.PlanRequest{From: from, Period: period, Ladder: schemas.DefaultLadder(), Task: id})
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2026, 11, 9, 23, 59, 59, 0, calendar.Location()); !plan.DueAt.Equal(want) {
				t.Fatalf("%s due %s, want %s: the deadline is not spread", id, plan.DueAt, want)
			}
			unspread, err := a.PlanStep(ctx, activities.PlanRequest{From: from, Period: period, Ladder: schemas.DefaultLadder()})
			if err != nil {
				t.Fatal(err)
			}
			var offset time.Duration
			for r, at := range plan.RungsAt {
				dayEnd := unspread.RungsAt[r]
				if dayEnd.In(calendar.Location()).Format("15:04:05") != "23:59:59" {
					t.Fatalf("rung %d planned without a task at %s, want the end of a day", r, dayEnd)
				}
				off := at.Sub(dayEnd.Add(time.Second))
				if off < 0 || off >= schemas.RungNight {
					t.Fatalf("%s rung %d at %s: not within %s after the midnight following %s", id, r, at, schemas.RungNight, dayEnd)
				}
				if r > 0 && off != offset {
					t.Fatalf("%s: rung %d offset %s, rung 0 offset %s; want one offset per task", id, r, off, offset)
				}
				offset = off
			}
			again, err := a.PlanStep(ctx, activities.PlanRequest{From: from.Add(time.Hour), Period: period, Ladder: schemas.DefaultLadder(), Task: id})
			if err != nil {
				t.Fatal(err)
			}
			if !again.RungsAt[1].Equal(plan.RungsAt[1]) {
				t.Fatalf("%s planned twice: overdue at %s and %s", id, plan.RungsAt[1], again.RungsAt[1])
			}
			perHour[offset/time.Hour]++
		}
		// Evenly: each hour of the night holds its share within a fifth (500 ± 100 of 3,000).
		for h, n := range perHour {
			if share := float64(n) * float64(len(perHour)) / tasks; share < 0.8 || share > 1.2 {
				t.Errorf("hour %d after midnight holds %d of %d tasks' rungs (%v): not spread evenly", h, n, tasks, perHour)
			}
		}

		// A one-hour clock window opened at 22:59:59 is due at 23:59:59, its overdue rung too:
		// it keeps that exact second.
		t0 := time.Date(2026, 10, 5, 22, 59, 59, 0, calendar.Location())
		window := calendar.Period{N: 1, Unit: calendar.Hours}
		plan, err := a.PlanStep(ctx, activities.PlanRequest{From: t0, Period: window, Ladder: schemas.ClockLadder(window), Task: "public-opinion-2026-0001.grade"})
		if err != nil {
			t.Fatal(err)
		}
		want := []time.Time{t0.Add(30 * time.Minute), t0.Add(48 * time.Minute), t0.Add(time.Hour), t0.Add(3 * time.Hour)}
		for r, at := range plan.RungsAt {
			if !at.Equal(want[r]) {
				t.Errorf("clock rung %d at %s, want %s", r, at, want[r])
			}
		}
	})
}
