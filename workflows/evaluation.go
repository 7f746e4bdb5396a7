package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// Evaluation is P9 of DOMAIN.md, 一报告两评议: one round a year per organization department.
// The superior office's supervisor schedules the plenary meeting (by 31 January); the local
// cadre section drafts the standing committee's report and the superior supervisor reviews it;
// the meeting is held; the supervisor enters the tallies (counts per option, never ballots).
// Then, side by side: each new cadre whose 不满意 share passes the threshold is verified
// (了解核实, possibly a linked P4 admonishment); the supervisor feeds the results back, and a low
// or falling approval of the work opens the rectification. The results are reported up.
func Evaluation(ctx workflow.Context, in schemas.EvaluationInput) (schemas.CaseState, error) {
	title := in.Title
	if title == "" {
		title = in.Period + "年度选人用人工作一报告两评议"
	}
	e := &evaluation{
		caseRun: newCaseRun(in.CaseID, schemas.KindEvaluation, title, in.OrgUnitID, in.CreatedBy, in.Priority, evaluationStages),
		in:      in,
		ev:      &schemas.EvaluationState{Period: in.Period, Thresholds: in.Thresholds.WithDefaults()},
	}
	for _, c := range in.Cadres {
		e.ev.Cadres = append(e.ev.Cadres, &schemas.EvaluationCadreState{EvaluationCadre: c})
		e.addSubjects(c.OfficialID)
	}
	e.state.Evaluation = e.ev
	e.cancelAtOffice(in.OrgUnitID)
	return e.runCase(ctx, e.run)
}

var evaluationStages = map[string]string{
	"scheduling":   "安排评议会议",
	"reporting":    "起草审核工作报告",
	"meeting":      "召开评议会议",
	"tallying":     "统计评议结果",
	"following_up": "核实与反馈",
	"closed":       "已办结",
}

// Step periods (DOMAIN.md P9 [policy]): review 5 working days, tally 10, verification 30,
// feedback 10, rectification plan 20 (then the rectification loop's 60 days and its check).
// The report's draft has no limit in DOMAIN.md: 10 working days here [policy].
var (
	evaluationDraftPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	evaluationReviewPeriod   = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	evaluationTallyPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	evaluationVerifyPeriod   = calendar.Period{N: 30, Unit: calendar.WorkingDays}
	evaluationFeedbackPeriod = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	evaluationPlanPeriod     = calendar.Period{N: 20, Unit: calendar.WorkingDays}
	// evaluationLateSchedule is the scheduling period of a round opened after 31 January.
	evaluationLateSchedule = calendar.Period{N: 5, Unit: calendar.WorkingDays}
)

type evaluation struct {
	*caseRun
	in    schemas.EvaluationInput
	ev    *schemas.EvaluationState
	basis activities.EvaluationBasis
}

func (e *evaluation) run(ctx workflow.Context) error {
	ids := make([]string, len(e.in.Cadres))
	for i, c := range e.in.Cadres {
		ids[i] = c.OfficialID
	}
	if err := e.open(ctx, "scheduling", map[string]any{"period": e.in.Period, "cadres": ids, "thresholds": e.ev.Thresholds}); err != nil {
		return err
	}
	if err := e.exec(ctx, "查找上级组织部门与上年度评议", acts.EvaluationBasis, activities.EvaluationBasisRequest{
		OrgUnitID: e.in.OrgUnitID, Period: e.in.Period,
	}, &e.basis); err != nil {
		return err
	}
	e.ev.SuperiorOfficeID, e.ev.Previous = e.basis.SuperiorOfficeID, e.basis.Previous
	e.refresh(ctx)
	if err := e.schedule(ctx); err != nil {
		return err
	}
	if err := e.report(ctx); err != nil {
		return err
	}
	if err := e.meeting(ctx); err != nil {
		return err
	}
	if err := e.tally(ctx); err != nil {
		return err
	}
	e.setOutcome()
	branches := []func(workflow.Context) error{e.feedbackAndRectify}
	for _, cs := range e.ev.Cadres {
		if cs.Flagged {
			branches = append(branches, func(gctx workflow.Context) error { return e.verify(gctx, cs) })
		}
	}
	if err := inParallel(ctx, branches...); err != nil {
		return err
	}
	return e.reportUp(ctx)
}

// schedule: the superior supervisor fixes the meeting by 31 January of the year after the
// one evaluated (DOMAIN.md P9 step 1 [policy]); a round opened later gets 5 working days.
func (e *evaluation) schedule(ctx workflow.Context) error {
	period := evaluationLateSchedule
	if year, err := strconv.Atoi(e.in.Period); err == nil {
		now := workflow.Now(ctx).In(calendar.Location())
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Location())
		due := time.Date(year+1, time.January, 31, 0, 0, 0, 0, calendar.Location())
		if days := int(due.Sub(today).Hours() / 24); days >= 1 {
			period = calendar.Period{N: days, Unit: calendar.Days}
		}
	}
	var notes []string
	for _, c := range e.ev.Cadres {
		notes = append(notes, "评议对象："+c.Name+"（"+c.UnitName+"，"+c.Post+"）")
	}
	if len(notes) == 0 {
		notes = []string{"本年度无新提拔干部评议对象"}
	}
	done, err := e.humanStep(ctx, StepSpec{
		Stage: "scheduling", Key: "schedule", Step: "schedule_meeting", Title: "安排一报告两评议会议：" + e.basis.OrgUnitName,
		OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleSupervisor,
		Period: period, DeadlineSummary: "安排会议期限（1月31日前）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionScheduled, Label: "已安排"}},
			Form: []schemas.FormField{
				{Name: "date", Label: "会议日期", Type: schemas.FieldDate, Required: true, MinDate: e.in.Period + "-01-01"},
				{Name: "place", Label: "会议地点", Type: schemas.FieldText, Required: true, MaxLen: 200},
			},
			Notes: notes,
		},
	})
	if err != nil {
		return err
	}
	e.ev.Meeting = &schemas.EvaluationMeeting{Date: done.Text("date"), Place: done.Text("place")}
	e.refresh(ctx)
	return nil
}

// report: the local cadre section drafts the standing committee's report on the year's
// selection work (with last year's rectification); the superior supervisor reviews it in 5
// working days, until approved (DOMAIN.md P9 step 2).
func (e *evaluation) report(ctx workflow.Context) error {
	_, approval, err := e.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, _, returned Completion) StepSpec {
			spec := schemas.TaskSpec{
				Decisions: submitDecisions("提交审核"),
				Form:      []schemas.FormField{{Name: "report", Label: "常委会选人用人工作报告（含上年度整改情况）", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000}},
			}
			if round > 1 {
				spec.Notes = []string{"退回意见：" + returned.Text("opinion")}
			}
			return StepSpec{
				Stage: "reporting", Key: fmt.Sprintf("report-draft-%d", round), Step: "draft_report",
				Title:     e.in.Period + "年度选人用人工作报告：" + e.basis.OrgUnitName,
				OrgUnitID: e.in.OrgUnitID, Role: schemas.RoleCadreSection, Period: evaluationDraftPeriod, Spec: spec,
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Key: fmt.Sprintf("report-review-%d", round), Step: "review_report", Title: "审核选人用人工作报告：" + e.basis.OrgUnitName,
				OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleSupervisor, Period: evaluationReviewPeriod,
				DeadlineSummary: "审核期限（5个工作日）", Spec: approvalSpec("审核通过"),
			}
		},
	})
	if err != nil {
		return err
	}
	e.ev.ReportApprovedAt = &approval.At
	e.refresh(ctx)
	return nil
}

// meeting: the report is given at the plenary and the anonymous forms are sealed on the spot
// and handed to the superior supervision office that day (DOMAIN.md P9 step 3). The step is
// due the day after the scheduled date.
func (e *evaluation) meeting(ctx workflow.Context) error {
	period := calendar.Period{N: 1, Unit: calendar.WorkingDays}
	if d, err := time.ParseInLocation("2006-01-02", e.ev.Meeting.Date, calendar.Location()); err == nil {
		now := workflow.Now(ctx).In(calendar.Location())
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Location())
		if days := int(d.Sub(today).Hours()/24) + 1; days >= 1 {
			period = calendar.Period{N: days, Unit: calendar.Days}
		}
	}
	done, err := e.humanStep(ctx, StepSpec{
		Stage: "meeting", Key: "meeting", Step: "hold_meeting", Title: "召开全委（扩大）会议并封存评议表：" + e.basis.OrgUnitName,
		OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleSupervisor, Period: period, DeadlineSummary: "会议日期",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionHeld, Label: "会议已召开，评议表已当场封存并交回"}},
			Form:      []schemas.FormField{{Name: "held_on", Label: "会议召开日期", Type: schemas.FieldDate, Required: true, NotFuture: true, MinDate: e.in.Period + "-01-01"}},
			Notes:     []string{"会议安排：" + e.ev.Meeting.Date + "，" + e.ev.Meeting.Place},
		},
	})
	if err != nil {
		return err
	}
	e.ev.HeldOn = done.Text("held_on")
	e.refresh(ctx)
	return nil
}

// tally: the supervisor enters the counts per option within 10 working days (DOMAIN.md P9
// step 4); the thresholds are applied to them.
func (e *evaluation) tally(ctx workflow.Context) error {
	cadres := e.in.Cadres
	done, err := e.humanStep(ctx, StepSpec{
		Stage: "tallying", Key: "tally", Step: "tally", Title: "统计评议结果：" + e.basis.OrgUnitName,
		OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleSupervisor, Period: evaluationTallyPeriod,
		DeadlineSummary: "统计期限（10个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "提交统计结果"}},
			Form:      schemas.TallyForm(cadres),
			Notes:     []string{"按选项录入票数，不录入单张评议表；“不了解”不计入有效票。"},
		},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			_, issues := schemas.ParseTallies(req.Form, cadres)
			return issues
		},
	})
	if err != nil {
		return err
	}
	t, _ := schemas.ParseTallies(done.Form, cadres)
	th := e.ev.Thresholds
	work, approval := t.Work, t.Work.Approval()
	e.ev.Issued, e.ev.Returned, e.ev.Work, e.ev.Approval = t.Issued, t.Returned, &work, &approval
	e.ev.Low = approval.Below(th.WorkSatisfied)
	if e.ev.Previous != nil {
		e.ev.Dropped = approval.DroppedBy(e.ev.Previous.Approval, th.DropPoints)
	}
	var flagged []string
	for _, cs := range e.ev.Cadres {
		x := t.Cadres[cs.ID]
		cs.Tally, cs.Disapproval = &x, x.Disapproval().String()
		cs.Flagged = x.Disapproval().Above(th.CadreUnsatisfied)
		if cs.Flagged {
			flagged = append(flagged, cs.OfficialID)
		}
	}
	e.refresh(ctx)
	return e.audit(ctx, "记录评议结果", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "evaluation.tallied",
		Detail: map[string]any{"issued": t.Issued, "returned": t.Returned, "approval": approval.String(),
			"low": e.ev.Low, "dropped": e.ev.Dropped, "flagged": flagged},
	})
}

var verifyEvaluationSpec = schemas.TaskSpec{
	Decisions: []schemas.Decision{
		{Key: schemas.EvalNoAction, Label: "经核实无需处理"},
		{Key: schemas.EvalRemindTalk, Label: "谈话提醒"},
		{Key: schemas.EvalAdmonish, Label: "诫勉"},
		{Key: schemas.EvalAdjust, Label: "组织调整"},
	},
	Form: []schemas.FormField{{Name: "findings", Label: "了解核实情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
}

// verify: a cadre whose 不满意 share passed the threshold is verified by the superior office's
// investigator in 30 working days (DOMAIN.md P9 step 5); 诫勉 starts a linked P4 case.
func (e *evaluation) verify(ctx workflow.Context, cs *schemas.EvaluationCadreState) error {
	spec := verifyEvaluationSpec
	spec.Notes = []string{fmt.Sprintf("%s的评议结果：满意%d、基本满意%d、不满意%d、不了解%d；不满意票占有效票%s，超过%s。",
		cs.Name, cs.Tally.Satisfied, cs.Tally.Basic, cs.Tally.Unsatisfied, cs.Tally.Unknown, cs.Disapproval, e.ev.Thresholds.CadreUnsatisfied)}
	done, err := e.humanStep(ctx, StepSpec{
		Stage: "following_up", Key: cs.ID + "-verify", Step: "verify_cadre", Title: "了解核实评议情况：" + cs.Name,
		OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleInvestigator, Period: evaluationVerifyPeriod,
		DeadlineSummary: "了解核实期限（30个工作日）", Spec: spec,
	})
	if err != nil {
		return err
	}
	cs.Outcome, cs.Findings = done.Decision, done.Text("findings")
	if done.Decision == schemas.EvalAdmonish {
		title := "诫勉：" + cs.Name
		id, err := e.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAdmonishment, Key: cs.ID + "-admonish", Title: title, OrgUnitID: e.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AdmonishmentInput{
					CaseID: caseID, Title: title, OrgUnitID: e.in.OrgUnitID, CreatedBy: done.Actor.ID, Priority: e.state.Priority,
					CadreID: cs.OfficialID, CadreName: cs.Name, CadreUnitID: cs.UnitID,
					Grounds: "民主评议不满意票超过三分之一，经了解核实：" + cs.Findings, Source: schemas.AdmSourceEvaluation, SourceCaseID: e.state.ID,
				}
			},
		})
		if err != nil {
			return err
		}
		cs.LinkedCaseID = id
	}
	e.setOutcome()
	err = e.audit(ctx, "记录了解核实结果："+cs.Name, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "evaluation.verified",
		Detail: map[string]any{"cadre": cs.ID, "official_id": cs.OfficialID, "outcome": done.Decision, "linked_case": cs.LinkedCaseID},
	})
	e.refresh(ctx)
	return err
}

// feedbackAndRectify: the supervisor feeds the results back within 10 working days; a low or
// falling approval of the work opens the rectification: the local department's leader plans
// it in 20 working days, carries it out (the shared loop: 60 days, checked by the superior
// supervisor) (DOMAIN.md P9 step 6).
func (e *evaluation) feedbackAndRectify(ctx workflow.Context) error {
	notes := []string{"评议结果：" + e.summary()}
	if e.ev.Low || e.ev.Dropped {
		notes = append(notes, "须整改："+e.rectifyReason())
	}
	done, err := e.humanStep(ctx, StepSpec{
		Stage: "following_up", Key: "feedback", Step: "feedback", Title: "反馈评议结果：" + e.basis.OrgUnitName,
		OrgUnitID: e.basis.SuperiorOfficeID, Role: schemas.RoleSupervisor, Period: evaluationFeedbackPeriod,
		DeadlineSummary: "反馈期限（10个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSent, Label: "已反馈"}},
			Form:      []schemas.FormField{{Name: "feedback", Label: "反馈意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
			Notes:     notes,
		},
	})
	if err != nil {
		return err
	}
	e.ev.Feedback = done.Text("feedback")
	e.refresh(ctx)
	if err := e.notify(ctx, "通知评议结果", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleLeader), OrgUnit: e.in.OrgUnitID,
		Title: "一报告两评议结果反馈：" + e.state.Title,
		Body:  fmt.Sprintf("%s：%s。反馈意见：%s", e.state.ID, e.summary(), e.ev.Feedback),
	}); err != nil {
		return err
	}
	if !e.ev.Low && !e.ev.Dropped {
		return nil
	}
	plan, err := e.humanStep(ctx, StepSpec{
		Key: "rectify-plan", Step: "rectify_plan", Title: "制定选人用人工作整改方案：" + e.basis.OrgUnitName,
		OrgUnitID: e.in.OrgUnitID, Role: schemas.RoleLeader, Period: evaluationPlanPeriod,
		DeadlineSummary: "整改方案期限（20个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交整改方案"),
			Form:      []schemas.FormField{{Name: "plan", Label: "整改方案", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
			Notes:     []string{"整改原因：" + e.rectifyReason(), "反馈意见：" + e.ev.Feedback},
		},
	})
	if err != nil {
		return err
	}
	e.ev.RectificationPlan = plan.Text("plan")
	e.refresh(ctx)
	if _, err := e.rectify(ctx, rectification{
		Findings: "一报告两评议", UnitID: e.in.OrgUnitID, UnitName: e.basis.OrgUnitName, Role: schemas.RoleLeader,
		CheckOrgUnitID: e.basis.SuperiorOfficeID, CheckRole: schemas.RoleSupervisor, Rounds: &e.ev.RectificationRounds,
	}); err != nil {
		return err
	}
	e.ev.Rectified = true
	e.setOutcome()
	e.refresh(ctx)
	return nil
}

// reportUp: the results go up to the superior office's leaders (DOMAIN.md P9 step 6: reported
// to the next level).
func (e *evaluation) reportUp(ctx workflow.Context) error {
	e.setOutcome()
	now := workflow.Now(ctx)
	e.ev.ReportedAt = &now
	if err := e.audit(ctx, "上报评议结果", activities.AuditRequest{
		Actor: "system", Action: "evaluation.reported",
		Detail: map[string]any{"to": e.basis.SuperiorOfficeID, "approval": e.ev.Approval.String(), "low": e.ev.Low, "dropped": e.ev.Dropped},
	}); err != nil {
		return err
	}
	e.refresh(ctx)
	return e.notify(ctx, "上报评议结果", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleLeader), OrgUnit: e.basis.SuperiorOfficeID,
		Title: "一报告两评议结果报告：" + e.basis.OrgUnitName + e.in.Period + "年度",
		Body:  fmt.Sprintf("%s：%s。", e.state.ID, e.state.Outcome),
	})
}

// summary is the work's result in one line.
func (e *evaluation) summary() string {
	w := e.ev.Work
	return fmt.Sprintf("选人用人工作满意度%s（满意%d、基本满意%d、不满意%d、不了解%d；发出%d份，收回%d份）",
		e.ev.Approval, w.Satisfied, w.Basic, w.Unsatisfied, w.Unknown, e.ev.Issued, e.ev.Returned)
}

// rectifyReason says why the work must be rectified.
func (e *evaluation) rectifyReason() string {
	var why []string
	if e.ev.Low {
		why = append(why, "满意度"+e.ev.Approval.String()+"低于"+e.ev.Thresholds.WorkSatisfied.String())
	}
	if e.ev.Dropped {
		why = append(why, fmt.Sprintf("较上年度（%s，%s）下降超过%d个百分点", e.ev.Previous.CaseID, e.ev.Previous.Approval, e.ev.Thresholds.DropPoints))
	}
	return strings.Join(why, "；")
}

var evaluationOutcomeLabels = map[string]string{
	schemas.EvalNoAction: "无需处理", schemas.EvalRemindTalk: "谈话提醒", schemas.EvalAdmonish: "诫勉", schemas.EvalAdjust: "组织调整",
}

// setOutcome states the round's result: the work's approval, the rectification and each
// flagged cadre's outcome.
func (e *evaluation) setOutcome() {
	if e.ev.Approval == nil {
		return
	}
	parts := []string{"满意度" + e.ev.Approval.String()}
	if e.ev.Low || e.ev.Dropped {
		if e.ev.Rectified {
			parts = append(parts, "已整改")
		} else {
			parts = append(parts, "须整改")
		}
	}
	for _, cs := range e.ev.Cadres {
		switch {
		case cs.Outcome != "":
			s := cs.Name + "：" + evaluationOutcomeLabels[cs.Outcome]
			if cs.LinkedCaseID != "" {
				s += "（" + cs.LinkedCaseID + "）"
			}
			parts = append(parts, s)
		case cs.Flagged:
			parts = append(parts, cs.Name+"：了解核实")
		}
	}
	e.state.Outcome = strings.Join(parts, "；")
}
