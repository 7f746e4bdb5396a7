package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// DepartureAudit is P2 of DOMAIN.md, 经济责任审计 + 离任交接: the departing cadre hands over to
// the successor before a supervising witness, then the audit office plans, serves notice, does
// the fieldwork, hears written opinions on the draft, reports, and follows its findings up
// (rectification by the unit, clues transferred to the discipline commission); the result is
// filed on the cadre.
func DepartureAudit(ctx workflow.Context, in schemas.DepartureAuditInput) (schemas.CaseState, error) {
	d := &departureAudit{
		caseRun: newCaseRun(in.CaseID, schemas.KindDepartureAudit, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, departureAuditStages),
		in:      in,
		da:      &schemas.DepartureAuditState{Departure: in.Departure},
	}
	d.state.DepartureAudit = d.da
	d.addSubjects(in.Departure.CadreID)
	d.cancelAtOffice(in.OrgUnitID)
	return d.runCase(ctx, d.run)
}

var departureAuditStages = map[string]string{
	"handover":   "离任交接",
	"planning":   "审计方案",
	"notice":     "审计通知",
	"fieldwork":  "现场审计",
	"opinion":    "征求意见",
	"reporting":  "审计报告",
	"rectifying": "整改落实",
	"closed":     "已办结",
}

type departureAudit struct {
	*caseRun
	in schemas.DepartureAuditInput
	da *schemas.DepartureAuditState
}

func (d *departureAudit) run(ctx workflow.Context) error {
	dep := d.in.Departure
	if err := d.open(ctx, "handover", map[string]any{
		"cadre_id": dep.CadreID, "unit_id": dep.UnitID, "post": dep.Post,
		"departure_date": dep.DepartureDate, "successor_id": dep.SuccessorID,
	}); err != nil {
		return err
	}
	// DOMAIN.md numbers the handover before the audit: the audit reads the signed list.
	if err := d.handover(ctx); err != nil {
		return err
	}
	if err := d.planAndApprove(ctx); err != nil {
		return err
	}
	if err := d.serveNotice(ctx); err != nil {
		return err
	}
	if err := d.fieldwork(ctx); err != nil {
		return err
	}
	if err := d.writtenOpinions(ctx); err != nil {
		return err
	}
	done, err := d.finalReport(ctx)
	if err != nil {
		return err
	}
	if d.da.Finding != schemas.AuditNoFindings {
		if err := d.setStage(ctx, "rectifying"); err != nil {
			return err
		}
		if d.da.Finding == schemas.AuditDisciplineClues {
			if err := d.transfer(ctx, done); err != nil {
				return err
			}
		}
		if err := d.rectify(ctx); err != nil {
			return err
		}
	}
	return d.file(ctx)
}

// handoverForm asks for every item of the list; "无" is an answer.
func handoverForm(required bool) []schemas.FormField {
	var form []schemas.FormField
	for _, it := range schemas.HandoverItems {
		form = append(form, schemas.FormField{Name: it.Key, Label: it.Label, Type: schemas.FieldTextarea, Required: required, MaxLen: 10000})
	}
	// The signed handover list itself (DOMAIN.md P2: the list is a signed document).
	return append(form, schemas.FormField{Name: "signed_list", Label: "签字的交接清单（扫描件，PDF或图片）", Type: schemas.FieldFile,
		Accept: schemas.ScanTypes, MaxBytes: 20 << 20})
}

// handover loops until the successor confirms every item: disputed items go back to the
// departing cadre (5 working days [policy]); then the supervising witness signs.
func (d *departureAudit) handover(ctx workflow.Context) error {
	dep := d.in.Departure
	items := map[string]string{}
	var disputed []string
	for round := 1; ; round++ {
		spec := StepSpec{
			Key: "handover-list", Step: "handover_list", Title: "编制离任交接清单：" + dep.CadreName,
			OrgUnitID: dep.UnitID, AssigneeID: dep.CadreID,
			Period:          calendar.Period{N: 15, Unit: calendar.WorkingDays},
			DeadlineSummary: "离任交接期限（15个工作日）",
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "提交交接清单"}},
				Form:      handoverForm(true),
			},
		}
		if round > 1 {
			// Only the disputed items must be restated; the others stand as confirmed.
			need := disputed
			spec.Key, spec.Step = fmt.Sprintf("handover-revise-%d", round), "handover_revise"
			spec.Title = fmt.Sprintf("修改有异议的交接事项（第%d轮）：%s", round, dep.CadreName)
			spec.Period, spec.DeadlineSummary = calendar.Period{N: 5, Unit: calendar.WorkingDays}, "异议事项修改期限"
			spec.Spec.Form = append(handoverForm(false), schemas.FormField{Name: "note", Label: "修改说明", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000})
			spec.Validate = func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
				var issues []schemas.FieldIssue
				for _, k := range need {
					if s, _ := req.Form[k].(string); strings.TrimSpace(s) == "" {
						issues = append(issues, schemas.FieldIssue{Field: "form." + k, Message: "有异议的事项须重新填写"})
					}
				}
				return issues
			}
		}
		list, err := d.humanStep(ctx, spec)
		if err != nil {
			return err
		}
		for _, it := range schemas.HandoverItems {
			if v := list.Text(it.Key); v != "" {
				items[it.Key] = v
			}
		}
		rec := schemas.HandoverRound{Round: round, Items: copyItems(items)}
		d.da.Handover = append(d.da.Handover, rec)
		d.refresh(ctx)

		confirm, err := d.humanStep(ctx, d.confirmSpec(round))
		if err != nil {
			return err
		}
		last := &d.da.Handover[len(d.da.Handover)-1]
		last.Answers, last.Reason, last.Disputed = map[string]string{}, confirm.Text("reason"), nil
		for _, it := range schemas.HandoverItems {
			a := confirm.Text(it.Key)
			last.Answers[it.Key] = a
			if a == schemas.ItemDisputed {
				last.Disputed = append(last.Disputed, it.Key)
			}
		}
		disputed = last.Disputed
		if confirm.Decision == DecisionConfirm {
			break
		}
		if err := d.audit(ctx, "交接事项有异议", activities.AuditRequest{
			Actor: confirm.Actor.ID, Action: "departure_audit.handover_disputed",
			Detail: map[string]any{"round": round, "items": disputed, "reason": last.Reason},
		}); err != nil {
			return err
		}
	}
	sign, err := d.humanStep(ctx, StepSpec{
		Key: "handover-witness", Step: "handover_witness", Title: "监交签字：" + dep.CadreName + "离任交接",
		OrgUnitID: d.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSign, Label: "监交签字"}},
			Form:      []schemas.FormField{{Name: "note", Label: "监交意见", Type: schemas.FieldTextarea, MaxLen: 2000}},
		},
	})
	if err != nil {
		return err
	}
	d.da.HandoverSignedBy, d.da.HandoverSignedAt = sign.Actor.ID, &sign.At
	d.refresh(ctx)
	return nil
}

// confirmSpec is the successor's answer to each item of the list: confirm all, or dispute some.
func (d *departureAudit) confirmSpec(round int) StepSpec {
	dep := d.in.Departure
	form := []schemas.FormField{}
	for _, it := range schemas.HandoverItems {
		form = append(form, schemas.FormField{Name: it.Key, Label: it.Label, Type: schemas.FieldSelect, Required: true,
			Options: []string{schemas.ItemConfirmed, schemas.ItemDisputed}})
	}
	form = append(form, schemas.FormField{Name: "reason", Label: "异议理由", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionDispute}, MaxLen: 2000})
	return StepSpec{
		Key: fmt.Sprintf("handover-confirm-%d", round), Step: "handover_confirm", Title: "确认离任交接清单：" + dep.CadreName,
		OrgUnitID: dep.UnitID, AssigneeID: dep.SuccessorID,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionConfirm, Label: "逐项确认"}, {Key: DecisionDispute, Label: "部分事项有异议"}},
			Form:      form,
		},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			n := 0
			for _, it := range schemas.HandoverItems {
				if req.Form[it.Key] == schemas.ItemDisputed {
					n++
				}
			}
			switch {
			case req.Decision == DecisionConfirm && n > 0:
				return []schemas.FieldIssue{{Field: "decision", Message: "有事项标为异议，不能逐项确认"}}
			case req.Decision == DecisionDispute && n == 0:
				return []schemas.FieldIssue{{Field: "form", Message: "须至少将一项标为异议"}}
			}
			return nil
		},
	}
}

// copyItems copies a handover list in item order (ranging over a map is not deterministic).
func copyItems(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for _, it := range schemas.HandoverItems {
		if v, ok := m[it.Key]; ok {
			out[it.Key] = v
		}
	}
	return out
}

// planAndApprove loops: the auditor drafts the plan, the audit office's leader approves or
// returns it.
func (d *departureAudit) planAndApprove(ctx workflow.Context) error {
	if err := d.setStage(ctx, "planning"); err != nil {
		return err
	}
	_, done, err := d.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, _, _ Completion) StepSpec {
			title := "编制审计实施方案"
			if round > 1 {
				title = fmt.Sprintf("修改审计实施方案（第%d稿）", round)
			}
			return StepSpec{
				Key: fmt.Sprintf("audit-plan-%d", round), Step: "audit_plan", Title: title + "：" + d.in.Departure.CadreName,
				OrgUnitID: d.in.AuditOfficeID, Role: schemas.RoleAuditor,
				Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form: []schemas.FormField{
						{Name: "plan", Label: "审计实施方案", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
						{Name: "scope", Label: "审计范围与期间", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000},
					},
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Key: fmt.Sprintf("audit-approve-%d", round), Step: "audit_plan_approve", Title: "审批审计实施方案：" + d.in.Departure.CadreName,
				OrgUnitID: d.in.AuditOfficeID, Role: schemas.RoleUnitPrincipal, // the head of the audit office
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
				Spec:   approvalSpec("同意"),
			}
		},
	})
	if err != nil {
		return err
	}
	d.da.PlanApprovedAt = &done.At
	return nil
}

// serveNotice serves the audit notice on the cadre and the unit and waits the 3 working days
// the audit law requires before fieldwork.
func (d *departureAudit) serveNotice(ctx workflow.Context) error {
	if err := d.setStage(ctx, "notice"); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	from, err := d.deadline(ctx, calendar.Period{N: 3, Unit: calendar.WorkingDays}, "计算进点日期")
	if err != nil {
		return err
	}
	d.da.NoticeServedAt, d.da.FieldworkFrom = &now, &from
	dep := d.in.Departure
	if err := d.notify(ctx, "送达审计通知书", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo, To: []string{dep.CadreID},
		Role: string(schemas.RoleUnitPrincipal), OrgUnit: dep.UnitID,
		Title: "审计通知书：" + dep.CadreName + "同志经济责任审计",
		Body:  fmt.Sprintf("%s：审计组将于%s后进点，对%s同志任%s期间的经济责任进行审计，请做好准备。", d.state.ID, calendar.DateText(from), dep.CadreName, dep.Post),
	}); err != nil {
		return err
	}
	if err := d.audit(ctx, "记录审计通知送达", activities.AuditRequest{
		At: now, Actor: "system", Action: "departure_audit.notice_served",
		Detail: map[string]any{"cadre_id": dep.CadreID, "fieldwork_from": from},
	}); err != nil {
		return err
	}
	d.refresh(ctx)
	return sleepUntil(ctx, from, "审计通知送达满3个工作日，进点")
}

func (d *departureAudit) fieldwork(ctx workflow.Context) error {
	if _, err := d.humanStep(ctx, StepSpec{
		Stage: "fieldwork", Key: "fieldwork", Step: "audit_fieldwork", Title: "现场审计并提交征求意见稿：" + d.in.Departure.CadreName,
		OrgUnitID: d.in.AuditOfficeID, Role: schemas.RoleAuditor,
		Period:          calendar.Period{N: 60, Unit: calendar.Days},
		DeadlineSummary: "现场审计期限（60日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSubmitDraft, Label: "送达审计报告征求意见稿"}},
			Form:      []schemas.FormField{{Name: "draft_report", Label: "审计报告（征求意见稿）", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000}},
		},
	}); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	d.da.DraftSentAt = &now
	return nil
}

// writtenOpinions gives the cadre and the unit 10 days each to answer the draft; a window that
// closes unanswered is recorded as no objection.
func (d *departureAudit) writtenOpinions(ctx workflow.Context) error {
	if err := d.setStage(ctx, "opinion"); err != nil {
		return err
	}
	dep := d.in.Departure
	base := StepSpec{
		Step: "written_opinion", OrgUnitID: dep.UnitID,
		Period: calendar.Period{N: 10, Unit: calendar.Days},
		// The window ends the step: only the reminder before it fires.
		Ladder: schemas.Ladder{{Offset: calendar.Period{N: -2, Unit: calendar.WorkingDays}, Action: schemas.RungRemind}},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: schemas.OpinionNoObjection, Label: "无异议"}, {Key: schemas.OpinionSubmitted, Label: "提出书面意见"}},
			Form:      []schemas.FormField{{Name: "opinion", Label: "书面意见", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.OpinionSubmitted}, MaxLen: 20000}},
		},
	}
	cadre, unit := base, base
	cadre.Key, cadre.Title, cadre.AssigneeID = "opinion-cadre", "对审计报告征求意见稿提出书面意见："+dep.CadreName, dep.CadreID
	cadre.DeadlineSummary = "书面意见期限（10日，逾期视为无异议）：" + dep.CadreName
	cadre.FixedDeadline = true
	unit.Key, unit.Title, unit.Role = "opinion-unit", "对审计报告征求意见稿提出书面意见："+dep.UnitName, schemas.RoleUnitPrincipal
	unit.DeadlineSummary = "书面意见期限（10日，逾期视为无异议）：" + dep.UnitName
	if err := d.audit(ctx, "送达征求意见稿", activities.AuditRequest{
		Actor: "system", Action: "departure_audit.draft_sent",
		Detail: map[string]any{"to": []string{dep.CadreID, dep.UnitID}},
	}); err != nil {
		return err
	}
	d.da.Opinions = make([]schemas.WrittenOpinion, 2)
	var branches []func(workflow.Context) error
	for i, spec := range []StepSpec{cadre, unit} {
		from := []string{"cadre", "unit"}[i]
		branches = append(branches, func(gctx workflow.Context) error {
			done, lapsed, err := d.windowStep(gctx, spec, schemas.OpinionNoObjection, "书面意见期限届满未反馈，视为无异议")
			if err != nil {
				return err
			}
			d.da.Opinions[i] = schemas.WrittenOpinion{From: from, By: done.Actor.ID, Decision: done.Decision, Opinion: done.Text("opinion"), Lapsed: lapsed, At: done.At}
			if lapsed {
				err = d.audit(gctx, "书面意见期限届满，视为无异议", activities.AuditRequest{
					At: done.At, Actor: "system", Action: "departure_audit.opinion_lapsed",
					TaskID: d.state.ID + "." + spec.Key, Detail: map[string]any{"from": from},
				})
			}
			d.refresh(gctx)
			return err
		})
	}
	return inParallel(ctx, branches...)
}

// windowStep is a human step whose deadline is an outcome: when the window closes unanswered,
// the system completes the task with the decision lapse (recorded with comment), and the
// holder can no longer answer.
func (c *caseRun) windowStep(ctx workflow.Context, spec StepSpec, lapse, comment string) (Completion, bool, error) {
	var (
		done     Completion
		err      error
		finished bool
	)
	c.beside(ctx, "window-step", func(gctx workflow.Context) error {
		done, err = c.humanStep(gctx, spec)
		finished = true
		return err
	})
	id := c.state.ID + "." + spec.Key
	if werr := workflow.Await(ctx, func() bool { return finished || c.find(id) != nil }); werr != nil {
		return Completion{}, false, werr
	}
	lapsed := false
	if t := c.find(id); t != nil && !finished {
		answered := func() bool { return finished || t.completion != nil || t.abandoned }
		if d := t.view.DueAt.Sub(workflow.Now(ctx)); d > 0 {
			ok, werr := awaitOrTimeout(ctx, d, spec.DeadlineSummary, answered)
			if werr != nil {
				return Completion{}, false, werr
			}
			lapsed = !ok
		} else {
			lapsed = !answered()
		}
		if lapsed {
			t.completion = &schemas.CompleteTaskRequest{
				TaskID: id, Actor: schemas.Actor{ID: "system", Name: "系统"}, Decision: lapse, Comment: comment,
			}
		}
	}
	if werr := workflow.Await(ctx, func() bool { return finished }); werr != nil {
		return Completion{}, false, werr
	}
	return done, lapsed, err
}

func (d *departureAudit) finalReport(ctx workflow.Context) (Completion, error) {
	done, err := d.humanStep(ctx, StepSpec{
		Stage: "reporting", Key: "final-report", Step: "audit_report", Title: "出具审计报告：" + d.in.Departure.CadreName,
		OrgUnitID: d.in.AuditOfficeID, Role: schemas.RoleAuditor,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{
				{Key: schemas.AuditNoFindings, Label: "未发现问题"},
				{Key: schemas.AuditManagementIssues, Label: "发现管理问题"},
				{Key: schemas.AuditDisciplineClues, Label: "发现违纪违法问题线索"},
			},
			Form: []schemas.FormField{
				{Name: "report", Label: "审计报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 50000},
				{Name: "findings", Label: "发现的问题及整改要求", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.AuditManagementIssues, schemas.AuditDisciplineClues}, MaxLen: 20000},
				{Name: "clues", Label: "问题线索（移送纪委）", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.AuditDisciplineClues}, MaxLen: 20000},
			},
		},
	})
	if err != nil {
		return done, err
	}
	d.da.Finding, d.da.Findings = done.Decision, done.Text("findings")
	d.state.Outcome = d.outcome()
	d.refresh(ctx)
	return done, nil
}

// transfer hands the clues to the discipline commission (移送) and records it on the case.
func (d *departureAudit) transfer(ctx workflow.Context, report Completion) error {
	now := workflow.Now(ctx)
	d.da.Transfer = &schemas.DisciplineTransfer{To: d.in.DisciplineOfficeID, Clues: report.Text("clues"), At: now}
	if err := d.audit(ctx, "移送纪委："+d.in.Departure.CadreName, activities.AuditRequest{
		At: now, Actor: report.Actor.ID, Action: "departure_audit.transferred_to_discipline",
		Detail: map[string]any{"to": d.in.DisciplineOfficeID, "cadre_id": d.in.Departure.CadreID},
	}); err != nil {
		return err
	}
	if err := d.notify(ctx, "通知纪委", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo, Role: string(schemas.RoleDiscipline), OrgUnit: d.in.DisciplineOfficeID,
		Title: "问题线索移送：" + d.in.Departure.CadreName,
		Body:  d.state.ID + "经济责任审计发现违纪违法问题线索，依规移送，请按程序处置。",
	}); err != nil {
		return err
	}
	d.state.Outcome = d.outcome()
	d.refresh(ctx)
	return nil
}

// rectify loops until the auditor accepts the unit's rectification: 60 days [policy], 30 more
// after each return [policy].
func (d *departureAudit) rectify(ctx workflow.Context) error {
	dep := d.in.Departure
	check, err := d.caseRun.rectify(ctx, rectification{
		Findings: "审计", UnitID: dep.UnitID, UnitName: dep.UnitName,
		CheckOrgUnitID: d.in.AuditOfficeID, CheckRole: schemas.RoleAuditor, Rounds: &d.da.RectifyRounds,
	})
	if err != nil {
		return err
	}
	d.da.RectifiedAt = &check.At
	d.state.Outcome = d.outcome()
	return nil
}

// file records the result on the cadre and tells the cadre section, which keeps cadre files.
func (d *departureAudit) file(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	d.da.FiledAt = &now
	d.state.Outcome = d.outcome()
	dep := d.in.Departure
	if err := d.audit(ctx, "归档："+dep.CadreName, activities.AuditRequest{
		At: now, Actor: "system", Action: "departure_audit.filed",
		Detail: map[string]any{"cadre_id": dep.CadreID, "finding": d.da.Finding, "outcome": d.state.Outcome},
	}); err != nil {
		return err
	}
	return d.notify(ctx, "通知归档", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo, To: []string{dep.CadreID},
		Role: string(schemas.RoleCadreSection), OrgUnit: d.in.OrgUnitID,
		Title: "经济责任审计结果归档：" + dep.CadreName,
		Body:  fmt.Sprintf("%s：%s同志经济责任审计已办结，%s。结果已存入干部档案。", d.state.ID, dep.CadreName, d.state.Outcome),
	})
}

func (d *departureAudit) outcome() string {
	parts := []string{map[string]string{
		schemas.AuditNoFindings:       "审计未发现问题",
		schemas.AuditManagementIssues: "审计发现管理问题",
		schemas.AuditDisciplineClues:  "审计发现违纪违法问题线索",
	}[d.da.Finding]}
	if d.da.Transfer != nil {
		parts = append(parts, "已移送纪委")
	}
	if d.da.RectifiedAt != nil {
		parts = append(parts, "整改到位")
	}
	return strings.Join(parts, "，")
}
