package workflows_test

import (
	"encoding/json"
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
// selection's stages with who signed each and points at 考察's checks; the supervisor
// proposes accountability, the leader returns it once, then approves.
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
		r.complete("propose-1", "bao.yin", workflows.DecisionPropose, proposal)
	})
	r.at("2027-03-02 10:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "补充纪实审核环节的责任"})
	})
	r.at("2027-03-03 10:00", func() {
		proposal["persons"] = "吴刚、包音"
		r.complete("propose-2", "bao.yin", workflows.DecisionPropose, proposal)
	})
	r.at("2027-03-04 10:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.SelectionReview, in)

	s := r.state()
	rev := s.SelectionReview
	if s.Status != schemas.CaseClosed || s.Outcome != "责任追究建议已批准：吴刚、包音" || !slices.Contains(s.Subjects, "batu") {
		t.Fatalf("status %s outcome %q subjects %v", s.Status, s.Outcome, s.Subjects)
	}
	if rev.OfficialID != "batu" || rev.Name != "巴图" || rev.ProposedBy != "bao.yin" || rev.ApprovedBy != "chen.jing" || rev.Accountability != "对吴刚进行诫勉" {
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
		r.complete("propose-1", "bao.yin", workflows.DecisionPropose, map[string]any{"findings": "公示期间反映未核实", "persons": "吴刚", "accountability": "批评教育"})
	})
	r.at("2027-03-02 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
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
