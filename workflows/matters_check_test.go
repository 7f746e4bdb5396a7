package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

func mattersCheckInput(caseID string) schemas.MattersCheckInput {
	return schemas.MattersCheckInput{
		CaseID: caseID, Title: "个人有关事项报告查核：巴图（2025年度）", OrgUnitID: "150100", CreatedBy: "bao.yin",
		CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
		Year: 2025, Reason: schemas.MattersPromotion, Grounds: "拟提拔为市教育局副局长",
	}
}

// answerAgencies has the investigator record every agency's answer at when, but those in late,
// which answer at lateAt.
func answerAgencies(r *run, when, lateAt string, late ...string) {
	for _, ag := range schemas.MattersAgencies {
		at := when
		for _, l := range late {
			if l == ag.Key {
				at = lateAt
			}
		}
		r.at(at, func() {
			r.complete("agency-"+ag.Key, "ma.lin", workflows.DecisionSubmit, map[string]any{"reply": ag.Name + "反馈：无异常"})
		})
	}
}

// mismatch drives a check started on Mon 2 Nov 2026 to the cadre's explanation on 9 Nov.
func mismatch(r *run) {
	answerAgencies(r, "2026-11-05 10:00", "")
	r.at("2026-11-06 10:00", func() {
		r.complete("compare", "ma.lin", workflows.DecisionMismatch, map[string]any{"differences": "未报告配偶名下房产一套"})
	})
	r.at("2026-11-09 10:00", func() {
		r.complete("explain", "batu", workflows.DecisionSubmit, map[string]any{"explanation": "该房产系配偶婚前继承，本人理解有误。"})
	})
}

// promotable says whether batu may be promoted at t (after the workflow has ended).
func (r *run) promotable(t time.Time) bool {
	r.t.Helper()
	ok, _, err := restrictions.PromotionAllowed(context.Background(), r.db, "batu", t)
	if err != nil {
		r.t.Fatal(err)
	}
	return ok
}

func (r *run) tasksOpened(step string) bool {
	var n int64
	r.db.Model(&schemas.Task{}).Where("id = ?", r.caseID+"."+step).Count(&n)
	return n > 0
}

// TestMattersCheckConsistent: the answers match the report, so the check ends 一致 without the
// cadre, the proposal or the leader; the cadre is told and nothing restricts them.
func TestMattersCheckConsistent(t *testing.T) {
	r := newRun(t, "matters-check-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	answerAgencies(r, "2026-11-05 10:00", "")
	r.at("2026-11-04 10:00", func() {
		// The comparison waits for every agency.
		r.reject("compare before the answers", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".compare", Actor: r.actor("ma.lin"), Decision: string(schemas.FindingConsistent),
		}, schemas.ErrTypeNotFound)
		// The cadre is the subject: no agency's task is theirs.
		r.reject("cadre answers for an agency", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".agency-civil-affairs", Actor: r.actor("batu"), Decision: workflows.DecisionSubmit,
			Form: map[string]any{"reply": "无"},
		}, schemas.ErrTypeRecused)
	})
	r.at("2026-11-06 09:00", func() {
		r.reject("mismatch without differences", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".compare", Actor: r.actor("ma.lin"), Decision: workflows.DecisionMismatch,
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-06 10:00", func() { r.complete("compare", "ma.lin", string(schemas.FindingConsistent), nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	m := s.MattersCheck
	if s.Status != schemas.CaseClosed || s.Outcome != "查核结果：一致" || m.Finding != schemas.FindingConsistent || m.Mismatch || m.BarUntil != nil {
		t.Fatalf("status %s outcome %q state %+v", s.Status, s.Outcome, m)
	}
	if len(m.Agencies) != len(schemas.MattersAgencies) {
		t.Fatalf("%d agencies queried, want %d", len(m.Agencies), len(schemas.MattersAgencies))
	}
	for _, ag := range m.Agencies {
		if ag.AnsweredAt == nil || !ag.AnsweredAt.Equal(mustTime(t, "2026-11-05 10:00:00")) {
			t.Errorf("agency %s answered at %v", ag.Key, ag.AnsweredAt)
		}
	}
	for _, step := range []string{"explain", "propose-1", "approve-1"} {
		if r.tasksOpened(step) {
			t.Errorf("a consistent check opened %s", step)
		}
	}
	if !r.promotable(mustTime(t, "2026-11-07 10:00:00")) {
		t.Fatal("a consistent check restricted the cadre")
	}
	var told int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "batu", "2025年度个人有关事项报告查核结果%").Count(&told)
	if told != 1 {
		t.Fatalf("cadre told the result %d times", told)
	}
	r.verifyAudit()
}

// TestMattersCheckOmitted: a mismatch, the cadre's explanation, a proposal of 漏报 returned
// once by the leader and approved: handled without a promotion bar.
func TestMattersCheckOmitted(t *testing.T) {
	r := newRun(t, "matters-check-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	mismatch(r)
	r.at("2026-11-10 10:00", func() {
		r.reject("omitted without handling", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".propose-1", Actor: r.actor("bao.yin"), Decision: string(schemas.FindingOmitted),
			Form: map[string]any{"opinion": "漏报"},
		}, schemas.ErrTypeInvalid)
		r.reject("the cadre proposes", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".propose-1", Actor: r.actor("batu"), Decision: string(schemas.FindingConsistent),
			Form: map[string]any{"opinion": "一致"},
		}, schemas.ErrTypeRecused)
	})
	r.at("2026-11-10 11:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingOmitted), map[string]any{"opinion": "漏报房产一套", "handling": "批评教育"})
	})
	r.at("2026-11-11 10:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "请会同干部处研究处理方式"})
	})
	r.at("2026-11-11 15:00", func() {
		var draft schemas.Task
		r.db.First(&draft, "id = ?", r.caseID+".propose-2")
		if len(draft.Spec.Notes) < 2 || draft.Spec.Notes[0] != "退回意见：请会同干部处研究处理方式" || draft.Spec.Notes[1] != "上一稿：漏报；漏报房产一套" {
			t.Errorf("second draft's notes %q", draft.Spec.Notes)
		}
		r.complete("propose-2", "bao.yin", string(schemas.FindingOmitted), map[string]any{"opinion": "漏报房产一套，情节较轻", "handling": "责令作出检查，限期改正"})
	})
	r.at("2026-11-12 10:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	m := s.MattersCheck
	if s.Outcome != "查核结果：漏报；处理：责令作出检查，限期改正" || m.Finding != schemas.FindingOmitted || !m.Mismatch || m.BarUntil != nil {
		t.Fatalf("outcome %q state %+v", s.Outcome, m)
	}
	if !r.promotable(mustTime(t, "2026-11-13 10:00:00")) {
		t.Fatal("漏报 barred the cadre")
	}
	r.verifyAudit()
}

// TestMattersCheckConcealed: 瞒报 bars promotion for one year from the leader's approval. The
// agencies keep their own deadlines: the late one alone is overdue.
func TestMattersCheckConcealed(t *testing.T) {
	r := newRun(t, "matters-check-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	// 15 working days from 2 Nov end with 23 Nov; the court answers on 25 Nov.
	answerAgencies(r, "2026-11-05 10:00", "2026-11-25 10:00", "judicial")
	r.at("2026-11-26 10:00", func() {
		r.complete("compare", "ma.lin", workflows.DecisionMismatch, map[string]any{"differences": "未报告本人持有的企业股权"})
	})
	r.at("2026-11-27 10:00", func() {
		r.complete("explain", "batu", workflows.DecisionSubmit, map[string]any{"explanation": "忘记报告。"})
	})
	r.at("2026-11-30 10:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingConcealed), map[string]any{"opinion": "故意隐瞒持股", "handling": "取消考察对象资格"})
	})
	r.at("2026-12-01 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	m := s.MattersCheck
	if s.Outcome != "查核结果：瞒报；处理：取消考察对象资格；一年内不得提拔任用" || m.Finding != schemas.FindingConcealed {
		t.Fatalf("outcome %q state %+v", s.Outcome, m)
	}
	if m.BarUntil == nil || !m.BarUntil.In(cst).Equal(mustTime(t, "2027-12-01 23:59:59")) {
		t.Fatalf("bar until %v, want the end of 1 Dec 2027", m.BarUntil)
	}
	if r.promotable(mustTime(t, "2026-12-01 11:00:00")) || r.promotable(mustTime(t, "2027-12-01 23:00:00")) {
		t.Fatal("瞒报 did not bar promotion for the year")
	}
	if !r.promotable(mustTime(t, "2027-12-02 09:00:00")) {
		t.Fatal("the bar outlived its year")
	}
	var row schemas.Restriction
	if err := r.db.First(&row, "case_id = ?", r.caseID).Error; err != nil || row.Kind != schemas.RestrictionNoPromotion || row.OfficialID != "batu" {
		t.Fatalf("restriction row %+v %v", row, err)
	}
	if !r.notified("bao.yin", notify.KindOverdue, "agency-judicial") {
		t.Error("the late agency's query was not marked overdue to the supervisor")
	}
	if r.notified("bao.yin", notify.KindOverdue, "agency-civil-affairs") {
		t.Error("an agency that answered in time was marked overdue")
	}
	r.verifyAudit()
}

// TestMattersCheckLateExplanation: the cadre's 5 working days end with Fri 13 Nov; the default
// ladder reminds them, tells the supervisor, urges through the unit principal and escalates to
// the region; the explanation then leads to a 一致 finding.
func TestMattersCheckLateExplanation(t *testing.T) {
	r := newRun(t, "matters-check-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	answerAgencies(r, "2026-11-05 10:00", "")
	r.at("2026-11-06 10:00", func() {
		r.complete("compare", "ma.lin", workflows.DecisionMismatch, map[string]any{"differences": "出入境记录与报告不符"})
	})
	r.at("2026-11-13 23:00", func() {
		if r.notified("bao.yin", notify.KindOverdue, "explain") {
			t.Error("overdue before the deadline")
		}
	})
	r.at("2026-11-23 10:00", func() {
		r.complete("explain", "batu", workflows.DecisionSubmit, map[string]any{"explanation": "系公务出国，已按规定报备。"})
	})
	r.at("2026-11-24 10:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingConsistent), map[string]any{"opinion": "说明属实，认定一致"})
	})
	r.at("2026-11-25 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	if s.Outcome != "查核结果：一致" || s.MattersCheck.Finding != schemas.FindingConsistent || !s.MattersCheck.Mismatch {
		t.Fatalf("outcome %q state %+v", s.Outcome, s.MattersCheck)
	}
	for _, want := range []struct{ official, kind string }{
		{"batu", notify.KindReminder}, {"bao.yin", notify.KindOverdue}, {"zheng.yi", notify.KindUrge}, {"wang.jian", notify.KindEscalation},
	} {
		if !r.notified(want.official, want.kind, "explain") {
			t.Errorf("%s got no %s for the late explanation", want.official, want.kind)
		}
	}
	if got := r.auditAt("task.overdue", "explain"); !got.Equal(r.rungAt("2026-11-13", "explain")) {
		t.Errorf("explanation overdue at %s", got)
	}
	r.verifyAudit()
}

// TestMattersCheckFollowOns is step 8's follow-ons: a 漏报 finding whose handling includes 诫勉
// starts a P4 admonishment as a linked case, and its discipline clue is referred to the
// commission, whose liaison confirms receipt. A consistent finding can do neither, and a
// referral names its clue.
func TestMattersCheckFollowOns(t *testing.T) {
	r := newRun(t, "matters-check-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	mismatch(r)
	r.at("2026-11-10 10:00", func() {
		r.reject("consistent with 诫勉", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".propose-1", Actor: r.actor("bao.yin"), Decision: string(schemas.FindingConsistent),
			Form: map[string]any{"opinion": "一致", "admonish": true},
		}, schemas.ErrTypeInvalid)
		r.reject("referral without a clue", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".propose-1", Actor: r.actor("bao.yin"), Decision: string(schemas.FindingOmitted),
			Form: map[string]any{"opinion": "漏报", "handling": "诫勉", "refer": true},
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-10 11:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingOmitted), map[string]any{
			"opinion": "漏报配偶房产一套", "handling": "诫勉", "admonish": true, "refer": true, "clue": "房产来源可能涉及收受财物"})
	})
	r.at("2026-11-11 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-12 10:00", func() {
		r.complete("referral-matters", "gao.feng", workflows.DecisionReceived, map[string]any{"receipt_no": "呼纪受〔2026〕12号"})
	})
	adm := fmt.Sprintf("admonishment-%d-0001", time.Now().In(cst).Year())
	r.at("2026-11-13 10:00", func() {
		r.seq++
		_ = r.env.UpdateWorkflowByID(adm, schemas.UpdateCancelCase, fmt.Sprintf("u%d", r.seq), &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("cancel %s: %v", adm, err) }, OnComplete: func(any, error) {},
		}, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
	})
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	m := s.MattersCheck
	if m.AdmonishmentCaseID != adm || !m.Referred || len(s.Referrals) != 1 || s.Referrals[0].ReceiptNo != "呼纪受〔2026〕12号" {
		t.Fatalf("follow-ons: %+v referrals %+v", m, s.Referrals)
	}
	if s.Outcome != "查核结果：漏报；处理：诫勉；诫勉（"+adm+"）；已移送纪委" {
		t.Errorf("outcome %q", s.Outcome)
	}
	var opened schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", adm, "case.opened").First(&opened).Error; err != nil ||
		!strings.Contains(opened.Detail, r.caseID) || !strings.Contains(opened.Detail, schemas.AdmSourceMatters) {
		t.Fatalf("admonishment does not name its check: %v %s", err, opened.Detail)
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "matters.referred_to_discipline").First(&ev).Error; err != nil {
		t.Fatal(err)
	}
	r.verifyAudit()
}
