package faults

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/bench"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

const (
	secret = "fault-test-secret-fault-test-secret!"
	// 5 working days pass in about 6 s; a step's 3-day deadline in about 3 s, so a fault of a
	// few seconds may well send a step overdue and fire its ladder, as it would in production.
	timeScale = "100000"
	batchSize = 8
)

var binary string

func TestMain(m *testing.M) {
	if os.Getenv("JIANDU_FAULT_TESTS") != "1" {
		fmt.Println("faults: set JIANDU_FAULT_TESTS=1 (and JIANDU_TEST_DATABASE_URL) to run the fault tests")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "jiandu-faults")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "jiandu")
	root, err := devstack.ModuleRoot()
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", binary, "./cmd/jiandu")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// stack is a Temporal dev server on a SQLite file, a Postgres schema, and `jiandu api` and
// `jiandu worker` processes.
type stack struct {
	t            *testing.T
	dir          string
	gdb          *gorm.DB
	dbURL        string // direct
	procDBURL    string // what the processes use (through the proxy, when there is one)
	temporalOpts devstack.Options
	dev          *testsuite.DevServer
	apiAddr      string
	api, worker  *proc
	client       *bench.Client
	nprocs       int

	mu  sync.Mutex
	ids []string // cases the drivers have started so far
}

func newStack(t *testing.T, viaProxy bool) (*stack, *proxy) {
	t.Helper()
	if os.Getenv(testenv.PostgresURLVar) == "" {
		t.Skip(testenv.PostgresURLVar + " is not set: the fault tests run on Postgres")
	}
	s := &stack{t: t, dir: t.TempDir()}
	s.dbURL = testenv.DatabaseURL(t, "postgres")
	s.gdb = testenv.Open(t, s.dbURL)
	if err := schemas.Migrate(s.gdb); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(s.gdb); err != nil {
		t.Fatal(err)
	}
	s.procDBURL = s.dbURL
	var px *proxy
	if viaProxy {
		u, err := url.Parse(s.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		px = newProxy(t, u.Host)
		u.Host = px.addr
		s.procDBURL = u.String()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := devstack.TemporalBinary(ctx, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(s.dir, "temporal.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	s.temporalOpts = devstack.Options{
		Binary: bin, Address: fmt.Sprintf("127.0.0.1:%d", freePort(t)), Namespace: "default",
		DBFile: filepath.Join(s.dir, "temporal.db"), Output: logf, Logger: testenv.Logger(t),
	}
	s.startTemporal()
	t.Cleanup(func() {
		if s.dev != nil {
			_ = s.dev.Stop()
		}
	})
	if err := temporalconn.EnsureSearchAttributes(ctx, s.dev.Client(), "default"); err != nil {
		t.Fatal(err)
	}

	s.apiAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s.worker = s.start("worker")
	s.api = s.start("api")
	s.waitReady()
	s.client = &bench.Client{
		Base: "http://" + s.apiAddr, Keys: auth.Keys{Secret: []byte(secret), Issuer: "jiandu"},
		HTTP: &http.Client{Timeout: 30 * time.Second}, Retry: true, Poll: 200 * time.Millisecond,
	}
	return s, px
}

func (s *stack) startTemporal() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := devstack.Start(ctx, s.temporalOpts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.dev = dev
}

func (s *stack) env() []string {
	return append(os.Environ(),
		"JIANDU_TEMPORAL_ADDRESS="+s.temporalOpts.Address,
		"JIANDU_NAMESPACE=default",
		"JIANDU_TASK_QUEUE=faults",
		"JIANDU_DATABASE_URL="+s.procDBURL,
		"JIANDU_HTTP_ADDR="+s.apiAddr,
		"JIANDU_METRICS_ADDR=off",
		"JIANDU_JWT_SECRET="+secret,
		"JIANDU_TIME_SCALE="+timeScale,
		"JIANDU_LOG_LEVEL=warn",
	)
}

// proc is one jiandu process; its output goes to a file in the test's directory.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func (s *stack) start(name string) *proc {
	s.t.Helper()
	s.nprocs++
	p := &proc{name: name, log: filepath.Join(s.dir, fmt.Sprintf("%s-%d.log", name, s.nprocs)), done: make(chan struct{})}
	out, err := os.Create(p.log)
	if err != nil {
		s.t.Fatal(err)
	}
	p.cmd = exec.Command(binary, name)
	p.cmd.Env = s.env()
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); out.Close(); close(p.done) }()
	s.t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// logs returns the tail of the process's output, for failure messages.
func (p *proc) logs() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return p.name + ":\n" + string(b)
}

func (s *stack) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-s.api.done:
			s.t.Fatalf("api exited:\n%s", s.api.logs())
		default:
		}
		if res, err := http.Get("http://" + s.apiAddr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.t.Fatalf("api not ready after a minute:\n%s\n%s", s.api.logs(), s.worker.logs())
}

// drivenCase is a case a batch drove and the steps whose tasks it completed.
type drivenCase struct {
	id    string
	steps []string
}

// batch drives n publicity cases and n/2 12380 reports, each transferred down to a county
// (a report case and a transfer case), at once; wait returns the cases once all are closed.
func (s *stack) batch(tag string, n int) (wait func() []drivenCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	reports := max(n/2, 1)
	pub := make([]string, n)
	rep := make([][2]string, reports)
	errs := make([]error, n+reports)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pub[i], errs[i] = s.client.RunPublicity(ctx, fmt.Sprintf("%s-%d", tag, i))
			s.started(pub[i])
		})
	}
	for i := range reports {
		wg.Go(func() {
			var r, tr string
			r, tr, errs[n+i] = s.client.RunReportTransfer(ctx, fmt.Sprintf("%s-r%d", tag, i))
			rep[i] = [2]string{r, tr}
			s.started(r, tr)
		})
	}
	keys := func(steps []bench.Step) []string {
		var out []string
		for _, st := range steps {
			out = append(out, st.Key)
		}
		return out
	}
	return func() []drivenCase {
		s.t.Helper()
		wg.Wait()
		cancel()
		var cases []drivenCase
		for i, err := range errs {
			if err != nil {
				s.t.Fatalf("driver %d: %v\n%s\n%s", i, err, s.api.logs(), s.worker.logs())
			}
		}
		for _, id := range pub {
			cases = append(cases, drivenCase{id, keys(bench.PublicitySteps)})
		}
		for _, r := range rep {
			cases = append(cases, drivenCase{r[0], keys(bench.ReportSteps)}, drivenCase{r[1], keys(bench.TransferSteps)})
		}
		return cases
	}
}

// started records case ids as the drivers learn them (waitCompletions reads their histories).
func (s *stack) started(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if id != "" && !slices.Contains(s.ids, id) {
			s.ids = append(s.ids, id)
		}
	}
}

// acceptedCompletions counts, in the Temporal history of workflow id, the complete-task updates
// that were accepted, by task id: what the workflow actually applied, however often clients
// retried, processes died or the database answered late.
func (s *stack) acceptedCompletions(ctx context.Context, id string, into map[string]int) error {
	it := s.dev.Client().GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return fmt.Errorf("history of %s: %w", id, err)
		}
		in := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
		if ev.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED || in.GetName() != schemas.UpdateCompleteTask {
			continue
		}
		var req schemas.CompleteTaskRequest
		if p := in.GetArgs().GetPayloads(); len(p) != 1 {
			return fmt.Errorf("history of %s: complete-task update with %d arguments", id, len(p))
		} else if err := converter.GetDefaultDataConverter().FromPayload(p[0], &req); err != nil {
			return fmt.Errorf("history of %s: complete-task argument: %w", id, err)
		}
		into[req.TaskID]++
	}
	return nil
}

// waitCompletions waits until the workflows of the batch have accepted at least n task
// completions, so a fault hits mid-batch.
func (s *stack) waitCompletions(n int) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		ids := slices.Clone(s.ids)
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got := map[string]int{}
		for _, id := range ids {
			if err := s.acceptedCompletions(ctx, id, got); err != nil {
				break
			}
		}
		cancel()
		total := 0
		for _, k := range got {
			total += k
		}
		if total >= n {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.t.Fatalf("fewer than %d task completions accepted after 2 minutes:\n%s\n%s", n, s.api.logs(), s.worker.logs())
}

// check asserts that nothing was lost or done twice: every case closed; every task completed
// exactly once according to the workflow that holds it (one accepted complete-task update in
// its Temporal history), none for a cancelled task, no completion of a task the database does
// not know, no task left open; every driven step completed; and the audit trail verifies.
func (s *stack) check(cases []drivenCase) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.id
	}
	var rows []schemas.Case
	if err := s.gdb.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		s.t.Fatal(err)
	}
	closed := 0
	for _, c := range rows {
		if c.Status == schemas.CaseClosed {
			closed++
		}
	}
	if len(rows) != len(ids) || closed != len(ids) {
		s.t.Errorf("%d of %d cases closed (%d rows)", closed, len(ids), len(rows))
	}
	var tasks []schemas.Task
	if err := s.gdb.Where("case_id IN ?", ids).Find(&tasks).Error; err != nil {
		s.t.Fatal(err)
	}
	// The workflows that hold the tasks: the cases, and any child workflow (a part) named on
	// a task row.
	workflows := slices.Clone(ids)
	for _, tk := range tasks {
		if tk.WorkflowID != "" && !slices.Contains(workflows, tk.WorkflowID) {
			workflows = append(workflows, tk.WorkflowID)
		}
	}
	completions := map[string]int{}
	for _, wf := range workflows {
		if err := s.acceptedCompletions(ctx, wf, completions); err != nil {
			s.t.Fatal(err)
		}
	}
	status := map[string]schemas.TaskStatus{}
	for _, tk := range tasks {
		status[tk.ID] = tk.Status
		want := map[schemas.TaskStatus]int{schemas.TaskCompleted: 1, schemas.TaskCancelled: 0}[tk.Status]
		if tk.Status == schemas.TaskOpen {
			s.t.Errorf("task %s left open", tk.ID)
		}
		if completions[tk.ID] != want {
			s.t.Errorf("task %s (%s): %d accepted complete-task updates in its workflow's history, want %d", tk.ID, tk.Status, completions[tk.ID], want)
		}
	}
	for task, n := range completions {
		if _, known := status[task]; !known {
			s.t.Errorf("task %s: %d accepted completions in history, but no task row", task, n)
		}
	}
	for _, c := range cases {
		for _, key := range c.steps {
			if status[c.id+"."+key] != schemas.TaskCompleted {
				s.t.Errorf("step task %s.%s is %q", c.id, key, status[c.id+"."+key])
			}
		}
	}
	verify := exec.Command(binary, "audit", "verify")
	verify.Env = append(os.Environ(), "JIANDU_DATABASE_URL="+s.dbURL)
	if out, err := verify.CombinedOutput(); err != nil {
		s.t.Errorf("jiandu audit verify: %v\n%s", err, out)
	}
}

func TestWorkerKilled(t *testing.T) {
	s, _ := newStack(t, false)
	wait := s.batch("worker", batchSize)
	s.waitCompletions(batchSize)
	s.worker.kill()
	time.Sleep(2 * time.Second) // cases stall; the API still takes requests
	s.worker = s.start("worker")
	s.check(wait())
}

func TestAPIKilled(t *testing.T) {
	s, _ := newStack(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// One case driven by hand: its first completion's answer, and the answer to the same
	// request retried through a new API process, must be the same.
	var started struct {
		ID string `json:"id"`
	}
	if _, err := s.client.Do(ctx, "start", "POST", "/api/v1/cases/publicity", bench.Starter, "by-hand-start",
		map[string]any{"title": "手动", "candidates": []map[string]any{{"name": "甲", "current_post": "副局长", "proposed_post": "局长"}}}, &started); err != nil {
		t.Fatal(err)
	}
	draft := bench.PublicitySteps[0]
	complete := func() string {
		t.Helper()
		var state map[string]any
		if _, err := s.client.Do(ctx, "complete", "POST", "/api/v1/tasks/"+started.ID+"."+draft.Key+"/complete", draft.Official, "by-hand-draft", draft.Body, &state); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(state)
	}
	s.waitTask(ctx, draft.Official, started.ID+"."+draft.Key)
	first := complete()

	wait := s.batch("api", batchSize)
	s.waitCompletions(batchSize)
	s.api.kill()
	time.Sleep(time.Second) // clients see refused connections and retry
	s.api = s.start("api")
	if again := complete(); again != first {
		t.Errorf("retried completion through a new API process answered differently:\nfirst %s\nagain %s", first, again)
	}
	for _, st := range bench.PublicitySteps[1:] {
		s.waitTask(ctx, st.Official, started.ID+"."+st.Key)
		if _, err := s.client.Do(ctx, "complete", "POST", "/api/v1/tasks/"+started.ID+"."+st.Key+"/complete", st.Official, "by-hand-"+st.Key, st.Body, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.client.WaitClosed(ctx, started.ID); err != nil {
		t.Fatal(err)
	}
	s.check(append(wait(), drivenCase{started.ID, []string{bench.PublicitySteps[0].Key, bench.PublicitySteps[1].Key, bench.PublicitySteps[2].Key}}))
}

func (s *stack) waitTask(ctx context.Context, official, task string) {
	s.t.Helper()
	for {
		var tk struct {
			Status string `json:"status"`
		}
		_, err := s.client.Do(ctx, "task", "GET", "/api/v1/tasks/"+task, official, "", nil, &tk)
		if err == nil && tk.Status == "open" {
			return
		}
		if ctx.Err() != nil {
			s.t.Fatalf("task %s never opened for %s: %v", task, official, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestTemporalRestarted(t *testing.T) {
	s, _ := newStack(t, false)
	wait := s.batch("temporal", batchSize)
	s.waitCompletions(batchSize)
	if err := s.dev.Stop(); err != nil {
		t.Fatalf("stop temporal: %v", err)
	}
	s.dev = nil
	time.Sleep(2 * time.Second) // the API answers 503, the worker's polls fail
	s.startTemporal()
	s.check(wait())
}

func TestDatabaseUnreachable(t *testing.T) {
	s, px := newStack(t, true)
	wait := s.batch("db", batchSize)
	s.waitCompletions(batchSize)
	px.cut()
	// While it is cut, the API says so: 503 with Retry-After (not a 500, not a hang).
	tok, _ := s.client.Keys.Issue("bao.yin", time.Now(), time.Hour)
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", "http://"+s.apiAddr+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("API did not answer while the database was cut: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			if res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("503 without Retry-After or problem+json: %v %s", res.Header, body)
			}
			break
		}
		if res.StatusCode != 200 || time.Now().After(deadline) {
			t.Fatalf("with the database cut: %d %s", res.StatusCode, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // activities fail and are retried meanwhile
	// A kernel write (a local activity) that keeps failing gives up its local retries within a
	// minute and runs again as a regular activity (version local-write-fallback): the outage
	// shows in the Temporal UI as a pending activity with its last failure.
	fellBack := s.waitPendingWrite(3 * time.Minute)
	px.restore()
	s.check(wait())
	s.recordHistory(fellBack, "local-write-fallback")
}

// recordHistory saves the history of workflow id (a case) as
// workflows/testdata/<kind>-<name>-postgres.json for the replay test when
// JIANDU_RECORD_HISTORIES is set, like make record-histories does for the end-to-end runs.
func (s *stack) recordHistory(id, name string) {
	s.t.Helper()
	if os.Getenv("JIANDU_RECORD_HISTORIES") == "" {
		return
	}
	kind, _, _, err := schemas.ParseCaseID(id)
	if err != nil {
		s.t.Logf("not recorded: %s is not a case's workflow (%v)", id, err)
		return
	}
	out, err := exec.Command(s.temporalOpts.Binary, "workflow", "show", "--address", s.temporalOpts.Address,
		"--workflow-id", id, "--output", "json").Output()
	if err != nil {
		s.t.Fatalf("workflow show %s: %v", id, err)
	}
	path := filepath.Join("..", "workflows", "testdata", string(kind)+"-"+name+"-postgres.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("recorded %s", path)
}

// kernelWrites are the writes a case runs as local activities (caseRun.write, planStep).
var kernelWrites = []string{"RecordCase", "OpenTask", "CloseTask", "ComputeDeadline", "PlanStep"}

// waitPendingWrite waits until some running case shows, in DescribeWorkflowExecution (what
// the Temporal UI shows), a kernel write as a pending activity with its last failure.
// It returns the case's workflow id.
func (s *stack) waitPendingWrite(within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		// The running cases: the drivers learn a case's id only when it has closed.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		running, err := s.dev.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", Query: "ExecutionStatus = 'Running'",
		})
		cancel()
		if err != nil {
			s.t.Fatalf("list running workflows: %v", err)
		}
		for _, ex := range running.GetExecutions() {
			id := ex.GetExecution().GetWorkflowId()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			desc, err := s.dev.Client().DescribeWorkflow(ctx, id, "")
			cancel()
			if err != nil {
				continue
			}
			for _, pa := range desc.RawResponse.GetPendingActivities() {
				name := pa.GetActivityType().GetName()
				if !slices.Contains(kernelWrites, name) || pa.GetLastFailure() == nil {
					continue
				}
				s.t.Logf("%s: pending activity %s (%q), attempt %d, last failure: %s", id, name,
					pa.GetActivityId(), pa.GetAttempt(), pa.GetLastFailure().GetMessage())
				if pa.GetLastFailure().GetMessage() == "" {
					s.t.Errorf("%s: pending %s shows a last failure without a message", id, name)
				}
				return id
			}
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("no case showed a kernel write as a pending activity with its last failure within %s of the cut:\n%s", within, s.worker.logs())
	return ""
}

// proxy forwards TCP connections to target until cut, which closes the listener and every
// connection; restore listens again on the same address.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	go p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

func (p *proxy) pipe(c net.Conn) {
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, u) {
		c.Close()
		u.Close()
		return
	}
	go func() { _, _ = io.Copy(u, c); u.Close() }()
	_, _ = io.Copy(c, u)
	c.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
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
