package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/testenv"
)

// TestWorkerProbes runs `jiandu worker` as Kubernetes does and probes it on its metrics
// listener: /readyz is 200 while Postgres/SQLite and the Temporal frontend answer, and 503 once
// the Temporal server is gone, with a body that names the failed check but carries no error
// text; /healthz stays 200 throughout (liveness must not follow a dependency's outage).
func TestWorkerProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Temporal dev server")
	}
	bin := buildJiandu(t)
	for _, dialect := range testenv.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			srv := testenv.Temporal(t)
			metricsPort := freePort(t)
			env := append(os.Environ(),
				"JIANDU_DATABASE_URL="+testenv.DatabaseURL(t, dialect),
				"JIANDU_TEMPORAL_ADDRESS="+srv.FrontendHostPort(),
				"JIANDU_NAMESPACE=default",
				fmt.Sprintf("JIANDU_METRICS_ADDR=127.0.0.1:%d", metricsPort),
				"JIANDU_LOG_LEVEL=warn",
			)
			migrate := exec.Command(bin, "migrate")
			migrate.Env = env
			if out, err := migrate.CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}

			worker := exec.Command(bin, "worker")
			worker.Env = env
			var stderr bytes.Buffer
			worker.Stderr = &stderr
			if err := worker.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				_ = worker.Process.Kill()
				_ = worker.Wait()
				if t.Failed() {
					t.Logf("worker stderr:\n%s", stderr.String())
				}
			}()

			base := fmt.Sprintf("http://127.0.0.1:%d", metricsPort)
			waitStatus(t, base+"/readyz", http.StatusOK, time.Minute)
			expectBody(t, base+"/readyz", http.StatusOK,
				`{"status":"ready","checks":{"database":"ok","temporal":"ok"}}`)
			expectBody(t, base+"/healthz", http.StatusOK, `{"status":"ok"}`)
			if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "# TYPE") {
				t.Fatalf("/metrics: %d %.200s", code, body)
			}

			// The Temporal frontend goes away; the worker process keeps running.
			if err := srv.Stop(); err != nil {
				t.Fatalf("stop the Temporal dev server: %v", err)
			}
			waitStatus(t, base+"/readyz", http.StatusServiceUnavailable, time.Minute)
			expectBody(t, base+"/readyz", http.StatusServiceUnavailable,
				`{"status":"unavailable","checks":{"database":"ok","temporal":"unavailable"}}`)
			expectBody(t, base+"/healthz", http.StatusOK, `{"status":"ok"}`)
			if worker.ProcessState != nil {
				t.Fatalf("worker exited: %v", worker.ProcessState)
			}
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, string(b)
}

// expectBody checks the status and the whole body, so no error text can slip into it.
func expectBody(t *testing.T, url string, code int, body string) {
	t.Helper()
	gotCode, gotBody := get(t, url)
	if gotCode != code || strings.TrimSpace(gotBody) != body {
		t.Fatalf("GET %s: want %d %s, got %d %s", url, code, body, gotCode, gotBody)
	}
}
