package workflows_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// seedReport writes a 12380 report case of 150100 received at a Beijing time (the figures'
// source; the end-to-end test in api drives reports through their workflows).
func seedReport(r *run, id, at string) {
	r.t.Helper()
	ts := mustTime(r.t, at).UTC()
	if err := r.db.Create(&schemas.Case{ID: id, Kind: schemas.KindReport, Year: 2026, Seq: seqOf(id), Title: id,
		OrgUnitID: "150100", Status: schemas.CaseOpen, CreatedBy: "he.ping", CreatedAt: ts, UpdatedAt: ts}).Error; err != nil {
		r.t.Fatal(err)
	}
	if err := r.db.Create(&schemas.Report{ID: id, OrgUnitID: "150100", Channel: "phone", SubjectID: "batu", SubjectName: "巴图",
		Content: "反映问题", Status: schemas.ReportReceived, CreatedBy: "he.ping", CreatedAt: ts, UpdatedAt: ts}).Error; err != nil {
		r.t.Fatal(err)
	}
}

// seqOf is the number at the end of a case id.
func seqOf(id string) int {
	n, _ := strconv.Atoi(id[strings.LastIndex(id, "-")+1:])
	return n
}

func (r *run) snapshot(id string) (schemas.AnalysisSnapshot, analysis.Report) {
	r.t.Helper()
	var row schemas.AnalysisSnapshot
	if err := r.db.First(&row, "id = ?", id).Error; err != nil {
		r.t.Fatalf("snapshot %s: %v", id, err)
	}
	var rep analysis.Report
	if err := json.Unmarshal([]byte(row.Figures), &rep); err != nil {
		r.t.Fatal(err)
	}
	return row, rep
}

// TestAnalysisScheduledRound: the schedule starts September's round on 1 October; it compiles
// 3 working days after the month (after the National Day holiday: 10 October), the month and
// the quarter it ends; a report entered later does not change the stored figures; the
// supervisor's analysis is returned once, then approved; the supervisors and the leader are told.
func TestAnalysisScheduledRound(t *testing.T) {
	r := newRun(t, "analysis-2026-0001", mustTime(t, "2026-10-01 00:05:00"))
	seedReport(r, "report-2026-0101", "2026-09-10 09:00:00")
	seedReport(r, "report-2026-0102", "2026-09-11 09:00:00")
	seedReport(r, "report-2026-0103", "2026-09-12 09:00:00")
	r.at("2026-10-10 10:00", func() {
		var n int64
		r.db.Model(&schemas.AnalysisSnapshot{}).Count(&n)
		if n != 0 {
			t.Errorf("compiled before 3 working days had passed: %d", n)
		}
	})
	// Entered after the compilation: the stored report keeps its figures.
	r.at("2026-10-13 09:00", func() { seedReport(r, "report-2026-0104", "2026-09-13 09:00:00") })
	r.at("2026-10-14 10:00", func() {
		r.complete("draft-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"narrative": "教育系统举报集中。"})
	})
	r.at("2026-10-15 10:00", func() {
		r.complete("approve-1", "chen.jing", workflows.DecisionReturn, map[string]any{"opinion": "请补充建议。"})
	})
	r.at("2026-10-16 10:00", func() {
		r.complete("draft-2", "bao.yin", workflows.DecisionSubmit, map[string]any{"narrative": "教育系统举报集中，建议开展专项检查。"})
	})
	r.at("2026-10-19 10:00", func() { r.complete("approve-2", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.AnalysisReport, schemas.AnalysisInput{CycleStart: schemas.CycleStart{
		CaseID: r.caseID, OrgUnitID: "150100", Period: "2026-09", CreatedBy: "system"}})

	s := r.state()
	if s.Status != schemas.CaseClosed || s.Outcome != "已审定" || s.Title != "2026年9月干部监督工作分析报告" {
		t.Fatalf("state %+v", s)
	}
	want := []string{r.caseID + ".2026-09", r.caseID + ".2026-Q3"}
	if got := s.Analysis.Snapshots; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("snapshots %v", got)
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "analysis.compiled").Order("id").First(&ev).Error; err != nil {
		t.Fatal(err)
	}
	// Period end 1 Oct 00:00; 1–7 Oct are the holiday; 8 (Thu), 9 (Fri) and 10 Oct (Sat, a
	// make-up working day) are the 3 working days.
	if at := ev.At.In(cst); !at.Equal(mustTime(t, "2026-10-10 23:59:59")) {
		t.Errorf("compiled at %s", at)
	}
	for _, id := range want {
		row, rep := r.snapshot(id)
		if row.Status != schemas.AnalysisApproved || row.Narrative != "教育系统举报集中，建议开展专项检查。" || row.ApprovedBy != "chen.jing" {
			t.Errorf("%s: %+v", id, row)
		}
		if rep.Reports.Total.N != 3 || rep.Headline.Reports.N != 3 {
			t.Errorf("%s: the stored figures changed or are wrong: %+v", id, rep.Reports.Total)
		}
	}
	if _, rep := r.snapshot(want[1]); rep.Period != (analysis.Period{From: "2026-07-01", To: "2026-09-30"}) {
		t.Errorf("quarter %+v", rep.Period)
	}
	for _, who := range []string{"bao.yin", "chen.jing"} {
		var n int64
		r.db.Model(&schemas.Notification{}).Where("official_id = ? AND kind = ? AND case_id = ? AND title LIKE ?", who, notify.KindInfo, r.caseID, "分析报告已审定%").Count(&n)
		if n != 1 {
			t.Errorf("%s told %d times", who, n)
		}
	}
	r.verifyAudit()
}

// TestAnalysisRequestedRound: a round a supervisor starts for a quarter compiles at once and
// compiles that quarter alone.
func TestAnalysisRequestedRound(t *testing.T) {
	r := newRun(t, "analysis-2026-0002", mustTime(t, "2026-11-02 09:00:00"))
	seedReport(r, "report-2026-0201", "2026-08-10 09:00:00")
	r.at("2026-11-02 10:00", func() {
		var n int64
		r.db.Model(&schemas.AnalysisSnapshot{}).Where("case_id = ?", r.caseID).Count(&n)
		if n != 1 {
			t.Errorf("not compiled at once: %d", n)
		}
		r.complete("draft-1", "bao.yin", workflows.DecisionSubmit, map[string]any{"narrative": "无明显苗头性问题。"})
	})
	r.at("2026-11-03 10:00", func() { r.complete("approve-1", "chen.jing", workflows.DecisionApprove, nil) })
	r.env.ExecuteWorkflow(workflows.AnalysisReport, schemas.AnalysisInput{CycleStart: schemas.CycleStart{
		CaseID: r.caseID, OrgUnitID: "150100", Period: "2026-Q3", CreatedBy: "bao.yin"}})
	s := r.state()
	if len(s.Analysis.Snapshots) != 1 || s.Analysis.Narrative != "无明显苗头性问题。" || s.Analysis.ApprovedBy != "chen.jing" {
		t.Fatalf("state %+v", s.Analysis)
	}
	if _, rep := r.snapshot(r.caseID + ".2026-Q3"); rep.Reports.Total != (analysis.Cell{Suppressed: true}) {
		t.Errorf("total %+v", rep.Reports.Total)
	}
	_ = time.Second
}
