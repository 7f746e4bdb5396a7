package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
)

// bodyRoutes are the routes that decode a JSON body, each with the official who may call it,
// so that bad bodies get past authentication and authorization to the decoder.
var bodyRoutes = []struct{ method, route, official string }{
	{"POST", "/api/v1/officials", "admin"},
	{"PATCH", "/api/v1/officials/:id", "admin"},
	{"POST", "/api/v1/officials/:id/password", "admin"},
	{"POST", "/api/v1/org-units", "admin"},
	{"PUT", "/api/v1/calendar/:year", "admin"},
	{"POST", "/api/v1/cases/publicity", "wu.gang"},
	{"POST", "/api/v1/cases/inquiry", "bao.yin"},
	{"POST", "/api/v1/cases/admonishment", "bao.yin"},
	{"POST", "/api/v1/tasks/:id/complete", "wu.gang"},
	{"POST", "/api/v1/tasks/:id/reassign", "bao.yin"},
	{"POST", "/api/v1/cases/:id/cancel", "bao.yin"},
	{"POST", "/api/v1/cases/:id/objections", "he.ping"},
}

// fillPath puts the fixture's ids into a route's parameters.
func fillPath(route string) string {
	repl := map[string]string{
		"/tasks/:id":         "/tasks/" + fxDraftTask,
		"/cases/:id":         "/cases/" + fxCase,
		"/officials/:id":     "/officials/wu.gang",
		"/notifications/:id": fmt.Sprintf("/notifications/%d", fxNotification),
		"/calendar/:year":    "/calendar/2027",
	}
	for k, v := range repl {
		route = strings.Replace(route, k, v, 1)
	}
	return regexp.MustCompile(`[:*][A-Za-z_]+`).ReplaceAllString(route, "x")
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
			big := bytes.Repeat([]byte(" "), int(e.maxBody)+1)
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

		// Bad bodies from the official who may call the route: the decoder answers.
		for _, br := range bodyRoutes {
			if !slices.Contains(methodsOf[br.route], br.method) {
				t.Errorf("%s %s is in bodyRoutes but not served", br.method, br.route)
				continue
			}
			path, what, token := fillPath(br.route), br.method+" "+br.route, tok(br.official)
			expect(what+" broken JSON", e.serve(br.method, path, token, "application/json", []byte(`{"title": `)), http.StatusBadRequest)
			expect(what+" syntax error", e.serve(br.method, path, token, "application/json", []byte(`{"a" 1}`)), http.StatusBadRequest)
			expect(what+" empty body", e.serve(br.method, path, token, "application/json", []byte{}), http.StatusBadRequest)
			expect(what+" two values", e.serve(br.method, path, token, "application/json", []byte(`{} {}`)), http.StatusBadRequest)
			expect(what+" unknown field", e.serve(br.method, path, token, "application/json", []byte(`{"no_such_field": 1}`)), http.StatusBadRequest)
			expect(what+" array", e.serve(br.method, path, token, "application/json", []byte(`[1,2]`)), http.StatusBadRequest)
			for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/xml"} {
				expect(what+" as "+ct, e.serve(br.method, path, token, ct, []byte(`{}`)), http.StatusUnsupportedMediaType)
			}
			// A body without a declared length that turns out too long.
			req := httptest.NewRequest(br.method, path, bytes.NewReader(append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), int(e.maxBody))...), '"', '}')))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			expect(what+" chunked oversized", rec, http.StatusRequestEntityTooLarge)
		}

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
