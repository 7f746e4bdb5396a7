package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// Reports to the 呼和浩特 organization department: 何平 (12380 intake), 包音 (supervisor),
// 马林 (investigator), 陈静 (leader); the county 土默特左旗 below it: 胡军 (supervisor), 郭红 (leader).
func reportInput(caseID string, signed, followable bool) schemas.ReportInput {
	return schemas.ReportInput{
		CaseID: caseID, Title: "关于巴图的举报", OrgUnitID: "150100", CreatedBy: "he.ping",
		Channel: "phone", Signed: signed, Followable: followable,
		SubjectID: "batu", SubjectName: "巴图", SubjectUnitID: "150100-jyj",
		LowerOffices: []schemas.OrgRef{{ID: "150102", Name: "新城区委组织部"}, {ID: "150121", Name: "土默特左旗委组织部"}},
	}
}

// reportRow inserts the report row the API would have written, so the workflow's status and
// feedback updates can be checked.
func reportRow(r *run) {
	r.t.Helper()
	row := schemas.Report{ID: r.caseID, OrgUnitID: "150100", Channel: "phone", SubjectName: "巴图", Content: "反映其违规。",
		Status: schemas.ReportReceived, CreatedBy: "he.ping", CreatedAt: r.start.UTC(), UpdatedAt: r.start.UTC()}
	if err := r.db.Create(&row).Error; err != nil {
		r.t.Fatal(err)
	}
}

func (r *run) report() schemas.Report {
	r.t.Helper()
	var row schemas.Report
	if err := r.db.First(&row, "id = ?", r.caseID).Error; err != nil {
		r.t.Fatal(err)
	}
	return row
}

func triageForm(extra map[string]any) map[string]any {
	f := map[string]any{"opinion": "研判意见"}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// TestReportVerifiedWithExtension: accepted, registered for verification, one extension
// approved by the leader, found true, 诫勉 started as a linked case, feedback to the reporter.
func TestReportVerifiedWithExtension(t *testing.T) {
	r := newRun(t, "report-2026-0101", mustTime(t, "2026-11-02 09:00:00"))
	// The linked 诫勉 case has tests of its own; here it only has to start.
	r.env.OnWorkflow(schemas.KindAdmonishment.WorkflowType(), mock.Anything, mock.Anything).Return(schemas.CaseState{}, nil)
	reportRow(r)
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	r.at("2026-11-02 11:00", func() {
		r.reject("transfer with no office", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".triage-1", Actor: r.actor("bao.yin"), Decision: schemas.TriageTransfer, Form: triageForm(nil),
		}, schemas.ErrTypeInvalid)
		r.complete("triage-1", "bao.yin", schemas.TriageVerify, triageForm(nil))
	})
	r.at("2026-11-03 10:00", func() {
		r.reject("extension over 30", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".verify-1", Actor: r.actor("ma.lin"), Decision: workflows.DecisionRequestExtension,
			Form: map[string]any{"extension_days": "45", "reason": "x"},
		}, schemas.ErrTypeInvalid)
		r.complete("verify-1", "ma.lin", workflows.DecisionRequestExtension, map[string]any{"extension_days": "20", "reason": "需调取档案"})
	})
	r.at("2026-11-03 11:00", func() { r.complete("extend", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-04 10:00", func() {
		r.reject("a second extension", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".verify-2", Actor: r.actor("ma.lin"), Decision: workflows.DecisionRequestExtension,
			Form: map[string]any{"extension_days": "5", "reason": "x"},
		}, schemas.ErrTypeInvalid)
		r.complete("verify-2", "ma.lin", workflows.DecisionSubmit, map[string]any{"report": "经核查，反映问题属实。"})
	})
	r.at("2026-11-04 15:00", func() {
		r.complete("finding", "bao.yin", schemas.FindingSubstantiated, map[string]any{"handling": schemas.HandleAdmonish, "opinion": "属实，予以诫勉"})
	})
	r.at("2026-11-05 10:00", func() {
		r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "您反映的问题经核查属实，已依规处理。"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, true, false))

	s := r.state()
	if s.Outcome != "属实；诫勉" || !s.Report.Extended || len(s.Report.LinkedCases) != 1 || !strings.HasPrefix(s.Report.LinkedCases[0], "admonishment-") {
		t.Fatalf("outcome %q report %+v", s.Outcome, s.Report)
	}
	// The extension runs 20 working days from the approval on Tuesday 3 Nov: to 1 Dec.
	var v2 schemas.Task
	r.db.First(&v2, "id = ?", r.caseID+".verify-2")
	if v2.DueAt == nil || !v2.DueAt.In(cst).Equal(mustTime(t, "2026-12-01 23:59:59")) {
		t.Fatalf("extended verification due %v", v2.DueAt)
	}
	row := r.report()
	if row.Status != schemas.ReportConcluded || row.Feedback != "您反映的问题经核查属实，已依规处理。" || row.FeedbackAt == nil {
		t.Fatalf("report row %+v", row)
	}
	r.verifyAudit()
}

// TestReportTriageBranches runs each vague or out-of-scope branch to its close.
func TestReportTriageBranches(t *testing.T) {
	cases := []struct {
		name, decision string
		form           map[string]any
		then           func(r *run)
		outcome        string
		feedback       bool
	}{
		{name: "talk", decision: schemas.TriageTalk, then: func(r *run) {
			r.at("2026-11-03 10:00", func() {
				r.complete("talk", "bao.yin", workflows.DecisionTalkDone, map[string]any{"record": "已谈话提醒"})
			})
		}, outcome: "谈话提醒"},
		{name: "file", decision: schemas.TriageFile, outcome: "存档备查", feedback: true},
		{name: "inquiry", decision: schemas.TriageInquiry, outcome: "函询：inquiry-"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(t, "report-2026-020"+string(rune('1'+i)), mustTime(t, "2026-11-02 09:00:00"))
			r.env.OnWorkflow(schemas.KindInquiry.WorkflowType(), mock.Anything, mock.Anything).Return(schemas.CaseState{}, nil)
			reportRow(r)
			r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
			r.at("2026-11-02 11:00", func() { r.complete("triage-1", "bao.yin", tc.decision, triageForm(tc.form)) })
			if tc.then != nil {
				tc.then(r)
			}
			if tc.feedback {
				r.at("2026-11-04 10:00", func() {
					r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "已存档备查。"})
				})
			}
			r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, tc.feedback, false))
			s := r.state()
			if s.Status != schemas.CaseClosed || !strings.HasPrefix(s.Outcome, tc.outcome) || s.Report.Triage != tc.decision {
				t.Fatalf("status %s outcome %q triage %q", s.Status, s.Outcome, s.Report.Triage)
			}
			if got := r.report().Status; got != schemas.ReportConcluded {
				t.Fatalf("report status %s", got)
			}
		})
	}
}

// TestReportOutOfScope: the clerk forwards the report; the real-name reporter is told.
func TestReportOutOfScope(t *testing.T) {
	r := newRun(t, "report-2026-0301", mustTime(t, "2026-11-02 09:00:00"))
	reportRow(r)
	r.at("2026-11-02 10:00", func() {
		r.reject("forward to nobody", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".accept", Actor: r.actor("he.ping"), Decision: workflows.DecisionOutOfScope,
		}, schemas.ErrTypeInvalid)
		r.complete("accept", "he.ping", workflows.DecisionOutOfScope, map[string]any{"forward_to": "呼和浩特市纪委监委"})
	})
	r.at("2026-11-03 10:00", func() {
		r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "已转纪委监委。"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, true, false))
	s := r.state()
	if s.Outcome != "不属于受理范围，已转呼和浩特市纪委监委" || *s.Report.Accepted {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if row := r.report(); row.Status != schemas.ReportForwarded || row.Feedback != "已转纪委监委。" {
		t.Fatalf("row %+v", row)
	}
}

// TestReportUnfoundedClarified: an anonymous web report, found untrue: the cadre's name is
// cleared and the reporter reads the answer by query code.
func TestReportUnfoundedClarified(t *testing.T) {
	r := newRun(t, "report-2026-0401", mustTime(t, "2026-11-02 09:00:00"))
	reportRow(r)
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	r.at("2026-11-02 11:00", func() { r.complete("triage-1", "bao.yin", schemas.TriageVerify, triageForm(nil)) })
	r.at("2026-11-10 10:00", func() {
		r.complete("verify-1", "ma.lin", workflows.DecisionSubmit, map[string]any{"report": "不属实"})
	})
	r.at("2026-11-10 11:00", func() {
		r.reject("handling an unfounded report", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".finding", Actor: r.actor("bao.yin"), Decision: schemas.FindingUnfounded,
			Form: map[string]any{"handling": schemas.HandleAdmonish, "opinion": "x"},
		}, schemas.ErrTypeInvalid)
		r.complete("finding", "bao.yin", schemas.FindingUnfounded, map[string]any{"opinion": "反映不实"})
	})
	r.at("2026-11-11 10:00", func() {
		r.complete("clarify", "bao.yin", workflows.DecisionClarified, map[string]any{"how": "在单位会议上澄清"})
	})
	r.at("2026-11-12 10:00", func() {
		r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "经核查，反映问题不属实。"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, false, true))
	s := r.state()
	if s.Outcome != "不属实；已澄清" || !s.Report.Clarified || !s.Report.FeedbackGiven {
		t.Fatalf("outcome %q %+v", s.Outcome, s.Report)
	}
}

// TestReportAttachedToPublicity: the supervisor attaches the report to a publicity case; the
// signal carries the candidate and summary, never the reporter.
func TestReportAttachedToPublicity(t *testing.T) {
	r := newRun(t, "report-2026-0501", mustTime(t, "2026-11-02 09:00:00"))
	reportRow(r)
	var sent schemas.ReportObjection
	r.env.OnSignalExternalWorkflow(mock.Anything, "publicity-2026-0009", "", schemas.SignalReportObjection, mock.Anything).
		Return(func(_, _, _, _ string, arg any) error { sent = arg.(schemas.ReportObjection); return nil })
	r.env.OnSignalExternalWorkflow(mock.Anything, "publicity-2026-0404", "", schemas.SignalReportObjection, mock.Anything).
		Return(func(_, _, _, _ string, _ any) error { return errNoWorkflow })
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	pub := func(id string) map[string]any {
		return triageForm(map[string]any{"publicity_case_id": id, "candidate_id": "c1", "objection_summary": "反映其违规操作"})
	}
	r.at("2026-11-02 11:00", func() { r.complete("triage-1", "bao.yin", schemas.TriagePublicity, pub("publicity-2026-0404")) })
	r.at("2026-11-02 12:00", func() { r.complete("triage-2", "bao.yin", schemas.TriagePublicity, pub("publicity-2026-0009")) })
	r.at("2026-11-03 10:00", func() {
		r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "已在任前公示中核查。"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, true, false))
	s := r.state()
	if s.Report.PublicityCaseID != "publicity-2026-0009" || s.Outcome != "并入任前公示核查：publicity-2026-0009" {
		t.Fatalf("outcome %q %+v", s.Outcome, s.Report)
	}
	if sent.ReportID != r.caseID || sent.Request.CandidateID != "c1" || !sent.Request.Signed || sent.Request.Actor.ID != "bao.yin" {
		t.Fatalf("signal %+v", sent)
	}
}

var errNoWorkflow = &notFoundError{}

type notFoundError struct{}

func (*notFoundError) Error() string { return "workflow not found" }

// TestPublicityTakesReportObjection: the publicity side of the link: a report-objection signal
// logs an objection and opens its verification, like the file-objection update.
func TestPublicityTakesReportObjection(t *testing.T) {
	r := newRun(t, "publicity-2026-0009", mustTime(t, "2026-11-02 09:00:00"))
	draftAndApprove(r, "2026-11-02")
	sig := func(cand string) schemas.ReportObjection {
		return schemas.ReportObjection{ReportID: "report-2026-0501", Request: schemas.ObjectionRequest{
			Actor: r.actor("wang.jian"), CandidateID: cand, Signed: true, Channel: "web", Summary: "反映其违规操作",
		}}
	}
	r.at("2026-11-03 10:00", func() {
		_ = r.env.SignalWorkflowByID(r.caseID, schemas.SignalReportObjection, sig("c9")) // no such candidate
		_ = r.env.SignalWorkflowByID(r.caseID, schemas.SignalReportObjection, sig("c1"))
	})
	r.at("2026-11-05 10:00", func() {
		r.complete("verify-o1", "ma.lin", schemas.FindingUnfounded, map[string]any{"report": "不属实"})
	})
	r.at("2026-11-10 09:30", func() { r.complete("decide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))
	s := r.state()
	if len(s.Publicity.Objections) != 1 {
		t.Fatalf("objections %+v", s.Publicity.Objections)
	}
	if o := s.Publicity.Objections[0]; o.LoggedBy != "wang.jian" || !o.Verified || o.Finding != schemas.FindingUnfounded || o.Channel != "web" {
		t.Fatalf("objection %+v", o)
	}
	var refused int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "publicity.report_refused").Count(&refused)
	if refused != 1 {
		t.Fatalf("%d refusals audited", refused)
	}
}

// transferRun starts a transfer from 呼和浩特 (150100) to 土默特左旗 (150121), recording the
// result it signals up.
func transferRun(t *testing.T, id, start string) (*run, *schemas.TransferResult) {
	r := newRun(t, id, mustTime(t, start))
	res := &schemas.TransferResult{}
	r.env.OnSignalExternalWorkflow(mock.Anything, "report-2026-0900", "", schemas.SignalTransferResult, mock.Anything).
		Return(func(_, _, _, _ string, arg any) error { *res = arg.(schemas.TransferResult); return nil })
	return r, res
}

func transferInput(id string) schemas.TransferInput {
	return schemas.TransferInput{
		CaseID: id, Title: "转办：关于乌云的举报", OrgUnitID: "150121", CreatedBy: "bao.yin",
		ParentCaseID: "report-2026-0900", SuperiorOrgUnitID: "150100", Instructions: "核查其违规问题", SubjectName: "乌云",
	}
}

// TestTransferOverdueClimbsLadder: nobody reports back. Opened Monday 29 Jun, the 60 working
// days end on Sunday 20 Sep (a make-up working day); the reminder fires 5 working days before
// (14 Sep), 催办 at the deadline, 督办 and the leader's task 5 working days after (28 Sep, past
// the Mid-Autumn break of 25-27 Sep), escalation to the superior 10 after (Saturday 10 Oct, a
// make-up day after National Day), who takes the case over.
func TestTransferOverdueClimbsLadder(t *testing.T) {
	r, res := transferRun(t, "transfer-2026-0101", "2026-06-29 09:00:00")
	r.at("2026-10-12 10:00", func() {
		r.complete("report-back-1-escalated", "bao.yin", schemas.ReviewTakeOver, map[string]any{"note": "逾期未报，提级办理"})
	})
	r.env.ExecuteWorkflow(workflows.Transfer, transferInput(r.caseID))
	s := r.state()
	if !s.Transfer.TakenOver || !s.Transfer.Escalated || s.Outcome != "上级提级办理" || res.Outcome != schemas.TransferTakenOver {
		t.Fatalf("state %+v outcome %q result %+v", s.Transfer, s.Outcome, res)
	}
	for step, want := range map[string]string{
		"task.remind@report-back-1":           "2026-09-14",
		"task.urge@report-back-1":             "2026-09-20",
		"task.escalate_to@report-back-1":      "2026-09-28",
		"task.opened@report-back-1-duban":     "2026-09-28",
		"task.opened@report-back-1-escalated": "2026-10-10",
	} {
		// Every time here is a rung of the overdue report-back-1 (the 督办 and the take-over
		// open when its rungs fire).
		action, key, _ := strings.Cut(step, "@")
		if got, at := r.auditAt(action, key), r.rungAt(want, "report-back-1"); !got.Equal(at) {
			t.Errorf("%s at %s, want %s", step, got, want)
		}
	}
	if !r.notified("han.bo", "urge", "report-back-1") && !r.notified("guo.hong", "urge", "report-back-1") {
		t.Error("the lower office's head was not urged")
	}
	if !r.notified("guo.hong", "assigned", "report-back-1-duban") || !r.notified("bao.yin", "escalation", "report-back-1") {
		t.Error("the lower leader or the superior was not told")
	}
	var rb, duban schemas.Task
	r.db.First(&rb, "id = ?", r.caseID+".report-back-1")
	r.db.First(&duban, "id = ?", r.caseID+".report-back-1-duban")
	if rb.Status != schemas.TaskCancelled || duban.Status != schemas.TaskCancelled || rb.EscalationLevel != 2 {
		t.Fatalf("report-back %s (level %d), 督办 %s", rb.Status, rb.EscalationLevel, duban.Status)
	}
	var closed schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, "task.cancelled", rb.ID).First(&closed)
	if !strings.Contains(closed.Detail, "上级提级办理") {
		t.Errorf("report-back closed with %s", closed.Detail)
	}
	r.verifyAudit()
}

// TestTransferReturnedThenTakenOver: the superior returns the result twice (each time with 30
// working days), and may then only accept or take over.
func TestTransferReturnedThenTakenOver(t *testing.T) {
	r, res := transferRun(t, "transfer-2026-0102", "2026-11-02 09:00:00")
	back := map[string]any{"report": "经核查，部分属实。"}
	ret := map[string]any{"note": "请补充核查"}
	r.at("2026-11-03 10:00", func() { r.complete("report-back-1", "hu.jun", schemas.FindingPartly, back) })
	r.at("2026-11-03 11:00", func() { r.complete("review-1", "bao.yin", schemas.ReviewReturn, ret) })
	r.at("2026-11-04 10:00", func() { r.complete("report-back-2", "hu.jun", schemas.FindingPartly, back) })
	r.at("2026-11-04 11:00", func() { r.complete("review-2", "bao.yin", schemas.ReviewReturn, ret) })
	r.at("2026-11-05 10:00", func() { r.complete("report-back-3", "hu.jun", schemas.FindingPartly, back) })
	r.at("2026-11-05 11:00", func() {
		r.reject("a third return", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".review-3", Actor: r.actor("bao.yin"), Decision: schemas.ReviewReturn, Form: ret,
		}, schemas.ErrTypeInvalid)
		r.reject("the lower office reviews itself", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".review-3", Actor: r.actor("hu.jun"), Decision: schemas.ReviewAccept,
		}, schemas.ErrTypeForbidden)
		r.complete("review-3", "bao.yin", schemas.ReviewTakeOver, map[string]any{"note": "两次退回仍不清楚，提级办理"})
	})
	r.env.ExecuteWorkflow(workflows.Transfer, transferInput(r.caseID))
	s := r.state()
	if s.Transfer.Returns != 2 || !s.Transfer.TakenOver || len(s.Transfer.Rounds) != 3 || res.Outcome != schemas.TransferTakenOver {
		t.Fatalf("state %+v result %+v", s.Transfer, res)
	}
	// Each re-verification shows the instructions and what the superior asked for last time.
	var second schemas.Task
	r.db.First(&second, "id = ?", r.caseID+".report-back-2")
	if notes := strings.Join(second.Spec.Notes, "\n"); !strings.Contains(notes, "核查要求") || !strings.Contains(notes, "请补充核查") {
		t.Fatalf("notes of the second report-back: %q", second.Spec.Notes)
	}
	// Returned on Wednesday 4 Nov: 30 working days to Wednesday 16 Dec.
	if got := s.Transfer.Rounds[2].DueAt.In(cst); !got.Equal(mustTime(t, "2026-12-16 23:59:59")) {
		t.Fatalf("re-verification due %s", got)
	}
	if got := s.Transfer.Rounds[0].DueAt.In(cst); !got.Equal(mustTime(t, "2027-01-28 23:59:59")) && got.Before(mustTime(t, "2027-01-01 00:00:00")) {
		t.Fatalf("first report-back due %s", got)
	}
}

// TestReportTransferAccepted runs the report and its transfer together: the county reports back,
// the city accepts and records the finding.
func TestReportTransferAccepted(t *testing.T) {
	r := newRun(t, "report-2026-0601", mustTime(t, "2026-11-02 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	reportRow(r)
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	r.at("2026-11-02 11:00", func() {
		r.complete("triage-1", "bao.yin", schemas.TriageTransfer, triageForm(map[string]any{"transfer_to": "150121", "instructions": "核查"}))
	})
	child := func(step, official, decision string, form map[string]any) {
		var id string
		r.db.Model(&schemas.Task{}).Select("case_id").Where("case_kind = ? AND step_key = ?", schemas.KindTransfer, step).Scan(&id)
		r.seq++
		_ = r.env.UpdateWorkflowByID(id, schemas.UpdateCompleteTask, "c"+step, &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("%s rejected: %v", step, err) }, OnComplete: func(any, error) {},
		}, schemas.CompleteTaskRequest{TaskID: id + "." + step, Actor: r.actor(official), Decision: decision, Form: form})
	}
	r.at("2026-11-03 10:00", func() {
		child("report-back-1", "hu.jun", schemas.FindingSubstantiated, map[string]any{"report": "属实", "attachments": "谈话笔录：乌云承认收受……"})
	})
	r.at("2026-11-04 10:00", func() { child("review-1", "bao.yin", schemas.ReviewAccept, nil) })
	r.at("2026-11-05 10:00", func() {
		r.complete("finding", "bao.yin", schemas.FindingSubstantiated, map[string]any{"handling": schemas.HandleOrg, "opinion": "下级核查属实"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, false, false))
	s := r.state()
	if s.Outcome != "属实；组织处理" || s.Report.TransferOutcome != schemas.TransferAccepted || !strings.HasPrefix(s.Report.TransferCaseID, "transfer-") {
		t.Fatalf("outcome %q %+v", s.Outcome, s.Report)
	}
	// The lower office's report and its own material came up with the result.
	if s.Report.TransferReport != "属实" || s.Report.TransferAttachments != "谈话笔录：乌云承认收受……" {
		t.Fatalf("what came up: %q / %q", s.Report.TransferReport, s.Report.TransferAttachments)
	}
	var tc schemas.Case
	r.db.First(&tc, "id = ?", s.Report.TransferCaseID)
	if tc.OrgUnitID != "150121" || tc.Status != schemas.CaseClosed {
		t.Fatalf("transfer case %+v", tc)
	}
}

// TestReportCancelledReadsWithdrawn: a report case cancelled by its office reads 已撤销 to the
// reporter following it by query code, not the status it last had.
func TestReportCancelledReadsWithdrawn(t *testing.T) {
	r := newRun(t, "report-2026-0701", mustTime(t, "2026-11-02 09:00:00"))
	reportRow(r)
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	r.at("2026-11-02 11:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "重复举报，已并案"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, true, true))
	if s := r.state(); s.Status != schemas.CaseCancelled {
		t.Fatalf("status %s", s.Status)
	}
	if got := r.report(); got.Status != schemas.ReportWithdrawn || schemas.ReportStatusTitle(got.Status) != "已撤销" {
		t.Fatalf("report status %q after the case was cancelled", got.Status)
	}
}
