package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
)

func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	skipTemporal := fs.Bool("skip-temporal", false, "only migrate the database; do not register search attributes or cycle schedules")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gdb, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := schemas.Migrate(gdb.WithContext(ctx)); err != nil {
		return err
	}
	log.Info("database migrated", "version", schemas.LatestVersion())
	if *skipTemporal {
		return nil
	}
	tc, err := temporalconn.Dial(temporalconn.Options{Address: cfg.TemporalAddress, Namespace: cfg.Namespace, Logger: log, Compression: cfg.TemporalCompression,
		PayloadKeys: cfg.PayloadKeys})
	if err != nil {
		return err
	}
	defer tc.Close()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := temporalconn.EnsureSearchAttributes(tctx, tc, cfg.Namespace); err != nil {
		return fmt.Errorf("%w (use -skip-temporal to migrate the database alone)", err)
	}
	log.Info("search attributes registered", "namespace", cfg.Namespace)
	// The cycle schedules: one per periodic process per organization department (internal/cycles).
	res, err := cycles.Ensure(ctx, tc, gdb, cycles.Registered(), cfg.TaskQueue, cycles.Policy{Catchup: cfg.CycleCatchup})
	if err != nil {
		return fmt.Errorf("cycle schedules: %w", err)
	}
	log.Info("cycle schedules ensured", "created", res.Created, "updated", res.Updated, "catchup", cfg.CycleCatchup)
	return nil
}

func runToken(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	ttl := fs.Duration("ttl", cfg.TokenTTL, "token lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: jiandu token [-ttl 12h] <official-id>")
	}
	id := fs.Arg(0)
	gdb, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	var o schemas.Official
	if err := gdb.WithContext(ctx).First(&o, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("no official %q", id)
		}
		return err
	}
	if o.Disabled {
		return fmt.Errorf("official %q is disabled", id)
	}
	keys, err := auth.LoadKeys(cfg.JWTSecret, cfg.JWTPublicKey, cfg.JWTPrivateKey, cfg.JWTIssuer)
	if err != nil {
		return err
	}
	tok, err := keys.Issue(id, time.Now(), *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
