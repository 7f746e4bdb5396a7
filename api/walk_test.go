package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
)

// bodyRoute is a route that decodes a JSON body: the official who may call it, so that bad
// bodies get past authentication and authorization to the decoder ("" for the public channel),
// and the seeds FuzzBodies starts from (a valid body first, then near misses). Every route of the
// engine that reads a body must have an entry (TestWalkEveryRoute, FuzzBodies): a new route
// cannot be left out of the walk or the fuzzing.
type bodyRoute struct {
	official string
	seeds    []string
}

// bodyRoutes are keyed by "METHOD /route/:param", as gin's Routes() names them.
var bodyRoutes = map[string]bodyRoute{
	"POST /api/v1/officials": {"admin", []string{
		`{"id":"x.y","name":"某某","org_unit_id":"150100","roles":["supervisor"]}`,
		`{"id":"x.y","name":"某某","org_unit_id":"nowhere","roles":["king"]}`,
		`{"id":"","name":42}`, `{"id":"a b c","name":"` + strings.Repeat("名", 300) + `","org_unit_id":"150100","roles":[]}`}},
	"PATCH /api/v1/officials/:id": {"admin", []string{
		`{"name":"马林二"}`, `{"roles":["investigator","leader"]}`, `{"disabled":true}`, `{"org_unit_id":"150121"}`,
		`{"id":"other"}`, `{"roles":null}`, `{"name":""}`}},
	"POST /api/v1/officials/:id/password": {"admin", []string{
		`{"password":"一个足够长的临时密码"}`, `{}`, `{"password":""}`, `{"password":"wu.gang"}`, `{"password":"short"}`, `{"password":7}`}},
	"POST /api/v1/org-units": {"admin", []string{
		`{"id":"150122","parent_id":"150100","name":"土默特左旗委组织部","level":"county","kind":"organization"}`,
		`{"id":"150100","parent_id":"150000","name":"dup","level":"city","kind":"organization"}`,
		`{"id":"x","parent_id":"nowhere","name":"","level":"planet","kind":"?"}`}},
	"PUT /api/v1/calendar/:year": {"admin", []string{
		`{"days":[{"date":"2027-01-01","kind":"off","name":"元旦"},{"date":"2027-02-07","kind":"workday","name":"春节调休"}]}`,
		`{"days":[]}`, `{"days":null}`, `{"days":[{"date":"2026-01-01","kind":"off","name":"x"}]}`,
		`{"days":[{"date":"2027-02-30","kind":"holiday"}]}`, `{"days":[{"date":"2027-01-01","kind":"off"},{"date":"2027-01-01","kind":"off"}]}`}},
	"POST /api/v1/admin/schedules/:id/pause":   {"admin", []string{`{"note":"本年度报告工作推迟"}`, `{"note":""}`, `{}`, `{"note":7}`}},
	"POST /api/v1/admin/schedules/:id/unpause": {"admin", []string{`{"note":"恢复"}`, `{"note":""}`}},
	"POST /api/v1/admin/schedules/:id/trigger": {"admin", []string{`{"note":"补发本轮"}`, `{"note":"` + strings.Repeat("长", 600) + `"}`}},
	"POST /api/v1/cases/publicity": {"wu.gang", []string{
		`{"title":"关于张三同志任职前公示","candidates":[{"name":"张三","gender":"男","birth_date":"1978-03","education":"大学","current_post":"副局长","proposed_post":"局长"}]}`,
		`{"title":"t","priority":"urgent","period_working_days":30,"candidates":[{"name":"a","current_post":"b","proposed_post":"c"}]}`,
		`{"title":"t","org_unit_id":"150121","candidates":[{"name":"a","current_post":"b","proposed_post":"c"}]}`,
		`{"title":"t","period_working_days":4,"candidates":[{"name":"a","birth_date":"1978-13","current_post":"b","proposed_post":"c"}]}`,
		`{"title":"","candidates":[]}`, `{"title":"t","candidates":null,"priority":"now"}`}},
	"POST /api/v1/cases/inquiry": {"bao.yin", []string{
		`{"title":"关于巴图同志的函询","cadre_id":"batu","grounds":"反映其违规兼职"}`,
		`{"title":"t","cadre_id":"nobody","grounds":"g","source":"report","source_case_id":"report-2026-9001"}`,
		`{"title":"t","cadre_id":"wuyun","grounds":"g","org_unit_id":"150121","priority":"urgent"}`}},
	"POST /api/v1/cases/admonishment": {"bao.yin", []string{
		`{"title":"对巴图同志诫勉谈话","cadre_id":"batu","grounds":"函询说明不实"}`,
		`{"title":"t","cadre_id":"batu","grounds":"g","source":"inquiry","source_case_id":"inquiry-2026-0001"}`}},
	"POST /api/v1/cases/matters-check": {"bao.yin", []string{
		`{"cadre_id":"batu","reason":"promotion","grounds":"拟提拔为市教育局副局长"}`,
		`{"cadre_id":"batu","reason":"random","grounds":"g","year":"3000"}`,
		`{"cadre_id":"batu","reason":"reported","grounds":"g","year":"2025","source":"report"}`}},
	"POST /api/v1/cases/matters-cycle": {"bao.yin", []string{
		`{"year":"2025","percent":"10"}`, `{"year":"1999","percent":"0"}`, `{"percent":"x","priority":"now"}`}},
	"POST /api/v1/cases/departure-audit": {"bao.yin", []string{
		`{"cadre_id":"batu","post":"副局长","departure_date":"2026-12-01","successor_id":"na.ren"}`}},
	"POST /api/v1/cases/joint-inspection": {"bao.yin", []string{
		`{"leader_id":"zheng.yi","period_from":"2025-01-01","period_to":"2025-12-31"}`}},
	"POST /api/v1/cases/pre-appointment": {"wu.gang", []string{
		`{"candidates":[{"official_id":"batu","proposed_post":"副局长"},{"official_id":"na.ren","proposed_post":"副局长"}]}`,
		`{"candidates":[{"official_id":"batu","proposed_post":""},{"official_id":"batu","proposed_post":"x"}]}`,
		`{"candidates":[]}`, `{"candidates":null,"priority":"now"}`}},
	"POST /api/v1/cases/public-opinion": {"bao.yin", []string{
		`{"source":"微博","link":"https://weibo.example/1","capture":"网帖称……","first_seen_at":"2026-09-30 22:00","subject_id":"batu"}`,
		`{"source":"","link":"","capture":"","first_seen_at":"later","linked_case_id":"report-2026-0001"}`,
		`{"source":"s","link":"l","capture":"c","first_seen_at":"3000-01-01T00:00:00Z","subject_id":"nobody","priority":"now"}`}},
	"POST /api/v1/cases/evaluation": {"bao.yin", []string{
		`{"period":"2025","cadres":[{"official_id":"batu","post":"教育局副局长"}]}`,
		`{"period":"1999","cadres":[{"official_id":"batu","post":""},{"official_id":"batu","post":"x"}]}`,
		`{"thresholds":{"cadre_unsatisfied":{"num":2,"den":1},"drop_points":-1}}`, `{"cadres":null,"priority":"now"}`}},
	"POST /api/v1/cases/talk": {"bao.yin", []string{
		`{"cadre_id":"batu","reason":"warning_sign","grounds":"反映其工作作风漂浮","source_case_id":"report-2026-0001"}`,
		`{"initiated_by":"cadre","cadre_id":"batu","grounds":"g"}`, `{"cadre_id":"batu","reason":"gossip","grounds":""}`}},
	"POST /api/v1/cases/appraisal": {"bao.yin", []string{
		`{"period":"2026"}`, `{"period":"26","title":"t"}`, `{"period":"2026","org_unit_id":"150121"}`}},
	"POST /api/v1/cases/selection": {"wu.gang", []string{
		`{"posts":"市教育局副局长1名","candidates":[{"official_id":"batu","proposed_post":"副局长"},{"official_id":"na.ren","proposed_post":"副局长","current_post":"科长"}]}`,
		`{"posts":"","candidates":[{"official_id":"batu","proposed_post":""},{"official_id":"batu","proposed_post":"x"}]}`,
		`{"posts":"x","candidates":[]}`, `{"candidates":null,"priority":"now"}`}},
	"POST /api/v1/cases/selection-review": {"bao.yin", []string{
		`{"selection_case_id":"selection-2026-0001","cadre_id":"batu","trigger":"report","grounds":"举报查核属实"}`,
		`{"selection_case_id":"","cadre_id":"nobody","trigger":"rumour","grounds":"","source":"report"}`,
		`{"selection_case_id":"x","cadre_id":"batu","trigger":"other","grounds":"g","priority":"now"}`}},
	"POST /api/v1/cases/:id/irregularities": {"bao.yin", []string{
		`{"description":"会议推荐未按规定范围组织"}`, `{"description":""}`, `{"description":null}`}},
	"POST /api/v1/cases/analysis": {"bao.yin", []string{
		`{"period":"2026-10"}`, `{"period":"2026-Q3","org_unit_id":"150121"}`, `{"period":"2099"}`, `{"period":"10/2026"}`, `{}`}},
	"POST /api/v1/tasks/:id/complete": {"wu.gang", []string{
		`{"decision":"submit","form":{"notice_text":"经研究……","report_channels":"12380"}}`,
		`{"decision":"","form":null}`, `{"decision":"submit","form":{"x":[1,2,{"y":null}]},"comment":"c"}`,
		`{"decision":"submit","form":"notamap"}`}},
	"POST /api/v1/tasks/:id/reassign": {"bao.yin", []string{
		`{"to":"li.hua","reason":"回避"}`, `{"to":"nobody"}`, `{"to":"","reason":""}`, `{"to":["a"]}`}},
	"POST /api/v1/tasks/:id/extend": {"bao.yin", []string{
		`{"working_days":5,"reason":"材料补充"}`, `{"working_days":0,"reason":"x"}`, `{"working_days":31,"reason":"x"}`,
		`{"working_days":"5","reason":""}`, `{"working_days":1.5}`}},
	"POST /api/v1/cases/:id/subjects": {"bao.yin", []string{
		`{"official_id":"ma.lin","reason":"举报同时反映其问题"}`, `{"official_id":"nobody","reason":"x"}`, `{"official_id":"","reason":""}`}},
	"POST /api/v1/cases/:id/cancel": {"wu.gang", []string{`{"reason":"人选另行安排"}`, `{"reason":""}`, `{"reason":null}`}},
	"POST /api/v1/cases/:id/objections": {"he.ping", []string{
		`{"candidate_id":"c1","signed":true,"serious":false,"channel":"phone","summary":"反映问题"}`,
		`{"candidate_id":"c9","signed":"yes"}`, `{"summary":"` + strings.Repeat("长", 3000) + `"}`}},
	"POST /api/v1/reports": {"he.ping", []string{
		`{"channel":"phone","subject_name":"巴图","content":"反映其违规兼职取酬，有具体线索。"}`}},
	"POST /public/v1/reports": {"", []string{
		`{"org_unit_id":"150100","subject_name":"巴图","content":"反映其违规兼职取酬，有具体线索。"}`}},
	"POST /public/v1/reports/:code/material": {"", []string{`{"text":"补充：时间地点如下。"}`}},
}

// formRoutes are the HTML forms of the public web pages (no session; a double-submit token),
// with the seeds FuzzPublicForms starts from: the login and the 12380 report and query pages,
// which relay what they are sent to the JSON API. The forms behind a session post to the same
// JSON API (s.call) and are tested in web_test.go.
var formRoutes = map[string][]string{
	"POST /web/login":   {url.Values{"username": {"wu.gang"}, "password": {"not-the-password"}, "next": {"/web/"}}.Encode()},
	"POST /12380":       {url.Values{"org_unit_id": {"150100"}, "subject_name": {"巴图"}, "content": {"反映其违规兼职取酬，有具体线索。"}, "reporter.phone": {"13800000000"}}.Encode()},
	"POST /12380/query": {url.Values{"code": {fxQueryCode}, "secret": {fxSecret}}.Encode(), url.Values{"code": {"../x"}}.Encode()},
}

// notJSONRoutes read a body that is not a JSON document a person writes, and say what it is and
// where it is tested: Temporal payloads (base64, checked by the codec), the HTML forms of the web
// pages.
var notJSONRoutes = map[string]string{
	"POST /codec/encode": "Temporal payloads",
	"POST /codec/decode": "Temporal payloads",
	// multipart uploads: api/files_e2e_test.go
	"POST /api/v1/files":                  "a multipart upload",
	"POST /public/v1/reports/:code/files": "a multipart upload",
}

// routeHeaders are the headers a route needs besides the token: the reporter's secret.
func routeHeaders(route string) []string {
	if strings.HasPrefix(route, "/public/v1/reports/:code") {
		return []string{secretHeader, fxSecret}
	}
	return nil
}

// fillPath puts the fixture's ids into a route's parameters.
func fillPath(route string) string {
	repl := map[string]string{
		"/tasks/:id":         "/tasks/" + fxDraftTask,
		"/cases/:id":         "/cases/" + fxCase,
		"/officials/:id":     "/officials/wu.gang",
		"/notifications/:id": fmt.Sprintf("/notifications/%d", fxNotification),
		"/calendar/:year":    "/calendar/2027",
		"/reports/:code":     "/reports/" + fxQueryCode,
	}
	for k, v := range repl {
		route = strings.Replace(route, k, v, 1)
	}
	return regexp.MustCompile(`[:*][A-Za-z_]+`).ReplaceAllString(route, "x")
}

// readsBody reports whether a route reads the body of a request: it is sent {} as JSON and
// a=b as a form, with token, through a reader that notes being read.
func (e *bodyEnv) readsBody(method, path, token string, hdr []string) bool {
	for ct, body := range map[string]string{"application/json": `{}`, "application/x-www-form-urlencoded": "a=b"} {
		spy := &readSpy{r: strings.NewReader(body)}
		req := httptest.NewRequest(method, path, spy)
		req.Header.Set("Content-Type", ct)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		e.handler.ServeHTTP(httptest.NewRecorder(), req)
		if spy.read {
			return true
		}
	}
	return false
}

type readSpy struct {
	r    io.Reader
	read bool
}

func (s *readSpy) Read(p []byte) (int, error) {
	s.read = true
	return s.r.Read(p)
}

func mutating(method string) bool { return method != "GET" && method != "HEAD" }

// TestWalkEveryRoute sends every route of the engine what a careless or hostile client would:
// no token, bad tokens, a token of an official with neither the role nor the org unit, an
// oversized body, the wrong method, and (to the routes that read a body, as the official who
// may call them) broken JSON, the wrong content type, extra data and unknown fields. Every
// answer must be the right problem document, none a 5xx, nothing may reach Temporal that
// should not, and the database must be exactly as before.
func TestWalkEveryRoute(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		before := dbDigest(t, gdb)
		routes := New(Deps{Registry: metrics.NewRegistry(), Logger: testenv.Logger(t)}).engine().Routes()
		if len(routes) < 20 {
			t.Fatalf("only %d routes", len(routes))
		}
		methodsOf := map[string][]string{}
		for _, r := range routes {
			methodsOf[r.Path] = append(methodsOf[r.Path], r.Method)
		}
		// served reports whether any route of method matches path (GET /cases/publicity is
		// GET /cases/:id).
		served := func(method, path string) bool {
			for _, r := range routes {
				pat := "^" + regexp.MustCompile(`[:*][A-Za-z_]+`).ReplaceAllString(r.Path, "[^/]+") + "$"
				if r.Method == method && regexp.MustCompile(pat).MatchString(path) {
					return true
				}
			}
			return false
		}
		tok := func(id string) string {
			s, err := testKeys.Issue(id, time.Now(), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		expired, _ := testKeys.Issue("wu.gang", time.Now().Add(-2*time.Hour), time.Hour)
		forged, _ := auth.Keys{Secret: []byte("another-secret-another-secret-!!!"), Issuer: "jiandu"}.Issue("admin", time.Now(), time.Hour)
		badTokens := map[string]string{"no token": "", "garbage": "a.b.c", "expired": expired, "forged": forged, "unknown official": tok("nobody")}
		// 乌云 is a supervised cadre of a county bureau: no role for, and no unit above, anything
		// in the fixture.
		outsider := tok("wuyun")

		expect := func(what string, rec *httptest.ResponseRecorder, status int) {
			t.Helper()
			e.checkAnswer(t, what, rec, "")
			if rec.Code != status {
				t.Errorf("%s: %d, want %d: %s", what, rec.Code, status, rec.Body.Bytes())
			}
		}

		for _, r := range routes {
			path := fillPath(r.Path)
			what := r.Method + " " + r.Path
			var body []byte
			if mutating(r.Method) {
				body = []byte(`{}`)
			}
			if strings.HasPrefix(r.Path, "/api/") {
				for name, bad := range badTokens {
					rec := e.serve(r.Method, path, bad, "application/json", body)
					expect(what+" with "+name, rec, http.StatusUnauthorized)
					if rec.Header().Get("WWW-Authenticate") == "" {
						t.Errorf("%s with %s: no WWW-Authenticate", what, name)
					}
				}
				for _, b := range [][]byte{body, []byte(`{"x":`), []byte(`<xml/>`)} {
					rec := e.serve(r.Method, path, outsider, "application/json", b)
					e.checkAnswer(t, what+" by an outsider", rec, "")
					if mutating(r.Method) && rec.Code < 400 {
						t.Errorf("%s by an outsider with %q: %d", what, b, rec.Code)
					}
					rec = e.serve(r.Method, path, outsider, "text/plain", b)
					e.checkAnswer(t, what+" by an outsider as text/plain", rec, "")
				}
			}
			// limitBody refuses a declared length over the limit on every route, before anything.
			limit := e.maxBody
			if r.Path == filesRoute || r.Path == publicFilesRoute {
				limit = testFileLimit + multipartSlack // uploads take their file limit (api/files.go)
			}
			if r.Method == "POST" && (r.Path == "/web/tasks/:id" || r.Path == "/web/cases/:id/files") {
				limit = testFileLimit + multipartSlack // the web forms that carry files
				if r.Path == "/web/tasks/:id" {
					limit = maxWebFileFields*testFileLimit + multipartSlack
				}
			}
			big := bytes.Repeat([]byte(" "), int(limit)+1)
			expect(what+" oversized", e.serve(r.Method, path, tok("admin"), "application/json", big), http.StatusRequestEntityTooLarge)

			for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
				if !served(m, path) {
					expect(m+" "+r.Path, e.serve(m, path, tok("admin"), "", nil), http.StatusMethodNotAllowed)
					break
				}
			}
		}
		expect("unknown path", e.serve("GET", "/api/v1/nothing-here", tok("admin"), "", nil), http.StatusNotFound)
		if n := e.temporal.calls.Load(); n != 0 {
			t.Fatalf("%d calls reached Temporal from unauthenticated or unauthorized requests", n)
		}

		// Every route that reads a body has an entry, in bodyRoutes (the JSON bodies this walk and
		// FuzzBodies send) or notJSONRoutes. A route reads a body when openapi.yaml documents
		// one, or when it reads the {} an outsider (or, on the public routes, anyone) sends it.
		bodyReaders := 0
		for _, r := range routes {
			key := r.Method + " " + r.Path
			_, isJSON := bodyRoutes[key]
			_, notJSON := notJSONRoutes[key]
			_, form := formRoutes[key]
			documented := requestSchema(r.Method, r.Path) != nil
			token := ""
			if strings.HasPrefix(r.Path, "/api/") {
				token = outsider
			}
			read := mutating(r.Method) && e.readsBody(r.Method, fillPath(r.Path), token, routeHeaders(r.Path))
			switch {
			case isJSON || notJSON || form:
				bodyReaders++
			case documented || read:
				t.Errorf("%s reads a body (documented %v, read %v) but has no entry in bodyRoutes, formRoutes or notJSONRoutes", key, documented, read)
			}
		}
		if listed := len(bodyRoutes) + len(formRoutes) + len(notJSONRoutes); bodyReaders != listed {
			t.Errorf("%d routes of bodyRoutes, formRoutes and notJSONRoutes served, %d listed", bodyReaders, listed)
		}
		t.Logf("%d routes walked; %d read a body, each with an entry", len(routes), bodyReaders)

		// Bad bodies from the official who may call the route: the decoder answers.
		for _, key := range slices.Sorted(maps.Keys(bodyRoutes)) {
			method, route, _ := strings.Cut(key, " ")
			br := bodyRoutes[key]
			if !slices.Contains(methodsOf[route], method) {
				t.Errorf("%s is in bodyRoutes but not served", key)
				continue
			}
			path, what, token, hdr := fillPath(route), key, "", routeHeaders(route)
			if br.official != "" {
				token = tok(br.official)
			}
			expect(what+" broken JSON", e.serve(method, path, token, "application/json", []byte(`{"title": `), hdr...), http.StatusBadRequest)
			expect(what+" syntax error", e.serve(method, path, token, "application/json", []byte(`{"a" 1}`), hdr...), http.StatusBadRequest)
			expect(what+" empty body", e.serve(method, path, token, "application/json", []byte{}, hdr...), http.StatusBadRequest)
			expect(what+" two values", e.serve(method, path, token, "application/json", []byte(`{} {}`), hdr...), http.StatusBadRequest)
			expect(what+" unknown field", e.serve(method, path, token, "application/json", []byte(`{"no_such_field": 1}`), hdr...), http.StatusBadRequest)
			expect(what+" array", e.serve(method, path, token, "application/json", []byte(`[1,2]`), hdr...), http.StatusBadRequest)
			for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/xml"} {
				expect(what+" as "+ct, e.serve(method, path, token, ct, []byte(`{}`), hdr...), http.StatusUnsupportedMediaType)
			}
			// A body without a declared length that turns out too long.
			req := httptest.NewRequest(method, path, bytes.NewReader(append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), int(e.maxBody))...), '"', '}')))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			expect(what+" chunked oversized", rec, http.StatusRequestEntityTooLarge)
		}

		walkHostileText(t, e.withMaxBody(t, 1<<20), routes, tok)

		// The wrong role, or the right role in the wrong org unit. Each is refused by the API
		// itself, before Temporal.
		for _, c := range authzCases {
			var b []byte
			if c.body != "" {
				b = []byte(c.body)
			}
			path := strings.Replace(c.path, "%d", fmt.Sprint(fxNotification), 1)
			expect(c.method+" "+path+" by "+c.official, e.serve(c.method, path, tok(c.official), "application/json", b), c.status)
		}
		if n := e.temporal.calls.Load(); n != 0 {
			t.Fatalf("%d calls reached Temporal from requests the API should refuse", n)
		}
		if after := dbDigest(t, gdb); after != before {
			t.Fatal("the database changed")
		}
	})
}

// textLeaf is one string field of a documented request body.
type textLeaf struct {
	path     []string // property names; "[]" for an array's item
	max, min int
	required bool // required by its parent object
	enum     bool
}

// name is the field as problem documents name it: candidates[0].name.
func (l textLeaf) name() string {
	var b strings.Builder
	for _, p := range l.path {
		switch {
		case p == "[]":
			b.WriteString("[0]")
		case b.Len() > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// body is a JSON body that sets this field (and nothing else) to v.
func (l textLeaf) body(v string) []byte {
	var val any = v
	for i := len(l.path) - 1; i >= 0; i-- {
		if l.path[i] == "[]" {
			val = []any{val}
		} else {
			val = map[string]any{l.path[i]: val}
		}
	}
	b, _ := json.Marshal(val)
	return b
}

// textLeaves lists every string field of a request schema, at any depth. A free-form object
// (a step form) is represented by one field under it, named "x".
func textLeaves(s map[string]any, path []string, required bool) []textLeaf {
	s = resolve(s)
	var out []textLeaf
	switch {
	case s["type"] == "string":
		_, enum := s["enum"]
		out = append(out, textLeaf{path: path, max: schemaInt(s, "maxLength"), min: schemaInt(s, "minLength"), required: required, enum: enum})
	case s["type"] == "array":
		items, _ := s["items"].(map[string]any)
		out = append(out, textLeaves(items, append(slices.Clone(path), "[]"), false)...)
	case s["type"] == "object" || s["properties"] != nil:
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			ps, _ := props[k].(map[string]any)
			out = append(out, textLeaves(ps, append(slices.Clone(path), k), slices.Contains(req, any(k)))...)
		}
		if s["additionalProperties"] == true {
			out = append(out, textLeaf{path: append(slices.Clone(path), "x")})
		}
	}
	return out
}

// queryParams are the query parameters openapi.yaml documents for an operation.
func queryParams(method, route string) []string {
	paths, _ := apiDoc["paths"].(map[string]any)
	item, _ := paths[openapiPath(route)].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	var names []string
	for _, params := range []any{item["parameters"], op["parameters"]} {
		list, _ := params.([]any)
		for _, p := range list {
			pm, _ := p.(map[string]any)
			pm = resolve(pm)
			if pm["in"] == "query" {
				names = append(names, pm["name"].(string))
			}
		}
	}
	return names
}

// walkHostileText sends, to every route, hostile text in every text field that openapi.yaml
// documents for it: each string of its body (NUL, one character over its maxLength, and, when
// the field is required, only invisible characters) and each path and query parameter (NUL).
// Every one must be a 422 naming the field, before anything is stored or reaches Temporal.
// Every string of every body must have a documented maximum (or be an enum).
func walkHostileText(t *testing.T, e *bodyEnv, routes gin.RoutesInfo, tok func(string) string) {
	t.Helper()
	hostile := func(what, method, path, token string, body []byte, hdr []string, field string) {
		t.Helper()
		ct := ""
		if body != nil {
			ct = "application/json"
		}
		rec := e.serve(method, path, token, ct, body, hdr...)
		e.checkAnswer(t, what, rec, "")
		if rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422: %s", what, rec.Code, rec.Body.Bytes())
			return
		}
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if !slices.ContainsFunc(p.Errors, func(f FieldError) bool { return f.Field == field && f.Message != "" }) {
			t.Errorf("%s: the problem does not name %s: %s", what, field, rec.Body.Bytes())
		}
		if !regexp.MustCompile(`\p{Han}`).MatchString(p.Title + p.Detail) {
			t.Errorf("%s: no Chinese in the problem: %s", what, rec.Body.Bytes())
		}
	}
	bodies, params := 0, 0
	for _, r := range routes {
		key := r.Method + " " + r.Path
		path, hdr := fillPath(r.Path), routeHeaders(r.Path)
		br, ok := bodyRoutes[key]
		token := ""
		switch {
		case br.official != "":
			token = tok(br.official)
		case !ok:
			token = tok("admin") // the parameter checks come right after authentication
		}
		if strings.HasPrefix(r.Path, "/api/v1/") || strings.HasPrefix(r.Path, "/public/v1/") {
			for _, name := range regexp.MustCompile(`:([A-Za-z_]+)`).FindAllStringSubmatch(r.Path, -1) {
				p := strings.Replace(r.Path, ":"+name[1], "a%00b", 1)
				hostile(key+" NUL in path parameter "+name[1], r.Method, fillPath(p), token, nil, hdr, name[1])
				params++
			}
			for _, q := range queryParams(r.Method, r.Path) {
				hostile(key+" NUL in query parameter "+q, r.Method, path+"?"+q+"=a%00b", token, nil, hdr, q)
				params++
			}
		}
		schema := requestSchema(r.Method, r.Path)
		if schema == nil {
			continue
		}
		if _, skip := notJSONRoutes[key]; skip || !ok {
			continue // TestWalkEveryRoute fails on a body route without an entry
		}
		leaves := textLeaves(schema, nil, false)
		if len(leaves) == 0 {
			t.Errorf("%s: no text fields found in its schema", key)
		}
		for _, l := range leaves {
			field := l.name()
			hostile(key+" NUL in "+field, r.Method, path, token, l.body("正常\x00文本"), hdr, field)
			hostile(key+" escape in "+field, r.Method, path, token, l.body("a\x1b[2Jb"), hdr, field)
			bodies++
			if l.path[len(l.path)-1] == "x" && l.max == 0 && !l.enum {
				continue // a step form's field: its limits are the step's (workflows/humanstep.go)
			}
			switch {
			case l.enum:
			case l.max == 0:
				t.Errorf("%s: %s has no maxLength in openapi.yaml", key, field)
			default:
				hostile(key+" oversized "+field, r.Method, path, token, l.body(strings.Repeat("长", l.max+1)), hdr, field)
			}
			if (l.required || l.min > 0) && !l.enum {
				hostile(key+" invisible "+field, r.Method, path, token, l.body(strings.Repeat("\u200b\u202e\u2060\u3000", 4)), hdr, field)
			}
		}
	}
	if bodies < 50 || params < 20 {
		t.Fatalf("walked only %d body fields and %d parameters", bodies, params)
	}
	t.Logf("hostile text refused in %d body fields and %d parameters", bodies, params)
}

// authzCases are requests by an official with the wrong role, or the right role in the wrong org
// unit, and the status the API refuses them with. TestWalkEveryRoute sends them with bearer
// tokens, TestSessionAuthorization with web session cookies.
var authzCases = []struct {
	method, path, official, body string
	status                       int
}{
	{"POST", "/api/v1/cases/publicity", "ma.lin", validPublicity, 403},   // investigator of the unit
	{"POST", "/api/v1/cases/publicity", "hu.jun", validPublicity, 403},   // supervisor of a county
	{"POST", "/api/v1/cases/publicity", "zhao.min", validPublicity, 403}, // leader of the region
	{"POST", "/api/v1/officials", "bao.yin", `{"id":"a.b","name":"甲","org_unit_id":"150100","roles":["leader"]}`, 403},
	{"PUT", "/api/v1/calendar/2027", "wu.gang", `{"days":[]}`, 403},
	{"POST", "/api/v1/org-units", "wang.jian", `{"id":"150199","parent_id":"150100","name":"x","level":"county","kind":"organization"}`, 403},
	{"POST", "/api/v1/tasks/" + fxDraftTask + "/reassign", "wu.gang", `{"to":"li.hua"}`, 403},
	{"POST", "/api/v1/tasks/" + fxDraftTask + "/complete", "ma.lin", `{"decision":"submit"}`, 404},
	{"POST", "/api/v1/tasks/" + fxDraftTask + "/complete", "hu.jun", `{"decision":"submit"}`, 404},
	{"POST", "/api/v1/tasks/" + fxDraftTask + "/claim", "li.hua", ``, 404}, // cadre section one level up
	{"POST", "/api/v1/cases/" + fxCase + "/cancel", "hu.jun", `{"reason":"x"}`, 404},
	{"POST", "/api/v1/cases/" + fxCase + "/objections", "guo.hong", `{"candidate_id":"c1"}`, 404},
	{"GET", "/api/v1/cases/" + fxCase, "hu.jun", ``, 404},
	{"GET", "/api/v1/tasks?scope=org", "wu.gang", ``, 403},
	{"POST", "/api/v1/officials/admin/password", "bao.yin", `{}`, 403},
	{"POST", "/api/v1/notifications/%d/read", "chen.jing", ``, 404},
}

const validPublicity = `{"title":"公示","org_unit_id":"150100","candidates":[{"name":"张三","current_post":"副局长","proposed_post":"局长"}]}`
