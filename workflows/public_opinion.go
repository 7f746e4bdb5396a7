package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// PublicOpinion is P11 of DOMAIN.md, 舆情应对: the item is registered with its first sighting
// (T0); the supervisor grades it 一般 / 重大 within 2 hours, a 重大 item goes to the leader within
// the hour; the facts are found beside the main line (or by a linked report case, P6); the
// response is drafted and approved by the leader — 重大: authoritative information by T0+5h and
// a press conference or 吹风会 by T0+24h; 一般: a response by T0+48h —; updates follow until the
// final statement (澄清 when the item proved untrue, the handling when true); a review report
// closes the case. Every limit but the review's is clock hours, round the clock, with the clock
// ladder (schemas.ClockLadder).
func PublicOpinion(ctx workflow.Context, in schemas.PublicOpinionInput) (schemas.CaseState, error) {
	p := &publicOpinion{
		caseRun: newCaseRun(in.CaseID, schemas.KindPublicOpinion, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, publicOpinionStages),
		in:      in,
		po: &schemas.PublicOpinionState{
			Source: in.Source, Link: in.Link, FirstSeenAt: in.FirstSeenAt, SubjectName: in.SubjectName,
			LinkedCaseID: in.LinkedCaseID, Deadlines: []schemas.PublicOpinionDeadline{}, Updates: []schemas.PublicOpinionUpdate{},
		},
	}
	p.state.PublicOpinion = p.po
	p.addSubjects(in.SubjectID)
	p.cancelAtOffice(in.OrgUnitID)
	return p.runCase(ctx, p.run)
}

var publicOpinionStages = map[string]string{
	"grading":    "分级研判",
	"responding": "回应发布",
	"briefing":   "新闻发布",
	"following":  "持续发布",
	"reviewing":  "复盘总结",
	"closed":     "已办结",
}

// The limits of DOMAIN.md P11: 2 hours to grade, the leader within 1 hour of a 重大 grade,
// authoritative information 5 hours and the press conference 24 hours after T0 for 重大, the
// response 48 hours after T0 for 一般 [reg 国办发〔2016〕61号, 80号]. The fact-finding window is
// the grade's response window, each round of updates 24 hours [policy]; the review 5 working days.
var (
	opinionGradePeriod    = calendar.Period{N: 2, Unit: calendar.Hours}
	opinionLeaderPeriod   = calendar.Period{N: 1, Unit: calendar.Hours}
	opinionInfoPeriod     = calendar.Period{N: 5, Unit: calendar.Hours}
	opinionBriefingPeriod = calendar.Period{N: 24, Unit: calendar.Hours}
	opinionResponsePeriod = calendar.Period{N: 48, Unit: calendar.Hours}
	opinionFollowPeriod   = calendar.Period{N: 24, Unit: calendar.Hours}
	opinionReviewPeriod   = calendar.Period{N: 5, Unit: calendar.WorkingDays}
)

// Decisions of the P11 steps.
const (
	DecisionPressConference = "press_conference" // 新闻发布会
	DecisionBriefing        = "briefing"         // 吹风会
	DecisionPublishUpdate   = "update"           // 发布进展
	DecisionPublishFinal    = "final"            // 发布最终结论
)

var opinionFindingLabels = map[string]string{
	schemas.FindingSubstantiated: "属实", schemas.FindingPartly: "部分属实",
	schemas.FindingUnfounded: "不属实", schemas.FindingUnverifiable: "无法查实",
}

type publicOpinion struct {
	*caseRun
	in schemas.PublicOpinionInput
	po *schemas.PublicOpinionState
}

func (p *publicOpinion) run(ctx workflow.Context) error {
	if err := p.open(ctx, "grading", map[string]any{
		"source": p.in.Source, "link": p.in.Link, "first_seen_at": p.in.FirstSeenAt, "linked_case_id": p.in.LinkedCaseID,
	}); err != nil {
		return err
	}
	graded, err := p.grade(ctx)
	if err != nil {
		return err
	}
	major := graded.Decision == schemas.OpinionMajor
	window := opinionResponsePeriod
	if major {
		window = opinionBriefingPeriod
		p.beside(ctx, "leader", func(gctx workflow.Context) error { return p.informLeader(gctx, graded.At) })
	}
	p.beside(ctx, "facts", func(gctx workflow.Context) error { return p.findFacts(gctx, window) })
	if major {
		if err := p.respond(ctx, "info", "权威信息", opinionInfoPeriod); err != nil {
			return err
		}
		if err := p.briefing(ctx); err != nil {
			return err
		}
	} else if err := p.respond(ctx, "response", "回应", opinionResponsePeriod); err != nil {
		return err
	}
	if err := p.followUp(ctx); err != nil {
		return err
	}
	return p.review(ctx)
}

// due records a limit of the case as its step opens (the steps of a draft loop share one).
func (p *publicOpinion) due(key, title string) func(schemas.TaskView) {
	return func(t schemas.TaskView) {
		for i := range p.po.Deadlines {
			if p.po.Deadlines[i].Key == key {
				p.po.Deadlines[i].DueAt = t.DueAt
				return
			}
		}
		p.po.Deadlines = append(p.po.Deadlines, schemas.PublicOpinionDeadline{Key: key, Title: title, DueAt: t.DueAt})
	}
}

// met records when a limit was met.
func (p *publicOpinion) met(key string, at time.Time) {
	for i := range p.po.Deadlines {
		if p.po.Deadlines[i].Key == key && p.po.Deadlines[i].DoneAt == nil {
			p.po.Deadlines[i].DoneAt = &at
		}
	}
}

// hoursStep is a step on a clock-hour window counted from from (zero: from its opening), with
// the clock ladder.
func hoursStep(spec StepSpec, from time.Time, window calendar.Period) StepSpec {
	spec.From, spec.Period, spec.Ladder = from, window, schemas.ClockLadder(window)
	if spec.DeadlineSummary == "" {
		spec.DeadlineSummary = spec.Title + "期限（" + window.String() + "）"
	}
	return spec
}

func (p *publicOpinion) itemNotes() []string {
	notes := []string{
		"来源：" + p.in.Source, "链接：" + p.in.Link,
		"首次发现：" + p.in.FirstSeenAt.In(calendar.Location()).Format("2006年1月2日 15:04"),
		"内容：" + p.in.Capture,
	}
	if p.in.SubjectName != "" {
		notes = append(notes, "涉及干部："+p.in.SubjectName)
	}
	if p.in.LinkedCaseID != "" {
		notes = append(notes, "关联案件："+p.in.LinkedCaseID)
	}
	return notes
}

// grade is step 2: the supervisor grades the item within 2 hours of T0.
func (p *publicOpinion) grade(ctx workflow.Context) (Completion, error) {
	done, err := p.humanStep(ctx, hoursStep(StepSpec{
		Stage: "grading", Key: "grade", Step: "grade_opinion", Title: "舆情分级研判",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: schemas.OpinionGeneral, Label: "一般舆情"}, {Key: schemas.OpinionMajor, Label: "重大舆情"}},
			Form:      []schemas.FormField{{Name: "reason", Label: "研判意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000}},
			Notes:     p.itemNotes(),
		},
		Opened: p.due("grade", "分级研判"),
	}, p.in.FirstSeenAt, opinionGradePeriod))
	if err != nil {
		return done, err
	}
	p.po.Grade = done.Decision
	p.met("grade", done.At)
	err = p.audit(ctx, "记录舆情分级", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "public_opinion.graded", Detail: map[string]any{"grade": done.Decision},
	})
	p.refresh(ctx)
	return done, err
}

// informLeader: a 重大 item goes to the leader within the hour of its grading; the task is the
// leader's acknowledgement (and instructions), beside the main line.
func (p *publicOpinion) informLeader(ctx workflow.Context, graded time.Time) error {
	done, err := p.humanStep(ctx, hoursStep(StepSpec{
		Key: "leader", Step: "inform_leader", Title: "重大舆情报告部领导",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionAcknowledge, Label: "已阅知"}},
			Form:      []schemas.FormField{{Name: "instructions", Label: "批示", Type: schemas.FieldTextarea, MaxLen: 2000}},
			Notes:     p.itemNotes(),
		},
		Opened: p.due("leader", "报告部领导"),
	}, graded, opinionLeaderPeriod))
	if err != nil {
		return err
	}
	p.met("leader", done.At)
	p.refresh(ctx)
	return nil
}

// findFacts is step 3, beside the main line: the supervisor finds the facts within the
// response window, or opens a report case (P6) whose finding becomes the facts. A report case
// that ends without a finding (forwarded, filed, cancelled) sends the fact-finding round again.
func (p *publicOpinion) findFacts(ctx workflow.Context, window calendar.Period) error {
	from := p.in.FirstSeenAt
	var notes []string
	for round := 1; ; round++ {
		decisions := []schemas.Decision{
			{Key: schemas.FindingSubstantiated, Label: "属实"}, {Key: schemas.FindingPartly, Label: "部分属实"},
			{Key: schemas.FindingUnfounded, Label: "不属实"}, {Key: schemas.FindingUnverifiable, Label: "无法查实"},
			{Key: schemas.OpinionReferReport, Label: "转为举报件核查（12380）"},
		}
		done, err := p.humanStep(ctx, hoursStep(StepSpec{
			Key: fmt.Sprintf("facts-%d", round), Step: "find_facts", Title: "核查舆情反映的事实",
			OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
			Spec: schemas.TaskSpec{
				Decisions: decisions,
				Form: []schemas.FormField{
					{Name: "facts", Label: "核查情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
					{Name: "handling", Label: "处理情况", Type: schemas.FieldTextarea,
						RequiredFor: []string{schemas.FindingSubstantiated, schemas.FindingPartly}, MaxLen: 5000},
				},
				Notes: append(p.itemNotes(), notes...),
			},
			Refuse: func(req schemas.CompleteTaskRequest) error {
				if req.Decision == schemas.OpinionReferReport && p.in.SubjectName == "" {
					return rejection(schemas.ErrTypeConflict, "登记舆情时未写明涉及的干部，不能转为举报件核查",
						schemas.FieldIssue{Field: "decision", Message: "未写明涉及的干部，不能转为举报件核查"})
				}
				return nil
			},
		}, from, window))
		if err != nil {
			return err
		}
		from = time.Time{} // a later round counts from its opening
		if done.Decision != schemas.OpinionReferReport {
			return p.recordFacts(ctx, done.Actor.ID, done.Decision, done.Text("facts"), done.Text("handling"))
		}
		finding, handling, err := p.referReport(ctx, round, done)
		if err != nil {
			return err
		}
		if finding != "" {
			return p.recordFacts(ctx, "system", finding, "经举报件"+p.po.ReportCaseID+"核查认定"+opinionFindingLabels[finding], handling)
		}
		notes = []string{"举报件" + p.po.ReportCaseID + "未作出认定，请继续核查"}
	}
}

func (p *publicOpinion) recordFacts(ctx workflow.Context, actor, finding, facts, handling string) error {
	p.po.Finding, p.po.Facts, p.po.Handling = finding, facts, handling
	err := p.audit(ctx, "记录舆情核查结果", activities.AuditRequest{
		Actor: actor, Action: "public_opinion.facts", Detail: map[string]any{"finding": finding, "report_case_id": p.po.ReportCaseID},
	})
	p.refresh(ctx)
	return err
}

// referReport opens a report case (P6) on the item and waits for its finding. The report comes
// from the monitoring, not from a person: it has no reporter (unsigned, nothing sealed, no
// query code), so the report case gives no feedback; the item's source and link are its content.
func (p *publicOpinion) referReport(ctx workflow.Context, round int, done Completion) (finding, handling string, err error) {
	title := "关于" + p.in.SubjectName + "的舆情反映"
	content := strings.Join(append(p.itemNotes(), "初步核查："+done.Text("facts")), "\n")
	id, child, err := p.startLinkedChild(ctx, LinkedCase{
		Kind: schemas.KindReport, Key: fmt.Sprintf("report-%d", round), Title: title, OrgUnitID: p.in.OrgUnitID,
		Prepare: func(ctx workflow.Context, caseID string) error {
			return p.exec(ctx, "登记举报件："+caseID, acts.FileReport, activities.FileReportRequest{
				ID: caseID, OrgUnitID: p.in.OrgUnitID, Channel: schemas.ReportChannelOpinion,
				SubjectID: p.in.SubjectID, SubjectName: p.in.SubjectName, Content: content,
				CreatedBy: done.Actor.ID, At: workflow.Now(ctx),
			})
		},
		Input: func(caseID string) any {
			return schemas.ReportInput{
				CaseID: caseID, Title: title, OrgUnitID: p.in.OrgUnitID, CreatedBy: done.Actor.ID, Priority: p.state.Priority,
				Channel: schemas.ReportChannelOpinion, SubjectID: p.in.SubjectID, SubjectName: p.in.SubjectName,
				SubjectUnitID: p.in.SubjectUnitID, LowerOffices: p.in.LowerOffices,
			}
		},
	})
	if err != nil {
		return "", "", err
	}
	p.po.ReportCaseID = id
	p.refresh(ctx)
	var out schemas.CaseState
	err = child.Get(ctx, &out)
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("report case ended without a result", "case", p.state.ID, "report", id, "error", err)
		return "", "", nil
	}
	if out.Report == nil {
		return "", "", nil
	}
	return out.Report.Finding, handlingLabels[out.Report.Handling], nil
}

// respond is step 4: the supervisor drafts, the leader approves, within window of T0.
func (p *publicOpinion) respond(ctx workflow.Context, key, what string, window calendar.Period) error {
	draft, approval, err := p.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			title := "起草" + what
			var notes []string
			if round > 1 {
				title = fmt.Sprintf("修改%s（第%d稿）", what, round)
				notes = []string{"退回意见（" + returned.Actor.Name + "）：" + returned.Text("opinion"), "上一稿：" + last.Text("text")}
			}
			return hoursStep(StepSpec{
				Stage: "responding", Key: fmt.Sprintf("%s-draft-%d", key, round), Step: "draft_response", Title: title,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form: []schemas.FormField{
						{Name: "text", Label: what + "文稿", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
						{Name: "channel", Label: "发布渠道", Type: schemas.FieldText, Required: true, MaxLen: 200},
					},
					Notes: append(p.itemNotes(), notes...),
				},
				Opened: p.due(key, what),
			}, p.in.FirstSeenAt, window)
		},
		approve: func(round int) StepSpec {
			return hoursStep(StepSpec{
				Key: fmt.Sprintf("%s-approve-%d", key, round), Step: "approve_response", Title: "审批" + what,
				OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleLeader,
				Spec:   approvalSpec("同意发布"),
				Opened: p.due(key, what),
			}, p.in.FirstSeenAt, window)
		},
	})
	if err != nil {
		return err
	}
	p.po.Response = draft.Text("text")
	p.met(key, approval.At)
	p.po.Updates = append(p.po.Updates, schemas.PublicOpinionUpdate{Text: draft.Text("text"), By: approval.Actor.ID, At: approval.At})
	err = p.audit(ctx, "发布"+what, activities.AuditRequest{
		At: approval.At, Actor: approval.Actor.ID, Action: "public_opinion.responded",
		Detail: map[string]any{"key": key, "channel": draft.Text("channel"), "drafted_by": draft.Actor.ID},
	})
	p.refresh(ctx)
	return err
}

// briefing: a 重大 item's press conference or 吹风会 with 宣传/网信, by T0+24h.
func (p *publicOpinion) briefing(ctx workflow.Context) error {
	done, err := p.humanStep(ctx, hoursStep(StepSpec{
		Stage: "briefing", Key: "briefing", Step: "hold_briefing", Title: "召开新闻发布会或吹风会",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionPressConference, Label: "已召开新闻发布会"}, {Key: DecisionBriefing, Label: "已召开吹风会"}},
			Form: []schemas.FormField{
				{Name: "partners", Label: "会同部门（宣传、网信）", Type: schemas.FieldText, Required: true, MaxLen: 200},
				{Name: "summary", Label: "发布情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
			},
			Notes: []string{"已发布权威信息：" + p.po.Response},
		},
		Opened: p.due("briefing", "新闻发布会或吹风会"),
	}, p.in.FirstSeenAt, opinionBriefingPeriod))
	if err != nil {
		return err
	}
	p.po.Briefing = decisionLabel(schemas.TaskSpec{Decisions: []schemas.Decision{
		{Key: DecisionPressConference, Label: "新闻发布会"}, {Key: DecisionBriefing, Label: "吹风会"}}}, done.Decision) + "：" + done.Text("summary")
	p.met("briefing", done.At)
	err = p.audit(ctx, "记录新闻发布", activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "public_opinion.briefing",
		Detail: map[string]any{"form": done.Decision, "partners": done.Text("partners")},
	})
	p.refresh(ctx)
	return err
}

// followUp is step 5: updates as the facts firm up, each round within 24 hours [policy], until
// the final statement, which needs the facts: 澄清 when the item proved untrue, the handling
// when it proved true.
func (p *publicOpinion) followUp(ctx workflow.Context) error {
	for round := 1; ; round++ {
		facts := "事实核查尚未完成"
		if p.po.Finding != "" {
			facts = "事实核查结果：" + opinionFindingLabels[p.po.Finding] + "。" + p.po.Facts
		}
		done, err := p.humanStep(ctx, hoursStep(StepSpec{
			Stage: "following", Key: fmt.Sprintf("follow-%d", round), Step: "follow_up", Title: "发布进展或最终结论",
			OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{
					{Key: DecisionPublishUpdate, Label: "发布进展"},
					{Key: DecisionPublishFinal, Label: "发布最终结论（不实的予以澄清，属实的公布处理情况）"},
				},
				Form:  []schemas.FormField{{Name: "text", Label: "发布内容", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000}},
				Notes: []string{facts},
			},
			Refuse: func(req schemas.CompleteTaskRequest) error {
				if req.Decision == DecisionPublishFinal && p.po.Finding == "" {
					return rejection(schemas.ErrTypeConflict, "事实核查尚未完成，不能发布最终结论",
						schemas.FieldIssue{Field: "decision", Message: "事实核查尚未完成，只能发布进展"})
				}
				return nil
			},
		}, time.Time{}, opinionFollowPeriod))
		if err != nil {
			return err
		}
		final := done.Decision == DecisionPublishFinal
		p.po.Updates = append(p.po.Updates, schemas.PublicOpinionUpdate{Text: done.Text("text"), Final: final, By: done.Actor.ID, At: done.At})
		if final {
			p.po.Clarified = p.po.Finding == schemas.FindingUnfounded
			p.state.Outcome = p.outcome()
		}
		err = p.audit(ctx, "发布进展", activities.AuditRequest{
			At: done.At, Actor: done.Actor.ID, Action: "public_opinion.published",
			Detail: map[string]any{"final": final, "finding": p.po.Finding, "clarified": p.po.Clarified},
		})
		p.refresh(ctx)
		if err != nil || final {
			return err
		}
	}
}

func (p *publicOpinion) outcome() string {
	grade := map[string]string{schemas.OpinionGeneral: "一般舆情", schemas.OpinionMajor: "重大舆情"}[p.po.Grade]
	switch p.po.Finding {
	case schemas.FindingUnfounded:
		return grade + "，反映不属实，已澄清"
	case schemas.FindingSubstantiated, schemas.FindingPartly:
		return grade + "，反映" + opinionFindingLabels[p.po.Finding] + "，已公布处理情况：" + p.po.Handling
	default:
		return grade + "，反映无法查实，已发布结论"
	}
}

// review is step 6: the review report (复盘), 5 working days; then the case closes.
func (p *publicOpinion) review(ctx workflow.Context) error {
	done, err := p.humanStep(ctx, StepSpec{
		Stage: "reviewing", Key: "review", Step: "review_opinion", Title: "舆情应对复盘",
		OrgUnitID: p.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: opinionReviewPeriod, DeadlineSummary: "复盘期限（5个工作日）",
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交复盘报告"),
			Form:      []schemas.FormField{{Name: "report", Label: "复盘报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
		},
	})
	if err != nil {
		return err
	}
	p.po.Review = done.Text("report")
	return p.audit(ctx, "提交复盘报告", activities.AuditRequest{At: done.At, Actor: done.Actor.ID, Action: "public_opinion.reviewed"})
}
