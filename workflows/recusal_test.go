package workflows_test

import (
	"strings"
	"testing"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// TestRecusalKernel: 马林 (an investigator of the office) is a candidate under publicity. He may
// not claim, complete, be handed, or cancel anything of the case; a reassignment keeps the
// step's role and org scope whoever holds it; a subject added later (张丽, who holds the
// verification) loses her hold on it and is recused too.
func TestRecusalKernel(t *testing.T) {
	r := newRun(t, "publicity-2026-0101", mustTime(t, "2026-11-02 09:00:00"))
	// Another investigator, in a county office under the city, for when both others are recused.
	if err := r.db.Create(&schemas.Official{ID: "qi.li", Name: "齐力", OrgUnitID: "150102", Roles: schemas.Roles{schemas.RoleInvestigator}}).Error; err != nil {
		t.Fatal(err)
	}
	in := publicityInput(r.caseID, "张三", "马林")
	in.Candidates[1].OfficialID = "ma.lin"
	draftAndApprove(r, "2026-11-02")
	verify := r.caseID + ".verify-o1"
	r.at("2026-11-03 10:00", func() {
		r.update("objection", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c2", Signed: true, Channel: "phone", Summary: "反映其违规兼职",
		})
	})
	reassign := func(by, to, reason string) schemas.ReassignTaskRequest {
		return schemas.ReassignTaskRequest{TaskID: verify, Actor: r.actor(by), To: r.actor(to), Reason: reason}
	}
	r.at("2026-11-03 11:00", func() {
		act := schemas.TaskActionRequest{TaskID: verify, Actor: r.actor("ma.lin")}
		r.reject("subject claims", schemas.UpdateClaimTask, act, schemas.ErrTypeRecused)
		r.reject("subject completes", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: verify, Actor: r.actor("ma.lin"), Decision: schemas.FindingUnfounded, Form: map[string]any{"report": "不属实"},
		}, schemas.ErrTypeRecused)
		r.reject("subject cancels", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("ma.lin"), Reason: "撤销"}, schemas.ErrTypeRecused)
		r.reject("handed to the subject", schemas.UpdateReassignTask, reassign("bao.yin", "ma.lin", "回避"), schemas.ErrTypeRecused)
		r.update("handed to the county investigator", schemas.UpdateReassignTask, reassign("bao.yin", "zhang.li", "工作需要"))
	})
	r.at("2026-11-03 12:00", func() {
		// The task now has a named holder: the step's role and org scope still hold.
		r.reject("then to the supervisor himself", schemas.UpdateReassignTask, reassign("bao.yin", "bao.yin", "我来办"), schemas.ErrTypeInvalid)
		r.reject("then to a leader", schemas.UpdateReassignTask, reassign("bao.yin", "chen.jing", "我来办"), schemas.ErrTypeInvalid)
		r.reject("then outside the org scope", schemas.UpdateReassignTask, reassign("wang.jian", "zhou.qiang", "上级办理"), schemas.ErrTypeInvalid)
		r.reject("without a reason", schemas.UpdateReassignTask, reassign("bao.yin", "qi.li", " "), schemas.ErrTypeInvalid)
		r.reject("with a reason too long", schemas.UpdateReassignTask, reassign("bao.yin", "qi.li", strings.Repeat("理", schemas.MaxReasonRunes+1)), schemas.ErrTypeInvalid)
		r.update("add the holder as a subject", schemas.UpdateAddSubject, schemas.AddSubjectRequest{
			Actor: r.actor("bao.yin"), OfficialID: "zhang.li", Reason: "举报同时反映张丽参与违规操作",
		})
	})
	r.at("2026-11-03 13:00", func() {
		r.reject("new subject completes", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: verify, Actor: r.actor("zhang.li"), Decision: schemas.FindingUnfounded, Form: map[string]any{"report": "不属实"},
		}, schemas.ErrTypeRecused)
		r.reject("new subject claims", schemas.UpdateClaimTask, schemas.TaskActionRequest{TaskID: verify, Actor: r.actor("zhang.li")}, schemas.ErrTypeRecused)
		r.reject("subject adds a subject", schemas.UpdateAddSubject, schemas.AddSubjectRequest{
			Actor: r.actor("zhang.li"), OfficialID: "he.ping", Reason: "x",
		}, schemas.ErrTypeRecused)
		r.update("handed to the other county's investigator", schemas.UpdateReassignTask, reassign("bao.yin", "qi.li", "回避"))
	})
	r.at("2026-11-04 10:00", func() {
		r.complete("verify-o1", "qi.li", schemas.FindingUnfounded, map[string]any{"report": "经核查，反映问题不属实。"})
	})
	r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.at("2026-11-10 09:40", func() { r.complete("decide-c2", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, in)

	s := r.state()
	if s.Status != schemas.CaseClosed || strings.Join(s.Subjects, ",") != "ma.lin,zhang.li" {
		t.Fatalf("status %s, subjects %v", s.Status, s.Subjects)
	}
	var subjects []schemas.CaseSubject
	r.db.Where("case_id = ?", r.caseID).Order("official_id").Find(&subjects)
	if len(subjects) != 2 || subjects[0].OfficialID != "ma.lin" || subjects[1].OfficialID != "zhang.li" || subjects[1].AddedBy != "bao.yin" {
		t.Fatalf("case_subjects %+v", subjects)
	}
	var task schemas.Task
	r.db.First(&task, "id = ?", verify)
	if task.CompletedBy == nil || *task.CompletedBy != "qi.li" {
		t.Fatalf("verification completed by %v", task.CompletedBy)
	}
	for _, action := range []string{"case.subject_added", "task.recused"} {
		var n int64
		r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, action).Count(&n)
		if n != 1 {
			t.Errorf("%d %s events, want 1", n, action)
		}
	}
	// The investigator who is a candidate was never told of the verification.
	if r.notified("ma.lin", "assigned", "verify-o1") {
		t.Error("the subject was told of a task of his own case")
	}
	r.verifyAudit()
}

// TestSubjectStepExtended: the cadre's answer to an inquiry is theirs alone: it cannot be
// reassigned, but a supervisor may extend its deadline with a reason; the ladder then waits for
// the new deadline.
func TestSubjectStepExtended(t *testing.T) {
	r := newRun(t, "inquiry-2026-0101", mustTime(t, "2026-11-02 09:00:00"))
	sendLetter(r, "2026-11-02")
	answer := r.caseID + ".answer-1"
	extend := func(by string, days int, reason string) schemas.ExtendTaskRequest {
		return schemas.ExtendTaskRequest{TaskID: answer, Actor: r.actor(by), WorkingDays: days, Reason: reason}
	}
	r.at("2026-11-02 10:30", func() {
		r.reject("extend a step not addressed to the subject", schemas.UpdateExtendTask, schemas.ExtendTaskRequest{
			TaskID: r.caseID + ".approve-1", Actor: r.actor("bao.yin"), WorkingDays: 5, Reason: "x",
		}, schemas.ErrTypeConflict)
	})
	r.at("2026-11-03 10:00", func() {
		r.reject("reassign the cadre's answer", schemas.UpdateReassignTask, schemas.ReassignTaskRequest{
			TaskID: answer, Actor: r.actor("bao.yin"), To: r.actor("na.ren"), Reason: "代为答复",
		}, schemas.ErrTypeForbidden)
		r.reject("the cadre extends", schemas.UpdateExtendTask, extend("batu", 5, "来不及"), schemas.ErrTypeForbidden)
		r.reject("a county supervisor extends", schemas.UpdateExtendTask, extend("hu.jun", 5, "延期"), schemas.ErrTypeForbidden)
		r.reject("extend without a reason", schemas.UpdateExtendTask, extend("bao.yin", 5, ""), schemas.ErrTypeInvalid)
		r.reject("extend too far", schemas.UpdateExtendTask, extend("bao.yin", schemas.MaxExtendWorkingDays+1, "延期"), schemas.ErrTypeInvalid)
		r.update("extend", schemas.UpdateExtendTask, extend("bao.yin", 5, "本人出差，申请延期"))
	})
	var firstDue, dueAfter schemas.Task
	r.at("2026-11-03 11:00", func() { r.db.First(&dueAfter, "id = ?", answer) })
	// Past the first deadline (23 Nov), before the new one (30 Nov): not overdue.
	r.at("2026-11-26 10:00", func() {
		r.db.First(&firstDue, "id = ?", answer)
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
	})
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseCancelled {
		t.Fatalf("status %s", s.Status)
	}
	opened := r.auditAt("task.opened", "answer-1")
	if dueAfter.DueAt == nil || dueAfter.DueAt.In(cst).Format("2006-01-02") != "2026-11-30" {
		t.Fatalf("extended deadline %v (answer opened %s)", dueAfter.DueAt, opened)
	}
	if firstDue.Overdue {
		t.Fatal("the answer was marked overdue at its first deadline after the extension")
	}
	var n int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND task_id = ? AND action = ?", r.caseID, answer, "task.overdue").Count(&n)
	if n != 0 {
		t.Fatalf("%d overdue events before the new deadline", n)
	}
	r.auditAt("task.extended", "answer-1")
	if !r.notified("batu", "info", "answer-1") {
		t.Error("the cadre was not told of the new deadline")
	}
	r.verifyAudit()
}
