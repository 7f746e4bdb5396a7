// Package testenv gives tests real parts: a migrated database on each dialect under test and a
// Temporal dev server built from tools/temporal.
//
// Importing it configures the test binary's audit key, as JIANDU_AUDIT_KEYS does a jiandu
// process: a random key (unless JIANDU_AUDIT_KEYS is set), used by audit.Append and Verify and
// exported in the environment, so jiandu processes that tests start (with os.Environ()) write
// and verify the same chains.
//
// SQLite always runs. Postgres runs too when JIANDU_TEST_DATABASE_URL names a database (CI sets
// it); each test then gets a schema of its own there, dropped when the test ends.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
)

// AuditKeysVar names the audit key ring variable (internal/config reads it too).
const AuditKeysVar = "JIANDU_AUDIT_KEYS"

// AuditKeys is the audit key ring of this test binary, "kid:base64".
var AuditKeys string

func init() {
	AuditKeys = os.Getenv(AuditKeysVar)
	if AuditKeys == "" {
		k, err := secrets.NewKey("test")
		if err != nil {
			panic(err)
		}
		AuditKeys = k
		if err := os.Setenv(AuditKeysVar, AuditKeys); err != nil {
			panic(err)
		}
	}
	keys, err := audit.ParseKeys(AuditKeys)
	if err != nil {
		panic(AuditKeysVar + ": " + err.Error())
	}
	audit.UseKeys(keys)
}

// PostgresURLVar names the variable that turns on the Postgres half of the suite.
const PostgresURLVar = "JIANDU_TEST_DATABASE_URL"

// Dialects lists the databases to run each database test on: "sqlite", and "postgres" when
// JIANDU_TEST_DATABASE_URL is set.
func Dialects() []string {
	if os.Getenv(PostgresURLVar) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// ForEachDialect runs fn as a subtest per dialect with a fresh, migrated database and its URL.
func ForEachDialect(t *testing.T, fn func(t *testing.T, gdb *gorm.DB, url string)) {
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			url := DatabaseURL(t, d)
			gdb := Open(t, url)
			if err := schemas.Migrate(gdb); err != nil {
				t.Fatalf("migrate %s: %v", d, err)
			}
			fn(t, gdb, url)
		})
	}
}

// DatabaseURL returns the URL of a fresh, empty database of dialect for this test.
func DatabaseURL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return filepath.Join(t.TempDir(), "jiandu.db")
	case "postgres":
		base := os.Getenv(PostgresURLVar)
		if base == "" {
			t.Skip(PostgresURLVar + " is not set")
		}
		admin := Open(t, base)
		schema := "t_" + randomHex(6)
		if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if err := admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
		return withSearchPath(base, schema)
	default:
		t.Fatalf("unknown dialect %q", dialect)
		return ""
	}
}

// withSearchPath adds a search_path run-time parameter to a Postgres URL or DSN.
func withSearchPath(base, schema string) string {
	if strings.Contains(base, "://") {
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "search_path=" + schema
	}
	return base + " search_path=" + schema
}

// Open opens url and closes it when the test ends.
func Open(t testing.TB, url string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(url)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	return gdb
}

// Seeded is ForEachDialect with the demo org units and officials loaded.
func Seeded(t *testing.T, fn func(t *testing.T, gdb *gorm.DB, url string)) {
	ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		if err := demo.Seed(gdb); err != nil {
			t.Fatalf("seed: %v", err)
		}
		fn(t, gdb, url)
	})
}

// Temporal starts a dev server for the test (in memory, headless) with Jiandu's search
// attributes registered, and stops it when the test ends.
//
// Under `go test -short` (the fast tier) the test is skipped: every end-to-end test starts here.
func Temporal(t testing.TB) *testsuite.DevServer {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts a Temporal dev server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := Logger(t)
	bin, err := devstack.TemporalBinary(ctx, log)
	if err != nil {
		t.Fatalf("temporal binary: %v", err)
	}
	srv, err := devstack.Start(ctx, devstack.Options{Binary: bin, Namespace: "default", Output: os.Stderr, Logger: log})
	if err != nil {
		t.Fatalf("start dev server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	if err := temporalconn.EnsureSearchAttributes(ctx, srv.Client(), "default"); err != nil {
		t.Fatalf("search attributes: %v", err)
	}
	return srv
}

// Logger writes warnings and errors to stderr. (t.Log would panic on the lines that
// background goroutines write after the test ends.)
func Logger(testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Within fails the test, with every goroutine's stack on stderr, if fn has not returned after
// limit: a hang becomes a failure that shows where everything waits.
func Within(t testing.TB, limit time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
		t.Fatalf("%s did not finish within %s (goroutines dumped above)", what, limit)
	}
}
