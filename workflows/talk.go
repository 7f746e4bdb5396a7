package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// Talk is P12 of DOMAIN.md, 双向约谈, in its two variants: the organization department talks
// with a cadre (a proposal the leader approves, the talk by two officials, the cadre's
// confirmation of the record, follow-up items), or the cadre asks the department for a talk
// (routed by level, the talk, the answer on the spot or within 5 or 20 working days, the
// cadre's satisfaction). A discipline matter in a record is referred to the discipline
// commission (referToDiscipline).
func Talk(ctx workflow.Context, in schemas.TalkInput) (schemas.CaseState, error) {
	t := &talk{
		caseRun: newCaseRun(in.CaseID, schemas.KindTalk, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, talkStages),
		in:      in,
		st: &schemas.TalkState{
			InitiatedBy: in.InitiatedBy, CadreID: in.CadreID, CadreName: in.CadreName, CadreUnitID: in.CadreUnitID,
			Reason: in.Reason, Grounds: in.Grounds, SourceCaseID: in.SourceCaseID, ProposedBy: in.ProposedBy,
		},
	}
	t.state.Talk = t.st
	t.addSubjects(in.CadreID)
	t.cancelAtOffice(in.OrgUnitID)
	return t.runCase(ctx, t.run)
}

var talkStages = map[string]string{
	"proposing":  "约谈建议",
	"approving":  "审批约谈",
	"routing":    "分办约谈申请",
	"talking":    "约谈",
	"confirming": "确认谈话记录",
	"settling":   "答复约谈事项",
	"feedback":   "反馈与满意度",
	"following":  "跟踪落实",
	"closed":     "已办结",
}

// Step periods: [policy] after county practice (DOMAIN.md P12).
var (
	talkDraftPeriod    = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	talkApprovePeriod  = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	talkHoldPeriod     = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	talkConfirmPeriod  = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	talkRoutePeriod    = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	talkFeedbackPeriod = calendar.Period{N: 5, Unit: calendar.WorkingDays}
)

// talkFollowUpSlots is how many follow-up items one record may set.
const talkFollowUpSlots = 3

type talk struct {
	*caseRun
	in schemas.TalkInput
	st *schemas.TalkState
}

func (t *talk) run(ctx workflow.Context) error {
	first := "proposing"
	if t.in.InitiatedBy == schemas.TalkByCadre {
		first = "routing"
	} else if t.in.ProposedBy != "" {
		first = "talking"
	}
	if err := t.open(ctx, first, map[string]any{
		"initiated_by": t.in.InitiatedBy, "cadre_id": t.in.CadreID, "reason": t.in.Reason,
		"source_case_id": t.in.SourceCaseID, "proposed_by": t.in.ProposedBy,
	}); err != nil {
		return err
	}
	if t.in.InitiatedBy == schemas.TalkByCadre {
		return t.cadreInitiated(ctx)
	}
	return t.organizationInitiated(ctx)
}

// organizationInitiated: DOMAIN.md P12 steps 1–5.
func (t *talk) organizationInitiated(ctx workflow.Context) error {
	if t.in.ProposedBy == "" {
		if err := t.propose(ctx); err != nil {
			return err
		}
	}
	period := talkHoldPeriod
	if t.in.TalkWorkingDays > 0 {
		period = calendar.Period{N: t.in.TalkWorkingDays, Unit: calendar.WorkingDays}
	}
	var notes []string
	for round := 1; ; round++ {
		rec, done, err := t.record(ctx, round, period, schemas.RoleSupervisor, nil, notes)
		if err != nil {
			return err
		}
		confirmed, objection, err := t.confirm(ctx, round, rec)
		if err != nil {
			return err
		}
		if confirmed {
			t.st.Confirmed = true
			t.state.Outcome = "已约谈，谈话记录经本人确认"
			t.refresh(ctx)
			return t.afterTalk(ctx, done, t.followUps(done))
		}
		t.st.Records[len(t.st.Records)-1].Disputed = objection
		notes = []string{"本人异议：" + objection, "有异议的记录：" + rec.Content}
		period = talkHoldPeriod
	}
}

// propose: the supervisor's proposal with its reason, approved by the leader (steps 1–2).
func (t *talk) propose(ctx workflow.Context) error {
	draft, _, err := t.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			notes := []string{"约谈事由：" + schemas.TalkReasonTitle(t.in.Reason) + "。" + t.in.Grounds}
			if t.in.SourceCaseID != "" {
				notes = append(notes, "来源案件："+t.in.SourceCaseID)
			}
			if round > 1 {
				notes = append(notes, "退回意见："+returned.Text("opinion"), "上一稿："+last.Text("proposal"))
			}
			return StepSpec{
				Stage: "proposing", Key: fmt.Sprintf("propose-%d", round), Step: "propose_talk", Title: "提出约谈建议：" + t.in.CadreName,
				OrgUnitID: t.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: talkDraftPeriod,
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form:      []schemas.FormField{{Name: "proposal", Label: "约谈建议（事由、谈话重点、拟谈话人）", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
					Notes:     notes,
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Stage: "approving", Key: fmt.Sprintf("approve-%d", round), Step: "approve_talk", Title: "审批约谈：" + t.in.CadreName,
				OrgUnitID: t.in.OrgUnitID, Role: schemas.RoleLeader, Period: talkApprovePeriod,
				Spec: approvalSpec("同意约谈"),
			}
		},
	})
	if err != nil {
		return err
	}
	t.st.Grounds = draft.Text("proposal")
	t.refresh(ctx)
	return nil
}

// recordForm is the talk record's form: when, where, the two talkers, what was said, a
// discipline matter, and (organization-initiated) up to three follow-up items with deadlines.
func recordForm(withFollowUps bool, settle bool, tomorrow string) []schemas.FormField {
	form := []schemas.FormField{
		{Name: "talk_date", Label: "谈话日期", Type: schemas.FieldDate, Required: true, NotFuture: true},
		{Name: "talk_time", Label: "谈话时间", Type: schemas.FieldText, MaxLen: 20},
		{Name: "place", Label: "谈话地点", Type: schemas.FieldText, Required: true, MaxLen: 200},
		{Name: "talker_1", Label: "谈话人（一）", Type: schemas.FieldText, Required: true, MaxLen: 50},
		{Name: "talker_2", Label: "谈话人（二）", Type: schemas.FieldText, Required: true, MaxLen: 50},
		{Name: "content", Label: "谈话内容", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
	}
	if settle {
		form = append(form, schemas.FormField{Name: "answer", Label: "当场答复内容", Type: schemas.FieldTextarea,
			RequiredFor: []string{schemas.TalkSettleOnSpot}, MaxLen: 10000})
	}
	form = append(form, schemas.FormField{Name: "discipline_matter", Label: "涉及违纪违法问题线索（移送纪委）", Type: schemas.FieldTextarea, MaxLen: 5000})
	if withFollowUps {
		for i := 1; i <= talkFollowUpSlots; i++ {
			form = append(form,
				schemas.FormField{Name: fmt.Sprintf("follow_up_%d", i), Label: fmt.Sprintf("跟踪事项（%d）", i), Type: schemas.FieldText, MaxLen: 500},
				schemas.FormField{Name: fmt.Sprintf("follow_up_%d_due", i), Label: fmt.Sprintf("跟踪事项（%d）完成期限", i), Type: schemas.FieldDate, MinDate: tomorrow})
		}
	}
	return form
}

// validateRecord: two different talkers; a follow-up item and its deadline go together.
func validateRecord(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
	var issues []schemas.FieldIssue
	t1, _ := req.Form["talker_1"].(string)
	t2, _ := req.Form["talker_2"].(string)
	if strings.TrimSpace(t1) != "" && strings.TrimSpace(t1) == strings.TrimSpace(t2) {
		issues = append(issues, schemas.FieldIssue{Field: "form.talker_2", Message: "约谈须由两名谈话人进行，两名谈话人不能相同"})
	}
	for i := 1; i <= talkFollowUpSlots; i++ {
		item, _ := req.Form[fmt.Sprintf("follow_up_%d", i)].(string)
		due, _ := req.Form[fmt.Sprintf("follow_up_%d_due", i)].(string)
		switch {
		case strings.TrimSpace(item) != "" && due == "":
			issues = append(issues, schemas.FieldIssue{Field: fmt.Sprintf("form.follow_up_%d_due", i), Message: "跟踪事项须有完成期限"})
		case strings.TrimSpace(item) == "" && due != "":
			issues = append(issues, schemas.FieldIssue{Field: fmt.Sprintf("form.follow_up_%d", i), Message: "填写了期限，须写明跟踪事项"})
		}
	}
	return issues
}

// record: the talk and its record by two officials (step 3 or 8). decisions nil: one decision,
// 已谈话.
func (t *talk) record(ctx workflow.Context, round int, period calendar.Period, role schemas.Role, decisions []schemas.Decision, notes []string) (schemas.TalkRecord, Completion, error) {
	settle := decisions != nil
	if decisions == nil {
		decisions = []schemas.Decision{{Key: DecisionHeld, Label: "已谈话"}}
	}
	title := "约谈并记录：" + t.in.CadreName
	if round > 1 {
		title = fmt.Sprintf("修改谈话记录（第%d稿）：%s", round, t.in.CadreName)
	}
	if t.in.InitiatedBy == schemas.TalkByCadre {
		notes = append([]string{"约谈事项：" + t.in.Grounds, "约定时间地点：" + strings.TrimSpace(t.st.ScheduledDate+" "+t.st.ScheduledTime) + "，" + t.st.Place}, notes...)
	} else {
		notes = append([]string{"约谈事由：" + schemas.TalkReasonTitle(t.in.Reason) + "。" + t.st.Grounds}, notes...)
	}
	tomorrow := workflow.Now(ctx).In(calendar.Location()).AddDate(0, 0, 1).Format(time.DateOnly)
	done, err := t.humanStep(ctx, StepSpec{
		Stage: "talking", Key: fmt.Sprintf("talk-%d", round), Step: "record_talk", Title: title,
		OrgUnitID: t.in.OrgUnitID, Role: role, Period: period, DeadlineSummary: "约谈期限",
		Spec:     schemas.TaskSpec{Decisions: decisions, Form: recordForm(!settle, settle, tomorrow), Notes: notes},
		Validate: validateRecord,
	})
	if err != nil {
		return schemas.TalkRecord{}, done, err
	}
	rec := schemas.TalkRecord{
		Date: done.Text("talk_date"), Time: done.Text("talk_time"), Place: done.Text("place"),
		Talkers: []string{done.Text("talker_1"), done.Text("talker_2")}, Content: done.Text("content"),
		By: done.Actor.ID, At: done.At,
	}
	t.st.Records = append(t.st.Records, rec)
	err = t.audit(ctx, "记录约谈："+t.in.CadreName, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "talk.recorded",
		Detail: map[string]any{"round": round, "talk_date": rec.Date, "talkers": rec.Talkers},
	})
	t.refresh(ctx)
	return rec, done, err
}

// confirm: the cadre confirms the record or disputes it, their own step (step 4).
func (t *talk) confirm(ctx workflow.Context, round int, rec schemas.TalkRecord) (bool, string, error) {
	done, err := t.humanStep(ctx, StepSpec{
		Stage: "confirming", Key: fmt.Sprintf("confirm-%d", round), Step: "confirm_record", Title: "确认约谈记录",
		OrgUnitID: t.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: t.in.CadreID, Period: talkConfirmPeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionConfirm, Label: "确认无误"}, {Key: DecisionDispute, Label: "有异议"}},
			Form:      []schemas.FormField{{Name: "objection", Label: "异议内容", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionDispute}, MaxLen: 5000}},
			Notes: []string{
				fmt.Sprintf("谈话时间：%s %s；地点：%s；谈话人：%s", rec.Date, rec.Time, rec.Place, strings.Join(rec.Talkers, "、")),
				"谈话记录：" + rec.Content,
			},
		},
	})
	if err != nil {
		return false, "", err
	}
	return done.Decision == DecisionConfirm, done.Text("objection"), nil
}

// followUps reads the follow-up items of a record.
func (t *talk) followUps(done Completion) []schemas.TalkFollowUp {
	var out []schemas.TalkFollowUp
	for i := 1; i <= talkFollowUpSlots; i++ {
		if item := strings.TrimSpace(done.Text(fmt.Sprintf("follow_up_%d", i))); item != "" {
			out = append(out, schemas.TalkFollowUp{Item: item, DueOn: done.Text(fmt.Sprintf("follow_up_%d_due", i)), Status: "open"})
		}
	}
	return out
}

// afterTalk runs side by side the referral of a discipline matter and the follow-up items,
// each a supervisor's task due on its own day (step 5).
func (t *talk) afterTalk(ctx workflow.Context, rec Completion, items []schemas.TalkFollowUp) error {
	t.st.FollowUps = items
	var branches []func(workflow.Context) error
	if matter := strings.TrimSpace(rec.Text("discipline_matter")); matter != "" {
		t.st.DisciplineMatter = matter
		branches = append(branches, func(gctx workflow.Context) error {
			return t.referToDiscipline(gctx, Referral{
				Key: "talk", Subject: t.in.CadreName, What: matter, Actor: rec.Actor.ID,
				Action: "talk.referred_to_discipline", Detail: map[string]any{"cadre_id": t.in.CadreID},
			})
		})
	}
	for i := range t.st.FollowUps {
		branches = append(branches, func(gctx workflow.Context) error { return t.followUp(gctx, i) })
	}
	if len(branches) == 0 {
		return nil
	}
	if len(t.st.FollowUps) > 0 {
		if err := t.setStage(ctx, "following"); err != nil {
			return err
		}
	}
	return inParallel(ctx, branches...)
}

// followUp: the supervisor checks one follow-up item by its day.
func (t *talk) followUp(ctx workflow.Context, i int) error {
	f := &t.st.FollowUps[i]
	days := 1
	if due, err := time.ParseInLocation(time.DateOnly, f.DueOn, calendar.Location()); err == nil {
		now := workflow.Now(ctx).In(calendar.Location())
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Location())
		if n := int(due.Sub(today).Hours()/24 + 0.5); n > days {
			days = n
		}
	}
	done, err := t.humanStep(ctx, StepSpec{
		Key: fmt.Sprintf("follow-up-%d", i+1), Step: "follow_up", Title: "跟踪落实：" + f.Item,
		OrgUnitID: t.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: calendar.Period{N: days, Unit: calendar.Days},
		DeadlineSummary: "跟踪事项期限",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionCorrected, Label: "已落实"}, {Key: DecisionNotCorrected, Label: "未落实"}},
			Form:      []schemas.FormField{{Name: "note", Label: "落实情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000}},
			Notes:     []string{t.in.CadreName + "约谈跟踪事项：" + f.Item + "（" + f.DueOn + "前）"},
		},
	})
	if err != nil {
		return err
	}
	f.Status, f.Note = done.Decision, done.Text("note")
	t.refresh(ctx)
	return nil
}

var talkRouteDecisions = []schemas.Decision{
	{Key: schemas.TalkRoutePrincipal, Label: "正职：由部长约谈"},
	{Key: schemas.TalkRouteDeputy, Label: "副职：由副部长约谈"},
	{Key: schemas.TalkRouteSection, Label: "其他：由干部科约谈"},
}

var talkSettleDecisions = []schemas.Decision{
	{Key: schemas.TalkSettleOnSpot, Label: "当场答复"},
	{Key: schemas.TalkSettleWithin5, Label: "5个工作日内答复"},
	{Key: schemas.TalkSettleWithin20, Label: "20个工作日内答复"},
}

var talkSatisfactionDecisions = []schemas.Decision{
	{Key: schemas.TalkSatisfied, Label: "满意"}, {Key: schemas.TalkBasicSatisfied, Label: "基本满意"}, {Key: schemas.TalkUnsatisfied, Label: "不满意"},
}

// cadreInitiated: DOMAIN.md P12 steps 6–10.
func (t *talk) cadreInitiated(ctx workflow.Context) error {
	route, err := t.humanStep(ctx, StepSpec{
		Key: "route", Step: "route_talk", Title: "分办约谈申请并确定时间地点：" + t.in.CadreName,
		OrgUnitID: t.in.OrgUnitID, Role: schemas.RoleCadreSection, Period: talkRoutePeriod,
		Spec: schemas.TaskSpec{
			Decisions: talkRouteDecisions,
			Form: []schemas.FormField{
				{Name: "talk_date", Label: "约谈日期", Type: schemas.FieldDate, Required: true,
					MinDate: workflow.Now(ctx).In(calendar.Location()).Format(time.DateOnly)},
				{Name: "talk_time", Label: "约谈时间", Type: schemas.FieldText, MaxLen: 20},
				{Name: "place", Label: "约谈地点", Type: schemas.FieldText, Required: true, MaxLen: 200},
			},
			Notes: []string{t.in.CadreName + "申请约谈，事项：" + t.in.Grounds},
		},
	})
	if err != nil {
		return err
	}
	t.st.Route, t.st.ScheduledDate, t.st.ScheduledTime, t.st.Place = route.Decision, route.Text("talk_date"), route.Text("talk_time"), route.Text("place")
	t.refresh(ctx)
	when := strings.TrimSpace(t.st.ScheduledDate + " " + t.st.ScheduledTime)
	if err := t.notify(ctx, "通知约谈安排", activities.NotifyRequest{
		Kind: notify.KindInfo, To: []string{t.in.CadreID},
		Title: "约谈安排：" + t.in.CadreName,
		Body:  fmt.Sprintf("%s：您申请的约谈定于%s在%s进行（%s）。", t.state.ID, when, t.st.Place, decisionLabel(schemas.TaskSpec{Decisions: talkRouteDecisions}, route.Decision)),
	}); err != nil {
		return err
	}
	role := schemas.RoleLeader // 部长 and 副部长 are the department's leaders
	if route.Decision == schemas.TalkRouteSection {
		role = schemas.RoleCadreSection
	}
	_, rec, err := t.record(ctx, 1, talkHoldPeriod, role, talkSettleDecisions, nil)
	if err != nil {
		return err
	}
	t.st.Settlement, t.st.Answer = rec.Decision, rec.Text("answer")
	t.refresh(ctx)
	return inParallel(ctx,
		func(gctx workflow.Context) error { return t.afterTalk(gctx, rec, nil) },
		func(gctx workflow.Context) error { return t.settleAndFeedback(gctx, role) },
	)
}

// settleAndFeedback: the answer within 5 or 20 working days unless given on the spot (step 9),
// then the cadre's feedback and satisfaction (step 10).
func (t *talk) settleAndFeedback(ctx workflow.Context, role schemas.Role) error {
	if t.st.Settlement != schemas.TalkSettleOnSpot {
		n := 5
		if t.st.Settlement == schemas.TalkSettleWithin20 {
			n = 20
		}
		done, err := t.humanStep(ctx, StepSpec{
			Stage: "settling", Key: "settle", Step: "answer_talk", Title: "答复约谈事项：" + t.in.CadreName,
			OrgUnitID: t.in.OrgUnitID, Role: role, Period: calendar.Period{N: n, Unit: calendar.WorkingDays},
			DeadlineSummary: fmt.Sprintf("答复期限（%d个工作日）", n),
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "答复"}},
				Form:      []schemas.FormField{{Name: "answer", Label: "答复内容", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000}},
				Notes:     []string{"约谈事项：" + t.in.Grounds},
			},
		})
		if err != nil {
			return err
		}
		t.st.Answer = done.Text("answer")
		t.refresh(ctx)
	}
	done, err := t.humanStep(ctx, StepSpec{
		Stage: "feedback", Key: "feedback", Step: "talk_feedback", Title: "约谈答复反馈",
		OrgUnitID: t.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: t.in.CadreID, Period: talkFeedbackPeriod,
		Spec: schemas.TaskSpec{
			Decisions: talkSatisfactionDecisions,
			Form:      []schemas.FormField{{Name: "comment", Label: "意见", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.TalkUnsatisfied}, MaxLen: 5000}},
			Notes:     []string{"约谈事项：" + t.in.Grounds, "答复：" + t.st.Answer},
		},
	})
	if err != nil {
		return err
	}
	t.st.Satisfaction = done.Decision
	t.state.Outcome = "已约谈并答复；" + decisionLabel(schemas.TaskSpec{Decisions: talkSatisfactionDecisions}, done.Decision)
	err = t.audit(ctx, "约谈反馈："+t.in.CadreName, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "talk.feedback", Detail: map[string]any{"satisfaction": done.Decision},
	})
	t.refresh(ctx)
	return err
}
