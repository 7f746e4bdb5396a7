package workflows_test

import (
	"testing"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// TestDeadlineInYearWithoutSchedule: a publicity case started late in 2026 (the shipped holiday
// schedules end with 2026) has steps due in 2027. Each such task is flagged
// calendar_incomplete, a step due within 2026 is not, and the root office's admin is told once
// for 2027 however many deadlines fall there.
func TestDeadlineInYearWithoutSchedule(t *testing.T) {
	r := newRun(t, "publicity-2026-0031", mustTime(t, "2026-12-24 09:00:00"))
	// Draft due 3 working days after Thu 24 Dec: Tue 29 Dec (in 2026). The approval, opened on
	// 30 Dec, is due in 2027; so are the period and the decision.
	r.at("2026-12-30 10:00", func() { r.complete("draft-1", "wu.gang", workflows.DecisionSubmit, draftForm) })
	r.at("2026-12-30 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2027-01-15 10:00", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))
	if s := r.state(); s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	flag := map[string]bool{}
	var tasks []schemas.Task
	r.db.Where("case_id = ?", r.caseID).Find(&tasks)
	for _, task := range tasks {
		flag[task.StepKey] = task.CalendarIncomplete
	}
	if flag["draft-1"] || !flag["approve-1"] || !flag["decide-c1"] {
		t.Fatalf("calendar_incomplete per step: %v (want only the steps due in 2027)", flag)
	}
	var told int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND kind = ? AND title LIKE ?", "admin", notify.KindInfo, "%2027%").Count(&told)
	if told != 1 {
		t.Fatalf("root admin told %d times about 2027, want once", told)
	}
	var gap schemas.CalendarGap
	if err := r.db.First(&gap, "year = ?", 2027).Error; err != nil {
		t.Fatalf("no calendar gap recorded for 2027: %v", err)
	}
}
