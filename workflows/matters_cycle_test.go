package workflows_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/spotcheck"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// cycleInput is the 2025 cycle of the Hohhot organization department: reports due 31 January
// 2026, drawn by 31 March 2026. Its roster is 巴图 and 娜仁 of the city education bureau.
func cycleInput(caseID, seed string, percent int) schemas.MattersCycleInput {
	return schemas.MattersCycleInput{
		CycleStart: schemas.CycleStart{CaseID: caseID, OrgUnitID: "150100", Period: "2025", CreatedBy: "bao.yin"},
		Percent:    percent, Seed: seed,
	}
}

// completePart completes a step of the cycle that lives in a cadre's report part.
func (r *run) completePart(cadre, step, official, decision string, form map[string]any) {
	r.seq++
	label := step + " by " + official
	err := r.env.UpdateWorkflowByID(schemas.MattersCycleReportID(r.caseID, cadre), schemas.UpdateCompleteTask, fmt.Sprintf("u%d", r.seq),
		&testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.t.Errorf("%s rejected: %v", label, err) },
			OnComplete: func(_ any, err error) {
				if err != nil {
					r.t.Errorf("%s failed: %v", label, err)
				}
			},
		}, schemas.CompleteTaskRequest{TaskID: r.caseID + "." + step, Actor: r.actor(official), Decision: decision, Form: form})
	if err != nil {
		r.t.Errorf("%s: %v", label, err)
	}
}

// cancelChecks withdraws, at when, the matters checks the draw started (numbered in the
// current year, like every linked case): their own steps are tested in matters_check_test.go.
func (r *run) cancelChecks(when string, n int) {
	r.at(when, func() {
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("matters-check-%d-%04d", time.Now().In(cst).Year(), i)
			r.seq++
			_ = r.env.UpdateWorkflowByID(id, schemas.UpdateCancelCase, fmt.Sprintf("u%d", r.seq), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { r.t.Errorf("cancel %s: %v", id, err) }, OnComplete: func(any, error) {},
			}, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
		}
	})
}

var matterForm = map[string]any{"report": "本人婚姻无变化；房产一套；无投资。"}

func reportOf(s schemas.CaseState, cadre string) schemas.MattersReport {
	for _, rep := range s.MattersCycle.Reports {
		if rep.ID == cadre {
			return rep
		}
	}
	return schemas.MattersReport{}
}

// On time and returned: 巴图 reports before the first reminder; 娜仁 after it, is sent back
// as incomplete and completes within 5 working days. Once both reports are complete the draw
// runs at once (50%: one of the unit's two), with the recorded seed, and the drawn cadre gets
// a random matters check as a linked case.
func TestMattersCycleOnTimeReturnedAndDrawn(t *testing.T) {
	r := newRun(t, "matters-cycle-2025-0001", mustTime(t, "2025-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-01-10 10:00", func() { r.completePart("batu", "report-batu", "batu", workflows.DecisionSubmit, matterForm) })
	r.at("2026-01-12 10:00", func() { r.completePart("batu", "review-batu-1", "bao.yin", workflows.DecisionComplete, nil) })
	r.at("2026-01-20 10:00", func() { r.completePart("na.ren", "report-na.ren", "na.ren", workflows.DecisionSubmit, matterForm) })
	r.at("2026-01-21 10:00", func() {
		r.completePart("na.ren", "review-na.ren-1", "bao.yin", workflows.DecisionIncomplete, map[string]any{"missing": "房产面积未填写"})
	})
	r.at("2026-01-23 10:00", func() { r.completePart("na.ren", "report-na.ren-2", "na.ren", workflows.DecisionSubmit, matterForm) })
	r.at("2026-01-26 10:00", func() { r.completePart("na.ren", "review-na.ren-2", "bao.yin", workflows.DecisionComplete, nil) })
	r.cancelChecks("2026-01-27 10:00", 1)
	r.env.ExecuteWorkflow(workflows.MattersCycle, cycleInput(r.caseID, "seed-2025", 50))

	s := r.state()
	if s.Status != schemas.CaseClosed || s.MattersCycle == nil || len(s.MattersCycle.Reports) != 2 {
		t.Fatalf("state %s %+v", s.Status, s.MattersCycle)
	}
	batu, naren := reportOf(s, "batu"), reportOf(s, "na.ren")
	if batu.Status != schemas.ReportComplete || batu.Late || batu.Returned != 0 || batu.Finding != "" {
		t.Errorf("巴图 %+v", batu)
	}
	if naren.Status != schemas.ReportComplete || naren.Late || naren.Returned != 1 {
		t.Errorf("娜仁 %+v", naren)
	}
	// Due at the end of 31 January; the first reminder (Mon 19 Jan) reached 娜仁 only.
	var task schemas.Task
	if err := r.db.First(&task, "id = ?", r.caseID+".report-batu").Error; err != nil || !task.DueAt.Equal(mustTime(t, "2026-01-31 23:59:59")) {
		t.Errorf("report task %v due %v", err, task.DueAt)
	}
	if r.notified("batu", notify.KindReminder, "report-batu") || !r.notified("na.ren", notify.KindReminder, "report-na.ren") {
		t.Error("reminders: want 娜仁 reminded, 巴图 (reported before) not")
	}
	// The returned report had 5 working days from its return: Wed 21 Jan + 5 = Wed 28 Jan.
	var again schemas.Task
	r.db.First(&again, "id = ?", r.caseID+".report-na.ren-2")
	if !again.DueAt.Equal(mustTime(t, "2026-01-28 23:59:59")) {
		t.Errorf("resubmission due %s", again.DueAt.In(cst))
	}

	d := s.MattersCycle.Draw
	if d == nil || d.Seed != "seed-2025" || d.Percent != 50 || len(d.Units) != 1 || !slices.Equal(d.Units[0].Roster, []string{"batu", "na.ren"}) {
		t.Fatalf("draw %+v", d)
	}
	want, _ := spotcheck.Select("seed-2025", "150100-jyj", []string{"na.ren", "batu"}, 50)
	if !slices.Equal(d.Units[0].Drawn, want.Drawn) || len(want.Drawn) != 1 {
		t.Fatalf("drawn %v, the seed gives %v", d.Units[0].Drawn, want.Drawn)
	}
	if !d.DrawnAt.Equal(mustTime(t, "2026-01-26 10:00:00")) {
		t.Errorf("drawn at %s, want when the last report was complete", d.DrawnAt.In(cst))
	}
	drawn := reportOf(s, want.Drawn[0])
	var check schemas.Case
	if drawn.CheckCaseID == "" || r.db.First(&check, "id = ?", drawn.CheckCaseID).Error != nil || check.Kind != schemas.KindMattersCheck {
		t.Fatalf("drawn cadre's check %q %+v", drawn.CheckCaseID, check)
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "matters.draw").First(&ev).Error; err != nil || !strings.Contains(ev.Detail, "seed-2025") {
		t.Fatalf("draw not audited: %v %s", err, ev.Detail)
	}
	var opened schemas.AuditEvent
	r.db.Where("case_id = ? AND action = ?", drawn.CheckCaseID, "case.opened").First(&opened)
	if !strings.Contains(opened.Detail, "random") || !strings.Contains(opened.Detail, r.caseID) {
		t.Errorf("check not a random one of the cycle: %s", opened.Detail)
	}
	if !strings.HasPrefix(s.Outcome, "应报告2人，按时报告2人，逾期报告0人，认定无正当理由不按时报告0人；随机抽查1人") {
		t.Errorf("outcome %q", s.Outcome)
	}
	r.verifyAudit()
}

// Late: 巴图 has not reported by 31 January: the 催办 goes to the bureau's principal at the
// deadline; 10 working days later (Fri 13 Feb 2026) the finding 无正当理由不按时报告 is
// recorded and the supervisors record its handling, while the report itself is still owed.
func TestMattersCycleLateReportFinding(t *testing.T) {
	r := newRun(t, "matters-cycle-2025-0002", mustTime(t, "2025-12-01 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-01-20 10:00", func() { r.completePart("na.ren", "report-na.ren", "na.ren", workflows.DecisionSubmit, matterForm) })
	r.at("2026-01-21 10:00", func() { r.completePart("na.ren", "review-na.ren-1", "bao.yin", workflows.DecisionComplete, nil) })
	r.at("2026-02-16 10:00", func() {
		r.completePart("batu", "late-batu", "bao.yin", workflows.DecisionRecordHandling, map[string]any{"handling": "批评教育，责令作出书面检查"})
	})
	r.at("2026-02-25 10:00", func() {
		r.completePart("batu", "report-batu", "batu", workflows.DecisionSubmit, map[string]any{"report": "补报。", "late_reason": "外出学习"})
	})
	r.at("2026-02-26 10:00", func() { r.completePart("batu", "review-batu-1", "bao.yin", workflows.DecisionComplete, nil) })
	r.cancelChecks("2026-02-27 10:00", 1)
	r.env.ExecuteWorkflow(workflows.MattersCycle, cycleInput(r.caseID, "seed-late", 10))

	s := r.state()
	batu := reportOf(s, "batu")
	if batu.Status != schemas.ReportComplete || !batu.Late || batu.Finding != schemas.LateWithoutCause || batu.Handling != "批评教育，责令作出书面检查" {
		t.Fatalf("巴图 %+v", batu)
	}
	if naren := reportOf(s, "na.ren"); naren.Late || naren.Finding != "" {
		t.Errorf("娜仁 %+v", naren)
	}
	if !r.notified("zheng.yi", notify.KindUrge, "report-batu") {
		t.Error("the unit principal got no 催办")
	}
	if !r.notified("bao.yin", notify.KindEscalation, "report-batu") && !r.notified("bao.yin", notify.KindOverdue, "report-batu") {
		t.Error("the supervisors were not told at the finding")
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "matters.late_finding").First(&ev).Error; err != nil {
		t.Fatal(err)
	}
	if want := r.rungAt("2026-02-13", "report-batu"); !ev.At.Equal(want) {
		t.Errorf("finding recorded at %s, want %s", ev.At.In(cst), want)
	}
	if !strings.Contains(s.Outcome, "逾期报告1人，认定无正当理由不按时报告1人") {
		t.Errorf("outcome %q", s.Outcome)
	}
	r.verifyAudit()
}

// The draw honours the proportion per unit and is reproducible: a cycle of 22 cadres in one
// unit, drawn on 31 March with nobody having reported, takes ⌈22 × 10%⌉ = 3; the same seed
// gives the same list, another seed (in general) another.
func TestMattersCycleDrawReproducible(t *testing.T) {
	drawWith := func(t *testing.T, seq int, seed string) []string {
		r := newRun(t, fmt.Sprintf("matters-cycle-2025-%04d", 10+seq), mustTime(t, "2025-12-01 09:00:00"))
		r.env.SetTestTimeout(2 * time.Minute)
		for i := 1; i <= 20; i++ {
			o := schemas.Official{ID: fmt.Sprintf("cadre.%02d", i), Name: fmt.Sprintf("干部%02d", i), OrgUnitID: "150100-jyj",
				Roles: schemas.Roles{schemas.RoleSupervisedCadre}}
			if err := r.db.Create(&o).Error; err != nil {
				t.Fatal(err)
			}
		}
		in := cycleInput(r.caseID, seed, 10)
		in.ReportDue, in.DrawBy = "2026-01-31", "2026-01-05" // the draw before anyone reports
		r.at("2026-01-05 12:00", func() {
			r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
		})
		r.cancelChecks("2026-01-05 11:00", 3)
		r.env.ExecuteWorkflow(workflows.MattersCycle, in)
		s := r.state()
		d := s.MattersCycle.Draw
		if d == nil || len(d.Units) != 1 || len(d.Units[0].Roster) != 22 || len(d.Units[0].Drawn) != 3 {
			t.Fatalf("draw %+v", d)
		}
		if !d.DrawnAt.Equal(mustTime(t, "2026-01-05 09:00:00")) {
			t.Errorf("drawn at %s", d.DrawnAt.In(cst))
		}
		if err := spotcheck.Verify(spotcheck.Draw{Seed: d.Seed, UnitID: "150100-jyj", Percent: 10, Roster: 22, Drawn: d.Units[0].Drawn}, d.Units[0].Roster); err != nil {
			t.Error(err)
		}
		var open int64
		r.db.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", r.caseID, schemas.TaskOpen).Count(&open)
		if s.Status != schemas.CaseCancelled || open != 0 {
			t.Errorf("cancelled cycle: %s with %d open tasks", s.Status, open)
		}
		return d.Units[0].Drawn
	}
	a := drawWith(t, 1, "seed-a")
	b := drawWith(t, 2, "seed-a")
	c := drawWith(t, 3, "seed-b")
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different lists: %v %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds a and b drew the same list %v", a)
	}
}
