package api

import (
	"testing"

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
	}
	for _, tc := range cases {
		if f, h := stateFinding(&tc.st, "batu"); f != tc.finding || h != tc.handling {
			t.Errorf("%s: finding %q handling %q, want %q %q", tc.name, f, h, tc.finding, tc.handling)
		}
	}
	for _, k := range []schemas.CaseKind{schemas.KindReport, schemas.KindInquiry, schemas.KindAdmonishment, schemas.KindDepartureAudit,
		schemas.KindJointInspection, schemas.KindPublicity, schemas.KindMattersCheck, schemas.KindTalk, schemas.KindAppraisalCadre} {
		if fileRoles[k] == "" {
			t.Errorf("no role in the file for %s", k)
		}
	}
}
