package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
)

// Inquiry is P5 of DOMAIN.md, 函询: the supervisor drafts a letter, the leader approves it, it
// goes to the cadre through their unit principal; the cadre answers within 15 working days,
// the principal signs the answer off, and the supervisor assesses it until the outcome is
// settled. An 诫勉 outcome starts a linked admonishment case that runs on its own.
func Inquiry(ctx workflow.Context, in schemas.InquiryInput) (schemas.CaseState, error) {
	q := &inquiry{
		caseRun: newCaseRun(in.CaseID, schemas.KindInquiry, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, inquiryStages),
		in:      in,
		inq:     &schemas.InquiryState{CadreID: in.CadreID, CadreName: in.CadreName, CadreUnitID: in.CadreUnitID},
	}
	q.state.Inquiry = q.inq
	q.addSubjects(in.CadreID)
	q.cancelAtOffice(in.OrgUnitID)
	return q.runCase(ctx, q.run)
}

var inquiryStages = map[string]string{
	"drafting":  "起草函询",
	"approving": "审批函询",
	"answering": "函询回复中",
	"signing":   "单位主要负责人签署",
	"assessing": "研判处理",
	"verifying": "进一步核实",
	"talking":   "谈话提醒",
	"closed":    "已办结",
}

// Step periods: the regulation's 15 working days to answer and the policy defaults.
var (
	inquiryAnswerPeriod  = calendar.Period{N: 15, Unit: calendar.WorkingDays} // [reg]
	inquirySignPeriod    = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	inquiryDraftPeriod   = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	inquiryApprovePeriod = calendar.Period{N: 3, Unit: calendar.WorkingDays}
	inquiryAssessPeriod  = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	inquiryVerifyPeriod  = calendar.Period{N: 20, Unit: calendar.WorkingDays}
	inquiryTalkPeriod    = calendar.Period{N: 10, Unit: calendar.WorkingDays}
)

// inquiryAnswerLadder is P5 step 4: reminders 5 and 2 working days before the deadline;
// overdue at it (the supervisor told) with a 催办 to the unit principal; 5 working days
// overdue, the leader is told and asked whether to order a talk.
func inquiryAnswerLadder() schemas.Ladder {
	return schemas.Ladder{
		{Offset: calendar.Period{N: -5, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
		{Offset: calendar.Period{N: -2, Unit: calendar.WorkingDays}, Action: schemas.RungRemind},
		{Offset: calendar.Period{N: 0, Unit: calendar.WorkingDays}, Action: schemas.RungOverdue},
		{Offset: calendar.Period{N: 0, Unit: calendar.WorkingDays}, Action: schemas.RungUrge},
		{Offset: calendar.Period{N: 5, Unit: calendar.WorkingDays}, Action: schemas.RungEscalateTo},
	}
}

type inquiry struct {
	*caseRun
	in  schemas.InquiryInput
	inq *schemas.InquiryState
	// Counters that keep step keys unique across rounds.
	drafts, assessments, verifications int
}

// inquiryLate names a late answer's background step (the leader's question and an ordered
// talk) among the case's background steps; the main line ends only after them.
const inquiryLate = "inquiry-late-answer"

func (q *inquiry) run(ctx workflow.Context) error {
	if err := q.open(ctx, "drafting", map[string]any{"cadre_id": q.in.CadreID, "cadre_unit_id": q.in.CadreUnitID, "source_case_id": q.in.SourceCaseID}); err != nil {
		return err
	}
	for {
		if err := q.draftLetter(ctx); err != nil {
			return err
		}
		if err := q.sendAndAnswer(ctx); err != nil {
			return err
		}
		again, err := q.assess(ctx)
		if err != nil {
			return err
		}
		if !again {
			return workflow.Await(ctx, func() bool { return q.running(inquiryLate) == 0 })
		}
	}
}

// draftLetter loops until the leader approves the letter.
func (q *inquiry) draftLetter(ctx workflow.Context) error {
	letter := len(q.inq.Letters) + 1
	_, _, err := q.draftAndApprove(ctx, approvalLoop{
		draft: func(int, Completion, Completion) StepSpec {
			q.drafts++ // step keys count drafts across letters
			title := "起草函询函：" + q.in.CadreName
			if letter > 1 {
				title = fmt.Sprintf("起草第%d次函询函：%s", letter, q.in.CadreName)
			}
			return StepSpec{
				Stage: "drafting", Key: fmt.Sprintf("draft-%d", q.drafts), Step: "draft_letter", Title: title,
				OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: inquiryDraftPeriod,
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交审批"),
					Form: []schemas.FormField{
						{Name: "questions", Label: "函询事项（需说明的问题）", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
						{Name: "basis", Label: "函询依据（反映问题或发现的情况）", Type: schemas.FieldTextarea, MaxLen: 5000},
					},
				},
			}
		},
		approve: func(int) StepSpec {
			return StepSpec{
				Stage: "approving", Key: fmt.Sprintf("approve-%d", q.drafts), Step: "approve_letter", Title: "审批函询函：" + q.in.CadreName,
				OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleLeader, Period: inquiryApprovePeriod,
				Spec: approvalSpec("同意函询"),
			}
		},
	})
	return err
}

// sendAndAnswer sends the letter through the unit principal, waits for the cadre's answer
// (their own task) and the principal's sign-off.
func (q *inquiry) sendAndAnswer(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	n := len(q.inq.Letters) + 1
	q.inq.Letters = append(q.inq.Letters, schemas.InquiryLetter{No: n, SentAt: now})
	if err := q.setStage(ctx, "answering"); err != nil {
		return err
	}
	if err := q.notify(ctx, "送达函询函", activities.NotifyRequest{
		At: now, Kind: notify.KindInfo,
		Role: string(schemas.RoleUnitPrincipal), OrgUnit: q.in.CadreUnitID,
		Title: "请转交函询函：" + q.in.CadreName,
		Body:  fmt.Sprintf("%s：组织部门向%s同志发出函询函，请转交本人，并督促其在收函次日起15个工作日内书面答复，答复须经您签署。", q.state.ID, q.in.CadreName),
	}); err != nil {
		return err
	}
	key := fmt.Sprintf("answer-%d", n)
	answer, err := q.humanStep(ctx, StepSpec{
		Key: key, Step: "answer_letter", Title: "书面答复函询：" + q.in.CadreName,
		OrgUnitID: q.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: q.in.CadreID,
		Period: inquiryAnswerPeriod, Ladder: inquiryAnswerLadder(), DeadlineSummary: "函询回复期限",
		Opened:     func(v schemas.TaskView) { q.inq.Letters[n-1].AnswerDueAt = v.DueAt },
		EscalateTo: &activities.RungTarget{Role: schemas.RoleLeader, OrgUnitID: q.in.OrgUnitID},
		AfterRung: func(rctx workflow.Context, action schemas.RungAction) {
			if action == schemas.RungEscalateTo {
				q.beside(q.runCtx, inquiryLate, func(gctx workflow.Context) error { return q.lateAnswer(gctx, n-1, key) })
			}
		},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSubmit, Label: "提交书面答复"}},
			Form: []schemas.FormField{
				{Name: "answer", Label: "书面答复", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000},
				{Name: "attachments", Label: "附件说明", Type: schemas.FieldTextarea, MaxLen: 2000},
				// The answer signed off by the principal of the cadre's unit (DOMAIN.md P4).
				{Name: "signed_answer", Label: "签字的书面答复（扫描件，PDF或图片）", Type: schemas.FieldFile,
					Accept: schemas.ScanTypes, MaxBytes: 20 << 20},
			},
		},
	})
	if err != nil {
		return err
	}
	at := answer.At
	l := &q.inq.Letters[n-1]
	l.AnsweredAt = &at
	if t := q.find(q.state.ID + "." + key); t != nil {
		l.AnswerDueAt, l.Late = t.view.DueAt, t.view.Overdue
	}
	if _, err := q.humanStep(ctx, StepSpec{
		Stage: "signing", Key: fmt.Sprintf("sign-%d", n), Step: "sign_answer", Title: "签署函询答复：" + q.in.CadreName,
		OrgUnitID: q.in.CadreUnitID, Role: schemas.RoleUnitPrincipal, Period: inquirySignPeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSign, Label: "签署报送"}},
			Form:      []schemas.FormField{{Name: "opinion", Label: "签署意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000}},
		},
	}); err != nil {
		return err
	}
	signed := workflow.Now(ctx)
	q.inq.Letters[n-1].SignedAt = &signed
	q.refresh(ctx)
	return nil
}

// lateAnswer asks the leader, told that the answer is 5 working days overdue, whether to order
// a talk; the question is withdrawn if the answer arrives first. An ordered talk is held and
// recorded by the supervisor while the answer is still awaited.
func (q *inquiry) lateAnswer(ctx workflow.Context, letter int, answerKey string) error {
	key := answerKey + "-late"
	answer := q.find(q.state.ID + "." + answerKey)
	q.beside(ctx, "inquiry-withdraw-late-question", func(gctx workflow.Context) error {
		// Withdraw the leader's question once the answer is in.
		if err := workflow.Await(gctx, func() bool { return answer.closed }); err != nil {
			return err
		}
		if t := q.find(q.state.ID + "." + key); t != nil && t.completion == nil && !t.closed {
			t.abandoned = true
		}
		return nil
	})
	done, err := q.humanStep(ctx, StepSpec{
		Key: key, Step: "late_answer", Title: "函询逾期未复：" + q.in.CadreName,
		OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleLeader,
		Period: calendar.Period{N: 3, Unit: calendar.WorkingDays}, Ladder: schemas.Ladder{},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionOrderTalk, Label: "责令约谈"}, {Key: DecisionKeepUrging, Label: "继续催复"}},
			Form:      []schemas.FormField{{Name: "instructions", Label: "批示", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionOrderTalk}, MaxLen: 2000}},
		},
	})
	if err != nil || done.Decision != DecisionOrderTalk {
		return err
	}
	q.inq.Letters[letter].TalkOrdered = true
	q.refresh(ctx)
	if err := q.audit(ctx, "领导责令约谈", activities.AuditRequest{
		Actor: done.Actor.ID, Action: "inquiry.talk_ordered",
		Detail: map[string]any{"letter": letter + 1, "instructions": done.Text("instructions")},
	}); err != nil {
		return err
	}
	_, err = q.humanStep(ctx, StepSpec{
		Key: answerKey + "-talk", Step: "late_answer_talk", Title: "约谈逾期未复函询干部：" + q.in.CadreName,
		OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionHeld, Label: "已约谈"}},
			Form:      []schemas.FormField{{Name: "record", Label: "约谈记录", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
		},
	})
	return err
}

var inquiryDecisionLabels = map[string]string{
	schemas.InqClarified: "了结澄清", schemas.InqReminderTalk: "谈话提醒", schemas.InqAdmonish: "诫勉",
	schemas.InqSecondLetter: "再次函询", schemas.InqVerify: "进一步核实", schemas.InqRefer: "移送纪委",
}

// untrueAllows lists what an untrue answer may lead to: it may not be closed as clarified, talked
// away with a reminder, or asked again (《纪律处分条例》art. 81).
var untrueAllows = []string{schemas.InqAdmonish, schemas.InqVerify, schemas.InqRefer}

// assess runs the supervisor's assessment, with verifications in between, until the outcome
// is settled. It answers true when a second letter goes out (back to drafting).
func (q *inquiry) assess(ctx workflow.Context) (bool, error) {
	decisions := []schemas.Decision{
		{Key: schemas.InqClarified, Label: "了结澄清"}, {Key: schemas.InqReminderTalk, Label: "谈话提醒"},
		{Key: schemas.InqAdmonish, Label: "诫勉"}, {Key: schemas.InqSecondLetter, Label: "再次函询"},
		{Key: schemas.InqVerify, Label: "进一步核实"}, {Key: schemas.InqRefer, Label: "移送纪委"},
	}
	form := []schemas.FormField{
		{Name: "answer_finding", Label: "答复情况（truthful 如实说明 / vague 说明不清 / untrue 不如实说明）", Type: schemas.FieldSelect, Required: true,
			Options: []string{schemas.AnswerTruthful, schemas.AnswerVague, schemas.AnswerUntrue}},
		{Name: "opinion", Label: "研判意见（诫勉时为诫勉事由）", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
		{Name: "clarification_letter", Label: "澄清函", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.InqClarified}, MaxLen: 10000},
		{Name: "verify_scope", Label: "核实事项", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.InqVerify}, MaxLen: 5000},
	}
	validate := func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
		finding, _ := req.Form["answer_finding"].(string)
		if finding == schemas.AnswerUntrue && !contains(untrueAllows, req.Decision) {
			return []schemas.FieldIssue{{Field: "decision", Message: "答复不如实的，须从严处理：诫勉、进一步核实或移送纪委"}}
		}
		if req.Decision == schemas.InqClarified && finding != schemas.AnswerTruthful {
			return []schemas.FieldIssue{{Field: "decision", Message: "答复如实说明的，方可了结澄清"}}
		}
		return nil
	}
	for {
		if err := q.setStage(ctx, "assessing"); err != nil {
			return false, err
		}
		q.assessments++
		done, err := q.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("assess-%d", q.assessments), Step: "assess_answer", Title: "研判函询答复：" + q.in.CadreName,
			OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: inquiryAssessPeriod,
			Spec: schemas.TaskSpec{Decisions: decisions, Form: form}, Validate: validate,
		})
		if err != nil {
			return false, err
		}
		finding := done.Text("answer_finding")
		q.inq.AnswerFinding = finding
		if finding == schemas.AnswerUntrue && !q.inq.Untrue {
			q.inq.Untrue = true
			if err := q.audit(ctx, "记录答复不如实", activities.AuditRequest{
				Actor: done.Actor.ID, Action: "inquiry.answer_untrue",
				Detail: map[string]any{"letter": len(q.inq.Letters), "opinion": done.Text("opinion")},
			}); err != nil {
				return false, err
			}
		}
		switch done.Decision {
		case schemas.InqVerify:
			if err := q.verify(ctx); err != nil {
				return false, err
			}
			continue
		case schemas.InqSecondLetter:
			q.refresh(ctx)
			return true, nil
		}
		q.inq.Decision = done.Decision
		return false, q.settle(ctx, done)
	}
}

// verify has an investigator check what the supervisor asks (进一步核实).
func (q *inquiry) verify(ctx workflow.Context) error {
	if err := q.setStage(ctx, "verifying"); err != nil {
		return err
	}
	q.verifications++
	done, err := q.humanStep(ctx, StepSpec{
		Key: fmt.Sprintf("verify-%d", q.verifications), Step: "verify_answer", Title: "核实函询答复：" + q.in.CadreName,
		OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleInvestigator, Period: inquiryVerifyPeriod, DeadlineSummary: "核实期限",
		Spec: schemas.TaskSpec{
			Decisions: verifyDecisions,
			Form:      []schemas.FormField{{Name: "report", Label: "核实报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
		},
	})
	if err != nil {
		return err
	}
	q.inq.Verifications = append(q.inq.Verifications, done.Decision)
	q.refresh(ctx)
	return nil
}

// settle carries out the final assessment.
func (q *inquiry) settle(ctx workflow.Context, done Completion) error {
	outcome := inquiryDecisionLabels[done.Decision]
	switch done.Decision {
	case schemas.InqClarified:
		q.inq.ClarificationLetter = done.Text("clarification_letter")
		if err := q.notify(ctx, "送达澄清函", activities.NotifyRequest{
			Kind: notify.KindInfo, To: []string{q.in.CadreID},
			Role: string(schemas.RoleUnitPrincipal), OrgUnit: q.in.CadreUnitID,
			Title: "澄清函：" + q.in.CadreName, Body: q.inq.ClarificationLetter,
		}); err != nil {
			return err
		}
	case schemas.InqReminderTalk:
		if _, err := q.humanStep(ctx, StepSpec{
			Stage: "talking", Key: fmt.Sprintf("remind-talk-%d", q.assessments), Step: "reminder_talk", Title: "谈话提醒：" + q.in.CadreName,
			OrgUnitID: q.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: inquiryTalkPeriod,
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionHeld, Label: "已谈话"}},
				Form:      []schemas.FormField{{Name: "record", Label: "谈话记录", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
			},
		}); err != nil {
			return err
		}
	case schemas.InqAdmonish:
		grounds := done.Text("opinion")
		id, err := q.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAdmonishment, Key: fmt.Sprintf("admonish-%d", q.assessments),
			Title: "诫勉：" + q.in.CadreName, OrgUnitID: q.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AdmonishmentInput{
					CaseID: caseID, Title: "诫勉：" + q.in.CadreName, OrgUnitID: q.in.OrgUnitID, CreatedBy: done.Actor.ID,
					Priority: q.state.Priority, CadreID: q.in.CadreID, CadreName: q.in.CadreName, CadreUnitID: q.in.CadreUnitID,
					Grounds: grounds, Source: schemas.AdmSourceInquiry, SourceCaseID: q.state.ID,
				}
			},
		})
		if err != nil {
			return err
		}
		q.inq.LinkedCaseID = id
		outcome += "（" + id + "）"
	case schemas.InqRefer:
		if err := q.referToDiscipline(ctx, Referral{
			Key: "inquiry", Subject: q.in.CadreName, What: "函询" + q.in.CadreName + "：" + done.Text("opinion"),
			Actor: done.Actor.ID, Action: "inquiry.referred_to_discipline",
			Detail: map[string]any{"opinion": done.Text("opinion"), "untrue": q.inq.Untrue},
		}); err != nil {
			return err
		}
	}
	if q.inq.Untrue {
		outcome += "；答复不如实"
	}
	q.state.Outcome = outcome
	q.refresh(ctx)
	return nil
}
