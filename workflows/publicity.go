package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// Publicity is P1 of DOMAIN.md, 任前公示: the notice is drafted and approved, published for at
// least 5 working days while objections are taken and verified, then the leader decides for
// each candidate and the appointing body is told.
func Publicity(ctx workflow.Context, in schemas.PublicityInput) (schemas.CaseState, error) {
	p := &publicity{
		caseRun: newCaseRun(in.CaseID, schemas.KindPublicity, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, publicityStages),
		in:      in,
		pub:     &schemas.PublicityState{},
	}
	for _, cand := range in.Candidates {
		p.pub.Candidates = append(p.pub.Candidates, schemas.CandidateState{Candidate: cand})
		p.addSubjects(cand.OfficialID)
	}
	p.state.Publicity = p.pub
	p.cancelAtOffice(in.OrgUnitID)
	runCtx, err := p.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, schemas.UpdateFileObjection, p.fileObjection,
		workflow.UpdateHandlerOptions{Validator: guarded(p.caseRun, p.validateObjection), Description: "登记公示期间反映的问题"}); err != nil {
		return schemas.CaseState{}, err
	}
	p.receiveReportObjections(runCtx)
	return p.finish(ctx, p.run(runCtx))
}

var publicityStages = map[string]string{
	"drafting":    "起草公示",
	"approving":   "审批公示",
	"publicizing": "公示中",
	"verifying":   "核查反映问题",
	"deciding":    "研究决定",
	"closed":      "已办结",
}

type publicity struct {
	*caseRun
	in  schemas.PublicityInput
	pub *schemas.PublicityState
	// verifications counts open verification steps per candidate.
	verifications map[string]int
	// windowClosed: no more objections once the decisions are being made.
	windowClosed bool
}

func (p *publicity) run(ctx workflow.Context) error {
	if err := p.open(ctx, "drafting", map[string]any{"candidates": len(p.in.Candidates), "period_working_days": p.in.PeriodWorkingDays}); err != nil {
		return err
	}
	if err := p.draftNotice(ctx); err != nil {
		return err
	}
	if err := p.publish(ctx); err != nil {
		return err
	}
	if err := p.decideAll(ctx); err != nil {
		return err
	}
	return p.announce(ctx)
}

// draftNotice loops: the cadre section drafts, the leader approves or returns it.
func (p *publicity) draftNotice(ctx workflow.Context) error {
	_, _, err := p.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			title := "起草任前公示"
			var notes []string // a redraft shows why it was returned and what the last draft said
			if round > 1 {
				title = fmt.Sprintf("修改任前公示（第%d稿）", round)
				notes = []string{
					"退回意见（" + returned.Actor.Name + "）：" + returned.Text("opinion"),
					"上一稿公示内容：" + last.Text("notice_text"),
					"上一稿反映问题方式：" + last.Text("report_channels"),
				}
			}
			return StepSpec{
				Stage: "drafting", Key: fmt.Sprintf("draft-%d", round), Step: "draft_notice", Title: title,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleCadreSection,
				Period: calendar.Period{N: 3, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form: []schemas.FormField{
						{Name: "notice_text", Label: "公示内容", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
						{Name: "report_channels", Label: "反映问题方式（电话、信函、网址）", Type: schemas.FieldTextarea, Required: true, MaxLen: 1000},
					},
					Notes: notes,
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Stage: "approving", Key: fmt.Sprintf("approve-%d", round), Step: "approve_notice", Title: "审批任前公示",
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
				Period: calendar.Period{N: 3, Unit: calendar.WorkingDays},
				Spec:   approvalSpec("同意发布"),
			}
		},
	})
	return err
}

// publish starts the period and waits out the 公示期满 timer; objections arrive meanwhile.
func (p *publicity) publish(ctx workflow.Context) error {
	// Published on the day the cadre section set (publish_on), or the moment it is approved if
	// that day has come: objections are taken from then on.
	if err := p.awaitPublicationDay(ctx); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	p.pub.PublishedAt = &now
	if err := p.setStage(ctx, "publicizing"); err != nil {
		return err
	}
	days := max(p.in.PeriodWorkingDays, 5) // the regulation's floor
	end, err := p.deadline(ctx, calendar.Period{N: days, Unit: calendar.WorkingDays}, "计算公示期")
	if err != nil {
		return err
	}
	p.pub.PeriodEnd = &end
	if err := p.audit(ctx, "发布公示", activities.AuditRequest{
		At: now, Actor: "system", Action: "publicity.published",
		Detail: map[string]any{"period_end": end, "working_days": days},
	}); err != nil {
		return err
	}
	shown := workflow.GetVersion(ctx, "publicity-period-shown", workflow.DefaultVersion, 1) == 1
	if shown {
		p.showWait("公示期满", end)
	}
	p.refresh(ctx)
	if err := sleepUntil(ctx, end, "公示期满"); err != nil {
		return err
	}
	p.endWait("公示期满")
	return nil
}

// awaitPublicationDay waits, when the notice is to go up on a later day than its approval,
// until that day begins (Beijing time).
func (p *publicity) awaitPublicationDay(ctx workflow.Context) error {
	if p.in.PublishOn == "" {
		return nil
	}
	day, err := time.ParseInLocation(time.DateOnly, p.in.PublishOn, calendar.Location())
	if err != nil || !day.After(workflow.Now(ctx)) {
		return nil // the API checked the date; a day already come publishes at once
	}
	if workflow.GetVersion(ctx, "publicity-publish-on", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	p.showWait("公示发布", day)
	p.refresh(ctx)
	if err := sleepUntil(ctx, day, "公示发布日"); err != nil {
		return err
	}
	p.endWait("公示发布")
	return nil
}

// decideAll waits, per candidate, for open verifications, then asks the leader to decide; the
// candidates proceed independently.
func (p *publicity) decideAll(ctx workflow.Context) error {
	if p.openVerifications() > 0 {
		if err := p.setStage(ctx, "verifying"); err != nil {
			return err
		}
	}
	branches := make([]func(workflow.Context) error, len(p.pub.Candidates))
	for i := range branches {
		branches[i] = func(gctx workflow.Context) error { return p.decide(gctx, i) }
	}
	return inParallel(ctx, branches...)
}

func (p *publicity) decide(ctx workflow.Context, i int) error {
	cand := &p.pub.Candidates[i]
	if err := workflow.Await(ctx, func() bool { return p.verifications[cand.ID] == 0 }); err != nil {
		return err
	}
	if p.state.Stage != "deciding" {
		p.windowClosed = true
		if err := p.setStage(ctx, "deciding"); err != nil {
			return err
		}
	}
	blockers, err := p.promotionBlockers(ctx, cand)
	if err != nil {
		return err
	}
	decisions := []schemas.Decision{
		{Key: schemas.PubProceed, Label: "不影响任职"},
		{Key: schemas.PubProceedWithReminder, Label: "提醒后任职"},
		{Key: schemas.PubRefuse, Label: "不予任职"},
		{Key: schemas.PubSuspend, Label: "暂缓任职"},
	}
	form := []schemas.FormField{
		{Name: "reason", Label: "理由", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.PubRefuse, schemas.PubSuspend}, MaxLen: 2000},
		{Name: "refer_to_discipline", Label: "移送纪委", Type: schemas.FieldBool},
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: "decide-" + cand.ID, Step: "decide_candidate", Title: "研究决定：" + cand.Name,
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec:   schemas.TaskSpec{Decisions: decisions, Form: form, Notes: p.decisionNotes(cand, blockers)},
		Refuse: p.decisionRule(cand, blockers, true),
	})
	if err != nil {
		return err
	}
	cand.Decision, cand.Reason = done.Decision, done.Text("reason")
	if done.Decision == schemas.PubSuspend {
		// A suspension needs a re-decision within 3 months (中组发〔2000〕18号).
		p.refresh(ctx)
		if blockers, err = p.promotionBlockers(ctx, cand); err != nil {
			return err
		}
		done, err = p.humanStep(ctx, StepSpec{
			Key: "redecide-" + cand.ID, Step: "redecide_candidate", Title: "暂缓任职后再决定：" + cand.Name,
			OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
			Period:          calendar.Period{N: 3, Unit: calendar.Months},
			DeadlineSummary: "暂缓任职期满：" + cand.Name,
			Spec:            schemas.TaskSpec{Decisions: decisions[:3], Form: form, Notes: p.decisionNotes(cand, blockers)},
			Refuse:          p.decisionRule(cand, blockers, false),
		})
		if err != nil {
			return err
		}
		cand.Decision, cand.Reason = done.Decision, done.Text("reason")
	}
	cand.Final = true
	if done.Bool("refer_to_discipline") {
		if err := p.referToDiscipline(ctx, Referral{
			Key: cand.ID, Subject: cand.Name, What: "任前公示中反映" + cand.Name + "的问题：" + cand.Reason,
			Actor: done.Actor.ID, Action: "publicity.referred_to_discipline", Detail: map[string]string{"candidate": cand.ID},
		}); err != nil {
			return err
		}
	}
	p.state.Outcome = p.outcome()
	p.refresh(ctx)
	return nil
}

// promotionBlockers asks, through restrictions.PromotionAllowed, what forbids promoting a
// candidate who is an official (an admonishment's influence period); nil for the others.
func (p *publicity) promotionBlockers(ctx workflow.Context, cand *schemas.CandidateState) ([]schemas.Restriction, error) {
	if cand.OfficialID == "" || workflow.GetVersion(ctx, "publicity-promotion-check", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil, nil
	}
	var blockers []schemas.Restriction
	err := p.exec(ctx, "核对任职限制："+cand.Name, acts.PromotionBlockers, activities.CheckRestrictionsRequest{
		OfficialID: cand.OfficialID, At: workflow.Now(ctx),
	}, &blockers)
	return blockers, err
}

// unresolved: a verification of the candidate is still open, or found the report could not be
// verified. Such a candidate can only be suspended (中组发〔2000〕18号: 对反映的问题一时难以
// 查清的，暂缓任职).
func (p *publicity) unresolved(cand *schemas.CandidateState) bool {
	if p.verifications[cand.ID] > 0 {
		return true
	}
	for _, o := range p.pub.Objections {
		if o.CandidateID == cand.ID && o.Finding == schemas.FindingUnverifiable {
			return true
		}
	}
	return false
}

// decisionRule refuses, when the completion arrives, a decision the rules forbid: anything but
// suspension while a report on the candidate is unresolved (first decision only), and
// promotion of a restricted candidate.
func (p *publicity) decisionRule(cand *schemas.CandidateState, blockers []schemas.Restriction, first bool) func(schemas.CompleteTaskRequest) error {
	return func(req schemas.CompleteTaskRequest) error {
		if first && p.unresolved(cand) && req.Decision != schemas.PubSuspend {
			return rejection(schemas.ErrTypeConflict, cand.Name+"有反映问题尚未查清，只能暂缓任职（中组发〔2000〕18号）",
				schemas.FieldIssue{Field: "decision", Message: "反映问题尚未查清，只能选择暂缓任职"})
		}
		if len(blockers) > 0 && (req.Decision == schemas.PubProceed || req.Decision == schemas.PubProceedWithReminder) {
			return rejection(schemas.ErrTypeConflict, restrictions.Explain(cand.Name, blockers),
				schemas.FieldIssue{Field: "decision", Message: "处于影响期，不得提拔任用"})
		}
		return nil
	}
}

// decisionNotes tells the leader what limits the decision.
func (p *publicity) decisionNotes(cand *schemas.CandidateState, blockers []schemas.Restriction) []string {
	var notes []string
	if len(blockers) > 0 {
		notes = append(notes, restrictions.Explain(cand.Name, blockers))
	}
	if p.unresolved(cand) {
		notes = append(notes, "有反映问题尚未查清：按中组发〔2000〕18号，只能暂缓任职，并在3个月内再作决定")
	}
	return notes
}

func (p *publicity) outcome() string {
	labels := map[string]string{
		schemas.PubProceed: "不影响任职", schemas.PubProceedWithReminder: "提醒后任职",
		schemas.PubRefuse: "不予任职", schemas.PubSuspend: "暂缓任职",
	}
	var parts []string
	for _, c := range p.pub.Candidates {
		if c.Decision != "" {
			parts = append(parts, c.Name+"："+labels[c.Decision])
		}
	}
	return strings.Join(parts, "；")
}

// announce tells the appointing body the outcome and has the cadre section answer the signed
// reporters.
func (p *publicity) announce(ctx workflow.Context) error {
	if err := p.notify(ctx, "通知任免机关", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleCadreSection), OrgUnit: p.in.OrgUnitID,
		Title: "任前公示结果：" + p.state.Title, Body: p.state.ID + "公示结束，研究决定如下：" + p.outcome() + "。请按程序办理任职手续。",
	}); err != nil {
		return err
	}
	signed := 0
	for _, o := range p.pub.Objections {
		if o.Signed {
			signed++
		}
	}
	if signed == 0 {
		return nil
	}
	return p.notify(ctx, "反馈署名反映人", activities.NotifyRequest{
		Kind: notify.KindInfo, Role: string(schemas.RoleIntakeClerk), OrgUnit: p.in.OrgUnitID,
		Title: "请向署名反映人反馈核查结果", Body: fmt.Sprintf("%s有%d件署名反映，请向反映人反馈核查结果。", p.state.ID, signed),
	})
}

func (p *publicity) openVerifications() int {
	n := 0
	for _, c := range p.pub.Candidates {
		n += p.verifications[c.ID]
	}
	return n
}

// --- objections ---

var objectionChannels = []string{"phone", "letter", "visit", "web", "sms", "direct"}

// validateObjection checks an objection logged over the API: taken from publication to the
// period's end.
func (p *publicity) validateObjection(req schemas.ObjectionRequest) error {
	return p.checkObjection(req, workflow.Now(p.rootCtx), false)
}

// checkObjection checks an objection at now. One attached by a 12380 report case (viaReport) is
// also taken after the period's end, while the decisions are not yet made: it is marked late.
func (p *publicity) checkObjection(req schemas.ObjectionRequest, now time.Time, viaReport bool) error {
	if p.state.Status != schemas.CaseOpen || p.pub.PublishedAt == nil || p.cancelReq != nil {
		return rejection(schemas.ErrTypeConflict, "不在公示期内，无法登记反映问题")
	}
	if viaReport {
		if cand := p.candidate(req.CandidateID); cand != nil && cand.Decision != "" {
			return rejection(schemas.ErrTypeConflict, "对"+cand.Name+"已作出决定，不再登记反映问题")
		}
	} else if p.windowClosed || (p.pub.PeriodEnd != nil && now.After(*p.pub.PeriodEnd)) {
		end := "已结束"
		if p.pub.PeriodEnd != nil {
			end = "已于" + calendar.DateText(*p.pub.PeriodEnd) + "结束"
		}
		return rejection(schemas.ErrTypeConflict, "公示期"+end+"，不再登记反映问题")
	}
	a := req.Actor
	if a.OrgUnitID != p.in.OrgUnitID || !(a.Roles.Has(schemas.RoleIntakeClerk) || a.Roles.Has(schemas.RoleSupervisor) || a.Roles.Has(schemas.RoleCadreSection)) {
		return rejection(schemas.ErrTypeForbidden, "只有本单位12380受理、干部监督或干部科人员可以登记反映问题")
	}
	var issues []schemas.FieldIssue
	if p.candidate(req.CandidateID) == nil {
		issues = append(issues, schemas.FieldIssue{Field: "candidate_id", Message: "公示中没有此人选"})
	}
	if !contains(objectionChannels, req.Channel) {
		issues = append(issues, schemas.FieldIssue{Field: "channel", Message: "须为以下之一：" + strings.Join(objectionChannels, ", ")})
	}
	if msg := text.Check(req.Summary, 1, 5000); msg != "" {
		issues = append(issues, schemas.FieldIssue{Field: "summary", Message: msg})
	}
	if len(issues) > 0 {
		return rejection(schemas.ErrTypeInvalid, "反映问题登记内容未通过校验", issues...)
	}
	return nil
}

func (p *publicity) candidate(id string) *schemas.CandidateState {
	for i := range p.pub.Candidates {
		if p.pub.Candidates[i].ID == id {
			return &p.pub.Candidates[i]
		}
	}
	return nil
}

// fileObjection logs the report; a signed one, or a serious and specific anonymous one, opens
// a verification step that the candidate's decision waits for. The rest are filed.
func (p *publicity) fileObjection(ctx workflow.Context, req schemas.ObjectionRequest) (schemas.Objection, error) {
	return p.file(ctx, req, false)
}

// file logs an objection (viaReport: attached by a 12380 report case), checked again here since
// two updates admitted together are decided in order.
func (p *publicity) file(ctx workflow.Context, req schemas.ObjectionRequest, viaReport bool) (schemas.Objection, error) {
	if err := p.checkObjection(req, workflow.Now(ctx), viaReport); err != nil {
		return schemas.Objection{}, err
	}
	cand := p.candidate(req.CandidateID)
	o := schemas.Objection{
		ID: fmt.Sprintf("o%d", len(p.pub.Objections)+1), CandidateID: req.CandidateID, Signed: req.Signed,
		Serious: req.Serious, Channel: req.Channel, Summary: req.Summary, ReceivedAt: workflow.Now(ctx),
		LoggedBy: req.Actor.ID, Verified: req.Signed || req.Serious,
	}
	o.Late = p.pub.PeriodEnd != nil && o.ReceivedAt.After(*p.pub.PeriodEnd)
	if o.Verified {
		o.TaskID = p.state.ID + ".verify-" + o.ID
		if p.verifications == nil {
			p.verifications = map[string]int{}
		}
		p.verifications[cand.ID]++
	}
	p.pub.Objections = append(p.pub.Objections, o)
	idx := len(p.pub.Objections) - 1
	action := "publicity.objection_filed"
	if o.Verified {
		action = "publicity.objection_logged"
	}
	if err := p.audit(ctx, "登记反映问题："+cand.Name, activities.AuditRequest{
		At: o.ReceivedAt, Actor: req.Actor.ID, Action: action,
		Detail: map[string]any{"objection": o.ID, "candidate": cand.ID, "signed": o.Signed, "serious": o.Serious, "channel": o.Channel, "verified": o.Verified},
	}); err != nil {
		return o, err
	}
	if o.Verified {
		p.beside(p.runCtx, "publicity-verify", func(gctx workflow.Context) error { return p.verify(gctx, idx, cand) })
		// Answer once the verification task exists, so the caller can point at it.
		if err := workflow.Await(ctx, func() bool { return p.find(o.TaskID) != nil }); err != nil {
			return o, err
		}
	}
	return o, nil
}

func (p *publicity) verify(ctx workflow.Context, idx int, cand *schemas.CandidateState) error {
	o := p.pub.Objections[idx]
	var stageErr error
	if p.state.Stage == "publicizing" && p.pub.PeriodEnd != nil && !workflow.Now(ctx).Before(*p.pub.PeriodEnd) {
		stageErr = p.setStage(ctx, "verifying") // the verification runs even so
	}
	done, err := p.humanStep(ctx, StepSpec{
		Key: "verify-" + o.ID, Step: "verify_objection", Title: "核查反映问题：" + cand.Name,
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleInvestigator,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "查核期限：" + cand.Name,
		Spec: schemas.TaskSpec{
			Decisions: verifyDecisions,
			Form:      []schemas.FormField{{Name: "report", Label: "核查报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
		},
	})
	if err == nil {
		p.pub.Objections[idx].Finding = done.Decision
	}
	// On error (the case is being cancelled) the count still drops, so nothing waits forever.
	p.verifications[cand.ID]--
	p.refresh(ctx)
	return errors.Join(stageErr, err)
}

// receiveReportObjections takes reports that a 12380 report case attaches to this publicity
// (DOMAIN.md P6 step 3). A workflow cannot send the file-objection update, so the report case
// signals, and the objection is checked and filed by the same logic. Registering the signal
// channel adds no command, so running publicity histories replay unchanged.
func (p *publicity) receiveReportObjections(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, schemas.SignalReportObjection)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var sig schemas.ReportObjection
			if !ch.Receive(gctx, &sig) {
				return
			}
			req := sig.Request
			// The report case vouches for the official who triaged it, who may sit at a
			// superior office: check the objection as if the receiving clerk logged it here.
			req.Actor.OrgUnitID, req.Actor.Roles = p.in.OrgUnitID, schemas.Roles{schemas.RoleIntakeClerk}
			err := p.checkObjection(req, workflow.Now(gctx), true)
			if err == nil {
				_, err = p.file(gctx, req, true)
			}
			if err != nil && gctx.Err() == nil {
				_ = p.audit(gctx, "举报未能登记为反映问题", activities.AuditRequest{
					Actor: sig.Request.Actor.ID, Action: "publicity.report_refused",
					Detail: map[string]string{"report": sig.ReportID, "reason": err.Error()},
				})
			}
		}
	})
}
