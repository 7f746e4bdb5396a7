package workflows_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// 包音 (bao.yin) is the supervisor of 呼和浩特市委组织部 (150100), 陈静 (chen.jing) its leader;
// 王建 (wang.jian) supervises at the region (150000), one level up.
func opinionInput(caseID, firstSeen string, t *testing.T) schemas.PublicOpinionInput {
	return schemas.PublicOpinionInput{
		CaseID: caseID, Title: "网传某局长“带病提拔”", OrgUnitID: "150100", CreatedBy: "bao.yin",
		Source: "微博", Link: "https://weibo.example/123", Capture: "网帖称某局长带病提拔，附截图。",
		FirstSeenAt: mustTime(t, firstSeen),
	}
}

// rungTimes are the times the rung action fired on the step, in order.
func rungTimes(r *run, action, step string) []time.Time {
	var evs []schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ? AND task_id = ?", r.caseID, "task."+action, r.caseID+"."+step).Order("id").Find(&evs)
	out := make([]time.Time, len(evs))
	for i, ev := range evs {
		out[i] = ev.At.In(cst)
	}
	return out
}

func wantTimes(t *testing.T, what string, got []time.Time, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s fired at %v, want %v", what, got, want)
		return
	}
	for i := range want {
		if !got[i].Equal(mustTime(t, want[i])) {
			t.Errorf("%s #%d fired at %s, want %s", what, i+1, got[i], want[i])
		}
	}
}

func taskDue(r *run, step string) time.Time {
	var task schemas.Task
	if err := r.db.First(&task, "id = ?", r.caseID+"."+step).Error; err != nil {
		r.t.Fatalf("task %s: %v", step, err)
	}
	return task.DueAt.In(cst)
}

func deadlineOf(t *testing.T, s *schemas.PublicOpinionState, key string) schemas.PublicOpinionDeadline {
	t.Helper()
	for _, d := range s.Deadlines {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("no deadline %s in %+v", key, s.Deadlines)
	return schemas.PublicOpinionDeadline{}
}

// TestPublicOpinionMajorOverNationalDay: first seen Wednesday 30 September 2026 at 22:00, the
// eve of 国庆节 (1–7 October off). Every limit is an exact clock time on the holiday: grading
// by 00:00 on 1 October, the leader within the hour of the grade, authoritative information by
// 03:00, the press conference by 22:00. The item proves untrue and is clarified; the review
// counts working days, after the holiday.
func TestPublicOpinionMajorOverNationalDay(t *testing.T) {
	r := newRun(t, "public-opinion-2026-0001", mustTime(t, "2026-09-30 22:30:00"))
	// Grading is late: reminders at 23:00 (50%) and 23:36 (80%), overdue at 00:00 — the
	// supervisors hold the step, so the leader is told.
	r.at("2026-10-01 00:30", func() {
		r.complete("grade", "bao.yin", schemas.OpinionMajor, map[string]any{"reason": "涉及干部选拔任用，转发量大"})
	})
	r.at("2026-10-01 01:00", func() {
		r.complete("leader", "chen.jing", workflows.DecisionAcknowledge, map[string]any{"instructions": "第一时间核实回应"})
	})
	r.at("2026-10-01 01:30", func() {
		r.complete("info-draft-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"text": "关于网传信息的情况说明（初稿）", "channel": "官方微信公众号"})
	})
	r.at("2026-10-01 02:10", func() {
		r.complete("info-approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "表述再准确些"})
	})
	r.at("2026-10-01 02:20", func() {
		r.complete("info-draft-2", "bao.yin", workflows.DecisionSubmit, map[string]any{"text": "关于网传信息的情况说明", "channel": "官方微信公众号"})
	})
	r.at("2026-10-01 02:40", func() { r.complete("info-approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-10-01 12:00", func() {
		r.complete("facts-1", "bao.yin", schemas.FindingUnfounded, map[string]any{"facts": "经核查，该同志任职程序合规，网帖所述不实。"})
	})
	r.at("2026-10-01 15:00", func() {
		r.complete("briefing", "bao.yin", workflows.DecisionBriefing, map[string]any{"partners": "市委宣传部、市委网信办", "summary": "召开媒体吹风会通报核查情况"})
	})
	r.at("2026-10-01 16:00", func() {
		r.complete("follow-1", "bao.yin", workflows.DecisionPublishFinal, map[string]any{"text": "经核查，网传信息不实，特此澄清。"})
	})
	r.at("2026-10-09 10:00", func() {
		r.complete("review", "bao.yin", workflows.DecisionSubmit, map[string]any{"report": "复盘：发现及时，回应在5小时内。"})
	})
	r.env.ExecuteWorkflow(workflows.PublicOpinion, opinionInput(r.caseID, "2026-09-30 22:00:00", t))

	s := r.state()
	po := s.PublicOpinion
	if s.Status != schemas.CaseClosed || po.Grade != schemas.OpinionMajor || !po.Clarified || po.Finding != schemas.FindingUnfounded ||
		s.Outcome != "重大舆情，反映不属实，已澄清" || po.Response != "关于网传信息的情况说明" || !strings.HasPrefix(po.Briefing, "吹风会") {
		t.Fatalf("state %+v outcome %q public opinion %+v", s.Status, s.Outcome, po)
	}
	// Deadlines at exact clock times on the holiday, from T0 (not from registration at 22:30).
	for _, c := range []struct{ key, due, done string }{
		{"grade", "2026-10-01 00:00:00", "2026-10-01 00:30:00"},
		{"leader", "2026-10-01 01:30:00", "2026-10-01 01:00:00"}, // 1 hour from the grade
		{"info", "2026-10-01 03:00:00", "2026-10-01 02:40:00"},
		{"briefing", "2026-10-01 22:00:00", "2026-10-01 15:00:00"},
	} {
		d := deadlineOf(t, po, c.key)
		if !d.DueAt.Equal(mustTime(t, c.due)) || d.DoneAt == nil || !d.DoneAt.Equal(mustTime(t, c.done)) {
			t.Errorf("deadline %s: due %s done %v, want %s / %s", c.key, d.DueAt, d.DoneAt, c.due, c.done)
		}
	}
	for step, due := range map[string]string{
		"grade": "2026-10-01 00:00:00", "info-draft-1": "2026-10-01 03:00:00", "info-approve-2": "2026-10-01 03:00:00",
		"facts-1": "2026-10-01 22:00:00", "briefing": "2026-10-01 22:00:00", "follow-1": "2026-10-02 15:00:00",
		"review": "2026-10-13 23:59:59", // 5 working days: 8, 9, 10 (调休上班), 12, 13 October
	} {
		if got := taskDue(r, step); !got.Equal(mustTime(t, due)) {
			t.Errorf("%s due %s, want %s", step, got, due)
		}
	}
	// The clock ladder fires to the minute.
	wantTimes(t, "grade reminders", rungTimes(r, "remind", "grade"), "2026-09-30 23:00:00", "2026-09-30 23:36:00")
	wantTimes(t, "grade overdue", rungTimes(r, "overdue", "grade"), "2026-10-01 00:00:00")
	wantTimes(t, "grade 督办", rungTimes(r, "escalate", "grade")) // graded 00:30, before +2h
	if !r.notified("chen.jing", notify.KindOverdue, "grade") || !r.notified("bao.yin", notify.KindOverdue, "grade") {
		t.Error("the overdue grading reaches the holder and the leader")
	}
	// The draft opened at 00:30, the 50% mark of the 5-hour window: skipped; 80% at 02:00 passed
	// with the draft done. The approval (opened 01:30) gets the 02:00 reminder.
	wantTimes(t, "info draft reminders", rungTimes(r, "remind", "info-draft-1"))
	wantTimes(t, "info approval reminders", rungTimes(r, "remind", "info-approve-1"), "2026-10-01 02:00:00")
	wantTimes(t, "briefing reminders", rungTimes(r, "remind", "briefing"), "2026-10-01 10:00:00")
	wantTimes(t, "leader reminders", rungTimes(r, "remind", "leader"), "2026-10-01 01:00:00") // 50% of 1 hour, 00:30 + 30 min
	if len(po.Updates) != 2 || po.Updates[0].Text != po.Response || !po.Updates[1].Final {
		t.Errorf("updates %+v", po.Updates)
	}
	r.verifyAudit()
}

// TestPublicOpinionGeneralOverMidAutumnWeekend: first seen Thursday 24 September 2026 at 20:00;
// 中秋节 is Friday 25 to Sunday 27. The 48-hour response is due Saturday 26 September at
// 20:00; its approval is late: overdue at 20:00, 督办 up the tree at 22:00. A final statement
// is refused until the facts are in; they prove true and the handling is published.
func TestPublicOpinionGeneralOverMidAutumnWeekend(t *testing.T) {
	r := newRun(t, "public-opinion-2026-0002", mustTime(t, "2026-09-24 20:10:00"))
	r.at("2026-09-24 20:40", func() {
		r.complete("grade", "bao.yin", schemas.OpinionGeneral, map[string]any{"reason": "关注度一般"})
	})
	r.at("2026-09-24 20:50", func() {
		// No cadre was named at registration: a report case cannot be opened.
		r.reject("refer without a subject", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".facts-1", Actor: r.actor("bao.yin"), Decision: schemas.OpinionReferReport,
			Form: map[string]any{"facts": "需进一步核查"},
		}, schemas.ErrTypeConflict)
	})
	r.at("2026-09-26 11:00", func() {
		r.complete("response-draft-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"text": "正在核查，将及时公布结果。", "channel": "官方网站"})
	})
	r.at("2026-09-26 22:30", func() { r.complete("response-approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-09-26 22:50", func() {
		r.reject("final before the facts", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".follow-1", Actor: r.actor("bao.yin"), Decision: workflows.DecisionPublishFinal,
			Form: map[string]any{"text": "结论"},
		}, schemas.ErrTypeConflict)
	})
	r.at("2026-09-26 23:00", func() {
		r.complete("follow-1", "bao.yin", workflows.DecisionPublishUpdate, map[string]any{"text": "核查工作正在进行。"})
	})
	r.at("2026-09-27 09:00", func() {
		r.complete("facts-1", "bao.yin", schemas.FindingSubstantiated, map[string]any{"facts": "反映的问题基本属实。", "handling": "对相关责任人诫勉谈话"})
	})
	r.at("2026-09-27 10:00", func() {
		r.complete("follow-2", "bao.yin", workflows.DecisionPublishFinal, map[string]any{"text": "经核查，反映问题属实，已对相关责任人诫勉谈话。"})
	})
	r.at("2026-09-29 10:00", func() {
		r.complete("review", "bao.yin", workflows.DecisionSubmit, map[string]any{"report": "复盘：审批环节滞后。"})
	})
	r.env.ExecuteWorkflow(workflows.PublicOpinion, opinionInput(r.caseID, "2026-09-24 20:00:00", t))

	s := r.state()
	po := s.PublicOpinion
	if s.Status != schemas.CaseClosed || po.Grade != schemas.OpinionGeneral || po.Clarified || po.Finding != schemas.FindingSubstantiated ||
		s.Outcome != "一般舆情，反映属实，已公布处理情况：对相关责任人诫勉谈话" {
		t.Fatalf("state %+v outcome %q public opinion %+v", s.Status, s.Outcome, po)
	}
	if len(po.Deadlines) != 2 {
		t.Errorf("deadlines %+v", po.Deadlines)
	}
	if d := deadlineOf(t, po, "grade"); !d.DueAt.Equal(mustTime(t, "2026-09-24 22:00:00")) {
		t.Errorf("grade due %s", d.DueAt)
	}
	if d := deadlineOf(t, po, "response"); !d.DueAt.Equal(mustTime(t, "2026-09-26 20:00:00")) || !d.DoneAt.Equal(mustTime(t, "2026-09-26 22:30:00")) {
		t.Errorf("response %+v", d)
	}
	for step, due := range map[string]string{
		"response-draft-1": "2026-09-26 20:00:00", "facts-1": "2026-09-26 20:00:00", // Saturday, 中秋节
		"follow-2": "2026-09-27 23:00:00",
		"review":   "2026-10-09 23:59:59", // 28, 29, 30 September, 8, 9 October
	} {
		if got := taskDue(r, step); !got.Equal(mustTime(t, due)) {
			t.Errorf("%s due %s, want %s", step, got, due)
		}
	}
	// 50% of 48 hours is Friday 20:00, 80% Saturday 10:24 (9.6 hours before).
	wantTimes(t, "draft reminders", rungTimes(r, "remind", "response-draft-1"), "2026-09-25 20:00:00", "2026-09-26 10:24:00")
	wantTimes(t, "facts reminders", rungTimes(r, "remind", "facts-1"), "2026-09-25 20:00:00", "2026-09-26 10:24:00")
	wantTimes(t, "approval reminders", rungTimes(r, "remind", "response-approve-1")) // opened 11:00, past both marks
	wantTimes(t, "approval overdue", rungTimes(r, "overdue", "response-approve-1"), "2026-09-26 20:00:00")
	wantTimes(t, "approval 督办", rungTimes(r, "escalate", "response-approve-1"), "2026-09-26 22:00:00")
	wantTimes(t, "facts overdue", rungTimes(r, "overdue", "facts-1"), "2026-09-26 20:00:00")
	wantTimes(t, "facts 督办", rungTimes(r, "escalate", "facts-1"), "2026-09-26 22:00:00")
	// The leader's late approval: the supervisors are told at the deadline; the 督办 task opens
	// at the region's supervision office and is withdrawn when the approval comes.
	if !r.notified("bao.yin", notify.KindOverdue, "response-approve-1") || !r.notified("wang.jian", notify.KindEscalation, "response-approve-1") {
		t.Error("overdue approval: the supervisors, then the region's office")
	}
	var duban schemas.Task
	if err := r.db.First(&duban, "id = ?", r.caseID+".response-approve-1-duban").Error; err != nil ||
		duban.OrgUnitID != "150000" || duban.Status != schemas.TaskCancelled {
		t.Errorf("督办 task %+v %v", duban, err)
	}
	if len(po.Updates) != 3 || po.Updates[1].Final || !po.Updates[2].Final {
		t.Errorf("updates %+v", po.Updates)
	}
	r.verifyAudit()
}

// TestPublicOpinionLinkedReport: the item names a cadre (巴图, the case's subject); the
// fact-finding opens a report case (P6, stood in for here) whose finding becomes the facts. The
// report row names no reporter: the content came from the monitoring.
func TestPublicOpinionLinkedReport(t *testing.T) {
	r := newRun(t, "public-opinion-2026-0003", mustTime(t, "2026-11-06 18:30:00"))
	var inputs []schemas.ReportInput
	r.env.OnWorkflow(schemas.KindReport.WorkflowType(), mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in schemas.ReportInput) (schemas.CaseState, error) {
			inputs = append(inputs, in)
			return schemas.CaseState{ID: in.CaseID, Status: schemas.CaseClosed,
				Report: &schemas.ReportState{Finding: schemas.FindingUnfounded, Handling: schemas.HandleNone}}, nil
		}).After(48 * time.Hour)
	in := opinionInput(r.caseID, "2026-11-06 18:00:00", t) // Friday evening
	in.SubjectID, in.SubjectName, in.SubjectUnitID = "batu", "巴图", "150100-jyj"
	in.LowerOffices = []schemas.OrgRef{{ID: "150121", Name: "土默特左旗委组织部"}}
	r.at("2026-11-06 19:00", func() {
		r.reject("the subject grades", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".grade", Actor: r.actor("batu"), Decision: schemas.OpinionGeneral, Form: map[string]any{"reason": "x"},
		}, schemas.ErrTypeRecused)
		r.complete("grade", "bao.yin", schemas.OpinionGeneral, map[string]any{"reason": "一般"})
	})
	r.at("2026-11-06 20:00", func() {
		r.complete("facts-1", "bao.yin", schemas.OpinionReferReport, map[string]any{"facts": "网帖反映的问题具体，转举报件核查。"})
	})
	r.at("2026-11-07 10:00", func() {
		r.complete("response-draft-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"text": "已关注，正在核查。", "channel": "官方网站"})
	})
	r.at("2026-11-07 11:00", func() { r.complete("response-approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-09 09:00", func() {
		r.complete("follow-1", "bao.yin", workflows.DecisionPublishFinal, map[string]any{"text": "经核查，网传信息不实，特此澄清。"})
	})
	r.at("2026-11-10 10:00", func() {
		r.complete("review", "bao.yin", workflows.DecisionSubmit, map[string]any{"report": "复盘。"})
	})
	r.env.ExecuteWorkflow(workflows.PublicOpinion, in)

	s := r.state()
	po := s.PublicOpinion
	if s.Status != schemas.CaseClosed || !slices.Contains(s.Subjects, "batu") || po.ReportCaseID != "report-2026-0001" ||
		po.Finding != schemas.FindingUnfounded || !po.Clarified || !strings.Contains(po.Facts, "report-2026-0001") {
		t.Fatalf("state %+v public opinion %+v", s, po)
	}
	if len(inputs) != 1 || inputs[0].CaseID != "report-2026-0001" || inputs[0].Channel != schemas.ReportChannelOpinion ||
		inputs[0].Signed || inputs[0].Followable || inputs[0].SubjectID != "batu" || inputs[0].OrgUnitID != "150100" ||
		len(inputs[0].LowerOffices) != 1 {
		t.Errorf("report input %+v", inputs)
	}
	var rep schemas.Report
	if err := r.db.First(&rep, "id = ?", "report-2026-0001").Error; err != nil {
		t.Fatal(err)
	}
	if rep.Channel != schemas.ReportChannelOpinion || rep.Signed || rep.IdentitySealed != "" || rep.KeyID != "" || rep.QueryCode != nil ||
		rep.CreatedBy != "bao.yin" || rep.SubjectID != "batu" || !strings.Contains(rep.Content, "https://weibo.example/123") {
		t.Errorf("report row %+v", rep)
	}
	if at := r.auditAt("task.opened", "follow-1"); !at.Equal(mustTime(t, "2026-11-07 11:00:00")) {
		t.Errorf("follow-up opened %s", at)
	}
	r.verifyAudit()
}
