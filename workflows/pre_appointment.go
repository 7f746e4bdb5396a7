package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
)

// PreAppointment is P10 of DOMAIN.md, 任前征求意见 / 凡提必核: for each candidate, four checks
// side by side — the file review, the personal-matters check (a P8 case run as a child), the
// discipline commission's opinion and the verification of specific reports about them — then
// the unit Party committee's signed 廉洁自律 opinion, then the supervisor's decision: 通过,
// 暂缓 or 不宜. The candidates go through their checks side by side.
func PreAppointment(ctx workflow.Context, in schemas.PreAppointmentInput) (schemas.CaseState, error) {
	p := &preAppointment{
		caseRun: newCaseRun(in.CaseID, schemas.KindPreAppointment, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, preAppointmentStages),
		in:      in,
		pa:      &schemas.PreAppointmentState{DisciplineOfficeID: in.DisciplineOfficeID, MattersYear: in.MattersYear},
	}
	p.state.PreAppointment = p.pa
	for _, cand := range in.Candidates {
		cs := &schemas.PreAppointmentCandidateState{PreAppointmentCandidate: cand}
		for _, check := range schemas.PreChecks {
			cs.Checks = append(cs.Checks, schemas.PreCheckResult{Check: check, Status: preRunning})
		}
		p.pa.Candidates = append(p.pa.Candidates, cs)
		p.addSubjects(cand.OfficialID)
	}
	p.cancelAtOffice(in.OrgUnitID)
	return p.runCase(ctx, p.run)
}

var preAppointmentStages = map[string]string{
	"checking": "任前核查",
	"closed":   "已办结",
}

// Where a check stands.
const (
	preRunning = "running"
	preDone    = "done"
	preMissing = "missing" // ended without a result: the candidate cannot pass
)

// reportsLookbackYears is how far back closed report cases count (DOMAIN.md P10 step 1d:
// closed within 3 years [policy]).
const reportsLookbackYears = 3

type preAppointment struct {
	*caseRun
	in schemas.PreAppointmentInput
	pa *schemas.PreAppointmentState
}

func (p *preAppointment) run(ctx workflow.Context) error {
	ids := make([]string, len(p.in.Candidates))
	for i, c := range p.in.Candidates {
		ids[i] = c.OfficialID
	}
	if err := p.open(ctx, "checking", map[string]any{"candidates": ids, "discipline_office_id": p.in.DisciplineOfficeID}); err != nil {
		return err
	}
	branches := make([]func(workflow.Context) error, len(p.pa.Candidates))
	for i, cs := range p.pa.Candidates {
		branches[i] = func(gctx workflow.Context) error { return p.candidate(gctx, cs) }
	}
	if err := inParallel(ctx, branches...); err != nil {
		return err
	}
	return p.conclude(ctx)
}

// candidate runs one candidate's checks (DOMAIN.md P10 step 1), the Party committee's opinion
// (step 2) and the supervisor's decision (step 3).
func (p *preAppointment) candidate(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	if err := inParallel(ctx,
		func(gctx workflow.Context) error { return p.fileReview(gctx, cs) },
		func(gctx workflow.Context) error { return p.mattersCheck(gctx, cs) },
		func(gctx workflow.Context) error { return p.disciplineOpinion(gctx, cs) },
		func(gctx workflow.Context) error { return p.reportsCheck(gctx, cs) },
	); err != nil {
		return err
	}
	if err := p.integrityOpinion(ctx, cs); err != nil {
		return err
	}
	return p.decide(ctx, cs)
}

// check is a candidate's result of one check.
func check(cs *schemas.PreAppointmentCandidateState, name string) *schemas.PreCheckResult {
	for i := range cs.Checks {
		if cs.Checks[i].Check == name {
			return &cs.Checks[i]
		}
	}
	return nil
}

// recordCheck stores a check's result, audits it and shows it.
func (p *preAppointment) recordCheck(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState, res schemas.PreCheckResult) error {
	*check(cs, res.Check) = res
	actor := res.By
	if actor == "" {
		actor = "system"
	}
	err := p.audit(ctx, "记录"+schemas.PreCheckTitle(res.Check)+"结果："+cs.Name, activities.AuditRequest{
		Actor: actor, Action: "pre_appointment.check_done",
		Detail: map[string]any{"candidate": cs.ID, "official_id": cs.OfficialID, "check": res.Check, "status": res.Status, "result": res.Result, "case_id": res.CaseID},
	})
	p.refresh(ctx)
	return err
}

// stepResult is a check's result from its step's completion.
func stepResult(name string, spec schemas.TaskSpec, done Completion, notes string, clean, blocking bool) schemas.PreCheckResult {
	return schemas.PreCheckResult{
		Check: name, Status: preDone, Result: done.Decision, Clean: clean, Blocking: blocking,
		Summary: decisionLabel(spec, done.Decision), Notes: notes, By: done.Actor.ID, At: &done.At,
	}
}

var fileReviewSpec = schemas.TaskSpec{
	Decisions: []schemas.Decision{
		{Key: schemas.FileClean, Label: "审核无问题"},
		{Key: schemas.FileIssues, Label: "发现问题"},
		{Key: schemas.FileFalsified, Label: "档案造假"},
	},
	Form: []schemas.FormField{{Name: "findings", Label: "审核发现的问题（三龄两历一身份）", Type: schemas.FieldTextarea,
		RequiredFor: []string{schemas.FileIssues, schemas.FileFalsified}, MaxLen: 20000}},
}

// fileReview: the cadre section examines the cadre's personnel file, 10 working days [policy].
func (p *preAppointment) fileReview(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-file", Step: "file_review", Title: "干部人事档案审核：" + cs.Name,
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "档案审核期限（10个工作日）",
		Spec:            fileReviewSpec,
	})
	if err != nil {
		return err
	}
	return p.recordCheck(ctx, cs, stepResult(schemas.PreCheckFile, fileReviewSpec, done, done.Text("findings"),
		done.Decision == schemas.FileClean, done.Decision == schemas.FileFalsified))
}

// mattersCheck runs a targeted personal-matters check (P8, 凡提必核) as a case of its own and
// waits for its finding. A check that ends without one (cancelled) leaves the check missing.
// The check is started on the case's run context: cancelling this case asks Temporal to
// cancel a check still running (its parent-close policy, abandon, keeps a finished one).
func (p *preAppointment) mattersCheck(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	title := cs.Name + "个人有关事项核查（凡提必核）"
	id, child, err := p.startLinkedChild(ctx, LinkedCase{
		Kind: schemas.KindMattersCheck,
		Key:  cs.ID + "-matters", Title: title, OrgUnitID: p.in.OrgUnitID,
		Input: func(caseID string) any {
			return schemas.MattersCheckInput{
				CaseID: caseID, Title: title, OrgUnitID: p.in.OrgUnitID, CreatedBy: p.createdBy, Priority: p.state.Priority,
				CadreID: cs.OfficialID, CadreName: cs.Name, CadreUnitID: cs.UnitID, Year: p.in.MattersYear,
				Reason: schemas.MattersPromotion, SourceCaseID: p.state.ID,
			}
		},
	})
	if err != nil {
		return err
	}
	check(cs, schemas.PreCheckMatters).CaseID = id
	p.refresh(ctx)
	var out schemas.CaseState
	err = child.Get(ctx, &out)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	res := schemas.PreCheckResult{Check: schemas.PreCheckMatters, CaseID: id, Status: preMissing, Summary: "核查未得出结论"}
	if err == nil && out.MattersCheck != nil && out.MattersCheck.Finding != "" {
		f := out.MattersCheck.Finding
		now := workflow.Now(ctx)
		res.Status, res.Result, res.Summary, res.At = preDone, string(f), mattersFindingLabels[f], &now
		res.Clean, res.Blocking = f == schemas.FindingConsistent, f == schemas.FindingConcealed
		res.Notes = out.MattersCheck.Handling
	} else if err != nil {
		workflow.GetLogger(ctx).Warn("personal-matters check ended without a finding", "case", p.state.ID, "check", id, "error", err)
	}
	return p.recordCheck(ctx, cs, res)
}

var disciplineSpec = schemas.TaskSpec{
	Decisions: []schemas.Decision{
		{Key: schemas.DisciplineOK, Label: "暂未发现影响提拔任用的问题"},
		{Key: schemas.DisciplineHold, Label: "建议暂缓"},
		{Key: schemas.DisciplineUnfit, Label: "不宜提拔任用"},
	},
	Form: []schemas.FormField{{Name: "opinion", Label: "党风廉政意见", Type: schemas.FieldTextarea,
		RequiredFor: []string{schemas.DisciplineHold, schemas.DisciplineUnfit}, MaxLen: 5000}},
}

// disciplineOpinion: the letter to the same-level 纪委监委, answered in 5 working days [policy].
func (p *preAppointment) disciplineOpinion(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-discipline", Step: "discipline_opinion", Title: "回复党风廉政意见征询：" + cs.Name + "（拟任" + cs.ProposedPost + "）",
		OrgUnitID: p.in.DisciplineOfficeID, Role: schemas.RoleDiscipline,
		Period:          calendar.Period{N: 5, Unit: calendar.WorkingDays},
		DeadlineSummary: "纪委监委回复期限（5个工作日）",
		Spec:            disciplineSpec,
	})
	if err != nil {
		return err
	}
	return p.recordCheck(ctx, cs, stepResult(schemas.PreCheckDiscipline, disciplineSpec, done, done.Text("opinion"),
		done.Decision == schemas.DisciplineOK, done.Decision != schemas.DisciplineOK))
}

var reportsSpec = schemas.TaskSpec{
	Decisions: []schemas.Decision{
		{Key: schemas.ReportsNoImpact, Label: "经核实不影响使用"},
		{Key: schemas.ReportsAffect, Label: "经核实影响使用"},
	},
	Form: []schemas.FormField{{Name: "findings", Label: "核实情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
}

// reportsCheck reads the report cases about the candidate; specific ones not cleared are
// verified by the supervisor in 10 working days [policy].
func (p *preAppointment) reportsCheck(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	var reports []schemas.ReportAbout
	now := workflow.Now(ctx)
	if err := p.exec(ctx, "查询反映"+cs.Name+"的举报", acts.ReportsAbout, activities.ReportsAboutRequest{
		OfficialID: cs.OfficialID, Since: now.AddDate(-reportsLookbackYears, 0, 0),
	}, &reports); err != nil {
		return err
	}
	var notes []string
	for _, r := range reports {
		if r.Specific {
			notes = append(notes, reportNote(r))
		}
	}
	if len(notes) == 0 {
		return p.recordCheck(ctx, cs, schemas.PreCheckResult{
			Check: schemas.PreCheckReports, Status: preDone, Result: schemas.ReportsNone, Clean: true,
			Summary: "无需核实的具体举报", Reports: reports, At: &now,
		})
	}
	spec := reportsSpec
	spec.Notes = notes
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-reports", Step: "verify_reports", Title: "核实反映问题：" + cs.Name,
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "核实期限（10个工作日）",
		Spec:            spec,
	})
	if err != nil {
		return err
	}
	res := stepResult(schemas.PreCheckReports, spec, done, done.Text("findings"),
		done.Decision == schemas.ReportsNoImpact, done.Decision == schemas.ReportsAffect)
	res.Reports = reports
	return p.recordCheck(ctx, cs, res)
}

// reportNote names a report case for the verifier: its number, status and finding.
func reportNote(r schemas.ReportAbout) string {
	if r.Status == schemas.CaseOpen {
		return r.CaseID + "：尚在办理"
	}
	finding := map[string]string{
		schemas.FindingSubstantiated: "属实", schemas.FindingPartly: "部分属实", schemas.FindingUnverifiable: "无法查实",
	}[r.Finding]
	return r.CaseID + "：已办结，" + finding
}

// integrityOpinion: the candidate's unit Party committee gives its conclusive 廉洁自律
// opinion, signed by its secretary and discipline secretary, in 5 working days [policy].
func (p *preAppointment) integrityOpinion(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-integrity", Step: "integrity_opinion", Title: "出具廉洁自律结论性意见：" + cs.Name,
		OrgUnitID: cs.UnitID, Role: schemas.RoleUnitPrincipal,
		Period:          calendar.Period{N: 5, Unit: calendar.WorkingDays},
		DeadlineSummary: "廉洁自律意见期限（5个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSign, Label: "签署意见"}},
			Form: []schemas.FormField{
				{Name: "opinion", Label: "廉洁自律结论性意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
				{Name: "secretary", Label: "党委（党组）书记签字", Type: schemas.FieldText, Required: true, MaxLen: 50},
				{Name: "discipline_secretary", Label: "纪委书记（纪检组长）签字", Type: schemas.FieldText, Required: true, MaxLen: 50},
			},
		},
	})
	if err != nil {
		return err
	}
	cs.Integrity, cs.IntegrityAt = done.Text("opinion"), &done.At
	p.refresh(ctx)
	return nil
}

var decideDecisions = []schemas.Decision{
	{Key: schemas.PrePass, Label: "通过"},
	{Key: schemas.PreSuspend, Label: "暂缓"},
	{Key: schemas.PreUnfit, Label: "不宜"},
}

// decide: the supervisor consolidates the candidate's checks (DOMAIN.md P10 step 3). 通过 is
// refused while anything blocks the nomination, and needs a recorded decision on each finding.
func (p *preAppointment) decide(ctx workflow.Context, cs *schemas.PreAppointmentCandidateState) error {
	var bars []schemas.Restriction
	if err := p.exec(ctx, "核对任职限制："+cs.Name, acts.PromotionBlockers, activities.CheckRestrictionsRequest{
		OfficialID: cs.OfficialID, At: workflow.Now(ctx),
	}, &bars); err != nil {
		return err
	}
	if len(bars) > 0 {
		cs.Bars = []string{restrictions.Explain(cs.Name, bars)}
	}
	form := []schemas.FormField{{Name: "reason", Label: "暂缓或不宜的理由", Type: schemas.FieldTextarea,
		RequiredFor: []string{schemas.PreSuspend, schemas.PreUnfit}, MaxLen: 5000}}
	for _, c := range findings(cs) {
		form = append(form, schemas.FormField{Name: resolutionField(c.Check), Label: "对" + schemas.PreCheckTitle(c.Check) + "所发现问题的处理意见",
			Type: schemas.FieldTextarea, MaxLen: 5000})
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-decide", Step: "decide_candidate", Title: "任前核查综合研判：" + cs.Name + "（拟任" + cs.ProposedPost + "）",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec:   schemas.TaskSpec{Decisions: decideDecisions, Form: form, Notes: p.decideNotes(cs)},
		Refuse: func(req schemas.CompleteTaskRequest) error {
			if blocks := blockers(cs); req.Decision == schemas.PrePass && len(blocks) > 0 {
				return rejection(schemas.ErrTypeConflict, cs.Name+"不得通过："+strings.Join(blocks, "；"),
					schemas.FieldIssue{Field: "decision", Message: "存在影响提拔任用的情形，不得选择通过"})
			}
			return nil
		},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			if req.Decision != schemas.PrePass {
				return nil
			}
			var issues []schemas.FieldIssue
			for _, c := range findings(cs) {
				if v, _ := req.Form[resolutionField(c.Check)].(string); strings.TrimSpace(v) == "" {
					issues = append(issues, schemas.FieldIssue{Field: "form." + resolutionField(c.Check),
						Message: schemas.PreCheckTitle(c.Check) + "发现问题（" + c.Summary + "），通过须对其作出处理意见"})
				}
			}
			return issues
		},
	})
	if err != nil {
		return err
	}
	cs.Decision, cs.Reason, cs.DecidedBy, cs.DecidedAt = done.Decision, done.Text("reason"), done.Actor.ID, &done.At
	for _, c := range findings(cs) {
		if v := done.Text(resolutionField(c.Check)); v != "" {
			if cs.Resolutions == nil {
				cs.Resolutions = map[string]string{}
			}
			cs.Resolutions[c.Check] = v
		}
	}
	p.state.Outcome = p.outcome()
	err = p.audit(ctx, "记录综合研判："+cs.Name, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "pre_appointment.decided",
		Detail: map[string]any{"candidate": cs.ID, "official_id": cs.OfficialID, "decision": done.Decision},
	})
	p.refresh(ctx)
	return err
}

func resolutionField(check string) string { return "resolution_" + check }

// findings are the checks that came back with a result that is neither clean nor blocking:
// passing the candidate needs a recorded decision on each (档案问题, 漏报).
func findings(cs *schemas.PreAppointmentCandidateState) []schemas.PreCheckResult {
	var out []schemas.PreCheckResult
	for _, c := range cs.Checks {
		if c.Status == preDone && !c.Clean && !c.Blocking {
			out = append(out, c)
		}
	}
	return out
}

// blockers say what forbids passing the candidate (DOMAIN.md P10): a check missing, a
// blocking result (纪委 不宜 or 暂缓, 瞒报, 档案造假, a report verified to affect use), a
// promotion bar in force.
func blockers(cs *schemas.PreAppointmentCandidateState) []string {
	var out []string
	for _, c := range cs.Checks {
		switch {
		case c.Status != preDone:
			out = append(out, schemas.PreCheckTitle(c.Check)+"未完成")
		case c.Blocking:
			out = append(out, schemas.PreCheckTitle(c.Check)+"："+c.Summary)
		}
	}
	return append(out, cs.Bars...)
}

// decideNotes show the supervisor each check, the Party committee's opinion and what blocks.
func (p *preAppointment) decideNotes(cs *schemas.PreAppointmentCandidateState) []string {
	var notes []string
	for _, c := range cs.Checks {
		line := schemas.PreCheckTitle(c.Check) + "："
		if c.Status == preDone {
			line += c.Summary
		} else {
			line += "未完成"
		}
		if c.CaseID != "" {
			line += "（" + c.CaseID + "）"
		}
		if c.Notes != "" {
			line += "。" + c.Notes
		}
		notes = append(notes, line)
	}
	notes = append(notes, "廉洁自律意见："+cs.Integrity)
	if blocks := blockers(cs); len(blocks) > 0 {
		notes = append(notes, "不得通过："+strings.Join(blocks, "；"))
	}
	return notes
}

var decideLabels = map[string]string{schemas.PrePass: "通过", schemas.PreSuspend: "暂缓", schemas.PreUnfit: "不宜"}

func (p *preAppointment) outcome() string {
	var parts []string
	for _, cs := range p.pa.Candidates {
		if cs.Decision != "" {
			parts = append(parts, cs.Name+"："+decideLabels[cs.Decision])
		}
	}
	return strings.Join(parts, "；")
}

// conclude records the decisions and tells the cadre section, who take the nomination on.
func (p *preAppointment) conclude(ctx workflow.Context) error {
	p.state.Outcome = p.outcome()
	decisions := map[string]string{}
	for _, cs := range p.pa.Candidates {
		decisions[cs.OfficialID] = cs.Decision
	}
	if err := p.audit(ctx, "任前核查办结", activities.AuditRequest{
		Actor: "system", Action: "pre_appointment.concluded", Detail: map[string]any{"decisions": decisions},
	}); err != nil {
		return err
	}
	passed := slices.ContainsFunc(p.pa.Candidates, func(cs *schemas.PreAppointmentCandidateState) bool { return cs.Decision == schemas.PrePass })
	next := "无人选通过核查。"
	if passed {
		next = "通过核查的人选可进入讨论决定。"
	}
	return p.notify(ctx, "通知任前核查结果", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleCadreSection), OrgUnit: p.in.OrgUnitID,
		Title: "任前核查结果：" + p.state.Title,
		Body:  fmt.Sprintf("%s：%s。%s", p.state.ID, p.state.Outcome, next),
	})
}
