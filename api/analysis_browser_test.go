package api

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// seedAnalysisMonth writes a month of cases for the report page to show: 12380 reports of the
// month just ended and the one before, their triage, findings and steps (some late, one after
// a 督办), and a county's transfer reported back late twice. Rows only: the page reads tables.
func seedAnalysisMonth(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	now := time.Now().In(calendar.Location())
	month := time.Date(now.Year(), now.Month(), 1, 9, 0, 0, 0, calendar.Location()).AddDate(0, -1, 0)
	at := func(m, day, hour int) time.Time {
		return month.AddDate(0, m, day-1).Add(time.Duration(hour) * time.Hour).UTC()
	}
	seq := 800
	create := func(v any) {
		t.Helper()
		if err := gdb.Create(v).Error; err != nil {
			t.Fatalf("seed %T: %v", v, err)
		}
	}
	event := func(caseID string, when time.Time, action string, detail any) {
		raw, _ := json.Marshal(detail)
		err := gdb.Transaction(func(tx *gorm.DB) error {
			return audit.Append(tx, &schemas.AuditEvent{CaseID: caseID, At: when, Actor: "bao.yin", Action: action, Detail: string(raw),
				DedupKey: caseID + "/" + action})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	task := func(caseID string, kind schemas.CaseKind, key, step, title, unit string, opened, due, done time.Time, level int) {
		create(&schemas.Task{ID: caseID + "." + key, CaseID: caseID, WorkflowID: caseID, CaseKind: kind, StepKey: key, Step: step, Title: title,
			OrgUnitID: unit, AssigneeRole: schemas.RoleSupervisor, Status: schemas.TaskCompleted, DueAt: &due, CompletedAt: &done,
			EscalationLevel: level, Decision: "submit", CreatedAt: opened, UpdatedAt: done})
	}
	type rep struct {
		m, day                     int
		channel, subject, name     string
		triage, finding, handling  string
		closeAfter, verifyLateDays int
	}
	reports := []rep{
		{0, 2, "phone", "batu", "巴图", "verify", "substantiated", "admonish", 20, 6},
		{0, 5, "phone", "batu", "巴图", "verify", "partly", "organizational", 18, 0},
		{0, 7, "letter", "na.ren", "娜仁", "file", "", "", 3, 0},
		{0, 9, "web", "batu", "巴图", "verify", "unfounded", "none", 15, 2},
		{0, 12, "phone", "wuyun", "乌云", "talk", "", "", 8, 0},
		{0, 14, "phone", "na.ren", "娜仁", "verify", "substantiated", "refer_discipline", 12, 0},
		{0, 18, "web", "han.bo", "韩博", "transfer", "", "", 0, 0},
		{0, 21, "letter", "wuyun", "乌云", "file", "", "", 2, 0},
		{0, 25, "visit", "", "某某", "", "", "", 0, 0},
		{-1, 10, "phone", "wuyun", "乌云", "file", "", "", 4, 0},
		{-1, 20, "letter", "han.bo", "韩博", "verify", "unfounded", "none", 14, 0},
	}
	for _, r := range reports {
		seq++
		opened := at(r.m, r.day, 0)
		id := schemas.CaseID(schemas.KindReport, opened.In(calendar.Location()).Year(), seq)
		c := schemas.Case{ID: id, Kind: schemas.KindReport, Year: opened.Year(), Seq: seq, Title: "反映" + r.name + "的问题", OrgUnitID: "150100",
			Status: schemas.CaseOpen, CreatedBy: "he.ping", CreatedAt: opened, UpdatedAt: opened}
		if r.closeAfter > 0 {
			closed := opened.AddDate(0, 0, r.closeAfter)
			st, _ := json.Marshal(schemas.CaseState{Report: &schemas.ReportState{Channel: r.channel, Triage: r.triage, Finding: r.finding, Handling: r.handling}})
			c.Status, c.ClosedAt, c.FinalState = schemas.CaseClosed, &closed, string(st)
		}
		create(&c)
		unit := ""
		if r.subject == "" {
			unit = "呼和浩特市某街道办事处"
		}
		create(&schemas.Report{ID: id, OrgUnitID: "150100", Channel: r.channel, Signed: r.channel != "web", SubjectID: r.subject, SubjectName: r.name,
			SubjectUnit: unit, Content: "反映其违规插手工程招标。", Status: schemas.ReportReceived, CreatedBy: "he.ping", CreatedAt: opened, UpdatedAt: opened})
		if r.triage == "" {
			continue
		}
		event(id, opened.Add(24*time.Hour), "report.triaged", map[string]string{"decision": r.triage})
		task(id, schemas.KindReport, "triage-1", "triage_report", "研判分流："+r.name, "150100", opened, opened.AddDate(0, 0, 7), opened.Add(24*time.Hour), 0)
		if r.triage == "verify" {
			start := opened.Add(24 * time.Hour)
			due := start.AddDate(0, 0, 8)
			level := 0
			if r.verifyLateDays > 3 {
				level = 2
			}
			task(id, schemas.KindReport, "verify-1", "verify_report", "核查举报："+r.name, "150100", start, due, due.AddDate(0, 0, r.verifyLateDays), level)
		}
	}
	// A transfer to 土默特左旗, reported back late twice.
	seq++
	tr := schemas.CaseID(schemas.KindTransfer, at(0, 19, 0).Year(), seq)
	create(&schemas.Case{ID: tr, Kind: schemas.KindTransfer, Year: at(0, 19, 0).Year(), Seq: seq, Title: "转办：反映韩博的问题", OrgUnitID: "150121",
		Status: schemas.CaseOpen, CreatedBy: "system", CreatedAt: at(0, 19, 0), UpdatedAt: at(0, 19, 0)})
	task(tr, schemas.KindTransfer, "report-1", "report_back", "核查并上报：韩博", "150121", at(0, 19, 0), at(0, 21, 0), at(0, 23, 0), 1)
	task(tr, schemas.KindTransfer, "report-2", "report_back", "核查并上报：韩博", "150121", at(0, 24, 0), at(0, 25, 0), at(0, 27, 0), 0)
}

// TestBrowserAnalysisReport opens the analysis report page in a real browser (no script on the
// page): its four SVG charts, its tables, the "<3" cells and the warnings; and takes its
// screenshot (docs/screenshots/analysis-report.png with JIANDU_SCREENSHOTS).
func TestBrowserAnalysisReport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: drives chromium")
	}
	chromium(t) // skips without a browser
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		seedAnalysisMonth(t, gdb)
		setPassword(t, gdb, "bao.yin", "browser-bao.yin", false)
		base := newWebServer(t, gdb, WebDeps{})
		ctx := browser(t)
		login(t, ctx, base, "bao.yin", "browser-bao.yin")
		run(t, ctx, "open the report", chromedp.Navigate(base+"/web/analysis"), chromedp.WaitVisible("#chart-timeliness", chromedp.ByID))
		text := pageText(t, ctx)
		for _, want := range []string{"干部监督工作分析报告", "按渠道", "<3", "干部被重复举报", "巴图", "下级组织部门多次逾期", "土默特左旗委组织部"} {
			if !strings.Contains(text, want) {
				t.Errorf("the page lacks %q:\n%s", want, text)
			}
		}
		var charts int
		run(t, ctx, "count the charts", chromedp.Evaluate(`document.querySelectorAll("svg.chart rect").length`, &charts))
		if charts < 10 {
			t.Errorf("the charts draw %d bars", charts)
		}
		if dir := os.Getenv("JIANDU_SCREENSHOTS"); dir != "" {
			var png []byte
			run(t, ctx, "screenshot the whole page", chromedp.FullScreenshot(&png, 100))
			if err := os.WriteFile(filepath.Join(dir, "analysis-report.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(os.Stderr, "wrote", filepath.Join(dir, "analysis-report.png"))
		}
	})
}
