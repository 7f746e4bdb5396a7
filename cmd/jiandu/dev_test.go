package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/testenv"
)

// buildJiandu compiles this command once per test binary run.
func buildJiandu(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds and runs the jiandu binary")
	}
	bin := filepath.Join(t.TempDir(), "jiandu")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDevStack runs `jiandu dev` as a user would: it must come up ready with the UI served and
// working demo tokens, and stop everything, the Temporal child included, on SIGTERM.
func TestDevStack(t *testing.T) {
	bin := buildJiandu(t)
	for _, dialect := range testenv.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dataDir := t.TempDir()
			httpPort, tPort, uiPort := freePort(t), freePort(t), freePort(t)
			env := append(os.Environ(),
				"JIANDU_DATA_DIR="+dataDir,
				fmt.Sprintf("JIANDU_HTTP_ADDR=127.0.0.1:%d", httpPort),
				fmt.Sprintf("JIANDU_DEV_TEMPORAL_PORT=%d", tPort),
				fmt.Sprintf("JIANDU_DEV_UI_PORT=%d", uiPort),
				"JIANDU_JWT_SECRET=",
				"JIANDU_AUDIT_KEYS=", // jiandu dev makes and keeps its own
			)
			dbURL := filepath.Join(dataDir, "jiandu.db")
			if dialect == "postgres" {
				dbURL = testenv.DatabaseURL(t, dialect)
				env = append(env, "JIANDU_DATABASE_URL="+dbURL)
			} else {
				env = append(env, "JIANDU_DATABASE_URL=")
			}
			cmd := exec.Command(bin, "dev")
			cmd.Env = env
			stdout, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			started := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill() }()

			banner := readBanner(t, stdout, 3*time.Minute)
			base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
			waitStatus(t, base+"/readyz", 200, 30*time.Second)
			t.Logf("jiandu dev ready in %s", time.Since(started).Round(time.Millisecond))
			waitStatus(t, fmt.Sprintf("http://127.0.0.1:%d/temporal/", uiPort), 200, 30*time.Second)

			token, adminToken := "", ""
			for _, line := range strings.Split(banner, "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[0] == "bao.yin" {
					token = f[len(f)-1]
				}
				if f := strings.Fields(line); len(f) > 1 && f[0] == "admin" {
					adminToken = f[len(f)-1]
				}
			}
			// An admin change, on the admin trail under the dev audit key.
			patch, _ := http.NewRequest("PATCH", base+"/api/v1/officials/ma.lin", strings.NewReader(`{"name":"马林林"}`))
			patch.Header.Set("Authorization", "Bearer "+adminToken)
			patch.Header.Set("Content-Type", "application/json")
			if res, err := http.DefaultClient.Do(patch); err != nil || res.StatusCode != 200 {
				t.Fatalf("admin change in the dev stack: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			if token == "" {
				t.Fatalf("no token for bao.yin in the banner:\n%s", banner)
			}
			req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(body), "包音") {
				t.Fatalf("demo token: %d %s", res.StatusCode, body)
			}
			checkDevWeb(t, base, banner)

			// A clean stop: exit status 0, and nothing left listening.
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("jiandu dev exit: %v\n%s", err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("jiandu dev did not stop within 30s of SIGTERM")
			}
			for _, port := range []int{httpPort, tPort, uiPort} {
				if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
					c.Close()
					t.Errorf("port %d still answers after stop", port)
				}
			}
			if _, err := os.Stat(filepath.Join(dataDir, "temporal.db")); err != nil {
				t.Errorf("temporal state not kept under the data dir: %v", err)
			}
			// The dev audit key is kept in the data directory, and audit verify finds it there.
			verify := exec.Command(bin, "audit", "verify", "-admin")
			verify.Env = append(slices.Clone(env), "JIANDU_DATABASE_URL="+dbURL)
			if out, err := verify.CombinedOutput(); err != nil || !strings.Contains(string(out), "dev-audit-key") ||
				!strings.Contains(string(out), "admin trail intact: 1 events") {
				t.Errorf("audit verify with the dev key: %v\n%s", err, out)
			}
		})
	}
}

// TestMigrateAndToken runs the operator commands against a database.
func TestMigrateAndToken(t *testing.T) {
	bin := buildJiandu(t)
	for _, dialect := range testenv.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			env := append(os.Environ(), "JIANDU_DATABASE_URL="+testenv.DatabaseURL(t, dialect),
				"JIANDU_JWT_SECRET=0123456789abcdef0123456789abcdef", "JIANDU_TEMPORAL_ADDRESS=127.0.0.1:1")
			run := func(args ...string) (string, error) {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			for i := 0; i < 2; i++ {
				if out, err := run("migrate", "-skip-temporal"); err != nil {
					t.Fatalf("migrate #%d: %v\n%s", i+1, err, out)
				}
			}
			if out, err := run("migrate"); err == nil || !strings.Contains(out, "skip-temporal") {
				t.Fatalf("migrate with Temporal down should fail and point at -skip-temporal: %v\n%s", err, out)
			}
			if out, err := run("token", "nobody"); err == nil || !strings.Contains(out, `no official "nobody"`) {
				t.Fatalf("token for unknown official: %v %s", err, out)
			}
			// Production processes refuse to start without the audit key, and so does bootstrap
			// (the root and the first administrator are the admin trail's first rows).
			noKey := append(slices.Clone(env), "JIANDU_AUDIT_KEYS=")
			for _, args := range [][]string{{"api"}, {"worker"}, {"bootstrap", "-org-id", "150000", "-org-name", "根"}} {
				cmd := exec.Command(bin, args...)
				cmd.Env = noKey
				if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "set JIANDU_AUDIT_KEYS") {
					t.Fatalf("%s without JIANDU_AUDIT_KEYS: %v\n%s", args[0], err, out)
				}
			}
			// A fresh database gets its root and first administrator, once.
			if out, err := run("bootstrap", "-org-id", "150000", "-org-name", "内蒙古自治区党委组织部"); err != nil || !strings.Contains(out, "created administrator admin") ||
				!regexp.MustCompile(`temporary web password of admin .*: [A-Za-z0-9]{16}\n`).MatchString(out) {
				t.Fatalf("bootstrap: %v\n%s", err, out)
			}
			if out, err := run("bootstrap", "-org-id", "150000", "-org-name", "内蒙古自治区党委组织部"); err != nil || !strings.Contains(out, "nothing to do") {
				t.Fatalf("bootstrap again: %v\n%s", err, out)
			}
			if out, err := run("bootstrap", "-org-id", "110000", "-org-name", "另一个根"); err == nil || !strings.Contains(out, "already has a root") {
				t.Fatalf("second root: %v\n%s", err, out)
			}
			if out, err := run("audit", "verify", "-admin"); err != nil || !strings.Contains(out, "admin trail intact: 2 events") {
				t.Fatalf("admin trail after bootstrap: %v\n%s", err, out)
			}
			if out, err := run("token", "admin"); err != nil || strings.Count(out, ".") != 2 {
				t.Fatalf("token for the new administrator: %v %s", err, out)
			}
			// Web passwords: a temporary one printed once; a weak one from stdin refused.
			if out, err := run("password", "nobody"); err == nil || !strings.Contains(out, `no official "nobody"`) {
				t.Fatalf("password for unknown official: %v %s", err, out)
			}
			if out, err := run("password", "admin"); err != nil || !regexp.MustCompile(`temporary password of admin .*: [A-Za-z0-9]{16}\n$`).MatchString(out) {
				t.Fatalf("password: %v %q", err, out)
			}
			cmd := exec.Command(bin, "password", "-stdin", "admin")
			cmd.Env, cmd.Stdin = env, strings.NewReader("short\n")
			if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "password refused") {
				t.Fatalf("weak password from stdin: %v %s", err, out)
			}
		})
	}
}

func readBanner(t *testing.T, r io.Reader, timeout time.Duration) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var b strings.Builder
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("jiandu dev exited before it was up:\n%s", b.String())
			}
			b.WriteString(line + "\n")
			if strings.HasPrefix(line, "Ctrl-C stops everything") {
				go func() {
					for range lines {
					}
				}()
				return b.String()
			}
		case <-deadline:
			t.Fatalf("jiandu dev not up after %s:\n%s", timeout, b.String())
		}
	}
}

func waitStatus(t *testing.T, url string, want int, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	last := ""
	for ctx.Err() == nil {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: want %d, last %s", url, want, last)
}

// TestDevRefusesTakenPorts: with the Temporal port taken by someone else, jiandu dev exits with
// an error naming the port's variable, instead of attaching its worker to a foreign server.
func TestDevRefusesTakenPorts(t *testing.T) {
	bin := buildJiandu(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(bin, "dev")
	cmd.Env = append(os.Environ(),
		"JIANDU_DATA_DIR="+t.TempDir(), "JIANDU_DATABASE_URL=", "JIANDU_JWT_SECRET=",
		fmt.Sprintf("JIANDU_HTTP_ADDR=127.0.0.1:%d", freePort(t)),
		fmt.Sprintf("JIANDU_DEV_TEMPORAL_PORT=%d", port),
		fmt.Sprintf("JIANDU_DEV_UI_PORT=%d", freePort(t)),
	)
	done := make(chan struct{})
	var out []byte
	go func() { defer close(done); out, err = cmd.CombinedOutput() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("jiandu dev kept running with its Temporal port taken")
	}
	if err == nil || !strings.Contains(string(out), "JIANDU_DEV_TEMPORAL_PORT") {
		t.Fatalf("jiandu dev with a taken port: %v\n%s", err, out)
	}
}

// TestVersion: `jiandu version` needs no configuration and names the Go toolchain and SDK.
func TestVersion(t *testing.T) {
	out, err := exec.Command(buildJiandu(t), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "jiandu ") || !strings.Contains(string(out), "go1.") ||
		!strings.Contains(string(out), "temporal-sdk v") {
		t.Fatalf("jiandu version: %v\n%s", err, out)
	}
}

// checkDevWeb logs in to the dev stack's web inbox with the passwords the banner printed, and
// opens the Temporal UI through the API: a root-office supervisor gets it, nobody else.
func checkDevWeb(t *testing.T, base, banner string) {
	t.Helper()
	password := map[string]string{}
	for _, line := range strings.Split(banner, "\n") {
		f := strings.Fields(line)
		for i := 1; i+1 < len(f); i++ {
			if f[i] == "password" {
				password[f[0]] = f[i+1]
			}
		}
	}
	if !strings.Contains(banner, base[len("http://127.0.0.1"):]+"/web/") || password["wang.jian"] == "" {
		t.Fatalf("no web address or password in the banner:\n%s", banner)
	}
	login := func(id string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(base + "/web/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("login page: %s", page)
		}
		res, err = c.PostForm(base+"/web/login", url.Values{"csrf": {string(m[1])}, "username": {id}, "password": {password[id]}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("log in as %s: %d", id, res.StatusCode)
		}
		return c
	}
	status := func(c *http.Client, path string) int {
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, "/temporal/"); got != http.StatusSeeOther {
		t.Errorf("/temporal/ without a session: %d", got)
	}
	if got := status(login("wang.jian"), "/temporal/"); got != http.StatusOK {
		t.Errorf("/temporal/ as the root-office supervisor: %d", got)
	}
	if got := status(login("bao.yin"), "/temporal/"); got != http.StatusForbidden {
		t.Errorf("/temporal/ as a city supervisor: %d", got)
	}
}
