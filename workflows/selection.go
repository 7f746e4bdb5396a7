package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/internal/selection"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// Selection is P13 of DOMAIN.md, 选拔任用全程记实: one selection from the motion to the
// appointment, each stage a step that leaves its record — 动议 (drafted, approved), 民主推荐
// (the tallies), 考察 (the 考察对象, the team's reports, and the pre-appointment checks, P10,
// as a linked case), 讨论决定 (attendance, quorum, votes), 任前公示 (P1, a linked case), 任职
// (the appointment talk, probation) — then the supervisor's 纪实 review. A supervisor may flag
// an irregularity at any stage, and the system's rule checks raise one themselves: no further
// stage opens until a resolution is proposed by a supervisor and approved by the leader.
func Selection(ctx workflow.Context, in schemas.SelectionInput) (schemas.CaseState, error) {
	p := &selectionRun{
		caseRun: newCaseRun(in.CaseID, schemas.KindSelection, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, selectionStages),
		in:      in,
		sel: &schemas.SelectionState{Posts: in.Posts, DisciplineOfficeID: in.DisciplineOfficeID, MattersYear: in.MattersYear,
			Stages: []string{}, Irregularities: []schemas.SelectionIrregularity{}},
	}
	p.state.Selection = p.sel
	for _, cand := range in.Candidates {
		p.sel.Candidates = append(p.sel.Candidates, &schemas.SelectionCandidateState{SelectionCandidate: cand})
		p.addSubjects(cand.OfficialID)
	}
	p.cancelAtOffice(in.OrgUnitID)
	runCtx, err := p.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, schemas.UpdateFlagIrregularity, p.flag,
		workflow.UpdateHandlerOptions{Validator: guarded(p.caseRun, p.validateFlag), Description: "标记选拔任用不规范情形（干部监督人员）"}); err != nil {
		return schemas.CaseState{}, err
	}
	return p.finish(ctx, p.run(runCtx))
}

var selectionStages = map[string]string{
	string(selection.StageMotion):      selection.StageMotion.Title(),
	string(selection.StageRecommend):   selection.StageRecommend.Title(),
	string(selection.StageInspect):     selection.StageInspect.Title(),
	string(selection.StageDecide):      selection.StageDecide.Title(),
	string(selection.StagePublicity):   selection.StagePublicity.Title(),
	string(selection.StageAppointment): selection.StageAppointment.Title(),
	"review":                           "纪实审核",
	"trial":                            "试用期满考核",
	"closed":                           "已办结",
}

// Decision keys of the selection's own steps.
const (
	DecisionRecordMeeting = "record"  // 记录决定
	DecisionAppoint       = "appoint" // 记录任职
	// DecisionComplete (matters_cycle.go) is the review's 纪实完整.
	DecisionCorrect = "correct" // 发出纠正通知
)

// probationYears: a probation period of 1 year (2019 regulation, DOMAIN.md P13 step 6).
const probationYears = 1

type selectionRun struct {
	*caseRun
	in  schemas.SelectionInput
	sel *schemas.SelectionState
}

func (p *selectionRun) run(ctx workflow.Context) error {
	ids := make([]string, len(p.in.Candidates))
	for i, c := range p.in.Candidates {
		ids[i] = c.OfficialID
	}
	if err := p.open(ctx, string(selection.StageMotion), map[string]any{"posts": p.in.Posts, "candidates": ids}); err != nil {
		return err
	}
	for _, stage := range []func(workflow.Context) (bool, error){p.motion, p.recommend, p.inspect, p.decide, p.publicize, p.appoint} {
		more, err := stage(ctx)
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if err := p.review(ctx); err != nil {
		return err
	}
	if workflow.GetVersion(ctx, versionSelectionTrial, workflow.DefaultVersion, 1) == 1 {
		if err := p.trials(ctx); err != nil {
			return err
		}
	}
	p.state.Outcome = p.outcome()
	// The case closes only once every irregularity is resolved.
	return p.gate(ctx)
}

// gate waits while an irregularity is unresolved: no further stage opens.
func (p *selectionRun) gate(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return !p.sel.Halted })
}

// enter opens a stage once the case is not halted, and checks the order of the stages so far
// (internal/selection.CheckOrder): a gap raises an irregularity.
func (p *selectionRun) enter(ctx workflow.Context, stage selection.Stage) error {
	if err := p.gate(ctx); err != nil {
		return err
	}
	p.sel.Stages = append(p.sel.Stages, string(stage))
	if err := p.setStage(ctx, string(stage)); err != nil {
		return err
	}
	if gaps := selection.CheckOrder(p.stagesDone()); len(gaps) > 0 {
		if err := p.raise(ctx, schemas.IrregularityRuleOrder, gapText(gaps)); err != nil {
			return err
		}
		return p.gate(ctx)
	}
	return nil
}

func (p *selectionRun) stagesDone() []selection.Stage {
	out := make([]selection.Stage, len(p.sel.Stages))
	for i, s := range p.sel.Stages {
		out[i] = selection.Stage(s)
	}
	return out
}

func gapText(gaps []selection.Gap) string {
	msgs := make([]string, len(gaps))
	for i, g := range gaps {
		msgs[i] = g.Message
	}
	return strings.Join(msgs, "；")
}

// inspected are the 考察对象.
func (p *selectionRun) inspected() []*schemas.SelectionCandidateState {
	var out []*schemas.SelectionCandidateState
	for _, cs := range p.sel.Candidates {
		if cs.Inspected {
			out = append(out, cs)
		}
	}
	return out
}

// --- 1. 动议 ---

// motion: the cadre section drafts the motion and plan, the leader approves or returns it
// (DOMAIN.md P13 step 1).
func (p *selectionRun) motion(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StageMotion); err != nil {
		return false, err
	}
	draft, approval, err := p.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			title := "起草动议及工作方案"
			var notes []string
			if round > 1 {
				title = fmt.Sprintf("修改动议及工作方案（第%d稿）", round)
				notes = []string{"退回意见（" + returned.Actor.Name + "）：" + returned.Text("opinion"), "上一稿职位空缺及职数：" + last.Text("vacancy")}
			}
			return StepSpec{
				Key: fmt.Sprintf("motion-%d", round), Step: "draft_motion", Title: title,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form: []schemas.FormField{
						{Name: "proposer", Label: "动议提出人", Type: schemas.FieldText, Required: true, MaxLen: 100},
						{Name: "motion_date", Label: "动议日期", Type: schemas.FieldDate, Required: true, NotFuture: true},
						{Name: "vacancy", Label: "职位空缺及职数核查情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
						{Name: "quota_ok", Label: "经核查未超职数配备", Type: schemas.FieldBool, Required: true},
						{Name: "analysis", Label: "分析研判", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
						{Name: "method", Label: "初始提名方式", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000},
						{Name: "minutes", Label: "酝酿情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
					},
					Notes: append([]string{"拟任职位：" + p.in.Posts}, notes...),
				},
				Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
					if ok, _ := req.Form["quota_ok"].(bool); !ok {
						return []schemas.FieldIssue{{Field: "form.quota_ok", Message: "超职数配备的，不得动议（须核查确认未超职数）"}}
					}
					return nil
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Key: fmt.Sprintf("motion-approve-%d", round), Step: "approve_motion", Title: "审批动议及工作方案",
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
				Period: calendar.Period{N: 3, Unit: calendar.WorkingDays},
				Spec:   approvalSpec("同意动议"),
			}
		},
	})
	if err != nil {
		return false, err
	}
	p.sel.Motion = &schemas.SelectionMotion{
		Proposer: draft.Text("proposer"), Date: draft.Text("motion_date"), Vacancy: draft.Text("vacancy"), QuotaOK: draft.Bool("quota_ok"),
		Analysis: draft.Text("analysis"), Method: draft.Text("method"), Minutes: draft.Text("minutes"),
		DraftedBy: draft.Actor.ID, ApprovedBy: approval.Actor.ID, ApprovedAt: &approval.At,
	}
	err = p.audit(ctx, "记录动议", activities.AuditRequest{
		At: approval.At, Actor: approval.Actor.ID, Action: "selection.motion_approved",
		Detail: map[string]any{"proposer": p.sel.Motion.Proposer, "date": p.sel.Motion.Date, "drafted_by": draft.Actor.ID},
	})
	p.refresh(ctx)
	return true, err
}

// --- 2. 民主推荐 ---

// formInt reads a whole number ≥ 0 written in a text field.
func formInt(form map[string]any, name string) (int, bool) {
	s, _ := form[name].(string)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 0
}

func intField(name, label string) schemas.FormField {
	return schemas.FormField{Name: name, Label: label, Type: schemas.FieldText, Required: true, MaxLen: 6}
}

// ints reads the named whole-number fields, with an issue for each that is not one.
func ints(form map[string]any, names ...string) (map[string]int, []schemas.FieldIssue) {
	out := map[string]int{}
	var issues []schemas.FieldIssue
	for _, name := range names {
		n, ok := formInt(form, name)
		if !ok {
			issues = append(issues, schemas.FieldIssue{Field: "form." + name, Message: "须为不小于0的整数"})
		}
		out[name] = n
	}
	return out, issues
}

// recommend: the cadre section records the democratic recommendation (DOMAIN.md P13 step 2):
// the talks, attendance, ballots and the count per nominee, checked with internal/selection.
func (p *selectionRun) recommend(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StageRecommend); err != nil {
		return false, err
	}
	form := []schemas.FormField{
		{Name: "recommend_date", Label: "推荐日期", Type: schemas.FieldDate, Required: true, NotFuture: true, MinDate: p.sel.Motion.Date},
		{Name: "talks", Label: "谈话调研推荐情况（谈话对象、范围）", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
		intField("expected", "应参加会议推荐人数"), intField("attended", "实参加会议推荐人数"),
		intField("ballots_issued", "发出推荐票"), intField("ballots_returned", "收回推荐票"), intField("ballots_valid", "有效推荐票"),
	}
	names := []string{"expected", "attended", "ballots_issued", "ballots_returned", "ballots_valid"}
	for _, cs := range p.sel.Candidates {
		form = append(form, intField("votes_"+cs.ID, cs.Name+"得票"))
		names = append(names, "votes_"+cs.ID)
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: "recommend", Step: "record_recommendation", Title: "记录民主推荐情况",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec:   schemas.TaskSpec{Decisions: submitDecisions("提交推荐记录"), Form: form},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			n, issues := ints(req.Form, names...)
			if len(issues) > 0 {
				return issues
			}
			if n["attended"] > n["expected"] {
				issues = append(issues, schemas.FieldIssue{Field: "form.attended", Message: "实参加人数不得多于应参加人数"})
			}
			if n["ballots_issued"] > n["attended"] {
				issues = append(issues, schemas.FieldIssue{Field: "form.ballots_issued", Message: "发出票数不得多于实参加人数"})
			}
			if n["ballots_returned"] > n["ballots_issued"] {
				issues = append(issues, schemas.FieldIssue{Field: "form.ballots_returned", Message: "收回票数不得多于发出票数"})
			}
			if n["ballots_valid"] > n["ballots_returned"] {
				issues = append(issues, schemas.FieldIssue{Field: "form.ballots_valid", Message: "有效票数不得多于收回票数"})
			}
			// Each valid ballot names a nominee at most once: no one gets more votes than there
			// are valid ballots (the tally rule of internal/selection).
			m := selection.Meeting{Members: n["expected"], Present: n["ballots_valid"]}
			for _, cs := range p.sel.Candidates {
				if msg := m.CheckTally(selection.Tally{Agree: n["votes_"+cs.ID]}); msg != "" {
					issues = append(issues, schemas.FieldIssue{Field: "form.votes_" + cs.ID, Message: cs.Name + "得票多于有效票数"})
				}
			}
			return issues
		},
	})
	if err != nil {
		return false, err
	}
	n, _ := ints(done.Form, names...)
	p.sel.Recommendation = &schemas.SelectionRecommendation{
		Date: done.Text("recommend_date"), Talks: done.Text("talks"), Expected: n["expected"], Attended: n["attended"],
		BallotsIssued: n["ballots_issued"], BallotsReturned: n["ballots_returned"], BallotsValid: n["ballots_valid"],
		RecordedBy: done.Actor.ID, RecordedAt: &done.At,
	}
	votes := map[string]int{}
	for _, cs := range p.sel.Candidates {
		cs.Votes = n["votes_"+cs.ID]
		votes[cs.OfficialID] = cs.Votes
	}
	err = p.audit(ctx, "记录民主推荐", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.recommended",
		Detail: map[string]any{"date": p.sel.Recommendation.Date, "ballots_valid": n["ballots_valid"], "votes": votes},
	})
	p.refresh(ctx)
	return true, err
}

// recommendationDay is the recommendation's date, Beijing time.
func (p *selectionRun) recommendationDay() time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, p.sel.Recommendation.Date, calendar.Location())
	return d
}

// recommendationValidOn: the recommendation may still be used on day (YYYY-MM-DD).
func (p *selectionRun) recommendationValidOn(day string) bool {
	d, err := time.ParseInLocation(time.DateOnly, day, calendar.Location())
	return err == nil && selection.RecommendationValid(p.recommendationDay(), d)
}

// --- 3. 考察 ---

// checkBars asks restrictions.PromotionAllowed (through the PromotionBlockers activity) about
// each candidate not yet blocked: a bar in force blocks them.
func (p *selectionRun) checkBars(ctx workflow.Context, cands []*schemas.SelectionCandidateState) error {
	for _, cs := range cands {
		if cs.Blocked != "" {
			continue
		}
		var bars []schemas.Restriction
		if err := p.exec(ctx, "核对任职限制："+cs.Name, acts.PromotionBlockers, activities.CheckRestrictionsRequest{
			OfficialID: cs.OfficialID, At: workflow.Now(ctx),
		}, &bars); err != nil {
			return err
		}
		if len(bars) > 0 {
			cs.Blocked = restrictions.Explain(cs.Name, bars)
		}
	}
	return nil
}

// inspect: the cadre section fixes the 考察对象 and the team; the team reports on each, while
// the pre-appointment checks (P10) run as a linked case; a candidate P10 does not pass, or
// with a promotion bar, goes no further (DOMAIN.md P13 step 3).
func (p *selectionRun) inspect(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StageInspect); err != nil {
		return false, err
	}
	if err := p.checkBars(ctx, p.sel.Candidates); err != nil {
		return false, err
	}
	form := []schemas.FormField{
		{Name: "team", Label: "考察组成员", Type: schemas.FieldText, Required: true, MaxLen: 500},
		{Name: "plan", Label: "考察工作方案", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
	}
	var notes []string
	for _, cs := range p.sel.Candidates {
		form = append(form, schemas.FormField{Name: "inspect_" + cs.ID, Label: "确定" + cs.Name + "为考察对象", Type: schemas.FieldBool})
		note := fmt.Sprintf("%s：民主推荐得票%d（拟任%s）", cs.Name, cs.Votes, cs.ProposedPost)
		if cs.Blocked != "" {
			note += "。" + cs.Blocked
		}
		notes = append(notes, note)
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: "inspect-fix", Step: "fix_inspection", Title: "确定考察对象",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec:   schemas.TaskSpec{Decisions: submitDecisions("确定考察对象"), Form: form, Notes: notes},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			for _, cs := range p.sel.Candidates {
				if v, _ := req.Form["inspect_"+cs.ID].(bool); v {
					return nil
				}
			}
			return []schemas.FieldIssue{{Field: "form.inspect_" + p.sel.Candidates[0].ID, Message: "须至少确定一名考察对象"}}
		},
		Refuse: func(req schemas.CompleteTaskRequest) error {
			for _, cs := range p.sel.Candidates {
				if v, _ := req.Form["inspect_"+cs.ID].(bool); v && cs.Blocked != "" {
					return rejection(schemas.ErrTypeConflict, cs.Blocked,
						schemas.FieldIssue{Field: "form.inspect_" + cs.ID, Message: cs.Name + "不得列为考察对象：" + cs.Blocked})
				}
			}
			return nil
		},
	})
	if err != nil {
		return false, err
	}
	for _, cs := range p.sel.Candidates {
		cs.Inspected = done.Bool("inspect_" + cs.ID)
	}
	p.sel.Inspection = &schemas.SelectionInspection{Team: done.Text("team"), Plan: done.Text("plan"), FixedBy: done.Actor.ID, FixedAt: &done.At}
	inspected := p.inspected()
	ids := make([]string, len(inspected))
	for i, cs := range inspected {
		ids[i] = cs.OfficialID
	}
	if err := p.audit(ctx, "确定考察对象", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.inspection_fixed", Detail: map[string]any{"candidates": ids, "team": done.Text("team")},
	}); err != nil {
		return false, err
	}
	p.refresh(ctx)
	branches := []func(workflow.Context) error{p.preAppointment}
	for _, cs := range inspected {
		branches = append(branches, func(gctx workflow.Context) error { return p.inspectionReport(gctx, cs) })
	}
	if err := inParallel(ctx, branches...); err != nil {
		return false, err
	}
	for _, cs := range inspected {
		if cs.Blocked == "" && cs.PreAppointment != schemas.PrePass {
			cs.Blocked = cs.Name + "任前核查（凡提必核）结论为" + preConclusionLabel(cs.PreAppointment) + "，不得进入讨论决定"
		}
	}
	if err := p.checkBars(ctx, inspected); err != nil {
		return false, err
	}
	p.refresh(ctx)
	return slices.ContainsFunc(inspected, func(cs *schemas.SelectionCandidateState) bool { return cs.Blocked == "" }), nil
}

func preConclusionLabel(decision string) string {
	if l, ok := decideLabels[decision]; ok {
		return l
	}
	return "未得出"
}

// inspectionReport: the inspection team's report on one candidate, 15 working days [policy].
func (p *selectionRun) inspectionReport(ctx workflow.Context, cs *schemas.SelectionCandidateState) error {
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-inspection", Step: "inspection_report", Title: "考察报告：" + cs.Name + "（拟任" + cs.ProposedPost + "）",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period: calendar.Period{N: 15, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交考察报告"),
			Form: []schemas.FormField{
				{Name: "evaluation", Label: "民主测评、个别谈话、实地走访情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
				{Name: "report", Label: "考察材料", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
				{Name: "signatures", Label: "考察组成员签字", Type: schemas.FieldText, Required: true, MaxLen: 500},
			},
		},
	})
	if err != nil {
		return err
	}
	cs.Report, cs.Signatures = done.Text("report"), done.Text("signatures")
	err = p.audit(ctx, "记录考察报告："+cs.Name, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.inspection_reported",
		Detail: map[string]any{"candidate": cs.ID, "official_id": cs.OfficialID, "signatures": done.Text("signatures")},
	})
	p.refresh(ctx)
	return err
}

// preAppointment starts the pre-appointment checks (P10) of the 考察对象 as a linked case and
// waits for its conclusion on each. A case that ends without one leaves the candidate blocked.
func (p *selectionRun) preAppointment(ctx workflow.Context) error {
	inspected := p.inspected()
	title := p.state.Title + "：任前核查"
	id, child, err := p.startLinkedChild(ctx, LinkedCase{
		Kind: schemas.KindPreAppointment, Key: "pre-appointment", Title: title, OrgUnitID: p.in.OrgUnitID,
		Input: func(caseID string) any {
			in := schemas.PreAppointmentInput{
				CaseID: caseID, Title: title, OrgUnitID: p.in.OrgUnitID, CreatedBy: p.createdBy, Priority: p.state.Priority,
				DisciplineOfficeID: p.in.DisciplineOfficeID, MattersYear: p.in.MattersYear,
			}
			for _, cs := range inspected {
				in.Candidates = append(in.Candidates, schemas.PreAppointmentCandidate{
					ID: cs.ID, OfficialID: cs.OfficialID, Name: cs.Name, UnitID: cs.UnitID, UnitName: cs.UnitName, ProposedPost: cs.ProposedPost,
				})
			}
			return in
		},
	})
	if err != nil {
		return err
	}
	p.sel.Inspection.PreCaseID = id
	p.refresh(ctx)
	var out schemas.CaseState
	err = child.Get(ctx, &out)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("pre-appointment case ended without a result", "case", p.state.ID, "linked", id, "error", err)
	}
	decisions := map[string]string{}
	for _, cs := range inspected {
		cs.PreAppointment = preMissing
		if out.PreAppointment != nil {
			for _, pc := range out.PreAppointment.Candidates {
				if pc.OfficialID == cs.OfficialID && pc.Decision != "" {
					cs.PreAppointment = pc.Decision
				}
			}
		}
		decisions[cs.OfficialID] = cs.PreAppointment
	}
	return p.audit(ctx, "记录任前核查结论", activities.AuditRequest{
		Actor: "system", Action: "selection.pre_appointment_concluded", Detail: map[string]any{"case_id": id, "decisions": decisions},
	})
}

// --- 4. 讨论决定 ---

// decide: the cadre section records the decision meeting (DOMAIN.md P13 step 4). The system
// refuses a record without quorum (≥ 2/3 of members present), a tally larger than those
// present, a pass without the agreement of more than half of all members, a pass of a
// blocked candidate and a pass on a recommendation more than a year old. A recommendation
// already expired when the stage opens raises an irregularity first.
func (p *selectionRun) decide(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StageDecide); err != nil {
		return false, err
	}
	today := workflow.Now(ctx).In(calendar.Location()).Format(time.DateOnly)
	if !p.recommendationValidOn(today) {
		if err := p.raise(ctx, schemas.IrregularityRuleRecommendation,
			"民主推荐结果（"+p.sel.Recommendation.Date+"）已超过1年有效期，不得据此作出任用决定"); err != nil {
			return false, err
		}
		if err := p.gate(ctx); err != nil {
			return false, err
		}
	}
	inspected := p.inspected()
	if err := p.checkBars(ctx, inspected); err != nil {
		return false, err
	}
	mf := p.meetingForm(inspected, p.sel.Recommendation.Date, false)
	done, err := p.humanStep(ctx, StepSpec{
		Key: "decide", Step: "record_decision", Title: "记录讨论决定情况",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period:   calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec:     schemas.TaskSpec{Decisions: []schemas.Decision{{Key: DecisionRecordMeeting, Label: "记录决定"}}, Form: mf.form, Notes: mf.notes},
		Validate: mf.validate,
		Refuse:   mf.refuse,
	})
	if err != nil {
		return false, err
	}
	p.sel.Meeting = mf.record(done)
	results := mf.results(done)
	err = p.audit(ctx, "记录讨论决定", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.decided",
		Detail: map[string]any{"date": p.sel.Meeting.Date, "members": p.sel.Meeting.Members, "present": p.sel.Meeting.Present, "results": results},
	})
	p.refresh(ctx)
	if err != nil {
		return false, err
	}
	deferred := func(cs *schemas.SelectionCandidateState) bool { return cs.Decision == schemas.SelectionDeferred }
	if slices.ContainsFunc(inspected, deferred) &&
		workflow.GetVersion(ctx, versionSelectionReconsider, workflow.DefaultVersion, 1) == 1 {
		if err := p.reconsider(ctx); err != nil {
			return false, err
		}
	}
	return slices.ContainsFunc(inspected, func(cs *schemas.SelectionCandidateState) bool { return cs.Decision == schemas.SelectionPassed }), nil
}

// versionSelectionReconsider guards the 复议 step after a meeting that deferred a candidate:
// histories from before went on without it.
const versionSelectionReconsider = "selection-reconsider"

// DecisionDrop ends the 复议 of the deferred candidates: they are not reconsidered (不再复议).
const DecisionDrop = "drop"

// meetingForm is the record of a decision meeting on cands — the 讨论决定 or a 复议 — with the
// system's checks: quorum (≥ 2/3 of members present), a tally no larger than those present,
// a pass only with the agreement of more than half of all members, never of a blocked
// candidate nor on a recommendation more than a year old; for a 复议 also the consent of more
// than half of all members to reconsider (internal/selection).
type meetingForm struct {
	p          *selectionRun
	cands      []*schemas.SelectionCandidateState
	form       []schemas.FormField
	notes      []string
	names      []string
	reconsider bool
}

func (p *selectionRun) meetingForm(cands []*schemas.SelectionCandidateState, minDate string, reconsider bool) meetingForm {
	mf := meetingForm{p: p, cands: cands, reconsider: reconsider,
		form: []schemas.FormField{
			{Name: "meeting_date", Label: "会议日期", Type: schemas.FieldDate, Required: true, NotFuture: true, MinDate: minDate},
			intField("members", "应到会成员"), intField("present", "实到会成员"),
			{Name: "minutes", Label: "会议记录（酝酿、表决情况，主要负责人最后表态）", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
		},
		names: []string{"members", "present"},
		notes: []string{"民主推荐日期：" + p.sel.Recommendation.Date + "（有效期1年）"},
	}
	if reconsider {
		mf.form = append(mf.form, intField("consent", "同意复议的成员人数"))
		mf.names = append(mf.names, "consent")
	}
	for _, cs := range cands {
		mf.form = append(mf.form,
			intField("agree_"+cs.ID, cs.Name+"：同意"), intField("disagree_"+cs.ID, cs.Name+"：不同意"), intField("defer_"+cs.ID, cs.Name+"：缓议"),
			schemas.FormField{Name: "result_" + cs.ID, Label: cs.Name + "：表决结果", Type: schemas.FieldSelect, Required: true,
				Options: []string{schemas.SelectionPassed, schemas.SelectionNotPassed, schemas.SelectionDeferred}})
		mf.names = append(mf.names, "agree_"+cs.ID, "disagree_"+cs.ID, "defer_"+cs.ID)
		if cs.Blocked != "" {
			mf.notes = append(mf.notes, cs.Blocked)
		}
	}
	if reconsider {
		// A 复议 step may also end without a meeting: every field is required for the record only.
		for i := range mf.form {
			mf.form[i].Required, mf.form[i].RequiredFor = false, []string{DecisionRecordMeeting}
		}
		mf.form = append(mf.form, schemas.FormField{Name: "reason", Label: "不再复议的理由", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionDrop}, MaxLen: 2000})
	}
	return mf
}

func (mf meetingForm) tally(n map[string]int, id string) selection.Tally {
	return selection.Tally{Agree: n["agree_"+id], Disagree: n["disagree_"+id], Defer: n["defer_"+id]}
}

func (mf meetingForm) validate(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
	if req.Decision != DecisionRecordMeeting {
		return nil
	}
	n, issues := ints(req.Form, mf.names...)
	if len(issues) > 0 {
		return issues
	}
	m := selection.Meeting{Members: n["members"], Present: n["present"]}
	if msg := m.CheckQuorum(); msg != "" {
		field := "form.present"
		if m.Members <= 0 {
			field = "form.members"
		}
		return []schemas.FieldIssue{{Field: field, Message: msg}}
	}
	if mf.reconsider && !m.MayReconsider(n["consent"]) {
		return []schemas.FieldIssue{{Field: "form.consent",
			Message: fmt.Sprintf("同意复议%d人，须超过应到会成员%d人的半数且不多于实到会成员，不得复议", n["consent"], m.Members)}}
	}
	for _, cs := range mf.cands {
		t := mf.tally(n, cs.ID)
		if msg := m.CheckTally(t); msg != "" {
			issues = append(issues, schemas.FieldIssue{Field: "form.agree_" + cs.ID, Message: cs.Name + "：" + msg})
		} else if r, _ := req.Form["result_"+cs.ID].(string); r == schemas.SelectionPassed && !m.Passes(t) {
			issues = append(issues, schemas.FieldIssue{Field: "form.result_" + cs.ID,
				Message: fmt.Sprintf("%s同意%d票，未超过应到会成员%d人的半数，不得通过", cs.Name, t.Agree, m.Members)})
		}
	}
	return issues
}

func (mf meetingForm) refuse(req schemas.CompleteTaskRequest) error {
	if req.Decision != DecisionRecordMeeting {
		return nil
	}
	for _, cs := range mf.cands {
		if r, _ := req.Form["result_"+cs.ID].(string); r != schemas.SelectionPassed {
			continue
		}
		if cs.Blocked != "" {
			return rejection(schemas.ErrTypeConflict, cs.Blocked,
				schemas.FieldIssue{Field: "form.result_" + cs.ID, Message: cs.Name + "不得通过：" + cs.Blocked})
		}
		if day, _ := req.Form["meeting_date"].(string); !mf.p.recommendationValidOn(day) {
			return rejection(schemas.ErrTypeConflict, "民主推荐结果已超过1年有效期，不得作出任用决定",
				schemas.FieldIssue{Field: "form.meeting_date", Message: "民主推荐结果（" + mf.p.sel.Recommendation.Date + "）至会议日期已超过1年，不得通过人选"})
		}
	}
	return nil
}

// record is the meeting's record; it sets each candidate's tally and decision.
func (mf meetingForm) record(done Completion) *schemas.SelectionMeeting {
	n, _ := ints(done.Form, mf.names...)
	for _, cs := range mf.cands {
		t := mf.tally(n, cs.ID)
		cs.Tally = &schemas.SelectionVotes{Agree: t.Agree, Disagree: t.Disagree, Defer: t.Defer}
		cs.Decision = done.Text("result_" + cs.ID)
	}
	return &schemas.SelectionMeeting{
		Date: done.Text("meeting_date"), Members: n["members"], Present: n["present"], Minutes: done.Text("minutes"),
		RecordedBy: done.Actor.ID, RecordedAt: &done.At,
	}
}

func (mf meetingForm) results(done Completion) map[string]string {
	out := map[string]string{}
	for _, cs := range mf.cands {
		out[cs.OfficialID] = done.Text("result_" + cs.ID)
	}
	return out
}

// reconsider: the candidates the meeting deferred (缓议) may be reconsidered (复议) at a later
// meeting, 30 working days per round [policy], each round recording the consent of more than half
// of all members to reconsider and the vote; a candidate deferred again waits for the next
// round. The cadre section may end it (不再复议): the candidates stay deferred.
func (p *selectionRun) reconsider(ctx workflow.Context) error {
	for round := 1; ; round++ {
		var deferred []*schemas.SelectionCandidateState
		for _, cs := range p.inspected() {
			if cs.Decision == schemas.SelectionDeferred {
				deferred = append(deferred, cs)
			}
		}
		if len(deferred) == 0 {
			return nil
		}
		if err := p.gate(ctx); err != nil {
			return err
		}
		if err := p.checkBars(ctx, deferred); err != nil {
			return err
		}
		mf := p.meetingForm(deferred, p.lastMeetingDate(), true)
		names := make([]string, len(deferred))
		for i, cs := range deferred {
			names[i] = cs.Name
		}
		done, err := p.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("reconsider-%d", round), Step: "record_reconsideration", Title: "记录复议情况：" + strings.Join(names, "、"),
			OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
			Period: calendar.Period{N: 30, Unit: calendar.WorkingDays},
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionRecordMeeting, Label: "记录复议"}, {Key: DecisionDrop, Label: "不再复议"}},
				Form:      mf.form, Notes: append(mf.notes, "复议须经超过半数应到会成员同意"),
			},
			Validate: mf.validate,
			Refuse:   mf.refuse,
		})
		if err != nil {
			return err
		}
		if done.Decision == DecisionDrop {
			err = p.audit(ctx, "不再复议", activities.AuditRequest{
				At: done.At, Actor: done.Actor.ID, Action: "selection.reconsideration_dropped", Detail: map[string]any{"reason": done.Text("reason")},
			})
			p.refresh(ctx)
			return err
		}
		m := mf.record(done)
		n, _ := ints(done.Form, "consent")
		m.Consent = n["consent"]
		for _, cs := range deferred {
			m.Candidates = append(m.Candidates, cs.ID)
		}
		p.sel.Reconsiderations = append(p.sel.Reconsiderations, *m)
		err = p.audit(ctx, "记录复议", activities.AuditRequest{
			At: done.At, Actor: done.Actor.ID, Action: "selection.reconsidered",
			Detail: map[string]any{"date": m.Date, "members": m.Members, "present": m.Present, "consent": m.Consent, "results": mf.results(done)},
		})
		p.refresh(ctx)
		if err != nil {
			return err
		}
	}
}

// lastMeetingDate is the date of the last decision meeting: the 讨论决定 or its last 复议.
func (p *selectionRun) lastMeetingDate() string {
	if n := len(p.sel.Reconsiderations); n > 0 {
		return p.sel.Reconsiderations[n-1].Date
	}
	return p.sel.Meeting.Date
}

// --- 5. 任前公示 ---

// publicize starts the publicity (P1) of the candidates the meeting passed, as a linked case,
// and waits for its decision on each (DOMAIN.md P13 step 5).
func (p *selectionRun) publicize(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StagePublicity); err != nil {
		return false, err
	}
	var passed []*schemas.SelectionCandidateState
	for _, cs := range p.sel.Candidates {
		if cs.Decision == schemas.SelectionPassed && cs.Blocked == "" {
			passed = append(passed, cs)
		}
	}
	title := p.state.Title + "：任前公示"
	id, child, err := p.startLinkedChild(ctx, LinkedCase{
		Kind: schemas.KindPublicity, Key: "publicity", Title: title, OrgUnitID: p.in.OrgUnitID,
		Input: func(caseID string) any {
			in := schemas.PublicityInput{
				CaseID: caseID, Title: title, OrgUnitID: p.in.OrgUnitID, CreatedBy: p.createdBy, Priority: p.state.Priority,
				PeriodWorkingDays: 5,
			}
			for _, cs := range passed {
				in.Candidates = append(in.Candidates, schemas.Candidate{
					ID: cs.ID, Name: cs.Name, CurrentPost: cs.CurrentPost, ProposedPost: cs.ProposedPost, OfficialID: cs.OfficialID,
				})
			}
			return in
		},
	})
	if err != nil {
		return false, err
	}
	p.sel.PublicityCaseID = id
	p.refresh(ctx)
	var out schemas.CaseState
	err = child.Get(ctx, &out)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("publicity case ended without a result", "case", p.state.ID, "linked", id, "error", err)
	}
	decisions := map[string]string{}
	for _, cs := range passed {
		if out.Publicity != nil {
			for _, pc := range out.Publicity.Candidates {
				if pc.ID == cs.ID && pc.Final {
					cs.Publicity = pc.Decision
				}
			}
		}
		decisions[cs.OfficialID] = cs.Publicity
	}
	if err := p.audit(ctx, "记录任前公示结果", activities.AuditRequest{
		Actor: "system", Action: "selection.publicity_concluded", Detail: map[string]any{"case_id": id, "decisions": decisions},
	}); err != nil {
		return false, err
	}
	p.refresh(ctx)
	return slices.ContainsFunc(passed, publicityCleared), nil
}

func publicityCleared(cs *schemas.SelectionCandidateState) bool {
	return cs.Publicity == schemas.PubProceed || cs.Publicity == schemas.PubProceedWithReminder
}

// --- 6. 任职 ---

// appointable says why a candidate may not be appointed, "" when they may: passed by the
// meeting, cleared by the publicity, not blocked.
func appointable(cs *schemas.SelectionCandidateState) string {
	switch {
	case cs.Blocked != "":
		return cs.Blocked
	case cs.Decision != schemas.SelectionPassed:
		return cs.Name + "未经讨论决定通过，不得任职"
	case !publicityCleared(cs):
		return cs.Name + "任前公示未得出可以任职的结论，不得任职"
	}
	return ""
}

// appoint: the cadre section records the appointment talk of each candidate appointed and
// whether a probation year applies (DOMAIN.md P13 step 6). Appointing anyone the stages did
// not clear is refused.
func (p *selectionRun) appoint(ctx workflow.Context) (bool, error) {
	if err := p.enter(ctx, selection.StageAppointment); err != nil {
		return false, err
	}
	inspected := p.inspected()
	if err := p.checkBars(ctx, inspected); err != nil {
		return false, err
	}
	form := []schemas.FormField{
		{Name: "talk_date", Label: "任职谈话日期", Type: schemas.FieldDate, Required: true, NotFuture: true, MinDate: p.lastMeetingDate()},
		{Name: "talker", Label: "谈话人", Type: schemas.FieldText, Required: true, MaxLen: 100},
	}
	var notes []string
	for _, cs := range inspected {
		form = append(form,
			schemas.FormField{Name: "appoint_" + cs.ID, Label: "任命" + cs.Name + "为" + cs.ProposedPost, Type: schemas.FieldBool},
			schemas.FormField{Name: "talk_" + cs.ID, Label: cs.Name + "：任职谈话记录", Type: schemas.FieldTextarea, MaxLen: 10000},
			schemas.FormField{Name: "probation_" + cs.ID, Label: cs.Name + "：实行任职试用期（1年）", Type: schemas.FieldBool})
		if why := appointable(cs); why != "" {
			notes = append(notes, why)
		}
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: "appoint", Step: "record_appointment", Title: "记录任职谈话及任职情况",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec:   schemas.TaskSpec{Decisions: []schemas.Decision{{Key: DecisionAppoint, Label: "记录任职"}}, Form: form, Notes: notes},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			var issues []schemas.FieldIssue
			for _, cs := range inspected {
				appoint, _ := req.Form["appoint_"+cs.ID].(bool)
				talk, _ := req.Form["talk_"+cs.ID].(string)
				if appoint && text.Check(talk, 1, 10000) != "" {
					issues = append(issues, schemas.FieldIssue{Field: "form.talk_" + cs.ID, Message: "任职须记录任职谈话"})
				}
			}
			return issues
		},
		Refuse: func(req schemas.CompleteTaskRequest) error {
			for _, cs := range inspected {
				if v, _ := req.Form["appoint_"+cs.ID].(bool); v {
					if why := appointable(cs); why != "" {
						return rejection(schemas.ErrTypeConflict, why, schemas.FieldIssue{Field: "form.appoint_" + cs.ID, Message: why})
					}
				}
			}
			return nil
		},
	})
	if err != nil {
		return false, err
	}
	talkDay, _ := time.ParseInLocation(time.DateOnly, done.Text("talk_date"), calendar.Location())
	var appointed []string
	for _, cs := range inspected {
		if !done.Bool("appoint_" + cs.ID) {
			continue
		}
		cs.Appointed, cs.AppointedAt, cs.Talk, cs.Probation = true, &done.At, done.Text("talk_"+cs.ID), done.Bool("probation_"+cs.ID)
		cs.TalkDate, cs.AppointedBy = done.Text("talk_date"), done.Actor.ID
		if cs.Probation {
			cs.ProbationEnds = talkDay.AddDate(probationYears, 0, 0).Format(time.DateOnly)
		}
		appointed = append(appointed, cs.OfficialID)
	}
	err = p.audit(ctx, "记录任职", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.appointed",
		Detail: map[string]any{"appointed": appointed, "talk_date": done.Text("talk_date"), "talker": done.Text("talker")},
	})
	p.refresh(ctx)
	return true, err
}

// --- 试用期满考核 ---

// versionSelectionTrial guards the end-of-trial assessments after the 纪实 review: histories
// from before closed the case there.
const versionSelectionTrial = "selection-trial-assessment"

// trialMonths: the end-of-trial assessment opens 11 months after the appointment talk, a month
// before the probation year ends [policy] (DOMAIN.md P13 step 6).
const trialMonths = 11

// trials runs the end-of-trial assessment of each appointee on probation, side by side; the
// case closes when all are done.
func (p *selectionRun) trials(ctx workflow.Context) error {
	var branches []func(workflow.Context) error
	for _, cs := range p.sel.Candidates {
		if cs.Appointed && cs.Probation {
			branches = append(branches, func(gctx workflow.Context) error { return p.trial(gctx, cs) })
		}
	}
	if len(branches) == 0 {
		return nil
	}
	if err := p.setStage(ctx, "trial"); err != nil {
		return err
	}
	return inParallel(ctx, branches...)
}

// trial waits on a durable timer until the day 11 months after cs's appointment talk, then
// asks the cadre section for the assessment, 15 working days [policy]: 胜任 → 正式任职;
// 不胜任 → the trial post is removed, recorded, and the cadre section told.
func (p *selectionRun) trial(ctx workflow.Context, cs *schemas.SelectionCandidateState) error {
	talkDay, _ := time.ParseInLocation(time.DateOnly, cs.TalkDate, calendar.Location())
	due, err := p.deadlineFrom(ctx, talkDay, calendar.Period{N: trialMonths, Unit: calendar.Months}, "试用期满考核日期："+cs.Name)
	if err != nil {
		return err
	}
	// The period ends at the end of that day (23:59:59); the assessment opens at its start.
	cs.TrialOn = due.In(calendar.Location()).Format(time.DateOnly)
	p.refresh(ctx)
	if err := sleepUntil(ctx, due.Add(-(24*time.Hour - time.Second)), "试用期满考核："+cs.Name); err != nil {
		return err
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: cs.ID + "-trial", Step: "trial_assessment", Title: "试用期满考核：" + cs.Name + "（" + cs.ProposedPost + "）",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
		Period: calendar.Period{N: 15, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: schemas.SelectionCompetent, Label: "胜任，正式任职"}, {Key: schemas.SelectionIncompetent, Label: "不胜任，免去试任职务"}},
			Form:      []schemas.FormField{{Name: "assessment", Label: "考核情况（民主测评、个别谈话、实绩）", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000}},
			Notes:     []string{"任职谈话日期：" + cs.TalkDate, "试用期至" + cs.ProbationEnds},
		},
	})
	if err != nil {
		return err
	}
	cs.Trial = &schemas.SelectionTrial{Result: done.Decision, Assessment: done.Text("assessment"), By: done.Actor.ID, At: &done.At}
	if err := p.audit(ctx, "记录试用期满考核："+cs.Name, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.trial_assessed",
		Detail: map[string]any{"candidate": cs.ID, "official_id": cs.OfficialID, "result": done.Decision},
	}); err != nil {
		return err
	}
	p.refresh(ctx)
	if done.Decision != schemas.SelectionIncompetent {
		return nil
	}
	return p.notify(ctx, "通知免去试任职务："+cs.Name, activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleCadreSection), OrgUnit: p.in.OrgUnitID,
		Title: "试用期满考核不胜任：" + cs.Name,
		Body:  fmt.Sprintf("%s：%s试用期满考核不胜任，免去试任的%s职务，请按规定办理。", p.state.ID, cs.Name, cs.ProposedPost),
	})
}

// --- 纪实 review ---

// gaps are what the supervisor's review finds missing or irregular: the stages present and in
// order, the quorum, the recommendation's age at the decision, the four checks and the
// publicity of each appointee.
func (p *selectionRun) gaps() []string {
	var out []string
	for _, g := range selection.CheckOrder(p.stagesDone()) {
		out = append(out, g.Message)
	}
	if m := p.sel.Meeting; m != nil {
		if msg := (selection.Meeting{Members: m.Members, Present: m.Present}).CheckQuorum(); msg != "" {
			out = append(out, "讨论决定："+msg)
		}
		if !p.recommendationValidOn(m.Date) {
			out = append(out, "讨论决定时民主推荐结果已超过1年有效期")
		}
	}
	for _, cs := range p.sel.Candidates {
		if !cs.Appointed {
			continue
		}
		if cs.PreAppointment != schemas.PrePass {
			out = append(out, cs.Name+"任前核查（凡提四必）未通过或不完整")
		}
		if !publicityCleared(cs) {
			out = append(out, cs.Name+"未经任前公示得出可以任职的结论")
		}
	}
	for _, irr := range p.sel.Irregularities {
		if irr.ResolvedAt == nil {
			out = append(out, "不规范情形"+irr.ID+"尚未处理")
		}
	}
	return out
}

// review: the supervisor's 纪实 review, 10 working days [policy]; gaps need a 纠正 notice.
func (p *selectionRun) review(ctx workflow.Context) error {
	if err := p.gate(ctx); err != nil {
		return err
	}
	gaps := p.gaps()
	p.sel.Review = &schemas.SelectionReview{Gaps: gaps}
	notes := []string{"已完成环节：" + p.stageText()}
	if len(gaps) == 0 {
		notes = append(notes, "系统未发现缺漏")
	} else {
		notes = append(notes, "系统发现的问题："+strings.Join(gaps, "；"))
	}
	for _, irr := range p.sel.Irregularities {
		notes = append(notes, "不规范情形"+irr.ID+"："+irr.Description+"；处理意见："+irr.Resolution)
	}
	done, err := p.humanStep(ctx, StepSpec{
		Stage: "review", Key: "review", Step: "review_record", Title: "选拔任用纪实审核",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "纪实审核期限（10个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionComplete, Label: "纪实完整"}, {Key: DecisionCorrect, Label: "发出纠正通知"}},
			Form:      []schemas.FormField{{Name: "notice", Label: "纠正通知", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionCorrect}, MaxLen: 10000}},
			Notes:     notes,
		},
		Refuse: func(req schemas.CompleteTaskRequest) error {
			if req.Decision == DecisionComplete && len(gaps) > 0 {
				return rejection(schemas.ErrTypeConflict, "纪实存在问题，须发出纠正通知："+strings.Join(gaps, "；"),
					schemas.FieldIssue{Field: "decision", Message: "系统发现问题，不得确认纪实完整"})
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	p.sel.Review.Decision, p.sel.Review.Notice, p.sel.Review.By, p.sel.Review.At = done.Decision, done.Text("notice"), done.Actor.ID, &done.At
	err = p.audit(ctx, "纪实审核", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "selection.reviewed", Detail: map[string]any{"decision": done.Decision, "gaps": gaps},
	})
	p.refresh(ctx)
	return err
}

func (p *selectionRun) stageText() string {
	titles := make([]string, len(p.sel.Stages))
	for i, s := range p.sel.Stages {
		titles[i] = selection.Stage(s).Title()
	}
	return strings.Join(titles, "→")
}

// outcome says where each nominee ended.
func (p *selectionRun) outcome() string {
	parts := make([]string, 0, len(p.sel.Candidates))
	for _, cs := range p.sel.Candidates {
		var what string
		switch {
		case cs.Appointed && cs.Trial != nil && cs.Trial.Result == schemas.SelectionIncompetent:
			what = "试用期满考核不胜任，已免去试任职务"
		case cs.Appointed && cs.Trial != nil:
			what = "试用期满考核胜任，正式任职"
		case cs.Appointed:
			what = "已任职"
		case !cs.Inspected:
			what = "未列为考察对象"
		case cs.PreAppointment != "" && cs.PreAppointment != schemas.PrePass:
			what = "任前核查" + preConclusionLabel(cs.PreAppointment)
		case cs.Blocked != "":
			what = "处于影响期"
		case cs.Decision == schemas.SelectionNotPassed:
			what = "讨论决定未通过"
		case cs.Decision == schemas.SelectionDeferred:
			what = "讨论决定缓议"
		case cs.Decision == "":
			what = "未作出决定"
		case !publicityCleared(cs) && cs.Publicity != "":
			what = "任前公示：" + publicityLabels[cs.Publicity]
		default:
			what = "未任职"
		}
		parts = append(parts, cs.Name+"："+what)
	}
	return strings.Join(parts, "；")
}

var publicityLabels = map[string]string{
	schemas.PubProceed: "不影响任职", schemas.PubProceedWithReminder: "提醒后任职",
	schemas.PubRefuse: "不予任职", schemas.PubSuspend: "暂缓任职",
}

// --- irregularities ---

// validateFlag: a supervisor of the office running the selection, not its subject, flags an
// irregularity with a description while the case is open.
func (p *selectionRun) validateFlag(req schemas.IrregularityRequest) error {
	if p.state.Status != schemas.CaseOpen || p.cancelReq != nil {
		return rejection(schemas.ErrTypeConflict, "案件已结束，不能标记不规范情形")
	}
	if err := p.recusedActor(req.Actor); err != nil {
		return err
	}
	if a := req.Actor; a.OrgUnitID != p.in.OrgUnitID || !a.Roles.Has(schemas.RoleSupervisor) {
		return rejection(schemas.ErrTypeForbidden, "只有本单位干部监督人员可以标记不规范情形")
	}
	if msg := text.Check(req.Description, 1, 2000); msg != "" {
		return rejection(schemas.ErrTypeInvalid, "不规范情形内容未通过校验", schemas.FieldIssue{Field: "description", Message: msg})
	}
	return nil
}

// flag records a supervisor's irregularity (checked again: two updates admitted together are
// decided in order) and answers once its resolution step is open.
func (p *selectionRun) flag(ctx workflow.Context, req schemas.IrregularityRequest) (schemas.SelectionIrregularity, error) {
	if err := p.validateFlag(req); err != nil {
		return schemas.SelectionIrregularity{}, err
	}
	return p.addIrregularity(ctx, schemas.SelectionIrregularity{Description: req.Description, RaisedBy: req.Actor.ID})
}

// raise records an irregularity a rule check of the system found, and tells the supervisors.
func (p *selectionRun) raise(ctx workflow.Context, rule, description string) error {
	irr, err := p.addIrregularity(ctx, schemas.SelectionIrregularity{Rule: rule, Description: description, RaisedBy: "system"})
	if err != nil {
		return err
	}
	return p.notify(ctx, "通知不规范情形", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleSupervisor), OrgUnit: p.in.OrgUnitID,
		Title: "选拔任用不规范情形：" + p.state.Title,
		Body:  fmt.Sprintf("%s（%s）：%s。案件已中止，请提出处理意见。", p.state.ID, irr.ID, description),
	})
}

// addIrregularity halts the case, audits the flag and starts its resolution beside the main
// line: a supervisor proposes, the leader approves.
func (p *selectionRun) addIrregularity(ctx workflow.Context, irr schemas.SelectionIrregularity) (schemas.SelectionIrregularity, error) {
	irr.ID = fmt.Sprintf("i%d", len(p.sel.Irregularities)+1)
	irr.Stage = p.state.Stage
	irr.RaisedAt = workflow.Now(ctx)
	p.sel.Irregularities = append(p.sel.Irregularities, irr)
	p.sel.Halted = true
	idx := len(p.sel.Irregularities) - 1
	if err := p.audit(ctx, "标记不规范情形："+irr.ID, activities.AuditRequest{
		At: irr.RaisedAt, Actor: irr.RaisedBy, Action: "selection.irregularity_flagged",
		Detail: map[string]any{"irregularity": irr.ID, "stage": irr.Stage, "rule": irr.Rule},
	}); err != nil {
		return irr, err
	}
	p.beside(p.runCtx, "selection-irregularity", func(gctx workflow.Context) error { return p.resolve(gctx, idx) })
	// Answer once the resolution's first step is open, so the caller can point at it
	first := p.state.ID + ".irregularity-" + irr.ID + "-propose-1"
	// (or once the case is being cancelled, which stops the resolution before its step opens)
	if err := workflow.Await(ctx, func() bool { return p.find(first) != nil || p.runCtx.Err() != nil }); err != nil {
		return irr, err
	}
	p.refresh(ctx)
	return irr, nil
}

// resolve: a supervisor proposes how the irregularity is dealt with, the leader approves or
// returns it; once approved, the case goes on when nothing else is unresolved.
func (p *selectionRun) resolve(ctx workflow.Context, idx int) error {
	irr := p.sel.Irregularities[idx]
	key := "irregularity-" + irr.ID
	about := "不规范情形（" + selectionStages[irr.Stage] + "）：" + irr.Description
	draft, approval, err := p.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			notes := []string{about}
			if round > 1 {
				notes = append(notes, "退回意见（"+returned.Actor.Name+"）："+returned.Text("opinion"), "上一稿处理意见："+last.Text("resolution"))
			}
			return StepSpec{
				Key: fmt.Sprintf("%s-propose-%d", key, round), Step: "propose_resolution", Title: "提出不规范情形处理意见：" + irr.ID,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form:      []schemas.FormField{{Name: "resolution", Label: "处理意见（纠正措施）", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
					Notes:     notes,
				},
			}
		},
		approve: func(round int) StepSpec {
			spec := approvalSpec("同意处理意见")
			spec.Notes = []string{about}
			return StepSpec{
				Key: fmt.Sprintf("%s-approve-%d", key, round), Step: "approve_resolution", Title: "审批不规范情形处理意见：" + irr.ID,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
				Period: calendar.Period{N: 3, Unit: calendar.WorkingDays},
				Spec:   spec,
			}
		},
	})
	if err != nil {
		return err
	}
	r := &p.sel.Irregularities[idx]
	r.Resolution, r.ResolvedBy, r.ResolvedAt = draft.Text("resolution"), approval.Actor.ID, &approval.At
	p.sel.Halted = slices.ContainsFunc(p.sel.Irregularities, func(i schemas.SelectionIrregularity) bool { return i.ResolvedAt == nil })
	err = p.audit(ctx, "处理不规范情形："+r.ID, activities.AuditRequest{
		At: approval.At, Actor: approval.Actor.ID, Action: "selection.irregularity_resolved",
		Detail: map[string]any{"irregularity": r.ID, "proposed_by": draft.Actor.ID},
	})
	p.refresh(ctx)
	return err
}
