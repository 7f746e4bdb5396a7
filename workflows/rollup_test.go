package workflows_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// upsert is one search-attribute upsert as a workflow of the run sent it.
type upsert struct {
	at        time.Time
	stage     string
	overdue   bool
	hasDue    bool
	due       time.Time
	assignees []string
}

// recordUpserts records every typed search-attribute upsert of the run (the case's and its
// parts').
func (r *run) recordUpserts() func() []upsert {
	var mu sync.Mutex
	var got []upsert
	r.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		u := upsert{at: r.env.Now()}
		u.stage, _ = sa.GetKeyword(schemas.SAStage)
		u.overdue, _ = sa.GetBool(schemas.SAOverdue)
		u.due, u.hasDue = sa.GetTime(schemas.SADueAt)
		u.assignees, _ = sa.GetKeywordList(schemas.SAAssignee)
		mu.Lock()
		got = append(got, u)
		mu.Unlock()
	})
	return func() []upsert { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
}

// TestJointInspectionParentRollsUpChecks: while the three checks run, the case itself holds no
// task, yet its search attributes and UI details show the checks' holders and earliest due
// date, and turn Overdue=true when the 进人 check does (1 December), listing its 督办.
func TestJointInspectionParentRollsUpChecks(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0010", mustTime(t, "2026-11-02 09:00:00"))
	upserts := r.recordUpserts()
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.completeCheck(schemas.CheckYongren, "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "用人规范"})
	})
	var onTime, late string
	details := func() string {
		v, err := r.env.QueryWorkflow("__temporal_workflow_metadata")
		if err != nil {
			t.Fatalf("metadata query: %v", err)
		}
		var md sdkpb.WorkflowMetadata
		if err := v.Get(&md); err != nil {
			t.Fatal(err)
		}
		return md.GetCurrentDetails()
	}
	r.at("2026-11-20 10:00", func() { onTime = details() })
	r.at("2026-12-09 10:00", func() { late = details() })
	r.at("2026-12-10 10:00", func() {
		r.completeCheck(schemas.CheckYongbian, "tian.yu", schemas.InspectNoIssues, map[string]any{"report": "用编规范"})
		r.completeCheck(schemas.CheckJinren, "liu.yang", schemas.InspectNoIssues, map[string]any{"report": "进人规范"})
	})
	r.at("2026-12-11 10:00", func() {
		r.complete("consolidate-1", "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "检查报告……"})
	})
	r.at("2026-12-11 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-12-14 10:00", func() { r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))
	r.state()

	// Only the case's own workflow can name the holders of two checks at once.
	parent := func(u upsert) bool {
		return slices.Contains(u.assignees, "hr@150100-rs") && slices.Contains(u.assignees, "establishment@150100-bb")
	}
	var first, overdue *upsert
	for _, u := range upserts() {
		if !parent(u) || u.stage != "checking" {
			continue
		}
		if first == nil {
			first = &u
		}
		if u.overdue && overdue == nil {
			overdue = &u
		}
	}
	// The checks open on 3 November with 20 working days: due 1 December.
	due := mustTime(t, "2026-12-01 23:59:59")
	if first == nil || first.overdue || !first.hasDue || !first.due.Equal(due) {
		t.Fatalf("the case never showed its checks' holders and due date: %+v", first)
	}
	if overdue == nil {
		t.Fatal("the case never turned Overdue=true while its 进人 check was overdue")
	}
	if marked := rungAfter(t, due, r.caseID+".check-jinren"); overdue.at.Before(marked) || overdue.at.After(marked.Add(time.Hour)) {
		t.Errorf("the case turned overdue at %s, want when the check did (%s)", overdue.at.In(cst), due)
	}
	if !strings.Contains(onTime, "进人检查") || !strings.Contains(onTime, "用编检查") || strings.Contains(onTime, "待办**：无") || strings.Contains(onTime, "已逾期") {
		t.Errorf("details while the checks run:\n%s", onTime)
	}
	if !strings.Contains(late, "进人检查") || !strings.Contains(late, "**已逾期**（已督办）") || !strings.Contains(late, "督办：进人检查") {
		t.Errorf("details while the 进人 check is overdue:\n%s", late)
	}
	// After the checks the case's own steps take over: no check lingers in its attributes.
	var last upsert
	for _, u := range upserts() {
		if u.stage == "closed" {
			last = u
		}
	}
	if last.stage != "closed" || last.overdue || len(last.assignees) > 0 {
		t.Errorf("closed case still shows %+v", last)
	}
}

// TestJointInspectionCancelTellsHolders: cancelling the case while two checks are open, one
// of them overdue with a 督办 task at the region, tells every holder of every withdrawn task
// who cancelled the case and why, and the withdrawn tasks name the canceller on the trail.
func TestJointInspectionCancelTellsHolders(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0011", mustTime(t, "2026-11-02 09:00:00"))
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.completeCheck(schemas.CheckYongren, "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "用人规范"})
	})
	r.at("2026-12-10 10:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "被检查人已调离"})
	})
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))
	s := r.state()
	if s.Status != schemas.CaseCancelled {
		t.Fatalf("status %s", s.Status)
	}
	// The two open checks and their 督办 tasks (opened on 8 December at the region, one level
	// above the city office that got the overdue notices).
	withdrawn := map[string][]string{
		"check-jinren": {"liu.yang"}, "check-yongbian": {"tian.yu"},
		"check-jinren-duban": {"wang.jian"}, "check-yongbian-duban": {"wang.jian"},
	}
	for step, holders := range withdrawn {
		var task schemas.Task
		if err := r.db.First(&task, "id = ?", r.caseID+"."+step).Error; err != nil || task.Status != schemas.TaskCancelled {
			t.Errorf("%s: %+v %v", step, task, err)
			continue
		}
		if step == "check-jinren-duban" && task.OrgUnitID != "150000" {
			t.Errorf("督办 task at %s, want the region", task.OrgUnitID)
		}
		for _, h := range holders {
			var n []schemas.Notification
			r.db.Where("official_id = ? AND task_id = ? AND kind = ? AND title LIKE ?", h, task.ID, notify.KindInfo, "任务已撤销%").Find(&n)
			if len(n) != 1 || !strings.Contains(n[0].Body, "被检查人已调离") || !strings.Contains(n[0].Body, "陈静") {
				t.Errorf("%s was not told of the withdrawal of %s: %+v", h, step, n)
			}
		}
		var ev schemas.AuditEvent
		r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, "task.cancelled", task.ID).First(&ev)
		if ev.Actor != "chen.jing" || !strings.Contains(ev.Detail, "被检查人已调离") {
			t.Errorf("%s withdrawn by %q: %s", step, ev.Actor, ev.Detail)
		}
	}
	// The subject is never told of tasks that are not theirs.
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "zheng.yi", "任务已撤销%").Count(&n)
	if n != 0 {
		t.Errorf("the inspected leader was told %d withdrawals", n)
	}
	r.verifyAudit()
}

// TestJointInspectionConsolidationMatchesChecks: with the 进人 check reporting serious issues,
// consolidating "no issues" (or mere "issues") is refused until the report says why.
func TestJointInspectionConsolidationMatchesChecks(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0012", mustTime(t, "2026-11-02 09:00:00"))
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.completeCheck(schemas.CheckYongren, "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "用人规范"})
		r.completeCheck(schemas.CheckJinren, "liu.yang", schemas.InspectSeriousIssues, map[string]any{"report": "违规进人", "findings": "违规进人5名"})
		r.completeCheck(schemas.CheckYongbian, "tian.yu", schemas.InspectNoIssues, map[string]any{"report": "用编规范"})
	})
	consolidate := func(decision string, form map[string]any) schemas.CompleteTaskRequest {
		return schemas.CompleteTaskRequest{TaskID: r.caseID + ".consolidate-1", Actor: r.actor("bao.yin"), Decision: decision, Form: form}
	}
	r.at("2026-11-11 10:00", func() {
		r.reject("no issues against a serious check", schemas.UpdateCompleteTask,
			consolidate(schemas.InspectNoIssues, map[string]any{"report": "检查报告……"}), schemas.ErrTypeInvalid)
		r.reject("issues against a serious check", schemas.UpdateCompleteTask,
			consolidate(schemas.InspectIssues, map[string]any{"report": "检查报告……", "findings": "进人不规范"}), schemas.ErrTypeInvalid)
	})
	r.at("2026-11-11 11:00", func() {
		r.complete("consolidate-1", "bao.yin", schemas.InspectNoIssues, map[string]any{
			"report": "检查报告……", "deviation_reason": "经复核，所涉5名人员均按程序补办手续，不构成违规"})
	})
	r.at("2026-11-11 12:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-12 10:00", func() { r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))
	if s := r.state(); s.JointInspection.Finding != schemas.InspectNoIssues {
		t.Fatalf("finding %s", s.JointInspection.Finding)
	}
}
