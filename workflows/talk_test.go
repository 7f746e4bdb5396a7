package workflows_test

import (
	"testing"
	"time"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

func talkInput(caseID, by string) schemas.TalkInput {
	in := schemas.TalkInput{
		CaseID: caseID, Title: "约谈：巴图", OrgUnitID: "150100", CreatedBy: "bao.yin",
		InitiatedBy: by, CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
	}
	if by == schemas.TalkByOrganization {
		in.Reason, in.Grounds, in.SourceCaseID = schemas.TalkReasonWarningSign, "群众反映其工作作风漂浮", "report-2026-0007"
	} else {
		in.CreatedBy, in.Grounds = "batu", "希望交流岗位，谈谈个人想法"
	}
	return in
}

func dueOfStep(t *testing.T, s schemas.CaseState, step string) string {
	t.Helper()
	for _, v := range s.Tasks {
		if v.StepKey == step {
			return v.DueAt.In(cst).Format("2006-01-02 15:04")
		}
	}
	t.Fatalf("no task %s", step)
	return ""
}

func record(date string, extra map[string]any) map[string]any {
	form := map[string]any{"talk_date": date, "talk_time": "10:00", "place": "市委组织部2楼谈话室",
		"talker_1": "包音", "talker_2": "陈静", "content": "指出苗头性问题，听取本人说明，提出改进要求。"}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

// Organization-initiated (DOMAIN.md P12 steps 1–5): the leader returns the proposal once; the
// talk is held by two officials within 10 working days; the cadre disputes the first record and
// confirms the second; a follow-up item is checked by its day; the discipline matter in the
// record goes to the discipline commission.
func TestTalkByOrganization(t *testing.T) {
	r := newRun(t, "talk-2026-0001", mustTime(t, "2026-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-12-01 10:00", func() {
		r.complete("propose-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"proposal": "约谈巴图，提醒工作作风问题"})
	})
	r.at("2026-12-02 10:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "写明谈话人"})
	})
	r.at("2026-12-02 11:00", func() {
		r.complete("propose-2", "bao.yin", workflows.DecisionSubmit, map[string]any{"proposal": "由包音、陈静约谈巴图，提醒工作作风问题"})
	})
	r.at("2026-12-03 10:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-12-08 10:00", func() {
		r.reject("one talker twice", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".talk-1", Actor: r.actor("bao.yin"), Decision: workflows.DecisionHeld,
			Form: record("2026-12-08", map[string]any{"talker_2": "包音"}),
		}, schemas.ErrTypeInvalid)
		r.reject("follow-up without a deadline", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".talk-1", Actor: r.actor("bao.yin"), Decision: workflows.DecisionHeld,
			Form: record("2026-12-08", map[string]any{"follow_up_1": "提交书面说明"}),
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-12-08 11:00", func() { r.complete("talk-1", "bao.yin", workflows.DecisionHeld, record("2026-12-08", nil)) })
	r.at("2026-12-09 10:00", func() {
		r.reject("the principal confirms the cadre's record", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".confirm-1", Actor: r.actor("zheng.yi"), Decision: workflows.DecisionConfirm,
		}, schemas.ErrTypeForbidden)
	})
	r.at("2026-12-09 11:00", func() {
		r.complete("confirm-1", "batu", workflows.DecisionDispute, map[string]any{"objection": "记录未写明我的说明"})
	})
	r.at("2026-12-10 10:00", func() {
		r.complete("talk-2", "bao.yin", workflows.DecisionHeld, record("2026-12-08", map[string]any{
			"content": "指出苗头性问题；本人说明工作安排情况；提出改进要求。", "follow_up_1": "提交书面整改说明", "follow_up_1_due": "2026-12-31",
			"discipline_matter": "反映其收受管理对象礼金的线索",
		}))
	})
	r.at("2026-12-11 10:00", func() { r.complete("confirm-2", "batu", workflows.DecisionConfirm, nil) })
	r.at("2026-12-14 10:00", func() {
		r.complete("referral-talk", "gao.feng", workflows.DecisionReceived, map[string]any{"receipt_no": "呼纪受〔2026〕88号"})
	})
	r.at("2026-12-30 10:00", func() {
		r.complete("follow-up-1", "bao.yin", workflows.DecisionCorrected, map[string]any{"note": "已提交书面说明"})
	})
	r.env.ExecuteWorkflow(workflows.Talk, talkInput(r.caseID, schemas.TalkByOrganization))
	s := r.state()
	tk := s.Talk
	if s.Status != schemas.CaseClosed || !tk.Confirmed || len(tk.Records) != 2 || tk.Records[0].Disputed == "" || tk.Records[1].Disputed != "" {
		t.Fatalf("status %s talk %+v", s.Status, tk)
	}
	if tk.Grounds != "由包音、陈静约谈巴图，提醒工作作风问题" || tk.Records[1].Talkers[1] != "陈静" {
		t.Errorf("grounds %q records %+v", tk.Grounds, tk.Records)
	}
	if len(tk.FollowUps) != 1 || tk.FollowUps[0].Status != workflows.DecisionCorrected || tk.FollowUps[0].DueOn != "2026-12-31" {
		t.Errorf("follow-ups %+v", tk.FollowUps)
	}
	if len(s.Referrals) != 1 || s.Referrals[0].Office != "150100-jw" || tk.DisciplineMatter == "" {
		t.Errorf("referrals %+v matter %q", s.Referrals, tk.DisciplineMatter)
	}
	// The talk within 10 working days of the approval; the confirmation in 3; the follow-up on its day.
	if got := dueOfStep(t, s, "talk-1"); got != "2026-12-17 23:59" {
		t.Errorf("talk due %s", got)
	}
	if got := dueOfStep(t, s, "confirm-2"); got != "2026-12-15 23:59" {
		t.Errorf("confirmation due %s", got)
	}
	if got := dueOfStep(t, s, "follow-up-1"); got != "2026-12-31 23:59" {
		t.Errorf("follow-up due %s", got)
	}
	for _, v := range s.Tasks {
		if v.StepKey == "confirm-1" && (v.AssigneeID != "batu" || !v.ForSubject) {
			t.Errorf("confirmation task %+v is not the cadre's own", v)
		}
	}
	r.verifyAudit()
}

// A talk another case decided (an appraisal's feedback): no proposal, the talk due in 20
// working days.
func TestTalkProposedByAnotherCase(t *testing.T) {
	r := newRun(t, "talk-2026-0002", mustTime(t, "2026-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	in := talkInput(r.caseID, schemas.TalkByOrganization)
	in.Reason, in.ProposedBy, in.TalkWorkingDays = schemas.TalkReasonAssessment, "appraisal-cadre-2026-0001", 20
	r.at("2026-12-07 10:00", func() { r.complete("talk-1", "bao.yin", workflows.DecisionHeld, record("2026-12-07", nil)) })
	r.at("2026-12-08 10:00", func() { r.complete("confirm-1", "batu", workflows.DecisionConfirm, nil) })
	r.env.ExecuteWorkflow(workflows.Talk, in)
	s := r.state()
	if s.Status != schemas.CaseClosed || !s.Talk.Confirmed || len(s.Tasks) != 2 {
		t.Fatalf("status %s tasks %d talk %+v", s.Status, len(s.Tasks), s.Talk)
	}
	if got := dueOfStep(t, s, "talk-1"); got != "2026-12-29 23:59" {
		t.Errorf("feedback talk due %s, want 20 working days", got)
	}
}

// Cadre-initiated, answered on the spot (DOMAIN.md P12 steps 6–10): routed by level to the
// department's leader, time and place fixed in 3 working days; the cadre is satisfied.
func TestTalkByCadreOnTheSpot(t *testing.T) {
	r := newRun(t, "talk-2026-0003", mustTime(t, "2026-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-12-01 10:00", func() {
		r.reject("the cadre routes their own request", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".route", Actor: r.actor("batu"), Decision: schemas.TalkRoutePrincipal,
			Form: map[string]any{"talk_date": "2026-12-04", "place": "部长办公室"},
		}, schemas.ErrTypeRecused)
	})
	r.at("2026-12-02 10:00", func() {
		r.complete("route", "wu.gang", schemas.TalkRoutePrincipal, map[string]any{"talk_date": "2026-12-04", "talk_time": "15:00", "place": "部长办公室"})
	})
	r.at("2026-12-04 16:00", func() {
		r.reject("on the spot without an answer", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".talk-1", Actor: r.actor("chen.jing"), Decision: schemas.TalkSettleOnSpot, Form: record("2026-12-04", nil),
		}, schemas.ErrTypeInvalid)
		r.complete("talk-1", "chen.jing", schemas.TalkSettleOnSpot, record("2026-12-04", map[string]any{"answer": "组织上将统筹考虑交流意向"}))
	})
	r.at("2026-12-07 10:00", func() { r.complete("feedback", "batu", schemas.TalkSatisfied, nil) })
	r.env.ExecuteWorkflow(workflows.Talk, talkInput(r.caseID, schemas.TalkByCadre))
	s := r.state()
	tk := s.Talk
	if s.Status != schemas.CaseClosed || tk.Route != schemas.TalkRoutePrincipal || tk.Settlement != schemas.TalkSettleOnSpot ||
		tk.Satisfaction != schemas.TalkSatisfied || tk.Answer != "组织上将统筹考虑交流意向" || s.Outcome != "已约谈并答复；满意" {
		t.Fatalf("status %s outcome %q talk %+v", s.Status, s.Outcome, tk)
	}
	if got := dueOfStep(t, s, "route"); got != "2026-12-04 23:59" {
		t.Errorf("routing due %s, want 3 working days", got)
	}
	for _, v := range s.Tasks {
		if v.StepKey == "talk-1" && v.Role != schemas.RoleLeader {
			t.Errorf("a principal's talk is held by %s", v.Role)
		}
	}
}

// Cadre-initiated, answered within 20 working days by the cadre section; the cadre is not
// satisfied and says why.
func TestTalkByCadreWithin20(t *testing.T) {
	r := newRun(t, "talk-2026-0004", mustTime(t, "2026-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-12-02 10:00", func() {
		r.complete("route", "wu.gang", schemas.TalkRouteSection, map[string]any{"talk_date": "2026-12-03", "place": "干部科"})
	})
	r.at("2026-12-03 16:00", func() {
		r.complete("talk-1", "wu.gang", schemas.TalkSettleWithin20, record("2026-12-03", map[string]any{"talker_2": "吴刚"}))
	})
	r.at("2026-12-28 10:00", func() {
		r.complete("settle", "wu.gang", workflows.DecisionSubmit, map[string]any{"answer": "暂无交流岗位，明年统筹"})
	})
	r.at("2026-12-29 10:00", func() {
		r.reject("unsatisfied without a reason", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".feedback", Actor: r.actor("batu"), Decision: schemas.TalkUnsatisfied,
		}, schemas.ErrTypeInvalid)
		r.complete("feedback", "batu", schemas.TalkUnsatisfied, map[string]any{"comment": "答复不具体"})
	})
	r.env.ExecuteWorkflow(workflows.Talk, talkInput(r.caseID, schemas.TalkByCadre))
	s := r.state()
	if s.Talk.Settlement != schemas.TalkSettleWithin20 || s.Talk.Answer != "暂无交流岗位，明年统筹" || s.Talk.Satisfaction != schemas.TalkUnsatisfied {
		t.Fatalf("talk %+v", s.Talk)
	}
	if got := dueOfStep(t, s, "settle"); got != "2026-12-31 23:59" {
		t.Errorf("answer due %s, want 20 working days after the talk", got)
	}
}
