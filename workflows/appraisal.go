package workflows

import (
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// appraisalBatch is how many cadre cases one run of a round opens before it continues as new:
// a run's history grows by some twenty events per cadre, so a round of any roster stays far
// below the history budget (workflows/budget.go).
var appraisalBatch = 50

// Appraisal is the 述职述廉 round of P12 of DOMAIN.md for one organization department and year
// (a cycle: schemas.CycleStart, opened on 1 December). It reads the office's roster and opens
// one linked AppraisalCadre case per cadre, in batches of appraisalBatch, continuing as new
// between batches (the roster and the cases opened so far travel in the input), and closes
// once every cadre has their case: the cadre cases run on their own.
func Appraisal(ctx workflow.Context, in schemas.AppraisalInput) (schemas.CaseState, error) {
	title := in.Title
	if title == "" {
		title = in.Period + "年度述职述廉"
		in.Title = title
	}
	a := &appraisal{
		caseRun: newCaseRun(in.CaseID, schemas.KindAppraisal, title, in.OrgUnitID, in.CreatedBy, schemas.PriorityNormal, appraisalStages),
		in:      in,
		st:      &schemas.AppraisalState{Period: in.Period, Roster: len(in.Roster), Opened: append([]schemas.AppraisalOpened{}, in.Opened...)},
	}
	a.state.Appraisal = a.st
	a.cancelAtOffice(in.OrgUnitID)
	runCtx, err := a.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	err = a.run(runCtx)
	if workflow.IsContinueAsNewError(err) {
		return a.snapshot(), err
	}
	return a.finish(ctx, err)
}

var appraisalStages = map[string]string{
	"opening": "开启述职述廉",
	"closed":  "已办结",
}

type appraisal struct {
	*caseRun
	in schemas.AppraisalInput
	st *schemas.AppraisalState
}

func (a *appraisal) run(ctx workflow.Context) error {
	if a.in.Continued {
		a.state.Stage, a.state.StageTitle = "opening", appraisalStages["opening"]
		a.refresh(ctx)
	} else {
		if err := a.open(ctx, "opening", map[string]any{"period": a.in.Period}); err != nil {
			return err
		}
		if err := a.exec(ctx, "读取述职述廉干部名单", acts.AppraisalRoster, a.in.OrgUnitID, &a.in.Roster); err != nil {
			return err
		}
		a.st.Roster = len(a.in.Roster)
		a.refresh(ctx)
	}
	started := 0
	for i := len(a.st.Opened); i < len(a.in.Roster); i++ {
		if started == appraisalBatch {
			next := a.in
			next.Opened, next.Continued = a.st.Opened, true
			return workflow.NewContinueAsNewError(ctx, schemas.KindAppraisal.WorkflowType(), next)
		}
		cadre := a.in.Roster[i]
		title := cadre.Name + " " + a.in.Period + "年度述职述廉"
		id, err := a.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAppraisalCadre, Key: "cadre-" + cadre.OfficialID, Title: title, OrgUnitID: a.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AppraisalCadreInput{
					CaseID: caseID, Title: title, OrgUnitID: a.in.OrgUnitID, CreatedBy: a.createdBy, Priority: schemas.PriorityNormal,
					Period: a.in.Period, CycleCaseID: a.state.ID, CadreID: cadre.OfficialID, CadreName: cadre.Name, CadreUnitID: cadre.UnitID,
				}
			},
		})
		if err != nil {
			return err
		}
		a.st.Opened = append(a.st.Opened, schemas.AppraisalOpened{OfficialID: cadre.OfficialID, CaseID: id})
		started++
		a.refresh(ctx)
	}
	a.state.Outcome = fmt.Sprintf("已为%d名干部开启%s年度述职述廉", len(a.st.Opened), a.in.Period)
	return nil
}

// AppraisalCadre is one cadre's 述职述廉 (DOMAIN.md P12 steps 12–16): the cadre's report, the
// meeting's anonymous 测评 entered as counts per grade, the assessment team's proposed grade
// and the leader's decision, the feedback talk (a linked Talk case), and, when the 测评 hits a
// threshold, the review that may start an admonishment (a linked Admonishment case) or propose
// an adjustment, dismissal, ordered resignation or demotion.
func AppraisalCadre(ctx workflow.Context, in schemas.AppraisalCadreInput) (schemas.CaseState, error) {
	a := &appraisalCadre{
		caseRun: newCaseRun(in.CaseID, schemas.KindAppraisalCadre, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, appraisalCadreStages),
		in:      in,
		st: &schemas.AppraisalCadreState{
			Period: in.Period, CycleCaseID: in.CycleCaseID, CadreID: in.CadreID, CadreName: in.CadreName, CadreUnitID: in.CadreUnitID,
		},
	}
	a.state.AppraisalCadre = a.st
	a.addSubjects(in.CadreID)
	a.cancelAtOffice(in.OrgUnitID)
	return a.runCase(ctx, a.run)
}

var appraisalCadreStages = map[string]string{
	"reporting": "提交述职述廉报告",
	"tallying":  "民主测评计票",
	"grading":   "确定考核等次",
	"reviewing": "研究处理",
	"closed":    "已办结",
}

// Step periods: the report and the tally as DOMAIN.md P12 says; the others [policy].
var (
	appReportPeriod  = calendar.Period{N: 15, Unit: calendar.WorkingDays}
	appTallyPeriod   = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	appProposePeriod = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	appDecidePeriod  = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	appReviewPeriod  = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	// appFeedbackTalkDays: the feedback talk within 20 working days (DOMAIN.md P12 step 16).
	appFeedbackTalkDays = 20
)

type appraisalCadre struct {
	*caseRun
	in schemas.AppraisalCadreInput
	st *schemas.AppraisalCadreState
}

var gradeDecisions = []schemas.Decision{
	{Key: schemas.GradeExcellent, Label: "优秀"}, {Key: schemas.GradeCompetent, Label: "称职"},
	{Key: schemas.GradeBasic, Label: "基本称职"}, {Key: schemas.GradeIncompetent, Label: "不称职"},
}

func (a *appraisalCadre) run(ctx workflow.Context) error {
	if err := a.open(ctx, "reporting", map[string]any{"cadre_id": a.in.CadreID, "period": a.in.Period, "cycle_case_id": a.in.CycleCaseID}); err != nil {
		return err
	}
	// Step 12: the cadre's 述职述廉报告, their own step.
	report, err := a.humanStep(ctx, StepSpec{
		Key: "report", Step: "submit_appraisal_report", Title: a.in.Period + "年度述职述廉报告",
		OrgUnitID: a.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: a.in.CadreID, Period: appReportPeriod,
		DeadlineSummary: "报告期限（15个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交报告"),
			Form:      []schemas.FormField{{Name: "report", Label: "述职述责述廉报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000}},
		},
	})
	if err != nil {
		return err
	}
	a.st.ReportAt = &report.At
	a.refresh(ctx)
	if err := a.tally(ctx); err != nil {
		return err
	}
	if err := a.grade(ctx); err != nil {
		return err
	}
	if err := a.feedbackTalk(ctx); err != nil {
		return err
	}
	return a.review(ctx)
}

// tallyFields are the counts of the 测评, one per grade.
var tallyFields = []struct{ name, label string }{
	{"excellent", "优秀票数"}, {"competent", "称职票数"}, {"basic", "基本称职票数"}, {"incompetent", "不称职票数"},
}

// readCount reads a count field: a whole number from 0 to 100000.
func readCount(form map[string]any, name string) (int, bool) {
	s, _ := form[name].(string)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 0 && n <= 100000
}

// validateTally: every count a whole number, at least one valid ballot, and the counts add up
// to the valid ballots.
func validateTally(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
	var issues []schemas.FieldIssue
	sum := 0
	for _, f := range tallyFields {
		n, ok := readCount(req.Form, f.name)
		if !ok {
			issues = append(issues, schemas.FieldIssue{Field: "form." + f.name, Message: f.label + "须为0至100000的整数"})
		}
		sum += n
	}
	valid, ok := readCount(req.Form, "valid_ballots")
	switch {
	case !ok || valid == 0:
		issues = append(issues, schemas.FieldIssue{Field: "form.valid_ballots", Message: "有效票数须为1至100000的整数"})
	case len(issues) == 0 && sum != valid:
		issues = append(issues, schemas.FieldIssue{Field: "form.valid_ballots", Message: fmt.Sprintf("各等次票数之和（%d）与有效票数（%d）不符", sum, valid)})
	}
	return issues
}

// tally: the supervisor enters the meeting's anonymous 测评 as counts per grade (step 13).
func (a *appraisalCadre) tally(ctx workflow.Context) error {
	form := []schemas.FormField{{Name: "valid_ballots", Label: "有效票数", Type: schemas.FieldText, Required: true, MaxLen: 6}}
	for _, f := range tallyFields {
		form = append(form, schemas.FormField{Name: f.name, Label: f.label, Type: schemas.FieldText, Required: true, MaxLen: 6})
	}
	done, err := a.humanStep(ctx, StepSpec{
		Stage: "tallying", Key: "tally", Step: "appraisal_tally", Title: "录入民主测评结果：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: appTallyPeriod, DeadlineSummary: "计票期限（10个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交测评结果"),
			Form:      form,
			Notes:     []string{"民主测评为无记名投票：只录入各等次票数，不录入个人选票。"},
		},
		Validate: validateTally,
	})
	if err != nil {
		return err
	}
	t := &schemas.AppraisalTally{}
	t.Excellent, _ = readCount(done.Form, "excellent")
	t.Competent, _ = readCount(done.Form, "competent")
	t.Basic, _ = readCount(done.Form, "basic")
	t.Incompetent, _ = readCount(done.Form, "incompetent")
	a.st.Tally = t
	if t.LowSupport() {
		a.st.Thresholds = append(a.st.Thresholds, schemas.ThresholdLowSupport)
	}
	if t.ManyIncompetent() {
		a.st.Thresholds = append(a.st.Thresholds, schemas.ThresholdManyIncompetent)
	}
	err = a.audit(ctx, "记录民主测评结果："+a.in.CadreName, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "appraisal.tallied",
		Detail: map[string]any{"tally": t, "thresholds": a.st.Thresholds},
	})
	a.refresh(ctx)
	return err
}

func (a *appraisalCadre) tallyNote() string {
	t := a.st.Tally
	note := fmt.Sprintf("民主测评：有效票%d，优秀%d、称职%d、基本称职%d、不称职%d", t.Total(), t.Excellent, t.Competent, t.Basic, t.Incompetent)
	if t.LowSupport() {
		note += "；优秀和称职票合计不足三分之二"
	}
	if t.ManyIncompetent() {
		note += "；不称职票超过三分之一"
	}
	return note
}

// grade: the assessment team proposes a grade, the leader decides it (step 14).
func (a *appraisalCadre) grade(ctx workflow.Context) error {
	proposed, err := a.humanStep(ctx, StepSpec{
		Stage: "grading", Key: "propose-grade", Step: "propose_grade", Title: "提出考核等次建议：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: appProposePeriod,
		Spec: schemas.TaskSpec{
			Decisions: gradeDecisions,
			Form:      []schemas.FormField{{Name: "reason", Label: "考核组意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
			Notes:     []string{a.tallyNote()},
		},
	})
	if err != nil {
		return err
	}
	a.st.Proposed = proposed.Decision
	a.refresh(ctx)
	decided, err := a.humanStep(ctx, StepSpec{
		Key: "decide-grade", Step: "decide_grade", Title: "确定考核等次：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleLeader, Period: appDecidePeriod,
		Spec: schemas.TaskSpec{
			Decisions: gradeDecisions,
			Form:      []schemas.FormField{{Name: "opinion", Label: "意见", Type: schemas.FieldTextarea, MaxLen: 2000}},
			Notes:     []string{a.tallyNote(), "考核组建议：" + schemas.GradeTitle(proposed.Decision) + "。" + proposed.Text("reason")},
		},
	})
	if err != nil {
		return err
	}
	a.st.Grade = decided.Decision
	a.state.Outcome = "考核等次：" + schemas.GradeTitle(decided.Decision)
	err = a.audit(ctx, "确定考核等次："+a.in.CadreName, activities.AuditRequest{
		At: decided.At, Actor: decided.Actor.ID, Action: "appraisal.graded",
		Detail: map[string]any{"cadre_id": a.in.CadreID, "proposed": proposed.Decision, "grade": decided.Decision},
	})
	a.refresh(ctx)
	return err
}

// feedbackTalk opens the feedback talk, an organization-initiated Talk case due within 20
// working days, decided by this case (step 16).
func (a *appraisalCadre) feedbackTalk(ctx workflow.Context) error {
	title := "考核反馈约谈：" + a.in.CadreName
	id, err := a.startLinkedCase(ctx, LinkedCase{
		Kind: schemas.KindTalk, Key: "feedback-talk", Title: title, OrgUnitID: a.in.OrgUnitID,
		Input: func(caseID string) any {
			return schemas.TalkInput{
				CaseID: caseID, Title: title, OrgUnitID: a.in.OrgUnitID, CreatedBy: a.createdBy, Priority: a.state.Priority,
				InitiatedBy: schemas.TalkByOrganization, CadreID: a.in.CadreID, CadreName: a.in.CadreName, CadreUnitID: a.in.CadreUnitID,
				Reason:       schemas.TalkReasonAssessment,
				Grounds:      a.in.Period + "年度考核等次：" + schemas.GradeTitle(a.st.Grade) + "。" + a.tallyNote(),
				SourceCaseID: a.state.ID, ProposedBy: a.state.ID, TalkWorkingDays: appFeedbackTalkDays,
			}
		},
	})
	if err != nil {
		return err
	}
	a.st.TalkCaseID = id
	a.refresh(ctx)
	return nil
}

// review: a threshold hit calls for the leader's review (step 15): 优秀+称职 under two thirds
// → 诫勉 or adjustment; 不称职 over a third → 免职, 责令辞职 or 降职. 诫勉 starts a linked
// admonishment; the other measures go to the cadre section, who carry them out.
func (a *appraisalCadre) review(ctx workflow.Context) error {
	if len(a.st.Thresholds) == 0 {
		return nil
	}
	var keys []string
	if a.st.Tally.ManyIncompetent() {
		keys = append(keys, schemas.AppraisalDismiss, schemas.AppraisalResign, schemas.AppraisalDemote)
	}
	if a.st.Tally.LowSupport() {
		keys = append(keys, schemas.AppraisalAdmonish, schemas.AppraisalAdjust)
	}
	keys = append(keys, schemas.AppraisalNoAction)
	decisions := make([]schemas.Decision, len(keys))
	for i, k := range keys {
		decisions[i] = schemas.Decision{Key: k, Label: schemas.AppraisalHandlingTitle(k)}
	}
	done, err := a.humanStep(ctx, StepSpec{
		Stage: "reviewing", Key: "review", Step: "appraisal_review", Title: "研究测评结果的处理：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleLeader, Period: appReviewPeriod,
		Spec: schemas.TaskSpec{
			Decisions: decisions,
			Form:      []schemas.FormField{{Name: "reason", Label: "处理意见及理由", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
			Notes:     []string{a.tallyNote(), "考核等次：" + schemas.GradeTitle(a.st.Grade)},
		},
	})
	if err != nil {
		return err
	}
	a.st.Handling = done.Decision
	a.state.Outcome = "考核等次：" + schemas.GradeTitle(a.st.Grade) + "；" + schemas.AppraisalHandlingTitle(done.Decision)
	if err := a.audit(ctx, "测评结果处理："+a.in.CadreName, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "appraisal.reviewed",
		Detail: map[string]any{"cadre_id": a.in.CadreID, "handling": done.Decision, "thresholds": a.st.Thresholds},
	}); err != nil {
		return err
	}
	a.refresh(ctx)
	switch done.Decision {
	case schemas.AppraisalNoAction:
		return nil
	case schemas.AppraisalAdmonish:
		title := "诫勉：" + a.in.CadreName
		id, err := a.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAdmonishment, Key: "admonishment", Title: title, OrgUnitID: a.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AdmonishmentInput{
					CaseID: caseID, Title: title, OrgUnitID: a.in.OrgUnitID, CreatedBy: done.Actor.ID, Priority: a.state.Priority,
					CadreID: a.in.CadreID, CadreName: a.in.CadreName, CadreUnitID: a.in.CadreUnitID,
					Grounds: a.in.Period + "年度述职述廉" + a.tallyNote() + "。" + done.Text("reason"),
					Source:  schemas.AdmSourceAppraisal, SourceCaseID: a.state.ID,
				}
			},
		})
		if err != nil {
			return err
		}
		a.st.AdmonishmentCaseID = id
		a.refresh(ctx)
		return nil
	}
	return a.notify(ctx, "通知干部科组织调整", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleCadreSection), OrgUnit: a.in.OrgUnitID,
		Title: "述职述廉测评结果处理：" + a.in.CadreName,
		Body:  fmt.Sprintf("%s：%s。经研究，拟对%s同志%s，请按程序办理。理由：%s", a.state.ID, a.tallyNote(), a.in.CadreName, schemas.AppraisalHandlingTitle(done.Decision), done.Text("reason")),
	})
}
