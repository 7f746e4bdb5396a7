package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// AnalysisReport is the periodic analysis report (定期分析报告, DOMAIN.md "Periodic analysis
// reports"): the system compiles the figures of the office's subtree and stores them as of
// then, the supervisor writes the analysis of 苗头性问题 (10 working days), the leader approves
// it (5 working days), and the office's supervisors and leader are told. A schedule starts a
// round on the 1st of every month for the month just ended (schemas.Cycles); a month that
// ends a quarter (a year) compiles the quarter (and the year) too, in the same round.
func AnalysisReport(ctx workflow.Context, in schemas.AnalysisInput) (schemas.CaseState, error) {
	title := in.Period
	if p, err := analysis.ParseName(in.Period); err == nil {
		title = p.Title()
	}
	a := &analysisRun{
		caseRun: newCaseRun(in.CaseID, schemas.KindAnalysis, title+"干部监督工作分析报告", in.OrgUnitID, in.CreatedBy, schemas.PriorityNormal, analysisStages),
		in:      in,
		an:      &schemas.AnalysisState{Periods: analysisPeriods(in.Period), Snapshots: []string{}},
	}
	a.state.Analysis = a.an
	a.cancelAtOffice(in.OrgUnitID)
	return a.runCase(ctx, a.run)
}

var analysisStages = map[string]string{
	"compiling": "汇总数据",
	"drafting":  "撰写分析",
	"approving": "审定",
	"closed":    "已办结",
}

// Time limits of the round [policy, after the shared DOMAIN.md]: compile 3 working days after
// the period ends (late entries of the period are in by then), the supervisor's analysis 10
// working days, the leader's approval 5.
var (
	analysisCompileDelay   = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	analysisDraftPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	analysisApprovalPeriod = calendar.Period{N: 5, Unit: calendar.WorkingDays}
)

// analysisPeriods are the periods a round compiles: the period, and for a month the quarter and
// the year it ends.
func analysisPeriods(period string) []string {
	out := []string{period}
	if q := analysis.QuarterOf(period); q != "" {
		out = append(out, q)
		if strings.HasSuffix(period, "-12") {
			out = append(out, strings.TrimSuffix(period, "-12"))
		}
	}
	return out
}

type analysisRun struct {
	*caseRun
	in schemas.AnalysisInput
	an *schemas.AnalysisState
}

func (a *analysisRun) run(ctx workflow.Context) error {
	if err := a.open(ctx, "compiling", map[string]any{"period": a.in.Period, "periods": a.an.Periods}); err != nil {
		return err
	}
	period, err := analysis.ParseName(a.in.Period)
	if err != nil {
		return err
	}
	// A scheduled round waits until 3 working days after the period; a round an official
	// starts by request compiles at once.
	if a.in.CreatedBy == "system" {
		_, end := period.Bounds()
		at, err := a.deadlineFrom(ctx, end, analysisCompileDelay, "汇总时间（期末后3个工作日）")
		if err != nil {
			return err
		}
		if err := sleepUntil(ctx, at, "等待汇总（期末后3个工作日）"); err != nil {
			return err
		}
	}
	var titles []string
	for _, p := range a.an.Periods {
		var res activities.AnalysisCompiled
		if err := a.exec(ctx, "汇总分析数据："+p, acts.CompileAnalysis, activities.AnalysisRequest{
			CaseID: a.state.ID, OrgUnitID: a.in.OrgUnitID, Period: p, At: workflow.Now(ctx),
		}, &res); err != nil {
			return err
		}
		a.an.Snapshots = append(a.an.Snapshots, res.ID)
		a.an.Warnings += res.Warnings
		titles = append(titles, res.Title)
	}
	a.refresh(ctx)
	draft, approval, err := a.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, _, returned Completion) StepSpec {
			title := "撰写分析报告（苗头性问题）：" + a.state.Title
			if round > 1 {
				title = fmt.Sprintf("修改分析报告（第%d稿）：%s", round, a.state.Title)
			}
			return StepSpec{
				Stage: "drafting", Key: fmt.Sprintf("draft-%d", round), Step: "draft_analysis", Title: title,
				OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: analysisDraftPeriod,
				DeadlineSummary: "撰写期限（10个工作日）",
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审定"),
					Form: []schemas.FormField{
						{Name: "narrative", Label: "苗头性、倾向性问题分析及建议", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
					},
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Stage: "approving", Key: fmt.Sprintf("approve-%d", round), Step: "approve_analysis", Title: "审定分析报告：" + a.state.Title,
				OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleLeader, Period: analysisApprovalPeriod,
				DeadlineSummary: "审定期限（5个工作日）",
				Spec:            approvalSpec("审定同意"),
			}
		},
	})
	if err != nil {
		return err
	}
	a.an.Narrative, a.an.ApprovedBy, a.an.ApprovedAt = draft.Text("narrative"), approval.Actor.ID, &approval.At
	if err := a.exec(ctx, "记录审定的分析报告", acts.ApproveAnalysis, activities.AnalysisApproval{
		CaseID: a.state.ID, Snapshots: a.an.Snapshots, Narrative: a.an.Narrative, ApprovedBy: approval.Actor.ID, At: approval.At,
	}); err != nil {
		return err
	}
	body := fmt.Sprintf("%s已审定（%s），预警%d项，请在“分析报告”中查阅。", strings.Join(titles, "、"), a.state.ID, a.an.Warnings)
	for _, role := range []schemas.Role{schemas.RoleSupervisor, schemas.RoleLeader} {
		if err := a.notify(ctx, "通知"+role.Title(), activities.NotifyRequest{
			Kind: notify.KindInfo, Role: string(role), OrgUnit: a.in.OrgUnitID, Title: "分析报告已审定：" + a.state.Title, Body: body,
		}); err != nil {
			return err
		}
	}
	a.state.Outcome = "已审定"
	return nil
}
