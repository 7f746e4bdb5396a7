package workflows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The 呼和浩特 organization department asks 巴图 (batu) of the city's education bureau, whose
// principal is 郑毅 (zheng.yi): 包音 (bao.yin) supervises, 陈静 (chen.jing) leads, 马林 (ma.lin)
// verifies.
func inquiryInput(caseID string) schemas.InquiryInput {
	return schemas.InquiryInput{
		CaseID: caseID, Title: "关于巴图同志有关问题的函询", OrgUnitID: "150100", CreatedBy: "bao.yin",
		CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj", Grounds: "群众反映其违规兼职取酬",
	}
}

var letterForm = map[string]any{"questions": "请就在外兼职取酬问题作出说明。", "basis": "12380来信"}

// sendLetter drafts and approves the first letter on the day.
func sendLetter(r *run, day string) {
	r.at(day+" 10:00", func() { r.complete("draft-1", "bao.yin", workflows.DecisionSubmit, letterForm) })
	r.at(day+" 11:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
}

func answerAndSign(r *run, n int, answerAt, signAt string) {
	r.at(answerAt, func() {
		r.complete(fmt.Sprintf("answer-%d", n), "batu", "submit", map[string]any{"answer": "本人未在外兼职取酬，情况说明如下……"})
	})
	r.at(signAt, func() {
		r.complete(fmt.Sprintf("sign-%d", n), "zheng.yi", "sign", map[string]any{"opinion": "情况属实，同意报送。"})
	})
}

func assessForm(finding string, extra ...string) map[string]any {
	f := map[string]any{"answer_finding": finding, "opinion": "经研判，……"}
	for i := 0; i+1 < len(extra); i += 2 {
		f[extra[i]] = extra[i+1]
	}
	return f
}

func TestInquiryClarified(t *testing.T) {
	r := newRun(t, "inquiry-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	sendLetter(r, "2026-11-02")
	req := func(step, who, decision string, form map[string]any) schemas.CompleteTaskRequest {
		return schemas.CompleteTaskRequest{TaskID: r.caseID + "." + step, Actor: r.actor(who), Decision: decision, Form: form}
	}
	r.at("2026-11-05 10:00", func() {
		// The answer is the cadre's alone: not the principal's, nor another cadre's.
		r.reject("principal answers", "complete-task", req("answer-1", "zheng.yi", "submit", map[string]any{"answer": "x"}), schemas.ErrTypeForbidden)
		r.reject("other cadre answers", "complete-task", req("answer-1", "wuyun", "submit", map[string]any{"answer": "x"}), schemas.ErrTypeForbidden)
		r.reject("empty answer", "complete-task", req("answer-1", "batu", "submit", map[string]any{"answer": " "}), schemas.ErrTypeInvalid)
	})
	answerAndSign(r, 1, "2026-11-10 10:00", "2026-11-11 10:00")
	r.at("2026-11-10 11:00", func() {
		r.reject("cadre signs own answer", "complete-task", req("sign-1", "batu", "sign", map[string]any{"opinion": "x"}), schemas.ErrTypeRecused) // 回避: the sign-off is not the cadre's own step
	})
	r.at("2026-11-12 09:00", func() {
		r.reject("clarify an untrue answer", "complete-task",
			req("assess-1", "bao.yin", schemas.InqClarified, assessForm(schemas.AnswerUntrue, "clarification_letter", "x")), schemas.ErrTypeInvalid)
		r.reject("clarify a vague answer", "complete-task",
			req("assess-1", "bao.yin", schemas.InqClarified, assessForm(schemas.AnswerVague, "clarification_letter", "x")), schemas.ErrTypeInvalid)
		r.reject("clarify without a letter", "complete-task",
			req("assess-1", "bao.yin", schemas.InqClarified, assessForm(schemas.AnswerTruthful)), schemas.ErrTypeInvalid)
		r.reject("remind an untrue answer", "complete-task",
			req("assess-1", "bao.yin", schemas.InqReminderTalk, assessForm(schemas.AnswerUntrue)), schemas.ErrTypeInvalid)
		r.reject("unknown finding", "complete-task",
			req("assess-1", "bao.yin", schemas.InqRefer, assessForm("maybe")), schemas.ErrTypeInvalid)
	})
	r.at("2026-11-12 10:00", func() {
		r.complete("assess-1", "bao.yin", schemas.InqClarified, assessForm(schemas.AnswerTruthful, "clarification_letter", "经核，反映巴图同志违规兼职取酬问题不属实，予以澄清。"))
	})
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "了结澄清" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	in := s.Inquiry
	if len(in.Letters) != 1 || in.Letters[0].Late || in.Letters[0].SignedAt == nil || in.Untrue || in.ClarificationLetter == "" {
		t.Fatalf("inquiry state %+v", in)
	}
	// Sent Monday 2 Nov: 15 working days from the 3rd run to Monday 23 Nov.
	if got := in.Letters[0].AnswerDueAt.In(cst); !got.Equal(mustTime(t, "2026-11-23 23:59:59")) {
		t.Fatalf("answer due %s", got)
	}
	if !r.notified("batu", "assigned", "answer-1") || !r.notified("zheng.yi", "assigned", "sign-1") {
		t.Error("the cadre or the principal was not given their task")
	}
	var forwarded, letters int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "zheng.yi", "请转交函询函%").Count(&forwarded)
	if forwarded != 1 {
		t.Fatalf("the principal was asked %d times to forward the letter", forwarded)
	}
	r.db.Model(&schemas.Notification{}).Where("official_id IN ? AND title LIKE ?", []string{"batu", "zheng.yi"}, "澄清函%").Count(&letters)
	if letters != 2 {
		t.Fatalf("clarification letter sent %d times, want to the cadre and the principal", letters)
	}
	var completions int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "task.completed").Count(&completions)
	if completions != 5 {
		t.Fatalf("%d completions recorded, want 5 (rejections leave no trace)", completions)
	}
	r.verifyAudit()
}

// TestInquiryLateAnswer lets the answer run late: reminders at 5 and 2 working days left, 催办
// to the unit principal at the deadline, the leader 5 working days after, who orders a talk;
// the answer, found untrue, is referred to the discipline commission.
func TestInquiryLateAnswer(t *testing.T) {
	r := newRun(t, "inquiry-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	sendLetter(r, "2026-11-02")
	r.at("2026-12-01 10:00", func() {
		r.complete("answer-1-late", "chen.jing", workflows.DecisionOrderTalk, map[string]any{"instructions": "请监督科约谈巴图同志，责令其立即答复。"})
	})
	r.at("2026-12-01 15:00", func() {
		r.complete("answer-1-talk", "bao.yin", workflows.DecisionHeld, map[string]any{"record": "已约谈，本人表示三日内答复。"})
	})
	// While the cadre has not answered, the state already carries the answer's due date.
	r.at("2026-11-20 10:00", func() {
		v, err := r.env.QueryWorkflow(schemas.QueryCaseState)
		var st schemas.CaseState
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil || len(st.Inquiry.Letters) != 1 || !st.Inquiry.Letters[0].AnswerDueAt.Equal(mustTime(t, "2026-11-23 23:59:59")) {
			t.Errorf("state before the answer: %+v %v", st.Inquiry, err)
		}
	})
	answerAndSign(r, 1, "2026-12-02 10:00", "2026-12-03 10:00")
	r.at("2026-12-04 10:00", func() {
		r.complete("assess-1", "bao.yin", schemas.InqRefer, assessForm(schemas.AnswerUntrue))
	})
	r.at("2026-12-07 10:00", func() {
		r.complete("referral-inquiry", "gao.feng", workflows.DecisionReceived, map[string]any{"receipt_no": "呼纪受〔2026〕90号"})
	})
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Outcome != "移送纪委；答复不如实" || !s.Inquiry.Untrue || s.Inquiry.AnswerFinding != schemas.AnswerUntrue {
		t.Fatalf("outcome %q, state %+v", s.Outcome, s.Inquiry)
	}
	if len(s.Referrals) != 1 || s.Referrals[0].Office != "150100-jw" {
		t.Fatalf("referral receipt %+v", s.Referrals)
	}
	// The 催办 reads differently for the cadre who must answer and for the unit principal
	// who must see that they do.
	urge := func(official string) string {
		var n schemas.Notification
		r.db.Where("official_id = ? AND kind = ? AND task_id = ?", official, "urge", r.caseID+".answer-1").First(&n)
		return n.Body
	}
	if b := urge("batu"); !strings.Contains(b, "您承办的") || strings.Contains(b, "督促") {
		t.Fatalf("the cadre's 催办 reads %q", b)
	}
	if b := urge("zheng.yi"); !strings.Contains(b, "请督促承办人") {
		t.Fatalf("the unit principal's 催办 reads %q", b)
	}
	if l := s.Inquiry.Letters[0]; !l.Late || !l.TalkOrdered {
		t.Fatalf("letter %+v", l)
	}
	// Due 23 Nov; reminders 16 Nov (5 left) and 19 Nov (2 left); 催办 at the deadline;
	// the leader on 30 Nov (24, 25, 26, 27, 30).
	var reminders []schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, "task.remind", r.caseID+".answer-1").Order("id").Find(&reminders)
	if len(reminders) != 2 || !reminders[0].At.In(cst).Equal(r.rungAt("2026-11-16", "answer-1")) || !reminders[1].At.In(cst).Equal(r.rungAt("2026-11-19", "answer-1")) {
		t.Fatalf("reminders %+v", reminders)
	}
	want := map[string]string{
		"task.overdue":     "2026-11-23",
		"task.urge":        "2026-11-23",
		"task.escalate_to": "2026-11-30",
	}
	for action, day := range want {
		if got, at := r.auditAt(action, "answer-1"), r.rungAt(day, "answer-1"); !got.Equal(at) {
			t.Errorf("%s fired at %s, want %s", action, got.Format(time.DateTime), at)
		}
	}
	if got := r.auditAt("task.opened", "answer-1-late"); !got.Equal(r.rungAt("2026-11-30", "answer-1")) {
		t.Errorf("leader's question opened at %s", got)
	}
	if !r.notified("batu", "reminder", "answer-1") || !r.notified("bao.yin", "overdue", "answer-1") ||
		!r.notified("zheng.yi", "urge", "answer-1") || !r.notified("chen.jing", "escalation", "answer-1") {
		t.Error("a rung did not reach its officials")
	}
	// The leader is told, not the region's office: no 督办 task.
	var duban int64
	r.db.Model(&schemas.Task{}).Where("id = ?", r.caseID+".answer-1-duban").Count(&duban)
	if duban != 0 {
		t.Error("a 督办 task was opened")
	}
	var answer schemas.Task
	r.db.First(&answer, "id = ?", r.caseID+".answer-1")
	if !answer.Overdue || answer.EscalationLevel != 2 || answer.Status != schemas.TaskCompleted {
		t.Fatalf("answer task row %+v", answer)
	}
	for _, action := range []string{"inquiry.talk_ordered", "inquiry.answer_untrue", "inquiry.referred_to_discipline"} {
		var n int64
		r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, action).Count(&n)
		if n != 1 {
			t.Errorf("%s recorded %d times", action, n)
		}
	}
	r.verifyAudit()
}

// TestInquiryLateAnswerLeaderQuestionWithdrawn: the answer arrives before the leader decides;
// the leader's question is withdrawn and the case still closes with no task left open.
func TestInquiryLateAnswerLeaderQuestionWithdrawn(t *testing.T) {
	r := newRun(t, "inquiry-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	sendLetter(r, "2026-11-02")
	answerAndSign(r, 1, "2026-12-01 10:00", "2026-12-01 11:00")
	r.at("2026-12-02 10:00", func() {
		r.complete("assess-1", "bao.yin", schemas.InqReminderTalk, assessForm(schemas.AnswerVague))
	})
	r.at("2026-12-03 10:00", func() {
		r.complete("remind-talk-1", "bao.yin", workflows.DecisionHeld, map[string]any{"record": "已进行谈话提醒。"})
	})
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Outcome != "谈话提醒" || s.Inquiry.Letters[0].TalkOrdered {
		t.Fatalf("outcome %q letters %+v", s.Outcome, s.Inquiry.Letters)
	}
	var late schemas.Task
	r.db.First(&late, "id = ?", r.caseID+".answer-1-late")
	if late.Status != schemas.TaskCancelled {
		t.Fatalf("leader's question left %s", late.Status)
	}
	var open int64
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
	if open != 0 {
		t.Fatalf("%d tasks left open", open)
	}
	r.verifyAudit()
}

// TestInquirySecondLetterAndVerification: a vague answer gets a second letter; the second
// answer is verified by an investigator and then settled with a reminder talk.
func TestInquirySecondLetterAndVerification(t *testing.T) {
	r := newRun(t, "inquiry-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	sendLetter(r, "2026-11-02")
	answerAndSign(r, 1, "2026-11-04 10:00", "2026-11-04 11:00")
	r.at("2026-11-05 10:00", func() {
		r.complete("assess-1", "bao.yin", schemas.InqSecondLetter, assessForm(schemas.AnswerVague))
	})
	r.at("2026-11-05 11:00", func() { r.complete("draft-2", "bao.yin", workflows.DecisionSubmit, letterForm) })
	r.at("2026-11-05 12:00", func() {
		r.complete("approve-2", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "问题要具体"})
	})
	r.at("2026-11-05 14:00", func() { r.complete("draft-3", "bao.yin", workflows.DecisionSubmit, letterForm) })
	r.at("2026-11-05 15:00", func() { r.complete("approve-3", "chen.jing", workflows.DecisionApprove, nil) })
	answerAndSign(r, 2, "2026-11-09 10:00", "2026-11-09 11:00")
	r.at("2026-11-10 10:00", func() {
		r.complete("assess-2", "bao.yin", schemas.InqVerify, assessForm(schemas.AnswerVague, "verify_scope", "核实其兼职单位的发薪记录"))
	})
	r.at("2026-11-16 10:00", func() {
		r.complete("verify-1", "ma.lin", schemas.FindingPartly, map[string]any{"report": "曾兼职，未取酬。"})
	})
	r.at("2026-11-17 10:00", func() {
		r.complete("assess-3", "bao.yin", schemas.InqReminderTalk, assessForm(schemas.AnswerTruthful))
	})
	r.at("2026-11-18 10:00", func() {
		r.complete("remind-talk-3", "bao.yin", workflows.DecisionHeld, map[string]any{"record": "已提醒。"})
	})
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Outcome != "谈话提醒" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if in := s.Inquiry; len(in.Letters) != 2 || len(in.Verifications) != 1 || in.Verifications[0] != schemas.FindingPartly || in.Decision != schemas.InqReminderTalk {
		t.Fatalf("inquiry state %+v", in)
	}
	r.verifyAudit()
}

// TestInquiryAdmonishRunsLinkedCase: the 诫勉 outcome starts an admonishment case linked to
// the inquiry, which closes; the admonishment runs on its own to its end after the 6-month
// influence period, during which (and only then) the cadre may not be promoted.
func TestInquiryAdmonishRunsLinkedCase(t *testing.T) {
	r := newRun(t, "inquiry-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	sendLetter(r, "2026-11-02")
	answerAndSign(r, 1, "2026-11-04 10:00", "2026-11-04 11:00")
	r.at("2026-11-05 10:00", func() {
		r.complete("assess-1", "bao.yin", schemas.InqAdmonish, assessForm(schemas.AnswerUntrue, "opinion", "答复不如实，违规兼职取酬问题属实。"))
	})
	// The linked case is numbered like any other, in the current year.
	child := fmt.Sprintf("admonishment-%d-0001", time.Now().In(cst).Year())
	runAdmonishment(r, child)
	r.env.ExecuteWorkflow(workflows.Inquiry, inquiryInput(r.caseID))

	s := r.state()
	if s.Inquiry.LinkedCaseID != child || s.Outcome != "诫勉（"+child+"）；答复不如实" {
		t.Fatalf("outcome %q linked %q", s.Outcome, s.Inquiry.LinkedCaseID)
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "case.linked").First(&ev).Error; err != nil || !strings.Contains(ev.Detail, child) {
		t.Fatalf("link not audited: %v %+v", err, ev)
	}
	var inq, adm schemas.Case
	r.db.First(&inq, "id = ?", r.caseID)
	r.db.First(&adm, "id = ?", child)
	if adm.Kind != schemas.KindAdmonishment || adm.Status != schemas.CaseClosed || adm.Outcome != "诫勉；影响期满，已整改" {
		t.Fatalf("linked case row %+v", adm)
	}
	// The inquiry closed the day the outcome was settled; the admonishment months later.
	if inq.ClosedAt == nil || !inq.ClosedAt.Before(mustTime(t, "2026-11-06 00:00:00")) || adm.ClosedAt == nil || adm.ClosedAt.Before(mustTime(t, "2027-05-13 00:00:00")) {
		t.Fatalf("closed: inquiry %v, admonishment %v", inq.ClosedAt, adm.ClosedAt)
	}
	var src schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ?", child, "case.opened").First(&src)
	if !strings.Contains(src.Detail, r.caseID) {
		t.Fatalf("admonishment does not name its inquiry: %s", src.Detail)
	}
	r.verifyAudit()
}

// completeIn sends a complete-task update to another workflow of the run (a linked case).
func (r *run) completeIn(workflowID, step, official, decision string, form map[string]any) {
	r.seq++
	label := workflowID + "." + step + " by " + official
	err := r.env.UpdateWorkflowByID(workflowID, schemas.UpdateCompleteTask, fmt.Sprintf("u%d", r.seq), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { r.t.Errorf("%s rejected: %v", label, err) },
		OnComplete: func(_ any, err error) {
			if err != nil {
				r.t.Errorf("%s failed: %v", label, err)
			}
		},
	}, schemas.CompleteTaskRequest{TaskID: workflowID + "." + step, Actor: r.actor(official), Decision: decision, Form: form})
	if err != nil {
		r.t.Errorf("%s: %v", label, err)
	}
}
