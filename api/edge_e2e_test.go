package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// End-to-end tests of the edge rules of issue 10 (parts 6 and 7): a permanent database error
// marks the case as needing attention and the request answers; repeated large valid requests
// meet the history budget long before Temporal's limits; a case whose workflow Temporal
// terminated is not shown open.

// startStackScaled is startStack with a time scale of the test's choosing (1: real time, so
// that a publicity period stays open for as long as the test needs).
func startStackScaled(t *testing.T, gdb *gorm.DB, scale float64) (*harness, client.Client) {
	t.Helper()
	dev := testenv.Temporal(t)
	queue := "edge-" + strings.ReplaceAll(t.Name(), "/", "-")
	w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t), TimeScale: scale})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return newHarnessQueue(t, gdb, dev.Client(), queue), dev.Client()
}

// startPublicity starts a one-candidate publicity case as 吴刚 and waits for its draft task.
func startPublicity(t *testing.T, h *harness) string {
	t.Helper()
	r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), map[string]any{
		"title":      "关于张三同志任职前公示",
		"candidates": []map[string]any{{"name": "张三", "current_post": "市教育局副局长", "proposed_post": "市教育局局长"}},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	var started StartedCase
	r.json(t, &started)
	h.waitTask("wu.gang", started.ID+".draft-1")
	return started.ID
}

var draftForm = map[string]any{"notice_text": "经市委研究，拟任命张三同志……", "report_channels": "12380"}

// refuseComment makes the database refuse, for good, a task row whose comment holds marker: a
// CHECK constraint on Postgres, a trigger raising a constraint error on SQLite. It stands for
// any write a database refuses whatever the retry (an invalid byte sequence, a constraint).
func refuseComment(t *testing.T, gdb *gorm.DB, marker string) (drop func()) {
	t.Helper()
	var create, remove string
	if gdb.Dialector.Name() == "postgres" {
		create = fmt.Sprintf(`ALTER TABLE tasks ADD CONSTRAINT test_refuse_comment CHECK (comment NOT LIKE '%%%s%%')`, marker)
		remove = `ALTER TABLE tasks DROP CONSTRAINT test_refuse_comment`
	} else {
		create = fmt.Sprintf(`CREATE TRIGGER test_refuse_comment BEFORE UPDATE ON tasks WHEN NEW.comment LIKE '%%%s%%'
			BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: test_refuse_comment'); END`, marker)
		remove = `DROP TRIGGER test_refuse_comment`
	}
	if err := gdb.Exec(create).Error; err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := gdb.Exec(remove).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// TestPermanentDBErrorNeedsAttention: the database refuses the write that closes a task. The
// completion answers at once (409 needs-attention) instead of hanging while the activity
// retries; the case is marked as needing attention in GET /api/v1/cases/{id} (row and
// workflow state), in the Temporal UI's current details and in the
// jiandu_cases_needing_attention gauge; other actions are refused; and the case can still be
// cancelled.
func TestPermanentDBErrorNeedsAttention(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, tc := startStackScaled(t, gdb, e2eTimeScale)
		id := startPublicity(t, h)
		drop := refuseComment(t, gdb, "数据库拒绝")

		began := time.Now()
		r := doWithin(t, h, 30*time.Second, "POST", "/api/v1/tasks/"+id+".draft-1/complete", h.token("wu.gang"),
			map[string]any{"decision": "submit", "form": draftForm, "comment": "此条意见将被数据库拒绝"})
		took := time.Since(began)
		if r.status != http.StatusConflict {
			t.Fatalf("completion refused by the database: %d %s", r.status, r.body)
		}
		if p := r.problem(t); !strings.HasSuffix(p.Type, "/needs-attention") || !strings.Contains(p.Detail, "数据库拒绝写入") {
			t.Fatalf("problem %+v", p)
		}
		if took > 20*time.Second {
			t.Fatalf("the completion took %s to answer", took)
		}

		var got CaseResponse
		h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil).json(t, &got)
		if got.Case.Status != schemas.CaseOpen || got.Case.Attention == "" || got.State.Attention == "" {
			t.Fatalf("case after the refused write: row %+v, state attention %q", got.Case, got.State.Attention)
		}

		// The Temporal UI shows it in the workflow's current details.
		v, err := tc.QueryWorkflow(context.Background(), id, "", "__temporal_workflow_metadata")
		if err != nil {
			t.Fatal(err)
		}
		var md sdkpb.WorkflowMetadata
		if err := v.Get(&md); err != nil {
			t.Fatal(err)
		}
		if details := md.GetCurrentDetails(); !strings.Contains(details, "需要人工处理") {
			t.Fatalf("current details do not say the case needs attention: %q", details)
		}

		// The gauge counts it.
		metrics := h.do("GET", "/metrics", "", nil)
		if !strings.Contains(string(metrics.body), "jiandu_cases_needing_attention 1") {
			t.Fatalf("metric missing: %s", grepLines(string(metrics.body), "attention"))
		}

		// Other actions on the held case are refused with the reason; cancelling works.
		r = h.do("POST", "/api/v1/tasks/"+id+".draft-1/complete", h.token("wu.gang"), map[string]any{"decision": "submit", "form": draftForm})
		if r.status != http.StatusConflict {
			t.Fatalf("completion of a held case: %d %s", r.status, r.body)
		}
		drop()
		r = h.do("POST", "/api/v1/cases/"+id+"/cancel", h.token("wu.gang"), map[string]any{"reason": "数据异常，撤销后重新发起"})
		if r.status != http.StatusOK {
			t.Fatalf("cancel the held case: %d %s", r.status, r.body)
		}
		h.waitCase(id, schemas.CaseCancelled)
		metrics = h.do("GET", "/metrics", "", nil)
		if !strings.Contains(string(metrics.body), "jiandu_cases_needing_attention 0") {
			t.Fatalf("metric after cancelling: %s", grepLines(string(metrics.body), "attention"))
		}
	})
}

// doWithin is h.do with a deadline: a request that gets no answer in time fails the test (and
// the client's hang-up ends the handler, so the test server can close).
func doWithin(t *testing.T, h *harness, timeout time.Duration, method, path, token string, body any) response {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		t.Fatalf("%s %s got no answer in %s: %v", method, path, timeout, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: got}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHistoryBudgetRefusesBeforeLimits: an intake clerk logs the largest valid objections
// (5,000 characters each) on one publicity case again and again. The case refuses them with
// 409 history-budget while its history is still under Temporal's warning thresholds (10,240
// events, 10 MB; Temporal terminates at 51,200 events or 50 MB), and its state (which every
// update answers with) under Temporal's payload limit: it can still be cancelled, and the
// cancellation answers with the whole state.
func TestHistoryBudgetRefusesBeforeLimits(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, tc := startStackScaled(t, gdb, 1)
		id := startPublicity(t, h)
		h.complete("wu.gang", id+".draft-1", map[string]any{"decision": "submit", "form": draftForm})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})

		summary := strings.Repeat("长", 5000)
		clerk := h.token("he.ping")
		accepted := 0
		var refused response
		for i := 0; i < 2000; i++ {
			r := h.do("POST", "/api/v1/cases/"+id+"/objections", clerk,
				map[string]any{"candidate_id": "c1", "channel": "letter", "summary": summary})
			if r.status == http.StatusCreated {
				accepted++
				continue
			}
			if r.status == http.StatusConflict && accepted == 0 && strings.Contains(string(r.body), "不在公示期内") {
				time.Sleep(100 * time.Millisecond) // not published yet
				continue
			}
			refused = r
			break
		}
		if refused.status != http.StatusConflict {
			t.Fatalf("after %d objections: %d %s", accepted, refused.status, refused.body)
		}
		if p := refused.problem(t); !strings.HasSuffix(p.Type, "/history-budget") || !strings.Contains(p.Detail, "上限") {
			t.Fatalf("refusal %+v", p)
		}
		desc, err := tc.DescribeWorkflow(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		info := desc.RawResponse.GetWorkflowExecutionInfo()
		t.Logf("refused after %d objections: %d events, %d bytes of history", accepted, info.GetHistoryLength(), info.GetHistorySizeBytes())
		if accepted < 20 || info.GetHistorySizeBytes() < 1<<20 {
			t.Fatalf("the budget refused too early: %d objections, %d bytes", accepted, info.GetHistorySizeBytes())
		}
		if info.GetHistoryLength() >= 10240 || info.GetHistorySizeBytes() >= 10<<20 {
			t.Fatalf("history reached Temporal's warning threshold before the refusal: %d events, %d bytes", info.GetHistoryLength(), info.GetHistorySizeBytes())
		}
		if r := h.do("POST", "/api/v1/cases/"+id+"/cancel", h.token("wu.gang"), map[string]any{"reason": "办理记录已达上限，撤销后重新发起"}); r.status != http.StatusOK {
			t.Fatalf("cancel after the budget: %d %s", r.status, r.body)
		}
		h.waitCase(id, schemas.CaseCancelled)
	})
}

// TestHistoryBudgetCountsEvents: small valid actions repeated without end (a claim and an
// unclaim, again and again) are refused with 409 history-budget once the history's event count
// nears the budget, before Temporal's warning threshold of 10,240 events (it terminates a
// workflow at 51,200), and the case can still be cancelled.
func TestHistoryBudgetCountsEvents(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, tc := startStackScaled(t, gdb, 1)
		id := startPublicity(t, h)
		cadre := h.token("wu.gang")
		accepted := 0
		var refused response
		for i := 0; i < 5000 && refused.status == 0; i++ {
			action := "claim"
			if i%2 == 1 {
				action = "unclaim"
			}
			r := h.do("POST", "/api/v1/tasks/"+id+".draft-1/"+action, cadre, nil)
			if r.status == http.StatusOK {
				accepted++
				continue
			}
			refused = r
		}
		if refused.status != http.StatusConflict {
			t.Fatalf("after %d actions: %d %s", accepted, refused.status, refused.body)
		}
		if p := refused.problem(t); !strings.HasSuffix(p.Type, "/history-budget") {
			t.Fatalf("refusal %+v", p)
		}
		desc, err := tc.DescribeWorkflow(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		info := desc.RawResponse.GetWorkflowExecutionInfo()
		t.Logf("refused after %d actions: %d events, %d bytes of history", accepted, info.GetHistoryLength(), info.GetHistorySizeBytes())
		if info.GetHistoryLength() < 5000 || info.GetHistoryLength() >= 10240 {
			t.Fatalf("refused at %d events: want between 5,000 and Temporal's warning threshold 10,240", info.GetHistoryLength())
		}
		if r := h.do("POST", "/api/v1/cases/"+id+"/cancel", h.token("wu.gang"), map[string]any{"reason": "办理记录已达上限，撤销后重新发起"}); r.status != http.StatusOK {
			t.Fatalf("cancel after the budget: %d %s", r.status, r.body)
		}
		h.waitCase(id, schemas.CaseCancelled)
	})
}

// TestTerminatedCaseNotShownOpen: Temporal terminates a case's workflow (as it does past its
// history limits). Reading the case reconciles the projection: the case and its open tasks are
// no longer shown open, and the trail says why.
func TestTerminatedCaseNotShownOpen(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, tc := startStackScaled(t, gdb, e2eTimeScale)
		id := startPublicity(t, h)
		if err := tc.TerminateWorkflow(context.Background(), id, "", "test: history size exceeds limit"); err != nil {
			t.Fatal(err)
		}
		var got CaseResponse
		r := h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil)
		if r.status != http.StatusOK {
			t.Fatalf("read the terminated case: %d %s", r.status, r.body)
		}
		r.json(t, &got)
		if got.Case.Status != schemas.CaseTerminated || got.State.Status != schemas.CaseTerminated || got.Case.ClosedAt == nil {
			t.Fatalf("terminated case shown as row %s / state %s", got.Case.Status, got.State.Status)
		}
		for _, tk := range got.Tasks {
			if tk.Status == schemas.TaskOpen {
				t.Fatalf("task %s still open", tk.ID)
			}
		}
		for _, tk := range got.State.Tasks {
			if tk.Status == schemas.TaskOpen {
				t.Fatalf("state task %s still open", tk.ID)
			}
		}
		var list struct{ Items []schemas.Case }
		h.do("GET", "/api/v1/cases?status=open", h.token("bao.yin"), nil).json(t, &list)
		for _, c := range list.Items {
			if c.ID == id {
				t.Fatal("the terminated case is listed as open")
			}
		}
		if r := h.do("GET", "/api/v1/tasks/"+id+".draft-1", h.token("wu.gang"), nil); !strings.Contains(string(r.body), `"status":"cancelled"`) {
			t.Fatalf("draft task: %d %s", r.status, r.body)
		}
		var trail AuditResponse
		h.do("GET", "/api/v1/cases/"+id+"/audit", h.token("bao.yin"), nil).json(t, &trail)
		if !trail.Verified || trail.Events[len(trail.Events)-1].Action != "case.terminated" {
			t.Fatalf("trail: verified %v, last %+v", trail.Verified, trail.Events[len(trail.Events)-1])
		}

		// A second case, terminated and never read: the API's sweeper closes its row.
		other := startPublicity(t, h)
		if err := tc.TerminateWorkflow(context.Background(), other, "", "test: terminated, nobody reads it"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the sweeper closes "+other, func() bool {
			if _, err := SweepEnded(context.Background(), gdb, tc, testenv.Logger(t), time.Now().Add(-time.Hour)); err != nil {
				t.Logf("sweep: %v", err)
			}
			var row schemas.Case
			return gdb.First(&row, "id = ?", other).Error == nil && row.Status == schemas.CaseTerminated
		})
		var open int64
		gdb.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", other, schemas.TaskOpen).Count(&open)
		if open != 0 {
			t.Fatalf("%d tasks of the swept case still open", open)
		}
	})
}
