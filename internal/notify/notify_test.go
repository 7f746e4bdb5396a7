package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is an injectable Now that tests move forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func enqueue(t *testing.T, gdb *gorm.DB, official, key string, at time.Time) *schemas.Notification {
	t.Helper()
	n := &schemas.Notification{
		OfficialID: official, CaseID: "GBJD-2026-0001", TaskID: "GBJD-2026-0001.review", Kind: KindAssigned,
		Title: "新任务：初核", Body: "请在5个工作日内完成初核。", DedupKey: key, CreatedAt: at,
	}
	if err := gdb.Transaction(func(tx *gorm.DB) error { return Enqueue(tx, n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

func load(t *testing.T, gdb *gorm.DB, id int64) schemas.Notification {
	t.Helper()
	var n schemas.Notification
	if err := gdb.First(&n, id).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueIsIdempotent(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		first := enqueue(t, gdb, "bao.yin", "task:1:assigned", base)
		if first.ID == 0 {
			t.Fatal("no id")
		}
		if first.NextAttemptAt == nil || !first.NextAttemptAt.Equal(first.CreatedAt) {
			t.Fatalf("next_attempt_at %v, created_at %v", first.NextAttemptAt, first.CreatedAt)
		}
		second := enqueue(t, gdb, "bao.yin", "task:1:assigned", base.Add(time.Minute))
		if second.ID != first.ID {
			t.Fatalf("duplicate got id %d, want the existing %d", second.ID, first.ID)
		}
		var count int64
		gdb.Model(&schemas.Notification{}).Count(&count)
		if count != 1 {
			t.Fatalf("%d rows after enqueuing one dedup key twice", count)
		}
		// Without CreatedAt, Enqueue stamps it; without a dedup key it refuses.
		n := &schemas.Notification{OfficialID: "bao.yin", Kind: KindInfo, Title: "t", Body: "b", DedupKey: "info:1"}
		if err := Enqueue(gdb, n); err != nil || n.CreatedAt.IsZero() || n.NextAttemptAt == nil {
			t.Fatalf("enqueue without created_at: %v %+v", err, n)
		}
		if err := Enqueue(gdb, &schemas.Notification{OfficialID: "bao.yin", Kind: KindInfo}); err == nil {
			t.Fatal("enqueued a notification without a dedup key")
		}
		// A rolled-back transaction leaves nothing.
		_ = gdb.Transaction(func(tx *gorm.DB) error {
			if err := Enqueue(tx, &schemas.Notification{OfficialID: "bao.yin", Kind: KindInfo, DedupKey: "rolled-back"}); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("roll back")
		})
		gdb.Model(&schemas.Notification{}).Where("dedup_key = ?", "rolled-back").Count(&count)
		if count != 0 {
			t.Fatal("enqueue survived a rollback")
		}
	})
}

type webhookCall struct {
	header http.Header
	body   []byte
}

// webhook answers with statuses in turn (the last one repeats) and records each call.
type webhook struct {
	mu       sync.Mutex
	statuses []int
	calls    []webhookCall
	srv      *httptest.Server
}

func newWebhook(t *testing.T, statuses ...int) *webhook {
	w := &webhook{statuses: statuses}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.calls = append(w.calls, webhookCall{header: r.Header.Clone(), body: body})
		i := min(len(w.calls)-1, len(w.statuses)-1)
		status := w.statuses[i]
		w.mu.Unlock()
		rw.WriteHeader(status)
		fmt.Fprintf(rw, "answer %d", status)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) count() int { w.mu.Lock(); defer w.mu.Unlock(); return len(w.calls) }

func TestRetriesThenDelivers(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		hook := newWebhook(t, 503, 500, 204)
		clk := &clock{t: base}
		d := &Dispatcher{DB: gdb, WebhookURL: hook.srv.URL, Now: clk.Now, Logger: testenv.Logger(t)}
		n := enqueue(t, gdb, "bao.yin", "task:7:assigned", base)
		ctx := context.Background()

		pass := func(wantDelivered, wantCalls int) {
			t.Helper()
			got, err := d.DeliverDue(ctx)
			if err != nil || got != wantDelivered || hook.count() != wantCalls {
				t.Fatalf("pass: delivered %d (want %d), calls %d (want %d), err %v", got, wantDelivered, hook.count(), wantCalls, err)
			}
		}
		pass(0, 1)
		row := load(t, gdb, n.ID)
		if row.Attempts != 1 || row.DeliveredAt != nil || !strings.Contains(row.LastError, "503") ||
			row.NextAttemptAt == nil || !row.NextAttemptAt.Equal(base.Add(5*time.Second)) {
			t.Fatalf("after the first failure: %+v", row)
		}
		pass(0, 1) // not due yet
		clk.Advance(5 * time.Second)
		pass(0, 2)
		row = load(t, gdb, n.ID)
		if row.Attempts != 2 || !strings.Contains(row.LastError, "500") || !row.NextAttemptAt.Equal(base.Add(15*time.Second)) {
			t.Fatalf("after the second failure: %+v", row)
		}
		clk.Advance(9 * time.Second)
		pass(0, 2)
		clk.Advance(time.Second)
		pass(1, 3)
		row = load(t, gdb, n.ID)
		if row.DeliveredAt == nil || !row.DeliveredAt.Equal(base.Add(15*time.Second)) || row.Attempts != 2 || row.NextAttemptAt != nil {
			t.Fatalf("after delivery: %+v", row)
		}
		clk.Advance(time.Hour)
		pass(0, 3) // delivered rows are never sent again

		for i, call := range hook.calls {
			if got := call.header.Get("Idempotency-Key"); got != fmt.Sprintf("jiandu-notification-%d", n.ID) {
				t.Errorf("call %d: Idempotency-Key %q", i, got)
			}
			if ct := call.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("call %d: Content-Type %q", i, ct)
			}
		}
		var p map[string]any
		if err := json.Unmarshal(hook.calls[2].body, &p); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"id": float64(n.ID), "official_id": "bao.yin", "official_name": "包音", "case_id": "GBJD-2026-0001",
			"task_id": "GBJD-2026-0001.review", "kind": "assigned", "title": "新任务：初核",
			"body": "请在5个工作日内完成初核。", "created_at": "2026-03-02T09:00:00Z",
		}
		if len(p) != len(want) {
			t.Errorf("payload has fields %v, want %v", p, want)
		}
		for k, v := range want {
			if p[k] != v {
				t.Errorf("payload %s = %v, want %v", k, p[k], v)
			}
		}
	})
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		hook := newWebhook(t, 500)
		clk := &clock{t: base}
		d := &Dispatcher{DB: gdb, WebhookURL: hook.srv.URL, Now: clk.Now, MaxAttempts: 4, Logger: testenv.Logger(t)}
		n := enqueue(t, gdb, "wu.gang", "overdue:1", base)
		for range 10 {
			if got, err := d.DeliverDue(context.Background()); err != nil || got != 0 {
				t.Fatalf("delivered %d, err %v", got, err)
			}
			clk.Advance(2 * time.Hour)
		}
		if hook.count() != 4 {
			t.Fatalf("%d calls, want 4", hook.count())
		}
		row := load(t, gdb, n.ID)
		if row.Attempts != 4 || row.DeliveredAt != nil || row.NextAttemptAt != nil || !strings.Contains(row.LastError, "HTTP 500") {
			t.Fatalf("after giving up: %+v", row)
		}
	})
}

func TestUnreachableWebhook(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		d := &Dispatcher{DB: gdb, WebhookURL: "http://127.0.0.1:1/hook?token=s3cret", Now: func() time.Time { return base },
			Client: &http.Client{Timeout: 2 * time.Second}, Logger: testenv.Logger(t)}
		n := enqueue(t, gdb, "bao.yin", "urge:1", base)
		if got, err := d.DeliverDue(context.Background()); err != nil || got != 0 {
			t.Fatalf("delivered %d, err %v", got, err)
		}
		row := load(t, gdb, n.ID)
		if row.Attempts != 1 || row.LastError == "" || row.DeliveredAt != nil || row.NextAttemptAt == nil {
			t.Fatalf("after an unreachable webhook: %+v", row)
		}
		if strings.Contains(row.LastError, "s3cret") {
			t.Fatalf("last_error leaks the webhook URL: %q", row.LastError)
		}
	})
}

func TestRedirectToGetIsNotDelivery(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		target := newWebhook(t, 200)
		redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusFound))
		t.Cleanup(redirect.Close)
		d := &Dispatcher{DB: gdb, WebhookURL: redirect.URL, Now: func() time.Time { return base }, Logger: testenv.Logger(t)}
		n := enqueue(t, gdb, "bao.yin", "info:redirect", base)
		if got, err := d.DeliverDue(context.Background()); err != nil || got != 0 {
			t.Fatalf("delivered %d, err %v", got, err)
		}
		if row := load(t, gdb, n.ID); row.DeliveredAt != nil || !strings.Contains(row.LastError, "302") || target.count() != 0 {
			t.Fatalf("a 302 counted as delivered: %+v, %d calls downstream", row, target.count())
		}
	})
}

func TestConcurrentDispatchersDeliverEachOnce(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		var mu sync.Mutex
		seen := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Millisecond)
			mu.Lock()
			seen[r.Header.Get("Idempotency-Key")]++
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		const total = 250
		for i := range total {
			enqueue(t, gdb, "bao.yin", fmt.Sprintf("bulk:%d", i), base)
		}
		var delivered atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := &Dispatcher{DB: gdb, WebhookURL: srv.URL, Now: func() time.Time { return base }, Logger: testenv.Logger(t)}
				for range 5 {
					n, err := d.DeliverDue(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					delivered.Add(int64(n))
				}
			}()
		}
		wg.Wait()
		if delivered.Load() != total || len(seen) != total {
			t.Fatalf("delivered %d, %d distinct keys; want %d", delivered.Load(), len(seen), total)
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("%s sent %d times", k, c)
			}
		}
	})
}

func TestRunAndNoWebhook(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		n := enqueue(t, gdb, "bao.yin", "info:run", time.Now())

		// Without a webhook nothing is sent, and Run returns when ctx ends.
		idle := &Dispatcher{DB: gdb, Logger: testenv.Logger(t)}
		if got, err := idle.DeliverDue(context.Background()); got != 0 || err != nil {
			t.Fatalf("no webhook: %d %v", got, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := idle.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if row := load(t, gdb, n.ID); row.Attempts != 0 || row.DeliveredAt != nil {
			t.Fatalf("delivered without a webhook: %+v", row)
		}

		hook := newWebhook(t, 200)
		ctx, cancel = context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- (&Dispatcher{DB: gdb, WebhookURL: hook.srv.URL, Interval: 10 * time.Millisecond, Logger: testenv.Logger(t)}).Run(ctx)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for load(t, gdb, n.ID).DeliveredAt == nil {
			if time.Now().After(deadline) {
				t.Fatal("Run did not deliver")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after ctx ended")
		}
	})
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{
		1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 8: 640 * time.Second,
		10: 2560 * time.Second, 11: time.Hour, 50: time.Hour,
	} {
		if got := Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
	if got := truncate(strings.Repeat("错", 600)+"\x00", 500); len([]rune(got)) != 500 || strings.Contains(got, "\x00") {
		t.Errorf("truncate: %d runes", len([]rune(got)))
	}
}
