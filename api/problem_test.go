package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// bareServer is a Server without a database or Temporal, for what needs neither.
func bareServer(t *testing.T, deps Deps) *Server {
	deps.Logger, deps.Registry = testenv.Logger(t), metrics.NewRegistry()
	return New(deps)
}

// TestProblemKindsListed: every problemKind the package declares is in problemKinds (so it has
// a page), once, with a title, a meaning and an action in Chinese.
func TestProblemKindsListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.CompositeLit); ok {
				if id, ok := lit.Type.(*ast.Ident); ok && id.Name == "problemKind" && len(lit.Elts) > 0 {
					if s, ok := lit.Elts[0].(*ast.BasicLit); ok {
						slug, _ := strconv.Unquote(s.Value)
						declared[slug] = true
					}
				}
			}
			return true
		})
	}
	listed := map[string]bool{}
	for _, k := range problemKinds {
		if listed[k.slug] {
			t.Errorf("%s listed twice", k.slug)
		}
		listed[k.slug] = true
		for what, text := range map[string]string{"title": k.title, "meaning": k.meaning, "action": k.action} {
			if !hasHan(text) {
				t.Errorf("%s: %s %q is not Chinese", k.slug, what, text)
			}
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d problem kinds in the source", len(declared))
	}
	for slug := range declared {
		if !listed[slug] {
			t.Errorf("problem kind %s is declared but not in problemKinds: it has no page", slug)
		}
	}
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
}

// TestProblemPages fetches the page of every problem kind at the path its type names: a
// Chinese HTML page with its title, status, meaning and action. An unknown kind is 404.
func TestProblemPages(t *testing.T) {
	h := bareServer(t, Deps{}).Handler()
	for _, k := range problemKinds {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", k.typeURI(), nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", k.typeURI(), rec.Code, rec.Header().Get("Content-Type"))
			continue
		}
		for _, want := range []string{k.title, k.meaning, k.action, strconv.Itoa(k.status), k.typeURI()} {
			if !strings.Contains(body, htmlEscaped(want)) {
				t.Errorf("%s: the page does not say %q", k.typeURI(), want)
			}
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/problems/no-such-kind", nil))
	if rec.Code != http.StatusNotFound || !hasHan(rec.Body.String()) {
		t.Errorf("unknown kind: %d", rec.Code)
	}
}

// htmlEscaped is s as html/template writes it in text.
func htmlEscaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// TestFailClassifies: the one renderer. A problem answers as it says; a failed dependency (the
// database, Temporal, a deadline) is 503 with Retry-After; anything else 500; the cause is
// never in the answer.
func TestFailClassifies(t *testing.T) {
	s := bareServer(t, Deps{})
	cause := errors.New("dial tcp 10.0.0.7:5432: secret-host")
	for _, tt := range []struct {
		name   string
		err    error
		status int
	}{
		{"problem", problem(probConflict, "案件已办结"), http.StatusConflict},
		{"field errors", invalid("请求内容未通过校验", FieldError{"b", "必填"}, FieldError{"a", "必填"}), http.StatusUnprocessableEntity},
		{"problem wrapped", fmt.Errorf("in a transaction: %w", problem(probConflict, "已满")), http.StatusConflict},
		{"dependency", unavailable("load case", cause), http.StatusServiceUnavailable},
		{"database busy", fmt.Errorf("list cases: %w: %w", db.ErrBusy, cause), http.StatusServiceUnavailable},
		{"temporal unavailable", fmt.Errorf("start: %w", serviceerror.NewUnavailable(cause.Error())), http.StatusServiceUnavailable},
		{"temporal exhausted", serviceerror.NewResourceExhausted(0, cause.Error()), http.StatusServiceUnavailable},
		{"deadline", fmt.Errorf("query: %w: %w", context.DeadlineExceeded, cause), http.StatusServiceUnavailable},
		{"unknown", fmt.Errorf("decode final state: %w", cause), http.StatusInternalServerError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest("GET", "/api/v1/cases/x", nil)
			s.fail(c, tt.err)
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != problemContentType {
				t.Fatalf("%d %s, want %d problem+json", rec.Code, rec.Header().Get("Content-Type"), tt.status)
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.status || !strings.HasPrefix(p.Type, problemTypePath) || !hasHan(p.Title) || !hasHan(p.Detail) {
				t.Errorf("problem %+v", p)
			}
			if strings.Contains(rec.Body.String(), "secret-host") {
				t.Errorf("the cause leaks: %s", rec.Body)
			}
			if got := rec.Header().Get("Retry-After") != ""; got != (tt.status == http.StatusServiceUnavailable) {
				t.Errorf("Retry-After present: %v", got)
			}
			if !slices.IsSortedFunc(p.Errors, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) }) {
				t.Errorf("field errors out of order: %+v", p.Errors)
			}
		})
	}
}

// TestDatabaseFailureIsNot422: a lookup that a field names failing in the database is a 503
// with Retry-After, never a field error, and nothing starts (organization, officialIn,
// bodyUnder, the subject of a report, the org unit of an official).
func TestDatabaseFailureIsNot422(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		var failing atomic.Pointer[[]string] // the statement to fail: every part in its SQL
		err := gdb.Callback().Query().After("gorm:query").Register("test:fail-lookup", func(tx *gorm.DB) {
			parts := failing.Load()
			if parts == nil || tx.Error != nil {
				return
			}
			sql := tx.Statement.SQL.String()
			for _, p := range *parts {
				if strings.HasPrefix(p, "!") == strings.Contains(sql, strings.TrimPrefix(p, "!")) {
					return
				}
			}
			_ = tx.AddError(errors.New("connection reset by peer: secret-host"))
		})
		if err != nil {
			t.Fatal(err)
		}
		inspection := `{"leader_id": "han.bo", "period_from": "2024-01-01", "period_to": "2025-06-30"}`
		for _, tt := range []struct {
			name, path, official, body string
			sql                        []string
		}{
			{"organization", "/api/v1/cases/joint-inspection", "bao.yin", inspection, []string{"org_units", "WHERE id = ", "!JOIN"}},
			{"officialIn", "/api/v1/cases/joint-inspection", "bao.yin", inspection, []string{"officials", "disabled = "}},
			{"bodyUnder", "/api/v1/cases/joint-inspection", "bao.yin", inspection, []string{"parent_id = ", "kind = "}},
			{"cadre", "/api/v1/cases/inquiry", "bao.yin", `{"cadre_id": "batu", "grounds": "反映问题"}`, []string{"officials", "WHERE id = ", "!JOIN"}},
			{"report subject", "/api/v1/reports", "he.ping", `{"channel": "phone", "subject_id": "batu", "content": "反映其违规兼职取酬问题"}`, []string{"officials", "WHERE id = ", "!JOIN"}},
			{"official's org unit", "/api/v1/officials", "admin", `{"id": "new.one", "name": "新人", "org_unit_id": "150121", "roles": ["investigator"]}`, []string{"org_units", "WHERE id = ", "!JOIN"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := e.temporal.calls.Load()
				failing.Store(&tt.sql)
				rec := e.serve("POST", tt.path, mustToken(t, tt.official), "application/json", []byte(tt.body))
				failing.Store(nil)
				var p Problem
				_ = json.Unmarshal(rec.Body.Bytes(), &p)
				if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || len(p.Errors) > 0 {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
				if strings.Contains(rec.Body.String(), "secret-host") {
					t.Errorf("the cause leaks: %s", rec.Body)
				}
				if n := e.temporal.calls.Load() - before; n != 0 {
					t.Errorf("%d calls reached Temporal", n)
				}
				// Without the failure the same request gets past the lookup.
				rec = e.serve("POST", tt.path, mustToken(t, tt.official), "application/json", []byte(tt.body))
				if rec.Code == http.StatusServiceUnavailable {
					t.Errorf("without the failure: %d %s", rec.Code, rec.Body)
				}
			})
		}
	})
}

// startRoutes are the routes that start a case of each kind.
var startRoutes = map[schemas.CaseKind]string{
	schemas.KindPublicity:       "/api/v1/cases/publicity",
	schemas.KindInquiry:         "/api/v1/cases/inquiry",
	schemas.KindAdmonishment:    "/api/v1/cases/admonishment",
	schemas.KindDepartureAudit:  "/api/v1/cases/departure-audit",
	schemas.KindJointInspection: "/api/v1/cases/joint-inspection",
	schemas.KindReport:          "/api/v1/reports",
	schemas.KindMattersCheck:    "/api/v1/cases/matters-check",
	schemas.KindPreAppointment:  "/api/v1/cases/pre-appointment",
	schemas.KindEvaluation:      "/api/v1/cases/evaluation",
	schemas.KindMattersCycle:    "/api/v1/cases/matters-cycle",
	schemas.KindSelectionReview: "/api/v1/cases/selection-review",
}

// TestStartPermissionBeforeBody: for every kind a request starts, an official without a role
// that starts it (per schemas.Processes) gets 403 whatever the body, broken JSON included;
// one with the role naming another office gets 403, not the 422 of the fields left out.
func TestStartPermissionBeforeBody(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		var officials []schemas.Official
		if err := gdb.Where("disabled = ?", false).Order("id").Find(&officials).Error; err != nil {
			t.Fatal(err)
		}
		for kind, path := range startRoutes {
			start := kind.Process().Start
			if len(start) == 0 {
				t.Fatalf("%s: a start route, but no role starts it", kind)
			}
			tried := 0
			for _, o := range officials {
				if o.Roles.HasAny(start) {
					continue
				}
				tried++
				for _, body := range []string{`{"title":`, `[]`, `{"no_such_field": 1}`, `{}`} {
					rec := e.serve("POST", path, mustToken(t, o.ID), "application/json", []byte(body))
					if rec.Code != http.StatusForbidden {
						t.Errorf("%s by %s (%v), body %s: %d, want 403", kind, o.ID, o.Roles, body, rec.Code)
					}
				}
			}
			if tried == 0 {
				t.Errorf("%s: every official may start it; nothing tried", kind)
			}
		}
		// bao.yin supervises at 150100: naming the region's office is refused before the fields.
		for kind, path := range startRoutes {
			if kind == schemas.KindReport {
				continue // a report is received by the clerk's own office; its body names none
			}
			rec := e.serve("POST", path, mustToken(t, "bao.yin"), "application/json", []byte(`{"org_unit_id": "150000"}`))
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s at another office: %d %s", kind, rec.Code, rec.Body)
			}
		}
		if n := e.temporal.calls.Load(); n != 0 {
			t.Errorf("%d calls reached Temporal from refused starts", n)
		}
	})
}

// TestCodecErrorsAreProblems: /codec answers a body it cannot use with a problem document.
func TestCodecErrorsAreProblems(t *testing.T) {
	ring, err := secrets.Parse("t1:wGIaqrYIdxQodFZXXGxHmPQp/mwNAdmOiaxYyXa2TZQ=")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		h.srv = New(Deps{DB: gdb, Temporal: h.srv.temporal, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
			Reports: ReportDeps{PayloadCodec: codec.New(ring)}})
		h = newServerFor(t, h)
		tok := h.token("wang.jian")
		forged := `{"payloads":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA==","encryption-key-id":"dDE="},"data":"AAAA"}]}`
		for name, body := range map[string]string{"not JSON": `payloads`, "not payloads": `{"payloads": 3}`, "forged payload": forged} {
			r := h.do("POST", "/codec/decode", tok, body)
			if p := r.problem(t); r.status != http.StatusBadRequest || !hasHan(p.Detail) {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		var out struct {
			Payloads []json.RawMessage `json:"payloads"`
		}
		r := h.do("POST", "/codec/encode", tok, `{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"IjEi"}]}`)
		if r.json(t, &out); r.status != http.StatusOK || len(out.Payloads) != 1 {
			t.Fatalf("encode: %d %s", r.status, r.body)
		}
		if back := h.do("POST", "/codec/decode", tok, `{"payloads":[`+string(out.Payloads[0])+`]}`); back.status != http.StatusOK ||
			!strings.Contains(string(back.body), "IjEi") {
			t.Fatalf("decode of an encoded payload: %d %s", back.status, back.body)
		}
	})
}

// TestMetricsElsewhere: with MetricsElsewhere (JIANDU_API_METRICS_ADDR set) the API's own
// address has no /metrics; without it, it has.
func TestMetricsElsewhere(t *testing.T) {
	for elsewhere, want := range map[bool]int{false: http.StatusOK, true: http.StatusNotFound} {
		rec := httptest.NewRecorder()
		bareServer(t, Deps{MetricsElsewhere: elsewhere}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != want {
			t.Errorf("MetricsElsewhere %v: /metrics %d, want %d", elsewhere, rec.Code, want)
		}
	}
}
