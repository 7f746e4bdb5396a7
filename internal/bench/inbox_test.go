package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

const (
	inboxSchema  = "bench_inbox_1m"
	inboxTasks   = 1_000_000
	tasksPerCase = 10
)

// BenchmarkInbox measures the inbox query (GET /api/v1/tasks through the real handler) on
// Postgres with 1M task rows spread over an org tree of about 150 units, and reports p50/p99
// per query shape. It needs JIANDU_TEST_DATABASE_URL; the seeded schema bench_inbox_1m is kept
// for the next run (DROP SCHEMA bench_inbox_1m CASCADE to start over).
//
//	JIANDU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -run='^$' -bench=Inbox -benchtime=200x ./internal/bench
func BenchmarkInbox(b *testing.B) {
	base := os.Getenv(testenv.PostgresURLVar)
	if base == "" {
		b.Skip(testenv.PostgresURLVar + " is not set")
	}
	gdb := seedInbox(b, base)
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	keys := auth.Keys{Secret: []byte("bench-secret-bench-secret-bench-secret"), Issuer: "jiandu"}
	h := api.New(api.Deps{DB: gdb, Temporal: tc, Keys: keys, Logger: testenv.Logger(b), Registry: metrics.NewRegistry()}).Handler()

	for _, shape := range []struct{ name, official, query string }{
		{"mine", "chen.jing", ""},                                      // a leader of a city department
		{"mine_due_before", "chen.jing", "?due_before=2026-12-01"},     // ... due soon
		{"mine_swamped", "ma.lin", ""},                                 // an official with 500 open tasks
		{"org_city", "bao.yin", "?scope=org"},                          // a city supervisor's subtree
		{"org_region", "wang.jian", "?scope=org"},                      // the whole tree
		{"org_region_overdue", "wang.jian", "?scope=org&overdue=true"}, // overdue anywhere
		{"org_region_due_before", "wang.jian", "?scope=org&due_before=2026-12-01"},
	} {
		b.Run(shape.name, func(b *testing.B) {
			tok, _ := keys.Issue(shape.official, time.Now(), time.Hour)
			var ds []time.Duration
			for b.Loop() {
				req := httptest.NewRequest("GET", "/api/v1/tasks"+shape.query, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				ds = append(ds, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
			s := Summarize(ds)
			b.ReportMetric(s.P50, "p50-ms")
			b.ReportMetric(s.P99, "p99-ms")
		})
	}
}

// seedInbox fills the kept schema with the demo data, ~150 generated org units and 1M tasks
// (10% open, 85% completed, 5% cancelled; 3% overdue; one in ten urgent; 5% named to one
// official; 陈静 holds 50 open tasks and completed 5000, 马林 is swamped with 500 open ones),
// unless it already holds them.
func seedInbox(b *testing.B, base string) *gorm.DB {
	b.Helper()
	admin := testenv.Open(b, base)
	if err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + inboxSchema).Error; err != nil {
		b.Fatal(err)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	gdb, err := db.Open(base + sep + "search_path=" + inboxSchema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close(gdb) })
	if err := schemas.Migrate(gdb); err != nil {
		b.Fatal(err)
	}
	var n int64
	gdb.Model(&schemas.Task{}).Count(&n)
	if n == inboxTasks {
		return gdb
	}
	b.Logf("seeding %d tasks into schema %s (once)", inboxTasks, inboxSchema)
	start := time.Now()
	for _, stmt := range []string{"DELETE FROM tasks", "DELETE FROM cases"} {
		if err := gdb.Exec(stmt).Error; err != nil {
			b.Fatal(err)
		}
	}
	if err := demo.Seed(gdb); err != nil {
		b.Fatal(err)
	}
	// 12 more cities under the region, 10 counties each.
	var units []schemas.OrgUnit
	for c := 2; c <= 13; c++ {
		city := fmt.Sprintf("15%02d00", c)
		units = append(units, schemas.OrgUnit{ID: city, ParentID: ptr("150000"), Name: "盟市" + city, Level: schemas.LevelLeague, Kind: schemas.OrgKindOrganization, Path: "/150000/" + city + "/"})
		for k := 1; k <= 10; k++ {
			county := fmt.Sprintf("15%02d%02d", c, k)
			units = append(units, schemas.OrgUnit{ID: county, ParentID: ptr(city), Name: "旗县" + county, Level: schemas.LevelCounty, Kind: schemas.OrgKindOrganization, Path: "/150000/" + city + "/" + county + "/"})
		}
	}
	for _, u := range units {
		if err := gdb.Where("id = ?", u.ID).FirstOrCreate(&u).Error; err != nil {
			b.Fatal(err)
		}
	}
	var ids []string
	if err := gdb.Model(&schemas.OrgUnit{}).Order("id").Pluck("id", &ids).Error; err != nil {
		b.Fatal(err)
	}
	units1 := "ARRAY['" + strings.Join(ids, "','") + "']"
	roles := "ARRAY['leader','cadre_section','investigator','supervisor','hr','auditor']"
	cases := inboxTasks / tasksPerCase
	// One statement each: the server generates the rows, nothing crosses the wire.
	err = gdb.Exec(fmt.Sprintf(`INSERT INTO cases (id, kind, year, seq, title, org_unit_id, status, created_by, created_at, updated_at)
		SELECT 'publicity-2026-' || g, 'publicity', 2026, g, '案件' || g, (%s)[1 + g %% %d], 'open', 'wu.gang',
		       now() - (g || ' minutes')::interval, now()
		FROM generate_series(1, %d) g`, units1, len(ids), cases)).Error
	if err != nil {
		b.Fatal(err)
	}
	err = gdb.Exec(fmt.Sprintf(`INSERT INTO tasks (id, case_id, workflow_id, case_kind, step_key, step, title, org_unit_id, assignee_role,
		       assignee_id, priority, status, due_at, overdue, completed_by, completed_at, created_at, updated_at)
		SELECT c.id || '.s' || s, c.id, c.id, 'publicity', 's' || s, 'verify', '步骤' || s, c.org_unit_id, r.role,
		       CASE WHEN (g %% 2000) = 1 THEN 'ma.lin' WHEN (g %% 20000) = 20 OR (g %% 2000) BETWEEN 5 AND 14 THEN 'chen.jing' WHEN (g %% 20) = 0 THEN 'o' || (g %% 5000) END,
		       CASE WHEN (g %% 10) = 0 THEN 1 ELSE 0 END,
		       CASE WHEN (g %% 20) < 2 THEN 'open' WHEN (g %% 20) = 2 THEN 'cancelled' ELSE 'completed' END,
		       now() + ((g %% 60) - 20 || ' days')::interval,
		       (g %% 33) = 0,
		       CASE WHEN (g %% 20) > 2 THEN CASE WHEN (g %% 2000) BETWEEN 5 AND 14 THEN 'chen.jing' ELSE 'o' || (g %% 5000) END END,
		       CASE WHEN (g %% 20) > 2 THEN now() END,
		       now(), now()
		FROM generate_series(1, %d) g
		CROSS JOIN LATERAL (SELECT 'publicity-2026-' || (1 + (g - 1) / %d) AS id, (%s)[1 + (1 + (g - 1) / %d) %% %d] AS org_unit_id) c
		CROSS JOIN LATERAL (SELECT (g - 1) %% %d AS s, (%s)[1 + (g / 20) %% 6] AS role) r`,
		inboxTasks, tasksPerCase, units1, tasksPerCase, len(ids), tasksPerCase, roles)).Error
	if err != nil {
		b.Fatal(err)
	}
	if err := gdb.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded in %s", time.Since(start).Round(time.Second))
	return gdb
}

func ptr(s string) *string { return &s }
