// Package db opens Jiandu's database: Postgres in production, an embedded pure-Go SQLite file
// for `jiandu dev` and for tests that need nothing installed.
package db

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// IsPostgres reports whether url names a Postgres database rather than a SQLite file.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") ||
		strings.Contains(url, "host=")
}

// Open connects to url: postgres://... (or a key=value DSN) for Postgres, anything else is the
// path of a SQLite file (an optional "sqlite:" prefix is dropped), created if missing.
func Open(url string) (*gorm.DB, error) {
	cfg := &gorm.Config{
		Logger:         logger.Default.LogMode(logger.Silent),
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		// Connect on first use: an api process starts while Postgres is down and reports
		// not-ready, instead of failing to start.
		DisableAutomaticPing: true,
		// Prepare each statement once per connection: re-parsing SQL was the largest CPU cost
		// under load (docs/BENCHMARKS.md).
		PrepareStmt: true,
	}
	if IsPostgres(url) {
		gdb, err := gorm.Open(postgres.Open(url), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := gdb.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return gdb, nil
	}

	path := strings.TrimPrefix(url, "sqlite:")
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	gdb, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer, and a single connection turns lock contention
	// into queueing instead of SQLITE_BUSY errors.
	sqlDB.SetMaxOpenConns(1)
	return gdb, nil
}

// Close releases the connection pool.
func Close(gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
