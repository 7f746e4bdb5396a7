package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
)

// runDev starts the whole stack on one machine: the Temporal dev server (a child process), and
// the worker and API in this process, with demo data. It stops everything when ctx ends.
func runDev(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	if cfg.JWTSecret == "" {
		secret, err := devSecret(filepath.Join(cfg.DataDir, "dev-jwt-secret"))
		if err != nil {
			return err
		}
		cfg.JWTSecret = secret
	}
	if cfg.ReporterKeys == "" {
		// One key per data directory, like the JWT secret: reports and encrypted payloads
		// written in earlier runs stay readable.
		key, err := devReporterKey(filepath.Join(cfg.DataDir, "dev-reporter-key"))
		if err != nil {
			return err
		}
		cfg.ReporterKeys = key
		if cfg.PayloadKeys == "" {
			cfg.PayloadKeys = key
		}
	}
	if cfg.AuditKeys == "" {
		// One key per data directory too: the trail written in earlier runs keeps verifying.
		key, err := devReporterKey(filepath.Join(cfg.DataDir, "dev-audit-key"))
		if err != nil {
			return err
		}
		cfg.AuditKeys = key
	}
	if os.Getenv("JIANDU_COOKIE_SECURE") == "" {
		cfg.CookieSecure = false // the dev stack serves plain http://localhost
	}
	if cfg.TemporalUIURL == "" {
		cfg.TemporalUIURL = fmt.Sprintf("http://127.0.0.1:%d", cfg.DevUIPort)
	}
	webPassword, err := devWebPassword(filepath.Join(cfg.DataDir, "dev-web-password"))
	if err != nil {
		return err
	}
	bin, err := devstack.TemporalBinary(ctx, log)
	if err != nil {
		return err
	}
	cfg.TemporalAddress = fmt.Sprintf("127.0.0.1:%d", cfg.DevTemporalPort)
	if err := portsFree(cfg); err != nil {
		return err
	}
	temporalLog, err := os.OpenFile(filepath.Join(cfg.DataDir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer temporalLog.Close()
	dev, err := devstack.Start(ctx, devstack.Options{
		Binary:    bin,
		Address:   cfg.TemporalAddress,
		Namespace: cfg.Namespace,
		DBFile:    filepath.Join(cfg.DataDir, "temporal.db"),
		UIPort:    cfg.DevUIPort,
		// The UI is served under /temporal and reverse-proxied there by the API behind its
		// login; it decodes payloads through the API's /codec on the same origin, with the
		// official's session cookie (the CLI: --codec-auth "Bearer <token>").
		UICodecEndpoint: "http://" + uiReachable(cfg.HTTPAddr) + "/codec",
		UIPublicPath:    "/temporal",
		Output:          temporalLog,
		Logger:          log,
		Compression:     cfg.TemporalCompression,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := dev.Stop(); err != nil {
			log.Warn("temporal dev server stop", "err", err)
		}
	}()
	if err := temporalconn.EnsureSearchAttributes(ctx, dev.Client(), cfg.Namespace); err != nil {
		return err
	}

	p, err := openProcess(cfg, log)
	if err != nil {
		return err
	}
	defer p.close()
	if err := schemas.Migrate(p.db.WithContext(ctx)); err != nil {
		return err
	}
	if err := demo.Seed(p.db.WithContext(ctx)); err != nil {
		return err
	}
	for _, o := range demo.Officials {
		if err := api.SetPassword(ctx, p.db, o.ID, webPassword, false); err != nil {
			return fmt.Errorf("demo password for %s: %w", o.ID, err)
		}
	}

	// The cycle schedules, as `jiandu migrate` makes them (visible in the Temporal UI's Schedules).
	if _, err := cycles.Ensure(ctx, p.temporal, p.db, cycles.Registered(), cfg.TaskQueue, cycles.Policy{Catchup: cfg.CycleCatchup}); err != nil {
		return fmt.Errorf("cycle schedules: %w", err)
	}

	w, err := startWorker(cfg, log, p)
	if err != nil {
		return err
	}
	defer w.Stop()

	hs, err := newAPI(cfg, log, p)
	if err != nil {
		return err
	}
	stop := startDispatcher(ctx, cfg, log, p)
	defer stop()
	if err := printBanner(stdout, cfg, webPassword); err != nil {
		return err
	}
	return serveAPI(ctx, cfg, hs, p, log)
}

// portsFree refuses to start when a port of the stack is taken: otherwise the dev server's
// frontend would fail to bind while the worker attached itself to whatever answers there.
func portsFree(cfg config.Config) error {
	ports := []struct{ name, addr string }{
		{"JIANDU_DEV_TEMPORAL_PORT", cfg.TemporalAddress},
		{"JIANDU_DEV_UI_PORT", fmt.Sprintf("127.0.0.1:%d", cfg.DevUIPort)},
		{"JIANDU_HTTP_ADDR", cfg.HTTPAddr},
	}
	for _, p := range ports {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("%s is in use (%s): stop what listens there or set %s to another port: %w", p.addr, p.name, p.name, err)
		}
		_ = ln.Close()
	}
	return nil
}

// devReporterKey keeps one random 32-byte key ("dev:<base64>") per data directory, in the file
// path: the reporter key (AES-256) and the audit key (HMAC-SHA256).
func devReporterKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if k := strings.TrimSpace(string(b)); k != "" {
			return k, nil
		}
	}
	k, err := secrets.NewKey("dev")
	if err != nil {
		return "", err
	}
	return k, os.WriteFile(path, []byte(k+"\n"), 0o600)
}

// uiReachable turns a listen address (":8080") into one a browser can reach.
func uiReachable(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}

// devSecret keeps one random HS256 secret per data directory, so printed tokens survive restarts.
func devSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	s := hex.EncodeToString(b[:])
	return s, os.WriteFile(path, []byte(s+"\n"), 0o600)
}

// devWebPassword keeps one random web password for the demo officials per data directory.
func devWebPassword(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= auth.MinPasswordLen {
		return strings.TrimSpace(string(b)), nil
	}
	pw := auth.RandomPassword()
	return pw, os.WriteFile(path, []byte(pw+"\n"), 0o600)
}

func printBanner(w io.Writer, cfg config.Config, webPassword string) error {
	keys, err := auth.LoadKeys(cfg.JWTSecret, "", "", cfg.JWTIssuer)
	if err != nil {
		return err
	}
	host := cfg.HTTPAddr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	fmt.Fprintf(w, "\nJiandu dev stack is up.\n\n")
	fmt.Fprintf(w, "  Web inbox    http://%s/web/   (12380 public page: http://%s/12380)\n", host, host)
	fmt.Fprintf(w, "  API          http://%s/api/v1   (spec: http://%s/openapi.yaml)\n", host, host)
	fmt.Fprintf(w, "  Ready        http://%s/readyz\n", host)
	fmt.Fprintf(w, "  Temporal UI  http://%s/temporal/   (behind the web login: root-office supervisors, e.g. wang.jian)\n", host)
	fmt.Fprintf(w, "  Temporal     %s  namespace %s  task queue %s\n", cfg.TemporalAddress, cfg.Namespace, cfg.TaskQueue)
	fmt.Fprintf(w, "  Database     %s\n\n", redactURL(cfg.DatabaseURL))
	fmt.Fprintf(w, "Demo officials: log in to the web inbox with the id and the password below; bearer tokens valid %s:\n\n", cfg.TokenTTL)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	now := time.Now()
	for _, o := range demo.Officials {
		tok, err := keys.Issue(o.ID, now, cfg.TokenTTL)
		if err != nil {
			return err
		}
		titles := make([]string, len(o.Roles))
		for i, r := range o.Roles {
			titles[i] = r.Title()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tpassword %s\t%s\n", o.ID, o.Name, strings.Join(titles, ","), o.OrgUnitID, webPassword, tok)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTry: curl -H \"Authorization: Bearer <token>\" http://%s/api/v1/me\nCtrl-C stops everything.\n", host)
	return nil
}

// redactURL hides a password in a database URL before it is printed.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":***" + u[at:]
	}
	return u
}
