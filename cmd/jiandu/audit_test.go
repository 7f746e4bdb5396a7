package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestAuditVerify runs `jiandu audit verify` on a trail before and after a row is edited.
func TestAuditVerify(t *testing.T) {
	bin := buildJiandu(t)
	run := func(t *testing.T, url string, args ...string) (string, int) {
		t.Helper()
		return runAuditCmd(t, bin, url, nil, args...)
	}
	runEnv := func(t *testing.T, url string, env []string, args ...string) (string, int) {
		t.Helper()
		return runAuditCmd(t, bin, url, env, args...)
	}

	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		if out, code := run(t, url, "verify"); code != 0 || !strings.Contains(out, "audit trail intact: 0 events in 0 cases") {
			t.Fatalf("empty trail: exit %d\n%s", code, out)
		}
		var evs []schemas.AuditEvent
		at := time.Now()
		for i := range 6 {
			ev := schemas.AuditEvent{
				CaseID: fmt.Sprintf("JD-%d", i%2), At: at.Add(time.Duration(i) * time.Second),
				Actor: "official", Action: "task.completed", Detail: fmt.Sprintf(`{"n":%d}`, i),
				DedupKey: fmt.Sprintf("k%d", i),
			}
			if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Append(tx, &ev) }); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}

		out, code := run(t, url, "verify")
		if code != 0 || !strings.Contains(out, "audit trail intact: 6 events in 2 cases") ||
			!strings.Contains(out, evs[5].GlobalHash) {
			t.Fatalf("intact trail: exit %d\n%s", code, out)
		}
		if out, code := run(t, url, "verify", "-case", "JD-1"); code != 0 || !strings.Contains(out, "intact: 3 events") {
			t.Fatalf("intact case: exit %d\n%s", code, out)
		}
		if out, code := run(t, url, "verify", "-case", "JD-none"); code == 0 {
			t.Fatalf("unknown case: exit 0\n%s", out)
		}
		if out, code := run(t, url); code == 0 || !strings.Contains(out, "usage: jiandu audit verify") {
			t.Fatalf("no subcommand: exit %d\n%s", code, out)
		}

		victim := evs[3] // JD-1, seq 2
		if err := gdb.Exec("UPDATE audit_events SET detail = ? WHERE id = ?", `{"n":99}`, victim.ID).Error; err != nil {
			t.Fatal(err)
		}
		mark := fmt.Sprintf("event %d ", victim.ID)
		out, code = run(t, url, "verify")
		if code == 0 || !strings.Contains(out, mark) || strings.Contains(out, "intact") {
			t.Fatalf("tampered trail: exit %d, want non-zero and %q\n%s", code, mark, out)
		}
		t.Logf("tampered trail: exit %d\n%s", code, out)
		if out, code := run(t, url, "verify", "-case", "JD-1"); code == 0 || !strings.Contains(out, mark) {
			t.Fatalf("tampered case: exit %d\n%s", code, out)
		}
		if out, code := run(t, url, "verify", "-case", "JD-0"); code != 0 {
			t.Fatalf("untouched case: exit %d\n%s", code, out)
		}

		// Without the key the trail cannot be checked at all.
		if out, code := runEnv(t, url, []string{"JIANDU_AUDIT_KEYS=", "JIANDU_DATA_DIR=" + t.TempDir()}, "verify"); code == 0 ||
			!strings.Contains(out, "JIANDU_AUDIT_KEYS") {
			t.Fatalf("no key: exit %d\n%s", code, out)
		}
	})

	// A mistyped SQLite path is reported, not created.
	missing := filepath.Join(t.TempDir(), "nope.db")
	if out, code := run(t, missing, "verify"); code == 0 || !strings.Contains(out, "no database") {
		t.Fatalf("missing database: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("audit verify created the missing database file")
	}
}

// TestAuditVerifyRehashed: a database admin without the audit key rewrites a row's detail and
// recomputes the plain SHA-256 chain from it to the end of the trail, so every link holds;
// `jiandu audit verify` names that row. Rows from before the chains were keyed verify as
// legacy rows and say so.
func TestAuditVerifyRehashed(t *testing.T) {
	bin := buildJiandu(t)
	runEnv := func(t *testing.T, url string, env []string, args ...string) (string, int) {
		t.Helper()
		return runAuditCmd(t, bin, url, env, args...)
	}
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		// Two legacy rows, as written before migration 10 (no key id, plain SHA-256).
		prevCase, prevGlobal := "", ""
		for i := range 2 {
			ev := schemas.AuditEvent{CaseID: "JD-old", CaseSeq: i + 1, At: time.Now().UTC().Truncate(time.Microsecond),
				Actor: "official", Action: "task.completed", Detail: fmt.Sprint(i), DedupKey: fmt.Sprintf("old%d", i),
				PrevHash: prevCase, GlobalPrevHash: prevGlobal}
			ev.Hash = plainHash(ev.PrevHash, &ev)
			ev.GlobalHash = plainGlobal(ev.GlobalPrevHash, ev.Hash)
			if err := gdb.Create(&ev).Error; err != nil {
				t.Fatal(err)
			}
			prevCase, prevGlobal = ev.Hash, ev.GlobalHash
		}
		var evs []schemas.AuditEvent
		for i := range 5 {
			ev := schemas.AuditEvent{CaseID: fmt.Sprintf("JD-%d", i%2), At: time.Now(), Actor: "official",
				Action: "task.completed", Detail: fmt.Sprintf(`{"n":%d}`, i), DedupKey: fmt.Sprintf("k%d", i)}
			if err := audit.Append(gdb, &ev); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}
		out, code := runEnv(t, url, nil, "verify")
		if code != 0 || !strings.Contains(out, "audit trail intact: 7 events") || !strings.Contains(out, "legacy rows: 2") {
			t.Fatalf("intact trail with legacy rows: exit %d\n%s", code, out)
		}
		if out, code := runEnv(t, url, nil, "verify", "-no-legacy"); code == 0 || !strings.Contains(out, "unkeyed row") {
			t.Fatalf("-no-legacy: exit %d\n%s", code, out)
		}

		// The attacker rewrites evs[2] and rehashes every row from it on.
		var rows []schemas.AuditEvent
		if err := gdb.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		caseHead, globalHead := map[string]string{}, ""
		for _, row := range rows {
			if row.ID >= evs[2].ID {
				if row.ID == evs[2].ID {
					row.Detail = `{"n":99}`
				}
				row.PrevHash, row.GlobalPrevHash = caseHead[row.CaseID], globalHead
				row.Hash = plainHash(row.PrevHash, &row)
				row.GlobalHash = plainGlobal(row.GlobalPrevHash, row.Hash)
				if err := gdb.Exec("UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ?, global_prev_hash = ?, global_hash = ? WHERE id = ?",
					row.Detail, row.PrevHash, row.Hash, row.GlobalPrevHash, row.GlobalHash, row.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			caseHead[row.CaseID], globalHead = row.Hash, row.GlobalHash
		}
		mark := fmt.Sprintf("event %d (case %s, seq %d): hash mismatch", evs[2].ID, evs[2].CaseID, evs[2].CaseSeq)
		out, code = runEnv(t, url, nil, "verify")
		if code == 0 || !strings.Contains(out, mark) || strings.Contains(out, "chain break") {
			t.Fatalf("rewritten and rehashed row: exit %d, want non-zero and %q\n%s", code, mark, out)
		}
		t.Logf("rewritten and rehashed row:\n%s", out)
		if out, code := runEnv(t, url, nil, "verify", "-case", evs[2].CaseID); code == 0 || !strings.Contains(out, mark) {
			t.Fatalf("rewritten and rehashed row, its case: exit %d\n%s", code, out)
		}
	})
}

// runAuditCmd runs `jiandu audit <args>` on url with the test's environment (its audit key
// included, see testenv) plus env, and returns the output and exit status.
func runAuditCmd(t *testing.T, bin, url string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"audit"}, args...)...)
	cmd.Env = append(append(os.Environ(), "JIANDU_DATABASE_URL="+url, "JIANDU_LOG_LEVEL=info"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	default:
		t.Fatalf("run jiandu audit: %v", err)
		return "", -1
	}
}

// plainHash and plainGlobal are the unkeyed SHA-256 chain (internal/audit's legacy format),
// all that someone without the audit key can compute.
func plainHash(prev string, ev *schemas.AuditEvent) string {
	var b strings.Builder
	for _, f := range []string{ev.CaseID, fmt.Sprint(ev.CaseSeq), ev.At.UTC().Format(time.RFC3339Nano), ev.Actor, ev.Action, ev.TaskID, ev.Detail} {
		fmt.Fprintf(&b, "%d:%s,", len(f), f)
	}
	sum := sha256.Sum256([]byte(prev + "\n" + b.String()))
	return hex.EncodeToString(sum[:])
}

func plainGlobal(prev, hash string) string {
	sum := sha256.Sum256([]byte(prev + "\n" + hash))
	return hex.EncodeToString(sum[:])
}
