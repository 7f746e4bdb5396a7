package workflows_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The round of 土默特左旗 (150121) for 2025, opened on Friday 2 January 2026. The superior
// office is 呼和浩特市委组织部 (150100): 包音 (bao.yin) schedules, reviews, tallies and feeds back,
// 马林 (ma.lin) verifies; 王海 (wang.hai, cadre section of 150121) drafts the report; 郭红
// (guo.hong, leader of 150121) rectifies. The new cadres: 韩博 (han.bo, c1) and 乌云 (wuyun, c2)
// of 土默特左旗水利局.
func evaluationInput(caseID string) schemas.EvaluationInput {
	return schemas.EvaluationInput{
		CycleStart: schemas.CycleStart{CaseID: caseID, OrgUnitID: "150121", Period: "2025", CreatedBy: "system"},
		Cadres: []schemas.EvaluationCadre{
			{ID: "c1", OfficialID: "han.bo", Name: "韩博", UnitID: "150121-slj", UnitName: "土默特左旗水利局", Post: "土默特左旗水利局局长"},
			{ID: "c2", OfficialID: "wuyun", Name: "乌云", UnitID: "150121-slj", UnitName: "土默特左旗水利局", Post: "土默特左旗水利局副局长"},
		},
	}
}

// tallyForm is the tally step's form: 100 forms issued, 98 returned; the work's counts and
// each cadre's (satisfied, basic, unsatisfied, unknown).
func tallyForm(work [4]int, cadres map[string][4]int) map[string]any {
	form := map[string]any{schemas.TallyIssuedField: "100", schemas.TallyReturnedField: "98"}
	put := func(who string, n [4]int) {
		for i, opt := range schemas.EvaluationOptions {
			form[schemas.TallyField(who, opt)] = strconv.Itoa(n[i])
		}
	}
	put("work", work)
	for who, n := range cadres {
		put(who, n)
	}
	return form
}

var fineCadres = map[string][4]int{"c1": {60, 30, 5, 3}, "c2": {50, 30, 10, 8}}

// untilTally drives the round to its tallies, entered on Thursday 22 January.
func untilTally(r *run, tally map[string]any) {
	r.at("2026-01-05 10:00", func() {
		r.complete("schedule", "bao.yin", workflows.DecisionScheduled, map[string]any{"date": "2026-01-20", "place": "旗委常委会议室"})
	})
	r.at("2026-01-06 10:00", func() {
		r.complete("report-draft-1", "wang.hai", workflows.DecisionSubmit, map[string]any{"report": "2025年度选人用人工作报告初稿"})
	})
	r.at("2026-01-07 10:00", func() {
		r.complete("report-review-1", "bao.yin", workflows.DecisionReturn, map[string]any{"opinion": "补充上年度整改情况"})
	})
	r.at("2026-01-08 10:00", func() {
		r.complete("report-draft-2", "wang.hai", workflows.DecisionSubmit, map[string]any{"report": "2025年度选人用人工作报告（含整改情况）"})
	})
	r.at("2026-01-09 10:00", func() { r.complete("report-review-2", "bao.yin", workflows.DecisionApprove, nil) })
	r.at("2026-01-20 16:00", func() {
		r.complete("meeting", "bao.yin", workflows.DecisionHeld, map[string]any{"held_on": "2026-01-20"})
	})
	r.at("2026-01-22 10:00", func() {
		// A cadre's counts summing past the forms returned are refused, naming the field.
		bad := tallyForm([4]int{80, 10, 5, 3}, map[string][4]int{"c1": {90, 9, 0, 0}, "c2": fineCadres["c2"]})
		r.reject("tally over the forms returned", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".tally", Actor: r.actor("bao.yin"), Decision: workflows.DecisionSubmit, Form: bad,
		}, schemas.ErrTypeInvalid)
		// The cadre evaluated is a subject of the case (回避).
		r.reject("tally by a cadre evaluated", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".tally", Actor: r.actor("han.bo"), Decision: workflows.DecisionSubmit, Form: tally,
		}, schemas.ErrTypeRecused)
	})
	r.at("2026-01-22 11:00", func() { r.complete("tally", "bao.yin", workflows.DecisionSubmit, tally) })
	r.at("2026-01-26 10:00", func() {
		r.complete("feedback", "bao.yin", workflows.DecisionSent, map[string]any{"feedback": "评议结果已向旗委反馈。"})
	})
}

// rectifies: the plan on 2 February, the report on 2 March, accepted on 4 March.
func rectifies(r *run) {
	r.at("2026-02-02 10:00", func() {
		r.complete("rectify-plan", "guo.hong", workflows.DecisionSubmit, map[string]any{"plan": "整改方案：规范动议程序……"})
	})
	r.at("2026-03-02 10:00", func() {
		r.complete("rectify-1", "guo.hong", workflows.DecisionSubmit, map[string]any{"report": "整改报告"})
	})
	r.at("2026-03-04 10:00", func() { r.complete("rectify-check-1", "bao.yin", workflows.DecisionAccept, nil) })
}

func hasTask(s schemas.CaseState, step string) bool {
	return slices.ContainsFunc(s.Tasks, func(t schemas.TaskView) bool { return t.StepKey == step })
}

func TestEvaluationAllFine(t *testing.T) {
	r := newRun(t, "evaluation-2026-0001", mustTime(t, "2026-01-02 09:00:00"))
	untilTally(r, tallyForm([4]int{70, 20, 5, 3}, fineCadres))
	r.env.ExecuteWorkflow(workflows.Evaluation, evaluationInput(r.caseID))

	s := r.state()
	ev := s.Evaluation
	if s.Status != schemas.CaseClosed || s.Outcome != "满意度94.7%" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if ev.SuperiorOfficeID != "150100" || ev.Low || ev.Dropped || ev.Previous != nil || ev.Issued != 100 || ev.Returned != 98 || ev.HeldOn != "2026-01-20" {
		t.Fatalf("evaluation %+v", ev)
	}
	for _, c := range ev.Cadres {
		if c.Flagged || c.Tally == nil {
			t.Errorf("cadre %+v", c)
		}
	}
	if !slices.Contains(s.Subjects, "han.bo") || !slices.Contains(s.Subjects, "wuyun") {
		t.Errorf("subjects %v", s.Subjects)
	}
	for _, step := range []string{"rectify-plan", "c1-verify", "c2-verify"} {
		if hasTask(s, step) {
			t.Errorf("unexpected step %s", step)
		}
	}
	// The schedule was due on 31 January; the review 5 working days after the draft.
	var sched, review schemas.Task
	r.db.First(&sched, "id = ?", r.caseID+".schedule")
	r.db.First(&review, "id = ?", r.caseID+".report-review-1")
	if got := sched.DueAt.In(cst).Format("2006-01-02"); got != "2026-01-31" {
		t.Errorf("schedule due %s", got)
	}
	if got := review.DueAt.In(cst).Format("2006-01-02"); got != "2026-01-13" {
		t.Errorf("review due %s", got)
	}
	// The results went up to the superior office's leader, and back to the local leader.
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "chen.jing", "一报告两评议结果报告%").Count(&n)
	if n != 1 {
		t.Errorf("report up: %d notifications", n)
	}
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "guo.hong", "一报告两评议结果反馈%").Count(&n)
	if n != 1 {
		t.Errorf("feedback: %d notifications", n)
	}
	r.verifyAudit()
}

// TestEvaluationFlaggedCadreAdmonished: 乌云 has 35 不满意 of 100 valid forms (more than a
// third: 不了解 are not counted); 韩博 exactly a third (33 of 99), which is not more. The
// verification ends in 诫勉, which starts a linked admonishment case.
func TestEvaluationFlaggedCadreAdmonished(t *testing.T) {
	r := newRun(t, "evaluation-2026-0002", mustTime(t, "2026-01-02 09:00:00"))
	var adm []schemas.AdmonishmentInput
	r.env.OnWorkflow(schemas.KindAdmonishment.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.AdmonishmentInput) (schemas.CaseState, error) {
			adm = append(adm, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseClosed}, nil
		})
	cadres := map[string][4]int{"c1": {40, 26, 33, 0}, "c2": {40, 25, 35, 0}}
	// c2: 40+25+35 = 100 of 98 returned would be refused; use the forms returned fully.
	form := tallyForm([4]int{70, 20, 5, 3}, cadres)
	form[schemas.TallyReturnedField], form[schemas.TallyIssuedField] = "100", "100"
	untilTally(r, form)
	r.at("2026-02-03 10:00", func() {
		r.complete("c2-verify", "ma.lin", schemas.EvalAdmonish, map[string]any{"findings": "群众反映其作风粗暴，经核实属实。"})
	})
	r.env.ExecuteWorkflow(workflows.Evaluation, evaluationInput(r.caseID))

	s := r.state()
	child := fmt.Sprintf("admonishment-%d-0001", time.Now().In(cst).Year())
	c1, c2 := s.Evaluation.Cadres[0], s.Evaluation.Cadres[1]
	if c1.Flagged || !c2.Flagged || c2.Outcome != schemas.EvalAdmonish || c2.LinkedCaseID != child || c2.Disapproval != "35.0%" {
		t.Fatalf("cadres %+v %+v", c1, c2)
	}
	if s.Outcome != "满意度94.7%；乌云：诫勉（"+child+"）" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if len(adm) != 1 || adm[0].CadreID != "wuyun" || adm[0].Source != schemas.AdmSourceEvaluation || adm[0].SourceCaseID != r.caseID || adm[0].OrgUnitID != "150121" {
		t.Fatalf("admonishment inputs %+v", adm)
	}
	if hasTask(s, "c1-verify") || hasTask(s, "rectify-plan") {
		t.Error("a cadre at exactly a third was verified, or the work rectified")
	}
	// The verification was due 30 working days after the tallies (Spring Festival counted).
	var v schemas.Task
	r.db.First(&v, "id = ?", r.caseID+".c2-verify")
	if v.DueAt.In(cst).Format("2006-01-02") != "2026-03-11" {
		t.Errorf("verification due %s", v.DueAt.In(cst))
	}
	r.verifyAudit()
}

// TestEvaluationLowApprovalRectified: 79 of 100 valid forms approve the work (below 80%): the
// rectification is planned, carried out and checked.
func TestEvaluationLowApprovalRectified(t *testing.T) {
	r := newRun(t, "evaluation-2026-0003", mustTime(t, "2026-01-02 09:00:00"))
	form := tallyForm([4]int{49, 30, 21, 0}, fineCadres)
	form[schemas.TallyReturnedField], form[schemas.TallyIssuedField] = "100", "100"
	untilTally(r, form)
	rectifies(r)
	r.env.ExecuteWorkflow(workflows.Evaluation, evaluationInput(r.caseID))

	s := r.state()
	ev := s.Evaluation
	if !ev.Low || ev.Dropped || !ev.Rectified || ev.RectificationRounds != 1 || ev.RectificationPlan == "" {
		t.Fatalf("evaluation %+v", ev)
	}
	if s.Outcome != "满意度79.0%；已整改" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	var plan schemas.Task
	r.db.First(&plan, "id = ?", r.caseID+".rectify-plan")
	if plan.AssigneeRole != schemas.RoleLeader || plan.OrgUnitID != "150121" {
		t.Fatalf("plan task %+v", plan)
	}
	r.verifyAudit()
}

// TestEvaluationDropAgainstLastYear: last year's round approved 95 of 100; this year 84 of 100
// (above 80%, but 11 points lower): rectification.
func TestEvaluationDropAgainstLastYear(t *testing.T) {
	r := newRun(t, "evaluation-2026-0004", mustTime(t, "2026-01-02 09:00:00"))
	last := schemas.CaseState{ID: "evaluation-2025-0001", Kind: schemas.KindEvaluation, Status: schemas.CaseClosed,
		Evaluation: &schemas.EvaluationState{Period: "2024", Approval: &schemas.Ratio{Num: 95, Den: 100}}}
	b, _ := json.Marshal(last)
	closed := mustTime(t, "2025-03-01 10:00:00")
	if err := r.db.Create(&schemas.Case{ID: last.ID, Kind: schemas.KindEvaluation, Year: 2025, Seq: 1, Title: "2024年度", OrgUnitID: "150121",
		Status: schemas.CaseClosed, CreatedBy: "system", ClosedAt: &closed, FinalState: string(b)}).Error; err != nil {
		t.Fatal(err)
	}
	form := tallyForm([4]int{54, 30, 16, 0}, fineCadres)
	form[schemas.TallyReturnedField], form[schemas.TallyIssuedField] = "100", "100"
	untilTally(r, form)
	rectifies(r)
	r.env.ExecuteWorkflow(workflows.Evaluation, evaluationInput(r.caseID))

	s := r.state()
	ev := s.Evaluation
	if ev.Low || !ev.Dropped || ev.Previous == nil || ev.Previous.CaseID != last.ID || !ev.Rectified {
		t.Fatalf("evaluation %+v previous %+v", ev, ev.Previous)
	}
	if !strings.HasPrefix(s.Outcome, "满意度84.0%；已整改") {
		t.Fatalf("outcome %q", s.Outcome)
	}
}
