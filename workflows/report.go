package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Report is P6 of DOMAIN.md, 12380 举报受理查核: acceptance, triage, verification (here, or by a
// lower office through a transfer, P7), finding and handling, clarification, feedback.
//
// The workflow never holds the reporter's identity: the report row keeps it sealed, and the case
// knows only the report id (its own id) and whether the report is signed.
func Report(ctx workflow.Context, in schemas.ReportInput) (schemas.CaseState, error) {
	r := &report{
		caseRun: newCaseRun(in.CaseID, schemas.KindReport, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, reportStages),
		in:      in,
		rep:     &schemas.ReportState{Channel: in.Channel, Signed: in.Signed, Followable: in.Followable},
	}
	r.state.Report = r.rep
	r.addSubjects(in.SubjectID)
	r.cancelAtOffice(in.OrgUnitID)
	r.transferResults = workflow.GetSignalChannel(ctx, schemas.SignalTransferResult)
	return r.runCase(ctx, r.run)
}

var reportStages = map[string]string{
	"accepting":   "受理审查",
	"triaging":    "研判分流",
	"verifying":   "核查",
	"transferred": "转办下级",
	"finding":     "认定处理",
	"clarifying":  "澄清正名",
	"handling":    "后续处理",
	"feedback":    "反馈",
	"closed":      "已办结",
}

type report struct {
	*caseRun
	in              schemas.ReportInput
	rep             *schemas.ReportState
	transferResults workflow.ReceiveChannel
	transfers       int
}

var (
	findingDecisions = []schemas.Decision{
		{Key: schemas.FindingSubstantiated, Label: "属实"},
		{Key: schemas.FindingPartly, Label: "部分属实"},
		{Key: schemas.FindingUnfounded, Label: "不属实"},
	}
	// verifyDecisions are a verification's findings, which may also be that nothing can be verified.
	verifyDecisions = append(slices.Clip(findingDecisions), schemas.Decision{Key: schemas.FindingUnverifiable, Label: "无法查实"})
	handlingLabels  = map[string]string{
		schemas.HandleNone: "不作处理", schemas.HandleAdmonish: "诫勉", schemas.HandleInquiry: "函询",
		schemas.HandleOrg: "组织处理", schemas.HandleDiscipline: "移送纪委",
	}
	triageLabels = map[string]string{
		schemas.TriageVerify: "登记核查", schemas.TriageTalk: "谈话提醒", schemas.TriageInquiry: "函询",
		schemas.TriageFile: "存档备查", schemas.TriageTransfer: "转下级办理", schemas.TriagePublicity: "并入任前公示",
	}
)

func (r *report) run(ctx workflow.Context) error {
	if err := r.open(ctx, "accepting", map[string]any{"channel": r.in.Channel, "signed": r.in.Signed}); err != nil {
		return err
	}
	accepted, err := r.accept(ctx)
	if err != nil || !accepted {
		return err
	}
	if err := r.triage(ctx); err != nil {
		return err
	}
	return r.feedback(ctx)
}

// updateRow keeps the report row (what the reporter reads by query code) current.
func (r *report) updateRow(ctx workflow.Context, status, feedback string) error {
	return r.exec(ctx, "更新举报状态", acts.UpdateReport, activities.ReportUpdate{
		ID: r.state.ID, Status: status, Feedback: feedback, At: workflow.Now(ctx),
	})
}

// accept is step 2: the clerk accepts the report, or finds it out of scope and forwards it.
func (r *report) accept(ctx workflow.Context) (bool, error) {
	done, err := r.humanStep(ctx, StepSpec{
		Key: "accept", Step: "accept_report", Title: "受理审查：" + r.in.SubjectName,
		OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleIntakeClerk,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "受理期限",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionAccept, Label: "予以受理"}, {Key: DecisionOutOfScope, Label: "不属于受理范围（转有关部门）"}},
			Form: []schemas.FormField{
				{Name: "forward_to", Label: "转交单位", Type: schemas.FieldText, RequiredFor: []string{DecisionOutOfScope}, MaxLen: 200},
				{Name: "note", Label: "受理意见", Type: schemas.FieldTextarea, MaxLen: 2000},
			},
		},
	})
	if err != nil {
		return false, err
	}
	ok := done.Decision == DecisionAccept
	r.rep.Accepted = &ok
	if ok {
		return true, r.updateRow(ctx, schemas.ReportAccepted, "")
	}
	r.rep.ForwardedTo = done.Text("forward_to")
	r.state.Outcome = "不属于受理范围，已转" + r.rep.ForwardedTo
	if err := r.audit(ctx, "转有关部门", activities.AuditRequest{Actor: done.Actor.ID, Action: "report.forwarded", Detail: map[string]string{"to": r.rep.ForwardedTo}}); err != nil {
		return false, err
	}
	if err := r.updateRow(ctx, schemas.ReportForwarded, ""); err != nil {
		return false, err
	}
	return false, r.feedback(ctx)
}

// triage is step 3; the supervisor decides where the report goes. A publicity case that cannot
// be reached sends the report back to triage.
func (r *report) triage(ctx workflow.Context) error {
	for round := 1; ; round++ {
		if err := r.setStage(ctx, "triaging"); err != nil {
			return err
		}
		decisions := []schemas.Decision{
			{Key: schemas.TriageVerify, Label: "线索具体，登记核查"},
			{Key: schemas.TriageTalk, Label: "谈话提醒"},
			{Key: schemas.TriageInquiry, Label: "函询"},
			{Key: schemas.TriageFile, Label: "存档备查"},
			{Key: schemas.TriagePublicity, Label: "反映公示人选，并入任前公示"},
		}
		var lower []string
		for _, o := range r.in.LowerOffices {
			lower = append(lower, o.ID)
		}
		if len(lower) > 0 {
			decisions = append(decisions, schemas.Decision{Key: schemas.TriageTransfer, Label: "属下级管理，转下级办理"})
		}
		done, err := r.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("triage-%d", round), Step: "triage_report", Title: "研判分流：" + r.in.SubjectName,
			OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor,
			Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
			Spec: schemas.TaskSpec{Decisions: decisions, Form: []schemas.FormField{
				{Name: "opinion", Label: "研判意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000},
				{Name: "transfer_to", Label: "转办单位", Type: schemas.FieldSelect, Options: lower, RequiredFor: []string{schemas.TriageTransfer}},
				{Name: "instructions", Label: "核查要求", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.TriageTransfer}, MaxLen: 5000},
				{Name: "publicity_case_id", Label: "任前公示案件编号", Type: schemas.FieldText, RequiredFor: []string{schemas.TriagePublicity}, MaxLen: 64},
				{Name: "candidate_id", Label: "公示人选编号", Type: schemas.FieldText, RequiredFor: []string{schemas.TriagePublicity}, MaxLen: 16},
				{Name: "serious", Label: "匿名但反映问题严重、具体、线索清楚", Type: schemas.FieldBool},
				{Name: "objection_summary", Label: "反映问题摘要（不含举报人信息）", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.TriagePublicity}, MaxLen: 5000},
			}},
			Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
				if req.Decision == schemas.TriageInquiry && r.in.SubjectID == "" {
					return []schemas.FieldIssue{{Field: "decision", Message: "被反映人未登记为系统人员，无法函询"}}
				}
				if req.Decision == schemas.TriagePublicity {
					if id, _ := req.Form["publicity_case_id"].(string); !strings.HasPrefix(id, string(schemas.KindPublicity)+"-") {
						return []schemas.FieldIssue{{Field: "form.publicity_case_id", Message: "须为任前公示案件编号"}}
					}
				}
				return nil
			},
		})
		if err != nil {
			return err
		}
		r.rep.Triage = done.Decision
		if err := r.audit(ctx, "研判分流："+triageLabels[done.Decision], activities.AuditRequest{Actor: done.Actor.ID, Action: "report.triaged", Detail: map[string]string{"decision": done.Decision}}); err != nil {
			return err
		}
		switch done.Decision {
		case schemas.TriageVerify:
			if err := r.updateRow(ctx, schemas.ReportInProgress, ""); err != nil {
				return err
			}
			if err := r.verify(ctx); err != nil {
				return err
			}
			return r.findAndHandle(ctx, "")
		case schemas.TriageTalk:
			return r.talk(ctx)
		case schemas.TriageInquiry:
			id, err := r.startInquiry(ctx, "inquiry-triage", done.Text("opinion"), done.Actor.ID)
			if err != nil {
				return err
			}
			r.state.Outcome = "函询：" + id
			return nil
		case schemas.TriageFile:
			r.state.Outcome = "存档备查"
			return nil
		case schemas.TriageTransfer:
			return r.transfer(ctx, done)
		case schemas.TriagePublicity:
			attached, err := r.attachToPublicity(ctx, done)
			if err != nil || attached {
				return err
			}
		}
	}
}

// verify is step 4: the investigator verifies within 60 working days; one extension of up to
// 30, approved by the leader. A refused extension leaves 10 working days [policy] to finish.
func (r *report) verify(ctx workflow.Context) error {
	if err := r.setStage(ctx, "verifying"); err != nil {
		return err
	}
	period := calendar.Period{N: 60, Unit: calendar.WorkingDays}
	for round := 1; ; round++ {
		decisions := []schemas.Decision{{Key: DecisionSubmit, Label: "提交核查报告"}}
		if !r.rep.Extended {
			decisions = append(decisions, schemas.Decision{Key: DecisionRequestExtension, Label: "申请延期"})
		}
		title := "核查举报：" + r.in.SubjectName
		if round > 1 {
			title += fmt.Sprintf("（第%d阶段）", round)
		}
		done, err := r.humanStep(ctx, StepSpec{
			Key: fmt.Sprintf("verify-%d", round), Step: "verify_report", Title: title,
			OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleInvestigator, Period: period,
			DeadlineSummary: "核查期限",
			Spec: schemas.TaskSpec{Decisions: decisions, Form: []schemas.FormField{
				{Name: "report", Label: "核查报告", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionSubmit}, MaxLen: 20000},
				{Name: "extension_days", Label: "延期（工作日）", Type: schemas.FieldSelect, Options: []string{"5", "10", "15", "20", "25", "30"}, RequiredFor: []string{DecisionRequestExtension}},
				{Name: "reason", Label: "延期理由", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionRequestExtension}, MaxLen: 2000},
			}},
		})
		if err != nil {
			return err
		}
		if done.Decision == DecisionSubmit {
			return nil
		}
		r.rep.Extended = true
		days := done.Text("extension_days")
		approval, err := r.humanStep(ctx, StepSpec{
			Key: "extend", Step: "approve_extension", Title: "审批核查延期（" + days + "个工作日）：" + r.in.SubjectName,
			OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleLeader,
			Period: calendar.Period{N: 3, Unit: calendar.WorkingDays},
			Spec: schemas.TaskSpec{
				Decisions: []schemas.Decision{{Key: DecisionApprove, Label: "同意延期"}, {Key: DecisionRefuse, Label: "不同意延期"}},
				Form:      []schemas.FormField{{Name: "opinion", Label: "审批意见", Type: schemas.FieldTextarea, MaxLen: 2000}},
			},
		})
		if err != nil {
			return err
		}
		period = calendar.Period{N: 10, Unit: calendar.WorkingDays}
		if approval.Decision == DecisionApprove {
			n, _ := strconv.Atoi(days) // one of the select's options
			period = calendar.Period{N: n, Unit: calendar.WorkingDays}
		}
		if err := r.audit(ctx, "核查延期："+approval.Decision, activities.AuditRequest{Actor: approval.Actor.ID, Action: "report.extension_" + approval.Decision, Detail: map[string]string{"days": days}}); err != nil {
			return err
		}
	}
}

// findAndHandle is step 5 at this office: the supervisor records the finding and the handling;
// an unfounded report ends with the cadre's clarification. note is what the lower office found,
// when the result came back through a transfer.
func (r *report) findAndHandle(ctx workflow.Context, note string) error {
	if err := r.setStage(ctx, "finding"); err != nil {
		return err
	}
	title := "认定核查结果：" + r.in.SubjectName
	if note != "" {
		title = "认定下级核查结果：" + r.in.SubjectName
	}
	handlings := []string{schemas.HandleNone, schemas.HandleAdmonish, schemas.HandleInquiry, schemas.HandleOrg, schemas.HandleDiscipline}
	done, err := r.humanStep(ctx, StepSpec{
		Key: "finding", Step: "record_finding", Title: title,
		OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{Decisions: findingDecisions, Form: []schemas.FormField{
			{Name: "handling", Label: "处理方式", Type: schemas.FieldSelect, Options: handlings,
				RequiredFor: []string{schemas.FindingSubstantiated, schemas.FindingPartly}},
			{Name: "opinion", Label: "认定意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
		}},
		Validate: func(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
			h, _ := req.Form["handling"].(string)
			switch {
			case req.Decision == schemas.FindingUnfounded && h != "" && h != schemas.HandleNone:
				return []schemas.FieldIssue{{Field: "form.handling", Message: "不属实的举报不作处理，应予澄清"}}
			case (h == schemas.HandleAdmonish || h == schemas.HandleInquiry) && r.in.SubjectID == "":
				return []schemas.FieldIssue{{Field: "form.handling", Message: "被反映人未登记为系统人员，无法启动诫勉或函询"}}
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	r.rep.Finding = done.Decision
	h := done.Text("handling")
	if h == "" {
		h = schemas.HandleNone
	}
	r.rep.Handling = h
	r.state.Outcome = decisionLabel(schemas.TaskSpec{Decisions: findingDecisions}, done.Decision)
	if done.Decision == schemas.FindingUnfounded {
		return r.clarify(ctx)
	}
	r.state.Outcome += "；" + handlingLabels[h]
	if err := r.setStage(ctx, "handling"); err != nil {
		return err
	}
	grounds := "12380举报核查" + r.state.Outcome + "：" + done.Text("opinion")
	// A report found 属实 about a cadre a selection appointed opens its 倒查 (DOMAIN.md P13).
	if done.Decision == schemas.FindingSubstantiated && r.in.SubjectID != "" &&
		workflow.GetVersion(ctx, versionReportSelectionReview, workflow.DefaultVersion, 1) == 1 {
		ids, err := r.openSelectionReviews(ctx, r.in.SubjectID, schemas.ReviewTriggerReport, r.state.ID+grounds, done.Actor.ID)
		if err != nil {
			return err
		}
		r.rep.LinkedCases = append(r.rep.LinkedCases, ids...)
	}
	switch h {
	case schemas.HandleAdmonish:
		id, err := r.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAdmonishment, Key: "admonish", Title: "诫勉：" + r.in.SubjectName, OrgUnitID: r.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AdmonishmentInput{
					CaseID: caseID, Title: "诫勉：" + r.in.SubjectName, OrgUnitID: r.in.OrgUnitID, CreatedBy: done.Actor.ID,
					Priority: r.state.Priority, CadreID: r.in.SubjectID, CadreName: r.in.SubjectName, CadreUnitID: r.in.SubjectUnitID,
					Grounds: grounds, Source: schemas.AdmSourceReport, SourceCaseID: r.state.ID,
				}
			},
		})
		if err != nil {
			return err
		}
		r.rep.LinkedCases = append(r.rep.LinkedCases, id)
	case schemas.HandleInquiry:
		id, err := r.startInquiry(ctx, "inquiry-finding", grounds, done.Actor.ID)
		if err != nil {
			return err
		}
		r.state.Outcome += "：" + id
	case schemas.HandleOrg:
		if err := r.audit(ctx, handlingLabels[h], activities.AuditRequest{Actor: done.Actor.ID, Action: "report.handled", Detail: map[string]string{"handling": h}}); err != nil {
			return err
		}
	case schemas.HandleDiscipline:
		if err := r.referToDiscipline(ctx, Referral{
			Key: "report", Subject: r.in.SubjectName, What: "反映" + r.in.SubjectName + "的问题经核查，" + done.Text("opinion"),
			Actor: done.Actor.ID, Action: "report.handled", Detail: map[string]string{"handling": h},
		}); err != nil {
			return err
		}
	}
	r.refresh(ctx)
	return nil
}

// versionReportSelectionReview guards the 倒查 a 属实 finding opens: histories from before went
// on to the handling without looking for the selections.
const versionReportSelectionReview = "report-selection-review"

func (r *report) startInquiry(ctx workflow.Context, key, grounds, actor string) (string, error) {
	id, err := r.startLinkedCase(ctx, LinkedCase{
		Kind: schemas.KindInquiry, Key: key, Title: "函询：" + r.in.SubjectName, OrgUnitID: r.in.OrgUnitID,
		Input: func(caseID string) any {
			return schemas.InquiryInput{
				CaseID: caseID, Title: "函询：" + r.in.SubjectName, OrgUnitID: r.in.OrgUnitID, CreatedBy: actor,
				Priority: r.state.Priority, CadreID: r.in.SubjectID, CadreName: r.in.SubjectName, CadreUnitID: r.in.SubjectUnitID,
				Grounds: grounds, SourceCaseID: r.state.ID,
			}
		},
	})
	if err == nil {
		r.rep.LinkedCases = append(r.rep.LinkedCases, id)
	}
	return id, err
}

// clarify: an unfounded report ends with the cadre's clarification (澄清正名).
func (r *report) clarify(ctx workflow.Context) error {
	if _, err := r.humanStep(ctx, StepSpec{
		Stage: "clarifying", Key: "clarify", Step: "clarify_cadre", Title: "澄清正名：" + r.in.SubjectName,
		OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionClarified, Label: "已澄清"}},
			Form:      []schemas.FormField{{Name: "how", Label: "澄清方式与范围", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000}},
		},
	}); err != nil {
		return err
	}
	r.rep.Clarified = true
	r.state.Outcome = "不属实；已澄清"
	return nil
}

// talk: a vague report handled by a reminder talk (谈话提醒) the supervisor records.
func (r *report) talk(ctx workflow.Context) error {
	if _, err := r.humanStep(ctx, StepSpec{
		Stage: "handling", Key: "talk", Step: "reminder_talk", Title: "谈话提醒：" + r.in.SubjectName,
		OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleSupervisor,
		Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionTalkDone, Label: "已谈话提醒"}},
			Form:      []schemas.FormField{{Name: "record", Label: "谈话记录", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000}},
		},
	}); err != nil {
		return err
	}
	r.state.Outcome = "谈话提醒"
	return nil
}

// transfer hands the report to a lower office (P7) and waits for the result: accepted by this
// office's review, it comes back here for the finding; taken over, this office verifies itself.
func (r *report) transfer(ctx workflow.Context, done Completion) error {
	lower := done.Text("transfer_to")
	var lowerName string
	for _, o := range r.in.LowerOffices {
		if o.ID == lower {
			lowerName = o.Name
		}
	}
	r.transfers++
	title := "转办：关于" + r.in.SubjectName + "的举报"
	id, err := r.startLinkedCase(ctx, LinkedCase{
		Kind: schemas.KindTransfer, Key: fmt.Sprintf("transfer-%d", r.transfers), Title: title, OrgUnitID: lower,
		Input: func(caseID string) any {
			return schemas.TransferInput{
				CaseID: caseID, Title: title, OrgUnitID: lower, CreatedBy: done.Actor.ID, Priority: r.state.Priority,
				ParentCaseID: r.state.ID, SuperiorOrgUnitID: r.in.OrgUnitID,
				Instructions: done.Text("instructions"), SubjectName: r.in.SubjectName, Subjects: r.state.Subjects,
			}
		},
	})
	if err != nil {
		return err
	}
	r.rep.TransferCaseID = id
	if err := r.setStage(ctx, "transferred"); err != nil {
		return err
	}
	if err := r.updateRow(ctx, schemas.ReportInProgress, ""); err != nil {
		return err
	}
	r.state.Outcome = "已转" + lowerName + "办理：" + id
	r.refresh(ctx)
	var res schemas.TransferResult
	for res.TransferID != id {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(r.transferResults, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, &res) })
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	r.rep.TransferOutcome, r.rep.TransferReport, r.rep.TransferAttachments = res.Outcome, res.Report, res.Attachments
	if err := r.audit(ctx, "转办结果："+id, activities.AuditRequest{Actor: "system", Action: "report.transfer_result", Detail: map[string]string{"transfer": id, "outcome": res.Outcome, "finding": res.Finding}}); err != nil {
		return err
	}
	if res.Outcome == schemas.TransferTakenOver {
		if err := r.verify(ctx); err != nil {
			return err
		}
		return r.findAndHandle(ctx, "")
	}
	return r.findAndHandle(ctx, res.Finding)
}

// attachToPublicity sends the report to the publicity case as an objection. It reports false
// (back to triage) when that case cannot be reached.
func (r *report) attachToPublicity(ctx workflow.Context, done Completion) (bool, error) {
	pubID := done.Text("publicity_case_id")
	sig := schemas.ReportObjection{ReportID: r.state.ID, Request: schemas.ObjectionRequest{
		Actor: done.Actor, CandidateID: done.Text("candidate_id"), Signed: r.in.Signed, Serious: done.Bool("serious"),
		Channel: r.in.Channel, Summary: done.Text("objection_summary"),
	}}
	err := workflow.SignalExternalWorkflow(ctx, pubID, "", schemas.SignalReportObjection, sig).Get(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, r.audit(ctx, "并入任前公示未成功", activities.AuditRequest{Actor: done.Actor.ID, Action: "report.publicity_unreachable", Detail: map[string]string{"publicity_case": pubID}})
	}
	r.rep.PublicityCaseID = pubID
	r.state.Outcome = "并入任前公示核查：" + pubID
	return true, r.audit(ctx, "并入任前公示："+pubID, activities.AuditRequest{Actor: done.Actor.ID, Action: "report.attached_to_publicity", Detail: map[string]string{"publicity_case": pubID, "candidate": sig.Request.CandidateID}})
}

// feedback is step 6: the clerk answers a real-name reporter, and a reporter holding a query
// code reads the same answer.
func (r *report) feedback(ctx workflow.Context) error {
	status := schemas.ReportConcluded
	if r.rep.Accepted != nil && !*r.rep.Accepted {
		status = schemas.ReportForwarded
	}
	if !r.in.Signed && !r.in.Followable {
		return r.updateRow(ctx, status, "")
	}
	done, err := r.humanStep(ctx, StepSpec{
		Stage: "feedback", Key: "feedback", Step: "feedback_reporter", Title: "向举报人反馈：" + r.in.SubjectName,
		OrgUnitID: r.in.OrgUnitID, Role: schemas.RoleIntakeClerk,
		Period:          calendar.Period{N: 10, Unit: calendar.WorkingDays},
		DeadlineSummary: "反馈期限",
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionSent, Label: "已反馈"}},
			Form: []schemas.FormField{
				{Name: "feedback", Label: "反馈内容（举报人可凭查询码查看）", Type: schemas.FieldTextarea, Required: true, MaxLen: 2000},
			},
		},
	})
	if err != nil {
		if errors.Is(err, errAbandoned) {
			return nil
		}
		return err
	}
	r.rep.FeedbackGiven = true
	return r.updateRow(ctx, status, done.Text("feedback"))
}
