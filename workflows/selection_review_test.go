package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// reviewedSelection is the record of selection-2026-0001 as it closed: 巴图 (c1) appointed,
// 娜仁 (c2) not; 吴刚 recorded the stages, 陈静 approved, 包音 reviewed.
func reviewedSelection(t *testing.T) *schemas.SelectionState {
	at := mustTime(t, "2026-11-10 10:00:00")
	return &schemas.SelectionState{
		Posts:            "呼和浩特市教育局副局长1名",
		Stages:           []string{"motion", "recommend", "inspect", "decide", "publicity", "appointment"},
		Motion:           &schemas.SelectionMotion{Proposer: "部务会", Method: "组织推荐", DraftedBy: "wu.gang", ApprovedBy: "chen.jing", ApprovedAt: &at},
		Recommendation:   &schemas.SelectionRecommendation{Date: "2026-11-02", BallotsValid: 27, RecordedBy: "wu.gang", RecordedAt: &at},
		Inspection:       &schemas.SelectionInspection{Team: "王军、李梅", FixedBy: "wu.gang", FixedAt: &at, PreCaseID: "pre-appointment-2026-0001"},
		Meeting:          &schemas.SelectionMeeting{Date: "2026-11-09", Members: 11, Present: 9, RecordedBy: "wu.gang", RecordedAt: &at},
		Reconsiderations: []schemas.SelectionMeeting{{Date: "2026-11-16", Members: 11, Present: 9, Consent: 7, Candidates: []string{"c1"}, RecordedBy: "wu.gang"}},
		PublicityCaseID:  "publicity-2026-0001",
		Review:           &schemas.SelectionReview{Decision: workflows.DecisionComplete, By: "bao.yin", At: &at, Gaps: []string{}},
		Candidates: []*schemas.SelectionCandidateState{
			{SelectionCandidate: schemas.SelectionCandidate{ID: "c1", OfficialID: "batu", Name: "巴图", ProposedPost: "呼和浩特市教育局副局长"},
				Votes: 20, Inspected: true, PreAppointment: schemas.PrePass, Signatures: "王军、李梅", Tally: &schemas.SelectionVotes{Agree: 7, Disagree: 2},
				Decision: schemas.SelectionPassed, Publicity: schemas.PubProceed, Appointed: true, AppointedAt: &at, AppointedBy: "wu.gang", TalkDate: "2026-11-17"},
			{SelectionCandidate: schemas.SelectionCandidate{ID: "c2", OfficialID: "na.ren", Name: "娜仁"}, Votes: 18},
		},
	}
}

// TestSelectionReview: 巴图's later personal-matters check ended 瞒报. The 倒查 lays out the
// selection's stages with who signed each and points at 考察's checks. Everyone who signed the
// selection — 吴刚 (cadre section), 陈静 (the leader who approved it), 包音 (who reviewed its
// 纪实) — is a subject of the review with the appointee, so it runs at the superior office
// (150000): its supervisor proposes accountability, its leader returns it once, then approves.
func TestSelectionReview(t *testing.T) {
	r := newRun(t, "selection-review-2027-0001", mustTime(t, "2027-03-01 09:00:00"))
	in := schemas.SelectionReviewInput{
		CaseID: r.caseID, Title: "选拔任用倒查：巴图", OrgUnitID: "150100", CreatedBy: "bao.yin",
		SelectionCaseID: "selection-2026-0001", Selection: reviewedSelection(t), CandidateID: "c1",
		Trigger: schemas.ReviewTriggerMattersCheck, SourceCaseID: "matters-check-2027-0003", Grounds: "个人有关事项查核认定隐瞒持有企业股权",
	}
	proposal := map[string]any{"findings": "考察环节个人有关事项核查未比对股权信息", "persons": "吴刚", "accountability": "对吴刚进行诫勉"}
	r.at("2027-03-01 10:00", func() {
		rejectStep(r, "proposed by the appointee", "propose-1", "batu", workflows.DecisionPropose, proposal, schemas.ErrTypeRecused)
		rejectStep(r, "proposed by the 纪实 reviewer", "propose-1", "bao.yin", workflows.DecisionPropose, proposal, schemas.ErrTypeRecused)
		r.complete("propose-1", "wang.jian", workflows.DecisionPropose, proposal)
	})
	r.at("2027-03-02 10:00", func() {
		rejectStep(r, "approved by the selection's approver", "approve-1", "chen.jing", workflows.DecisionApprove, nil, schemas.ErrTypeRecused)
		r.complete("approve-1", "zhao.min", workflows.DecisionReturn, map[string]any{"opinion": "补充纪实审核环节的责任"})
	})
	r.at("2027-03-03 10:00", func() {
		proposal["persons"] = "吴刚、包音"
		r.complete("propose-2", "wang.jian", workflows.DecisionPropose, proposal)
	})
	r.at("2027-03-04 10:00", func() { r.complete("approve-2", "zhao.min", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.SelectionReview, in)

	s := r.state()
	rev := s.SelectionReview
	if s.Status != schemas.CaseClosed || s.Outcome != "责任追究建议已批准：吴刚、包音" || !slices.Equal(s.Subjects, []string{"batu", "wu.gang", "chen.jing", "bao.yin"}) {
		t.Fatalf("status %s outcome %q subjects %v", s.Status, s.Outcome, s.Subjects)
	}
	if rev.OfficialID != "batu" || rev.Name != "巴图" || rev.ProposedBy != "wang.jian" || rev.ApprovedBy != "zhao.min" || rev.Accountability != "对吴刚进行诫勉" ||
		rev.OfficeID != "150000" || len(rev.Recused) != 0 {
		t.Errorf("review %+v", rev)
	}
	var titles []string
	for _, st := range rev.Stages {
		titles = append(titles, st.Title)
	}
	if !slices.Equal(titles, []string{"动议", "民主推荐", "考察", "讨论决定", "任前公示", "任职", "纪实审核"}) {
		t.Fatalf("stages %v", titles)
	}
	stage := func(i int) schemas.SelectionReviewStage { return rev.Stages[i] }
	if m := stage(0); !slices.Equal(m.Signed, []string{"wu.gang", "chen.jing"}) || m.Missed != "" {
		t.Errorf("动议 %+v", m)
	}
	if i := stage(2); !strings.Contains(i.Missed, "个人有关事项核查") || !strings.Contains(i.Found, "pre-appointment-2026-0001") || !strings.Contains(i.Found, "王军、李梅") {
		t.Errorf("考察 %+v", i)
	}
	if d := stage(3); !strings.Contains(d.Found, "同意7") || !strings.Contains(d.Found, "复议（同意复议7人）") {
		t.Errorf("讨论决定 %+v", d)
	}
	if rv := stage(6); !slices.Equal(rv.Signed, []string{"bao.yin"}) || rv.Missed != "" {
		t.Errorf("纪实审核 %+v", rv)
	}
	for _, st := range rev.Stages {
		if st.Stage != "inspect" && st.Missed != "" {
			t.Errorf("%s marked as missing for a 瞒报: %s", st.Title, st.Missed)
		}
	}
	// The steps are the superior office's; the selection's office (all of whose supervisors and
	// leaders signed) is told nothing to do.
	var tasks []schemas.Task
	r.db.Where("case_id = ?", r.caseID).Order("id").Find(&tasks)
	if len(tasks) != 4 {
		t.Fatalf("tasks %+v", tasks)
	}
	for _, tk := range tasks {
		if tk.OrgUnitID != "150000" || !slices.Contains(tk.Spec.Notes, "回避：被倒查的选拔任用各环节签字人（wu.gang、chen.jing、bao.yin）为本案当事人，不得办理、审批或查阅本案；本倒查由"+rev.OfficeName+"办理") {
			t.Errorf("task %s at %s, notes %q", tk.ID, tk.OrgUnitID, tk.Spec.Notes)
		}
	}
	if !r.notified("wang.jian", "assigned", "propose-1") || !r.notified("zhao.min", "assigned", "approve-1") ||
		r.notified("bao.yin", "assigned", "propose-1") || r.notified("chen.jing", "assigned", "approve-1") {
		t.Error("the review's tasks were announced to the wrong officials")
	}
	r.verifyAudit()
}

// signerFields names each official a selection's record keeps as a signer, one id per field,
// so that a test sees which of them a 倒查 recuses.
var signerFields = []string{"motion.drafted_by", "motion.approved_by", "recommendation.recorded_by", "inspection.fixed_by",
	"meeting.recorded_by", "reconsideration.recorded_by", "candidate.appointed_by", "review.by"}

// signedBy sets every signer field of sel to the official the field maps to.
func signedBy(sel *schemas.SelectionState, who map[string]string) {
	sel.Motion.DraftedBy, sel.Motion.ApprovedBy = who["motion.drafted_by"], who["motion.approved_by"]
	sel.Recommendation.RecordedBy = who["recommendation.recorded_by"]
	sel.Inspection.FixedBy = who["inspection.fixed_by"]
	sel.Meeting.RecordedBy = who["meeting.recorded_by"]
	sel.Reconsiderations[0].RecordedBy = who["reconsideration.recorded_by"]
	sel.Candidates[0].AppointedBy = who["candidate.appointed_by"]
	sel.Review.By = who["review.by"]
}

// TestSelectionReviewRecusesEverySigner: the rule, for every signer of every stage. Each signer
// field of the selection names a different official, and each of them holds the supervisor
// and leader roles at the superior office where the review runs — where, but for 回避, they
// could act. Every one is a subject of the case: none may claim or complete the proposal or
// the approval, none is told of them, and the case's subjects are the appointee and exactly the
// signers. Officials who signed nothing do the review.
func TestSelectionReviewRecusesEverySigner(t *testing.T) {
	r := newRun(t, "selection-review-2027-0003", mustTime(t, "2027-03-01 09:00:00"))
	who := map[string]string{}
	for i, f := range signerFields {
		id := fmt.Sprintf("signer.%d", i)
		who[f] = id
		if err := r.db.Create(&schemas.Official{ID: id, Name: "签字人" + f, OrgUnitID: "150000",
			Roles: schemas.Roles{schemas.RoleSupervisor, schemas.RoleLeader}}).Error; err != nil {
			t.Fatal(err)
		}
	}
	sel := reviewedSelection(t)
	signedBy(sel, who)
	in := schemas.SelectionReviewInput{
		CaseID: r.caseID, Title: "选拔任用倒查：巴图", OrgUnitID: "150100", CreatedBy: "bao.yin",
		SelectionCaseID: "selection-2026-0001", Selection: sel, CandidateID: "c1",
		Trigger: schemas.ReviewTriggerReport, Grounds: "举报反映的违规经商问题查核属实",
	}
	proposal := map[string]any{"findings": "公示期间反映未核实", "persons": "有关签字人", "accountability": "批评教育"}
	r.at("2027-03-01 10:00", func() {
		for _, f := range signerFields {
			r.reject(f+" claims the proposal", schemas.UpdateClaimTask, schemas.TaskActionRequest{TaskID: r.caseID + ".propose-1", Actor: r.actor(who[f])}, schemas.ErrTypeRecused)
			rejectStep(r, f+" proposes", "propose-1", who[f], workflows.DecisionPropose, proposal, schemas.ErrTypeRecused)
		}
		r.complete("propose-1", "wang.jian", workflows.DecisionPropose, proposal)
	})
	r.at("2027-03-02 10:00", func() {
		for _, f := range signerFields {
			rejectStep(r, f+" approves", "approve-1", who[f], workflows.DecisionApprove, nil, schemas.ErrTypeRecused)
		}
		r.complete("approve-1", "zhao.min", workflows.DecisionApprove, nil)
	})
	r.env.ExecuteWorkflow(workflows.SelectionReview, in)

	s := r.state()
	if s.Status != schemas.CaseClosed || s.SelectionReview.ApprovedBy != "zhao.min" {
		t.Fatalf("status %s review %+v", s.Status, s.SelectionReview)
	}
	// Every stage's every signer is a subject, and every signer field reached a stage.
	var signed []string
	for _, st := range s.SelectionReview.Stages {
		for _, id := range st.Signed {
			if !slices.Contains(s.Subjects, id) {
				t.Errorf("%s signed %s and is no subject: %v", id, st.Title, s.Subjects)
			}
			signed = append(signed, id)
		}
	}
	for _, f := range signerFields {
		if !slices.Contains(signed, who[f]) {
			t.Errorf("%s (%s) is no stage's signer", f, who[f])
		}
	}
	if len(s.Subjects) != 1+len(signerFields) || s.Subjects[0] != "batu" {
		t.Errorf("subjects %v", s.Subjects)
	}
	var rows []string
	r.db.Model(&schemas.CaseSubject{}).Where("case_id = ?", r.caseID).Pluck("official_id", &rows)
	if len(rows) != len(s.Subjects) {
		t.Errorf("case_subjects %v, subjects %v", rows, s.Subjects)
	}
	for _, f := range signerFields {
		if r.notified(who[f], "assigned", "propose-1") || r.notified(who[f], "assigned", "approve-1") {
			t.Errorf("%s was told of the review's steps", f)
		}
	}
	r.verifyAudit()
}

// TestSelectionReviewAtTheRoot: a selection of the root office (150000), none above it. Its
// only supervisor (王建, who reviewed the 纪实) and its only leader (赵敏, who approved it) are
// recused, so nobody may act on either step there: the case says so (Recused, the steps'
// notes), the root's admin is told, the trail records it — a clear state, not a silent wait.
// The steps stay in their roles' queues; once the admin configures a supervisor and a leader
// who signed nothing, they do the review.
func TestSelectionReviewAtTheRoot(t *testing.T) {
	r := newRun(t, "selection-review-2027-0004", mustTime(t, "2027-03-01 09:00:00"))
	sel := reviewedSelection(t)
	signedBy(sel, map[string]string{
		"motion.drafted_by": "li.hua", "motion.approved_by": "zhao.min", "recommendation.recorded_by": "li.hua", "inspection.fixed_by": "li.hua",
		"meeting.recorded_by": "li.hua", "reconsideration.recorded_by": "li.hua", "candidate.appointed_by": "li.hua", "review.by": "wang.jian",
	})
	in := schemas.SelectionReviewInput{
		CaseID: r.caseID, Title: "选拔任用倒查：巴图", OrgUnitID: "150000", CreatedBy: "wang.jian",
		SelectionCaseID: "selection-2026-0002", Selection: sel, CandidateID: "c1",
		Trigger: schemas.ReviewTriggerReport, Grounds: "举报反映的违规经商问题查核属实",
	}
	proposal := map[string]any{"findings": "公示期间反映未核实", "persons": "李华", "accountability": "批评教育"}
	r.at("2027-03-01 10:00", func() {
		r.reject("the 纪实 reviewer claims", schemas.UpdateClaimTask, schemas.TaskActionRequest{TaskID: r.caseID + ".propose-1", Actor: r.actor("wang.jian")}, schemas.ErrTypeRecused)
		var n int64
		r.db.Model(&schemas.Notification{}).Where("official_id = ? AND case_id = ? AND title LIKE ?", "admin", r.caseID, "%无人可办理%").Count(&n)
		if n != 2 {
			t.Errorf("the admin was told of %d recused roles, want 2", n)
		}
		var task schemas.Task
		if err := r.db.First(&task, "id = ?", r.caseID+".propose-1").Error; err != nil || task.OrgUnitID != "150000" ||
			!strings.Contains(strings.Join(task.Spec.Notes, "\n"), "均为签字人，须回避") {
			t.Errorf("the proposal's task %+v %v", task, err)
		}
		for _, o := range []schemas.Official{
			{ID: "xin.jian", Name: "辛坚", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleSupervisor}},
			{ID: "xin.ling", Name: "辛岭", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleLeader}},
		} {
			if err := r.db.Create(&o).Error; err != nil {
				t.Error(err)
			}
		}
	})
	r.at("2027-03-02 10:00", func() { r.complete("propose-1", "xin.jian", workflows.DecisionPropose, proposal) })
	r.at("2027-03-03 10:00", func() {
		rejectStep(r, "the approver of the selection approves", "approve-1", "zhao.min", workflows.DecisionApprove, nil, schemas.ErrTypeRecused)
		r.complete("approve-1", "xin.ling", workflows.DecisionApprove, nil)
	})
	r.env.ExecuteWorkflow(workflows.SelectionReview, in)

	s := r.state()
	rev := s.SelectionReview
	if s.Status != schemas.CaseClosed || rev.OfficeID != "150000" || !slices.Equal(rev.Recused, []schemas.Role{schemas.RoleSupervisor, schemas.RoleLeader}) ||
		rev.ProposedBy != "xin.jian" || rev.ApprovedBy != "xin.ling" || !slices.Equal(s.Subjects, []string{"batu", "li.hua", "zhao.min", "wang.jian"}) {
		t.Fatalf("status %s subjects %v review %+v", s.Status, s.Subjects, rev)
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "selection_review.routed").First(&ev).Error; err != nil ||
		!strings.Contains(ev.Detail, `"recused":["supervisor","leader"]`) {
		t.Errorf("routing event %+v %v", ev, err)
	}
	r.verifyAudit()
}

// For a report found 属实, the review points at 考察's 信访举报 check and at the publicity.
func TestSelectionReviewOfAReport(t *testing.T) {
	r := newRun(t, "selection-review-2027-0002", mustTime(t, "2027-03-01 09:00:00"))
	in := schemas.SelectionReviewInput{
		CaseID: r.caseID, Title: "选拔任用倒查：巴图", OrgUnitID: "150100", CreatedBy: "bao.yin",
		SelectionCaseID: "selection-2026-0001", Selection: reviewedSelection(t), CandidateID: "c1",
		Trigger: schemas.ReviewTriggerReport, Grounds: "举报反映的违规经商问题查核属实",
	}
	r.at("2027-03-01 10:00", func() {
		r.complete("propose-1", "wang.jian", workflows.DecisionPropose, map[string]any{"findings": "公示期间反映未核实", "persons": "吴刚", "accountability": "批评教育"})
	})
	r.at("2027-03-02 10:00", func() { r.complete("approve-1", "zhao.min", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.SelectionReview, in)

	var missed []string
	for _, st := range r.state().SelectionReview.Stages {
		if st.Missed != "" {
			missed = append(missed, st.Stage)
		}
	}
	if !slices.Equal(missed, []string{"inspect", "publicity"}) {
		t.Errorf("missed at %v", missed)
	}
}

// seedSelection writes a closed selection case of 150100 whose final state has 巴图 appointed
// at appointedAt.
func seedSelection(t *testing.T, r *run, id, appointedAt string, year, seq int) {
	t.Helper()
	sel := reviewedSelection(t)
	at := mustTime(t, appointedAt)
	sel.Candidates[0].AppointedAt = &at
	raw, err := json.Marshal(schemas.CaseState{ID: id, Kind: schemas.KindSelection, Status: schemas.CaseClosed, Selection: sel})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.Create(&schemas.Case{ID: id, Kind: schemas.KindSelection, Year: year, Seq: seq, Title: "选拔任用", OrgUnitID: "150100", Status: schemas.CaseClosed,
		Stage: "closed", CreatedBy: "wu.gang", CreatedAt: at, UpdatedAt: at, ClosedAt: &at, FinalState: string(raw)}).Error; err != nil {
		t.Fatal(err)
	}
	if err := r.db.Create(&schemas.CaseSubject{CaseID: id, OfficialID: "batu", AddedBy: "wu.gang", Reason: "人选", CreatedAt: at}).Error; err != nil {
		t.Fatal(err)
	}
}

// TestMattersCheckConcealedOpensSelectionReview: 巴图's check ends 瞒报; a selection appointed
// him in 2024, another in 2020 (more than 5 years before): the first gets its 倒查, linked.
func TestMattersCheckConcealedOpensSelectionReview(t *testing.T) {
	r := newRun(t, "matters-check-2026-0009", mustTime(t, "2026-11-02 09:00:00"))
	seedSelection(t, r, "selection-2024-0003", "2024-06-10 10:00:00", 2024, 3)
	seedSelection(t, r, "selection-2020-0001", "2020-06-10 10:00:00", 2020, 1)
	var started []schemas.SelectionReviewInput
	r.env.OnWorkflow(schemas.KindSelectionReview.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.SelectionReviewInput) (schemas.CaseState, error) {
			started = append(started, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseOpen}, nil
		})
	mismatch(r)
	r.at("2026-11-10 10:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingConcealed), map[string]any{"opinion": "故意隐瞒持股", "handling": "调离岗位"})
	})
	r.at("2026-11-11 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	s := r.state()
	if len(started) != 1 {
		t.Fatalf("reviews started: %+v", started)
	}
	in := started[0]
	if in.SelectionCaseID != "selection-2024-0003" || in.CandidateID != "c1" || in.Trigger != schemas.ReviewTriggerMattersCheck ||
		in.SourceCaseID != r.caseID || in.OrgUnitID != "150100" || in.CreatedBy != "chen.jing" || in.Selection == nil || !strings.Contains(in.Grounds, "瞒报") {
		t.Errorf("review input %+v", in)
	}
	if !strings.HasPrefix(in.CaseID, "selection-review-") || !strings.Contains(s.Outcome, "选拔任用倒查（"+in.CaseID+"）") {
		t.Errorf("outcome %q, review %s", s.Outcome, in.CaseID)
	}
	r.verifyAudit()
}

// TestReportSubstantiatedOpensSelectionReview: a report about 巴图 is found 属实; the selection
// that appointed him in 2024 gets its 倒查, among the report's linked cases.
func TestReportSubstantiatedOpensSelectionReview(t *testing.T) {
	r := newRun(t, "report-2026-0109", mustTime(t, "2026-11-02 09:00:00"))
	seedSelection(t, r, "selection-2024-0003", "2024-06-10 10:00:00", 2024, 3)
	var started []schemas.SelectionReviewInput
	r.env.OnWorkflow(schemas.KindSelectionReview.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.SelectionReviewInput) (schemas.CaseState, error) {
			started = append(started, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseOpen}, nil
		})
	reportRow(r)
	r.at("2026-11-02 10:00", func() { r.complete("accept", "he.ping", workflows.DecisionAccept, nil) })
	r.at("2026-11-02 11:00", func() { r.complete("triage-1", "bao.yin", schemas.TriageVerify, triageForm(nil)) })
	r.at("2026-11-04 10:00", func() {
		r.complete("verify-1", "ma.lin", workflows.DecisionSubmit, map[string]any{"report": "经核查，反映问题属实。"})
	})
	r.at("2026-11-04 15:00", func() {
		r.complete("finding", "bao.yin", schemas.FindingSubstantiated, map[string]any{"handling": schemas.HandleOrg, "opinion": "违规经商属实"})
	})
	r.at("2026-11-05 10:00", func() {
		r.complete("feedback", "he.ping", workflows.DecisionSent, map[string]any{"feedback": "您反映的问题经核查属实，已依规处理。"})
	})
	r.env.ExecuteWorkflow(workflows.Report, reportInput(r.caseID, true, false))

	s := r.state()
	if len(started) != 1 || started[0].SelectionCaseID != "selection-2024-0003" || started[0].Trigger != schemas.ReviewTriggerReport ||
		started[0].SourceCaseID != r.caseID || !strings.Contains(started[0].Grounds, "违规经商属实") {
		t.Fatalf("reviews started: %+v", started)
	}
	if !slices.Contains(s.Report.LinkedCases, started[0].CaseID) {
		t.Errorf("linked cases %v, review %s", s.Report.LinkedCases, started[0].CaseID)
	}
	r.verifyAudit()
}

// TestMattersCheckConcealedFindsARunningSelection: the selection that appointed 巴图 is still
// running (he is on probation, its end-of-trial assessment to come), so it has no final state:
// its state is asked of its workflow, and it gets its 倒查 like an ended one.
func TestMattersCheckConcealedFindsARunningSelection(t *testing.T) {
	r := newRun(t, "matters-check-2026-0010", mustTime(t, "2026-11-02 09:00:00"))
	at := mustTime(t, "2026-06-10 10:00:00")
	if err := r.db.Create(&schemas.Case{ID: "selection-2026-0004", Kind: schemas.KindSelection, Year: 2026, Seq: 4, Title: "选拔任用", OrgUnitID: "150100",
		Status: schemas.CaseOpen, Stage: "appointment", CreatedBy: "wu.gang", CreatedAt: at, UpdatedAt: at}).Error; err != nil {
		t.Fatal(err)
	}
	if err := r.db.Create(&schemas.CaseSubject{CaseID: "selection-2026-0004", OfficialID: "batu", AddedBy: "wu.gang", Reason: "人选", CreatedAt: at}).Error; err != nil {
		t.Fatal(err)
	}
	var asked []string
	r.acts.CaseState = func(_ context.Context, id string) (schemas.CaseState, error) {
		asked = append(asked, id)
		sel := reviewedSelection(t)
		sel.Candidates[0].AppointedAt, sel.Candidates[0].Probation, sel.Review = &at, true, nil
		return schemas.CaseState{ID: id, Kind: schemas.KindSelection, Status: schemas.CaseOpen, Selection: sel}, nil
	}
	var started []schemas.SelectionReviewInput
	r.env.OnWorkflow(schemas.KindSelectionReview.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.SelectionReviewInput) (schemas.CaseState, error) {
			started = append(started, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseOpen}, nil
		})
	mismatch(r)
	r.at("2026-11-10 10:00", func() {
		r.complete("propose-1", "bao.yin", string(schemas.FindingConcealed), map[string]any{"opinion": "故意隐瞒持股", "handling": "调离岗位"})
	})
	r.at("2026-11-11 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.MattersCheck, mattersCheckInput(r.caseID))

	r.state()
	if !slices.Equal(asked, []string{"selection-2026-0004"}) {
		t.Errorf("running selections asked: %v", asked)
	}
	if len(started) != 1 || started[0].SelectionCaseID != "selection-2026-0004" || started[0].CandidateID != "c1" || started[0].Selection == nil ||
		!started[0].Selection.Candidates[0].Probation {
		t.Fatalf("reviews started: %+v", started)
	}
}
