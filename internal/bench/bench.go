package bench

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// Options configure a run.
type Options struct {
	Cases       int
	Concurrency int
	// TimeScale compresses the case's deadlines; 1e6 turns the 5-working-day period into
	// well under a second.
	TimeScale float64
	// DatabaseURL is the database of the Jiandu stack; empty is a fresh SQLite file.
	DatabaseURL string
	// Poll is how often a client looks at an inbox (Jiandu) or the open step (baseline,
	// minimal).
	Poll time.Duration
	// Temporal is the host:port of a running Temporal frontend (e.g. Temporal on Postgres,
	// make temporal-postgres) to run against; empty starts the dev server in memory.
	Temporal string
	// Namespace on Temporal; empty is "default" on the dev server, and with Temporal a fresh
	// namespace for the run (dialExternal).
	Namespace string
	Logger    *slog.Logger
	// Compression is the gRPC compression of the run's Temporal client (temporalconn.Connection).
	Compression string
	// Worker overrides the worker's poller counts.
	Worker worker.Tuning
	// Progress, when set, gets a line per phase.
	Progress io.Writer
}

// Report is what a run measured. Latencies are of successful requests, in milliseconds.
type Report struct {
	Cases       int     `json:"cases"`
	Concurrency int     `json:"concurrency"`
	TimeScale   float64 `json:"time_scale"`
	Database    string  `json:"database"`
	// Temporal is "dev-server" (the CLI's dev server, in memory, started by the bench) or the
	// address of the Temporal the run used.
	Temporal  string `json:"temporal"`
	Namespace string `json:"namespace"`
	// Compression is the gRPC compression of the Temporal client ("gzip" or "none").
	Compression string        `json:"grpc_compression"`
	Worker      worker.Tuning `json:"worker_tuning"`
	Jiandu      struct {
		Seconds     float64 `json:"seconds"`
		CasesPerSec float64 `json:"cases_per_sec"`
		// TasksPerSec is human tasks completed over REST per second of the Jiandu run.
		TasksPerSec float64 `json:"tasks_per_sec"`
		Start       Stats   `json:"start"`
		Inbox       Stats   `json:"inbox"`
		Complete    Stats   `json:"complete"`
		Failed      int     `json:"failed"`
		// Activities and Updates per case, counted in the histories of a sample of cases:
		// the baseline does as many.
		Activities int     `json:"activities_per_case"`
		Updates    int     `json:"updates_per_case"`
		History    History `json:"history"`
		CPU        CPU     `json:"cpu"`
	} `json:"jiandu"`
	Baseline struct {
		Seconds     float64 `json:"seconds"`
		CasesPerSec float64 `json:"cases_per_sec"`
		Update      Stats   `json:"update"`
		Failed      int     `json:"failed"`
	} `json:"baseline"`
	// Minimal is the minimal shape (minimal.go): per human step one update running one
	// activity, the period as one timer.
	Minimal struct {
		Seconds     float64 `json:"seconds"`
		CasesPerSec float64 `json:"cases_per_sec"`
		TasksPerSec float64 `json:"tasks_per_sec"` // updates completed per second
		Steps       int     `json:"steps_per_case"`
		Update      Stats   `json:"update"`
		Failed      int     `json:"failed"`
		History     History `json:"history"`
		CPU         CPU     `json:"cpu"`
	} `json:"minimal"`
	Ratios struct {
		Throughput    float64 `json:"throughput"`     // Jiandu cases/s ÷ baseline cases/s (target ≥ 0.8)
		CompletionP50 float64 `json:"completion_p50"` // Jiandu completion p50 ÷ baseline update p50
		CompletionP99 float64 `json:"completion_p99"` // Jiandu completion p99 ÷ baseline update p99 (target ≤ 1.3)
		// Against the minimal shape (issue 14's targets: throughput ≥ 0.5, completion p99 ≤ 1.3).
		ThroughputMinimal      float64 `json:"throughput_minimal"`        // Jiandu cases/s ÷ minimal cases/s
		CompletionP50VsMinimal float64 `json:"completion_p50_vs_minimal"` // Jiandu completion p50 ÷ minimal update p50
		CompletionP99VsMinimal float64 `json:"completion_p99_vs_minimal"` // Jiandu completion p99 ÷ minimal update p99
		// CPUPerTaskVsMinimal is Jiandu's processor time per human task ÷ the minimal shape's
		// per update: the cost of a step, whatever else the machine is doing.
		CPUPerTaskVsMinimal float64 `json:"cpu_per_task_vs_minimal"`
	} `json:"ratios"`
}

// Run starts a dev stack in this process (Temporal dev server in memory as a child process, or
// o.Temporal; worker and API on a free port), drives the Jiandu cases, then the baseline, then
// the minimal shape, and reports.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Cases < 1 || o.Concurrency < 1 {
		return nil, errors.New("cases and concurrency must be at least 1")
	}
	o = withDefaults(o)
	rep := &Report{Cases: o.Cases, Concurrency: o.Concurrency, TimeScale: o.TimeScale, Database: "sqlite", Worker: o.Worker,
		Compression: cmp.Or(o.Compression, "gzip")}
	st, err := startStack(ctx, o, rep, "")
	if err != nil {
		return nil, err
	}
	defer st.Close()
	tc, run, cl := st.tc, st.run, st.client
	rec := cl.Rec
	cpu := cpuMeter{devPID: st.devPID}

	// Jiandu: cases over REST.
	progress(o, "driving %d publicity cases over REST, %d at a time", o.Cases, o.Concurrency)
	ids := make([]string, o.Cases)
	cpu0 := cpu.read()
	secs, failed := fanOut(ctx, o, fanOutLimit, func(ctx context.Context, i int) error {
		id, err := cl.RunPublicity(ctx, fmt.Sprintf("%s-%d", run, i))
		ids[i] = id
		if err != nil {
			o.Logger.Warn("case failed", "case", id, "err", err)
		}
		return err
	})
	rep.Jiandu.Seconds, rep.Jiandu.Failed = secs, failed
	rep.Jiandu.CasesPerSec = float64(o.Cases-failed) / secs
	rep.Jiandu.TasksPerSec = float64(rec.Stats("complete").Count) / secs
	rep.Jiandu.Start, rep.Jiandu.Inbox, rep.Jiandu.Complete = rec.Stats("start"), rec.Stats("inbox"), rec.Stats("complete")
	rep.Jiandu.CPU = cpu.since(cpu0, rep.Jiandu.Complete.Count)
	hist, err := readHistories(ctx, tc, ids)
	if err != nil {
		return nil, fmt.Errorf("read case histories: %w", err)
	}
	acts, updates := hist.count(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), hist.count(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
	rep.Jiandu.Activities, rep.Jiandu.Updates, rep.Jiandu.History = acts, updates, hist

	// Baseline: the same shape of workflow with nothing behind it, through the SDK client.
	progress(o, "driving %d baseline workflows (%d activities, %d updates each) through the SDK", o.Cases, acts, updates)
	bqueue := "bench-baseline-" + run
	bw := sdkworker.New(tc, bqueue, sdkworker.Options{})
	bw.RegisterWorkflowWithOptions(baselineWorkflow, workflow.RegisterOptions{Name: baselineWorkflowName})
	bw.RegisterActivityWithOptions(baselineActivity, activityOptions)
	if err := bw.Start(); err != nil {
		return nil, err
	}
	defer bw.Stop()
	brec := &Recorder{}
	in := baselineInput{Activities: acts, Updates: max(updates, 1), Sleep: time.Duration(float64(7*24*time.Hour) / max(o.TimeScale, 1))}
	secs, failed = fanOut(ctx, o, fanOutLimit, func(ctx context.Context, i int) error {
		return runBaseline(ctx, tc, bqueue, fmt.Sprintf("baseline-%s-%d", run, i), in, o.Poll, brec)
	})
	rep.Baseline.Seconds, rep.Baseline.Failed = secs, failed
	rep.Baseline.CasesPerSec = float64(o.Cases-failed) / secs
	rep.Baseline.Update = brec.Stats("update")
	bw.Stop()

	// Minimal shape: the same human steps and period, nothing else.
	steps := max(updates, 1)
	progress(o, "driving %d minimal workflows (%d steps, each one update running one activity) through the SDK", o.Cases, steps)
	mqueue := "bench-minimal-" + run
	mw := sdkworker.New(tc, mqueue, sdkworker.Options{})
	mw.RegisterWorkflowWithOptions(minimalWorkflow, workflow.RegisterOptions{Name: minimalWorkflowName})
	mw.RegisterActivityWithOptions(baselineActivity, activityOptions)
	if err := mw.Start(); err != nil {
		return nil, err
	}
	defer mw.Stop()
	mrec := &Recorder{}
	minimalID := func(i int) string { return fmt.Sprintf("minimal-%s-%d", run, i) }
	minIn := minimalInput{Steps: steps, Sleep: in.Sleep}
	cpu0 = cpu.read()
	secs, failed = fanOut(ctx, o, fanOutLimit, func(ctx context.Context, i int) error {
		err := runMinimal(ctx, tc, mqueue, minimalID(i), minIn, o.Poll, mrec)
		if err != nil {
			o.Logger.Warn("minimal workflow failed", "err", err)
		}
		return err
	})
	rep.Minimal.Seconds, rep.Minimal.Failed, rep.Minimal.Steps = secs, failed, steps
	rep.Minimal.CasesPerSec = float64(o.Cases-failed) / secs
	rep.Minimal.Update = mrec.Stats("update")
	rep.Minimal.TasksPerSec = float64(rep.Minimal.Update.Count) / secs
	rep.Minimal.CPU = cpu.since(cpu0, rep.Minimal.Update.Count)
	mids := make([]string, o.Cases)
	for i := range mids {
		mids[i] = minimalID(i)
	}
	if rep.Minimal.History, err = readHistories(ctx, tc, mids); err != nil {
		return nil, fmt.Errorf("read minimal histories: %w", err)
	}

	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	rep.Ratios.Throughput = ratio(rep.Jiandu.CasesPerSec, rep.Baseline.CasesPerSec)
	rep.Ratios.CompletionP50 = ratio(rep.Jiandu.Complete.P50, rep.Baseline.Update.P50)
	rep.Ratios.CompletionP99 = ratio(rep.Jiandu.Complete.P99, rep.Baseline.Update.P99)
	rep.Ratios.ThroughputMinimal = ratio(rep.Jiandu.CasesPerSec, rep.Minimal.CasesPerSec)
	rep.Ratios.CompletionP50VsMinimal = ratio(rep.Jiandu.Complete.P50, rep.Minimal.Update.P50)
	rep.Ratios.CompletionP99VsMinimal = ratio(rep.Jiandu.Complete.P99, rep.Minimal.Update.P99)
	rep.Ratios.CPUPerTaskVsMinimal = ratio(rep.Jiandu.CPU.PerTaskMS, rep.Minimal.CPU.PerTaskMS)
	return rep, nil
}

// stack is the system under test of a run: Temporal (a dev server of its own or o.Temporal), the
// Jiandu database, and in this process the worker and the API on a free port.
type stack struct {
	tc     client.Client
	gdb    *gorm.DB
	run    string // the run's id: in task queues, namespaces and idempotency keys
	client *Client
	// devPID is the dev server's process id (0 with o.Temporal).
	devPID  int
	dbFile  string // the Jiandu SQLite file ("" on Postgres)
	tmpFile string // the dev server's SQLite file when it keeps one ("" in memory)
	closers []func()
}

// Close stops what startStack started, in reverse order.
func (s *stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// startStack brings up the stack and fills in rep's Temporal, Namespace and Database. With
// devDBFile the dev server keeps its state in that SQLite file (its size is measured) instead of
// in memory.
func startStack(ctx context.Context, o Options, rep *Report, devDBFile string) (_ *stack, err error) {
	if audit.ActiveKeys() == nil {
		// Like the bench's JWT secret: a throwaway audit key when the process has none.
		spec, err := secrets.NewKey("bench")
		if err != nil {
			return nil, err
		}
		keys, err := audit.ParseKeys(spec)
		if err != nil {
			return nil, err
		}
		audit.UseKeys(keys)
	}

	s := &stack{run: randomHex(4)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	tmp, err := os.MkdirTemp("", "jiandu-bench")
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = os.RemoveAll(tmp) })
	if o.Temporal != "" {
		progress(o, "connecting to Temporal at %s", o.Temporal)
		tc, ns, err := dialExternal(ctx, o, s.run)
		if err != nil {
			return nil, err
		}
		s.tc = tc
		s.closers = append(s.closers, tc.Close)
		progress(o, "using Temporal at %s, namespace %s", o.Temporal, ns)
		rep.Temporal, rep.Namespace = o.Temporal, ns
	} else {
		ns := o.Namespace
		if ns == "" {
			ns = "default"
		}
		rep.Namespace = ns
		bin, err := devstack.TemporalBinary(ctx, o.Logger)
		if err != nil {
			return nil, err
		}
		if devDBFile != "" {
			s.tmpFile = filepath.Join(tmp, devDBFile)
		}
		progress(o, "starting the Temporal dev server (state: %s)", cmp.Or(s.tmpFile, "in memory"))
		rep.Temporal = "dev-server"
		children := childPIDs()
		dev, err := devstack.Start(ctx, devstack.Options{Binary: bin, Namespace: ns, DBFile: s.tmpFile, Output: io.Discard, Logger: o.Logger, Compression: o.Compression})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { _ = dev.Stop() })
		s.devPID = newChild(children)
		s.tc = dev.Client()
		if err := temporalconn.EnsureSearchAttributes(ctx, s.tc, ns); err != nil {
			return nil, err
		}
	}

	url := o.DatabaseURL
	if url == "" {
		s.dbFile = filepath.Join(tmp, "jiandu.db")
		url = s.dbFile
	} else {
		rep.Database = "postgres"
	}
	s.gdb, err = db.Open(url)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { _ = db.Close(s.gdb) })
	if err := schemas.Migrate(s.gdb.WithContext(ctx)); err != nil {
		return nil, err
	}
	if err := demo.Seed(s.gdb.WithContext(ctx)); err != nil {
		return nil, err
	}

	queue := "bench-" + s.run
	w := worker.NewTuned(s.tc, queue, &activities.Activities{DB: s.gdb, Logger: o.Logger, TimeScale: o.TimeScale}, o.Worker)
	if err := w.Start(); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, w.Stop)
	keys := auth.Keys{Secret: []byte(randomHex(32)), Issuer: "jiandu"}
	srv := api.New(api.Deps{DB: s.gdb, Temporal: s.tc, Keys: keys, Logger: o.Logger, Registry: metrics.NewRegistry(), TaskQueue: queue})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.closers = append(s.closers, func() { _ = hs.Close() })
	s.client = &Client{
		Base: "http://" + ln.Addr().String(), Keys: keys, Rec: &Recorder{}, Poll: o.Poll,
		HTTP: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.Concurrency}},
	}
	return s, nil
}

func defaultLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func progress(o Options, format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", a...)
	}
}

// fanOutLimit bounds a phase of a run: what is not done by then counts as failed.
const fanOutLimit = 30 * time.Minute

// fanOut runs fn for 0..Cases-1, Concurrency at a time, within limit, and returns the wall
// time in seconds and how many failed.
func fanOut(ctx context.Context, o Options, limit time.Duration, fn func(context.Context, int) error) (float64, int) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		next   = make(chan int)
	)
	start := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range o.Cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return time.Since(start).Seconds(), failed
}

// History is the mean shape of a sample of workflows' histories.
type History struct {
	Cases  int            `json:"cases_read"`
	Events int            `json:"events_per_case"`
	ByType map[string]int `json:"events_by_type"` // mean per case, by event type
}

// count returns the mean number of events of type t per case.
func (h History) count(t enumspb.EventType) int { return h.ByType[t.String()] }

// readHistories reads the histories of up to 5 of ids (the first that exist) and counts their
// events.
func readHistories(ctx context.Context, tc client.Client, ids []string) (History, error) {
	h := History{ByType: map[string]int{}}
	for _, id := range ids {
		if id == "" || h.Cases == 5 {
			continue
		}
		h.Cases++
		it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return h, err
			}
			h.Events++
			h.ByType[ev.GetEventType().String()]++
		}
	}
	if h.Cases == 0 {
		return h, errors.New("no case finished")
	}
	mean := func(n int) int { return (n + h.Cases/2) / h.Cases }
	h.Events = mean(h.Events)
	for k, v := range h.ByType {
		h.ByType[k] = mean(v)
	}
	return h, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
