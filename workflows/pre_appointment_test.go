package workflows_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// The candidates: 巴图 (batu, c1) and 娜仁 (na.ren, c2), both of 呼和浩特市教育局, whose principal
// 郑毅 (zheng.yi) signs the 廉洁自律 opinion. 吴刚 (wu.gang, cadre section) reviews the files,
// 高峰 (gao.feng, 纪委监委) answers the letter, 包音 (bao.yin) consolidates.
func preAppointmentInput(caseID string, officials ...string) schemas.PreAppointmentInput {
	names := map[string]string{"batu": "巴图", "na.ren": "娜仁"}
	in := schemas.PreAppointmentInput{
		CaseID: caseID, Title: "教育局副局长人选任前核查", OrgUnitID: "150100", CreatedBy: "wu.gang",
		DisciplineOfficeID: "150100-jw", MattersYear: 2026,
	}
	for i, id := range officials {
		in.Candidates = append(in.Candidates, schemas.PreAppointmentCandidate{
			ID: "c" + string(rune('1'+i)), OfficialID: id, Name: names[id],
			UnitID: "150100-jyj", UnitName: "呼和浩特市教育局", ProposedPost: "呼和浩特市教育局副局长",
		})
	}
	return in
}

// mockMattersCheck stands in for the P8 workflow (tested on its own): the check of each
// cadre ends with the finding given for them; a cadre without one ends with no finding, as a
// cancelled check does. The inputs the case sent are recorded.
func mockMattersCheck(r *run, findings map[string]schemas.MattersFinding) *mattersMock {
	var inputs []schemas.MattersCheckInput
	call := r.env.OnWorkflow(schemas.KindMattersCheck.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.MattersCheckInput) (schemas.CaseState, error) {
			inputs = append(inputs, in)
			f, ok := findings[in.CadreID]
			if !ok {
				return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseCancelled, MattersCheck: &schemas.MattersCheckState{CadreID: in.CadreID}}, nil
			}
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseClosed,
				MattersCheck: &schemas.MattersCheckState{CadreID: in.CadreID, Reason: in.Reason, Finding: f}}, nil
		})
	return &mattersMock{call: call, inputs: &inputs}
}

// mattersMock is the stand-in's registration and the inputs it received.
type mattersMock struct {
	call   *testsuite.MockCallWrapper
	inputs *[]schemas.MattersCheckInput
}

// after makes the checks take d.
func (m *mattersMock) after(d time.Duration) { m.call.After(d) }

// checksAndOpinion: the file review on Tuesday 3 November 2026, the 纪委's answer on Wednesday,
// the Party committee's opinion on Thursday, for candidate c.
func checksAndOpinion(r *run, c, file, discipline string) {
	form := func(name string, needed bool) map[string]any {
		if needed {
			return map[string]any{name: "具体情况……"}
		}
		return nil
	}
	r.at("2026-11-03 10:00", func() { r.complete(c+"-file", "wu.gang", file, form("findings", file != schemas.FileClean)) })
	r.at("2026-11-04 10:00", func() {
		r.complete(c+"-discipline", "gao.feng", discipline, form("opinion", discipline != schemas.DisciplineOK))
	})
	r.at("2026-11-05 10:00", func() {
		r.complete(c+"-integrity", "zheng.yi", workflows.DecisionSign, map[string]any{
			"opinion": "该同志廉洁自律情况良好", "secretary": "郑毅", "discipline_secretary": "李华"})
	})
}

// rejectDecision sends a consolidation expected to be refused with errType.
func rejectDecision(r *run, label, c, decision string, form map[string]any, errType string) {
	r.reject(label, schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
		TaskID: r.caseID + "." + c + "-decide", Actor: r.actor("bao.yin"), Decision: decision, Form: form,
	}, errType)
}

func candidateOf(t *testing.T, s schemas.CaseState, official string) *schemas.PreAppointmentCandidateState {
	t.Helper()
	for _, c := range s.PreAppointment.Candidates {
		if c.OfficialID == official {
			return c
		}
	}
	t.Fatalf("no candidate %s", official)
	return nil
}

func TestPreAppointmentAllClean(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0001", mustTime(t, "2026-11-02 09:00:00"))
	inputs := mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConsistent}).inputs
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineOK)
	r.at("2026-11-05 11:00", func() {
		// The candidate is a subject of the case: recused from its steps.
		r.reject("decision by the candidate", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".c1-decide", Actor: r.actor("batu"), Decision: schemas.PrePass,
		}, schemas.ErrTypeRecused)
	})
	r.at("2026-11-06 10:00", func() { r.complete("c1-decide", "bao.yin", schemas.PrePass, nil) })
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "巴图：通过" || !slices.Contains(s.Subjects, "batu") {
		t.Fatalf("status %s outcome %q subjects %v", s.Status, s.Outcome, s.Subjects)
	}
	c := candidateOf(t, s, "batu")
	for _, ch := range c.Checks {
		if ch.Status != "done" || !ch.Clean || ch.Blocking {
			t.Errorf("check %+v", ch)
		}
	}
	if m := c.Checks[1]; m.CaseID != "matters-check-2026-0001" || m.Result != string(schemas.FindingConsistent) {
		t.Errorf("matters check %+v", m)
	}
	if len(*inputs) != 1 || (*inputs)[0].Reason != schemas.MattersPromotion || (*inputs)[0].SourceCaseID != r.caseID ||
		(*inputs)[0].CadreID != "batu" || (*inputs)[0].Year != 2026 || (*inputs)[0].CaseID != "matters-check-2026-0001" {
		t.Errorf("matters check inputs %+v", *inputs)
	}
	if c.Checks[3].Result != schemas.ReportsNone {
		t.Errorf("reports %+v", c.Checks[3])
	}
	// The Party committee is asked once the four checks are back, the supervisor after it.
	if opened := r.auditAt("task.opened", "c1-integrity"); !opened.Equal(mustTime(t, "2026-11-04 10:00:00")) {
		t.Errorf("integrity opinion opened %s", opened)
	}
	if opened := r.auditAt("task.opened", "c1-decide"); !opened.Equal(mustTime(t, "2026-11-05 10:00:00")) {
		t.Errorf("decision opened %s", opened)
	}
	// The 纪委's letter is due 5 working days after 2 November.
	var letter schemas.Task
	r.db.First(&letter, "id = ?", r.caseID+".c1-discipline")
	if want := mustTime(t, "2026-11-09 23:59:59"); !letter.DueAt.Equal(want) || letter.OrgUnitID != "150100-jw" || letter.AssigneeRole != schemas.RoleDiscipline {
		t.Errorf("letter %+v", letter)
	}
	r.verifyAudit()
}

// TestPreAppointmentConcealed: the personal-matters check finds 瞒报 for 巴图: 通过 is refused,
// 不宜 accepted; 娜仁, clean, passes.
func TestPreAppointmentConcealed(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConcealed, "na.ren": schemas.FindingConsistent})
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineOK)
	checksAndOpinion(r, "c2", schemas.FileClean, schemas.DisciplineOK)
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass 巴图", "c1", schemas.PrePass, nil, schemas.ErrTypeConflict)
		r.complete("c1-decide", "bao.yin", schemas.PreUnfit, map[string]any{"reason": "个人有关事项瞒报"})
		r.complete("c2-decide", "bao.yin", schemas.PrePass, nil)
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu", "na.ren"))

	s := r.state()
	if s.Outcome != "巴图：不宜；娜仁：通过" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if m := candidateOf(t, s, "batu").Checks[1]; !m.Blocking || m.Summary != "瞒报" {
		t.Errorf("matters check %+v", m)
	}
	var task schemas.Task
	r.db.First(&task, "id = ?", r.caseID+".c1-decide")
	if !strings.Contains(strings.Join(task.Spec.Notes, "\n"), "不得通过：个人有关事项核查：瞒报") {
		t.Errorf("notes %v", task.Spec.Notes)
	}
}

// TestPreAppointmentDisciplineSuspends: the 纪委 recommends suspension: 通过 is refused.
func TestPreAppointmentDisciplineSuspends(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0003", mustTime(t, "2026-11-02 09:00:00"))
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConsistent})
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineHold)
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass", "c1", schemas.PrePass, nil, schemas.ErrTypeConflict)
		rejectDecision(r, "suspend without reason", "c1", schemas.PreSuspend, nil, schemas.ErrTypeInvalid)
		r.complete("c1-decide", "bao.yin", schemas.PreSuspend, map[string]any{"reason": "纪委监委建议暂缓"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	if s := r.state(); s.Outcome != "巴图：暂缓" || candidateOf(t, s, "batu").Reason != "纪委监委建议暂缓" {
		t.Fatalf("outcome %q", s.Outcome)
	}
}

// TestPreAppointmentAdmonishmentBar: an admonishment's influence period runs: 通过 is refused
// although every check is clean.
func TestPreAppointmentAdmonishmentBar(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0004", mustTime(t, "2026-11-02 09:00:00"))
	if err := r.db.Create(&schemas.Restriction{
		ID: "admonishment-2026-0009/no_promotion", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion, CaseID: "admonishment-2026-0009",
		Reason: "诫勉影响期内不得提拔或者重用", StartsAt: mustTime(t, "2026-06-01 00:00:00"), EndsAt: mustTime(t, "2026-12-01 00:00:00"),
	}).Error; err != nil {
		t.Fatal(err)
	}
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConsistent})
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineOK)
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass", "c1", schemas.PrePass, nil, schemas.ErrTypeConflict)
		r.complete("c1-decide", "bao.yin", schemas.PreSuspend, map[string]any{"reason": "诫勉影响期未满"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	s := r.state()
	if c := candidateOf(t, s, "batu"); s.Outcome != "巴图：暂缓" || len(c.Bars) != 1 {
		t.Fatalf("outcome %q bars %v", s.Outcome, c.Bars)
	}
}

// TestPreAppointmentMissingCheck: the personal-matters check ends without a finding (its case
// was cancelled): the check is missing and 通过 is refused.
func TestPreAppointmentMissingCheck(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0005", mustTime(t, "2026-11-02 09:00:00"))
	mockMattersCheck(r, nil)
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineOK)
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass", "c1", schemas.PrePass, nil, schemas.ErrTypeConflict)
		r.complete("c1-decide", "bao.yin", schemas.PreSuspend, map[string]any{"reason": "个人有关事项核查未完成"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	s := r.state()
	if m := candidateOf(t, s, "batu").Checks[1]; m.Status != "missing" || s.Outcome != "巴图：暂缓" {
		t.Fatalf("matters check %+v outcome %q", m, s.Outcome)
	}
}

// TestPreAppointmentFindingsNeedDecisions: 漏报 and a file problem do not block, but 通过 needs a
// recorded decision on each.
func TestPreAppointmentFindingsNeedDecisions(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0006", mustTime(t, "2026-11-02 09:00:00"))
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingOmitted})
	checksAndOpinion(r, "c1", schemas.FileIssues, schemas.DisciplineOK)
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass without decisions", "c1", schemas.PrePass, nil, schemas.ErrTypeInvalid)
		rejectDecision(r, "pass with one decision", "c1", schemas.PrePass, map[string]any{"resolution_file": "已补正学历材料"}, schemas.ErrTypeInvalid)
		r.complete("c1-decide", "bao.yin", schemas.PrePass, map[string]any{
			"resolution_file": "已补正学历材料", "resolution_matters": "漏报情节轻微，已批评教育并补报"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	s := r.state()
	c := candidateOf(t, s, "batu")
	if s.Outcome != "巴图：通过" || len(c.Resolutions) != 2 || c.Resolutions["matters"] == "" {
		t.Fatalf("outcome %q resolutions %v", s.Outcome, c.Resolutions)
	}
}

// TestPreAppointmentReports: an open report case about the candidate is verified; one closed
// as unfounded is listed but cleared; a verification that finds the report affects use blocks.
func TestPreAppointmentReports(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0007", mustTime(t, "2026-11-02 09:00:00"))
	closedAt := mustTime(t, "2025-03-01 10:00:00")
	final, _ := json.Marshal(schemas.CaseState{Report: &schemas.ReportState{Triage: schemas.TriageVerify, Finding: schemas.FindingUnfounded}})
	for _, c := range []schemas.Case{
		{ID: "report-2026-0003", Kind: schemas.KindReport, Year: 2026, Seq: 3, Status: schemas.CaseOpen, OrgUnitID: "150100", CreatedAt: mustTime(t, "2026-10-20 10:00:00")},
		{ID: "report-2025-0001", Kind: schemas.KindReport, Year: 2025, Seq: 1, Status: schemas.CaseClosed, OrgUnitID: "150100", CreatedAt: mustTime(t, "2025-01-10 10:00:00"), ClosedAt: &closedAt, FinalState: string(final)},
		{ID: "report-2020-0001", Kind: schemas.KindReport, Year: 2020, Seq: 1, Status: schemas.CaseClosed, OrgUnitID: "150100", CreatedAt: mustTime(t, "2020-01-10 10:00:00"), ClosedAt: &closedAt},
	} {
		if c.ID == "report-2020-0001" {
			old := mustTime(t, "2020-03-01 10:00:00")
			c.ClosedAt = &old
		}
		if err := r.db.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		if err := r.db.Create(&schemas.Report{ID: c.ID, OrgUnitID: "150100", SubjectID: "batu", SubjectName: "巴图", CreatedAt: c.CreatedAt}).Error; err != nil {
			t.Fatal(err)
		}
	}
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConsistent})
	checksAndOpinion(r, "c1", schemas.FileClean, schemas.DisciplineOK)
	r.at("2026-11-04 11:00", func() {
		r.complete("c1-reports", "bao.yin", schemas.ReportsAffect, map[string]any{"findings": "反映违规收受礼金问题基本属实"})
	})
	r.at("2026-11-06 10:00", func() {
		rejectDecision(r, "pass", "c1", schemas.PrePass, nil, schemas.ErrTypeConflict)
		r.complete("c1-decide", "bao.yin", schemas.PreUnfit, map[string]any{"reason": "反映问题经核实影响使用"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	s := r.state()
	rep := candidateOf(t, s, "batu").Checks[3]
	if len(rep.Reports) != 2 || !rep.Reports[1].Specific || rep.Reports[0].Specific || rep.Reports[0].Finding != schemas.FindingUnfounded || !rep.Blocking {
		t.Fatalf("reports check %+v", rep)
	}
	var task schemas.Task
	r.db.First(&task, "id = ?", r.caseID+".c1-reports")
	if len(task.Spec.Notes) != 1 || task.Spec.Notes[0] != "report-2026-0003：尚在办理" {
		t.Errorf("verification notes %v", task.Spec.Notes)
	}
	if s.Outcome != "巴图：不宜" {
		t.Fatalf("outcome %q", s.Outcome)
	}
}

// TestPreAppointmentCancelled: the leader withdraws the case while the personal-matters check
// runs: its open steps close as cancelled, and the case records no decision.
func TestPreAppointmentCancelled(t *testing.T) {
	r := newRun(t, "pre-appointment-2026-0008", mustTime(t, "2026-11-02 09:00:00"))
	mockMattersCheck(r, map[string]schemas.MattersFinding{"batu": schemas.FindingConsistent}).after(30 * 24 * time.Hour)
	r.at("2026-11-03 10:00", func() { r.complete("c1-file", "wu.gang", schemas.FileClean, nil) })
	r.at("2026-11-04 10:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "人选另行安排"})
	})
	r.env.ExecuteWorkflow(workflows.PreAppointment, preAppointmentInput(r.caseID, "batu"))
	s := r.state()
	if s.Status != schemas.CaseCancelled || candidateOf(t, s, "batu").Decision != "" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	var open, cancelled int64
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
	r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskCancelled).Count(&cancelled)
	if open != 0 || cancelled != 1 { // the 纪委's letter; the file review was done
		t.Fatalf("%d open, %d cancelled tasks", open, cancelled)
	}
}
