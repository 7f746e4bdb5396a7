// Package devstack runs the local Temporal dev server that `jiandu dev` and the end-to-end tests
// use: the CLI pinned in tools/temporal, built once and cached under .data/bin.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/jiandu/jiandu/internal/temporalconn"
)

// ModuleRoot walks up from the working directory to the directory that holds
// tools/temporal/go.mod: the root of the Jiandu source tree.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "temporal", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the Jiandu source tree (no tools/temporal/go.mod above the working directory)")
		}
		dir = parent
	}
}

// TemporalBinary returns the temporal CLI to run: JIANDU_TEMPORAL_BIN when set, else
// <root>/.data/bin/temporal, built from tools/temporal when missing or older than its go.mod
// or go.sum. The first build takes a few minutes; later ones come from the Go build cache.
func TemporalBinary(ctx context.Context, log *slog.Logger) (string, error) {
	if p := os.Getenv("JIANDU_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, ".data", "bin", "temporal")
	if upToDate(bin, filepath.Join(root, "tools", "temporal", "go.mod"), filepath.Join(root, "tools", "temporal", "go.sum")) {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	log.Info("building the Temporal CLI from tools/temporal (the first build takes a few minutes)")
	// Build beside the target and rename, so a concurrent reader never sees half a binary.
	tmp := bin + ".tmp" + strconv.Itoa(os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, "github.com/temporalio/cli/cmd/temporal")
	cmd.Dir = filepath.Join(root, "tools", "temporal")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("build temporal CLI: %w", err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

func upToDate(target string, sources ...string) bool {
	t, err := os.Stat(target)
	if err != nil {
		return false
	}
	for _, s := range sources {
		if st, err := os.Stat(s); err == nil && st.ModTime().After(t.ModTime()) {
			return false
		}
	}
	return true
}

// Options configure the dev server.
type Options struct {
	Binary    string
	Address   string // host:port of the frontend; empty picks a free port
	Namespace string
	DBFile    string // SQLite file; empty keeps everything in memory
	UIPort    int    // 0 runs headless
	Output    io.Writer
	Logger    *slog.Logger
	// UICodecEndpoint, when set, is where the UI decodes encrypted payloads (the API's /codec).
	UICodecEndpoint string
	// UIPublicPath, when set (e.g. "/temporal"), serves the UI under that path, so the API can
	// reverse-proxy it behind its login.
	UIPublicPath string
	// Compression is the gRPC compression of the client the dev server hands out
	// (temporalconn.Connection): "gzip" or "" by default, "none".
	Compression string
}

// Start runs the dev server and waits until it answers. Stop it with (*DevServer).Stop.
func Start(ctx context.Context, o Options) (*testsuite.DevServer, error) {
	conn, err := temporalconn.Connection(o.Compression)
	if err != nil {
		return nil, err
	}
	copts := &client.Options{HostPort: o.Address, Namespace: o.Namespace, ConnectionOptions: conn}
	if o.Logger != nil {
		copts.Logger = sdklog.NewStructuredLogger(o.Logger.With("component", "temporal-devserver"))
	}
	opts := testsuite.DevServerOptions{
		ExistingPath:  o.Binary,
		ClientOptions: copts,
		DBFilename:    o.DBFile,
		LogLevel:      "error",
		Stdout:        o.Output,
		Stderr:        o.Output,
	}
	if o.UIPort > 0 {
		opts.EnableUI = true
		opts.UIPort = strconv.Itoa(o.UIPort)
		if o.UICodecEndpoint != "" {
			opts.ExtraArgs = append(opts.ExtraArgs, "--ui-codec-endpoint", o.UICodecEndpoint)
		}
		if o.UIPublicPath != "" {
			opts.ExtraArgs = append(opts.ExtraArgs, "--ui-public-path", o.UIPublicPath)
		}
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return nil, err
		}
	}
	srv, err := testsuite.StartDevServer(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	return srv, nil
}
