package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/db"
)

const auditUsage = "usage: jiandu audit verify [-case <id>]"

// runAudit is `jiandu audit verify [-case <id>]`: it re-reads the audit trail, checks its hash
// chains, prints a summary or one line per problem, and fails if there is any problem.
func runAudit(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(auditUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	caseID := fs.String("case", "", "check only this case's chain")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(auditUsage)
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
	if *caseID != "" {
		rep, err = audit.VerifyCase(ctx, gdb, *caseID)
	} else {
		rep, err = audit.Verify(ctx, gdb)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, p)
		}
		return fmt.Errorf("audit trail broken: %d problem(s) in %d events", len(rep.Problems), rep.Events)
	}
	if *caseID != "" {
		if rep.Events == 0 {
			return fmt.Errorf("no audit events for case %q", *caseID)
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
