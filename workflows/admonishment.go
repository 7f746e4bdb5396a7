package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// Admonishment is P4 of DOMAIN.md, 诫勉: the proposal is approved by a leader, the supervisor
// schedules and holds the talk, the cadre confirms the record and submits corrective measures,
// the cadre may not be promoted for the 6-month influence period, and the supervisor reviews
// the correction at its end.
func Admonishment(ctx workflow.Context, in schemas.AdmonishmentInput) (schemas.CaseState, error) {
	a := &admonishment{
		caseRun: newCaseRun(in.CaseID, schemas.KindAdmonishment, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, admonishmentStages),
		in:      in,
		adm: &schemas.AdmonishmentState{
			CadreID: in.CadreID, CadreName: in.CadreName, CadreUnitID: in.CadreUnitID,
			Source: in.Source, SourceCaseID: in.SourceCaseID, Grounds: in.Grounds,
		},
	}
	a.state.Admonishment = a.adm
	a.addSubjects(in.CadreID)
	a.cancelAtOffice(in.OrgUnitID)
	runCtx, err := a.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	err = a.run(runCtx)
	if temporal.IsCanceledError(err) && a.restricted {
		// A cancelled admonishment restricts nobody.
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		if lerr := a.exec(dctx, "解除任用限制", acts.LiftRestriction, a.restriction(dctx, "案件已撤销")); lerr != nil {
			return a.snapshot(), lerr
		}
	}
	return a.finish(ctx, err)
}

var admonishmentStages = map[string]string{
	"approving":  "审批诫勉",
	"scheduling": "安排诫勉谈话",
	"talking":    "诫勉谈话",
	"confirming": "确认谈话记录",
	"correcting": "提交整改措施",
	"influence":  "诫勉影响期",
	"reviewing":  "跟踪回访",
	"closed":     "已办结",
}

// Step periods [policy] and the influence period [reg].
var (
	admApprovePeriod   = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	admSchedulePeriod  = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	admRecordPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	admConfirmPeriod   = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	admMeasuresPeriod  = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	admReviewPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	admInfluencePeriod = calendar.Period{N: 6, Unit: calendar.Months} // 《中国共产党组织处理规定(试行)》
)

type admonishment struct {
	*caseRun
	in  schemas.AdmonishmentInput
	adm *schemas.AdmonishmentState
	// restricted: the no-promotion restriction has been recorded.
	restricted bool
}

func (a *admonishment) run(ctx workflow.Context) error {
	if err := a.open(ctx, "approving", map[string]any{
		"cadre_id": a.in.CadreID, "source": a.in.Source, "source_case_id": a.in.SourceCaseID,
	}); err != nil {
		return err
	}
	if err := a.flagRepeat(ctx); err != nil {
		return err
	}
	approved, err := a.approve(ctx)
	if err != nil || !approved {
		return err
	}
	if err := a.scheduleTalk(ctx); err != nil {
		return err
	}
	if err := a.holdTalk(ctx); err != nil {
		return err
	}
	if err := a.correctiveMeasures(ctx); err != nil {
		return err
	}
	if err := a.influencePeriod(ctx); err != nil {
		return err
	}
	return a.review(ctx)
}

// flagRepeat tells the supervisor when the cadre is still in the influence period of an
// earlier admonishment: a second one then calls for heavier handling.
func (a *admonishment) flagRepeat(ctx workflow.Context) error {
	var active []schemas.Restriction
	if err := a.exec(ctx, "查询诫勉影响期", acts.CheckRestrictions,
		activities.CheckRestrictionsRequest{OfficialID: a.in.CadreID, At: workflow.Now(ctx)}, &active); err != nil {
		return err
	}
	for _, r := range active {
		if r.CaseID != a.state.ID && !contains(a.adm.RepeatOf, r.CaseID) {
			a.adm.RepeatOf = append(a.adm.RepeatOf, r.CaseID)
		}
	}
	if len(a.adm.RepeatOf) == 0 {
		return nil
	}
	earlier := strings.Join(a.adm.RepeatOf, "、")
	if err := a.audit(ctx, "影响期内再次诫勉", activities.AuditRequest{
		Actor: "system", Action: "admonishment.repeat_in_influence_period",
		Detail: map[string]any{"cadre_id": a.in.CadreID, "earlier_cases": a.adm.RepeatOf},
	}); err != nil {
		return err
	}
	a.refresh(ctx)
	return a.notify(ctx, "提示干部监督人员", activities.NotifyRequest{
		Kind: notify.KindInfo,
		Role: string(schemas.RoleSupervisor), OrgUnit: a.in.OrgUnitID,
		Title: "影响期内再次诫勉：" + a.in.CadreName,
		Body:  fmt.Sprintf("%s：%s同志仍在诫勉影响期内（%s），又被提出诫勉，请研究是否从重处理。", a.state.ID, a.in.CadreName, earlier),
	})
}

// approve asks the leader to approve the proposal; a rejection closes the case.
func (a *admonishment) approve(ctx workflow.Context) (bool, error) {
	done, err := a.humanStep(ctx, StepSpec{
		Key: "approve", Step: "approve_admonishment", Title: "审批诫勉：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleLeader, Period: admApprovePeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionApprove, Label: "同意诫勉"}, {Key: DecisionReject, Label: "不予诫勉"}},
			Form:      []schemas.FormField{{Name: "opinion", Label: "审批意见", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionReject}, MaxLen: 2000}},
		},
	})
	if err != nil {
		return false, err
	}
	if done.Decision == DecisionReject {
		a.state.Outcome = "不予诫勉"
		return false, nil
	}
	return true, nil
}

// scheduleTalk has the supervisor fix time, place and attendees, and tells the cadre and the
// unit principal.
func (a *admonishment) scheduleTalk(ctx workflow.Context) error {
	done, err := a.humanStep(ctx, StepSpec{
		Stage: "scheduling", Key: "schedule", Step: "schedule_talk", Title: "安排诫勉谈话：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: admSchedulePeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionScheduled, Label: "已安排"}},
			Form: []schemas.FormField{
				{Name: "talk_date", Label: "谈话日期", Type: schemas.FieldDate, Required: true},
				{Name: "talk_time", Label: "谈话时间", Type: schemas.FieldText, MaxLen: 20},
				{Name: "place", Label: "谈话地点", Type: schemas.FieldText, Required: true, MaxLen: 200},
				{Name: "attendees", Label: "参加人员", Type: schemas.FieldTextarea, Required: true, MaxLen: 1000},
			},
		},
	})
	if err != nil {
		return err
	}
	talk := &schemas.AdmonishmentTalk{Date: done.Text("talk_date"), Time: done.Text("talk_time"), Place: done.Text("place"), Attendees: done.Text("attendees")}
	a.adm.Talk = talk
	a.refresh(ctx)
	when := strings.TrimSpace(talk.Date + " " + talk.Time)
	return a.notify(ctx, "通知谈话安排", activities.NotifyRequest{
		Kind: notify.KindInfo, To: []string{a.in.CadreID},
		Role: string(schemas.RoleUnitPrincipal), OrgUnit: a.in.CadreUnitID,
		Title: "诫勉谈话通知：" + a.in.CadreName,
		Body:  fmt.Sprintf("%s：定于%s在%s对%s同志进行诫勉谈话。参加人员：%s。", a.state.ID, when, talk.Place, a.in.CadreName, talk.Attendees),
	})
}

// holdTalk: the supervisor records the talk and the cadre confirms the record; a disputed
// record goes back to the supervisor. The 诫勉 takes effect with the talk: the influence
// period starts then.
func (a *admonishment) holdTalk(ctx workflow.Context) error {
	var notes []string // an amended record shows the cadre's objection and the disputed record
	for round := 1; ; round++ {
		if err := a.setStage(ctx, "talking"); err != nil {
			return err
		}
		title := "诫勉谈话记录：" + a.in.CadreName
		if round > 1 {
			title = fmt.Sprintf("修改诫勉谈话记录（第%d稿）：%s", round, a.in.CadreName)
		}
		record, err := a.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("record-%d", round), Step: "record_talk", Title: title,
			OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: admRecordPeriod,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionHeld, Label: "已谈话"}},
				Form: []schemas.FormField{
					// The influence period runs from the day of the talk, not from when the record
					// is typed in: held no earlier than scheduled, and not in the future.
					{Name: "talk_date", Label: "实际谈话日期", Type: schemas.FieldDate, Required: true, MinDate: a.adm.Talk.Date, NotFuture: true},
					{Name: "record", Label: "谈话记录（指出问题、听取说明、提出整改要求）", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
					{Name: "cadre_statement", Label: "本人说明", Type: schemas.FieldTextarea, MaxLen: 10000},
				},
				Notes: notes,
			},
		})
		if err != nil {
			return err
		}
		if round == 1 {
			if err := a.startInfluence(ctx, record.Text("talk_date")); err != nil {
				return err
			}
		}
		done, err := a.humanStep(ctx, StepSpec{
			Stage: "confirming", Key: fmt.Sprintf("confirm-%d", round), Step: "confirm_record", Title: "确认诫勉谈话记录",
			OrgUnitID: a.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: a.in.CadreID, Period: admConfirmPeriod,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionConfirm, Label: "确认无误"}, {Key: DecisionDispute, Label: "有异议"}},
				Form:      []schemas.FormField{{Name: "objection", Label: "异议内容", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionDispute}, MaxLen: 5000}},
			},
		})
		if err != nil {
			return err
		}
		if done.Decision == DecisionConfirm {
			return nil
		}
		notes = []string{"本人异议：" + done.Text("objection"), "有异议的记录：" + record.Text("record")}
	}
}

func (a *admonishment) restriction(ctx workflow.Context, reason string) activities.RestrictionRequest {
	return activities.RestrictionRequest{
		CaseID: a.state.ID, OfficialID: a.in.CadreID, Kind: schemas.RestrictionNoPromotion, Reason: reason,
		StartsAt: *a.adm.InfluenceStart, EndsAt: *a.adm.InfluenceEnd, At: workflow.Now(ctx),
	}
}

// startInfluence records the 6-month no-promotion restriction from the day of the talk
// (talkDate, YYYY-MM-DD; records made before it was asked for start it when recorded).
func (a *admonishment) startInfluence(ctx workflow.Context, talkDate string) error {
	start := workflow.Now(ctx)
	if day, err := time.ParseInLocation(time.DateOnly, talkDate, calendar.Location()); err == nil && day.Before(start) {
		start = day
	}
	end, err := a.deadlineFrom(ctx, start, admInfluencePeriod, "计算诫勉影响期")
	if err != nil {
		return err
	}
	a.adm.TalkHeldAt, a.adm.InfluenceStart, a.adm.InfluenceEnd = &start, &start, &end
	if err := a.exec(ctx, "记录任用限制", acts.RecordRestriction, a.restriction(ctx, "诫勉影响期内不得提拔或者重用")); err != nil {
		return err
	}
	a.restricted = true
	a.refresh(ctx)
	return nil
}

// correctiveMeasures: the cadre's written measures, their own task.
func (a *admonishment) correctiveMeasures(ctx workflow.Context) error {
	_, err := a.humanStep(ctx, StepSpec{
		Stage: "correcting", Key: "measures", Step: "corrective_measures", Title: "提交书面整改措施",
		OrgUnitID: a.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: a.in.CadreID, Period: admMeasuresPeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "提交"}},
			Form:      []schemas.FormField{{Name: "measures", Label: "整改措施", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
		},
	})
	return err
}

// influencePeriod waits out the 6 months; the restriction row expires at its end.
func (a *admonishment) influencePeriod(ctx workflow.Context) error {
	if err := a.setStage(ctx, "influence"); err != nil {
		return err
	}
	if err := sleepUntil(ctx, *a.adm.InfluenceEnd, "诫勉影响期满"); err != nil {
		return err
	}
	return a.audit(ctx, "诫勉影响期满", activities.AuditRequest{
		Actor: "system", Action: "admonishment.influence_ended",
		Detail: map[string]any{"cadre_id": a.in.CadreID, "ended_at": a.adm.InfluenceEnd},
	})
}

// review is the supervisor's follow-up at the period's end: corrected closes the case; not
// corrected proposes further handling to the leader.
func (a *admonishment) review(ctx workflow.Context) error {
	done, err := a.humanStep(ctx, StepSpec{
		Stage: "reviewing", Key: "review", Step: "follow_up_review", Title: "诫勉跟踪回访：" + a.in.CadreName,
		OrgUnitID: a.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: admReviewPeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionCorrected, Label: "已整改"}, {Key: DecisionNotCorrected, Label: "未整改"}},
			Form: []schemas.FormField{
				{Name: "findings", Label: "回访情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
				{Name: "proposal", Label: "进一步处理建议（批评教育、组织处理等）", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionNotCorrected}, MaxLen: 5000},
			},
		},
	})
	if err != nil {
		return err
	}
	corrected := done.Decision == DecisionCorrected
	a.adm.Corrected = &corrected
	if corrected {
		a.state.Outcome = "诫勉；影响期满，已整改"
		return nil
	}
	a.state.Outcome = "诫勉；未整改，建议进一步处理"
	if err := a.audit(ctx, "建议进一步处理", activities.AuditRequest{
		Actor: done.Actor.ID, Action: "admonishment.further_handling_proposed",
		Detail: map[string]any{"proposal": done.Text("proposal")},
	}); err != nil {
		return err
	}
	return a.notify(ctx, "报告领导", activities.NotifyRequest{
		Kind: notify.KindInfo,
		Role: string(schemas.RoleLeader), OrgUnit: a.in.OrgUnitID,
		Title: "诫勉后未整改：" + a.in.CadreName,
		Body:  fmt.Sprintf("%s：%s同志诫勉后未整改，建议：%s", a.state.ID, a.in.CadreName, done.Text("proposal")),
	})
}
