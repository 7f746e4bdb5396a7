package workflows_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// A selection of 呼和浩特市 for two posts of 市教育局: 巴图 (batu, c1) and 娜仁 (na.ren, c2).
// 吴刚 (wu.gang, cadre section) records every stage, 陈静 (chen.jing) leads, 包音 (bao.yin)
// supervises. P10 and P1 run as linked cases; here they are stand-ins (tested on their own),
// answering with the conclusions each test gives.
func selectionInput(caseID string) schemas.SelectionInput {
	in := schemas.SelectionInput{
		CaseID: caseID, Title: "市教育局副局长选拔任用", OrgUnitID: "150100", CreatedBy: "wu.gang",
		Posts: "呼和浩特市教育局副局长2名", DisciplineOfficeID: "150100-jw", MattersYear: 2026,
	}
	for i, o := range []struct{ id, name string }{{"batu", "巴图"}, {"na.ren", "娜仁"}} {
		in.Candidates = append(in.Candidates, schemas.SelectionCandidate{
			ID: "c" + string(rune('1'+i)), OfficialID: o.id, Name: o.name, UnitID: "150100-jyj", UnitName: "呼和浩特市教育局",
			CurrentPost: "呼和浩特市教育局科长", ProposedPost: "呼和浩特市教育局副局长",
		})
	}
	return in
}

// linkedStandIns registers the stand-ins of P10 (its conclusion per official) and P1 (its
// decision per candidate id), and records the inputs they received.
type linkedStandIns struct {
	pre []schemas.PreAppointmentInput
	pub []schemas.PublicityInput
}

func standIns(r *run, pre map[string]string, pub map[string]string) *linkedStandIns {
	s := &linkedStandIns{}
	r.env.OnWorkflow(schemas.KindPreAppointment.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.PreAppointmentInput) (schemas.CaseState, error) {
			s.pre = append(s.pre, in)
			st := &schemas.PreAppointmentState{}
			for _, c := range in.Candidates {
				st.Candidates = append(st.Candidates, &schemas.PreAppointmentCandidateState{PreAppointmentCandidate: c, Decision: pre[c.OfficialID]})
			}
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseClosed, PreAppointment: st}, nil
		})
	r.env.OnWorkflow(schemas.KindPublicity.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.PublicityInput) (schemas.CaseState, error) {
			s.pub = append(s.pub, in)
			st := &schemas.PublicityState{}
			for _, c := range in.Candidates {
				st.Candidates = append(st.Candidates, schemas.CandidateState{Candidate: c, Decision: pub[c.ID], Final: true})
			}
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseClosed, Publicity: st}, nil
		})
	return s
}

func motionAndRecommendation(r *run, motionDate, recommendDate string) {
	r.at("2026-11-02 10:00", func() {
		r.complete("motion-1", "wu.gang", workflows.DecisionSubmit, map[string]any{
			"proposer": "市委组织部部务会", "motion_date": motionDate, "vacancy": "副局长空缺2名，核定职数5名，现有3名",
			"quota_ok": true, "analysis": "班子结构需要", "method": "组织推荐", "minutes": "书记、副书记酝酿同意"})
	})
	r.at("2026-11-02 11:00", func() { r.complete("motion-approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-03 10:00", func() {
		r.complete("recommend", "wu.gang", workflows.DecisionSubmit, map[string]any{
			"recommend_date": recommendDate, "talks": "谈话调研推荐：局领导班子成员、中层干部30人",
			"expected": "30", "attended": "28", "ballots_issued": "28", "ballots_returned": "28", "ballots_valid": "27",
			"votes_c1": "20", "votes_c2": "18"})
	})
}

// inspection fixes both as 考察对象 at at and the team reports the next hour.
func inspection(r *run, fixAt, reportAt string) {
	r.at(fixAt, func() {
		r.complete("inspect-fix", "wu.gang", workflows.DecisionSubmit, map[string]any{
			"team": "王军、李梅", "plan": "民主测评、个别谈话、实地走访", "inspect_c1": true, "inspect_c2": true})
	})
	r.at(reportAt, func() {
		for _, c := range []string{"c1", "c2"} {
			r.complete(c+"-inspection", "wu.gang", workflows.DecisionSubmit, map[string]any{
				"evaluation": "民主测评优秀率85%", "report": "政治素质好，工作实绩突出", "signatures": "王军、李梅"})
		}
	})
}

func meeting(date string, members, present int, votes map[string][4]string) map[string]any {
	f := map[string]any{"meeting_date": date, "members": strconv.Itoa(members), "present": strconv.Itoa(present), "minutes": "逐一表决，书记最后表态"}
	for c, v := range votes {
		f["agree_"+c], f["disagree_"+c], f["defer_"+c], f["result_"+c] = v[0], v[1], v[2], v[3]
	}
	return f
}

func appointment(c1, c2 bool) map[string]any {
	f := map[string]any{"talk_date": "2026-11-10", "talker": "陈静", "appoint_c1": c1, "appoint_c2": c2}
	if c1 {
		f["talk_c1"] = "提出要求：廉洁自律，尽快进入角色"
	}
	if c2 {
		f["talk_c2"] = "提出要求：廉洁自律，尽快进入角色"
	}
	return f
}

// issuesOf is the field issues of a rejection recorded under label.
func issuesOf(t *testing.T, r *run, label string) []schemas.FieldIssue {
	t.Helper()
	var appErr *temporal.ApplicationError
	if err := r.rejections["reject:"+label]; !errors.As(err, &appErr) {
		t.Fatalf("%s: %v", label, err)
	}
	var issues []schemas.FieldIssue
	if appErr.HasDetails() {
		_ = appErr.Details(&issues)
	}
	return issues
}

func hasIssue(issues []schemas.FieldIssue, field, words string) bool {
	return slices.ContainsFunc(issues, func(i schemas.FieldIssue) bool { return i.Field == field && strings.Contains(i.Message, words) })
}

func rejectStep(r *run, label, step, official, decision string, form map[string]any, errType string) {
	r.reject(label, schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
		TaskID: r.caseID + "." + step, Actor: r.actor(official), Decision: decision, Form: form,
	}, errType)
}

func selCandidate(t *testing.T, s schemas.CaseState, id string) *schemas.SelectionCandidateState {
	t.Helper()
	for _, c := range s.Selection.Candidates {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no candidate %s", id)
	return nil
}

func TestSelectionPasses(t *testing.T) {
	r := newRun(t, "selection-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	links := standIns(r, map[string]string{"batu": schemas.PrePass, "na.ren": schemas.PrePass},
		map[string]string{"c1": schemas.PubProceed, "c2": schemas.PubProceedWithReminder})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	r.at("2026-11-02 12:00", func() {
		rejectStep(r, "recommendation by a nominee", "recommend", "batu", workflows.DecisionSubmit, nil, schemas.ErrTypeRecused)
	})
	inspection(r, "2026-11-04 10:00", "2026-11-05 10:00")
	both := map[string][4]string{"c1": {"9", "0", "0", schemas.SelectionPassed}, "c2": {"8", "1", "0", schemas.SelectionPassed}}
	r.at("2026-11-09 10:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, both))
	})
	// Both on probation: the end-of-trial assessments open side by side 11 months after the
	// talk (2026-11-10 → 2027-10-10); 巴图 is found competent, 娜仁 not.
	onProbation := appointment(true, true)
	onProbation["probation_c1"], onProbation["probation_c2"] = true, true
	r.at("2026-11-10 10:00", func() { r.complete("appoint", "wu.gang", workflows.DecisionAppoint, onProbation) })
	r.at("2026-11-11 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.at("2027-10-09 10:00", func() {
		rejectStep(r, "assessment before 11 months", "c1-trial", "wu.gang", schemas.SelectionCompetent, map[string]any{"assessment": "胜任"}, schemas.ErrTypeNotFound)
	})
	r.at("2027-10-11 10:00", func() {
		rejectStep(r, "assessment by the appointee", "c2-trial", "na.ren", schemas.SelectionCompetent, map[string]any{"assessment": "胜任"}, schemas.ErrTypeRecused)
		r.complete("c1-trial", "wu.gang", schemas.SelectionCompetent, map[string]any{"assessment": "民主测评优秀，实绩突出"})
	})
	r.at("2027-10-12 10:00", func() {
		r.complete("c2-trial", "wu.gang", schemas.SelectionIncompetent, map[string]any{"assessment": "民主测评称职率不足三分之二"})
	})
	r.env.SetTestTimeout(time.Minute)
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	sel := s.Selection
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：试用期满考核胜任，正式任职；娜仁：试用期满考核不胜任，已免去试任职务" || !slices.Contains(s.Subjects, "batu") {
		t.Fatalf("status %s outcome %q subjects %v", s.Status, s.Outcome, s.Subjects)
	}
	if want := []string{"motion", "recommend", "inspect", "decide", "publicity", "appointment"}; !slices.Equal(sel.Stages, want) {
		t.Errorf("stages %v", sel.Stages)
	}
	if sel.Motion == nil || sel.Motion.ApprovedBy != "chen.jing" || sel.Recommendation == nil || sel.Recommendation.BallotsValid != 27 ||
		sel.Meeting == nil || sel.Meeting.Present != 9 || sel.Review == nil || sel.Review.Decision != workflows.DecisionComplete || len(sel.Review.Gaps) != 0 {
		t.Errorf("records: %+v %+v %+v %+v", sel.Motion, sel.Recommendation, sel.Meeting, sel.Review)
	}
	c1, c2 := selCandidate(t, s, "c1"), selCandidate(t, s, "c2")
	if c1.Votes != 20 || !c1.Appointed || !c1.Probation || c1.ProbationEnds != "2027-11-10" || c1.Tally == nil || c1.Tally.Agree != 9 ||
		!c2.Probation || c2.Publicity != schemas.PubProceedWithReminder || c2.PreAppointment != schemas.PrePass {
		t.Errorf("candidates: %+v %+v", c1, c2)
	}
	// The end-of-trial assessments: both opened at the start of 2027-10-10, in parallel.
	for _, c := range []*schemas.SelectionCandidateState{c1, c2} {
		if c.TalkDate != "2026-11-10" || c.TrialOn != "2027-10-10" || c.Trial == nil || c.Trial.By != "wu.gang" {
			t.Errorf("%s trial: %+v %+v", c.Name, c, c.Trial)
		}
		if opened := r.auditAt("task.opened", c.ID+"-trial"); !opened.Equal(mustTime(t, "2027-10-10 00:00:00")) {
			t.Errorf("%s: assessment opened at %v", c.Name, opened)
		}
	}
	if c1.Trial.Result != schemas.SelectionCompetent || c2.Trial.Result != schemas.SelectionIncompetent || c2.Trial.Assessment != "民主测评称职率不足三分之二" {
		t.Errorf("trial results: %+v %+v", c1.Trial, c2.Trial)
	}
	if !r.notifiedCase("wu.gang", "试用期满考核不胜任：娜仁") || r.notifiedCase("wu.gang", "试用期满考核不胜任：巴图") {
		t.Error("the cadre section was not told of the trial post removed (or told of the wrong one)")
	}
	var assessed int64
	r.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", r.caseID, "selection.trial_assessed").Count(&assessed)
	if assessed != 2 {
		t.Errorf("%d trial assessments audited", assessed)
	}
	if len(links.pre) != 1 || len(links.pre[0].Candidates) != 2 || links.pre[0].DisciplineOfficeID != "150100-jw" ||
		sel.Inspection.PreCaseID != links.pre[0].CaseID || !strings.HasPrefix(sel.Inspection.PreCaseID, "pre-appointment-") {
		t.Errorf("P10: %+v, %s", links.pre, sel.Inspection.PreCaseID)
	}
	if len(links.pub) != 1 || len(links.pub[0].Candidates) != 2 || links.pub[0].PeriodWorkingDays != 5 || sel.PublicityCaseID != links.pub[0].CaseID {
		t.Errorf("P1: %+v, %s", links.pub, sel.PublicityCaseID)
	}
	if len(sel.Irregularities) != 0 || sel.Halted {
		t.Errorf("irregularities %+v", sel.Irregularities)
	}
	r.verifyAudit()
}

func TestSelectionBlockedCandidate(t *testing.T) {
	r := newRun(t, "selection-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	links := standIns(r, map[string]string{"batu": schemas.PreUnfit, "na.ren": schemas.PrePass},
		map[string]string{"c2": schemas.PubProceed})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	inspection(r, "2026-11-04 10:00", "2026-11-05 10:00")
	both := map[string][4]string{"c1": {"9", "0", "0", schemas.SelectionPassed}, "c2": {"8", "1", "0", schemas.SelectionPassed}}
	r.at("2026-11-09 10:00", func() {
		rejectStep(r, "pass of the blocked", "decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, both), schemas.ErrTypeConflict)
	})
	r.at("2026-11-09 11:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, map[string][4]string{
			"c1": {"0", "9", "0", schemas.SelectionNotPassed}, "c2": {"8", "1", "0", schemas.SelectionPassed}}))
	})
	r.at("2026-11-10 10:00", func() {
		rejectStep(r, "appointment of the blocked", "appoint", "wu.gang", workflows.DecisionAppoint, appointment(true, true), schemas.ErrTypeConflict)
	})
	r.at("2026-11-10 11:00", func() { r.complete("appoint", "wu.gang", workflows.DecisionAppoint, appointment(false, true)) })
	r.at("2026-11-11 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：任前核查不宜；娜仁：已任职" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if i := issuesOf(t, r, "pass of the blocked"); !hasIssue(i, "form.result_c1", "不宜") {
		t.Errorf("pass of the blocked: %+v", i)
	}
	if i := issuesOf(t, r, "appointment of the blocked"); !hasIssue(i, "form.appoint_c1", "巴图") {
		t.Errorf("appointment of the blocked: %+v", i)
	}
	c1 := selCandidate(t, s, "c1")
	if c1.Blocked == "" || c1.PreAppointment != schemas.PreUnfit || c1.Appointed || c1.Decision != schemas.SelectionNotPassed {
		t.Errorf("巴图: %+v", c1)
	}
	if len(links.pub) != 1 || len(links.pub[0].Candidates) != 1 || links.pub[0].Candidates[0].OfficialID != "na.ren" {
		t.Errorf("the publicity holds only 娜仁: %+v", links.pub)
	}
}

func TestSelectionIrregularityFlaggedAndResolved(t *testing.T) {
	r := newRun(t, "selection-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	standIns(r, map[string]string{"batu": schemas.PrePass, "na.ren": schemas.PrePass},
		map[string]string{"c1": schemas.PubProceed, "c2": schemas.PubProceed})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	flag := func(official string) schemas.IrregularityRequest {
		return schemas.IrregularityRequest{Actor: r.actor(official), Description: "会议推荐参加范围不符合规定"}
	}
	r.at("2026-11-03 10:30", func() {
		r.reject("flag by a nominee", schemas.UpdateFlagIrregularity, flag("batu"), schemas.ErrTypeRecused)
		r.reject("flag by the cadre section", schemas.UpdateFlagIrregularity, flag("wu.gang"), schemas.ErrTypeForbidden)
		r.update("flag", schemas.UpdateFlagIrregularity, flag("bao.yin"))
	})
	r.at("2026-11-04 10:00", func() {
		r.complete("irregularity-i1-propose-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"resolution": "补充说明"})
	})
	r.at("2026-11-04 11:00", func() {
		r.complete("irregularity-i1-approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "应重新组织会议推荐"})
	})
	r.at("2026-11-05 10:00", func() {
		r.complete("irregularity-i1-propose-2", "bao.yin", workflows.DecisionSubmit, map[string]any{"resolution": "按规定范围重新组织会议推荐，结果附后"})
	})
	r.at("2026-11-05 11:00", func() { r.complete("irregularity-i1-approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	inspection(r, "2026-11-04 12:00", "2026-11-04 13:00") // within the stage: steps go on
	both := map[string][4]string{"c1": {"9", "0", "0", schemas.SelectionPassed}, "c2": {"8", "1", "0", schemas.SelectionPassed}}
	r.at("2026-11-09 10:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, both))
	})
	r.at("2026-11-10 10:00", func() { r.complete("appoint", "wu.gang", workflows.DecisionAppoint, appointment(true, true)) })
	r.at("2026-11-11 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：已任职；娜仁：已任职" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	irr := s.Selection.Irregularities
	if len(irr) != 1 || irr[0].Stage != "inspect" || irr[0].RaisedBy != "bao.yin" || irr[0].ResolvedBy != "chen.jing" ||
		irr[0].Resolution != "按规定范围重新组织会议推荐，结果附后" || irr[0].ResolvedAt == nil || s.Selection.Halted {
		t.Fatalf("irregularities %+v", irr)
	}
	// The 考察 stage had begun (its first step opened on the recommendation) and its steps went
	// on; no further stage opened until the resolution was approved on 5 November at 11:00.
	if opened := r.auditAt("task.opened", "decide"); !opened.Equal(mustTime(t, "2026-11-05 11:00:00")) {
		t.Errorf("decision opened at %v", opened)
	}
	r.verifyAudit()
}

func TestSelectionDecisionWithoutQuorumRefused(t *testing.T) {
	r := newRun(t, "selection-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	standIns(r, map[string]string{"batu": schemas.PrePass, "na.ren": schemas.PrePass},
		map[string]string{"c1": schemas.PubProceed})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	inspection(r, "2026-11-04 10:00", "2026-11-05 10:00")
	r.at("2026-11-09 10:00", func() {
		rejectStep(r, "without quorum", "decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 7, map[string][4]string{
			"c1": {"7", "0", "0", schemas.SelectionPassed}, "c2": {"7", "0", "0", schemas.SelectionPassed}}), schemas.ErrTypeInvalid)
		rejectStep(r, "without majority", "decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 8, map[string][4]string{
			"c1": {"6", "2", "0", schemas.SelectionPassed}, "c2": {"5", "3", "0", schemas.SelectionPassed}}), schemas.ErrTypeInvalid)
		rejectStep(r, "more votes than present", "decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 8, map[string][4]string{
			"c1": {"8", "1", "0", schemas.SelectionPassed}, "c2": {"5", "3", "0", schemas.SelectionNotPassed}}), schemas.ErrTypeInvalid)
	})
	r.at("2026-11-09 11:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 8, map[string][4]string{
			"c1": {"7", "1", "0", schemas.SelectionPassed}, "c2": {"5", "2", "1", schemas.SelectionDeferred}}))
	})
	r.at("2026-11-09 12:00", func() {
		r.complete("reconsider-1", "wu.gang", workflows.DecisionDrop, map[string]any{"reason": "本批次不再复议"})
	})
	r.at("2026-11-10 10:00", func() { r.complete("appoint", "wu.gang", workflows.DecisionAppoint, appointment(true, false)) })
	r.at("2026-11-11 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：已任职；娜仁：讨论决定缓议" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if i := issuesOf(t, r, "without quorum"); !hasIssue(i, "form.present", "三分之二") {
		t.Errorf("without quorum: %+v", i)
	}
	if i := issuesOf(t, r, "without majority"); !hasIssue(i, "form.result_c2", "未超过应到会成员11人的半数") || len(i) != 1 {
		t.Errorf("without majority: %+v", i)
	}
	if i := issuesOf(t, r, "more votes than present"); !hasIssue(i, "form.agree_c1", "多于实到会成员") {
		t.Errorf("more votes than present: %+v", i)
	}
	if m := s.Selection.Meeting; m.Members != 11 || m.Present != 8 {
		t.Errorf("meeting %+v", m)
	}
}

func TestSelectionRecommendationExpired(t *testing.T) {
	r := newRun(t, "selection-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	standIns(r, map[string]string{"batu": schemas.PrePass, "na.ren": schemas.PrePass}, nil)
	motionAndRecommendation(r, "2025-09-01", "2025-10-15")
	inspection(r, "2026-11-04 10:00", "2026-11-05 10:00")
	// The decision stage opens on the last report and finds the recommendation expired: the
	// system flags it, and the case waits for the resolution.
	r.at("2026-11-06 10:00", func() {
		r.complete("irregularity-i1-propose-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"resolution": "推荐结果已过期，不得据此任用，另行启动选拔"})
	})
	r.at("2026-11-06 11:00", func() { r.complete("irregularity-i1-approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	both := map[string][4]string{"c1": {"9", "0", "0", schemas.SelectionPassed}, "c2": {"0", "9", "0", schemas.SelectionNotPassed}}
	r.at("2026-11-09 10:00", func() {
		rejectStep(r, "pass on an expired recommendation", "decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, both), schemas.ErrTypeConflict)
	})
	r.at("2026-11-09 11:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, map[string][4]string{
			"c1": {"0", "0", "9", schemas.SelectionDeferred}, "c2": {"0", "9", "0", schemas.SelectionNotPassed}}))
	})
	r.at("2026-11-09 12:00", func() {
		r.complete("reconsider-1", "wu.gang", workflows.DecisionDrop, map[string]any{"reason": "推荐结果已过期，另行启动选拔"})
	})
	r.at("2026-11-10 10:00", func() {
		rejectStep(r, "complete with gaps", "review", "bao.yin", workflows.DecisionComplete, nil, schemas.ErrTypeConflict)
	})
	r.at("2026-11-10 11:00", func() {
		r.complete("review", "bao.yin", workflows.DecisionCorrect, map[string]any{"notice": "推荐结果超过有效期，责成重新推荐"})
	})
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	sel := s.Selection
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：讨论决定缓议；娜仁：讨论决定未通过" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if i := issuesOf(t, r, "pass on an expired recommendation"); !hasIssue(i, "form.meeting_date", "超过1年") {
		t.Errorf("pass on an expired recommendation: %+v", i)
	}
	if irr := sel.Irregularities; len(irr) != 1 || irr[0].Rule != schemas.IrregularityRuleRecommendation || irr[0].RaisedBy != "system" ||
		irr[0].Stage != "decide" || irr[0].ResolvedBy != "chen.jing" {
		t.Fatalf("irregularities %+v", irr)
	}
	if opened := r.auditAt("task.opened", "decide"); opened.Before(mustTime(t, "2026-11-06 11:00:00")) {
		t.Errorf("the decision opened at %v, before the resolution", opened)
	}
	if sel.PublicityCaseID != "" || !slices.Equal(sel.Stages, []string{"motion", "recommend", "inspect", "decide"}) {
		t.Errorf("went on after the decision: %v %s", sel.Stages, sel.PublicityCaseID)
	}
	if sel.Review == nil || sel.Review.Decision != workflows.DecisionCorrect || !slices.ContainsFunc(sel.Review.Gaps, func(g string) bool { return strings.Contains(g, "1年") }) {
		t.Errorf("review %+v", sel.Review)
	}
	if !r.notifiedCase("bao.yin", "选拔任用不规范情形") {
		t.Error("the supervisors were not told of the system's flag")
	}
}

// notifiedCase: official got a notification about this case whose title contains words.
func (r *run) notifiedCase(official, words string) bool {
	var n int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND case_id = ? AND title LIKE ?", official, r.caseID, "%"+words+"%").Count(&n)
	return n > 0
}

// TestSelectionRestrictedNominee: an admonishment's influence period runs on 巴图
// (restrictions.PromotionAllowed is false): he cannot be fixed as 考察对象, and the checks and
// the rest of the selection go on with 娜仁 alone.
func TestSelectionRestrictedNominee(t *testing.T) {
	r := newRun(t, "selection-2026-0006", mustTime(t, "2026-11-02 09:00:00"))
	if err := r.db.Create(&schemas.Restriction{
		ID: "admonishment-2026-0009/no_promotion", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion, CaseID: "admonishment-2026-0009",
		Reason: "诫勉影响期内不得提拔或者重用", StartsAt: mustTime(t, "2026-06-01 00:00:00"), EndsAt: mustTime(t, "2026-12-01 00:00:00"),
	}).Error; err != nil {
		t.Fatal(err)
	}
	links := standIns(r, map[string]string{"na.ren": schemas.PrePass}, map[string]string{"c2": schemas.PubProceed})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	fix := map[string]any{"team": "王军、李梅", "plan": "民主测评、个别谈话", "inspect_c1": true, "inspect_c2": true}
	r.at("2026-11-04 10:00", func() {
		rejectStep(r, "restricted as 考察对象", "inspect-fix", "wu.gang", workflows.DecisionSubmit, fix, schemas.ErrTypeConflict)
		rejectStep(r, "nobody inspected", "inspect-fix", "wu.gang", workflows.DecisionSubmit,
			map[string]any{"team": "王军", "plan": "方案", "inspect_c1": false}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-04 11:00", func() {
		r.complete("inspect-fix", "wu.gang", workflows.DecisionSubmit, map[string]any{"team": "王军、李梅", "plan": "民主测评、个别谈话", "inspect_c2": true})
	})
	r.at("2026-11-05 10:00", func() {
		r.complete("c2-inspection", "wu.gang", workflows.DecisionSubmit, map[string]any{"evaluation": "优秀率85%", "report": "实绩突出", "signatures": "王军、李梅"})
	})
	r.at("2026-11-09 10:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, map[string][4]string{"c2": {"9", "0", "0", schemas.SelectionPassed}}))
	})
	r.at("2026-11-10 10:00", func() {
		rejectStep(r, "appointment of one never inspected", "appoint", "wu.gang", workflows.DecisionAppoint,
			map[string]any{"talk_date": "2026-11-10", "talker": "陈静", "appoint_c2": true, "talk_c2": "要求", "appoint_c1": true}, schemas.ErrTypeInvalid)
		r.complete("appoint", "wu.gang", workflows.DecisionAppoint, map[string]any{"talk_date": "2026-11-10", "talker": "陈静", "appoint_c2": true, "talk_c2": "要求"})
	})
	r.at("2026-11-11 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：未列为考察对象；娜仁：已任职" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if i := issuesOf(t, r, "restricted as 考察对象"); !hasIssue(i, "form.inspect_c1", "诫勉影响期") {
		t.Errorf("restricted as 考察对象: %+v", i)
	}
	if i := issuesOf(t, r, "nobody inspected"); !hasIssue(i, "form.inspect_c1", "至少确定一名") {
		t.Errorf("nobody inspected: %+v", i)
	}
	if i := issuesOf(t, r, "appointment of one never inspected"); !hasIssue(i, "form", "未知字段") {
		t.Errorf("appointment of one never inspected: %+v", i)
	}
	if len(links.pre) != 1 || len(links.pre[0].Candidates) != 1 || links.pre[0].Candidates[0].OfficialID != "na.ren" {
		t.Errorf("P10 input: %+v", links.pre)
	}
	if c1 := selCandidate(t, s, "c1"); c1.Inspected || !strings.Contains(c1.Blocked, "诫勉") {
		t.Errorf("巴图: %+v", c1)
	}
}

// TestSelectionReconsideration: the meeting defers 娜仁 (缓议); a later meeting reconsiders her
// (复议). A record without more than half of all members agreeing to reconsider is refused;
// then 7 of 11 agree to reconsider and 7 vote for her, and she goes on with 巴图.
func TestSelectionReconsideration(t *testing.T) {
	r := newRun(t, "selection-2026-0007", mustTime(t, "2026-11-02 09:00:00"))
	links := standIns(r, map[string]string{"batu": schemas.PrePass, "na.ren": schemas.PrePass},
		map[string]string{"c1": schemas.PubProceed, "c2": schemas.PubProceed})
	motionAndRecommendation(r, "2026-10-30", "2026-11-02")
	inspection(r, "2026-11-04 10:00", "2026-11-05 10:00")
	r.at("2026-11-09 10:00", func() {
		r.complete("decide", "wu.gang", workflows.DecisionRecordMeeting, meeting("2026-11-09", 11, 9, map[string][4]string{
			"c1": {"9", "0", "0", schemas.SelectionPassed}, "c2": {"4", "1", "4", schemas.SelectionDeferred}}))
	})
	reconsidered := func(consent string, c2 [4]string) map[string]any {
		f := meeting("2026-11-16", 11, 9, map[string][4]string{"c2": c2})
		f["consent"] = consent
		return f
	}
	r.at("2026-11-16 10:00", func() {
		rejectStep(r, "without consent", "reconsider-1", "wu.gang", workflows.DecisionRecordMeeting,
			reconsidered("5", [4]string{"7", "2", "0", schemas.SelectionPassed}), schemas.ErrTypeInvalid)
		rejectStep(r, "reconsider without majority", "reconsider-1", "wu.gang", workflows.DecisionRecordMeeting,
			reconsidered("7", [4]string{"5", "4", "0", schemas.SelectionPassed}), schemas.ErrTypeInvalid)
		rejectStep(r, "drop without reason", "reconsider-1", "wu.gang", workflows.DecisionDrop, nil, schemas.ErrTypeInvalid)
		rejectStep(r, "reconsider by the nominee", "reconsider-1", "na.ren", workflows.DecisionDrop, map[string]any{"reason": "x"}, schemas.ErrTypeRecused)
	})
	r.at("2026-11-16 11:00", func() {
		r.complete("reconsider-1", "wu.gang", workflows.DecisionRecordMeeting, reconsidered("7", [4]string{"7", "2", "0", schemas.SelectionPassed}))
	})
	r.at("2026-11-17 10:00", func() {
		f := appointment(true, true)
		f["talk_date"] = "2026-11-17"
		r.complete("appoint", "wu.gang", workflows.DecisionAppoint, f)
	})
	r.at("2026-11-18 10:00", func() { r.complete("review", "bao.yin", workflows.DecisionComplete, nil) })
	r.env.ExecuteWorkflow(workflows.Selection, selectionInput(r.caseID))

	s := r.state()
	sel := s.Selection
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：已任职；娜仁：已任职" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	if i := issuesOf(t, r, "without consent"); !hasIssue(i, "form.consent", "超过应到会成员11人的半数") {
		t.Errorf("without consent: %+v", i)
	}
	if i := issuesOf(t, r, "reconsider without majority"); !hasIssue(i, "form.result_c2", "未超过应到会成员11人的半数") {
		t.Errorf("reconsider without majority: %+v", i)
	}
	if i := issuesOf(t, r, "drop without reason"); !hasIssue(i, "form.reason", "") {
		t.Errorf("drop without reason: %+v", i)
	}
	if len(sel.Reconsiderations) != 1 {
		t.Fatalf("reconsiderations %+v", sel.Reconsiderations)
	}
	if m := sel.Reconsiderations[0]; m.Consent != 7 || m.Date != "2026-11-16" || !slices.Equal(m.Candidates, []string{"c2"}) || m.RecordedBy != "wu.gang" {
		t.Errorf("reconsideration %+v", m)
	}
	if c2 := selCandidate(t, s, "c2"); c2.Decision != schemas.SelectionPassed || c2.Tally.Agree != 7 || !c2.Appointed {
		t.Errorf("娜仁: %+v", c2)
	}
	if sel.Meeting.Date != "2026-11-09" || len(links.pub) != 1 || len(links.pub[0].Candidates) != 2 {
		t.Errorf("meeting %+v, publicity %+v", sel.Meeting, links.pub)
	}
	if !slices.Equal(sel.Stages, []string{"motion", "recommend", "inspect", "decide", "publicity", "appointment"}) || len(sel.Review.Gaps) != 0 {
		t.Errorf("stages %v, gaps %v", sel.Stages, sel.Review.Gaps)
	}
	r.verifyAudit()
}
