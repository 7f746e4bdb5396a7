package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
)

const testSecret = "test-secret-test-secret-test-secret!"

var testKeys = auth.Keys{Secret: []byte(testSecret), Issuer: "jiandu"}

// harness is one API server over real HTTP, a real database and a Temporal client.
type harness struct {
	t   *testing.T
	db  *gorm.DB
	srv *Server
	url string
	// probed lists the steps whose reassignment chain was tried (probeReassign).
	probed []string
}

// newHarness serves the API on a test HTTP server. With tc nil, the Temporal client points at
// a port where nothing listens (readiness reports Temporal down; nothing else needs it yet).
func newHarness(t *testing.T, gdb *gorm.DB, tc client.Client) *harness {
	t.Helper()
	if tc == nil {
		var err error
		tc, err = client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: quietLogger{}})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := New(Deps{DB: gdb, Temporal: tc, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(), MaxBodyBytes: 4096, Files: testFiles(t)})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &harness{t: t, db: gdb, srv: srv, url: ts.URL}
}

func (h *harness) token(official string) string {
	h.t.Helper()
	tok, err := testKeys.Issue(official, time.Now(), time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem document, failing the test unless the content type is right.
func (r response) problem(t *testing.T) Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.body)
	}
	var p Problem
	r.json(t, &p)
	if p.Status != r.status || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem for status %d: %+v", r.status, p)
	}
	return p
}

// do sends a request; body may be nil, a string (sent as is) or a value (sent as JSON).
func (h *harness) do(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	checkAgainstSpec(h.t, req, res.StatusCode, res.Header, raw)
	return response{status: res.StatusCode, header: res.Header, body: raw}
}

// quietLogger drops the SDK's logs about the unreachable test server.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// newServer serves an engine changed by the test (for routes only tests have).
func newServer(t *testing.T, h http.Handler) *harness {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &harness{t: t, url: ts.URL}
}

// newServerFor serves h.srv (after a test replaced it) on a new test server.
func newServerFor(t *testing.T, h *harness) *harness {
	t.Helper()
	ts := httptest.NewServer(h.srv.Handler())
	t.Cleanup(ts.Close)
	return &harness{t: t, db: h.db, srv: h.srv, url: ts.URL}
}

var cst = calendar.Location()
