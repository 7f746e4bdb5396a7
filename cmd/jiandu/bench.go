package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jiandu/jiandu/internal/bench"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/worker"
)

// runBench measures Jiandu against bare Temporal on a dev stack of its own (docs/BENCHMARKS.md).
func runBench(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cases := fs.Int("cases", 100, "publicity cases to run to their close")
	conc := fs.Int("concurrency", 10, "cases driven at once")
	scale := fs.Float64("time-scale", 1e6, "deadline compression (1e6: the 5-working-day period takes under a second)")
	poll := fs.Duration("poll", 20*time.Millisecond, "how often a client looks at its inbox")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpu := fs.String("cpuprofile", "", "write a CPU profile of this process (API, worker, client) to this file")
	temporal := fs.String("temporal", "", "host:port of a running Temporal frontend to use (e.g. make temporal-postgres) instead of starting the dev server")
	namespace := fs.String("namespace", "", "Temporal namespace; empty: default on the dev server, a new one per run (bench-<run>) with -temporal")
	open := fs.Int("open", 0, "instead of the throughput run: bring this many cases to a waiting human step and measure memory, disk, inbox and reminder lateness (docs/BENCHMARKS.md)")
	advance := fs.Int("advance", 20, "with -open: cases whose draft is completed, so that the leader's inbox holds this many")
	hold := fs.Duration("hold", 3*time.Minute, "with -open: how long the cases stay open after the last one waits, the inboxes read throughout")
	temporalDBs := fs.String("temporal-dbs", "temporal_pg,temporal_pg_visibility", "with -open and -temporal: Temporal's Postgres databases (on JIANDU_DATABASE_URL's server) whose size is measured")
	devMem := fs.Bool("dev-in-memory", false, "with -open on the dev server: keep its state in memory (faster; its disk is not measured)")
	sample := fs.Int("history-sample", 1000, "with -open: histories read for the timer lateness")
	openRate := fs.Float64("open-rate", 0, "with -open: start at most this many cases per second (0: as fast as they go); with a time scale it sets the rate at which their reminders fall due")
	wftPollers := fs.Int("workflow-pollers", 0, "the Jiandu worker's workflow task pollers (0: the SDK's default, 2)")
	compression := fs.String("grpc-compression", cfg.TemporalCompression, "gRPC compression of the run's Temporal client: gzip or none (default: JIANDU_TEMPORAL_COMPRESSION)")
	actPollers := fs.Int("activity-pollers", 0, "the Jiandu worker's activity task pollers (0: the SDK's default, 2)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if os.Getenv("JIANDU_LOG_LEVEL") == "" {
		// An access-log line per request would drown the figures.
		log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// JIANDU_DATABASE_URL picks Postgres; the dev default (a SQLite file in .data) is not used,
	// so a bench never writes its cases into the dev database.
	// JIANDU_AUDIT_KEYS when set (a bench on a database that is kept); else bench.Run makes a
	// throwaway key.
	if err := useAuditKeys(cfg); err != nil {
		return err
	}
	dbURL := os.Getenv("JIANDU_DATABASE_URL")
	progress := io.Writer(os.Stderr)
	opts := bench.Options{
		Cases: *cases, Concurrency: *conc, TimeScale: *scale, DatabaseURL: dbURL, Poll: *poll,
		Temporal: *temporal, Namespace: *namespace, Logger: log, Progress: progress,
		Worker:      worker.Tuning{WorkflowTaskPollers: *wftPollers, ActivityTaskPollers: *actPollers},
		Compression: *compression,
	}
	if *open > 0 {
		oo := bench.OpenOptions{Options: opts, Open: *open, Advance: *advance, Hold: *hold, HistorySample: *sample, DevInMemory: *devMem, Rate: *openRate}
		if *temporal != "" && *temporalDBs != "" {
			oo.TemporalDBs = strings.Split(*temporalDBs, ",")
		}
		rep, err := bench.RunOpen(ctx, oo)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, rep)
		}
		return printOpen(stdout, rep)
	}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	return printBench(stdout, rep)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printOpen(w io.Writer, r *bench.OpenReport) error {
	fmt.Fprintf(w, "\n%d open publicity cases (%d at the approval step, the rest at the draft), time scale %g, database %s, Temporal %s (namespace %s)\n\n",
		r.Open, r.Advanced, r.TimeScale, r.Database, r.Temporal, r.Namespace)
	if r.StartRate > 0 {
		fmt.Fprintf(w, "starts paced at %g per second\n", r.StartRate)
	}
	fmt.Fprintf(w, "started in %.1f s (%.1f cases/s, %d failed), held open %.0f s\n\n", r.StartSeconds, r.StartsPerSec, r.StartFailed, r.HoldSeconds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\t\n")
	row := func(name string, s bench.Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, s.Count, s.P50, s.P95, s.P99, s.Max)
	}
	row("REST start", r.Start)
	for _, name := range slices.Sorted(maps.Keys(r.Inbox)) {
		row("inbox "+name, r.Inbox[name])
	}
	row("timer fired after due", r.Timers.Fired)
	row("reminder done after due", r.Timers.Reminded)
	row("  due -> rung scheduled", r.Timers.RungScheduled)
	row("  rung queued", r.Timers.RungQueued)
	row("  rung run", r.Timers.RungRun)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n(timers from %d histories; %d not yet fired)\n", r.Timers.Cases, r.Timers.Pending)
	m, d := r.Memory, r.Disk
	fmt.Fprintf(w, "memory: bench process (API + worker + clients) RSS %.0f -> %.0f MiB (%.1f KiB per case), Go heap %.0f MiB; Temporal dev server RSS %.0f MiB\n",
		m.BenchRSSBefore, m.BenchRSSAfter, m.PerCaseBenchKiB, m.GoHeapAfter, m.TemporalRSS)
	fmt.Fprintf(w, "disk:   Temporal %.1f -> %.1f MiB (%.1f KiB per case), Jiandu %.1f -> %.1f MiB (%.1f KiB per case)\n        %s\n",
		d.TemporalBefore, d.TemporalAfter, d.TemporalPerCase, d.JianduBefore, d.JianduAfter, d.JianduPerCase, d.What)
	return nil
}

func printBench(w io.Writer, r *bench.Report) error {
	fmt.Fprintf(w, "\n%d publicity cases, %d at a time, time scale %g, database %s, Temporal %s (namespace %s, gRPC compression %s)\n\n",
		r.Cases, r.Concurrency, r.TimeScale, r.Database, r.Temporal, r.Namespace, r.Compression)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\tcount\tp50 ms\tp95 ms\tp99 ms\tmax ms\t\n")
	row := func(name string, s bench.Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, s.Count, s.P50, s.P95, s.P99, s.Max)
	}
	row("Jiandu REST start", r.Jiandu.Start)
	row("Jiandu REST inbox list", r.Jiandu.Inbox)
	row("Jiandu REST task completion", r.Jiandu.Complete)
	row("baseline SDK update", r.Baseline.Update)
	row("minimal SDK update", r.Minimal.Update)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nJiandu    %6.2f cases/s  %6.2f tasks/s  (%d cases in %.1f s, %d failed; %d activities, %d updates per case)\n",
		r.Jiandu.CasesPerSec, r.Jiandu.TasksPerSec, r.Cases, r.Jiandu.Seconds, r.Jiandu.Failed, r.Jiandu.Activities, r.Jiandu.Updates)
	fmt.Fprintf(w, "baseline  %6.2f cases/s                  (%d cases in %.1f s, %d failed)\n", r.Baseline.CasesPerSec, r.Cases, r.Baseline.Seconds, r.Baseline.Failed)
	fmt.Fprintf(w, "minimal   %6.2f cases/s  %6.2f tasks/s  (%d cases in %.1f s, %d failed; %d steps per case)\n\n",
		r.Minimal.CasesPerSec, r.Minimal.TasksPerSec, r.Cases, r.Minimal.Seconds, r.Minimal.Failed, r.Minimal.Steps)
	hist := func(h bench.History) string {
		c := func(t string) int { return h.ByType[t] }
		return fmt.Sprintf("%d events (%d workflow tasks, %d activities, %d markers, %d search attribute upserts, %d timers)",
			h.Events, c("WorkflowTaskScheduled"), c("ActivityTaskScheduled"), c("MarkerRecorded"), c("UpsertWorkflowSearchAttributes"), c("TimerStarted"))
	}
	fmt.Fprintf(w, "history per case: Jiandu %s\n                  minimal %s\n\n", hist(r.Jiandu.History), hist(r.Minimal.History))
	cpu := func(c bench.CPU) string {
		return fmt.Sprintf("%.1f ms per task (bench process %.0f ms, Temporal dev server %.0f ms)", c.PerTaskMS, c.BenchMS, c.TemporalMS)
	}
	fmt.Fprintf(w, "CPU: Jiandu  %s\n     minimal %s\n\n", cpu(r.Jiandu.CPU), cpu(r.Minimal.CPU))
	fmt.Fprintf(w, "ratio throughput      %.2f  (Jiandu / baseline; target >= 0.8)\n", r.Ratios.Throughput)
	fmt.Fprintf(w, "ratio completion p50  %.2f\n", r.Ratios.CompletionP50)
	fmt.Fprintf(w, "ratio completion p99  %.2f  (target <= 1.3)\n", r.Ratios.CompletionP99)
	fmt.Fprintf(w, "ratio throughput vs minimal      %.2f  (Jiandu / minimal; issue 14 target >= 0.5)\n", r.Ratios.ThroughputMinimal)
	fmt.Fprintf(w, "ratio completion p50 vs minimal  %.2f\n", r.Ratios.CompletionP50VsMinimal)
	fmt.Fprintf(w, "ratio completion p99 vs minimal  %.2f  (issue 14 target <= 1.3)\n", r.Ratios.CompletionP99VsMinimal)
	fmt.Fprintf(w, "ratio CPU per task vs minimal    %.2f\n", r.Ratios.CPUPerTaskVsMinimal)
	fmt.Fprintf(w, "Jiandu tasks/s                   %.2f  (issue 14 target >= 20 on Postgres)\n", r.Jiandu.TasksPerSec)
	return nil
}
