package workflows_test

import (
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// 包音 (bao.yin) inspects 郑毅 (zheng.yi), principal of 呼和浩特市教育局; 刘洋 (liu.yang, 人社)
// and 田宇 (tian.yu, 编办) do the other two checks; 陈静 (chen.jing) approves.
func inspectionInput(caseID string) schemas.JointInspectionInput {
	return schemas.JointInspectionInput{
		CaseID: caseID, Title: "郑毅同志三责联检", OrgUnitID: "150100", CreatedBy: "bao.yin",
		LeaderID: "zheng.yi", LeaderName: "郑毅", UnitID: "150100-jyj", UnitName: "呼和浩特市教育局",
		PeriodFrom: "2024-01-01", PeriodTo: "2026-06-30", HROfficeID: "150100-rs", EstablishmentOfficeID: "150100-bb",
	}
}

// completeCheck completes a check's task, which lives in the check's child workflow.
func (r *run) completeCheck(area schemas.CheckArea, official, decision string, form map[string]any) {
	r.seq++
	label := "check-" + string(area) + " by " + official
	err := r.env.UpdateWorkflowByID(schemas.JointInspectionCheckID(r.caseID, area), schemas.UpdateCompleteTask, fmt.Sprintf("u%d", r.seq),
		&testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.t.Errorf("%s rejected: %v", label, err) },
			OnComplete: func(_ any, err error) {
				if err != nil {
					r.t.Errorf("%s failed: %v", label, err)
				}
			},
		}, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".check-" + string(area), Actor: r.actor(official), Decision: decision, Form: form,
		})
	if err != nil {
		r.t.Errorf("%s: %v", label, err)
	}
}

var checkOfficials = map[schemas.CheckArea]string{schemas.CheckYongren: "bao.yin", schemas.CheckJinren: "liu.yang", schemas.CheckYongbian: "tian.yu"}

// selfAndChecks: the self-inspection on Tuesday 3 November 2026, the three checks the next week.
func selfAndChecks(r *run, decision string) {
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	for i, a := range schemas.CheckAreas {
		r.at(fmt.Sprintf("2026-11-%02d 10:00", 10+i), func() {
			form := map[string]any{"report": "检查情况……"}
			if decision != schemas.InspectNoIssues {
				form["findings"] = a.Title() + "发现的问题"
			}
			r.completeCheck(a, checkOfficials[a], decision, form)
		})
	}
}

func TestJointInspectionNoFindings(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	selfAndChecks(r, schemas.InspectNoIssues)
	r.at("2026-11-13 10:00", func() {
		r.complete("consolidate-1", "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "检查报告……"})
	})
	r.at("2026-11-13 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-16 10:00", func() { r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "检查未发现问题" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	for i, c := range s.JointInspection.Checks {
		if c.Status != "done" || c.Decision != schemas.InspectNoIssues || c.CompletedBy != checkOfficials[schemas.CheckAreas[i]] ||
			c.WorkflowID != r.caseID+"-"+string(c.Area) || c.Overdue {
			t.Fatalf("check %+v", c)
		}
	}
	// The checks' tasks belong to the case but live in the children.
	var check schemas.Task
	r.db.First(&check, "id = ?", r.caseID+".check-jinren")
	if check.CaseID != r.caseID || check.WorkflowID != r.caseID+"-jinren" || check.OrgUnitID != "150100-rs" || check.AssigneeRole != schemas.RoleHR {
		t.Fatalf("check task %+v", check)
	}
	var open int64
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
	if open != 0 {
		t.Fatalf("%d tasks still open", open)
	}
	var parts int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "part.closed").Count(&parts)
	if parts != 3 {
		t.Fatalf("%d parts closed", parts)
	}
	r.verifyAudit()
}

// TestJointInspectionSeriousFindings: the leader returns the first report; serious findings
// open the rectification and the accountability proposal side by side.
func TestJointInspectionSeriousFindings(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	selfAndChecks(r, schemas.InspectIssues)
	report := map[string]any{"report": "检查报告……", "findings": "违规进人3名，超编2名"}
	r.at("2026-11-13 10:00", func() { r.complete("consolidate-1", "bao.yin", schemas.InspectIssues, report) })
	r.at("2026-11-13 11:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "问题定性偏轻"})
	})
	r.at("2026-11-16 10:00", func() { r.complete("consolidate-2", "bao.yin", schemas.InspectSeriousIssues, report) })
	r.at("2026-11-16 11:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-17 10:00", func() {
		r.reject("acknowledge by the cadre", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".acknowledge", Actor: r.actor("batu"), Decision: workflows.DecisionAcknowledge,
		}, schemas.ErrTypeForbidden)
		r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, map[string]any{"statement": "诚恳接受，立即整改"})
	})
	r.at("2026-11-18 10:00", func() {
		r.complete("accountability-propose", "bao.yin", workflows.DecisionPropose, map[string]any{"proposal": "建议对郑毅同志诫勉"})
	})
	r.at("2026-11-19 10:00", func() { r.complete("accountability-decide", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-12-15 10:00", func() {
		r.complete("rectify-1", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "整改报告……"})
	})
	r.at("2026-12-16 10:00", func() { r.complete("rectify-check-1", "bao.yin", workflows.DecisionAccept, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))

	s := r.state()
	if s.Outcome != "检查发现严重问题，整改到位，同意问责" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	ji := s.JointInspection
	if ji.Finding != schemas.InspectSeriousIssues || ji.Findings != "违规进人3名，超编2名" || ji.AcknowledgedAt == nil || ji.RectifiedAt == nil {
		t.Fatalf("state %+v", ji)
	}
	var decided int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "joint_inspection.accountability_decided").Count(&decided)
	if decided != 1 {
		t.Fatal("accountability decision not recorded")
	}
	r.verifyAudit()
}

// TestJointInspectionOneCheckOverdue: the 进人 check runs late and climbs its own ladder while
// the other two complete on time; the case waits for it.
func TestJointInspectionOneCheckOverdue(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.completeCheck(schemas.CheckYongren, "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "用人规范"})
	})
	r.at("2026-11-12 10:00", func() {
		r.completeCheck(schemas.CheckYongbian, "tian.yu", schemas.InspectNoIssues, map[string]any{"report": "用编规范"})
	})
	r.at("2026-12-10 10:00", func() {
		r.completeCheck(schemas.CheckJinren, "liu.yang", schemas.InspectNoIssues, map[string]any{"report": "进人规范"})
	})
	r.at("2026-12-11 10:00", func() {
		r.complete("consolidate-1", "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "检查报告……"})
	})
	r.at("2026-12-11 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-12-14 10:00", func() { r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	// Opened Tuesday 3 November, 20 working days: due Tuesday 1 December; 催办 3 working days
	// after (4 December), 督办 5 after (8 December).
	want := map[string]string{
		"task.overdue":  "2026-12-01",
		"task.urge":     "2026-12-04",
		"task.escalate": "2026-12-08",
	}
	for action, day := range want {
		if got, at := r.auditAt(action, "check-jinren"), r.rungAt(day, "check-jinren"); !got.Equal(at) {
			t.Errorf("%s fired at %s, want %s", action, got, at)
		}
	}
	for _, a := range schemas.CheckAreas {
		var task schemas.Task
		r.db.First(&task, "id = ?", r.caseID+".check-"+string(a))
		if late := a == schemas.CheckJinren; task.Overdue != late || task.Status != schemas.TaskCompleted {
			t.Errorf("%s row %+v", a, task)
		}
	}
	if c := s.JointInspection.Checks[1]; c.Area != schemas.CheckJinren || !c.Overdue {
		t.Fatalf("jinren check %+v", c)
	}
	if !r.notified("liu.yang", "overdue", "check-jinren") || !r.notified("bao.yin", "overdue", "check-jinren") {
		t.Error("the overdue check did not reach its officials")
	}
	var duban schemas.Task
	if err := r.db.First(&duban, "id = ?", r.caseID+".check-jinren-duban").Error; err != nil || duban.Status != schemas.TaskCancelled || duban.WorkflowID != r.caseID+"-jinren" {
		t.Fatalf("督办 task %+v %v", duban, err)
	}
	if got := r.auditAt("task.opened", "consolidate-1"); got.Before(mustTime(t, "2026-12-10 10:00:00")) {
		t.Fatalf("consolidation opened at %s, before the last check", got)
	}
	r.verifyAudit()
}

// TestJointInspectionRectificationOverdue: the unit's rectification runs past its 60 days.
func TestJointInspectionRectificationOverdue(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	selfAndChecks(r, schemas.InspectIssues)
	r.at("2026-11-13 10:00", func() {
		r.complete("consolidate-1", "bao.yin", schemas.InspectIssues, map[string]any{"report": "检查报告……", "findings": "超编1名"})
	})
	r.at("2026-11-13 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-16 10:00", func() { r.complete("acknowledge", "zheng.yi", workflows.DecisionAcknowledge, nil) })
	r.at("2027-01-29 10:00", func() {
		r.complete("rectify-1", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "已清退"})
	})
	r.at("2027-02-01 10:00", func() { r.complete("rectify-check-1", "bao.yin", workflows.DecisionAccept, nil) })
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))

	s := r.state()
	if s.Outcome != "检查发现问题，整改到位" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	// 60 days from Monday 16 November end on Friday 15 January 2027.
	if got := r.auditAt("task.overdue", "rectify-1"); !got.Equal(r.rungAt("2027-01-15", "rectify-1")) {
		t.Fatalf("overdue at %s", got)
	}
	r.auditAt("task.urge", "rectify-1")
	r.auditAt("task.escalate", "rectify-1")
	if !r.notified("bao.yin", "overdue", "rectify-1") || !r.notified("zheng.yi", "urge", "rectify-1") {
		t.Error("a rung did not reach its officials")
	}
	r.verifyAudit()
}

// TestJointInspectionCancelled cancels the case while two checks are open: the children end
// and close their tasks before the case records its cancellation.
func TestJointInspectionCancelled(t *testing.T) {
	r := newRun(t, "joint-inspection-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	r.at("2026-11-03 10:00", func() {
		r.complete("self-inspection", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "自查报告……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.completeCheck(schemas.CheckYongren, "bao.yin", schemas.InspectNoIssues, map[string]any{"report": "用人规范"})
	})
	r.at("2026-11-11 10:00", func() {
		r.reject("cancel by HR", "cancel-case", schemas.CancelCaseRequest{Actor: r.actor("liu.yang"), Reason: "x"}, schemas.ErrTypeForbidden)
		r.update("cancel", "cancel-case", schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "被检查人已调离"})
	})
	r.env.ExecuteWorkflow(workflows.JointInspection, inspectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseCancelled || !strings.Contains(s.Outcome, "被检查人已调离") {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	want := map[string]schemas.TaskStatus{"check-yongren": schemas.TaskCompleted, "check-jinren": schemas.TaskCancelled, "check-yongbian": schemas.TaskCancelled}
	for step, st := range want {
		var task schemas.Task
		r.db.First(&task, "id = ?", r.caseID+"."+step)
		if task.Status != st {
			t.Errorf("%s left %s, want %s", step, task.Status, st)
		}
	}
	var ev []schemas.AuditEvent
	r.db.Where("case_id = ? AND action IN ?", r.caseID, []string{"part.cancelled", "case.cancelled"}).Order("case_seq").Find(&ev)
	if len(ev) != 3 || ev[2].Action != "case.cancelled" {
		t.Fatalf("cancellation events %+v", ev)
	}
	var c schemas.Case
	r.db.First(&c, "id = ?", r.caseID)
	if c.Status != schemas.CaseCancelled {
		t.Fatalf("case row %s", c.Status)
	}
	r.verifyAudit()
}
