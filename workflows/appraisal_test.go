package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The round of an office opens one cadre case per cadre it manages (呼和浩特市委组织部: 巴图 and
// 娜仁 of the 教育局; 乌云 belongs to the 土默特左旗 office) and closes.
func TestAppraisalRoundOpensACasePerCadre(t *testing.T) {
	r := newRun(t, "appraisal-2026-0001", mustTime(t, "2026-12-01 00:00:00"))
	r.env.SetTestTimeout(time.Minute)
	var started []schemas.AppraisalCadreInput
	r.env.OnWorkflow(schemas.KindAppraisalCadre.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.AppraisalCadreInput) (schemas.CaseState, error) {
			started = append(started, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseOpen}, nil
		})
	r.env.ExecuteWorkflow(workflows.Appraisal, schemas.AppraisalInput{
		CycleStart: schemas.CycleStart{CaseID: r.caseID, OrgUnitID: "150100", Period: "2026", CreatedBy: "system"},
	})
	s := r.state()
	a := s.Appraisal
	if s.Status != schemas.CaseClosed || a.Roster != 2 || len(a.Opened) != 2 || a.Opened[0].OfficialID != "batu" || a.Opened[1].OfficialID != "na.ren" {
		t.Fatalf("status %s appraisal %+v", s.Status, a)
	}
	if len(started) != 2 || started[0].CycleCaseID != r.caseID || started[0].Period != "2026" || started[0].CadreUnitID != "150100-jyj" {
		t.Errorf("cadre cases started with %+v", started)
	}
	if s.Title != "2026年度述职述廉" || s.Outcome != "已为2名干部开启2026年度述职述廉" {
		t.Errorf("title %q outcome %q", s.Title, s.Outcome)
	}
}

// With a batch of one, the round continues as new after each cadre, carrying the roster and
// the cases opened so far.
func TestAppraisalRoundContinuesAsNew(t *testing.T) {
	defer func(n int) { *workflows.AppraisalBatch = n }(*workflows.AppraisalBatch)
	*workflows.AppraisalBatch = 1
	r := newRun(t, "appraisal-2026-0002", mustTime(t, "2026-12-01 00:00:00"))
	r.env.OnWorkflow(schemas.KindAppraisalCadre.WorkflowType(), mock.Anything, mock.Anything).Return(schemas.CaseState{}, nil)
	r.env.ExecuteWorkflow(workflows.Appraisal, schemas.AppraisalInput{
		CycleStart: schemas.CycleStart{CaseID: r.caseID, OrgUnitID: "150100", Period: "2026", CreatedBy: "system"},
	})
	if err := r.env.GetWorkflowError(); !workflow.IsContinueAsNewError(err) {
		t.Fatalf("want continue-as-new after one cadre, got %v", err)
	}
}

func appraisalCadreInput(caseID string) schemas.AppraisalCadreInput {
	return schemas.AppraisalCadreInput{
		CaseID: caseID, Title: "巴图 2026年度述职述廉", OrgUnitID: "150100", CreatedBy: "system", Period: "2026",
		CycleCaseID: "appraisal-2026-0001", CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
	}
}

// linkedStarts records the linked Talk and Admonishment cases a cadre's appraisal starts.
func linkedStarts(r *run) (*[]schemas.TalkInput, *[]schemas.AdmonishmentInput) {
	var talks []schemas.TalkInput
	var adms []schemas.AdmonishmentInput
	r.env.OnWorkflow(schemas.KindTalk.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.TalkInput) (schemas.CaseState, error) {
			talks = append(talks, in)
			return schemas.CaseState{}, nil
		})
	r.env.OnWorkflow(schemas.KindAdmonishment.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.AdmonishmentInput) (schemas.CaseState, error) {
			adms = append(adms, in)
			return schemas.CaseState{}, nil
		})
	return &talks, &adms
}

func tally(valid, excellent, competent, basic, incompetent string) map[string]any {
	return map[string]any{"valid_ballots": valid, "excellent": excellent, "competent": competent, "basic": basic, "incompetent": incompetent}
}

// appraise drives a cadre's appraisal through the report, the tally and the grade.
func appraise(r *run, counts map[string]any, grade string) {
	r.at("2026-12-03 10:00", func() {
		r.complete("report", "batu", workflows.DecisionSubmit, map[string]any{"report": "一年来履职尽责、廉洁自律情况……"})
	})
	r.at("2026-12-08 10:00", func() { r.complete("tally", "bao.yin", workflows.DecisionSubmit, counts) })
	r.at("2026-12-09 10:00", func() {
		r.complete("propose-grade", "bao.yin", grade, map[string]any{"reason": "考核组综合研判"})
	})
	r.at("2026-12-10 10:00", func() { r.complete("decide-grade", "chen.jing", grade, nil) })
}

// No threshold hit: the grade is decided and the feedback talk opened; no review.
func TestAppraisalCadreWithoutThresholds(t *testing.T) {
	r := newRun(t, "appraisal-cadre-2026-0001", mustTime(t, "2026-12-01 00:00:00"))
	r.env.SetTestTimeout(time.Minute)
	talks, adms := linkedStarts(r)
	appraise(r, tally("33", "20", "10", "2", "1"), schemas.GradeCompetent)
	r.at("2026-12-08 09:00", func() {
		r.reject("counts that do not add up", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".tally", Actor: r.actor("bao.yin"), Decision: workflows.DecisionSubmit, Form: tally("34", "20", "10", "2", "1"),
		}, schemas.ErrTypeInvalid)
		r.reject("a negative count", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".tally", Actor: r.actor("bao.yin"), Decision: workflows.DecisionSubmit, Form: tally("31", "20", "10", "2", "-1"),
		}, schemas.ErrTypeInvalid)
		r.reject("the cadre enters their own tally", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".tally", Actor: r.actor("batu"), Decision: workflows.DecisionSubmit, Form: tally("33", "33", "0", "0", "0"),
		}, schemas.ErrTypeRecused)
	})
	r.env.ExecuteWorkflow(workflows.AppraisalCadre, appraisalCadreInput(r.caseID))
	s := r.state()
	a := s.AppraisalCadre
	if s.Status != schemas.CaseClosed || a.Grade != schemas.GradeCompetent || a.Proposed != schemas.GradeCompetent || len(a.Thresholds) != 0 || a.Handling != "" {
		t.Fatalf("status %s appraisal %+v", s.Status, a)
	}
	if a.Tally == nil || a.Tally.Total() != 33 || s.Outcome != "考核等次：称职" {
		t.Errorf("tally %+v outcome %q", a.Tally, s.Outcome)
	}
	if len(*talks) != 1 || a.TalkCaseID == "" || (*talks)[0].TalkWorkingDays != 20 || (*talks)[0].Reason != schemas.TalkReasonAssessment ||
		(*talks)[0].ProposedBy != r.caseID || (*talks)[0].CadreID != "batu" || len(*adms) != 0 {
		t.Errorf("talks %+v admonishments %+v", *talks, *adms)
	}
	if got := dueOfStep(t, s, "report"); got != "2026-12-22 23:59" {
		t.Errorf("report due %s, want 15 working days", got)
	}
	if got := dueOfStep(t, s, "tally"); got != "2026-12-17 23:59" {
		t.Errorf("tally due %s, want 10 working days", got)
	}
	r.verifyAudit()
}

// 优秀+称职 under two thirds (15 of 30): the review decides 诫勉, which starts a linked
// admonishment.
func TestAppraisalCadreLowSupportAdmonished(t *testing.T) {
	r := newRun(t, "appraisal-cadre-2026-0002", mustTime(t, "2026-12-01 00:00:00"))
	r.env.SetTestTimeout(time.Minute)
	talks, adms := linkedStarts(r)
	appraise(r, tally("30", "5", "10", "10", "5"), schemas.GradeBasic)
	r.at("2026-12-11 09:00", func() {
		r.reject("a measure for many 不称职 votes", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".review", Actor: r.actor("chen.jing"), Decision: schemas.AppraisalDismiss, Form: map[string]any{"reason": "x"},
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-12-11 10:00", func() {
		r.complete("review", "chen.jing", schemas.AppraisalAdmonish, map[string]any{"reason": "群众认可度低"})
	})
	r.env.ExecuteWorkflow(workflows.AppraisalCadre, appraisalCadreInput(r.caseID))
	s := r.state()
	a := s.AppraisalCadre
	if len(a.Thresholds) != 1 || a.Thresholds[0] != schemas.ThresholdLowSupport || a.Handling != schemas.AppraisalAdmonish {
		t.Fatalf("appraisal %+v", a)
	}
	if len(*adms) != 1 || a.AdmonishmentCaseID == "" || (*adms)[0].Source != schemas.AdmSourceAppraisal || (*adms)[0].SourceCaseID != r.caseID || len(*talks) != 1 {
		t.Errorf("admonishments %+v talks %d", *adms, len(*talks))
	}
	if s.Outcome != "考核等次：基本称职；诫勉" {
		t.Errorf("outcome %q", s.Outcome)
	}
}

// 不称职 over a third (12 of 22): the review may decide 降职; the cadre section is told.
func TestAppraisalCadreManyIncompetentDemoted(t *testing.T) {
	r := newRun(t, "appraisal-cadre-2026-0003", mustTime(t, "2026-12-01 00:00:00"))
	r.env.SetTestTimeout(time.Minute)
	_, adms := linkedStarts(r)
	appraise(r, tally("22", "2", "3", "5", "12"), schemas.GradeIncompetent)
	r.at("2026-12-11 10:00", func() {
		r.complete("review", "chen.jing", schemas.AppraisalDemote, map[string]any{"reason": "不称职票超过三分之一"})
	})
	r.env.ExecuteWorkflow(workflows.AppraisalCadre, appraisalCadreInput(r.caseID))
	s := r.state()
	a := s.AppraisalCadre
	if len(a.Thresholds) != 2 || a.Handling != schemas.AppraisalDemote || len(*adms) != 0 || s.Outcome != "考核等次：不称职；降职" {
		t.Fatalf("appraisal %+v outcome %q", a, s.Outcome)
	}
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND case_id = ? AND title LIKE ?", "wu.gang", r.caseID, "述职述廉测评结果处理%").Count(&n)
	if n != 1 {
		t.Errorf("the cadre section got %d notices of the demotion", n)
	}
}

// A continued run opens the cases not yet opened, from the roster it carries (no new read),
// and closes the round with all of them.
func TestAppraisalRoundContinued(t *testing.T) {
	r := newRun(t, "appraisal-2026-0003", mustTime(t, "2026-12-01 00:00:00"))
	var started []string
	r.env.OnWorkflow(schemas.KindAppraisalCadre.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.AppraisalCadreInput) (schemas.CaseState, error) {
			started = append(started, in.CadreID)
			return schemas.CaseState{}, nil
		})
	r.env.ExecuteWorkflow(workflows.Appraisal, schemas.AppraisalInput{
		CycleStart: schemas.CycleStart{CaseID: r.caseID, OrgUnitID: "150100", Period: "2026", CreatedBy: "system"},
		Roster:     []schemas.AppraisalCadre{{OfficialID: "batu", Name: "巴图", UnitID: "150100-jyj"}, {OfficialID: "carried", Name: "某某", UnitID: "150100-jyj"}},
		Opened:     []schemas.AppraisalOpened{{OfficialID: "batu", CaseID: "appraisal-cadre-2026-0001"}}, Continued: true,
	})
	s := r.state()
	if s.Status != schemas.CaseClosed || len(started) != 1 || started[0] != "carried" || len(s.Appraisal.Opened) != 2 || s.Appraisal.Roster != 2 {
		t.Fatalf("status %s started %v appraisal %+v", s.Status, started, s.Appraisal)
	}
}
