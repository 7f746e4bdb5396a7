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

// MattersCheck is P8 steps 5–9 of DOMAIN.md, 个人有关事项报告查核: the agencies are queried in
// parallel, each a step with its own deadline; the investigator compares their answers with the
// report; a mismatch asks the cadre to explain in writing; the supervisor proposes 一致 / 漏报 /
// 瞒报 with the handling and the leader approves it; a 瞒报 finding bars the cadre from promotion.
// P10 runs it as a child workflow and reads CaseState.MattersCheck.Finding from its result.
func MattersCheck(ctx workflow.Context, in schemas.MattersCheckInput) (schemas.CaseState, error) {
	m := &mattersCheck{
		caseRun: newCaseRun(in.CaseID, schemas.KindMattersCheck, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, mattersCheckStages),
		in:      in,
		mc: &schemas.MattersCheckState{
			CadreID: in.CadreID, CadreName: in.CadreName, CadreUnitID: in.CadreUnitID,
			Year: in.Year, Reason: in.Reason,
		},
	}
	for _, ag := range schemas.MattersAgencies {
		m.mc.Agencies = append(m.mc.Agencies, schemas.MattersAgencyQuery{MattersAgency: ag})
	}
	m.state.MattersCheck = m.mc
	m.addSubjects(in.CadreID)
	m.cancelAtOffice(in.OrgUnitID)
	return m.runCase(ctx, m.run)
}

var mattersCheckStages = map[string]string{
	"querying":   "部门查询",
	"comparing":  "比对核查",
	"explaining": "本人说明",
	"proposing":  "提出认定意见",
	"approving":  "审批认定结果",
	"closed":     "已办结",
}

// Step periods: the agencies' 15 working days and the cadre's 5 are DOMAIN.md P8 [policy], as
// are the comparison's, the proposal's and the approval's; the 瞒报 bar is 1 year [policy].
var (
	mattersAgencyPeriod  = calendar.Period{N: 15, Unit: calendar.WorkingDays}
	mattersComparePeriod = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	mattersExplainPeriod = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	mattersProposePeriod = calendar.Period{N: 10, Unit: calendar.WorkingDays}
	mattersApprovePeriod = calendar.Period{N: 5, Unit: calendar.WorkingDays}
	mattersBarPeriod     = calendar.Period{N: 12, Unit: calendar.Months}
)

// mattersFindingLabels are the findings in Chinese, as the proposal offers them and the
// outcome says them.
var mattersFindingLabels = map[schemas.MattersFinding]string{
	schemas.FindingConsistent: "一致",
	schemas.FindingOmitted:    "漏报",
	schemas.FindingConcealed:  "瞒报",
}

type mattersCheck struct {
	*caseRun
	in schemas.MattersCheckInput
	mc *schemas.MattersCheckState
	// differences is what the investigator found apart, for the cadre and the proposal.
	differences string
}

func (m *mattersCheck) run(ctx workflow.Context) error {
	if err := m.open(ctx, "querying", map[string]any{
		"cadre_id": m.in.CadreID, "year": m.in.Year, "reason": m.in.Reason, "source_case_id": m.in.SourceCaseID, "grounds": m.in.Grounds,
	}); err != nil {
		return err
	}
	answers, err := m.queryAgencies(ctx)
	if err != nil {
		return err
	}
	consistent, err := m.compare(ctx, answers)
	if err != nil {
		return err
	}
	if consistent {
		m.mc.Finding = schemas.FindingConsistent
		m.state.Outcome = "查核结果：一致"
		return m.tellCadre(ctx)
	}
	m.mc.Mismatch = true
	m.refresh(ctx)
	explanation, err := m.explain(ctx)
	if err != nil {
		return err
	}
	if err := m.decide(ctx, answers, explanation); err != nil {
		return err
	}
	return m.tellCadre(ctx)
}

// queryAgencies is step 5: one step per agency, side by side, each with its own 15 working
// days and the default ladder. The demo tree has no agency org units, so each query is a task
// of the checking office's investigators, who send the query and record the agency's answer.
// It answers the agencies' replies, in the agencies' order, for the comparison's notes.
func (m *mattersCheck) queryAgencies(ctx workflow.Context) ([]string, error) {
	answers := make([]string, len(m.mc.Agencies))
	branches := make([]func(workflow.Context) error, len(m.mc.Agencies))
	for i := range m.mc.Agencies {
		ag := &m.mc.Agencies[i]
		branches[i] = func(gctx workflow.Context) error {
			done, err := m.humanStep(gctx, StepSpec{
				Key: "agency-" + ag.Key, Step: "agency_query", Title: fmt.Sprintf("查询%s：%s", ag.Name, m.in.CadreName),
				OrgUnitID: m.in.OrgUnitID, Role: schemas.RoleInvestigator, Period: mattersAgencyPeriod,
				DeadlineSummary: "部门反馈期限",
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("录入反馈结果"),
					Form: []schemas.FormField{
						{Name: "reply", Label: "反馈情况", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
					},
				},
			})
			if err != nil {
				return err
			}
			at := done.At
			ag.AnsweredAt = &at
			answers[i] = ag.Name + "：" + done.Text("reply")
			m.refresh(gctx)
			return nil
		}
	}
	return answers, inParallel(ctx, branches...)
}

// compare is step 6: the investigator compares the report with the answers.
func (m *mattersCheck) compare(ctx workflow.Context, answers []string) (bool, error) {
	done, err := m.humanStep(ctx, StepSpec{
		Stage: "comparing", Key: "compare", Step: "compare_report", Title: "比对个人有关事项报告：" + m.in.CadreName,
		OrgUnitID: m.in.OrgUnitID, Role: schemas.RoleInvestigator, Period: mattersComparePeriod,
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{
				{Key: string(schemas.FindingConsistent), Label: "一致"},
				{Key: DecisionMismatch, Label: "不一致，请本人说明"},
			},
			Form: []schemas.FormField{
				{Name: "differences", Label: "不一致的事项", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionMismatch}, MaxLen: 10000},
			},
			Notes: answers,
		},
	})
	if err != nil {
		return false, err
	}
	if done.Decision == DecisionMismatch {
		m.differences = done.Text("differences")
	}
	return done.Decision == string(schemas.FindingConsistent), nil
}

// explain is step 6's mismatch: the cadre explains in writing, their own task.
func (m *mattersCheck) explain(ctx workflow.Context) (string, error) {
	done, err := m.humanStep(ctx, StepSpec{
		Stage: "explaining", Key: "explain", Step: "explain_mismatch", Title: "就个人有关事项报告不一致作出说明",
		OrgUnitID: m.in.CadreUnitID, Role: schemas.RoleSupervisedCadre, AssigneeID: m.in.CadreID, Period: mattersExplainPeriod,
		Spec: schemas.TaskSpec{
			Decisions: submitDecisions("提交说明"),
			Form:      []schemas.FormField{{Name: "explanation", Label: "书面说明", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
			Notes:     []string{"查核发现不一致的事项：" + m.differences},
		},
	})
	return done.Text("explanation"), err
}

// decide is step 7 and the handling of step 8: the supervisor (with the cadre section)
// proposes the finding and its handling, the leader approves or returns it.
func (m *mattersCheck) decide(ctx workflow.Context, answers []string, explanation string) error {
	notes := append([]string{"不一致的事项：" + m.differences, "本人说明：" + explanation}, answers...)
	// From this version on the proposal says whether the handling includes 诫勉 and whether a
	// discipline clue goes to the commission, and the approved finding acts on both (step 8).
	followOns := workflow.GetVersion(ctx, versionMattersFollowOns, workflow.DefaultVersion, 1) == 1
	proposal, approval, err := m.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			spec := StepSpec{
				Stage: "proposing", Key: fmt.Sprintf("propose-%d", round), Step: "propose_finding",
				Title:     "提出查核认定意见：" + m.in.CadreName,
				OrgUnitID: m.in.OrgUnitID, Role: schemas.RoleSupervisor, Period: mattersProposePeriod,
				Spec: schemas.TaskSpec{
					Decisions: []schemas.Decision{
						{Key: string(schemas.FindingConsistent), Label: "认定一致"},
						{Key: string(schemas.FindingOmitted), Label: "认定漏报"},
						{Key: string(schemas.FindingConcealed), Label: "认定瞒报"},
					},
					Form: []schemas.FormField{
						{Name: "opinion", Label: "认定意见（会同干部处）", Type: schemas.FieldTextarea, Required: true, MaxLen: 5000},
						{Name: "handling", Label: "处理意见（批评教育、责令检查、诫勉、取消考察对象资格、调离岗位等）", Type: schemas.FieldTextarea,
							RequiredFor: []string{string(schemas.FindingOmitted), string(schemas.FindingConcealed)}, MaxLen: 5000},
					},
					Notes: notes,
				},
			}
			if followOns {
				spec.Spec.Form = append(spec.Spec.Form,
					schemas.FormField{Name: "admonish", Label: "处理含诫勉（另立诫勉谈话案件）", Type: schemas.FieldBool},
					schemas.FormField{Name: "refer", Label: "发现违纪线索，移送纪委", Type: schemas.FieldBool},
					schemas.FormField{Name: "clue", Label: "违纪线索", Type: schemas.FieldTextarea, MaxLen: 5000})
				spec.Validate = followOnsValid
			}
			if round > 1 {
				spec.Title = fmt.Sprintf("修改查核认定意见（第%d稿）：%s", round, m.in.CadreName)
				spec.Spec.Notes = append([]string{
					"退回意见：" + returned.Text("opinion"),
					"上一稿：" + mattersFindingLabels[schemas.MattersFinding(last.Decision)] + "；" + last.Text("opinion"),
				}, notes...)
			}
			return spec
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Stage: "approving", Key: fmt.Sprintf("approve-%d", round), Step: "approve_finding", Title: "审批查核认定结果：" + m.in.CadreName,
				OrgUnitID: m.in.OrgUnitID, Role: schemas.RoleLeader, Period: mattersApprovePeriod,
				Spec: approvalSpec("同意认定"),
			}
		},
	})
	if err != nil {
		return err
	}
	m.mc.Finding = schemas.MattersFinding(proposal.Decision)
	m.mc.Handling = proposal.Text("handling")
	m.state.Outcome = "查核结果：" + mattersFindingLabels[m.mc.Finding]
	if m.mc.Handling != "" {
		m.state.Outcome += "；处理：" + m.mc.Handling
	}
	if err := m.audit(ctx, "记录查核认定与处理", activities.AuditRequest{
		Actor: approval.Actor.ID, Action: "matters.finding_approved",
		Detail: map[string]any{"cadre_id": m.in.CadreID, "finding": m.mc.Finding, "handling": m.mc.Handling, "proposed_by": proposal.Actor.ID},
	}); err != nil {
		return err
	}
	if m.mc.Finding == schemas.FindingConcealed {
		if err := m.bar(ctx, approval.At); err != nil {
			return err
		}
	}
	if followOns {
		if err := m.followOns(ctx, proposal, approval); err != nil {
			return err
		}
	}
	// A 瞒报 of a cadre a selection appointed opens its 倒查 (DOMAIN.md P13).
	if m.mc.Finding == schemas.FindingConcealed && workflow.GetVersion(ctx, versionMattersSelectionReview, workflow.DefaultVersion, 1) == 1 {
		ids, err := m.openSelectionReviews(ctx, m.in.CadreID, schemas.ReviewTriggerMattersCheck,
			fmt.Sprintf("%s个人有关事项报告查核认定瞒报：%s", m.state.ID, proposal.Text("opinion")), approval.Actor.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			m.state.Outcome += "；选拔任用倒查（" + id + "）"
		}
	}
	m.refresh(ctx)
	return nil
}

// versionMattersSelectionReview guards the 倒查 a 瞒报 finding opens: histories from before
// ended without looking for the selections.
const versionMattersSelectionReview = "matters-selection-review"

// versionMattersFollowOns guards the proposal's 诫勉 and 移送纪委 fields and what they start:
// histories recorded before it have neither.
const versionMattersFollowOns = "matters-check-follow-ons"

// followOnsValid: 诫勉 and a referral follow from a 漏报 or 瞒报 finding, and a referral names
// its clue.
func followOnsValid(req schemas.CompleteTaskRequest) []schemas.FieldIssue {
	var issues []schemas.FieldIssue
	admonish, _ := req.Form["admonish"].(bool)
	refer, _ := req.Form["refer"].(bool)
	if req.Decision == string(schemas.FindingConsistent) {
		if admonish {
			issues = append(issues, schemas.FieldIssue{Field: "admonish", Message: "认定一致的，不得提出诫勉"})
		}
		if refer {
			issues = append(issues, schemas.FieldIssue{Field: "refer", Message: "认定一致的，不得移送纪委"})
		}
	}
	if clue, _ := req.Form["clue"].(string); refer && strings.TrimSpace(clue) == "" {
		issues = append(issues, schemas.FieldIssue{Field: "clue", Message: "移送纪委须写明违纪线索"})
	}
	return issues
}

// followOns is step 8's follow-ons of an approved finding: a handling of 诫勉 starts a P4
// admonishment as a linked case; a discipline clue is referred to the commission (移送纪委,
// the referral's receipt step).
func (m *mattersCheck) followOns(ctx workflow.Context, proposal, approval Completion) error {
	if proposal.Bool("admonish") {
		title := "诫勉：" + m.in.CadreName
		grounds := fmt.Sprintf("%s个人有关事项报告查核认定%s：%s", m.state.ID, mattersFindingLabels[m.mc.Finding], proposal.Text("opinion"))
		id, err := m.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindAdmonishment, Key: "admonish", Title: title, OrgUnitID: m.in.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.AdmonishmentInput{
					CaseID: caseID, Title: title, OrgUnitID: m.in.OrgUnitID, CreatedBy: approval.Actor.ID,
					Priority: m.state.Priority, CadreID: m.in.CadreID, CadreName: m.in.CadreName, CadreUnitID: m.in.CadreUnitID,
					Grounds: grounds, Source: schemas.AdmSourceMatters, SourceCaseID: m.state.ID,
				}
			},
		})
		if err != nil {
			return err
		}
		m.mc.AdmonishmentCaseID = id
		m.state.Outcome += "；诫勉（" + id + "）"
		m.refresh(ctx)
	}
	if proposal.Bool("refer") {
		if err := m.referToDiscipline(ctx, Referral{
			Key: "matters", Subject: m.in.CadreName, What: "个人有关事项报告查核发现违纪线索：" + proposal.Text("clue"),
			Actor: approval.Actor.ID, Action: "matters.referred_to_discipline",
			Detail: map[string]any{"cadre_id": m.in.CadreID, "finding": m.mc.Finding, "proposed_by": proposal.Actor.ID},
		}); err != nil {
			return err
		}
		m.mc.Referred = true
		m.state.Outcome += "；已移送纪委"
	}
	return nil
}

// bar is step 9 for 瞒报: no promotion or reuse for a year from the finding.
func (m *mattersCheck) bar(ctx workflow.Context, from time.Time) error {
	end, err := m.deadlineFrom(ctx, from, mattersBarPeriod, "计算不得提拔任用期限")
	if err != nil {
		return err
	}
	if err := m.exec(ctx, "记录任用限制", acts.RecordRestriction, activities.RestrictionRequest{
		CaseID: m.state.ID, OfficialID: m.in.CadreID, Kind: schemas.RestrictionNoPromotion,
		Reason: "个人有关事项报告瞒报：一年内不得提拔任用、不得列为后备干部", StartsAt: from, EndsAt: end, At: workflow.Now(ctx),
	}); err != nil {
		return err
	}
	m.mc.BarUntil = &end
	m.state.Outcome += "；一年内不得提拔任用"
	m.refresh(ctx)
	return nil
}

// tellCadre tells the cadre the finding (step 9).
func (m *mattersCheck) tellCadre(ctx workflow.Context) error {
	return m.notify(ctx, "告知本人查核结果", activities.NotifyRequest{
		Kind: notify.KindInfo, To: []string{m.in.CadreID},
		Title: fmt.Sprintf("%d年度个人有关事项报告查核结果", m.in.Year),
		Body:  fmt.Sprintf("%s：%s。", m.state.ID, m.state.Outcome),
	})
}
