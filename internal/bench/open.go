package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// OpenOptions configure an open-cases run (`jiandu bench -open N`).
type OpenOptions struct {
	Options
	// Open is how many cases are brought to a waiting human step.
	Open int
	// Advance is how many of them go one step further (the draft completed), so that the
	// leader has an inbox of ordinary size; the rest wait on their draft step.
	Advance int
	// Hold is how long the cases are kept open after the last one is waiting, with the inbox
	// measured throughout; the time scale decides how many reminders fall due by then.
	Hold time.Duration
	// TemporalDBs are the Postgres databases of o.Temporal (persistence, visibility), whose
	// sizes are measured on the Jiandu database's server.
	TemporalDBs []string
	// DevInMemory keeps the dev server's state in memory (its disk is then not measured);
	// by default it keeps it in a SQLite file.
	DevInMemory bool
	// HistorySample is how many cases' histories are read for the timer lateness.
	HistorySample int
	// Rate, when above 0, paces the starts at this many per second. Each case's first rung
	// falls due a fixed (compressed) time after its start, so the pace is the rate at which
	// the rungs fall due: the way to reproduce, under time compression, the rate that the
	// night spread of rungs gives a real day (schemas.RungNight; docs/BENCHMARKS.md).
	Rate float64
}

// OpenReport is what an open-cases run measured.
type OpenReport struct {
	Open      int     `json:"open"`
	Advanced  int     `json:"advanced"`
	TimeScale float64 `json:"time_scale"`
	StartRate float64 `json:"start_rate,omitempty"` // the paced starts per second (0: as fast as they go)
	Database  string  `json:"database"`
	Temporal  string  `json:"temporal"`
	Namespace string  `json:"namespace"`
	// StartSeconds is the time from the first start to the last task visible in the inbox.
	StartSeconds float64 `json:"start_seconds"`
	StartsPerSec float64 `json:"starts_per_sec"`
	Start        Stats   `json:"start"`
	StartFailed  int     `json:"start_failed"`
	HoldSeconds  float64 `json:"hold_seconds"`
	// Memory, in MiB. The worker and the API run in the bench process (with the clients), so
	// BenchRSS is theirs together; GoHeap is the Go heap in use after a collection.
	Memory struct {
		BenchRSSBefore  float64 `json:"bench_rss_before_mib"`
		BenchRSSAfter   float64 `json:"bench_rss_after_mib"`
		GoHeapAfter     float64 `json:"go_heap_after_mib"`
		TemporalRSS     float64 `json:"temporal_rss_mib"` // the dev server (0 with -temporal)
		PerCaseBenchKiB float64 `json:"bench_rss_per_case_kib"`
	} `json:"memory"`
	// Disk, in MiB before and after, and KiB per case.
	Disk struct {
		TemporalBefore  float64 `json:"temporal_before_mib"`
		TemporalAfter   float64 `json:"temporal_after_mib"`
		JianduBefore    float64 `json:"jiandu_before_mib"`
		JianduAfter     float64 `json:"jiandu_after_mib"`
		TemporalPerCase float64 `json:"temporal_per_case_kib"`
		JianduPerCase   float64 `json:"jiandu_per_case_kib"`
		What            string  `json:"what"`
	} `json:"disk"`
	// Inbox latencies during the hold, by who looks.
	Inbox map[string]Stats `json:"inbox"`
	// Timers: when a ladder timer fired against when it was due (fired), and when the
	// reminder's activity completed against the same due time (reminded), in ms.
	Timers struct {
		Cases    int   `json:"cases_read"`
		Fired    Stats `json:"fired_late"`
		Reminded Stats `json:"reminded_late"`
		// Reminded, split: due → rung activity scheduled, scheduled → started, started → done.
		RungScheduled Stats `json:"rung_scheduled_after_due"`
		RungQueued    Stats `json:"rung_queued"`
		RungRun       Stats `json:"rung_run"`
		Pending       int   `json:"pending"` // started timers not yet fired when the histories were read
	} `json:"timers"`
}

// Inbox lookers during the hold: who, and the request.
var openLookers = []struct{ Name, Official, Path string }{
	{"supervisor_region_org", "wang.jian", "/api/v1/tasks?scope=org"},
	{"supervisor_city_org", "bao.yin", "/api/v1/tasks?scope=org"},
	{"cadre_section_mine", Starter, "/api/v1/tasks"},
	{"leader_mine", "chen.jing", "/api/v1/tasks"},
}

// RunOpen brings o.Open publicity cases to a waiting human step (started over REST, Concurrency
// at a time), keeps them open for o.Hold while reading the inbox as a supervisor and as
// ordinary officials, then measures memory, disk and the ladder timers' lateness.
func RunOpen(ctx context.Context, o OpenOptions) (*OpenReport, error) {
	if o.Open < 1 || o.Concurrency < 1 {
		return nil, errors.New("open and concurrency must be at least 1")
	}
	o.Options = withDefaults(o.Options)
	o.Advance = min(o.Advance, o.Open)
	if o.HistorySample <= 0 {
		o.HistorySample = 1000
	}
	rep := &OpenReport{Open: o.Open, Advanced: o.Advance, TimeScale: o.TimeScale, StartRate: o.Rate, Database: "sqlite", Inbox: map[string]Stats{}}
	var brep Report
	devFile := "temporal.db"
	if o.DevInMemory {
		devFile = ""
	}
	st, err := startStack(ctx, o.Options, &brep, devFile)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep.Database, rep.Temporal, rep.Namespace = brep.Database, brep.Temporal, brep.Namespace

	diskT, diskJ, what, err := st.diskSizes(ctx, o.TemporalDBs)
	if err != nil {
		return nil, err
	}
	rep.Disk.TemporalBefore, rep.Disk.JianduBefore, rep.Disk.What = mib(diskT), mib(diskJ), what
	rep.Memory.BenchRSSBefore = mib(rss(os.Getpid()))

	progress(o.Options, "starting %d publicity cases over REST, %d at a time (time scale %g)", o.Open, o.Concurrency, o.TimeScale)
	o.Cases = o.Open
	ids := make([]string, o.Open)
	var pace <-chan time.Time
	if o.Rate > 0 {
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
		defer tick.Stop()
		pace = tick.C
	}
	limit := fanOutLimit // paced starts take Open ÷ Rate seconds on top
	if o.Rate > 0 {
		limit += time.Duration(float64(o.Open) / o.Rate * float64(time.Second))
	}
	began := time.Now()
	_, failed := fanOut(ctx, o.Options, limit, func(ctx context.Context, i int) error {
		if pace != nil {
			select {
			case <-pace:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		id, err := st.client.StartPublicity(ctx, fmt.Sprintf("%s-%d", st.run, i))
		ids[i] = id
		if err != nil {
			o.Logger.Warn("start failed", "n", i, "err", err)
		}
		return err
	})
	rep.StartFailed = failed
	rep.Start = st.client.Rec.Stats("start")
	if err := waitOpenTasks(ctx, st.gdb, int64(o.Open-failed), o.Progress); err != nil {
		return nil, err
	}
	rep.StartSeconds = time.Since(began).Seconds()
	rep.StartsPerSec = float64(o.Open-failed) / rep.StartSeconds

	if o.Advance > 0 {
		progress(o.Options, "completing the draft of %d cases, so that they wait on the leader's approval", o.Advance)
		o.Cases = o.Advance
		_, failed := fanOut(ctx, o.Options, fanOutLimit, func(ctx context.Context, i int) error {
			if ids[i] == "" {
				return nil
			}
			return st.client.AdvanceToApproval(ctx, ids[i])
		})
		if failed > 0 {
			return nil, fmt.Errorf("%d of %d drafts could not be completed", failed, o.Advance)
		}
	}

	progress(o.Options, "all %d cases wait on a human step (%.0f s); holding them open %s and reading inboxes", o.Open-rep.StartFailed, rep.StartSeconds, o.Hold)
	holdStart := time.Now()
	rep.Inbox = st.client.lookDuring(ctx, o.Hold, o.Poll)
	rep.HoldSeconds = time.Since(holdStart).Seconds()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.Memory.GoHeapAfter = mib(int64(ms.HeapInuse))
	rep.Memory.BenchRSSAfter = mib(rss(os.Getpid()))
	rep.Memory.PerCaseBenchKiB = (rep.Memory.BenchRSSAfter - rep.Memory.BenchRSSBefore) * 1024 / float64(o.Open)
	if st.devPID != 0 {
		rep.Memory.TemporalRSS = mib(rss(st.devPID))
	}
	if diskT, diskJ, _, err = st.diskSizes(ctx, o.TemporalDBs); err != nil {
		return nil, err
	}
	rep.Disk.TemporalAfter, rep.Disk.JianduAfter = mib(diskT), mib(diskJ)
	rep.Disk.TemporalPerCase = (rep.Disk.TemporalAfter - rep.Disk.TemporalBefore) * 1024 / float64(o.Open)
	rep.Disk.JianduPerCase = (rep.Disk.JianduAfter - rep.Disk.JianduBefore) * 1024 / float64(o.Open)

	progress(o.Options, "reading up to %d histories for the ladder timers", o.HistorySample)
	if err := timerLateness(ctx, st.tc, ids, o.HistorySample, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// withDefaults fills in what Options leave empty.
func withDefaults(o Options) Options {
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = defaultLogger()
	}
	return o
}

// waitOpenTasks polls the task table until want tasks are open (every case shows in an inbox).
func waitOpenTasks(ctx context.Context, gdb *gorm.DB, want int64, progress interface{ Write([]byte) (int, error) }) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	last := time.Now()
	for {
		var n int64
		if err := gdb.WithContext(ctx).Model(&schemas.Task{}).Where("status = ?", schemas.TaskOpen).Count(&n).Error; err != nil {
			return fmt.Errorf("count open tasks: %w", err)
		}
		if n >= want {
			return nil
		}
		if progress != nil && time.Since(last) > 10*time.Second {
			fmt.Fprintf(progress, "  %d of %d tasks open\n", n, want)
			last = time.Now()
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for %d open tasks (have %d): %w", want, n, err)
		}
	}
}

// lookDuring reads each looker's inbox (first page) in turn, pausing poll between rounds, for d,
// and returns the latencies by looker.
func (c *Client) lookDuring(ctx context.Context, d, poll time.Duration) map[string]Stats {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	recs := make([]*Recorder, len(openLookers))
	for i, l := range openLookers {
		recs[i] = &Recorder{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc := &Client{Base: c.Base, Keys: c.Keys, HTTP: c.HTTP, Rec: recs[i]}
			for ctx.Err() == nil {
				_, _ = lc.Do(ctx, "inbox", "GET", l.Path, l.Official, "", nil, nil)
				_ = sleep(ctx, poll)
			}
		}()
	}
	wg.Wait()
	out := map[string]Stats{}
	for i, l := range openLookers {
		out[l.Name] = recs[i].Stats("inbox")
	}
	return out
}

// diskSizes are Temporal's and Jiandu's bytes on disk: the SQLite files (with their -wal and
// -shm) or the Postgres databases (pg_database_size).
func (s *stack) diskSizes(ctx context.Context, temporalDBs []string) (temporal, jiandu int64, what string, err error) {
	pg := s.dbFile == ""
	var parts []string
	switch {
	case s.tmpFile != "":
		temporal = fileSizes(s.tmpFile)
		parts = append(parts, "Temporal: the dev server's SQLite file")
	case len(temporalDBs) > 0 && pg:
		for _, name := range temporalDBs {
			var n int64
			if err := s.gdb.WithContext(ctx).Raw("SELECT pg_database_size(?)", name).Scan(&n).Error; err != nil {
				return 0, 0, "", fmt.Errorf("size of database %s: %w", name, err)
			}
			temporal += n
		}
		parts = append(parts, "Temporal: pg_database_size of "+strings.Join(temporalDBs, ", "))
	default:
		parts = append(parts, "Temporal: not measured")
	}
	if pg {
		if err := s.gdb.WithContext(ctx).Raw("SELECT pg_database_size(current_database())").Scan(&jiandu).Error; err != nil {
			return 0, 0, "", fmt.Errorf("size of the Jiandu database: %w", err)
		}
		parts = append(parts, "Jiandu: pg_database_size")
	} else {
		jiandu = fileSizes(s.dbFile)
		parts = append(parts, "Jiandu: its SQLite file")
	}
	return temporal, jiandu, strings.Join(parts, "; "), nil
}

// fileSizes is the size of a SQLite database with its -wal and -shm files.
func fileSizes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// timerLateness reads the histories of up to sample cases and sets rep.Timers: for every ladder
// timer that fired, fired − due and (for reminders) the rung activity's completion − due.
func timerLateness(ctx context.Context, tc client.Client, ids []string, sample int, rep *OpenReport) error {
	var all ladderTimes
	step := max(len(ids)/sample, 1)
	for i := 0; i < len(ids) && rep.Timers.Cases < sample; i += step {
		if ids[i] == "" {
			continue
		}
		rep.Timers.Cases++
		lt, err := caseTimers(ctx, tc, ids[i])
		if err != nil {
			return fmt.Errorf("history of %s: %w", ids[i], err)
		}
		all.fired, all.reminded = append(all.fired, lt.fired...), append(all.reminded, lt.reminded...)
		all.react, all.queued, all.run = append(all.react, lt.react...), append(all.queued, lt.queued...), append(all.run, lt.run...)
		rep.Timers.Pending += lt.pending
	}
	rep.Timers.Fired, rep.Timers.Reminded = Summarize(all.fired), Summarize(all.reminded)
	rep.Timers.RungScheduled, rep.Timers.RungQueued, rep.Timers.RungRun = Summarize(all.react), Summarize(all.queued), Summarize(all.run)
	return nil
}

// caseTimers reads one case's history and measures its ladder (timersIn).
func caseTimers(ctx context.Context, tc client.Client, id string) (ladderTimes, error) {
	var events []*historypb.HistoryEvent
	it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return ladderTimes{}, err
		}
		events = append(events, ev)
	}
	return timersIn(events), nil
}

// ladderTimes are the delays of a history's ladder: each fired timer's lateness (fired − started
// − its timeout); for each rung activity that followed a fired timer, its completion after that
// timer's due time (reminded), split into the wait until it was scheduled (the workflow task
// that reacts to the timer), in the activity queue (scheduled → started) and its run.
type ladderTimes struct {
	fired, reminded, react, queued, run []time.Duration
	pending                             int // timers neither fired nor cancelled
}

// timersIn measures the ladder timers of a history.
func timersIn(events []*historypb.HistoryEvent) ladderTimes {
	var lt ladderTimes
	due := map[int64]time.Time{} // timer started event id → due
	var lastDue time.Time        // due time of the last fired timer, until its rung activity is scheduled
	type rung struct{ due, scheduled, started time.Time }
	rungs := map[int64]*rung{} // by the activity's scheduled event id
	for _, ev := range events {
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			due[ev.GetEventId()] = at.Add(ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration())
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			id := ev.GetTimerFiredEventAttributes().GetStartedEventId()
			lt.fired = append(lt.fired, at.Sub(due[id]))
			lastDue = due[id]
			delete(due, id)
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			delete(due, ev.GetTimerCanceledEventAttributes().GetStartedEventId())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if isRung(ev) && !lastDue.IsZero() {
				rungs[ev.GetEventId()] = &rung{due: lastDue, scheduled: at}
				lt.react = append(lt.react, at.Sub(lastDue))
				lastDue = time.Time{}
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if r := rungs[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()]; r != nil {
				r.started = at
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if r := rungs[ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]; r != nil {
				lt.reminded = append(lt.reminded, at.Sub(r.due))
				if !r.started.IsZero() {
					lt.queued = append(lt.queued, r.started.Sub(r.scheduled))
					lt.run = append(lt.run, at.Sub(r.started))
				}
			}
		}
	}
	lt.pending = len(due)
	return lt
}

func isRung(ev *historypb.HistoryEvent) bool {
	return ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "FireRung"
}

// rss is a process's resident set size in bytes (0 when it cannot be read).
func rss(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// childPIDs lists this process's children.
func childPIDs() map[int]bool {
	out := map[int]bool{}
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == self {
			out[pid] = true
		}
	}
	return out
}

// newChild is a child of this process that was not in before (0 when none or several).
func newChild(before map[int]bool) int {
	found := 0
	for pid := range childPIDs() {
		if before[pid] {
			continue
		}
		if found != 0 {
			return 0
		}
		found = pid
	}
	return found
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
