package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/secrets"
)

const auditUsage = "usage: jiandu audit verify [-case <id> | -admin] [-no-legacy]"

// runAudit is `jiandu audit verify [-case <id> | -admin] [-no-legacy]`: it re-reads the audit
// trail (or one case's chain, or the admin trail), checks its keyed hash chains with
// JIANDU_AUDIT_KEYS, prints a summary or one line per problem, and fails if there is any
// problem. Rows written before the chains were keyed are counted and named as legacy rows.
func runAudit(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(auditUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	caseID := fs.String("case", "", "check only this case's chain")
	admin := fs.Bool("admin", false, "check only the admin trail (changes to officials, org units, calendar)")
	noLegacy := fs.Bool("no-legacy", false, "treat rows without a key id (written before the chains were keyed) as problems")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 || (*admin && *caseID != "") {
		return errors.New(auditUsage)
	}
	if *admin {
		*caseID = audit.AdminTrail
	}
	keys, err := auditKeys(cfg, stdout)
	if err != nil {
		return err
	}
	if !db.IsPostgres(cfg.DatabaseURL) {
		// db.Open would create a missing SQLite file, and then report a missing table.
		path := strings.TrimPrefix(cfg.DatabaseURL, "sqlite:")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("no database at %s (set JIANDU_DATABASE_URL): %w", path, err)
		}
	}
	gdb, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)

	var rep audit.Report
	opts := audit.Options{NoLegacy: *noLegacy}
	if *caseID != "" {
		rep, err = audit.VerifyCaseWith(ctx, gdb, *caseID, keys, opts)
	} else {
		rep, err = audit.VerifyWith(ctx, gdb, keys, opts)
	}
	if err != nil {
		return err
	}
	if !*admin {
		if err := verifyFiles(ctx, cfg, gdb, *caseID, &rep, stdout); err != nil {
			return err
		}
	}
	if rep.Legacy > 0 {
		fmt.Fprintf(stdout, "legacy rows: %d, the last event %d: written before the chains were keyed, checked with plain SHA-256 only\n",
			rep.Legacy, rep.LastLegacyID)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			if p.EventID == 0 && p.Reason != "" {
				fmt.Fprintln(stdout, p.Reason) // a file's problem (verifyFiles)
				continue
			}
			fmt.Fprintln(stdout, p)
		}
		return fmt.Errorf("audit trail broken: %d problem(s) in %d events", len(rep.Problems), rep.Events)
	}
	if *caseID != "" {
		if rep.Events == 0 {
			return fmt.Errorf("no audit events for case %q", *caseID)
		}
		if *admin {
			fmt.Fprintf(stdout, "admin trail intact: %d events\nadmin chain head: %s\n", rep.Events, rep.Head)
			return nil
		}
		fmt.Fprintf(stdout, "audit trail of case %s intact: %d events\ncase chain head: %s\n", *caseID, rep.Events, rep.Head)
		return nil
	}
	fmt.Fprintf(stdout, "audit trail intact: %d events in %d cases\n", rep.Events, rep.Cases)
	if rep.Events > 0 {
		// The chains cannot show that their newest rows were cut off; a head recorded
		// elsewhere that no longer appears can.
		fmt.Fprintf(stdout, "global chain head: %s\n", rep.Head)
	}
	return nil
}

// auditKeys reads JIANDU_AUDIT_KEYS, or, when it is unset, the key `jiandu dev` keeps in its
// data directory.
func auditKeys(cfg config.Config, stdout io.Writer) (*audit.Keys, error) {
	spec, source := cfg.AuditKeys, "JIANDU_AUDIT_KEYS"
	if spec == "" {
		path := filepath.Join(cfg.DataDir, "dev-audit-key")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, errors.New("set JIANDU_AUDIT_KEYS: the audit trail's chains are keyed and cannot be checked without their keys")
		}
		spec, source = strings.TrimSpace(string(b)), path
		fmt.Fprintf(stdout, "audit keys: %s (jiandu dev)\n", path)
	}
	keys, err := audit.ParseKeys(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return keys, nil
}

// verifyFiles checks the documents' blobs against the SHA-256 their rows and the audit trail
// record (files.Verify); each problem is added to rep.
func verifyFiles(ctx context.Context, cfg config.Config, gdb *gorm.DB, caseID string, rep *audit.Report, stdout io.Writer) error {
	var ring *secrets.KeyRing
	if cfg.ReporterKeys != "" {
		r, err := secrets.Parse(cfg.ReporterKeys)
		if err != nil {
			return fmt.Errorf("JIANDU_REPORTER_KEYS: %w", err)
		}
		ring = r
	}
	store, err := files.Open(ctx, blobConfig(cfg), ring)
	if err != nil {
		return err
	}
	defer store.Close()
	n, problems, err := files.Verify(ctx, gdb, store, caseID)
	if err != nil {
		return fmt.Errorf("verify files: %w", err)
	}
	for _, p := range problems {
		rep.Problems = append(rep.Problems, audit.Problem{CaseID: p.CaseID, Reason: p.String()})
	}
	if len(problems) == 0 && n > 0 {
		fmt.Fprintf(stdout, "files intact: %d\n", n)
	}
	return nil
}
