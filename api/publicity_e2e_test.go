package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// e2eTimeScale compresses working days into seconds: 5 working days (about a week) pass in
// about 6 seconds, so the real timers of a real dev server run the whole case.
const e2eTimeScale = 100000

// TestPublicityEndToEnd drives a publicity case over real HTTP against a real Temporal dev
// server and worker, on each database: every task is done by the official it belongs to.
func TestPublicityEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)

		// The cadre section starts the case.
		start := map[string]any{
			"title": "关于张三、李四同志任职前公示", "priority": "urgent",
			"candidates": []map[string]any{
				{"name": "张三", "gender": "男", "birth_date": "1978-03", "education": "大学", "current_post": "市教育局副局长", "proposed_post": "市教育局局长"},
				{"name": "李四", "gender": "女", "birth_date": "1982-11", "education": "研究生", "current_post": "市教育局办公室主任", "proposed_post": "市教育局副局长"},
			},
		}
		r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), start, "Idempotency-Key", "start-1")
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		var started StartedCase
		r.json(t, &started)
		if started.ID != fmt.Sprintf("publicity-%d-0001", time.Now().In(cst).Year()) {
			t.Fatalf("case id %q", started.ID)
		}
		// A retried start is the same case.
		if r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), start, "Idempotency-Key", "start-1"); r.status != http.StatusCreated || !strings.Contains(string(r.body), started.ID) {
			t.Fatalf("retried start: %d %s", r.status, r.body)
		}
		// The same key with another request is refused, and starts nothing.
		changed := map[string]any{"title": "关于王五同志任职前公示", "candidates": start["candidates"]}
		if r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), changed, "Idempotency-Key", "start-1"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("key reused with another body: %d %s", r.status, r.body)
		}
		// A supervisor of another city may not start one here, nor may an investigator.
		if r := h.do("POST", "/api/v1/cases/publicity", h.token("ma.lin"), start); r.status != http.StatusForbidden {
			t.Fatalf("investigator starts: %d %s", r.status, r.body)
		}

		id := started.ID
		draft := h.waitTask("wu.gang", id+".draft-1")
		if draft.PriorityLabel != "加急" || len(draft.Spec.Decisions) != 1 || len(draft.Spec.Form) != 2 {
			t.Fatalf("draft task %+v", draft)
		}
		form := map[string]any{"form": map[string]any{"notice_text": "经市委研究，拟任命张三、李四同志……", "report_channels": "12380"}, "decision": "submit"}
		h.probeReassign("wu.gang", draft.ID)
		first := h.do("POST", "/api/v1/tasks/"+draft.ID+"/complete", h.token("wu.gang"), form, "Idempotency-Key", "draft-once")
		if first.status != http.StatusOK {
			t.Fatalf("complete draft: %d %s", first.status, first.body)
		}
		again := h.do("POST", "/api/v1/tasks/"+draft.ID+"/complete", h.token("wu.gang"), form, "Idempotency-Key", "draft-once")
		if again.status != http.StatusOK || string(again.body) != string(first.body) {
			t.Fatalf("retried completion answered differently: %d %s", again.status, again.body)
		}

		approve := h.waitTask("chen.jing", id+".approve-1")
		// Somebody else's task is not even visible; a bad decision is named.
		if r := h.do("POST", "/api/v1/tasks/"+approve.ID+"/complete", h.token("wu.gang"), map[string]any{"decision": "approve"}); r.status != http.StatusNotFound {
			t.Fatalf("cadre section completes the leader's task: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/v1/tasks/"+approve.ID+"/complete", h.token("chen.jing"), map[string]any{"decision": "publish"})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "decision" {
			t.Fatalf("bad decision: %d %s", r.status, r.body)
		}
		h.complete("chen.jing", approve.ID, map[string]any{"decision": "approve"})

		// During the period, 12380 logs a signed report on 李四.
		r = h.do("POST", "/api/v1/cases/"+id+"/objections", h.token("he.ping"),
			map[string]any{"candidate_id": "c2", "signed": true, "channel": "phone", "summary": "反映其在干部招聘中违规操作"})
		if r.status != http.StatusCreated {
			t.Fatalf("objection: %d %s", r.status, r.body)
		}
		var o schemas.Objection
		r.json(t, &o)

		// The investigator claims the verification; the supervisor hands it to the county's
		// investigator, who completes it. The first investigator can no longer see it.
		verify := h.waitTask("ma.lin", o.TaskID)
		if r := h.do("POST", "/api/v1/tasks/"+verify.ID+"/claim", h.token("ma.lin"), nil); r.status != http.StatusOK {
			t.Fatalf("claim: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/tasks/"+verify.ID+"/reassign", h.token("bao.yin"), map[string]any{"to": "zhang.li", "reason": "回避"}); r.status != http.StatusOK {
			t.Fatalf("reassign: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/tasks/"+verify.ID+"/complete", h.token("ma.lin"), map[string]any{"decision": "unfounded", "form": map[string]any{"report": "x"}}); r.status != http.StatusNotFound {
			t.Fatalf("former holder completes: %d %s", r.status, r.body)
		}
		h.complete("zhang.li", verify.ID, map[string]any{"decision": "substantiated", "form": map[string]any{"report": "经核查，反映问题属实。"}})

		// After the period (and the verification), the leader decides for each candidate.
		h.complete("chen.jing", h.waitTask("chen.jing", id+".decide-c1").ID, map[string]any{"decision": "proceed"})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".decide-c2").ID,
			map[string]any{"decision": "refuse", "form": map[string]any{"reason": "反映问题属实", "refer_to_discipline": true}})
		// The city's discipline liaison confirms receipt of the referral.
		h.complete("gao.feng", h.waitTask("gao.feng", id+".referral-c2").ID, map[string]any{"decision": "received", "form": map[string]any{"receipt_no": "呼纪受〔2026〕88号"}})

		got := h.waitCase(id, schemas.CaseClosed)
		if got.State.Outcome != "张三：不影响任职；李四：不予任职" || len(got.Timeline) < 10 {
			t.Fatalf("closed case: outcome %q, %d timeline events", got.State.Outcome, len(got.Timeline))
		}
		var trail AuditResponse
		h.do("GET", "/api/v1/cases/"+id+"/audit", h.token("bao.yin"), nil).json(t, &trail)
		if !trail.Verified || len(trail.Events) != len(got.Timeline) {
			t.Fatalf("audit: verified %v, %d events", trail.Verified, len(trail.Events))
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("whole audit trail: %+v %v", rep, err)
		}
		// Someone outside the case and its org subtree cannot see it.
		if r := h.do("GET", "/api/v1/cases/"+id, h.token("hu.jun"), nil); r.status != http.StatusNotFound {
			t.Fatalf("county supervisor reads the city's case: %d", r.status)
		}

		// Supervisors find it in the Temporal UI by its search attributes.
		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "temporal workflow list finds the case", func() bool {
			out, _ := exec.Command(bin, "workflow", "list", "--address", dev.FrontendHostPort(),
				"--query", "CaseKind='publicity' AND Stage='closed'").CombinedOutput()
			return strings.Contains(string(out), id)
		})
		recordHistory(t, bin, dev.FrontendHostPort(), id)

		// Temporal's retention drops closed workflows; the case stays readable from its row.
		deleteWorkflow(t, dev.Client(), id)
		var kept CaseResponse
		if r := h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil); r.status != http.StatusOK {
			t.Fatalf("case after its workflow is deleted: %d %s", r.status, r.body)
		} else {
			r.json(t, &kept)
		}
		if kept.State.Status != schemas.CaseClosed || kept.State.Outcome != got.State.Outcome ||
			len(kept.State.Tasks) != len(got.State.Tasks) || len(kept.Tasks) != len(got.Tasks) {
			t.Fatalf("case after its workflow is deleted: %+v, want the state it closed with %+v", kept.State, got.State)
		}
	})
}

// deleteWorkflow deletes a workflow from Temporal, as namespace retention does, and waits
// until Temporal no longer knows it.
func deleteWorkflow(t *testing.T, tc client.Client, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := tc.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
	})
	if err != nil {
		t.Fatalf("delete workflow %s: %v", id, err)
	}
	start := time.Now()
	waitFor(t, 3*time.Minute, "Temporal forgets "+id, func() bool {
		_, err := tc.DescribeWorkflow(ctx, id, "")
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			t.Logf("deleted after %s", time.Since(start))
		}
		return errors.As(err, &notFound)
	})
}

// recordHistory saves the case's history for the replay test when JIANDU_RECORD_HISTORIES is
// set (make record-histories); the committed files are replayed on every test run.
func recordHistory(t *testing.T, bin, address, id string) {
	if os.Getenv("JIANDU_RECORD_HISTORIES") == "" {
		return
	}
	kind, _, _, err := schemas.ParseCaseID(id)
	if err != nil {
		t.Fatal(err)
	}
	recordHistoryAs(t, bin, address, id, string(kind))
}

// recordHistoryAs saves the history of workflow id as testdata/<name>-e2e-<dialect>.json when
// JIANDU_RECORD_HISTORIES is set (a workflow that is not a case: the cycle launcher).
func recordHistoryAs(t *testing.T, bin, address, id, name string) {
	if os.Getenv("JIANDU_RECORD_HISTORIES") == "" {
		return
	}
	out, err := exec.Command(bin, "workflow", "show", "--address", address, "--workflow-id", id, "--output", "json").Output()
	if err != nil {
		t.Fatalf("workflow show: %v", err)
	}
	dialect := filepath.Base(t.Name())
	path := filepath.Join("..", "workflows", "testdata", name+"-e2e-"+dialect+".json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}

// startStack runs a real dev server and a worker on a queue of the test's own, and serves the
// API over real HTTP against them, with deadlines compressed by e2eTimeScale.
func startStack(t *testing.T, gdb *gorm.DB) (*harness, *testsuite.DevServer) {
	t.Helper()
	return startStackAtScale(t, gdb, e2eTimeScale)
}

// startStackAtScale is startStack with deadlines compressed by scale (1: real time, for limits
// in clock hours that a test asserts to the second).
func startStackAtScale(t *testing.T, gdb *gorm.DB, scale float64) (*harness, *testsuite.DevServer) {
	t.Helper()
	dev := testenv.Temporal(t)
	queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
	w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t), TimeScale: scale})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return newHarnessQueue(t, gdb, dev.Client(), queue), dev
}

func newHarnessQueue(t *testing.T, gdb *gorm.DB, tc client.Client, queue string) *harness {
	h := newHarness(t, gdb, tc)
	h.srv = New(Deps{DB: gdb, Temporal: tc, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(), MaxBodyBytes: 1 << 20, TaskQueue: queue,
		Files: testFiles(t)})
	return newServerFor(t, h)
}

// waitTask polls the official's inbox until the task is there.
func (h *harness) waitTask(official, taskID string) TaskResponse {
	h.t.Helper()
	var found TaskResponse
	waitFor(h.t, 60*time.Second, official+" sees "+taskID, func() bool {
		r := h.do("GET", "/api/v1/tasks/"+taskID, h.token(official), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &found)
		return found.Status == schemas.TaskOpen
	})
	return found
}

// complete completes the task as official, after trying its reassignment chain
// (probeReassign): every step the end-to-end tests complete is probed.
func (h *harness) complete(official, taskID string, body map[string]any) {
	h.t.Helper()
	h.probeReassign(official, taskID)
	if r := h.do("POST", "/api/v1/tasks/"+taskID+"/complete", h.token(official), body); r.status != http.StatusOK {
		h.t.Fatalf("%s completes %s: %d %s", official, taskID, r.status, r.body)
	}
}

func (h *harness) waitCase(id string, status schemas.CaseStatus) CaseResponse {
	h.t.Helper()
	var got CaseResponse
	waitFor(h.t, 60*time.Second, id+" "+string(status), func() bool {
		r := h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &got)
		return got.Case.Status == status && got.State.Status == status
	})
	return got
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
