package api

// Fuzz targets for every request body the API decodes, driven through the real gin engine on a
// seeded SQLite database. Temporal is a fake that accepts every start and update (the workflow
// validators have their own fuzz target in workflows/form_fuzz_test.go), so what is fuzzed here
// is the HTTP layer: decoding, validation, authorization and the problem answers.
//
// Every input must get: no 5xx; on 4xx a problem+json document whose status matches; on 4xx no
// change to any table. `make fuzz` runs each target briefly; run one longer by hand with
//
//	go test -run='^$' -fuzz='^FuzzBodies$' -fuzztime=10m ./api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// fakeTemporal accepts every start and update without running anything, and counts the calls,
// so a test can also tell whether a request got as far as Temporal. Methods it does not
// override panic (nil embedded interface), which the API's recover turns into a 500 that the
// checks below report.
type fakeTemporal struct {
	client.Client
	calls atomic.Int64
}

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.calls.Add(1)
	return fakeRun{id: o.ID}, nil
}

func (f *fakeTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.calls.Add(1)
	return fakeUpdate{}, nil
}

func (f *fakeTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	f.calls.Add(1)
	return nil, serviceerror.NewNotFound("workflow not found")
}

func (f *fakeTemporal) DescribeWorkflow(context.Context, string, string) (*client.WorkflowExecutionDescription, error) {
	f.calls.Add(1)
	return nil, serviceerror.NewNotFound("workflow not found")
}

func (f *fakeTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, nil
}

type fakeRun struct {
	client.WorkflowRun
	id string
}

func (r fakeRun) GetID() string    { return r.id }
func (r fakeRun) GetRunID() string { return "run-" + r.id }

type fakeUpdate struct{ client.WorkflowUpdateHandle }

func (fakeUpdate) Get(context.Context, any) error { return nil }

// Fixture ids: one open publicity case of 150100 with its draft task (cadre section) and
// approve task (leader), one unread notification of wu.gang, and one web report that its
// reporter follows with fxQueryCode and fxSecret.
const (
	fxCase      = "publicity-2026-0001"
	fxDraftTask = fxCase + ".draft-1"
	fxApprove   = fxCase + ".approve-1"
	fxQueryCode = "ABCDEFGHJKMN"
	fxSecret    = "PQRSTUVWXYZ23456"
)

var fxNotification int64

// bodyEnv is the engine over a seeded database and a fake Temporal.
type bodyEnv struct {
	db       *gorm.DB
	temporal *fakeTemporal
	handler  http.Handler
	maxBody  int64
}

func newBodyEnv(t testing.TB, gdb *gorm.DB) *bodyEnv {
	t.Helper()
	seedFixture(t, gdb)
	ft := &fakeTemporal{}
	const maxBody = 4096
	e := &bodyEnv{db: gdb, temporal: ft}
	return e.withMaxBody(t, maxBody)
}

// withMaxBody is the same environment (database, fake Temporal) served with another body
// limit. The public channel's and the login page's rate limits are lifted: a walk or a fuzz
// target sends them many requests, which must be answered, not throttled.
func (e *bodyEnv) withMaxBody(t testing.TB, maxBody int64) *bodyEnv {
	unlimited := RateLimit{Burst: 1 << 30, Per: time.Hour}
	ring, err := secrets.Parse(e2eReporterKey) // reports may carry the reporter's identity
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Deps{DB: e.db, Temporal: e.temporal, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
		MaxBodyBytes: maxBody, TaskQueue: "fuzz", Reports: ReportDeps{ReporterKeys: ring, SubmitLimit: unlimited, LookupLimit: unlimited},
		Web: WebDeps{LoginLimit: unlimited}, Files: testFiles(t)})
	return &bodyEnv{db: e.db, temporal: e.temporal, handler: srv.Handler(), maxBody: maxBody}
}

// seededSQLite is a fresh migrated SQLite database with the demo data, for the fuzz targets
// (which cannot run subtests per dialect).
func seededSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	gdb := testenv.Open(t, testenv.DatabaseURL(t, "sqlite"))
	if err := schemas.Migrate(gdb); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(gdb); err != nil {
		t.Fatal(err)
	}
	return gdb
}

func seedFixture(t testing.TB, gdb *gorm.DB) {
	t.Helper()
	now := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	due := now.Add(72 * time.Hour)
	c := schemas.Case{ID: fxCase, Kind: schemas.KindPublicity, Year: 2026, Seq: 1, Title: "任前公示", OrgUnitID: "150100",
		Status: schemas.CaseOpen, Stage: "drafting", CreatedBy: "wu.gang", CreatedAt: now, UpdatedAt: now}
	tasks := []schemas.Task{
		{ID: fxDraftTask, StepKey: "draft-1", Step: "draft_notice", AssigneeRole: schemas.RoleCadreSection},
		{ID: fxApprove, StepKey: "approve-1", Step: "approve_notice", AssigneeRole: schemas.RoleLeader},
	}
	n := schemas.Notification{OfficialID: "wu.gang", CaseID: fxCase, TaskID: fxDraftTask, Kind: "task.opened", Title: "新任务", Body: "起草任前公示", CreatedAt: now}
	err := gdb.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		for _, tk := range tasks {
			tk.CaseID, tk.WorkflowID, tk.CaseKind, tk.Title, tk.OrgUnitID = fxCase, fxCase, schemas.KindPublicity, tk.Step, "150100"
			tk.Status, tk.DueAt, tk.CreatedAt, tk.UpdatedAt = schemas.TaskOpen, &due, now, now
			if err := tx.Create(&tk).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(&n).Error; err != nil {
			return err
		}
		code, salt := fxQueryCode, "fixture-salt"
		hash, err := hashSecret(fxSecret, salt)
		if err != nil {
			return err
		}
		// Numbered apart from what caseno allocates, so a test that files a report gets its own row.
		return tx.Create(&schemas.Report{ID: "report-2026-9001", OrgUnitID: "150100", Channel: "web", SubjectName: "某某",
			Content: "反映某某违规兼职取酬问题", QueryCode: &code, SecretSalt: salt, SecretHash: hash, Status: "received",
			CreatedBy: "public", CreatedAt: now, UpdatedAt: now}).Error
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	fxNotification = n.ID
}

// dbDigest is a digest of every row of every table, to show that a request changed nothing.
func dbDigest(t testing.TB, gdb *gorm.DB) string {
	t.Helper()
	tables, err := gdb.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(tables)
	h := sha256.New()
	for _, table := range tables {
		var rows []map[string]any
		if err := gdb.Table(table).Find(&rows).Error; err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = fmt.Sprint(r) // fmt prints maps in key order
		}
		slices.Sort(lines)
		fmt.Fprintf(h, "%s %d\n%s\n", table, len(rows), strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// serve runs one request through the engine in-process.
func (e *bodyEnv) serve(method, path, token, contentType string, body []byte, headers ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == nil {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, bytes.NewReader(body))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// checkAnswer fails t unless the answer obeys the rules for any input: no 5xx, a complete
// problem document on 4xx, and (when before is not empty) no change to the database on 4xx.
func (e *bodyEnv) checkAnswer(t testing.TB, what string, rec *httptest.ResponseRecorder, before string) {
	t.Helper()
	status := rec.Code
	if status >= 500 {
		t.Fatalf("%s: %d %s", what, status, rec.Body.Bytes())
	}
	if status < 400 {
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: %d with a body that is not JSON: %q", what, status, rec.Body.Bytes())
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != problemContentType {
		t.Fatalf("%s: %d with content type %q: %s", what, status, ct, rec.Body.Bytes())
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != status || p.Type == "" || p.Title == "" {
		t.Fatalf("%s: %d with a broken problem (%v): %s", what, status, err, rec.Body.Bytes())
	}
	if before != "" {
		if after := dbDigest(t, e.db); after != before {
			t.Fatalf("%s: answered %d but the database changed", what, status)
		}
	}
}

// FuzzBodies fuzzes the JSON body of every route of the engine that reads one, sent by the
// official of its bodyRoutes entry ("" for the public channel, whose rate limits the fuzz
// environment lifts so that inputs are answered, not throttled). The routes come from the
// engine: one that reads a documented body without an entry fails the target (and
// TestWalkEveryRoute), so a new route cannot be left out. The first input picks the route.
// Besides each entry's seeds, every text field that openapi.yaml documents for the route is
// seeded with NUL, an escape sequence, one character over its maxLength and only invisible
// characters. An accepted body (2xx) must hold no control character in any string.
func FuzzBodies(f *testing.F) {
	e := newBodyEnv(f, seededSQLite(f))
	type target struct {
		key, path, method, token string
		hdr                      []string
	}
	var targets []target
	for _, r := range New(Deps{Registry: metrics.NewRegistry(), Logger: testenv.Logger(f)}).engine().Routes() {
		key := r.Method + " " + r.Path
		br, ok := bodyRoutes[key]
		if !ok {
			if _, notJSON := notJSONRoutes[key]; !notJSON && requestSchema(r.Method, r.Path) != nil {
				f.Fatalf("%s reads a JSON body but has no entry in bodyRoutes", key)
			}
			continue
		}
		tg := target{key: key, path: fillPath(r.Path), method: r.Method, hdr: routeHeaders(r.Path)}
		if br.official != "" {
			var err error
			if tg.token, err = testKeys.Issue(br.official, time.Now(), 24*time.Hour); err != nil {
				f.Fatal(err)
			}
		}
		targets = append(targets, tg)
	}
	slices.SortFunc(targets, func(a, b target) int { return strings.Compare(a.key, b.key) })
	if len(targets) != len(bodyRoutes) {
		f.Fatalf("%d of the %d routes of bodyRoutes are served", len(targets), len(bodyRoutes))
	}
	for i, tg := range targets {
		schema := requestSchema(tg.method, documentedPath(f, tg.path))
		if schema == nil {
			f.Fatalf("%s has no documented body", tg.key)
		}
		seeds := slices.Clone(bodyRoutes[tg.key].seeds)
		for _, l := range textLeaves(schema, nil, false) {
			seeds = append(seeds, string(l.body("正常\x00文本")), string(l.body("a\x1b]0;x\x07")), string(l.body(strings.Repeat("\u200b\u202e", 8))))
			if l.max > 0 {
				seeds = append(seeds, string(l.body(strings.Repeat("长", l.max+1))))
			}
		}
		for _, s := range append(seeds, ``, `{}`, `null`, `[]`, `{"a":1}`, `{`, `"x"`, `{} {}`, strings.Repeat(`[`, 5000)) {
			f.Add(uint16(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, route uint16, body []byte) {
		tg := targets[int(route)%len(targets)]
		before := dbDigest(t, e.db)
		rec := e.serve(tg.method, tg.path, tg.token, "application/json", body, tg.hdr...)
		what := fmt.Sprintf("%s %s %q", tg.method, tg.path, body)
		e.checkAnswer(t, what, rec, before)
		if rec.Code < 400 {
			if field, bad := controlIn("", body); bad {
				t.Fatalf("%s: answered %d with a control character in %s", what, rec.Code, field)
			}
		}
	})
}

// FuzzPublicForms fuzzes the form-encoded body of every public HTML form (formRoutes), posted
// with a valid double-submit token, with the rate limits lifted. Every answer must be an HTML
// page, none a 5xx, and a refusal (4xx) changes nothing. The first input picks the form.
func FuzzPublicForms(f *testing.F) {
	e := newBodyEnv(f, seededSQLite(f)).withMaxBody(f, 1<<20)
	keys := slices.Sorted(maps.Keys(formRoutes))
	for i, key := range keys {
		for _, s := range append(slices.Clone(formRoutes[key]), ``, `=`, `&&&`, `a=%zz`, `content=`+strings.Repeat("长", 3000), "subject_name=a%00b", `org_unit_id=..%2F..`) {
			f.Add(uint16(i), []byte(s))
		}
	}
	token := strings.Repeat("f", 64)
	f.Fuzz(func(t *testing.T, form uint16, body []byte) {
		key := keys[int(form)%len(keys)]
		method, path, _ := strings.Cut(key, " ")
		before := dbDigest(t, e.db)
		rec := e.serve(method, path, "", "application/x-www-form-urlencoded", append([]byte("csrf="+token+"&"), body...), "Cookie", formCookie+"="+token)
		what := fmt.Sprintf("%s %.200q", key, body)
		if rec.Code >= 500 {
			t.Fatalf("%s: %d %.500s", what, rec.Code, rec.Body.Bytes())
		}
		if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusSeeOther && !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("%s: %d with content type %q", what, rec.Code, ct)
		}
		if rec.Code >= 400 && dbDigest(t, e.db) != before {
			t.Fatalf("%s: answered %d but the database changed", what, rec.Code)
		}
	})
}

// documentedPath is the openapi.yaml path that a concrete request path is served under (a
// literal segment wins over a parameter: /cases/publicity is not /cases/{id}).
func documentedPath(t testing.TB, path string) string {
	paths, _ := apiDoc["paths"].(map[string]any)
	best, bestParams := "", -1
	for p := range paths {
		segs, got := strings.Split(p, "/"), strings.Split(path, "/")
		if len(segs) != len(got) {
			continue
		}
		params, ok := 0, true
		for i, seg := range segs {
			switch {
			case strings.HasPrefix(seg, "{"):
				params++
			case seg != got[i]:
				ok = false
			}
		}
		if ok && (bestParams < 0 || params < bestParams) {
			best, bestParams = p, params
		}
	}
	if best == "" {
		t.Fatalf("%s is not in openapi.yaml", path)
	}
	return best
}

// controlIn finds a string (or key) of a JSON body with a control character other than
// newline and tab.
func controlIn(path string, body []byte) (string, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	var walk func(string, any) (string, bool)
	walk = func(p string, v any) (string, bool) {
		switch v := v.(type) {
		case string:
			_, bad := text.Control(v)
			return p, bad
		case map[string]any:
			for k, x := range v {
				if _, bad := text.Control(k); bad {
					return p, true
				}
				if f, bad := walk(join(p, k), x); bad {
					return f, true
				}
			}
		case []any:
			for i, x := range v {
				if f, bad := walk(fmt.Sprintf("%s[%d]", p, i), x); bad {
					return f, true
				}
			}
		}
		return "", false
	}
	return walk(path, v)
}

// FuzzMarkNotificationRead fuzzes the one input of POST /notifications/{id}/read: its id.
func FuzzMarkNotificationRead(f *testing.F) {
	e := newBodyEnv(f, seededSQLite(f))
	token, err := testKeys.Issue("wu.gang", time.Now(), 24*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(fxNotification), "0", "-1", "abc", "9223372036854775808", "1e3", "%00", "..", "1/read"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		path := "/api/v1/notifications/" + url.PathEscape(id) + "/read"
		before := dbDigest(t, e.db)
		rec := e.serve("POST", path, token, "", nil)
		e.checkAnswer(t, "mark read "+id, rec, before)
	})
}
