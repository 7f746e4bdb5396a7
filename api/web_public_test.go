package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestWebPublicReportPage files an anonymous 12380 report through the public page (which sends
// it to POST /public/v1/reports), reads the query code and secret shown once, and looks the
// report up with them; a wrong secret and a missing form token are refused.
func TestWebPublicReportPage(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		base := newServer(t, e.handler).url
		var before int64 // the fixture's own reports
		gdb.Model(&schemas.Report{}).Count(&before)
		w := newWebClient(t, base)
		csrf := w.csrf("/12380")
		// A bad report: the page shows the fields' messages in Chinese, and files nothing.
		res, body := w.post("/12380", url.Values{"csrf": {csrf}, "org_unit_id": {"150100-jyj"}, "content": {""}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "办理单位须为组织部门") || !strings.Contains(body, "必填，1至50个字符") {
			t.Fatalf("bad report: %d %s", res.StatusCode, body)
		}
		if res, _ := w.post("/12380", url.Values{"org_unit_id": {"150100"}, "subject_name": {"巴图"}, "content": {"反映问题"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("report without the form token: %d", res.StatusCode)
		}
		var n int64
		gdb.Model(&schemas.Report{}).Count(&n)
		if n != before {
			t.Fatalf("%d reports filed by refused forms", n-before)
		}
		res, body = w.post("/12380", url.Values{"csrf": {csrf}, "org_unit_id": {"150100"}, "subject_name": {"巴图"}, "subject_unit": {"呼和浩特市教育局"},
			"content": {"反映巴图在学校基建项目中违规插手工程招标。"}})
		if res.StatusCode != http.StatusCreated || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("report: %d %s", res.StatusCode, body)
		}
		code := regexp.MustCompile(`id="query-code">([A-Z0-9]+)<`).FindStringSubmatch(body)
		secret := regexp.MustCompile(`id="query-secret">([A-Z0-9]+)<`).FindStringSubmatch(body)
		if code == nil || secret == nil {
			t.Fatalf("no code and secret on the receipt:\n%s", body)
		}
		var row schemas.Report
		if err := gdb.Take(&row, "query_code = ?", code[1]).Error; err != nil || row.Channel != "web" || row.Signed {
			t.Fatalf("report row %+v %v", row, err)
		}
		csrf = w.csrf("/12380/query")
		res, body = w.post("/12380/query", url.Values{"csrf": {csrf}, "code": {strings.ToLower(code[1])}, "secret": {secret[1]}})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="report-status"`) || !strings.Contains(body, schemas.ReportStatusTitle(row.Status)) {
			t.Fatalf("query: %d %s", res.StatusCode, body)
		}
		res, body = w.post("/12380/query", url.Values{"csrf": {csrf}, "code": {code[1]}, "secret": {"WRONG" + secret[1][5:]}})
		if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "查询码或密码不正确") || strings.Contains(body, `id="report-status"`) {
			t.Fatalf("wrong secret: %d %s", res.StatusCode, body)
		}
	})
}

// TestWebPagesRender logs in and opens every page of the inbox on the fixture: each renders
// (in Chinese) what the REST API answers for that official, and nothing else.
func TestWebPagesRender(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		base := newServer(t, e.handler).url
		var before int64 // the fixture's own reports
		gdb.Model(&schemas.Report{}).Count(&before)
		setPassword(t, gdb, "wu.gang", "cadre-section-1", false)
		setPassword(t, gdb, "hu.jun", "county-super-1", false)
		w := newWebClient(t, base)
		w.login("wu.gang", "cadre-section-1")
		for path, want := range map[string]string{
			"/web/":                              fxDraftTask,
			"/web/?kind=publicity&overdue=false": fxDraftTask,
			"/web/done":                          "暂无已办事项",
			"/web/tasks/" + fxDraftTask:          "公示",
			"/web/cases":                         fxCase,
			"/web/notifications":                 "标为已读",
			"/web/start/publicity":               "发起公示",
			"/web/password":                      "保存新密码",
		} {
			res, body := w.get(path)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, `lang="zh-CN"`) {
				t.Errorf("%s: %d, want %q in:\n%s", path, res.StatusCode, want, body)
			}
		}
		// What the official must know (spec.notes) is shown on the task page.
		note := "退回意见（陈静）：请补充人选简历"
		var draft schemas.Task
		gdb.First(&draft, "id = ?", fxDraftTask)
		draft.Spec.Notes = []string{note}
		if err := gdb.Select("spec").Updates(&draft).Error; err != nil {
			t.Fatal(err)
		}
		if res, body := w.get("/web/tasks/" + fxDraftTask); !strings.Contains(body, "办理须知") || !strings.Contains(body, note) {
			t.Errorf("task page without its notes: %d\n%s", res.StatusCode, body)
		}
		// An unknown page is a Chinese page; an unknown API route stays a problem document.
		if res, body := w.get("/web/no-such-page"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "页面不存在") {
			t.Errorf("unknown page: %d %s", res.StatusCode, body)
		}
		if res, _ := w.get("/api/v1/no-such-route"); res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != problemContentType {
			t.Errorf("unknown API route: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		// The leader's task is not the cadre section's: the same 404 as the REST API, in Chinese.
		if res, body := w.get("/web/tasks/" + fxApprove); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "未找到，或您无权查看") {
			t.Errorf("leader's task: %d %s", res.StatusCode, body)
		}
		// The inbox filter is the REST API's: an unknown kind is its 422, in Chinese.
		if res, _ := w.get("/web/?kind=nonsense"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("unknown kind: %d", res.StatusCode)
		}
		// The supervisors' overdue filter: cases with an overdue task of the subtree.
		setPassword(t, gdb, "bao.yin", "city-supervisor", false)
		sup := newWebClient(t, base)
		sup.login("bao.yin", "city-supervisor")
		if _, body := sup.get("/web/cases?overdue=true"); strings.Contains(body, fxCase) {
			t.Errorf("overdue filter shows a case without overdue tasks")
		}
		gdb.Model(&schemas.Task{}).Where("id = ?", fxApprove).Update("overdue", true)
		if _, body := sup.get("/web/cases?overdue=true"); !strings.Contains(body, fxCase) || !strings.Contains(body, `tag overdue`) {
			t.Errorf("overdue filter misses the case with an overdue task:\n%s", body)
		}
		// A county supervisor sees neither the city's task nor its case, and has no engine view.
		c := newWebClient(t, base)
		c.login("hu.jun", "county-super-1")
		if res, _ := c.get("/web/tasks/" + fxDraftTask); res.StatusCode != http.StatusNotFound {
			t.Errorf("county supervisor opens the city's task: %d", res.StatusCode)
		}
		if _, body := c.get("/web/cases"); strings.Contains(body, fxCase) || strings.Contains(body, "流程引擎") {
			t.Errorf("county supervisor's case list:\n%s", body)
		}
		if res, _ := c.get("/temporal/"); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
			t.Errorf("county supervisor, /temporal/: %d", res.StatusCode)
		}
	})
}

// TestWebTemplatesParse parses every page with the layout (a broken template would otherwise
// panic at the first request for it).
func TestWebTemplatesParse(t *testing.T) {
	pages := webTemplates()
	for _, name := range []string{"login", "password", "inbox", "task", "case", "cases", "publicity", "notifications", "report", "report_receipt", "report_query", "error"} {
		if pages[name] == nil {
			t.Errorf("no page %q", name)
		}
	}
}

// TestWebStartForms sends the start forms of inquiry, admonishment, departure audit and joint
// inspection to their REST routes: the API's validation comes back in Chinese beside the fields,
// its authorization as a Chinese 403 page, and only a valid start by an official who may start
// it reaches Temporal.
func TestWebStartForms(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		newCaseWait = 0
		t.Cleanup(func() { newCaseWait = 10 * time.Second })
		e := newBodyEnv(t, gdb)
		base := newServer(t, e.handler).url
		var before int64 // the fixture's own reports
		gdb.Model(&schemas.Report{}).Count(&before)
		setPassword(t, gdb, "bao.yin", "city-supervisor", false)
		setPassword(t, gdb, "wu.gang", "cadre-section-1", false)
		sup := newWebClient(t, base)
		sup.login("bao.yin", "city-supervisor")
		if _, body := sup.get("/web/start"); !strings.Contains(body, "发起函询") || !strings.Contains(body, "发起三责联检") {
			t.Fatalf("start menu:\n%s", body)
		}
		// The supervisor may list officials: the cadre field offers them.
		_, body := sup.get("/web/start/inquiry")
		if !strings.Contains(body, `<option value="batu">`) {
			t.Fatalf("inquiry form offers no cadres:\n%s", body)
		}
		csrf := csrfField.FindStringSubmatch(body)[1]
		for slug, form := range map[string]url.Values{
			"inquiry":          {"title": {"函询"}, "cadre_id": {"nobody"}},
			"departure-audit":  {"title": {"离任"}, "cadre_id": {"batu"}, "post": {"局长"}, "departure_date": {"2026/12/01"}, "successor_id": {"batu"}},
			"joint-inspection": {"title": {"联检"}, "leader_id": {"batu"}, "period_from": {"2026-01-01"}, "period_to": {"2025-01-01"}},
		} {
			form.Set("csrf", csrf)
			res, body := sup.post("/web/start/"+slug, form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="err"`) {
				t.Errorf("%s: %d\n%s", slug, res.StatusCode, body)
			}
			for _, want := range map[string][]string{
				"inquiry":          {"干部不存在", "必填，1至"},
				"departure-audit":  {"离任日期须为YYYY-MM-DD格式的日期", "接任人不能是离任干部本人"},
				"joint-inspection": {"被检查人须为单位主要负责人", "检查期间截止日不得早于起始日"},
			}[slug] {
				if !strings.Contains(body, want) {
					t.Errorf("%s: no %q on the page", slug, want)
				}
			}
		}
		// The cadre section may not open an inquiry: the REST API's 403, as a Chinese page.
		cadre := newWebClient(t, base)
		cadre.login("wu.gang", "cadre-section-1")
		res, body := cadre.post("/web/start/inquiry", url.Values{"csrf": {cadre.csrf("/web/start/inquiry")},
			"title": {"函询"}, "cadre_id": {"batu"}, "grounds": {"反映问题"}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "函询由本组织部门的干部监督发起") {
			t.Fatalf("cadre section opens an inquiry: %d\n%s", res.StatusCode, body)
		}
		if n := e.temporal.calls.Load(); n != 0 {
			t.Fatalf("%d calls reached Temporal from refused starts", n)
		}
		res, _ = sup.post("/web/start/inquiry", url.Values{"csrf": {csrf}, "title": {"关于巴图同志的函询"}, "cadre_id": {"batu"}, "grounds": {"反映其违规兼职"}, "priority": {"urgent"}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "inquiry-") {
			t.Fatalf("valid inquiry: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if n := e.temporal.calls.Load(); n != 1 {
			t.Fatalf("%d calls to Temporal for one start", n)
		}
		if res, _ := sup.get("/web/start/nonsense"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown process: %d", res.StatusCode)
		}
	})
}
