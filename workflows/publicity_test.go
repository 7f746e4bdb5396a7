package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The 呼和浩特 organization department runs these cases: 吴刚 (cadre section), 陈静 (leader),
// 马林 (investigator), 何平 (12380 intake), 包音 (supervisor).
func publicityInput(caseID string, names ...string) schemas.PublicityInput {
	in := schemas.PublicityInput{
		CaseID: caseID, Title: "关于拟任职干部的任前公示", OrgUnitID: "150100", CreatedBy: "wu.gang",
		PeriodWorkingDays: 5,
	}
	for i, n := range names {
		in.Candidates = append(in.Candidates, schemas.Candidate{
			ID: "c" + string(rune('1'+i)), Name: n, Gender: "男", BirthDate: "1980-05",
			Education: "研究生", CurrentPost: "市教育局副局长", ProposedPost: "市教育局局长",
		})
	}
	return in
}

var draftForm = map[string]any{"notice_text": "经市委研究，拟任命……", "report_channels": "电话12380，信函……"}

// draftAndApprove completes the notice on the first day.
func draftAndApprove(r *run, day string) {
	r.at(day+" 10:00", func() { r.complete("draft-1", "wu.gang", workflows.DecisionSubmit, draftForm) })
	r.at(day+" 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
}

func TestPublicityNoObjections(t *testing.T) {
	r := newRun(t, "publicity-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	draftAndApprove(r, "2026-11-02")
	// Published Monday 2 Nov: 5 working days run to the end of Monday 9 Nov.
	r.at("2026-11-09 15:00", func() {
		r.reject("decide before the period ends", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".decide-c1", Actor: r.actor("chen.jing"), Decision: schemas.PubProceed,
		}, schemas.ErrTypeNotFound)
	})
	r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "张三：不影响任职" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if got, want := s.Publicity.PeriodEnd.In(cst), mustTime(t, "2026-11-09 23:59:59"); !got.Equal(want) {
		t.Fatalf("period end %s, want %s", got, want)
	}
	if got := r.auditAt("task.opened", "decide-c1"); got.Before(mustTime(t, "2026-11-09 23:59:59")) {
		t.Fatalf("decision opened at %s, before the period ended", got)
	}
	var c schemas.Case
	r.db.First(&c, "id = ?", r.caseID)
	if c.Status != schemas.CaseClosed || c.Outcome != s.Outcome || c.ClosedAt == nil {
		t.Fatalf("case row %+v", c)
	}
	var open int64
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
	if open != 0 {
		t.Fatalf("%d tasks still open", open)
	}
	if !r.notified("wu.gang", "assigned", "draft-1") || !r.notified("chen.jing", "assigned", "approve-1") {
		t.Error("holders were not told of their tasks")
	}
	r.verifyAudit()
}

func TestPublicityObjectionFoundTrue(t *testing.T) {
	r := newRun(t, "publicity-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	draftAndApprove(r, "2026-11-02")
	r.at("2026-11-03 10:00", func() {
		r.update("objection", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c2", Signed: true, Channel: "phone", Summary: "反映其在招生工作中违规操作",
		})
	})
	r.at("2026-11-05 16:00", func() {
		r.complete("verify-o1", "ma.lin", schemas.FindingSubstantiated, map[string]any{"report": "经核查，反映问题属实。"})
	})
	r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.at("2026-11-10 09:40", func() {
		r.reject("refuse without reason", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".decide-c2", Actor: r.actor("chen.jing"), Decision: schemas.PubRefuse,
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-10 09:50", func() {
		r.complete("decide-c2", "chen.jing", schemas.PubRefuse, map[string]any{"reason": "反映问题属实", "refer_to_discipline": true})
	})
	// The city's discipline liaison confirms receipt of the referral; the case closes after.
	r.at("2026-11-11 10:00", func() {
		r.reject("receipt without a number", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".referral-c2", Actor: r.actor("gao.feng"), Decision: workflows.DecisionReceived,
		}, schemas.ErrTypeInvalid)
		r.complete("referral-c2", "gao.feng", workflows.DecisionReceived, map[string]any{"receipt_no": "呼纪受〔2026〕88号"})
	})
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三", "李四"))

	s := r.state()
	if s.Outcome != "张三：不影响任职；李四：不予任职" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if o := s.Publicity.Objections; len(o) != 1 || !o[0].Verified || o[0].Finding != schemas.FindingSubstantiated {
		t.Fatalf("objections %+v", o)
	}
	var referred int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "publicity.referred_to_discipline").Count(&referred)
	if referred != 1 {
		t.Fatal("referral to the discipline commission not recorded")
	}
	var receipt schemas.Task
	r.db.First(&receipt, "id = ?", r.caseID+".referral-c2")
	if receipt.OrgUnitID != "150100-jw" || receipt.AssigneeRole != schemas.RoleDiscipline || len(s.Referrals) != 1 ||
		s.Referrals[0].ReceiptNo != "呼纪受〔2026〕88号" || s.Referrals[0].Office != "150100-jw" {
		t.Fatalf("referral receipt: task %+v, state %+v", receipt, s.Referrals)
	}
	if !r.notified("gao.feng", "assigned", "referral-c2") {
		t.Fatal("the discipline liaison was not told of the referral")
	}
	// The signed reporter gets an answer through the intake office.
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "he.ping", "%署名反映人%").Count(&n)
	if n != 1 {
		t.Fatalf("intake clerk told %d times to answer the signed reporter", n)
	}
	r.verifyAudit()
}

func TestPublicityObjectionUnfoundedAndFiled(t *testing.T) {
	r := newRun(t, "publicity-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	// The leader returns the first draft once.
	r.at("2026-11-02 10:00", func() { r.complete("draft-1", "wu.gang", workflows.DecisionSubmit, draftForm) })
	r.at("2026-11-02 10:30", func() {
		r.reject("return without opinion", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".approve-1", Actor: r.actor("chen.jing"), Decision: workflows.DecisionReturn,
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-02 11:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "请补充人选简历"})
	})
	r.at("2026-11-02 14:00", func() {
		// The redraft shows why it came back and what the returned draft said.
		var redraft schemas.Task
		r.db.First(&redraft, "id = ?", r.caseID+".draft-2")
		notes := strings.Join(redraft.Spec.Notes, "\n")
		if !strings.Contains(notes, "请补充人选简历") || !strings.Contains(notes, "经市委研究，拟任命") {
			t.Errorf("redraft notes %q: want the return opinion and the previous draft", notes)
		}
		r.complete("draft-2", "wu.gang", workflows.DecisionSubmit, draftForm)
	})
	r.at("2026-11-02 15:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	// An anonymous vague report is filed; a signed one is verified and found unfounded.
	r.at("2026-11-04 10:00", func() {
		r.update("anonymous", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c1", Channel: "web", Summary: "听说此人作风不好",
		})
	})
	r.at("2026-11-05 10:00", func() {
		r.update("signed", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c1", Signed: true, Channel: "letter", Summary: "反映其违规兼职",
		})
	})
	// Verification takes past the period's end (9 Nov); the decision waits for it.
	r.at("2026-11-12 10:00", func() {
		r.complete("verify-o2", "ma.lin", schemas.FindingUnfounded, map[string]any{"report": "经核查，反映问题不属实。"})
	})
	r.at("2026-11-13 10:00", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "王五"))

	s := r.state()
	if s.Outcome != "王五：不影响任职" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	o := s.Publicity.Objections
	if len(o) != 2 || o[0].Verified || o[0].TaskID != "" || !o[1].Verified || o[1].Finding != schemas.FindingUnfounded {
		t.Fatalf("objections %+v", o)
	}
	if got := r.auditAt("task.opened", "decide-c1"); got.Before(mustTime(t, "2026-11-12 10:00:00")) {
		t.Fatalf("decision opened at %s, before the verification ended", got)
	}
	r.verifyAudit()
}

// TestPublicityVerificationOverdueAcrossNationalDay publishes a notice the day before the
// 2026 Mid-Autumn and National Day holidays and lets the verification run late: every rung of
// the ladder must fire at its working-day time.
func TestPublicityVerificationOverdueAcrossNationalDay(t *testing.T) {
	r := newRun(t, "publicity-2026-0004", mustTime(t, "2026-09-22 09:00:00"))
	draftAndApprove(r, "2026-09-22")
	r.at("2026-09-23 10:00", func() {
		r.update("objection", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c1", Signed: true, Channel: "phone", Summary: "反映其违规收受礼金",
		})
	})
	r.at("2026-10-22 10:00", func() {
		r.complete("verify-o1", "ma.lin", schemas.FindingPartly, map[string]any{"report": "部分属实"})
	})
	r.at("2026-10-23 10:00", func() {
		r.complete("decide-c1", "chen.jing", schemas.PubProceedWithReminder, map[string]any{"reason": "部分属实，提醒谈话后任职"})
	})
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "赵六"))

	s := r.state()
	if s.Outcome != "赵六：提醒后任职" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	// Published 22 Sep: 23, 24, (25–27 中秋), 28, 29, 30 -> the period ends 30 Sep.
	if got := s.Publicity.PeriodEnd.In(cst); !got.Equal(mustTime(t, "2026-09-30 23:59:59")) {
		t.Fatalf("period end %s", got)
	}
	// Verification from 23 Sep, 10 working days: 24, 28, 29, 30, (1–7 Oct 国庆), 8, 9,
	// 10 (Saturday, a make-up working day), 12, 13, 14 -> due 14 Oct.
	want := map[string]string{
		"task.remind":   "2026-10-12", // 2 working days before
		"task.overdue":  "2026-10-14",
		"task.urge":     "2026-10-19", // 15, 16, 19
		"task.escalate": "2026-10-21", // 15, 16, 19, 20, 21
	}
	for action, day := range want {
		if got, at := r.auditAt(action, "verify-o1"), r.rungAt(day, "verify-o1"); !got.Equal(at) {
			t.Errorf("%s fired at %s, want %s", action, got.Format(time.DateTime), at)
		}
	}
	var verify schemas.Task
	r.db.First(&verify, "id = ?", r.caseID+".verify-o1")
	if !verify.Overdue || verify.EscalationLevel != 2 || verify.Status != schemas.TaskCompleted {
		t.Fatalf("verification task row %+v", verify)
	}
	if !r.notified("ma.lin", "reminder", "verify-o1") || !r.notified("bao.yin", "overdue", "verify-o1") ||
		!r.notified("chen.jing", "urge", "verify-o1") || !r.notified("wang.jian", "escalation", "verify-o1") {
		t.Error("a rung did not reach its officials")
	}
	// The escalation opened a 督办 task at the region's supervision office, withdrawn when the
	// verification was done.
	var duban schemas.Task
	if err := r.db.First(&duban, "id = ?", r.caseID+".verify-o1-duban").Error; err != nil {
		t.Fatalf("no 督办 task: %v", err)
	}
	if duban.OrgUnitID != "150000" || duban.AssigneeRole != schemas.RoleSupervisor || duban.Status != schemas.TaskCancelled {
		t.Fatalf("督办 task %+v", duban)
	}
	if !r.notified("wang.jian", "assigned", "verify-o1-duban") {
		t.Error("the superior supervisor was not given the 督办 task")
	}
	r.verifyAudit()
}

func TestPublicityCancelled(t *testing.T) {
	r := newRun(t, "publicity-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	draftAndApprove(r, "2026-11-02")
	r.at("2026-11-03 10:00", func() {
		r.update("objection", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c1", Signed: true, Channel: "phone", Summary: "反映问题",
		})
	})
	r.at("2026-11-04 10:00", func() {
		r.reject("cancel by an investigator", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("ma.lin"), Reason: "不想查了"}, schemas.ErrTypeForbidden)
		r.reject("cancel without reason", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing")}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-04 11:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "人选另有安排"})
	})
	r.at("2026-11-04 12:00", func() {
		r.reject("cancel twice", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "再撤一次"}, schemas.ErrTypeConflict)
	})
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))

	s := r.state()
	if s.Status != schemas.CaseCancelled || !strings.Contains(s.Outcome, "人选另有安排") {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	var verify schemas.Task
	r.db.First(&verify, "id = ?", r.caseID+".verify-o1")
	if verify.Status != schemas.TaskCancelled {
		t.Fatalf("open verification left %s", verify.Status)
	}
	var c schemas.Case
	r.db.First(&c, "id = ?", r.caseID)
	if c.Status != schemas.CaseCancelled {
		t.Fatalf("case row %s", c.Status)
	}
	r.verifyAudit()
}

func TestPublicityStaleOrUnauthorizedCompletion(t *testing.T) {
	r := newRun(t, "publicity-2026-0006", mustTime(t, "2026-11-02 09:00:00"))
	req := func(step, who, decision string, form map[string]any) schemas.CompleteTaskRequest {
		return schemas.CompleteTaskRequest{TaskID: r.caseID + "." + step, Actor: r.actor(who), Decision: decision, Form: form}
	}
	r.at("2026-11-02 09:30", func() {
		r.reject("leader drafts", schemas.UpdateCompleteTask, req("draft-1", "chen.jing", "submit", draftForm), schemas.ErrTypeForbidden)
		r.reject("other city's cadre section", schemas.UpdateCompleteTask, req("draft-1", "li.hua", "submit", draftForm), schemas.ErrTypeForbidden)
		r.reject("unknown decision", schemas.UpdateCompleteTask, req("draft-1", "wu.gang", "publish", draftForm), schemas.ErrTypeInvalid)
		r.reject("missing field", schemas.UpdateCompleteTask, req("draft-1", "wu.gang", "submit", map[string]any{"notice_text": "x"}), schemas.ErrTypeInvalid)
		r.reject("unknown field", schemas.UpdateCompleteTask, req("draft-1", "wu.gang", "submit", map[string]any{"notice_text": "x", "report_channels": "y", "extra": 1}), schemas.ErrTypeInvalid)
		r.reject("wrong type", schemas.UpdateCompleteTask, req("draft-1", "wu.gang", "submit", map[string]any{"notice_text": 42, "report_channels": "y"}), schemas.ErrTypeInvalid)
		r.reject("unknown task", schemas.UpdateCompleteTask, req("nothing", "wu.gang", "submit", draftForm), schemas.ErrTypeNotFound)
		r.reject("objection before publication", schemas.UpdateFileObjection, schemas.ObjectionRequest{Actor: r.actor("he.ping"), CandidateID: "c1", Channel: "phone", Summary: "x"}, schemas.ErrTypeConflict)
	})
	r.at("2026-11-02 10:00", func() { r.complete("draft-1", "wu.gang", workflows.DecisionSubmit, draftForm) })
	r.at("2026-11-02 10:05", func() {
		r.reject("stale completion", schemas.UpdateCompleteTask, req("draft-1", "wu.gang", "submit", draftForm), schemas.ErrTypeConflict)
	})
	r.at("2026-11-02 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-03 10:00", func() {
		r.reject("objection by an investigator", schemas.UpdateFileObjection, schemas.ObjectionRequest{Actor: r.actor("ma.lin"), CandidateID: "c1", Channel: "phone", Summary: "x"}, schemas.ErrTypeForbidden)
		r.reject("objection on unknown candidate", schemas.UpdateFileObjection, schemas.ObjectionRequest{Actor: r.actor("he.ping"), CandidateID: "c9", Channel: "fax", Summary: ""}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))
	if s := r.state(); s.Status != schemas.CaseClosed {
		t.Fatalf("status %s", s.Status)
	}
	// Rejected updates left no trace: one completion event per task.
	var completions int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "task.completed").Count(&completions)
	if completions != 3 {
		t.Fatalf("%d completions recorded, want 3", completions)
	}
	r.verifyAudit()
}
