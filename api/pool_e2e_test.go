package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/worker"
)

// smallPool opens url again with a pool of conns connections and the given connection wait.
func smallPool(t *testing.T, url string, conns int, wait time.Duration) *gorm.DB {
	t.Helper()
	gdb, err := db.OpenWith(url, db.Options{MaxOpenConns: conns, ConnWait: wait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	return gdb
}

// TestBusyDatabaseAnswers503: while every connection of the API's pool is taken, a request gets
// 503 problem+json with Retry-After within the connection wait, not a hang; once a connection is
// free the same request succeeds.
func TestBusyDatabaseAnswers503(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, _ *gorm.DB, url string) {
		gdb := smallPool(t, url, 1, 300*time.Millisecond)
		h := newHarness(t, gdb, nil)
		tok := h.token("wu.gang")
		if r := h.do("GET", "/api/v1/tasks", tok, nil); r.status != http.StatusOK {
			t.Fatalf("inbox on a free pool: %d %s", r.status, r.body)
		}

		release, held := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- gdb.Transaction(func(tx *gorm.DB) error {
				var n int64
				err := tx.Raw("SELECT count(*) FROM officials").Scan(&n).Error
				close(held)
				<-release
				return err
			})
		}()
		<-held
		for _, path := range []string{"/api/v1/tasks", "/api/v1/cases", "/api/v1/notifications"} {
			r := h.do("GET", path, tok, nil)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" ||
				!strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("GET %s on a full pool: %d %v %s, want 503 problem with Retry-After", path, r.status, r.header, r.body)
			}
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if r := h.do("GET", "/api/v1/tasks", tok, nil); r.status != http.StatusOK {
			t.Fatalf("inbox after the pool is free: %d %s", r.status, r.body)
		}
	})
}

// TestPoolSaturationEndToEnd runs cases with a worker allowed far more activities at once than
// the pool has connections, while readers keep the API's inbox and case list busy on the same
// pool: every case must reach its next step and every request must be answered, none with 5xx.
func TestPoolSaturationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	testenv.Seeded(t, func(t *testing.T, _ *gorm.DB, url string) {
		conns := 2
		if !db.IsPostgres(url) {
			conns = 1
		}
		gdb := smallPool(t, url, conns, 30*time.Second)
		dev := testenv.Temporal(t)
		queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
		w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t), TimeScale: e2eTimeScale})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		h := newHarnessQueue(t, gdb, dev.Client(), queue)

		var requests, failures atomic.Int64
		call := func(method, path, official string, body any) response {
			r := h.do(method, path, h.token(official), body)
			requests.Add(1)
			if r.status >= 500 {
				failures.Add(1)
				t.Errorf("%s %s as %s: %d %s", method, path, official, r.status, r.body)
			}
			return r
		}
		ctx, stopReaders := context.WithCancel(context.Background())
		var readers sync.WaitGroup
		for i := range 6 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				who := []string{"wu.gang", "chen.jing", "bao.yin"}[i%3]
				for ctx.Err() == nil {
					call("GET", "/api/v1/tasks", who, nil)
					call("GET", "/api/v1/cases?limit=50", who, nil)
				}
			}()
		}

		const cases = 16
		ids := make([]string, cases)
		testenv.Within(t, 4*time.Minute, "cases under a saturated pool", func() {
			var starts sync.WaitGroup
			for i := range cases {
				starts.Add(1)
				go func() {
					defer starts.Done()
					body := map[string]any{"title": fmt.Sprintf("关于压力测试%d同志任职前公示", i), "candidates": []map[string]any{
						{"name": fmt.Sprintf("候选人%d", i), "gender": "男", "birth_date": "1980-01", "education": "大学",
							"current_post": "市教育局副局长", "proposed_post": "市教育局局长"},
					}}
					r := call("POST", "/api/v1/cases/publicity", "wu.gang", body)
					var started StartedCase
					if r.status == http.StatusCreated {
						r.json(t, &started)
					} else {
						t.Errorf("start %d: %d %s", i, r.status, r.body)
					}
					ids[i] = started.ID
				}()
			}
			starts.Wait()
			var steps sync.WaitGroup
			for _, id := range ids {
				if id == "" {
					continue
				}
				steps.Add(1)
				go func() {
					defer steps.Done()
					h.waitTask("wu.gang", id+".draft-1")
					r := call("POST", "/api/v1/tasks/"+id+".draft-1/complete", "wu.gang", map[string]any{
						"decision": "submit", "form": map[string]any{"notice_text": "经研究，拟任命……", "report_channels": "12380"}})
					if r.status != http.StatusOK {
						t.Errorf("complete %s draft: %d %s", id, r.status, r.body)
						return
					}
					h.waitTask("chen.jing", id+".approve-1")
				}()
			}
			steps.Wait()
		})
		stopReaders()
		readers.Wait()
		sqlDB, _ := gdb.DB()
		waitFor(t, 10*time.Second, "every connection back in the pool", func() bool { return sqlDB.Stats().InUse == 0 })
		t.Logf("%d requests on a pool of %d, %d failed; pool waited %d times, %s in all",
			requests.Load(), conns, failures.Load(), sqlDB.Stats().WaitCount, sqlDB.Stats().WaitDuration)
	})
}
