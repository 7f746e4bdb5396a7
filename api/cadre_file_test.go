package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestStateFinding: each process's finding and handling reach the file, for every kind whose
// state records one (the personal-matters check included), and a publicity reports the
// decision on the cadre's own candidacy, not another candidate's.
func TestStateFinding(t *testing.T) {
	cases := []struct {
		name              string
		st                schemas.CaseState
		finding, handling string
	}{
		{"report", schemas.CaseState{Report: &schemas.ReportState{Finding: schemas.FindingPartly, Handling: schemas.HandleOrg}}, schemas.FindingPartly, schemas.HandleOrg},
		{"inquiry", schemas.CaseState{Inquiry: &schemas.InquiryState{AnswerFinding: schemas.AnswerUntrue, Decision: schemas.InqAdmonish}}, schemas.AnswerUntrue, schemas.InqAdmonish},
		{"departure audit", schemas.CaseState{DepartureAudit: &schemas.DepartureAuditState{Finding: "issues", Findings: "账实不符"}}, "issues：账实不符", ""},
		{"joint inspection", schemas.CaseState{JointInspection: &schemas.JointInspectionState{Finding: "serious", Accountability: "问责"}}, "serious", "问责"},
		{"matters check", schemas.CaseState{MattersCheck: &schemas.MattersCheckState{Finding: schemas.FindingConcealed, Handling: "取消提拔资格"}}, string(schemas.FindingConcealed), "取消提拔资格"},
		{"publicity", schemas.CaseState{Publicity: &schemas.PublicityState{Candidates: []schemas.CandidateState{
			{Candidate: schemas.Candidate{ID: "c1", OfficialID: "other"}, Decision: schemas.PubProceed},
			{Candidate: schemas.Candidate{ID: "c2", OfficialID: "batu"}, Decision: schemas.PubRefuse, Reason: "反映问题属实"},
		}}}, "反映问题属实", schemas.PubRefuse},
		{"publicity, not a candidate", schemas.CaseState{Publicity: &schemas.PublicityState{Candidates: []schemas.CandidateState{
			{Candidate: schemas.Candidate{ID: "c1", OfficialID: "other"}, Decision: schemas.PubRefuse, Reason: "x"}}}}, "", ""},
		{"admonishment", schemas.CaseState{Admonishment: &schemas.AdmonishmentState{CadreID: "batu"}}, "", ""},
		{"talk by the organization", schemas.CaseState{Talk: &schemas.TalkState{InitiatedBy: schemas.TalkByOrganization, Reason: schemas.TalkReasonWarningSign, Confirmed: true,
			Records: []schemas.TalkRecord{{Content: "保密的谈话内容"}}}}, "组织约谈：苗头性问题", "谈话记录已本人确认"},
		{"talk asked by the cadre", schemas.CaseState{Talk: &schemas.TalkState{InitiatedBy: schemas.TalkByCadre, Settlement: schemas.TalkSettleWithin5, Satisfaction: schemas.TalkSatisfied}},
			"本人申请约谈", "5个工作日内答复：满意"},
		{"appraisal", schemas.CaseState{AppraisalCadre: &schemas.AppraisalCadreState{Period: "2026", Grade: schemas.GradeBasic, Handling: schemas.AppraisalAdmonish}},
			"2026年度考核等次：基本称职", "诫勉"},
		{"selection, blocked", schemas.CaseState{Selection: &schemas.SelectionState{Candidates: []*schemas.SelectionCandidateState{
			{SelectionCandidate: schemas.SelectionCandidate{ID: "c1", OfficialID: "other"}, Appointed: true},
			{SelectionCandidate: schemas.SelectionCandidate{ID: "c2", OfficialID: "batu"}, Inspected: true, Blocked: "纪委意见：不宜提拔任用"}}}},
			"未能提名：纪委意见：不宜提拔任用", ""},
		{"evaluation, not flagged", schemas.CaseState{Evaluation: &schemas.EvaluationState{Period: "2025", Cadres: []*schemas.EvaluationCadreState{
			{EvaluationCadre: schemas.EvaluationCadre{ID: "c1", OfficialID: "batu"}, Disapproval: "10.0%"}}}}, "2025年度民主评议不满意率10.0%", ""},
		{"public opinion, open", schemas.CaseState{PublicOpinion: &schemas.PublicOpinionState{SubjectName: "巴图"}}, "", ""},
		{"matters round, on time", schemas.CaseState{MattersCycle: &schemas.MattersCycleState{Year: 2026, Reports: []schemas.MattersReport{
			{MattersCadre: schemas.MattersCadre{ID: "batu"}, Status: schemas.ReportComplete}}}}, "2026年度个人有关事项报告：按时报告，审核完整", ""},
		{"matters round, not a reporter", schemas.CaseState{MattersCycle: &schemas.MattersCycleState{Year: 2026, Reports: []schemas.MattersReport{
			{MattersCadre: schemas.MattersCadre{ID: "other"}, Late: true}}}}, "", ""},
	}
	for _, tc := range cases {
		if f, h := stateFinding(&tc.st, "batu"); f != tc.finding || h != tc.handling {
			t.Errorf("%s: finding %q handling %q, want %q %q", tc.name, f, h, tc.finding, tc.handling)
		}
	}
	for _, k := range []schemas.CaseKind{schemas.KindReport, schemas.KindInquiry, schemas.KindAdmonishment, schemas.KindDepartureAudit,
		schemas.KindJointInspection, schemas.KindPublicity, schemas.KindMattersCheck, schemas.KindTalk, schemas.KindAppraisalCadre,
		schemas.KindSelection, schemas.KindEvaluation, schemas.KindPublicOpinion, schemas.KindMattersCycle} {
		if fileRoles[k] == "" {
			t.Errorf("no role in the file for %s", k)
		}
	}
}

// TestCadreFileLaterProcesses: the file of a cadre shows what the later processes recorded
// about them — a selection (P13: blocked or appointed, probation), a P9 evaluation (flagged,
// the verification's outcome), a P11 item naming them and the P8 annual round (late,
// incomplete, drawn for a check) — read from the cases' stored final states (the workflows'
// own state types), for a supervisor of the cadre's office; and the cadre section, which may
// read these kinds, sees them too.
func TestCadreFileLaterProcesses(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		now := time.Now().UTC().Truncate(time.Second)
		appointed := now.Add(-24 * time.Hour)
		states := []schemas.CaseState{
			{ID: "selection-2026-0001", Kind: schemas.KindSelection, Selection: &schemas.SelectionState{Candidates: []*schemas.SelectionCandidateState{
				{SelectionCandidate: schemas.SelectionCandidate{ID: "c1", OfficialID: "na.ren", ProposedPost: "教育局局长"}, Blocked: "个人有关事项查核：瞒报"},
				{SelectionCandidate: schemas.SelectionCandidate{ID: "c2", OfficialID: "batu", ProposedPost: "教育局副局长"}, Inspected: true,
					Decision: schemas.SelectionPassed, Appointed: true, AppointedAt: &appointed, Probation: true, ProbationEnds: "2027-11-29"},
			}}},
			{ID: "evaluation-2026-0001", Kind: schemas.KindEvaluation, Evaluation: &schemas.EvaluationState{Period: "2025", Cadres: []*schemas.EvaluationCadreState{
				{EvaluationCadre: schemas.EvaluationCadre{ID: "c1", OfficialID: "batu"}, Disapproval: "40.0%", Flagged: true,
					Outcome: schemas.EvalRemindTalk, Findings: "群众反映工作作风简单"},
			}}},
			{ID: "public-opinion-2026-0001", Kind: schemas.KindPublicOpinion, PublicOpinion: &schemas.PublicOpinionState{
				SubjectName: "巴图", Finding: schemas.FindingUnfounded, Facts: "网传违规用车不实", Handling: "发布澄清说明", Clarified: true}},
			{ID: "matters-cycle-2026-0001", Kind: schemas.KindMattersCycle, MattersCycle: &schemas.MattersCycleState{Year: 2026, Reports: []schemas.MattersReport{
				{MattersCadre: schemas.MattersCadre{ID: "wuyun"}, Status: schemas.ReportComplete},
				{MattersCadre: schemas.MattersCadre{ID: "batu"}, Status: schemas.ReportComplete, Late: true, Returned: 1,
					Finding: schemas.LateWithoutCause, Handling: "批评教育", CheckCaseID: "matters-check-2027-0003"},
			}}},
		}
		for i, st := range states {
			st.Status, st.OrgUnitID, st.Title = schemas.CaseClosed, "150100", st.ID
			raw, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			created := now.Add(time.Duration(i-10) * time.Hour)
			for _, r := range []any{
				&schemas.Case{ID: st.ID, Kind: st.Kind, Year: 2026, Seq: 1, Title: st.ID, OrgUnitID: "150100", Status: schemas.CaseClosed,
					Stage: "closed", CreatedBy: "bao.yin", CreatedAt: created, UpdatedAt: now, ClosedAt: &now, FinalState: string(raw)},
				&schemas.CaseSubject{CaseID: st.ID, OfficialID: "batu", AddedBy: "system", CreatedAt: created},
			} {
				if err := gdb.Create(r).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		want := map[string][3]string{ // role, finding, handling
			"selection-2026-0001":      {"推荐人选", "讨论决定：通过", "已任职：教育局副局长，试用期至2027-11-29"},
			"evaluation-2026-0001":     {"新选拔干部（评议对象）", "2025年度民主评议不满意率40.0%：列为了解核实对象", "谈话提醒：群众反映工作作风简单"},
			"public-opinion-2026-0001": {"舆情涉及干部", "舆情反映不属实：网传违规用车不实", "已公开澄清：发布澄清说明"},
			"matters-cycle-2026-0001":  {"报告人", "2026年度个人有关事项报告：逾期报告，报告不完整，退回补充1次，无正当理由不按时报告，被抽中查核（matters-check-2027-0003）", "批评教育"},
		}
		for _, reader := range []string{"bao.yin", "wu.gang"} {
			var f CadreFile
			res := h.do("GET", "/api/v1/officials/batu/file", h.token(reader), nil)
			if res.status != http.StatusOK {
				t.Fatalf("%s: %d %s", reader, res.status, res.body)
			}
			res.json(t, &f)
			if len(f.Entries) != len(want) {
				t.Fatalf("%s: %d entries, want %d: %s", reader, len(f.Entries), len(want), res.body)
			}
			for _, e := range f.Entries {
				w := want[e.CaseID]
				if e.Role != w[0] || e.Finding != w[1] || e.Handling != w[2] {
					t.Errorf("%s: %s: %q %q %q, want %q", reader, e.CaseID, e.Role, e.Finding, e.Handling, w)
				}
			}
		}
	})
}
