package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// JointInspection is P3 of DOMAIN.md, 三责联检: the unit inspects itself, then the organization
// department (用人), HR (进人) and the establishment office (用编) check it in parallel — each
// check a part (child workflow) with its own deadline and ladder — and the findings are
// consolidated, approved, fed back to the leader, rectified and, where serious, answered with
// an accountability proposal.
func JointInspection(ctx workflow.Context, in schemas.JointInspectionInput) (schemas.CaseState, error) {
	j := &jointInspection{
		caseRun: newCaseRun(in.CaseID, schemas.KindJointInspection, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, jointInspectionStages),
		in:      in,
		ji:      &schemas.JointInspectionState{LeaderID: in.LeaderID, UnitID: in.UnitID, PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo},
	}
	j.state.JointInspection = j.ji
	j.addSubjects(in.LeaderID)
	j.cancelAtOffice(in.OrgUnitID)
	j.onCancel = j.tellChecks
	j.listenToParts(ctx)
	return j.runCase(ctx, j.run)
}

// signalCaseCancelled tells a running check who cancelled its case and why, just before the
// case cancels it: the check's withdrawn task names them, and the check ends as its case does.
const signalCaseCancelled = "case-cancelled"

// tellChecks signals the running checks the cancellation (versioned: older histories did not).
// From version 2 it waits until each check has the signal before the case cancels them: a signal
// and a cancellation sent together may reach a busy check in either order, and a check cancelled
// first would name the engine instead of the official who withdrew the case.
func (j *jointInspection) tellChecks(ctx workflow.Context, req schemas.CancelCaseRequest) {
	v := workflow.GetVersion(ctx, "cancel-tells-parts", workflow.DefaultVersion, 2)
	if v == workflow.DefaultVersion {
		return
	}
	var sent []workflow.Future
	for _, c := range j.ji.Checks {
		if c.Status == "running" {
			sent = append(sent, workflow.SignalExternalWorkflow(ctx, c.WorkflowID, "", signalCaseCancelled, req))
		}
	}
	if v < 2 {
		return
	}
	for _, f := range sent {
		if err := f.Get(ctx, nil); err != nil {
			// A check that ended meanwhile has nothing left to withdraw.
			workflow.GetLogger(ctx).Info("check not told of the cancellation", "error", err)
		}
	}
}

var jointInspectionStages = map[string]string{
	"notice":          "联检通知",
	"self_inspection": "单位自查",
	"checking":        "三项检查",
	"consolidating":   "汇总报告",
	"feedback":        "反馈意见",
	"rectifying":      "整改落实",
	"closed":          "已办结",
}

type jointInspection struct {
	*caseRun
	in schemas.JointInspectionInput
	ji *schemas.JointInspectionState
}

func (j *jointInspection) subject() string { return j.in.UnitName + j.in.LeaderName }

func (j *jointInspection) run(ctx workflow.Context) error {
	if err := j.open(ctx, "notice", map[string]any{
		"leader_id": j.in.LeaderID, "unit_id": j.in.UnitID, "period_from": j.in.PeriodFrom, "period_to": j.in.PeriodTo,
	}); err != nil {
		return err
	}
	if err := j.notice(ctx); err != nil {
		return err
	}
	if err := j.selfInspection(ctx); err != nil {
		return err
	}
	if err := j.checks(ctx); err != nil {
		return err
	}
	if err := j.consolidate(ctx); err != nil {
		return err
	}
	if err := j.feedback(ctx); err != nil {
		return err
	}
	if j.ji.Finding != schemas.InspectNoIssues {
		if err := j.followUp(ctx); err != nil {
			return err
		}
	}
	return j.file(ctx)
}

func (j *jointInspection) notice(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	j.ji.NotifiedAt = &now
	if err := j.notify(ctx, "送达联检通知", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo, To: []string{j.in.LeaderID},
		Role: string(schemas.RoleUnitPrincipal), OrgUnit: j.in.UnitID,
		Title: "三责联检通知：" + j.in.UnitName,
		Body: fmt.Sprintf("%s：将对%s主要负责人%s同志%s至%s期间履行用人、进人、用编责任情况进行联合检查，请于10个工作日内报送自查报告。",
			j.state.ID, j.in.UnitName, j.in.LeaderName, j.in.PeriodFrom, j.in.PeriodTo),
	}); err != nil {
		return err
	}
	return j.audit(ctx, "记录联检通知", activities.AuditRequest{
		At: now, Actor: "system", Action: "joint_inspection.notified",
		Detail: map[string]any{"leader_id": j.in.LeaderID, "unit_id": j.in.UnitID},
	})
}

func (j *jointInspection) selfInspection(ctx workflow.Context) error {
	_, err := j.humanStep(ctx, StepSpec{
		Stage: "self_inspection", Key: "self-inspection", Step: "self_inspection", Title: "报送三责联检自查报告：" + j.in.UnitName,
		OrgUnitID: j.in.UnitID, Role: schemas.RoleUnitPrincipal, ForSubject: true, // the inspected leader's own report
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "自查报告期限（10个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "报送自查报告"}},
			Form:      []schemas.FormField{{Name: "report", Label: "自查报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000}},
		},
	})
	return err
}

// checkOffice is who does a check: the organization department's supervisors, HR, or the
// establishment office.
func (j *jointInspection) checkOffice(a schemas.CheckArea) (string, schemas.Role) {
	switch a {
	case schemas.CheckJinren:
		return j.in.HROfficeID, schemas.RoleHR
	case schemas.CheckYongbian:
		return j.in.EstablishmentOfficeID, schemas.RoleEstablishment
	}
	return j.in.OrgUnitID, schemas.RoleSupervisor
}

// checks starts the three checks as children and waits for all of them; each result is
// recorded as it arrives.
func (j *jointInspection) checks(ctx workflow.Context) error {
	if err := j.setStage(ctx, "checking"); err != nil {
		return err
	}
	futures := make([]workflow.ChildWorkflowFuture, len(schemas.CheckAreas))
	j.ji.Checks = make([]schemas.CheckResult, len(schemas.CheckAreas))
	for i, a := range schemas.CheckAreas {
		org, role := j.checkOffice(a)
		id := schemas.JointInspectionCheckID(j.state.ID, a)
		j.ji.Checks[i] = schemas.CheckResult{Area: a, WorkflowID: id, Status: "running"}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: id,
			// The case records its cancellation only after the checks have closed their tasks.
			WaitForCancellation: true,
			StaticSummary:       fmt.Sprintf("%s｜%s｜%s｜属于%s", schemas.KindJointInspection.Title(), a.Title(), j.subject(), j.state.ID),
			StaticDetails:       fmt.Sprintf("**案件**：%s\n**检查**：%s\n**承办**：%s@%s", j.state.ID, a.Title(), role.Title(), org),
			TypedSearchAttributes: temporal.NewSearchAttributes(
				schemas.SACaseKind.ValueSet(string(schemas.KindJointInspection)),
				schemas.SACaseNo.ValueSet(j.state.ID),
				schemas.SAOrgUnit.ValueSet(org),
			),
		})
		futures[i] = workflow.ExecuteChildWorkflow(cctx, schemas.JointInspectionCheckWorkflow, schemas.JointInspectionCheckInput{
			CaseID: j.state.ID, Title: j.state.Title, Area: a, OrgUnitID: org, Role: role,
			Priority: j.state.Priority, CreatedBy: j.createdBy, Subject: j.subject(), Subjects: j.state.Subjects,
		})
	}
	j.refresh(ctx)
	branches := make([]func(workflow.Context) error, len(futures))
	for i := range futures {
		branches[i] = func(gctx workflow.Context) error {
			var res schemas.CheckResult
			err := futures[i].Get(gctx, &res)
			// The check has ended: its tasks leave the case's UI even if its last report is late.
			shown := j.setPart(j.ji.Checks[i].WorkflowID, "", nil)
			if err != nil || res.Status == "cancelled" {
				j.ji.Checks[i].Status = "cancelled"
				if err == nil {
					err = temporal.NewCanceledError()
				}
				if shown { // never in histories from before part-rollup
					j.refresh(gctx)
				}
				return err
			}
			j.ji.Checks[i] = res
			err = j.audit(gctx, "记录检查结果："+res.Area.Title(), activities.AuditRequest{
				Actor: res.CompletedBy, Action: "joint_inspection.check_done",
				Detail: map[string]any{"area": res.Area, "decision": res.Decision, "workflow_id": res.WorkflowID, "overdue": res.Overdue},
			})
			j.refresh(gctx)
			return err
		}
	}
	err := inParallel(ctx, branches...)
	if ctx.Err() != nil {
		// Cancelled: wait until every check has closed its open tasks before the case records
		// its own cancellation and ends (ending would terminate the children).
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		for _, f := range futures {
			_ = f.Get(dctx, nil)
		}
		j.parts = nil
		return ctx.Err()
	}
	return err
}

var inspectDecisions = []schemas.Decision{
	{Key: schemas.InspectNoIssues, Label: "未发现问题"},
	{Key: schemas.InspectIssues, Label: "发现问题"},
	{Key: schemas.InspectSeriousIssues, Label: "发现严重问题"},
}

// consolidate loops: the supervisor consolidates the three findings, the leader approves or
// returns the report.
func (j *jointInspection) consolidate(ctx workflow.Context) error {
	if err := j.setStage(ctx, "consolidating"); err != nil {
		return err
	}
	report, _, err := j.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, _, _ Completion) StepSpec {
			title := "汇总三责联检检查报告"
			if round > 1 {
				title = fmt.Sprintf("修改三责联检检查报告（第%d稿）", round)
			}
			return StepSpec{
				Key: fmt.Sprintf("consolidate-%d", round), Step: "consolidate_findings", Title: title + "：" + j.subject(),
				OrgUnitID: j.in.OrgUnitID, Role: schemas.RoleSupervisor,
				Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: inspectDecisions,
					Form: []schemas.FormField{
						{Name: "report", Label: "检查报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000},
						{Name: "findings", Label: "发现的问题及整改要求", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.InspectIssues, schemas.InspectSeriousIssues}, MaxLen: 20000},
						{Name: "deviation_reason", Label: "结论轻于检查结果的理由", Type: schemas.FieldTextarea, MaxLen: 2000},
					},
					Notes: j.checkNotes(),
				},
				Validate: j.consistentWithChecks,
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Key: fmt.Sprintf("approve-%d", round), Step: "approve_report", Title: "审批三责联检检查报告：" + j.subject(),
				OrgUnitID: j.in.OrgUnitID, Role: schemas.RoleLeader,
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
				Spec:   approvalSpec("同意"),
			}
		},
	})
	if err != nil {
		return err
	}
	j.ji.Finding, j.ji.Findings = report.Decision, report.Text("findings")
	j.state.Outcome = j.outcome()
	j.refresh(ctx)
	return nil
}

// severity orders the findings: a consolidated report may not be milder than its checks
// without a stated reason.
var severity = map[string]int{schemas.InspectNoIssues: 0, schemas.InspectIssues: 1, schemas.InspectSeriousIssues: 2}

// worstCheck is the most serious finding of the finished checks.
func (j *jointInspection) worstCheck() (string, schemas.CheckArea) {
	worst, area := schemas.InspectNoIssues, schemas.CheckArea("")
	for _, c := range j.ji.Checks {
		if c.Status == "done" && severity[c.Decision] > severity[worst] {
			worst, area = c.Decision, c.Area
		}
	}
	return worst, area
}

// checkNotes shows the consolidator what the checks found.
func (j *jointInspection) checkNotes() []string {
	var notes []string
	for _, c := range j.ji.Checks {
		if c.Status == "done" {
			notes = append(notes, c.Area.Title()+"："+decisionLabel(schemas.TaskSpec{Decisions: inspectDecisions}, c.Decision))
		}
	}
	return notes
}

// consistentWithChecks refuses a consolidated finding milder than a check's (no issues while
// a check found serious issues) unless the report states why.
func (j *jointInspection) consistentWithChecks(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
	worst, area := j.worstCheck()
	if severity[req.Decision] >= severity[worst] {
		return nil
	}
	if reason, _ := req.Form["deviation_reason"].(string); strings.TrimSpace(reason) != "" {
		return nil
	}
	label := decisionLabel(schemas.TaskSpec{Decisions: inspectDecisions}, worst)
	return []schemas.FieldIssue{{Field: "form.deviation_reason",
		Message: fmt.Sprintf("%s的结论为“%s”，汇总结论轻于检查结果的，须说明理由", area.Title(), label)}}
}

// feedback tells the inspected leader the findings; the leader acknowledges them.
func (j *jointInspection) feedback(ctx workflow.Context) error {
	if err := j.setStage(ctx, "feedback"); err != nil {
		return err
	}
	if err := j.notify(ctx, "反馈检查意见", activities.NotifyRequest{
		Kind: notify.KindInfo, To: []string{j.in.LeaderID},
		Title: "三责联检反馈意见：" + j.in.UnitName,
		Body:  fmt.Sprintf("%s：三责联检结论为%s。请在5个工作日内签收反馈意见。", j.state.ID, decisionLabel(schemas.TaskSpec{Decisions: inspectDecisions}, j.ji.Finding)),
	}); err != nil {
		return err
	}
	ack, err := j.humanStep(ctx, StepSpec{
		Key: "acknowledge", Step: "acknowledge_feedback", Title: "签收三责联检反馈意见：" + j.in.LeaderName,
		OrgUnitID: j.in.UnitID, AssigneeID: j.in.LeaderID,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionAcknowledge, Label: "签收"}},
			Form:      []schemas.FormField{{Name: "statement", Label: "表态或说明", Type: schemas.FieldTextarea, MaxLen: 5000}},
		},
	})
	if err != nil {
		return err
	}
	j.ji.AcknowledgedAt = &ack.At
	return nil
}

// followUp runs the rectification and, for serious findings, the accountability proposal
// side by side.
func (j *jointInspection) followUp(ctx workflow.Context) error {
	if err := j.setStage(ctx, "rectifying"); err != nil {
		return err
	}
	branches := []func(workflow.Context) error{j.rectify}
	if j.ji.Finding == schemas.InspectSeriousIssues {
		branches = append(branches, j.accountability)
	}
	return inParallel(ctx, branches...)
}

// rectify loops until the supervisor accepts the unit's rectification: 60 days [policy], 30
// more after each return [policy].
func (j *jointInspection) rectify(ctx workflow.Context) error {
	check, err := j.caseRun.rectify(ctx, rectification{
		Findings: "三责联检", UnitID: j.in.UnitID, UnitName: j.in.UnitName,
		CheckOrgUnitID: j.in.OrgUnitID, CheckRole: schemas.RoleSupervisor, Rounds: &j.ji.RectifyRounds,
		ForSubject: true, // the inspected leader's corrective measures
	})
	if err != nil {
		return err
	}
	j.ji.RectifiedAt = &check.At
	j.state.Outcome = j.outcome()
	j.refresh(ctx)
	return nil
}

// accountability: the supervisor proposes 问责 (or says why none is needed); the leader decides.
func (j *jointInspection) accountability(ctx workflow.Context) error {
	prop, err := j.humanStep(ctx, StepSpec{
		Key: "accountability-propose", Step: "propose_accountability", Title: "提出问责建议：" + j.subject(),
		OrgUnitID: j.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionPropose, Label: "提出问责建议"}, {Key: DecisionNotNeeded, Label: "不需问责"}},
			Form: []schemas.FormField{
				{Name: "proposal", Label: "问责建议（事实、依据、方式）", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionPropose}, MaxLen: 20000},
				{Name: "reason", Label: "不需问责的理由", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionNotNeeded}, MaxLen: 2000},
			},
		},
	})
	if err != nil {
		return err
	}
	if prop.Decision == DecisionNotNeeded {
		j.ji.Accountability = "不需问责"
		j.state.Outcome = j.outcome()
		return nil
	}
	dec, err := j.humanStep(ctx, StepSpec{
		Key: "accountability-decide", Step: "decide_accountability", Title: "研究问责建议：" + j.subject(),
		OrgUnitID: j.in.OrgUnitID, Role: schemas.RoleLeader,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionApprove, Label: "同意问责"}, {Key: DecisionReject, Label: "不予问责"}},
			Form:      []schemas.FormField{{Name: "opinion", Label: "意见", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionReject}, MaxLen: 2000}},
		},
	})
	if err != nil {
		return err
	}
	j.ji.Accountability = map[string]string{"approve": "同意问责", "reject": "不予问责"}[dec.Decision]
	j.state.Outcome = j.outcome()
	if err := j.audit(ctx, "记录问责决定", activities.AuditRequest{
		At: dec.At, Actor: dec.Actor.ID, Action: "joint_inspection.accountability_decided",
		Detail: map[string]any{"decision": dec.Decision, "leader_id": j.in.LeaderID},
	}); err != nil {
		return err
	}
	j.refresh(ctx)
	return nil
}

func (j *jointInspection) file(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	j.ji.FiledAt = &now
	j.state.Outcome = j.outcome()
	if err := j.audit(ctx, "归档", activities.AuditRequest{
		At: now, Actor: "system", Action: "joint_inspection.filed",
		Detail: map[string]any{"leader_id": j.in.LeaderID, "finding": j.ji.Finding, "outcome": j.state.Outcome},
	}); err != nil {
		return err
	}
	return j.notify(ctx, "通知归档", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo, Role: string(schemas.RoleCadreSection), OrgUnit: j.in.OrgUnitID,
		Title: "三责联检结果归档：" + j.subject(),
		Body:  fmt.Sprintf("%s：三责联检已办结，%s。结果已存入干部档案。", j.state.ID, j.state.Outcome),
	})
}

func (j *jointInspection) outcome() string {
	parts := []string{"检查" + decisionLabel(schemas.TaskSpec{Decisions: inspectDecisions}, j.ji.Finding)}
	if j.ji.RectifiedAt != nil {
		parts = append(parts, "整改到位")
	}
	if j.ji.Accountability != "" {
		parts = append(parts, j.ji.Accountability)
	}
	return strings.Join(parts, "，")
}

// --- one check: a part of the case ---

var checkStages = map[string]string{"checking": "检查中", "closed": "已完成"}

// JointInspectionCheck is one of the three checks of a joint inspection, run as a child of the
// case: its task belongs to the case (joint-inspection-2026-0001.check-jinren) but lives in
// this workflow, so its deadline and ladder run on their own.
func JointInspectionCheck(ctx workflow.Context, in schemas.JointInspectionCheckInput) (schemas.CheckResult, error) {
	k := newCaseRun(in.CaseID, schemas.KindJointInspection, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, checkStages)
	k.part = in.Area.Title()
	k.enablePartRollup(ctx)
	k.addSubjects(in.Subjects...)
	res := schemas.CheckResult{Area: in.Area, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Status: "running"}
	cancelled := workflow.GetSignalChannel(ctx, signalCaseCancelled)
	runCtx, err := k.setup(ctx)
	if err != nil {
		return res, err
	}
	err = runCheck(runCtx, k, in, &res)
	if !temporal.IsCanceledError(err) {
		if _, ferr := k.finish(ctx, err); ferr != nil {
			return res, ferr
		}
		return res, nil
	}
	// Only the case cancels a check. Cancelled by cancel-case, the case said who and why just
	// before (tellChecks): the withdrawn task names them, and the check ends completed, as its
	// case does. Cancelled in Temporal, both show as Canceled.
	var req schemas.CancelCaseRequest
	byCase := cancelled.ReceiveAsync(&req)
	if byCase {
		k.cancelReq = &req
	} else {
		k.cancelReq = &schemas.CancelCaseRequest{Actor: schemas.Actor{ID: "temporal"}, Reason: "三责联检案件已撤销"}
	}
	if _, ferr := k.finish(ctx, err); ferr != nil {
		return res, ferr
	}
	res.Status = "cancelled"
	if byCase {
		return res, nil
	}
	return res, err // shows as Canceled in the Temporal UI
}

func runCheck(ctx workflow.Context, k *caseRun, in schemas.JointInspectionCheckInput, res *schemas.CheckResult) error {
	if err := k.open(ctx, "checking", map[string]any{"area": in.Area, "org_unit_id": in.OrgUnitID}); err != nil {
		return err
	}
	key := "check-" + string(in.Area)
	done, err := k.humanStep(ctx, StepSpec{
		Key: key, Step: "check_" + string(in.Area), Title: in.Area.Title() + "：" + in.Subject,
		OrgUnitID: in.OrgUnitID, Role: in.Role,
		Period:          calendar.Period{N: 20, Unit: calendar.WorkingDays},
		DeadlineSummary: in.Area.Title() + "期限（20个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: inspectDecisions,
			Form: []schemas.FormField{
				{Name: "report", Label: "检查情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000},
				{Name: "findings", Label: "发现的问题", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.InspectIssues, schemas.InspectSeriousIssues}, MaxLen: 20000},
			},
		},
	})
	if err != nil {
		return err
	}
	res.Status, res.Decision, res.Findings, res.Report = "done", done.Decision, done.Text("findings"), done.Text("report")
	res.CompletedBy, res.CompletedAt = done.Actor.ID, &done.At
	if t := k.find(in.CaseID + "." + key); t != nil {
		res.Overdue = t.view.Overdue
	}
	// A 督办 task opened by the ladder is withdrawn in the background: let it close before the
	// part ends, or its row would stay open.
	return workflow.Await(ctx, func() bool {
		for _, t := range k.tasks {
			if !t.closed {
				return false
			}
		}
		return true
	})
}
