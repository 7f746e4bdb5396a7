// Command jiandu is the one binary of Jiandu: the dev stack, the api and worker processes, and
// the operator commands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/jiandu/jiandu/internal/config"
)

const usage = `jiandu — cadre supervision processes on Temporal

usage: jiandu <command> [flags]

commands:
  dev       start Temporal dev server, worker and API in one process tree, with demo data
  api       run the REST API (production; configured by JIANDU_* variables)
  worker    run the Temporal worker (production)
  migrate   apply database migrations and register Temporal search attributes
  bootstrap create the root org unit and first administrator of a new database:
            jiandu bootstrap -org-id 150000 -org-name 内蒙古自治区党委组织部
  token     issue a bearer token for an official: jiandu token <official-id>
  password  set an official's web password (a temporary one, printed once, changed at first login):
            jiandu password [-stdin] [-no-change] <official-id>
  audit     verify the keyed hash chains of the audit trail: jiandu audit verify [-case <id> | -admin] [-no-legacy]
  bench     measure cases/s and REST latency against bare Temporal: jiandu bench [-cases 100 -concurrency 10 -json]
  version   print the commit, build time, Go and Temporal SDK versions of this binary
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], os.Args[2:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jiandu:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string, stdout io.Writer) error {
	if cmd == "version" || cmd == "-version" || cmd == "--version" {
		return runVersion(stdout) // needs no configuration
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	switch cmd {
	case "dev":
		return runDev(ctx, cfg, log, stdout)
	case "api":
		return runAPI(ctx, cfg, log)
	case "worker":
		return runWorker(ctx, cfg, log)
	case "migrate":
		return runMigrate(ctx, cfg, log, args)
	case "bootstrap":
		return runBootstrap(ctx, cfg, args, stdout)
	case "token":
		return runToken(ctx, cfg, args, stdout)
	case "password":
		return runPassword(ctx, cfg, args, os.Stdin, stdout)
	case "audit":
		return runAudit(ctx, cfg, args, stdout)
	case "bench":
		return runBench(ctx, cfg, log, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
