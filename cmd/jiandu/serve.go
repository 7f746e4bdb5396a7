package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// process holds what the api and worker share: database, Temporal client, metrics.
type process struct {
	db       *gorm.DB
	temporal client.Client
	registry *prometheus.Registry
	close    func()
}

func openProcess(cfg config.Config, log *slog.Logger) (*process, error) {
	if err := useAuditKeys(cfg); err != nil {
		return nil, err
	}
	gdb, err := db.OpenWith(cfg.DatabaseURL, cfg.DB)
	if err != nil {
		return nil, err
	}
	reg := metrics.NewRegistry()
	handler, stopMetrics := metrics.TemporalHandler(reg)
	tc, err := temporalconn.Dial(temporalconn.Options{
		Address: cfg.TemporalAddress, Namespace: cfg.Namespace, Logger: log, Metrics: handler,
		PayloadKeys: cfg.PayloadKeys, Compression: cfg.TemporalCompression,
	})
	if err != nil {
		stopMetrics()
		_ = db.Close(gdb)
		return nil, err
	}
	return &process{db: gdb, temporal: tc, registry: reg, close: func() {
		tc.Close()
		stopMetrics()
		_ = db.Close(gdb)
	}}, nil
}

// useAuditKeys makes JIANDU_AUDIT_KEYS the keys this process writes and verifies the audit
// trail with. Without it nothing can be appended to the trail (audit.ErrNoKeys).
func useAuditKeys(cfg config.Config) error {
	if cfg.AuditKeys == "" {
		return nil
	}
	keys, err := audit.ParseKeys(cfg.AuditKeys)
	if err != nil {
		return fmt.Errorf("JIANDU_AUDIT_KEYS: %w", err)
	}
	audit.UseKeys(keys)
	return nil
}

// checkSchema refuses to serve a database that `jiandu migrate` has not brought up to date.
// openMigrated opens the process's connections once the database schema is current.
func openMigrated(cfg config.Config, log *slog.Logger) (*process, error) {
	p, err := openProcess(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(p.db); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func checkSchema(gdb *gorm.DB) error {
	v, err := schemas.AppliedVersion(gdb)
	if err != nil {
		return fmt.Errorf("read schema version (run `jiandu migrate`): %w", err)
	}
	if v < schemas.LatestVersion() {
		return fmt.Errorf("database schema is at version %d, this build needs %d: run `jiandu migrate`", v, schemas.LatestVersion())
	}
	return nil
}

func newAPI(cfg config.Config, log *slog.Logger, p *process) (*http.Server, error) {
	keys, err := auth.LoadKeys(cfg.JWTSecret, cfg.JWTPublicKey, cfg.JWTPrivateKey, cfg.JWTIssuer)
	if err != nil {
		return nil, err
	}
	reports, err := reportDeps(cfg)
	if err != nil {
		return nil, err
	}
	store, err := files.Open(context.Background(), blobConfig(cfg), reports.ReporterKeys)
	if err != nil {
		return nil, err
	}
	deps := api.Deps{
		Files: api.FilesDeps{Store: store, MaxBytes: cfg.FileMaxBytes},
		DB:    p.db, Temporal: p.temporal, Keys: keys, Logger: log,
		Registry: p.registry, MaxBodyBytes: cfg.MaxBodyBytes, TaskQueue: cfg.TaskQueue,
		Reports: reports, MetricsElsewhere: cfg.APIMetricsAddr != "",
		Web: api.WebDeps{
			CookieSecure: cfg.CookieSecure, SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle,
			TemporalUIURL: cfg.TemporalUIURL, Namespace: cfg.Namespace,
		},
	}
	if cfg.OIDCIssuer != "" {
		deps.Web.OIDC = &api.OIDCConfig{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.OIDCRedirectURL, Claim: cfg.OIDCClaim}
	}
	srv := api.New(deps)
	return &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}, nil
}

func runAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := cfg.RequireJWTKey(); err != nil {
		return err
	}
	if err := cfg.RequireAuditKeys(); err != nil {
		return err
	}
	p, err := openMigrated(cfg, log)
	if err != nil {
		return err
	}
	defer p.close()
	hs, err := newAPI(cfg, log, p)
	if err != nil {
		return err
	}
	stop := startDispatcher(ctx, cfg, log, p)
	defer stop()
	// Case rows of workflows that Temporal ended without them (terminated, timed out) are
	// closed within a minute, even if nobody reads the case (api/reconcile.go).
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go api.RunSweeper(sweepCtx, p.db, p.temporal, log, time.Minute)
	log.Info("api listening", "addr", cfg.HTTPAddr)
	return serveAPI(ctx, cfg, hs, p, log)
}

// serveAPI serves the API until ctx ends and, when JIANDU_API_METRICS_ADDR is set, its
// /metrics on that address (the API's own address then has none). Either listener failing
// stops both.
func serveAPI(ctx context.Context, cfg config.Config, hs *http.Server, p *process, log *slog.Logger) error {
	if cfg.APIMetricsAddr == "" {
		return serveUntil(ctx, hs, log)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", api.MetricsHandler(p.registry))
	ms := &http.Server{Addr: cfg.APIMetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("api metrics listening", "addr", cfg.APIMetricsAddr)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	metricsDone := make(chan error, 1)
	go func() { metricsDone <- serveUntil(ctx, ms, log); cancel() }()
	err := serveUntil(ctx, hs, log)
	cancel()
	return errors.Join(err, <-metricsDone)
}

func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := cfg.RequireAuditKeys(); err != nil {
		return err
	}
	p, err := openMigrated(cfg, log)
	if err != nil {
		return err
	}
	defer p.close()
	w, err := startWorker(cfg, log, p)
	if err != nil {
		return err
	}
	defer w.Stop()
	log.Info("worker polling", "task_queue", cfg.TaskQueue, "namespace", cfg.Namespace)
	if cfg.MetricsAddr == "" {
		<-ctx.Done()
		return nil
	}
	// One listener for Prometheus and the kubelet's probes. /healthz answers while the process
	// runs (liveness: an outage of Postgres or Temporal must not restart every worker);
	// /readyz answers 200 only while the database and the Temporal frontend both answer within
	// 2 s, else 503. The body names which check failed, never the error: the port is reachable
	// by the scraper, so the error text goes to the log only.
	reply := func(w http.ResponseWriter, code int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, `{"status":"ok"}`+"\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		dbState, temporalState := "ok", "ok"
		sqlDB, err := p.db.DB()
		if err == nil {
			err = sqlDB.PingContext(rctx)
		}
		if err == nil {
			// A ping can succeed on a pooled connection to a file that is gone; a query cannot.
			err = p.db.WithContext(rctx).Exec("SELECT 1 FROM schema_migrations LIMIT 1").Error
		}
		if err != nil {
			dbState = "unavailable"
			log.WarnContext(rctx, "worker not ready: database", "err", err)
		}
		if _, err := p.temporal.CheckHealth(rctx, &client.CheckHealthRequest{}); err != nil {
			temporalState = "unavailable"
			log.WarnContext(rctx, "worker not ready: temporal", "err", err)
		}
		status, code := "ready", http.StatusOK
		if dbState != "ok" || temporalState != "ok" {
			status, code = "unavailable", http.StatusServiceUnavailable
		}
		reply(w, code, fmt.Sprintf(`{"status":%q,"checks":{"database":%q,"temporal":%q}}`+"\n",
			status, dbState, temporalState))
	})
	hs := &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("worker metrics and probes listening", "addr", cfg.MetricsAddr, "paths", "/metrics /healthz /readyz")
	return serveUntil(ctx, hs, log)
}

// startDispatcher runs this api process's notification dispatcher (each api process runs one;
// they share the work safely). stop ends it and waits, so it is done before the database closes.
func startDispatcher(ctx context.Context, cfg config.Config, log *slog.Logger, p *process) (stop func()) {
	d := &notify.Dispatcher{DB: p.db, WebhookURL: cfg.NotifyWebhookURL, WebhookSecret: []byte(cfg.NotifyWebhookSecret),
		Client: &http.Client{Timeout: 10 * time.Second}, Logger: log}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	return func() { cancel(); <-done }
}

// startWorker starts polling the task queue with every workflow and activity registered.
func startWorker(cfg config.Config, log *slog.Logger, p *process) (sdkworker.Worker, error) {
	if cfg.TimeScale > 1 {
		log.Warn("JIANDU_TIME_SCALE compresses every deadline; for demos and tests only", "factor", cfg.TimeScale)
	}
	w := worker.New(p.temporal, cfg.TaskQueue, &activities.Activities{DB: p.db, Logger: log, TimeScale: cfg.TimeScale})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// serveUntil serves hs until ctx ends, then drains in-flight requests for up to 15 seconds.
func serveUntil(ctx context.Context, hs *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", hs.Addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "addr", hs.Addr)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// reportDeps builds the API's whistleblower-confidentiality settings from the configuration.
func reportDeps(cfg config.Config) (api.ReportDeps, error) {
	d := api.ReportDeps{CodecCORSOrigin: cfg.CodecCORSOrigin, ClientIPHeader: cfg.PublicClientIPHeader}
	for _, r := range strings.Split(cfg.EngineViewRoles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			d.EngineViewRoles = append(d.EngineViewRoles, schemas.Role(r))
		}
	}
	if err := schemas.Roles(d.EngineViewRoles).Validate(); err != nil {
		return d, fmt.Errorf("JIANDU_ENGINE_VIEW_ROLES: %w", err)
	}
	if cfg.ReporterKeys != "" {
		ring, err := secrets.Parse(cfg.ReporterKeys)
		if err != nil {
			return d, fmt.Errorf("JIANDU_REPORTER_KEYS: %w", err)
		}
		d.ReporterKeys = ring
	}
	if cfg.PayloadKeys != "" {
		ring, err := secrets.Parse(cfg.PayloadKeys)
		if err != nil {
			return d, fmt.Errorf("JIANDU_PAYLOAD_KEYS: %w", err)
		}
		d.PayloadCodec = codec.New(ring)
	}
	return d, nil
}

// blobConfig is where the documents' blobs are (internal/files).
func blobConfig(cfg config.Config) files.Config {
	return files.Config{URL: cfg.BlobURL, DataDir: cfg.DataDir, AccessKey: cfg.BlobAccessKey, SecretKey: cfg.BlobSecretKey}
}
