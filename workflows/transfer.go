package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Transfer is P7 of DOMAIN.md, 转办/交办: a lower office verifies a report and reports back to the
// superior by a deadline, under the P7 ladder; the superior accepts the result or returns it,
// and takes the case over (提级办理) after two returns, or when it escalated and the superior
// chooses to. The result goes back to the superior's report case by signal.
func Transfer(ctx workflow.Context, in schemas.TransferInput) (schemas.CaseState, error) {
	t := &transfer{
		caseRun: newCaseRun(in.CaseID, schemas.KindTransfer, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, transferStages),
		in:      in,
		tr:      &schemas.TransferState{ParentCaseID: in.ParentCaseID, SuperiorOrgUnitID: in.SuperiorOrgUnitID, Instructions: in.Instructions},
	}
	t.state.Transfer = t.tr
	t.addSubjects(in.Subjects...)
	t.cancelAtOffice(in.SuperiorOrgUnitID)
	return t.runCase(ctx, t.run)
}

var transferStages = map[string]string{
	"reporting": "下级核查上报",
	"reviewing": "上级审核",
	"closed":    "已办结",
}

type transfer struct {
	*caseRun
	in schemas.TransferInput
	tr *schemas.TransferState
}

// transferSide names the side tasks of a report-back among the case's background steps.
const transferSide = "transfer-side"

// transferLadder is DOMAIN.md P7 step 3 on the report-back deadline: reminder 5 working days
// before; overdue -> 催办 to the lower office; +5 -> 督办 notice and a task for the lower org's
// leader; +10 -> escalation to the superior's supervision office, which may take the case over.
func transferLadder() schemas.Ladder {
	return schemas.Ladder{
		{Offset: calendar.Period{N: -5, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
		{Offset: calendar.Period{N: 0, Unit: calendar.WorkingDays}, Action: schemas.RungUrge},
		{Offset: calendar.Period{N: 5, Unit: calendar.WorkingDays}, Action: schemas.RungEscalateTo},
		{Offset: calendar.Period{N: 10, Unit: calendar.WorkingDays}, Action: schemas.RungEscalateTo},
	}
}

func (t *transfer) run(ctx workflow.Context) error {
	if err := t.open(ctx, "reporting", map[string]string{"parent": t.in.ParentCaseID, "superior": t.in.SuperiorOrgUnitID}); err != nil {
		return err
	}
	for round := 1; ; round++ {
		if err := t.setStage(ctx, "reporting"); err != nil {
			return err
		}
		days := 60
		if round > 1 {
			days = 30 // re-verification after a return
		}
		back, err := t.reportBack(ctx, round, days)
		if errors.Is(err, errAbandoned) && t.tr.TakenOver {
			return t.conclude(ctx, schemas.TransferTakenOver, nil)
		}
		if err != nil {
			return err
		}
		rd := &t.tr.Rounds[round-1]
		now := workflow.Now(ctx)
		rd.Finding, rd.Report, rd.Attachments, rd.SubmittedAt = back.Decision, back.Text("report"), back.Text("attachments"), &now
		rd.Documents = back.Files
		if err := t.setStage(ctx, "reviewing"); err != nil {
			return err
		}
		decisions := []schemas.Decision{{Key: schemas.ReviewAccept, Label: "审核通过"}}
		if t.tr.Returns < schemas.TransferMaxReturns {
			decisions = append(decisions, schemas.Decision{Key: schemas.ReviewReturn, Label: "退回重新核查（30个工作日）"})
		} else {
			decisions = append(decisions, schemas.Decision{Key: schemas.ReviewTakeOver, Label: "提级办理"})
		}
		review, err := t.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("review-%d", round), Step: "review_transfer", Title: "审核下级核查结果：" + t.in.SubjectName,
			OrgUnitID: t.in.SuperiorOrgUnitID, Role: schemas.RoleSupervisor,
			Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
			Spec: schemas.TaskSpec{Decisions: decisions, Form: []schemas.FormField{
				{Name: "note", Label: "审核意见（退回时写明须补充核查的问题）", Type: schemas.FieldTextarea,
					RequiredFor: []string{schemas.ReviewReturn, schemas.ReviewTakeOver}, MaxLen: 5000},
			}},
		})
		if err != nil {
			return err
		}
		rd.Review, rd.ReviewNote = review.Decision, review.Text("note")
		switch review.Decision {
		case schemas.ReviewAccept:
			return t.conclude(ctx, schemas.TransferAccepted, rd)
		case schemas.ReviewTakeOver:
			t.tr.TakenOver = true
			return t.conclude(ctx, schemas.TransferTakenOver, nil)
		}
		t.tr.Returns++
		if err := t.audit(ctx, "退回重新核查", activities.AuditRequest{
			Actor: review.Actor.ID, Action: "transfer.returned",
			Detail: map[string]int{"returns": t.tr.Returns},
		}); err != nil {
			return err
		}
	}
}

// reportBack is the lower office's step: verify and report back by the deadline, under the P7
// ladder. The 督办 task of the lower leader and the superior's take-over task open from the
// ladder and are withdrawn when the report comes in.
func (t *transfer) reportBack(ctx workflow.Context, round, days int) (Completion, error) {
	key := fmt.Sprintf("report-back-%d", round)
	t.tr.Rounds = append(t.tr.Rounds, schemas.TransferRound{Round: round})
	escalations := 0
	spec := StepSpec{
		Key: key, Step: "report_back", Title: "核查并上报：" + t.in.SubjectName,
		OrgUnitID: t.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period:          calendar.Period{N: days, Unit: calendar.WorkingDays},
		Ladder:          transferLadder(),
		DeadlineSummary: "上报期限",
		Opened:          func(v schemas.TaskView) { t.tr.Rounds[round-1].DueAt = v.DueAt },
		RungTargets: map[int]*activities.RungTarget{
			2: {Role: schemas.RoleLeader, OrgUnitID: t.in.OrgUnitID},
			3: {Role: schemas.RoleSupervisor, OrgUnitID: t.in.SuperiorOrgUnitID},
		},
		Spec: schemas.TaskSpec{Decisions: findingDecisions, Form: []schemas.FormField{
			{Name: "report", Label: "核查报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
			{Name: "attachments", Label: "附件材料（谈话笔录、情况说明等，文字）", Type: schemas.FieldTextarea, MaxLen: 50000},
			{Name: "documents", Label: "核查材料文件（谈话笔录扫描件等）", Type: schemas.FieldFile, MaxBytes: 20 << 20},
		}, Notes: t.reportBackNotes(round)},
		AfterRung: func(rctx workflow.Context, action schemas.RungAction) {
			if action != schemas.RungEscalateTo {
				return
			}
			escalations++
			main := t.find(t.state.ID + "." + key)
			if escalations == 1 {
				t.sideTask(rctx, transferSide, supervisionSpec(key, t.in.Title, t.in.OrgUnitID, schemas.RoleLeader), main, nil)
				return
			}
			t.tr.Escalated = true
			t.sideTask(rctx, transferSide, StepSpec{
				Key: key + "-escalated", Step: "escalated_transfer", Title: "转办逾期上报：" + t.in.Title,
				OrgUnitID: t.in.SuperiorOrgUnitID, Role: schemas.RoleSupervisor,
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays}, Ladder: schemas.Ladder{},
				Spec: schemas.TaskSpec{
					Decisions: []schemas.Decision{{Key: DecisionKeepSupervising, Label: "继续督办"}, {Key: schemas.ReviewTakeOver, Label: "提级办理"}},
					Form:      []schemas.FormField{{Name: "note", Label: "意见", Type: schemas.FieldTextarea, MaxLen: 2000}},
				},
			}, main, func(c Completion) {
				if c.Decision != schemas.ReviewTakeOver {
					return
				}
				t.tr.TakenOver = true
				if main.completion == nil && !main.closed {
					main.abandoned, main.abandonReason = true, "上级提级办理"
				}
			})
		},
	}
	done, err := t.humanStep(ctx, spec)
	if tk := t.find(t.state.ID + "." + key); tk != nil {
		t.tr.Rounds[round-1].DueAt = tk.view.DueAt
	}
	if werr := workflow.Await(ctx, func() bool { return t.running(transferSide) == 0 }); werr != nil && err == nil {
		err = werr
	}
	return done, err
}

// reportBackNotes tell the lower office what to verify: the superior's instructions, where the
// report's content is (the case page shows it, without the reporter's identity), and after a
// return, what the superior asked for.
func (t *transfer) reportBackNotes(round int) []string {
	notes := []string{
		"核查要求：" + t.in.Instructions,
		"反映内容（不含反映人信息）见本案件页面；" + t.in.ParentCaseID + "为上级受理的原举报件。",
	}
	if round > 1 {
		if prev := t.tr.Rounds[round-2]; prev.ReviewNote != "" {
			notes = append(notes, fmt.Sprintf("上级第%d次审核退回意见：%s", round-1, prev.ReviewNote))
		}
	}
	return notes
}

// conclude tells the superior's report case the result (the accepted round's report and
// attachments; none when taken over) and closes.
func (t *transfer) conclude(ctx workflow.Context, outcome string, accepted *schemas.TransferRound) error {
	res := schemas.TransferResult{TransferID: t.state.ID, Outcome: outcome}
	if outcome == schemas.TransferTakenOver || accepted == nil {
		t.state.Outcome = "上级提级办理"
	} else {
		t.state.Outcome = "上级审核通过：" + decisionLabel(schemas.TaskSpec{Decisions: findingDecisions}, accepted.Finding)
		res.Finding, res.Report, res.Attachments = accepted.Finding, accepted.Report, accepted.Attachments
	}
	action := "transfer.reported_up"
	if err := workflow.SignalExternalWorkflow(ctx, t.in.ParentCaseID, "", schemas.SignalTransferResult, res).Get(ctx, nil); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		action = "transfer.parent_unreachable" // the report case was closed or cancelled meanwhile
	}
	return t.audit(ctx, "上报结果："+t.in.ParentCaseID, activities.AuditRequest{
		Actor: "system", Action: action,
		Detail: map[string]string{"parent": t.in.ParentCaseID, "outcome": outcome},
	})
}
