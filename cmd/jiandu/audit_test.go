package main

import (
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
	// run returns the command's output and exit status.
	run := func(t *testing.T, url string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"audit"}, args...)...)
		cmd.Env = append(os.Environ(), "JIANDU_DATABASE_URL="+url, "JIANDU_LOG_LEVEL=info")
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
