package workflows_test

import (
	"strings"
	"testing"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// 巴图 (batu) leaves 呼和浩特市教育局; 娜仁 (na.ren) succeeds him; 包音 (bao.yin) witnesses the
// handover; 苏和 (su.he) audits, 乔兰 (qiao.lan) heads the audit office; 郑毅 (zheng.yi) is the
// unit's principal; 高峰 (gao.feng) sits at the discipline commission.
func departureInput(caseID string) schemas.DepartureAuditInput {
	return schemas.DepartureAuditInput{
		CaseID: caseID, Title: "巴图同志离任经济责任审计", OrgUnitID: "150100", CreatedBy: "bao.yin",
		Departure: schemas.Departure{
			CadreID: "batu", CadreName: "巴图", UnitID: "150100-jyj", UnitName: "呼和浩特市教育局",
			Post: "副局长", DepartureDate: "2026-10-30", SuccessorID: "na.ren", SuccessorName: "娜仁",
		},
		AuditOfficeID: "150100-sj", DisciplineOfficeID: "150100-jw",
	}
}

var handoverList = map[string]any{
	"assets": "办公设备32台，公务车2辆", "liabilities": "无", "contracts": "校舍维修合同1份",
	"projects": "第二中学教学楼（在建）", "funds": "专项资金余额120万元",
}

func allConfirmed() map[string]any {
	return map[string]any{"assets": "confirmed", "liabilities": "confirmed", "contracts": "confirmed", "projects": "confirmed", "funds": "confirmed"}
}

// handoverAndPlan runs the handover and the plan on Monday 2 and Tuesday 3 November 2026: the
// notice is served on 3 November, so fieldwork opens at the end of Friday 6 November.
func handoverAndPlan(r *run) {
	r.at("2026-11-02 10:00", func() { r.complete("handover-list", "batu", workflows.DecisionSubmit, handoverList) })
	r.at("2026-11-02 11:00", func() { r.complete("handover-confirm-1", "na.ren", workflows.DecisionConfirm, allConfirmed()) })
	r.at("2026-11-02 14:00", func() { r.complete("handover-witness", "bao.yin", workflows.DecisionSign, nil) })
	r.at("2026-11-03 10:00", func() {
		r.complete("audit-plan-1", "su.he", workflows.DecisionSubmit, map[string]any{"plan": "审计实施方案……", "scope": "2021年1月至2026年10月"})
	})
	r.at("2026-11-03 11:00", func() { r.complete("audit-approve-1", "qiao.lan", workflows.DecisionApprove, nil) })
}

func TestDepartureAuditNoFindings(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	handoverAndPlan(r)
	r.at("2026-11-05 10:00", func() {
		r.reject("fieldwork before the notice period", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".fieldwork", Actor: r.actor("su.he"), Decision: workflows.DecisionSubmitDraft, Form: map[string]any{"draft_report": "x"},
		}, schemas.ErrTypeNotFound)
	})
	r.at("2026-11-09 10:00", func() {
		r.complete("fieldwork", "su.he", workflows.DecisionSubmitDraft, map[string]any{"draft_report": "征求意见稿……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.reject("opinion by someone else", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".opinion-cadre", Actor: r.actor("na.ren"), Decision: schemas.OpinionNoObjection,
		}, schemas.ErrTypeForbidden)
		r.reject("opinion without text", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".opinion-cadre", Actor: r.actor("batu"), Decision: schemas.OpinionSubmitted,
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-10 11:00", func() {
		r.complete("opinion-cadre", "batu", schemas.OpinionSubmitted, map[string]any{"opinion": "对第三部分有补充说明……"})
	})
	r.at("2026-11-10 15:00", func() { r.complete("opinion-unit", "zheng.yi", schemas.OpinionNoObjection, nil) })
	r.at("2026-11-11 10:00", func() {
		r.complete("final-report", "su.he", schemas.AuditNoFindings, map[string]any{"report": "审计报告……"})
	})
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "审计未发现问题" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	da := s.DepartureAudit
	if len(da.Handover) != 1 || da.HandoverSignedBy != "bao.yin" || da.Transfer != nil || da.FiledAt == nil {
		t.Fatalf("state %+v", da)
	}
	// Served Tuesday 3 November: 4, 5, 6 -> fieldwork from the end of Friday 6 November.
	if got := da.FieldworkFrom.In(cst); !got.Equal(mustTime(t, "2026-11-06 23:59:59")) {
		t.Fatalf("fieldwork from %s", got)
	}
	if got := r.auditAt("task.opened", "fieldwork"); !got.Equal(mustTime(t, "2026-11-06 23:59:59")) {
		t.Fatalf("fieldwork opened at %s", got)
	}
	if o := da.Opinions; len(o) != 2 || o[0].Lapsed || o[0].Decision != schemas.OpinionSubmitted || o[1].By != "zheng.yi" {
		t.Fatalf("opinions %+v", o)
	}
	var open int64
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
	if open != 0 {
		t.Fatalf("%d tasks still open", open)
	}
	if !r.notified("batu", "assigned", "handover-list") || !r.notified("na.ren", "assigned", "handover-confirm-1") ||
		!r.notified("qiao.lan", "assigned", "audit-approve-1") {
		t.Error("holders were not told of their tasks")
	}
	var filed int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "departure_audit.filed").Count(&filed)
	if filed != 1 {
		t.Fatal("result not filed on the cadre")
	}
	r.verifyAudit()
}

// TestDepartureAuditOpinionWindowLapses: nobody answers the draft; at the end of the 10th day
// each window closes as "no objection", completed by the system, and a late answer is refused.
func TestDepartureAuditOpinionWindowLapses(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	handoverAndPlan(r)
	r.at("2026-11-09 10:00", func() {
		r.complete("fieldwork", "su.he", workflows.DecisionSubmitDraft, map[string]any{"draft_report": "征求意见稿……"})
	})
	r.at("2026-11-20 09:00", func() {
		r.reject("late opinion", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".opinion-cadre", Actor: r.actor("batu"), Decision: schemas.OpinionSubmitted, Form: map[string]any{"opinion": "迟到的意见"},
		}, schemas.ErrTypeConflict)
	})
	r.at("2026-11-20 10:00", func() {
		r.complete("final-report", "su.he", schemas.AuditNoFindings, map[string]any{"report": "审计报告……"})
	})
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	for _, o := range s.DepartureAudit.Opinions {
		if !o.Lapsed || o.Decision != schemas.OpinionNoObjection || o.By != "system" {
			t.Fatalf("opinion %+v", o)
		}
	}
	// Draft sent Monday 9 November: 10 days end on Thursday 19 November.
	for _, step := range []string{"opinion-cadre", "opinion-unit"} {
		var task schemas.Task
		r.db.First(&task, "id = ?", r.caseID+"."+step)
		if task.Status != schemas.TaskCompleted || task.Decision != schemas.OpinionNoObjection || task.CompletedBy == nil || *task.CompletedBy != "system" || task.Overdue {
			t.Fatalf("%s row %+v", step, task)
		}
		if got := r.auditAt("departure_audit.opinion_lapsed", step); !got.Equal(mustTime(t, "2026-11-19 23:59:59")) {
			t.Fatalf("%s lapsed at %s", step, got)
		}
		if got := r.auditAt("task.remind", step); !got.Equal(r.rungAt("2026-11-17", step)) {
			t.Fatalf("%s reminder at %s", step, got)
		}
	}
	r.verifyAudit()
}

// TestDepartureAuditDisputedHandover: the successor disputes the assets; the item goes back to
// the departing cadre with 5 working days, is restated and confirmed.
func TestDepartureAuditDisputedHandover(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	r.at("2026-11-02 10:00", func() { r.complete("handover-list", "batu", workflows.DecisionSubmit, handoverList) })
	r.at("2026-11-03 10:00", func() {
		disputed := allConfirmed()
		disputed["assets"] = "disputed"
		r.reject("confirm with a disputed item", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".handover-confirm-1", Actor: r.actor("na.ren"), Decision: workflows.DecisionConfirm, Form: disputed,
		}, schemas.ErrTypeInvalid)
		r.reject("dispute with nothing disputed", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".handover-confirm-1", Actor: r.actor("na.ren"), Decision: workflows.DecisionDispute, Form: allConfirmed(),
		}, schemas.ErrTypeInvalid)
		disputed["reason"] = "公务车实有1辆"
		r.complete("handover-confirm-1", "na.ren", workflows.DecisionDispute, disputed)
	})
	r.at("2026-11-04 10:00", func() {
		r.reject("revision without the disputed item", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".handover-revise-2", Actor: r.actor("batu"), Decision: workflows.DecisionSubmit, Form: map[string]any{"note": "已核对"},
		}, schemas.ErrTypeInvalid)
		r.complete("handover-revise-2", "batu", workflows.DecisionSubmit, map[string]any{"assets": "办公设备32台，公务车1辆（另1辆已报废）", "note": "已核对"})
	})
	r.at("2026-11-04 11:00", func() { r.complete("handover-confirm-2", "na.ren", workflows.DecisionConfirm, allConfirmed()) })
	r.at("2026-11-04 14:00", func() {
		r.complete("handover-witness", "bao.yin", workflows.DecisionSign, map[string]any{"note": "交接清楚"})
	})
	r.at("2026-11-05 10:00", func() {
		r.update("cancel", "cancel-case", schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "审计计划调整，另行安排"})
	})
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	h := s.DepartureAudit.Handover
	if len(h) != 2 || strings.Join(h[0].Disputed, ",") != "assets" || h[0].Reason != "公务车实有1辆" || len(h[1].Disputed) != 0 ||
		!strings.Contains(h[1].Items["assets"], "公务车1辆") || h[1].Items["funds"] != "专项资金余额120万元" {
		t.Fatalf("handover %+v", h)
	}
	if s.DepartureAudit.HandoverSignedBy != "bao.yin" {
		t.Fatal("witness did not sign")
	}
	// The revision had 5 working days: Wednesday 4 to Tuesday 10 November... counted from the
	// dispute on Tuesday 3 November: 4, 5, 6, 9, 10.
	var revise schemas.Task
	r.db.First(&revise, "id = ?", r.caseID+".handover-revise-2")
	if revise.AssigneeID == nil || *revise.AssigneeID != "batu" || !revise.DueAt.In(cst).Equal(mustTime(t, "2026-11-10 23:59:59")) {
		t.Fatalf("revision task %+v", revise)
	}
	var disputes int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "departure_audit.handover_disputed").Count(&disputes)
	if disputes != 1 {
		t.Fatalf("%d disputes recorded", disputes)
	}
	r.verifyAudit()
}

// TestDepartureAuditFindingsRectifiedAndTransferred: discipline clues go to the discipline
// commission at once; the unit's first rectification is returned, the second accepted.
func TestDepartureAuditFindingsRectifiedAndTransferred(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	handoverAndPlan(r)
	r.at("2026-11-09 10:00", func() {
		r.complete("fieldwork", "su.he", workflows.DecisionSubmitDraft, map[string]any{"draft_report": "征求意见稿……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.complete("opinion-cadre", "batu", schemas.OpinionNoObjection, nil)
		r.complete("opinion-unit", "zheng.yi", schemas.OpinionNoObjection, nil)
	})
	r.at("2026-11-11 09:00", func() {
		r.reject("clues without clues", "complete-task", schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".final-report", Actor: r.actor("su.he"), Decision: schemas.AuditDisciplineClues,
			Form: map[string]any{"report": "审计报告……", "findings": "专项资金管理不规范"},
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-11 10:00", func() {
		r.complete("final-report", "su.he", schemas.AuditDisciplineClues, map[string]any{
			"report": "审计报告……", "findings": "专项资金管理不规范", "clues": "疑似虚列支出30万元",
		})
	})
	r.at("2026-11-20 10:00", func() {
		r.complete("rectify-1", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "已建立专项资金台账"})
	})
	r.at("2026-11-23 10:00", func() {
		r.complete("rectify-check-1", "su.he", workflows.DecisionReturn, map[string]any{"opinion": "台账不完整"})
	})
	r.at("2026-11-30 10:00", func() {
		r.complete("rectify-2", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "台账已补全"})
	})
	r.at("2026-12-01 10:00", func() { r.complete("rectify-check-2", "su.he", workflows.DecisionAccept, nil) })
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	if s.Outcome != "审计发现违纪违法问题线索，已移送纪委，整改到位" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	da := s.DepartureAudit
	if da.Transfer == nil || da.Transfer.To != "150100-jw" || da.Transfer.Clues != "疑似虚列支出30万元" || da.RectifyRounds != 2 {
		t.Fatalf("state %+v", da)
	}
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "gao.feng", "问题线索移送%").Count(&n)
	if n != 1 {
		t.Fatal("the discipline commission was not told")
	}
	// The second round had 30 days from the return on 23 November.
	var second schemas.Task
	r.db.First(&second, "id = ?", r.caseID+".rectify-2")
	if !second.DueAt.In(cst).Equal(mustTime(t, "2026-12-23 23:59:59")) {
		t.Fatalf("second rectification due %s", second.DueAt.In(cst))
	}
	r.verifyAudit()
}

// TestDepartureAuditRectificationOverdue lets the unit's rectification run past its 60 days:
// the ladder reminds, marks it overdue, urges the unit principal and opens a 督办 task.
func TestDepartureAuditRectificationOverdue(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	handoverAndPlan(r)
	r.at("2026-11-09 10:00", func() {
		r.complete("fieldwork", "su.he", workflows.DecisionSubmitDraft, map[string]any{"draft_report": "征求意见稿……"})
	})
	r.at("2026-11-10 10:00", func() {
		r.complete("opinion-cadre", "batu", schemas.OpinionNoObjection, nil)
		r.complete("opinion-unit", "zheng.yi", schemas.OpinionNoObjection, nil)
	})
	r.at("2026-11-11 10:00", func() {
		r.complete("final-report", "su.he", schemas.AuditManagementIssues, map[string]any{"report": "审计报告……", "findings": "固定资产账实不符"})
	})
	r.at("2027-01-25 10:00", func() {
		r.complete("rectify-1", "zheng.yi", workflows.DecisionSubmit, map[string]any{"report": "已清查固定资产"})
	})
	r.at("2027-01-26 10:00", func() { r.complete("rectify-check-1", "su.he", workflows.DecisionAccept, nil) })
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	if s.Outcome != "审计发现管理问题，整改到位" || s.DepartureAudit.Transfer != nil {
		t.Fatalf("outcome %q", s.Outcome)
	}
	// 60 days from 11 November end on Sunday 10 January 2027.
	if got := r.auditAt("task.overdue", "rectify-1"); !got.Equal(r.rungAt("2027-01-10", "rectify-1")) {
		t.Fatalf("overdue at %s", got)
	}
	for _, action := range []string{"task.remind", "task.urge", "task.escalate"} {
		r.auditAt(action, "rectify-1")
	}
	var task schemas.Task
	r.db.First(&task, "id = ?", r.caseID+".rectify-1")
	if !task.Overdue || task.EscalationLevel != 2 || task.Status != schemas.TaskCompleted {
		t.Fatalf("rectification row %+v", task)
	}
	if !r.notified("zheng.yi", "reminder", "rectify-1") || !r.notified("bao.yin", "overdue", "rectify-1") || !r.notified("zheng.yi", "urge", "rectify-1") {
		t.Error("a rung did not reach its officials")
	}
	// The overdue notice went to the league's office (包音), so the 督办 opens one level above it.
	var duban schemas.Task
	if err := r.db.First(&duban, "id = ?", r.caseID+".rectify-1-duban").Error; err != nil || duban.OrgUnitID != "150000" || duban.Status != schemas.TaskCancelled {
		t.Fatalf("督办 task %+v %v", duban, err)
	}
	r.verifyAudit()
}

func TestDepartureAuditCancelled(t *testing.T) {
	r := newRun(t, "departure-audit-2026-0006", mustTime(t, "2026-11-02 09:00:00"))
	handoverAndPlan(r)
	r.at("2026-11-09 10:00", func() {
		r.reject("cancel by the auditor", "cancel-case", schemas.CancelCaseRequest{Actor: r.actor("su.he"), Reason: "不审了"}, schemas.ErrTypeForbidden)
		r.update("cancel", "cancel-case", schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "干部调动撤回"})
	})
	r.env.ExecuteWorkflow(workflows.DepartureAudit, departureInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseCancelled || !strings.Contains(s.Outcome, "干部调动撤回") {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	var fieldwork schemas.Task
	r.db.First(&fieldwork, "id = ?", r.caseID+".fieldwork")
	if fieldwork.Status != schemas.TaskCancelled {
		t.Fatalf("fieldwork left %s", fieldwork.Status)
	}
	var c schemas.Case
	r.db.First(&c, "id = ?", r.caseID)
	if c.Status != schemas.CaseCancelled {
		t.Fatalf("case row %s", c.Status)
	}
	r.verifyAudit()
}
