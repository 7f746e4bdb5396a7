package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

func init() {
	// The workbooks are validated against openapi.yaml like every other answer.
	openapi3filter.RegisterBodyDecoder(xlsxType, openapi3filter.FileBodyDecoder)
}

// The reporters of the reports driven below: none of this may appear in a report, its
// workbook, its page or its notifications.
var analysisReporters = []ReporterInput{
	{Name: "白音仓举报", Phone: "13847100001", Address: "回民区保密巷1号"},
	{Name: "其木格举报", Phone: "13847100002", Unit: "某某学校"},
	{Name: "乌力吉举报", Phone: "13847100003"},
}

func noAnalysisReporter(t *testing.T, what, body string) {
	t.Helper()
	for _, r := range analysisReporters {
		for _, s := range []string{r.Name, r.Phone, r.Address, r.Unit} {
			if s != "" && strings.Contains(body, s) {
				t.Fatalf("%s shows a reporter's %q", what, s)
			}
		}
	}
}

// workbookText opens a workbook and returns every sheet's rows and all its text.
func workbookText(t *testing.T, raw []byte) (map[string][][]string, string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer func() { _ = f.Close() }()
	sheets := map[string][][]string{}
	var all strings.Builder
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		sheets[name] = rows
		for _, r := range rows {
			all.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return sheets, all.String()
}

// cellAfter is the value beside the first cell reading label in a sheet's rows.
func cellAfter(rows [][]string, label string) string {
	for _, r := range rows {
		if len(r) > 1 && r[0] == label {
			return r[1]
		}
	}
	return "(missing)"
}

// TestAnalysisEndToEnd drives five 12380 reports through their workflows over real HTTP (a
// real dev server and worker, on each database) to different outcomes, then reads the live
// analysis report, its workbook and its page and checks every figure against the counts made
// by hand here; the "<3" rule; recusal (a reader who is a subject of a report); who may read
// it (the upper office yes, a lower office and a clerk no); then a round of the AnalysisReport
// process started by request: compiled, written, returned for nothing, approved, stored, told,
// readable by the upper office, and unchanged by a report filed afterwards. No reporter
// identity may appear in the JSON, the workbooks, the pages or the notifications.
//
// Deadlines are not compressed here (TimeScale 0): every step is done long before it is due,
// so the lateness figures are known (0). Late steps, escalations, transfers, publicity,
// inquiries, admonishments, restrictions and inspections are counted in
// internal/analysis's TestCompileKnownCases over rows written directly, and all but the
// inspections over real workflows on a time-compressed stack in TestAnalysisTimelinessEndToEnd.
func TestAnalysisEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ring, err := secrets.Parse(e2eReporterKey)
		if err != nil {
			t.Fatal(err)
		}
		dev := testenv.Temporal(t)
		queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
		w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t)})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		h := newHarness(t, gdb, dev.Client())
		h.srv = New(Deps{DB: gdb, Temporal: dev.Client(), Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
			MaxBodyBytes: 1 << 20, TaskQueue: queue, Reports: ReportDeps{ReporterKeys: ring}})
		h = newServerFor(t, h)

		file := func(channel, subjectID, subjectName, subjectUnit string, rep ReporterInput) string {
			t.Helper()
			r := h.do("POST", "/api/v1/reports", h.token("he.ping"), map[string]any{
				"channel": channel, "reporter": rep, "subject_id": subjectID, "subject_name": subjectName, "subject_unit": subjectUnit,
				"content": "反映其在学校基建工程招标中违规插手，收受好处。",
			})
			if r.status != http.StatusCreated {
				t.Fatalf("file a report: %d %s", r.status, r.body)
			}
			var out struct{ ID string }
			r.json(t, &out)
			h.waitTask("he.ping", out.ID+".accept")
			return out.ID
		}
		step := func(official, task, decision string, form map[string]any) {
			t.Helper()
			h.complete(official, h.waitTask(official, task).ID, map[string]any{"decision": decision, "form": form})
		}
		opinion := map[string]any{"opinion": "线索具体，登记核查。"}

		// A: phone, signed, about 巴图: verified, substantiated, organizational handling, feedback.
		a := file("phone", "batu", "巴图", "", analysisReporters[0])
		h.addSubject("bao.yin", a, "chen.jing") // the leader is named too: recused from A
		step("he.ping", a+".accept", "accept", nil)
		step("bao.yin", a+".triage-1", schemas.TriageVerify, opinion)
		step("ma.lin", a+".verify-1", "submit", map[string]any{"report": "经核查，基本属实。"})
		step("bao.yin", a+".finding", schemas.FindingSubstantiated, map[string]any{"handling": schemas.HandleOrg, "opinion": "属实，予以组织处理。"})
		step("he.ping", a+".feedback", "sent", map[string]any{"feedback": "已核查处理。"})
		// B: phone, signed, about 巴图: filed for reference, feedback.
		b := file("phone", "batu", "巴图", "", analysisReporters[1])
		step("he.ping", b+".accept", "accept", nil)
		step("bao.yin", b+".triage-1", schemas.TriageFile, map[string]any{"opinion": "反映笼统，存档备查。"})
		step("he.ping", b+".feedback", "sent", map[string]any{"feedback": "已存档备查。"})
		// C: phone, anonymous, about someone not in Jiandu: verified, unfounded, clarified.
		c := file("phone", "", "张某", "呼和浩特市某局", ReporterInput{})
		step("he.ping", c+".accept", "accept", nil)
		step("bao.yin", c+".triage-1", schemas.TriageVerify, opinion)
		step("ma.lin", c+".verify-1", "submit", map[string]any{"report": "经核查，反映不实。"})
		step("bao.yin", c+".finding", schemas.FindingUnfounded, map[string]any{"opinion": "不属实。"})
		step("bao.yin", c+".clarify", "clarified", map[string]any{"how": "在单位范围内澄清。"})
		// D: letter, signed, about 乌云: accepted, waiting for triage.
		d := file("letter", "wuyun", "乌云", "", analysisReporters[2])
		step("he.ping", d+".accept", "accept", nil)
		h.waitTask("bao.yin", d+".triage-1")
		// E: visit, anonymous, about 娜仁: waiting for acceptance.
		e := file("visit", "na.ren", "娜仁", "", ReporterInput{})
		for _, id := range []string{a, b, c} {
			h.waitCase(id, schemas.CaseClosed)
		}

		// The period: yesterday to tomorrow (Beijing); its months, from the rows.
		today := time.Now().In(calendar.Location())
		from, to := today.AddDate(0, 0, -1).Format("2006-01-02"), today.AddDate(0, 0, 1).Format("2006-01-02")
		query := "?org_unit=150100&from=" + from + "&to=" + to
		var created []schemas.Report
		gdb.Order("id").Find(&created)
		perMonth := map[string]int{}
		for _, r := range created {
			perMonth[r.CreatedAt.In(calendar.Location()).Format("2006-01")]++
		}
		period, _ := analysis.NewPeriod(from, to)
		s, end := period.Bounds()
		var byMonth []analysis.Row
		for m := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, calendar.Location()); m.Before(end); m = m.AddDate(0, 1, 0) {
			k := m.Format("2006-01")
			byMonth = append(byMonth, analysis.Row{Key: k, Label: m.Format("2006年1月"), Count: cellOf(perMonth[k])})
		}
		if len(byMonth) == 2 && perMonth[byMonth[0].Key] > 0 && perMonth[byMonth[1].Key] > 0 {
			suppressOneOf(byMonth) // the run crossed midnight at a month's end: two cells
		}

		read := func(official, q string) (response, analysis.Report) {
			t.Helper()
			r := h.do("GET", "/api/v1/analysis"+q, h.token(official), nil)
			var rep analysis.Report
			if r.status == http.StatusOK {
				r.json(t, &rep)
				noAnalysisReporter(t, "the report read by "+official, string(r.body))
			}
			return r, rep
		}
		r, rep := read("bao.yin", query)
		if r.status != http.StatusOK {
			t.Fatalf("analysis: %d %s", r.status, r.body)
		}
		if !strings.Contains(string(r.body), `"\u003c3"`) && !strings.Contains(string(r.body), `"<3"`) {
			t.Errorf("no withheld cell in %s", r.body)
		}
		// w3(n): n reports, shown as "<3" (a withheld cell reads back without its number).
		w3 := func(int) analysis.Cell { return analysis.Cell{Suppressed: true} }
		shown := func(n int) analysis.Cell { return analysis.Cell{N: n} }
		check := func(what string, got, want any) {
			t.Helper()
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("%s:\n got %s\nwant %s", what, g, w)
			}
		}
		// By hand: five reports; A, B, C closed; 14 steps closed, none late: accept ×4,
		// triage ×3, verify ×2, finding ×2, feedback ×2 (A, B signed), clarify ×1.
		check("headline", rep.Headline, analysis.Headline{Reports: shown(5), CasesOpened: 5, CasesClosed: 3, TasksClosed: 14})
		check("by channel", rep.Reports.ByChannel, []analysis.Row{
			{Key: "phone", Label: "电话", Count: shown(3)}, {Key: "letter", Label: "来信", Count: w3(1)}, {Key: "visit", Label: "来访", Count: w3(1)},
			{Key: "sms", Label: "短信", Count: shown(0)}, {Key: "web", Label: "网络", Count: shown(0)}})
		check("by type", rep.Reports.ByType, []analysis.Row{
			{Key: "verify", Label: "登记核查", Count: w3(2)}, {Key: "talk", Label: "谈话提醒", Count: shown(0)}, {Key: "inquiry", Label: "函询", Count: shown(0)},
			{Key: "file", Label: "存档备查", Count: w3(1)}, {Key: "transfer", Label: "转下级办理", Count: shown(0)}, {Key: "publicity", Label: "并入任前公示", Count: shown(0)},
			{Key: "forwarded", Label: "不属于受理范围", Count: shown(0)}, {Key: "pending", Label: "尚未分流", Count: w3(2)}})
		check("by unit", rep.Reports.ByUnit, []analysis.Row{
			{Key: "150100-jyj", Label: "呼和浩特市教育局", Count: shown(3)}, {Key: "150121-slj", Label: "土默特左旗水利局", Count: w3(1)},
			{Key: "text:呼和浩特市某局", Label: "呼和浩特市某局", Count: w3(1)}})
		check("by finding", rep.Reports.ByFinding, []analysis.Row{
			{Key: "substantiated", Label: "属实", Count: w3(1)}, {Key: "partly", Label: "部分属实", Count: shown(0)}, {Key: "unfounded", Label: "不属实", Count: w3(1)},
			{Key: "unverifiable", Label: "无法查实", Count: shown(0)}, {Key: "open", Label: "办理中", Count: w3(2)}, {Key: "none", Label: "未经核查办结", Count: w3(1)}})
		check("by handling", rep.Reports.ByHandling, []analysis.Row{
			{Key: "admonish", Label: "诫勉", Count: shown(0)}, {Key: "inquiry", Label: "函询", Count: shown(0)}, {Key: "organizational", Label: "组织处理", Count: w3(1)},
			{Key: "refer_discipline", Label: "移送纪委", Count: shown(0)}, {Key: "none", Label: "不作处理", Count: w3(1)}})
		check("by month", rep.Reports.ByMonth, byMonth)
		steps := map[string][2]int{} // step: closed, late
		for _, row := range rep.Timeliness {
			if row.Kind != "report" {
				t.Errorf("a timeliness row of another process: %+v", row)
			}
			if row.MedianHours > 1 || row.P90Hours > 1 {
				t.Errorf("steps done at once took hours: %+v", row)
			}
			steps[row.Step] = [2]int{row.Closed, row.Late + row.Escalated + row.OpenOverdue}
		}
		check("timeliness", steps, map[string][2]int{"": {14, 0}, "accept_report": {4, 0}, "triage_report": {3, 0}, "verify_report": {2, 0},
			"record_finding": {2, 0}, "feedback_reporter": {2, 0}, "clarify_cadre": {1, 0}})
		// 巴图 is named in A and B; 教育局 had 3 reports after none. 乌云, 娜仁 once.
		check("warnings", rep.Warnings, []analysis.Warning{
			{Rule: "repeat_subject", Title: "干部被重复举报", SubjectID: "batu", Subject: "巴图", Detail: "近12个月被举报2次", Count: 2, Cases: []string{a, b}},
			{Rule: "rising_unit", Title: "单位举报数量上升", SubjectID: "150100-jyj", Subject: "呼和浩特市教育局", Detail: "本期收到举报3件，上期0件", Count: 3, Cases: []string{a, b, e}},
		})
		check("others", []any{rep.Transfers, rep.Publicity.Cases, rep.Inquiries.Opened, rep.Admonishments.Opened, rep.Restrictions.InForce},
			[]any{[]analysis.TransferOffice{}, 0, 0, 0, 0})

		// The leader is a subject of A (回避): their report leaves it out, and 巴图 is named once.
		_, recused := read("chen.jing", query)
		check("recused total", recused.Reports.Total, shown(4))
		if slices.ContainsFunc(recused.Warnings, func(w analysis.Warning) bool { return w.SubjectID == "batu" }) {
			t.Errorf("the recused leader sees a warning built on A: %+v", recused.Warnings)
		}
		// The region's supervisor reads the league's report; a county's supervisor and the clerk may not.
		if _, up := read("wang.jian", query); up.Reports.Total != shown(5) {
			t.Errorf("upper office: %+v", up.Reports.Total)
		}
		for _, who := range []string{"hu.jun", "he.ping"} {
			if r, _ := read(who, query); r.status != http.StatusForbidden {
				t.Errorf("%s reads the league's report: %d", who, r.status)
			}
		}
		for q, field := range map[string]string{"?from=2026-13-01&to=2026-12-31": "from", "?from=2026-10-02&to=2026-10-01": "to",
			"?from=2024-01-01&to=2026-01-01": "to", "?org_unit=150100-jyj": "org_unit"} {
			r, _ := read("bao.yin", q)
			if r.status != http.StatusUnprocessableEntity || !slices.ContainsFunc(r.problem(t).Errors, func(e FieldError) bool { return e.Field == field }) {
				t.Errorf("%s: %d %s", q, r.status, r.body)
			}
		}

		// The workbook: the same tables, read back.
		r = h.do("GET", "/api/v1/analysis/workbook"+query, h.token("bao.yin"), nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != xlsxType {
			t.Fatalf("workbook: %d %s", r.status, r.header)
		}
		sheets, text := workbookText(t, r.body)
		noAnalysisReporter(t, "the workbook", text)
		rows := sheets[analysis.SheetReports]
		for label, want := range map[string]string{"收到举报": "5", "电话": "3", "来信": "<3", "来访": "<3", "短信": "0", "呼和浩特市教育局": "3", "属实": "<3", "尚未分流": "<3"} {
			if got := cellAfter(rows, label); got != want {
				t.Errorf("workbook %s: %q, want %q", label, got, want)
			}
		}
		if got := cellAfter(sheets[analysis.SheetSummary], "办结任务"); got != "14" {
			t.Errorf("workbook 办结任务 %q", got)
		}
		if !strings.Contains(text, "干部被重复举报\t巴图\t近12个月被举报2次\t2\t"+a+"、"+b) {
			t.Errorf("workbook warnings:\n%s", text)
		}

		// The page, as a browser without JavaScript sees it.
		setPassword(t, gdb, "bao.yin", "分析报告测试密码123", false)
		web := newWebClient(t, h.url)
		if res, _ := web.login("bao.yin", "分析报告测试密码123"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		res, page := web.get("/web/analysis" + query)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("page: %d %s", res.StatusCode, page)
		}
		noAnalysisReporter(t, "the page", page)
		for _, want := range []string{"<svg", `id="chart-channel"`, `id="chart-timeliness"`, "&lt;3", "呼和浩特市委组织部", "干部被重复举报", `href="/web/cases/` + a + `"`,
			`href="/api/v1/analysis/workbook?from=` + from + `&amp;org_unit=150100&amp;to=` + to + `"`, "<script"} {
			if got := strings.Contains(page, want); got != (want != "<script") {
				t.Errorf("page contains %q: %v", want, got)
			}
		}

		// A round by request: compiled at once, written, approved, stored, told.
		month := today.Format("2006-01")
		round := h.start("bao.yin", "/api/v1/cases/analysis", map[string]any{"period": month})
		step("bao.yin", round+".draft-1", "submit", map[string]any{"narrative": "教育系统举报相对集中，建议开展专项检查。"})
		step("chen.jing", round+".approve-1", "approve", nil)
		got := h.waitCase(round, schemas.CaseClosed)
		snapID := round + "." + month
		// A month that ends a quarter compiles the quarter too, December also the year.
		snaps := []string{snapID}
		if today.Month()%3 == 0 {
			snaps = append(snaps, fmt.Sprintf("%s.%d-Q%d", round, today.Year(), today.Month()/3))
		}
		if today.Month() == 12 {
			snaps = append(snaps, fmt.Sprintf("%s.%d", round, today.Year()))
		}
		if os.Getenv("JIANDU_RECORD_HISTORIES") != "" {
			bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			recordHistory(t, bin, dev.FrontendHostPort(), round)
		}
		if st := got.State.Analysis; st == nil || !slices.Equal(st.Snapshots, snaps) || st.ApprovedBy != "chen.jing" {
			t.Fatalf("round state %+v", got.State.Analysis)
		}
		monthReports := perMonth[month]
		// Filed after the round: the stored report keeps its figures, the live one counts it.
		file("sms", "batu", "巴图", "", ReporterInput{})
		stored := func(official string) (response, StoredAnalysis) {
			t.Helper()
			r := h.do("GET", "/api/v1/analysis/reports/"+snapID, h.token(official), nil)
			var out StoredAnalysis
			if r.status == http.StatusOK {
				r.json(t, &out)
				noAnalysisReporter(t, "the stored report read by "+official, string(r.body))
			}
			return r, out
		}
		r, mine := stored("bao.yin")
		if r.status != http.StatusOK || mine.Status != schemas.AnalysisApproved || mine.Narrative != "教育系统举报相对集中，建议开展专项检查。" {
			t.Fatalf("stored: %d %+v", r.status, mine.AnalysisSnapshot)
		}
		check("stored total", mine.Report.Reports.Total, cellOf(monthReports))
		if _, live := read("bao.yin", query); live.Reports.Total != shown(6) {
			t.Errorf("live total after the sixth report: %+v", live.Reports.Total)
		}
		// The leader, recused from A, sees the stored warnings without it.
		_, theirs := stored("chen.jing")
		for _, w := range theirs.Report.Warnings {
			if slices.Contains(w.Cases, a) {
				t.Errorf("the recused leader sees %s in a warning: %+v", a, w)
			}
		}
		// The upper office lists and reads it; a lower office does not.
		list := func(official string) []string {
			r := h.do("GET", "/api/v1/analysis/reports", h.token(official), nil)
			var out struct{ Items []AnalysisSnapshotItem }
			r.json(t, &out)
			ids := []string{}
			for _, it := range out.Items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		upper := list("wang.jian")
		slices.Sort(upper)
		want := slices.Sorted(slices.Values(snaps))
		check("upper office's list", upper, want)
		check("county's list", list("hu.jun"), []string{})
		if r, _ := stored("hu.jun"); r.status != http.StatusNotFound {
			t.Errorf("county reads the league's stored report: %d", r.status)
		}
		r = h.do("GET", "/api/v1/analysis/reports/"+snapID+"/workbook", h.token("wang.jian"), nil)
		if r.status != http.StatusOK {
			t.Fatalf("stored workbook: %d", r.status)
		}
		sheets, text = workbookText(t, r.body)
		noAnalysisReporter(t, "the stored workbook", text)
		if rows := sheets[analysis.SheetNarrative]; len(rows) < 2 || rows[1][0] != "教育系统举报相对集中，建议开展专项检查。" {
			t.Errorf("stored workbook narrative %v", rows)
		}
		res, page = web.get("/web/analysis/reports/" + url.PathEscape(snapID))
		if res.StatusCode != http.StatusOK || !strings.Contains(page, "教育系统举报相对集中") || !strings.Contains(page, "<svg") {
			t.Errorf("stored page: %d", res.StatusCode)
		}
		noAnalysisReporter(t, "the stored page", page)
		if res, page = web.get("/web/analysis/reports"); !strings.Contains(page, snapID) {
			t.Errorf("list page: %d", res.StatusCode)
		}
		if res, page = web.get("/web/start/analysis"); res.StatusCode != http.StatusOK || !strings.Contains(page, "分析期间") {
			t.Errorf("start form: %d", res.StatusCode)
		}
		if _, page = web.get("/web/start"); !strings.Contains(page, `href="/web/start/analysis"`) {
			t.Errorf("the start menu lacks the analysis report")
		}
		// The supervisors and the leader were told, without any identity.
		var told []schemas.Notification
		gdb.Where("case_id = ? AND title LIKE ?", round, "分析报告已审定%").Order("official_id").Find(&told)
		var to2 []string
		for _, n := range told {
			to2 = append(to2, n.OfficialID)
			noAnalysisReporter(t, "a notification", n.Title+n.Body)
		}
		check("told", to2, []string{"bao.yin", "chen.jing"})
	})
}

// cellOf is a count of reports as the report shows it (a withheld cell has no number).
func cellOf(n int) analysis.Cell {
	if n > 0 && n < analysis.SuppressBelow {
		return analysis.Cell{Suppressed: true}
	}
	return analysis.Cell{N: n}
}

// suppressOneOf withholds the smaller of two cells (secondary suppression of a two-cell
// breakdown).
func suppressOneOf(rows []analysis.Row) {
	i := 0
	if rows[1].Count.N < rows[0].Count.N {
		i = 1
	}
	rows[i].Count = analysis.Cell{Suppressed: true}
}
