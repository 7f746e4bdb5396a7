package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/spotcheck"
	"github.com/jiandu/jiandu/schemas"
)

// MattersCycle is P8 steps 1–4 of DOMAIN.md, the annual personal-matters reporting cycle of one
// organization department (个人有关事项年度集中报告): the roster of the cadres who must report
// (activities.MattersRoster), one report per cadre due by the end of 31 January with reminders
// 10 and 3 working days before, 催办 to the unit principal when late and the finding 无正当理由
// 不按时报告 10 working days after; the supervisor's completeness check (incomplete: back to the
// cadre for 5 working days); then the random draw per unit (internal/spotcheck, its seed and
// list recorded in the state and on the audit trail) and a matters-check case per drawn cadre.
//
// Bounded history: each cadre's report is a part of its own (MattersCycleReport, a child
// workflow), so the cycle's history grows by a few events per cadre (the child's start and
// end) while every step, reminder and return lives in the cadre's part. The parts do not roll
// their open tasks up to the cycle (no part-tasks signals: hundreds of cadres would each add
// several signals); each report task is in its cadre's and the supervisors' inboxes.
func MattersCycle(ctx workflow.Context, in schemas.MattersCycleInput) (schemas.CaseState, error) {
	year, err := in.Year()
	if err != nil {
		return schemas.CaseState{}, temporal.NewNonRetryableApplicationError(err.Error(), "bad-input", err)
	}
	if in.Title == "" {
		in.Title = fmt.Sprintf("%d年度领导干部个人有关事项报告", year)
	}
	if in.Percent == 0 {
		in.Percent = schemas.DefaultDrawPercent
	}
	if in.ReportDue == "" {
		in.ReportDue = fmt.Sprintf("%d-01-31", year+1)
	}
	if in.DrawBy == "" {
		in.DrawBy = fmt.Sprintf("%d-03-31", year+1)
	}
	m := &mattersCycle{
		caseRun: newCaseRun(in.CaseID, schemas.KindMattersCycle, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, mattersCycleStages),
		in:      in,
		mc:      &schemas.MattersCycleState{Year: year, Percent: in.Percent, ReportDue: in.ReportDue, DrawBy: in.DrawBy, Reports: []schemas.MattersReport{}},
	}
	m.state.MattersCycle = m.mc
	m.cancelAtOffice(in.OrgUnitID)
	return m.runCase(ctx, m.run)
}

var mattersCycleStages = map[string]string{
	"roster":    "确定报告对象",
	"reporting": "集中报告",
	"drawing":   "随机抽取",
	"checking":  "抽查核实",
	"closed":    "已办结",
}

// The cycle's [policy] periods (DOMAIN.md P8): 10 working days after the deadline a missing
// report is a finding; a returned report is completed in 5; the completeness check takes 10.
var (
	mattersLateFindingAfter = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	mattersResubmitPeriod   = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	mattersReviewPeriod     = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	mattersHandlingPeriod   = calendar.Period{N: 10, Unit: calendar.WorkingDays}
)

// Decisions of the cycle's steps.
const (
	DecisionComplete       = "complete"        // complete: the report (P8), the selection's record (P13)
	DecisionIncomplete     = "incomplete"      // back to the cadre
	DecisionRecordHandling = "record_handling" // the handling of a late-report finding
)

// mattersReportLadder is the report's ladder: reminders 10 and 3 working days before the
// deadline, 催办 to the unit principal at it, and 10 working days after it the supervisors
// are told as the finding is recorded.
func mattersReportLadder() schemas.Ladder {
	return schemas.Ladder{
		{Offset: calendar.Period{N: -10, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
		{Offset: calendar.Period{N: -3, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
		{Offset: calendar.Period{N: 0, Unit: calendar.WorkingDays}, Action: schemas.RungUrge},
		{Offset: mattersLateFindingAfter, Action: schemas.RungEscalateTo},
	}
}

type mattersCycle struct {
	*caseRun
	in schemas.MattersCycleInput
	mc *schemas.MattersCycleState
}

func (m *mattersCycle) run(ctx workflow.Context) error {
	if err := m.open(ctx, "roster", map[string]any{
		"year": m.mc.Year, "percent": m.mc.Percent, "report_due": m.mc.ReportDue, "draw_by": m.mc.DrawBy,
	}); err != nil {
		return err
	}
	var roster []schemas.MattersCadre
	if err := m.exec(ctx, "确定应报告干部名单", acts.MattersRoster, m.in.OrgUnitID, &roster); err != nil {
		return err
	}
	ids := make([]string, len(roster))
	for i, c := range roster {
		ids[i] = c.ID
		m.mc.Reports = append(m.mc.Reports, schemas.MattersReport{
			MattersCadre: c, WorkflowID: schemas.MattersCycleReportID(m.state.ID, c.ID), Status: schemas.ReportPending,
		})
	}
	// The cadres are the cycle's subjects: none acts on or reads another's report (回避).
	m.addSubjects(ids...)
	if err := m.audit(ctx, "记录应报告干部名单", activities.AuditRequest{
		Actor: "system", Action: "matters.roster", Detail: map[string]any{"year": m.mc.Year, "count": len(ids), "cadres": ids},
	}); err != nil {
		return err
	}
	if len(roster) == 0 {
		m.state.Outcome = "本年度无应报告个人有关事项的干部"
		return nil
	}
	if err := m.setStage(ctx, "reporting"); err != nil {
		return err
	}
	pending := m.startReports(ctx)
	if err := m.awaitReportsOrDrawDate(ctx, pending); err != nil {
		return m.afterCancel(ctx, pending, err)
	}
	if err := m.draw(ctx); err != nil {
		return m.afterCancel(ctx, pending, err)
	}
	if err := m.startChecks(ctx); err != nil {
		return m.afterCancel(ctx, pending, err)
	}
	if err := workflow.Await(ctx, func() bool { return *pending == 0 }); err != nil {
		return m.afterCancel(ctx, pending, err)
	}
	m.state.Outcome = m.outcome()
	m.refresh(ctx)
	return nil
}

// startReports starts every cadre's report part and follows each to its end; it answers the
// count of parts still running.
func (m *mattersCycle) startReports(ctx workflow.Context) *int {
	pending := len(m.mc.Reports)
	for i := range m.mc.Reports {
		r := m.mc.Reports[i]
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: r.WorkflowID,
			// The cycle records its cancellation only after the reports have closed their tasks.
			WaitForCancellation: true,
			StaticSummary:       fmt.Sprintf("%s｜%s｜属于%s", schemas.KindMattersCycle.Title(), r.Name, m.state.ID),
			TypedSearchAttributes: temporal.NewSearchAttributes(
				schemas.SACaseKind.ValueSet(string(schemas.KindMattersCycle)),
				schemas.SACaseNo.ValueSet(m.state.ID),
				schemas.SAOrgUnit.ValueSet(m.in.OrgUnitID),
			),
		})
		f := workflow.ExecuteChildWorkflow(cctx, schemas.MattersCycleReportWorkflow, schemas.MattersCycleReportInput{
			CaseID: m.state.ID, Title: m.state.Title, OrgUnitID: m.in.OrgUnitID, CreatedBy: m.createdBy,
			Priority: m.state.Priority, Cadre: r.MattersCadre, Year: m.mc.Year, Due: m.mc.ReportDue,
		})
		workflow.Go(ctx, func(gctx workflow.Context) {
			dctx, _ := workflow.NewDisconnectedContext(gctx)
			var res schemas.MattersReport
			if err := f.Get(dctx, &res); err != nil {
				m.mc.Reports[i].Status = schemas.ReportCancelled
			} else {
				res.CheckCaseID = m.mc.Reports[i].CheckCaseID
				m.mc.Reports[i] = res
			}
			pending--
			m.refresh(gctx)
		})
	}
	m.refresh(ctx)
	return &pending
}

// awaitReportsOrDrawDate waits until every report is checked complete, or until 09:00 of the
// draw date at the latest (the draw is due by 31 March).
func (m *mattersCycle) awaitReportsOrDrawDate(ctx workflow.Context, pending *int) error {
	day, err := time.ParseInLocation(time.DateOnly, m.mc.DrawBy, calendar.Location())
	if err != nil {
		return temporal.NewNonRetryableApplicationError("draw_by is not YYYY-MM-DD", "bad-input", err)
	}
	at := day.Add(9 * time.Hour)
	if d := at.Sub(workflow.Now(ctx)); d > 0 && *pending > 0 {
		m.showWait("随机抽取", at)
		_, err := awaitOrTimeout(ctx, d, "随机抽取期限", func() bool { return *pending == 0 })
		m.endWait("随机抽取")
		return err
	}
	return nil
}

// draw is step 4: per unit, the cadres on its roster ranked by the seed's HMAC, the first
// ⌈n·percent/100⌉ drawn (internal/spotcheck). The seed is fresh (a side effect, recorded in
// history) unless the input names one; the seed, the rosters and the lists are kept in the
// state and on the audit trail, so GET /cases/{id}/matters-draw can redo and verify the draw.
func (m *mattersCycle) draw(ctx workflow.Context) error {
	if err := m.setStage(ctx, "drawing"); err != nil {
		return err
	}
	seed := m.in.Seed
	if seed == "" {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any {
			s, err := spotcheck.NewSeed()
			if err != nil {
				return ""
			}
			return s
		}).Get(&seed); err != nil {
			return err
		}
		if seed == "" {
			return temporal.NewApplicationError("no random seed for the draw", "seed")
		}
	}
	d := &schemas.MattersDraw{Seed: seed, Percent: m.mc.Percent, Year: m.mc.Year, DrawnAt: workflow.Now(ctx), Units: []schemas.MattersUnitDraw{}}
	for _, r := range m.mc.Reports { // ordered by unit
		if n := len(d.Units); n == 0 || d.Units[n-1].UnitID != r.UnitID {
			d.Units = append(d.Units, schemas.MattersUnitDraw{UnitID: r.UnitID})
		}
		u := &d.Units[len(d.Units)-1]
		u.Roster = append(u.Roster, r.ID)
	}
	for i := range d.Units {
		u := &d.Units[i]
		got, err := spotcheck.Select(seed, u.UnitID, u.Roster, d.Percent)
		if err != nil {
			return temporal.NewNonRetryableApplicationError(err.Error(), "draw", err)
		}
		u.Drawn = got.Drawn
	}
	m.mc.Draw = d
	m.refresh(ctx)
	return m.audit(ctx, "记录随机抽取结果", activities.AuditRequest{Actor: "system", Action: "matters.draw", Detail: d})
}

// startChecks starts a random matters check (P8 steps 5–9) per drawn cadre, as linked cases.
func (m *mattersCycle) startChecks(ctx workflow.Context) error {
	if err := m.setStage(ctx, "checking"); err != nil {
		return err
	}
	for _, u := range m.mc.Draw.Units {
		for _, id := range u.Drawn {
			i := m.reportOf(id)
			c := m.mc.Reports[i].MattersCadre
			title := fmt.Sprintf("个人有关事项报告随机抽查：%s（%d年度）", c.Name, m.mc.Year)
			caseID, err := m.startLinkedCase(ctx, LinkedCase{
				Kind: schemas.KindMattersCheck, Key: "check-" + c.ID, Title: title, OrgUnitID: m.in.OrgUnitID,
				Input: func(caseID string) any {
					return schemas.MattersCheckInput{
						CaseID: caseID, Title: title, OrgUnitID: m.in.OrgUnitID, CreatedBy: m.createdBy, Priority: m.state.Priority,
						CadreID: c.ID, CadreName: c.Name, CadreUnitID: c.UnitID, Year: m.mc.Year,
						Reason: schemas.MattersRandom, SourceCaseID: m.state.ID,
						Grounds: fmt.Sprintf("%s年度随机抽查（抽取比例%d%%，种子%s）", m.state.ID, m.mc.Percent, m.mc.Draw.Seed),
					}
				},
			})
			if err != nil {
				return err
			}
			m.mc.Reports[i].CheckCaseID = caseID
			m.refresh(ctx)
		}
	}
	return nil
}

func (m *mattersCycle) reportOf(cadreID string) int {
	for i, r := range m.mc.Reports {
		if r.ID == cadreID {
			return i
		}
	}
	return -1
}

// afterCancel waits, on a cancelled cycle, until every report part has closed its tasks.
func (m *mattersCycle) afterCancel(ctx workflow.Context, pending *int, err error) error {
	if ctx.Err() != nil {
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		_ = workflow.Await(dctx, func() bool { return *pending == 0 })
	}
	return err
}

func (m *mattersCycle) outcome() string {
	var onTime, late, findings, checks int
	for _, r := range m.mc.Reports {
		switch {
		case r.Status != schemas.ReportComplete:
		case r.Late:
			late++
		default:
			onTime++
		}
		if r.Finding == schemas.LateWithoutCause {
			findings++
		}
		if r.CheckCaseID != "" {
			checks++
		}
	}
	return fmt.Sprintf("应报告%d人，按时报告%d人，逾期报告%d人，认定无正当理由不按时报告%d人；随机抽查%d人（比例%d%%）",
		len(m.mc.Reports), onTime, late, findings, checks, m.mc.Percent)
}

// --- one cadre's report: a part of the cycle ---

var mattersReportStages = map[string]string{"reporting": "报告中", "closed": "已完成"}

// MattersCycleReport is one cadre's report in a cycle, a part (child workflow) of the cycle's
// case: the cadre's report task (due on the cycle's date, ladder mattersReportLadder), the
// supervisor's completeness check and its returns, and the handling of a late finding.
func MattersCycleReport(ctx workflow.Context, in schemas.MattersCycleReportInput) (schemas.MattersReport, error) {
	k := newCaseRun(in.CaseID, schemas.KindMattersCycle, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, mattersReportStages)
	k.part = "报告：" + in.Cadre.Name
	k.addSubjects(in.Cadre.ID)
	r := &mattersReport{caseRun: k, in: in, res: schemas.MattersReport{
		MattersCadre: in.Cadre, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Status: schemas.ReportPending,
	}}
	runCtx, err := k.setup(ctx)
	if err != nil {
		return r.res, err
	}
	err = r.run(runCtx)
	if temporal.IsCanceledError(err) {
		// Only the cycle cancels a report: its tasks are withdrawn and the part ends completed.
		k.cancelReq = &schemas.CancelCaseRequest{Actor: schemas.Actor{ID: "system"}, Reason: "个人有关事项年度报告已撤销"}
		r.res.Status = schemas.ReportCancelled
	}
	if _, ferr := k.finish(ctx, err); ferr != nil {
		return r.res, ferr
	}
	return r.res, nil
}

type mattersReport struct {
	*caseRun
	in  schemas.MattersCycleReportInput
	res schemas.MattersReport
}

func (r *mattersReport) run(ctx workflow.Context) error {
	c := r.in.Cadre
	if err := r.open(ctx, "reporting", map[string]any{"cadre_id": c.ID, "year": r.in.Year, "due": r.in.Due}); err != nil {
		return err
	}
	var due time.Time
	var missing string
	for round := 1; ; round++ {
		spec := StepSpec{
			Key: "report-" + c.ID, Step: "submit_matters_report",
			Title:     fmt.Sprintf("报告%d年度个人有关事项", r.in.Year),
			OrgUnitID: c.UnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: c.ID,
			DeadlineSummary: "报告期限",
			Spec: schemas.TaskSpec{
				Decisions: submitDecisions("提交报告"),
				Form: []schemas.FormField{
					{Name: "report", Label: "报告内容（婚姻、因私出国（境）、子女从业、房产、投资等）", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000},
					{Name: "late_reason", Label: "逾期原因（逾期报告时填写）", Type: schemas.FieldTextarea, MaxLen: 2000},
				},
			},
		}
		if round == 1 {
			spec.Due, spec.Ladder = r.in.Due, mattersReportLadder()
			spec.EscalateTo = &activities.RungTarget{Role: schemas.RoleSupervisor, OrgUnitID: r.in.OrgUnitID}
			spec.Opened = func(v schemas.TaskView) { due = v.DueAt }
			spec.AfterRung = func(sctx workflow.Context, action schemas.RungAction) {
				if action == schemas.RungEscalateTo {
					r.lateFinding(sctx)
				}
			}
		} else {
			spec.Key = fmt.Sprintf("report-%s-%d", c.ID, round)
			spec.Title = fmt.Sprintf("补充%d年度个人有关事项报告", r.in.Year)
			spec.Period = mattersResubmitPeriod
			spec.Spec.Notes = []string{"退回补充：" + missing}
		}
		report, err := r.humanStep(ctx, spec)
		if err != nil {
			return err
		}
		at := report.At
		r.res.ReportedAt = &at
		if round == 1 && at.After(due) {
			r.res.Late = true
		}
		r.refresh(ctx)
		check, err := r.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("review-%s-%d", c.ID, round), Step: "review_matters_report",
			Title:     fmt.Sprintf("审核个人有关事项报告：%s（%d年度）", c.Name, r.in.Year),
			OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: mattersReviewPeriod,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{
					{Key: DecisionComplete, Label: "报告完整"},
					{Key: DecisionIncomplete, Label: "不完整，退回本人补充"},
				},
				Form:  []schemas.FormField{{Name: "missing", Label: "需补充的事项", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionIncomplete}, MaxLen: 5000}},
				Notes: []string{"报告内容：" + report.Text("report")},
			},
		})
		if err != nil {
			return err
		}
		if check.Decision == DecisionComplete {
			break
		}
		missing = check.Text("missing")
		r.res.Returned++
		r.res.Status = schemas.ReportReturned
		r.refresh(ctx)
	}
	r.res.Status = schemas.ReportComplete
	r.refresh(ctx)
	return nil
}

// lateFinding is step 2's end: 10 working days after the deadline without a report, the
// finding 无正当理由不按时报告 is recorded, and the supervisors record its handling (step 8)
// beside the report, which the cadre still owes.
func (r *mattersReport) lateFinding(ctx workflow.Context) {
	r.res.Finding, r.res.Late = schemas.LateWithoutCause, true
	c := r.in.Cadre
	r.beside(ctx, "late-finding", func(gctx workflow.Context) error {
		if err := r.audit(gctx, "认定无正当理由不按时报告", activities.AuditRequest{
			Actor: "system", Action: "matters.late_finding", Detail: map[string]any{"cadre_id": c.ID, "year": r.in.Year, "due": r.in.Due},
		}); err != nil {
			return err
		}
		r.refresh(gctx)
		done, err := r.humanStep(gctx, StepSpec{
			Key: "late-" + c.ID, Step: "handle_late_report",
			Title:     fmt.Sprintf("处理无正当理由不按时报告：%s（%d年度）", c.Name, r.in.Year),
			OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: mattersHandlingPeriod,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionRecordHandling, Label: "记录处理意见"}},
				Form: []schemas.FormField{{Name: "handling", Label: "处理意见（批评教育、责令作出检查、诫勉等）",
					Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
				Notes: []string{fmt.Sprintf("%s逾期10个工作日仍未报告%d年度个人有关事项，系统已认定无正当理由不按时报告。", c.Name, r.in.Year)},
			},
		})
		if err != nil {
			return err
		}
		r.res.Handling = done.Text("handling")
		r.refresh(gctx)
		return r.audit(gctx, "记录不按时报告的处理", activities.AuditRequest{
			At: done.At, Actor: done.Actor.ID, Action: "matters.late_handled",
			Detail: map[string]any{"cadre_id": c.ID, "handling": r.res.Handling},
		})
	})
}
