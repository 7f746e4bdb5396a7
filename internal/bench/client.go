// Package bench measures Jiandu against bare Temporal (`jiandu bench`) and holds the REST driver
// that runs publicity cases to their close as the right officials would; the fault tests
// (faults/) drive their batches with the same driver.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/jiandu/jiandu/internal/auth"
)

// Client drives the REST API as officials do.
type Client struct {
	Base string    // e.g. http://127.0.0.1:8080
	Keys auth.Keys // signs the officials' tokens
	HTTP *http.Client
	// Retry resends a request that failed in transport or with a 5xx, with the same
	// Idempotency-Key, until the context ends (the fault tests); without it such a request is
	// an error (the benchmark).
	Retry bool
	// Poll is the pause between polls of an inbox or a case.
	Poll time.Duration
	Rec  *Recorder // optional: latencies of the successful requests, by operation

	mu     sync.Mutex
	tokens map[string]string
}

func (c *Client) token(official string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok, ok := c.tokens[official]; ok {
		return tok, nil
	}
	tok, err := c.Keys.Issue(official, time.Now(), 24*time.Hour)
	if err != nil {
		return "", err
	}
	if c.tokens == nil {
		c.tokens = map[string]string{}
	}
	c.tokens[official] = tok
	return tok, nil
}

// StatusError is an answer the driver did not expect.
type StatusError struct {
	Op     string
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.Status, e.Body) }

// Do sends one request as official (with Idempotency-Key key when not empty) and decodes a 2xx
// answer into out. Retries are described at Client.Retry.
func (c *Client) Do(ctx context.Context, op, method, path, official, key string, body, out any) (int, error) {
	tok, err := c.token(official)
	if err != nil {
		return 0, err
	}
	var raw []byte
	if body != nil {
		if raw, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	for {
		status, resp, err := c.once(ctx, method, path, tok, key, raw, op)
		retry := err != nil || status >= 500
		if !retry || !c.Retry {
			if err != nil {
				return 0, fmt.Errorf("%s: %w", op, err)
			}
			if status >= 300 {
				return status, &StatusError{Op: op, Status: status, Body: string(resp)}
			}
			if out != nil {
				if err := json.Unmarshal(resp, out); err != nil {
					return status, fmt.Errorf("%s: decode: %w", op, err)
				}
			}
			return status, nil
		}
		if err := sleep(ctx, c.pause()); err != nil {
			return 0, fmt.Errorf("%s: gave up retrying: %w (last: %d %s)", op, err, status, resp)
		}
	}
}

func (c *Client) once(ctx context.Context, method, path, tok, key string, raw []byte, op string) (int, []byte, error) {
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	if res.StatusCode < 300 && c.Rec != nil {
		c.Rec.Add(op, time.Since(start))
	}
	return res.StatusCode, body, nil
}

func (c *Client) pause() time.Duration {
	if c.Poll > 0 {
		return c.Poll
	}
	return 100 * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Step is one human step of a publicity case with one candidate, and how its official does it.
type Step struct {
	Key      string // step key: the task id is "<case id>.<key>"
	Official string
	Body     map[string]any
}

// PublicitySteps are the steps of a publicity case with one candidate that nobody objects to:
// the cadre section drafts, the leader approves, the period runs out, the leader decides.
var PublicitySteps = []Step{
	{"draft-1", "wu.gang", map[string]any{"decision": "submit", "form": map[string]any{"notice_text": "经市委研究，拟任命该同志……", "report_channels": "电话12380"}}},
	{"approve-1", "chen.jing", map[string]any{"decision": "approve"}},
	{"decide-c1", "chen.jing", map[string]any{"decision": "proceed"}},
}

// Starter is the official who starts the cases (the cadre section of the Hohhot department).
const Starter = "wu.gang"

// RunPublicity starts one publicity case (with Idempotency-Key "<tag>-start") and completes each
// step over REST as its official once it is in their inbox, then waits until the case is
// closed. It returns the case id.
func (c *Client) RunPublicity(ctx context.Context, tag string) (string, error) {
	id, err := c.StartPublicity(ctx, tag)
	if err != nil {
		return "", err
	}
	if err := c.runSteps(ctx, id, PublicitySteps); err != nil {
		return id, err
	}
	return id, c.WaitClosed(ctx, id)
}

// StartPublicity starts one publicity case with one candidate (Idempotency-Key "<tag>-start")
// and returns its id.
func (c *Client) StartPublicity(ctx context.Context, tag string) (string, error) {
	start := map[string]any{
		"title": "关于" + tag + "同志任职前公示",
		"candidates": []map[string]any{
			{"name": "候选人" + tag, "gender": "男", "birth_date": "1980-01", "education": "大学", "current_post": "副局长", "proposed_post": "局长"},
		},
	}
	var started struct {
		ID string `json:"id"`
	}
	if _, err := c.Do(ctx, "start", "POST", "/api/v1/cases/publicity", Starter, tag+"-start", start, &started); err != nil {
		return "", err
	}
	return started.ID, nil
}

// AdvanceToApproval completes a started publicity case's draft, so that it waits on the
// leader's approval.
func (c *Client) AdvanceToApproval(ctx context.Context, id string) error {
	return c.runSteps(ctx, id, PublicitySteps[:1])
}

// runSteps completes each step of case id over REST as its official once it is in their inbox.
func (c *Client) runSteps(ctx context.Context, id string, steps []Step) error {
	for _, st := range steps {
		task := id + "." + st.Key
		if err := c.waitInbox(ctx, st.Official, task); err != nil {
			return err
		}
		if err := c.complete(ctx, st.Official, task, st.Body); err != nil {
			return err
		}
	}
	return nil
}

// ReportSteps and TransferSteps are the steps of an anonymous 12380 phone report to the Hohhot
// department that its supervisor transfers down to 土默特左旗 (转办), whose supervisor reports
// back a finding that the city accepts; the report case then records its finding. (An
// anonymous report registered by a clerk has no feedback step.) TransferSteps run in the
// transfer case, between ReportSteps[1] and ReportSteps[2].
var (
	ReportSteps = []Step{
		{"accept", "he.ping", map[string]any{"decision": "accept"}},
		{"triage-1", "bao.yin", map[string]any{"decision": "transfer", "form": map[string]any{
			"opinion": "属旗县管理干部", "transfer_to": "150121", "instructions": "核查后上报。"}}},
		{"finding", "bao.yin", map[string]any{"decision": "partly", "form": map[string]any{
			"handling": "organizational", "opinion": "部分属实，组织处理"}}},
	}
	TransferSteps = []Step{
		{"report-back-1", "hu.jun", map[string]any{"decision": "partly", "form": map[string]any{"report": "经核查，部分属实。"}}},
		{"review-1", "bao.yin", map[string]any{"decision": "accept"}},
	}
)

// RunReportTransfer registers an anonymous phone report (Idempotency-Key "<tag>-register"),
// completes its steps and those of the transfer case it starts over REST as their officials
// would, and waits until both cases are closed. It returns both case ids.
func (c *Client) RunReportTransfer(ctx context.Context, tag string) (report, transfer string, err error) {
	reg := map[string]any{
		"channel": "phone", "subject_id": "wuyun", "subject_unit": "土默特左旗水利局",
		"content": "反映乌云在水利项目中违规问题（" + tag + "）。",
	}
	var registered struct {
		ID string `json:"id"`
	}
	if _, err := c.Do(ctx, "register", "POST", "/api/v1/reports", "he.ping", tag+"-register", reg, &registered); err != nil {
		return "", "", err
	}
	report = registered.ID
	if err := c.runSteps(ctx, report, ReportSteps[:2]); err != nil {
		return report, "", err
	}
	for transfer == "" {
		var got struct {
			State struct {
				Report *struct {
					TransferCaseID string `json:"transfer_case_id"`
				} `json:"report"`
			} `json:"state"`
		}
		if _, err := c.Do(ctx, "case", "GET", "/api/v1/cases/"+report, "bao.yin", "", nil, &got); err != nil {
			return report, "", err
		}
		if got.State.Report != nil {
			transfer = got.State.Report.TransferCaseID
		}
		if transfer == "" {
			if err := sleep(ctx, c.pause()); err != nil {
				return report, "", fmt.Errorf("waiting for %s to start its transfer: %w", report, err)
			}
		}
	}
	if err := c.runSteps(ctx, transfer, TransferSteps); err != nil {
		return report, transfer, err
	}
	if err := c.runSteps(ctx, report, ReportSteps[2:]); err != nil {
		return report, transfer, err
	}
	if err := c.waitClosedAs(ctx, "bao.yin", transfer); err != nil {
		return report, transfer, err
	}
	return report, transfer, c.waitClosedAs(ctx, "bao.yin", report)
}

// complete completes a task, keyed so that a retry is the same completion. When a retried
// completion finds the case already closed (the last step's first attempt was applied but its
// answer lost), that is success: the fault tests check on the workflow history that it was
// accepted once.
func (c *Client) complete(ctx context.Context, official, task string, body map[string]any) error {
	_, err := c.Do(ctx, "complete", "POST", "/api/v1/tasks/"+task+"/complete", official, "complete-"+task, body, nil)
	var se *StatusError
	if c.Retry && errors.As(err, &se) && se.Status == http.StatusConflict {
		return nil
	}
	return err
}

type inboxPage struct {
	Items []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// waitInbox polls the official's inbox (the first page, as a person would look) until task is
// in it; when the page is full, it asks for the task itself.
func (c *Client) waitInbox(ctx context.Context, official, task string) error {
	for {
		var page inboxPage
		if _, err := c.Do(ctx, "inbox", "GET", "/api/v1/tasks?limit=200", official, "", nil, &page); err != nil {
			return err
		}
		if slices.ContainsFunc(page.Items, func(it struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}) bool {
			return it.ID == task
		}) {
			return nil
		}
		if page.NextCursor != "" {
			var t struct {
				Status string `json:"status"`
			}
			_, err := c.Do(ctx, "task", "GET", "/api/v1/tasks/"+task, official, "", nil, &t)
			var se *StatusError
			switch {
			case err == nil && t.Status == "open":
				return nil
			case err != nil && !(errors.As(err, &se) && se.Status == http.StatusNotFound):
				return err
			}
		}
		if err := sleep(ctx, c.pause()); err != nil {
			return fmt.Errorf("waiting for %s in the inbox of %s: %w", task, official, err)
		}
	}
}

// WaitClosed polls the case, as Starter, until its row says closed.
func (c *Client) WaitClosed(ctx context.Context, id string) error {
	return c.waitClosedAs(ctx, Starter, id)
}

func (c *Client) waitClosedAs(ctx context.Context, official, id string) error {
	for {
		var got struct {
			Case struct {
				Status string `json:"status"`
			} `json:"case"`
		}
		if _, err := c.Do(ctx, "case", "GET", "/api/v1/cases/"+id, official, "", nil, &got); err != nil {
			return err
		}
		if got.Case.Status == "closed" {
			return nil
		}
		if err := sleep(ctx, c.pause()); err != nil {
			return fmt.Errorf("waiting for %s to close: %w", id, err)
		}
	}
}

// Recorder collects latencies by operation.
type Recorder struct {
	mu sync.Mutex
	d  map[string][]time.Duration
}

// Add records one latency of op.
func (r *Recorder) Add(op string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.d == nil {
		r.d = map[string][]time.Duration{}
	}
	r.d[op] = append(r.d[op], d)
}

// Stats are the percentiles of one operation, in milliseconds.
type Stats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// Stats summarises op.
func (r *Recorder) Stats(op string) Stats {
	r.mu.Lock()
	ds := slices.Clone(r.d[op])
	r.mu.Unlock()
	return Summarize(ds)
}

// Summarize computes nearest-rank percentiles.
func Summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		i := int(p*float64(len(ds))+0.5) - 1
		i = min(max(i, 0), len(ds)-1)
		return float64(ds[i].Microseconds()) / 1000
	}
	return Stats{Count: len(ds), P50: pct(.50), P95: pct(.95), P99: pct(.99), Max: float64(ds[len(ds)-1].Microseconds()) / 1000}
}
