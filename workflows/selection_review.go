package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/selection"
	"github.com/jiandu/jiandu/schemas"
)

// SelectionReview is 倒查 of DOMAIN.md P13: an appointee of a selection later proved 带病提拔
// (a P6 report 属实, a P8 check 瞒报, a discipline case). The case lays out each stage of the
// original selection from its record — who signed it, what it found about the appointee, what
// it missed given what came to light — for the supervisor to propose accountability
// (《干部选拔任用工作监督检查和责任追究办法》2019) and the leader to approve.
func SelectionReview(ctx workflow.Context, in schemas.SelectionReviewInput) (schemas.CaseState, error) {
	p := &selectionReviewRun{
		caseRun: newCaseRun(in.CaseID, schemas.KindSelectionReview, in.Title, in.OrgUnitID, in.CreatedBy, in.Priority, selectionReviewStages),
		in:      in,
	}
	cs := reviewedCandidate(in)
	p.rev = &schemas.SelectionReviewState{
		SelectionCaseID: in.SelectionCaseID, Trigger: in.Trigger, SourceCaseID: in.SourceCaseID, Grounds: in.Grounds,
		Stages: reviewStages(in.Selection, cs, in.Trigger),
	}
	if cs != nil {
		p.rev.OfficialID, p.rev.Name, p.rev.Post = cs.OfficialID, cs.Name, cs.ProposedPost
		p.addSubjects(cs.OfficialID)
	}
	p.recused = workflow.GetVersion(ctx, versionReviewSignersRecused, workflow.DefaultVersion, 1) >= 1
	if p.recused {
		p.addSubjects(reviewSigners(p.rev.Stages)...)
	}
	p.state.SelectionReview = p.rev
	p.cancelAtOffice(in.OrgUnitID)
	runCtx, err := p.setup(ctx)
	if err != nil {
		return schemas.CaseState{}, err
	}
	return p.finish(ctx, p.run(runCtx))
}

// versionReviewSignersRecused: every signer of the reviewed selection is a subject of its 倒查
// and the review's steps run at the superior organization department (reviewOffice). Cases
// started before it keep the appointee as their only subject and their steps at the
// selection's own office.
const versionReviewSignersRecused = "selection-review-signers-recused"

// reviewSigners are the officials the selection's record names as signers of its stages (who
// drafted, recorded, approved, appointed, reviewed the 纪实): each is a subject of the 倒查 of
// their own work (回避), so none may act on it, be given its tasks or read it (api/recusal.go).
func reviewSigners(stages []schemas.SelectionReviewStage) []string {
	var out []string
	for _, st := range stages {
		for _, id := range st.Signed {
			out = appendUnique(out, id)
		}
	}
	return out
}

// reviewRoles are the roles of the review's steps: the supervisor proposes, the leader approves.
var reviewRoles = []schemas.Role{schemas.RoleSupervisor, schemas.RoleLeader}

// reviewOffice decides where the review's steps run: the organization department one level
// above the selection's [policy] — the selection's office's own leaders, cadre section and
// supervisors usually all signed it, and its remaining officials would review their
// colleagues — and, at the root, the root's own office with its signers recused by the kernel.
// A role whose every holder there is a subject is reported to the root's admins and stated on
// the case (SelectionReviewState.Recused, the step's notes) instead of waiting unseen: its step
// stays in the role's queue for an official configured later. Whoever may cancel the case is
// then of that office too.
func (p *selectionReviewRun) reviewOffice(ctx workflow.Context) error {
	var got activities.ReviewOffice
	if err := p.exec(ctx, "确定倒查办理机关（回避）", acts.ReviewOffice, activities.ReviewOfficeRequest{
		CaseID: p.state.ID, OrgUnitID: p.in.OrgUnitID, Subjects: p.state.Subjects, Roles: reviewRoles, At: workflow.Now(ctx),
	}, &got); err != nil {
		return err
	}
	p.rev.OfficeID, p.rev.OfficeName, p.rev.Recused = got.OfficeID, got.OfficeName, got.Recused
	p.cancelAtOffice(got.OfficeID)
	return nil
}

// office is the org unit of the review's steps.
func (p *selectionReviewRun) office() string {
	if p.rev.OfficeID != "" {
		return p.rev.OfficeID
	}
	return p.in.OrgUnitID
}

// recusalNotes say who is recused and where the review runs, for the steps' notes.
func (p *selectionReviewRun) recusalNotes() []string {
	if !p.recused {
		return nil
	}
	note := "本倒查由" + p.rev.OfficeName + "办理"
	if signers := reviewSigners(p.rev.Stages); len(signers) > 0 {
		note = "回避：被倒查的选拔任用各环节签字人（" + strings.Join(signers, "、") + "）为本案当事人，不得办理、审批或查阅本案；" + note
	}
	out := []string{note}
	for _, role := range p.rev.Recused {
		out = append(out, p.rev.OfficeName+"的"+role.Title()+"均为签字人，须回避，此类事项暂无人可办理，已报告系统管理员配置人员")
	}
	return out
}

var selectionReviewStages = map[string]string{
	"propose": "提出责任追究建议",
	"closed":  "已办结",
}

type selectionReviewRun struct {
	*caseRun
	in  schemas.SelectionReviewInput
	rev *schemas.SelectionReviewState
	// recused: the signers are subjects and the steps run at reviewOffice
	// (versionReviewSignersRecused).
	recused bool
}

// reviewedCandidate is the appointee the review is about, nil when the input names none.
func reviewedCandidate(in schemas.SelectionReviewInput) *schemas.SelectionCandidateState {
	if in.Selection == nil {
		return nil
	}
	for _, cs := range in.Selection.Candidates {
		if cs.ID == in.CandidateID {
			return cs
		}
	}
	return nil
}

// reviewMisses says which stage should have caught what the trigger revealed [policy]: the
// checks of 考察 (the P10 checks: the personal-matters check, the 信访举报 check, the 纪委's
// opinion) and, for a report, the objections heard during 任前公示.
var reviewMisses = map[string]map[selection.Stage]string{
	schemas.ReviewTriggerMattersCheck: {selection.StageInspect: "任前核查（凡提必核）的个人有关事项核查未发现瞒报"},
	schemas.ReviewTriggerReport: {
		selection.StageInspect:   "任前核查（凡提必核）的信访举报核查未查实反映的问题",
		selection.StagePublicity: "任前公示期间未发现或未查实有关反映",
	},
	schemas.ReviewTriggerDiscipline: {selection.StageInspect: "纪检监察机关党风廉政意见及廉洁自律意见未反映有关问题"},
}

// reviewStages lays out the selection's stages as its record shows them for cs.
func reviewStages(sel *schemas.SelectionState, cs *schemas.SelectionCandidateState, trigger string) []schemas.SelectionReviewStage {
	if sel == nil || cs == nil {
		return []schemas.SelectionReviewStage{}
	}
	misses := reviewMisses[trigger]
	var out []schemas.SelectionReviewStage
	add := func(stage selection.Stage, at *time.Time, found string, signed ...string) {
		var who []string
		for _, s := range signed {
			if s != "" {
				who = appendUnique(who, s)
			}
		}
		out = append(out, schemas.SelectionReviewStage{Stage: string(stage), Title: stage.Title(), Signed: who, At: at, Found: found, Missed: misses[stage]})
	}
	if m := sel.Motion; m != nil {
		add(selection.StageMotion, m.ApprovedAt, "动议提出人："+m.Proposer+"；初始提名方式："+m.Method, m.DraftedBy, m.ApprovedBy)
	}
	if r := sel.Recommendation; r != nil {
		add(selection.StageRecommend, r.RecordedAt, fmt.Sprintf("%s得票%d（有效票%d）", cs.Name, cs.Votes, r.BallotsValid), r.RecordedBy)
	}
	if i := sel.Inspection; i != nil {
		found := fmt.Sprintf("考察组：%s（签字：%s）；任前核查（%s）结论：%s", i.Team, cs.Signatures, i.PreCaseID, preConclusionLabel(cs.PreAppointment))
		add(selection.StageInspect, i.FixedAt, found, i.FixedBy)
	}
	if m := sel.Meeting; m != nil {
		found := fmt.Sprintf("应到会%d人，实到会%d人", m.Members, m.Present)
		if t := cs.Tally; t != nil {
			found += fmt.Sprintf("；同意%d、不同意%d、缓议%d", t.Agree, t.Disagree, t.Defer)
		}
		signed := []string{m.RecordedBy}
		for _, r := range sel.Reconsiderations {
			for _, id := range r.Candidates {
				if id == cs.ID {
					found += fmt.Sprintf("；%s复议（同意复议%d人）", r.Date, r.Consent)
					signed = append(signed, r.RecordedBy)
				}
			}
		}
		add(selection.StageDecide, m.RecordedAt, found, signed...)
	}
	if sel.PublicityCaseID != "" {
		add(selection.StagePublicity, nil, "任前公示（"+sel.PublicityCaseID+"）："+publicityLabels[cs.Publicity])
	}
	if cs.Appointed {
		add(selection.StageAppointment, cs.AppointedAt, "任职谈话日期："+cs.TalkDate, cs.AppointedBy)
	}
	if r := sel.Review; r != nil && r.By != "" {
		found := "纪实审核：" + map[string]string{DecisionComplete: "纪实完整", DecisionCorrect: "发出纠正通知"}[r.Decision]
		if len(r.Gaps) > 0 {
			found += "（" + strings.Join(r.Gaps, "；") + "）"
		}
		out = append(out, schemas.SelectionReviewStage{Stage: "review", Title: "纪实审核", Signed: []string{r.By}, At: r.At, Found: found})
	}
	return out
}

func (p *selectionReviewRun) run(ctx workflow.Context) error {
	if err := p.open(ctx, "propose", map[string]any{
		"selection_case_id": p.in.SelectionCaseID, "official_id": p.rev.OfficialID, "trigger": p.in.Trigger, "source_case_id": p.in.SourceCaseID,
	}); err != nil {
		return err
	}
	if p.recused {
		if err := p.reviewOffice(ctx); err != nil {
			return err
		}
	}
	recusal := p.recusalNotes()
	notes := []string{fmt.Sprintf("倒查对象：%s（%s，选拔任用%s）", p.rev.Name, p.rev.Post, p.in.SelectionCaseID), "倒查缘由：" + p.in.Grounds}
	notes = append(notes, recusal...)
	for _, st := range p.rev.Stages {
		note := st.Title + "（" + strings.Join(st.Signed, "、") + "）：" + st.Found
		if st.Missed != "" {
			note += "。疑似失察：" + st.Missed
		}
		notes = append(notes, note)
	}
	draft, approval, err := p.draftAndApprove(ctx, approvalLoop{
		draft: func(round int, last, returned Completion) StepSpec {
			title, n := "提出责任追究建议", notes
			if round > 1 {
				title = fmt.Sprintf("修改责任追究建议（第%d稿）", round)
				n = append(append([]string{}, notes...), "退回意见（"+returned.Actor.Name+"）："+returned.Text("opinion"), "上一稿责任追究建议："+last.Text("accountability"))
			}
			return StepSpec{
				Key: fmt.Sprintf("propose-%d", round), Step: "propose_accountability", Title: title,
				OrgUnitID: p.office(), Role: schemas.RoleSupervisor,
				Period: calendar.Period{N: 20, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: []schemas.Decision{{Key: DecisionPropose, Label: "提交审批"}},
					Form: []schemas.FormField{
						{Name: "findings", Label: "倒查认定（哪个环节、何种失察）", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
						{Name: "persons", Label: "责任人", Type: schemas.FieldText, Required: true, MaxLen: 500},
						{Name: "accountability", Label: "责任追究建议（依据《干部选拔任用工作监督检查和责任追究办法》）", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
					},
					Notes: n,
				},
			}
		},
		approve: func(round int) StepSpec {
			spec := approvalSpec("同意责任追究建议")
			spec.Notes = notes[:2+len(recusal)]
			return StepSpec{
				Key: fmt.Sprintf("approve-%d", round), Step: "approve_accountability", Title: "审批责任追究建议",
				OrgUnitID: p.office(), Role: schemas.RoleLeader,
				Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
				Spec:   spec,
			}
		},
	})
	if err != nil {
		return err
	}
	p.rev.Findings, p.rev.Persons, p.rev.Accountability = draft.Text("findings"), draft.Text("persons"), draft.Text("accountability")
	p.rev.ProposedBy, p.rev.ApprovedBy, p.rev.ApprovedAt = draft.Actor.ID, approval.Actor.ID, &approval.At
	p.state.Outcome = "责任追究建议已批准：" + p.rev.Persons
	err = p.audit(ctx, "批准责任追究建议", activities.AuditRequest{
		At: approval.At, Actor: approval.Actor.ID, Action: "selection_review.approved",
		Detail: map[string]any{"selection_case_id": p.in.SelectionCaseID, "official_id": p.rev.OfficialID, "proposed_by": draft.Actor.ID},
	})
	p.refresh(ctx)
	return err
}

// reviewYears: a 倒查 is opened when the cadre was appointed by a selection within the last 5
// years [policy].
const reviewYears = 5

// openSelectionReviews is the automatic start of 倒查 (DOMAIN.md P13): when a case finds that
// official proved 带病提拔 (trigger: a report 属实, a check 瞒报), each selection that
// appointed them within reviewYears (found through the database) gets a selection-review case,
// linked to this one, at the department that ran it. It answers the new cases' ids.
func (c *caseRun) openSelectionReviews(ctx workflow.Context, officialID, trigger, grounds, actor string) ([]string, error) {
	var found []activities.SelectionAppointment
	if err := c.exec(ctx, "查找经选拔任用的任职", acts.SelectionAppointments, activities.SelectionAppointmentsRequest{
		OfficialID: officialID, Since: workflow.Now(ctx).AddDate(-reviewYears, 0, 0),
	}, &found); err != nil {
		return nil, err
	}
	var ids []string
	for _, ap := range found {
		title := fmt.Sprintf("选拔任用倒查：%s（%s）", ap.Name, ap.CaseID)
		id, err := c.startLinkedCase(ctx, LinkedCase{
			Kind: schemas.KindSelectionReview, Key: "selection-review-" + ap.CaseID, Title: title, OrgUnitID: ap.OrgUnitID,
			Input: func(caseID string) any {
				return schemas.SelectionReviewInput{
					CaseID: caseID, Title: title, OrgUnitID: ap.OrgUnitID, CreatedBy: actor, Priority: c.state.Priority,
					SelectionCaseID: ap.CaseID, Selection: ap.Selection, CandidateID: ap.CandidateID,
					Trigger: trigger, SourceCaseID: c.state.ID, Grounds: grounds,
				}
			},
		})
		if err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
