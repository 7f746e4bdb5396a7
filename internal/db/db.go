// Package db opens Jiandu's database: Postgres in production, an embedded pure-Go SQLite file
// for `jiandu dev` and for tests that need nothing installed.
//
// Two rules keep the process from ever freezing on its database:
//
//   - No gorm PrepareStmt. Its statement store takes a process-wide lock and then waits for a
//     pool connection, while a transaction holding the last connection waits for that lock to
//     prepare its own statement: a deadlock that never ends (gorm issues 7350, 7465). Postgres
//     through pgx caches prepared statements per connection without any shared lock.
//   - Every statement and transaction gets its connection within Options.ConnWait or fails with
//     ErrBusy, which is retryable: the API answers 503, Temporal retries the activity.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrBusy means no database connection became free within the wait: every connection of the pool
// was in use. Retrying later is safe; nothing was written.
var ErrBusy = errors.New("database busy: no free connection")

// Options size the connection pool. Zero values take the defaults.
type Options struct {
	// MaxOpenConns bounds the Postgres pool (default 20). SQLite always uses one connection: it
	// has one writer, and one connection turns lock contention into queueing instead of
	// SQLITE_BUSY errors.
	MaxOpenConns int
	// ConnWait is how long a statement or transaction waits for a free connection before it fails
	// with ErrBusy (default 10s).
	ConnWait time.Duration
}

// Defaults of Options.
const (
	DefaultMaxOpenConns = 20
	DefaultConnWait     = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = DefaultMaxOpenConns
	}
	if o.ConnWait <= 0 {
		o.ConnWait = DefaultConnWait
	}
	return o
}

// IsPostgres reports whether url names a Postgres database rather than a SQLite file.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") ||
		strings.Contains(url, "host=")
}

// Open is OpenWith(url, Options{}): the default pool.
func Open(url string) (*gorm.DB, error) { return OpenWith(url, Options{}) }

// OpenWith connects to url: postgres://... (or a key=value DSN) for Postgres, anything else is
// the path of a SQLite file (an optional "sqlite:" prefix is dropped), created if missing.
func OpenWith(url string, o Options) (*gorm.DB, error) {
	o = o.withDefaults()
	cfg := &gorm.Config{
		Logger:         logger.Default.LogMode(logger.Silent),
		NowFunc:        func() time.Time { return time.Now().UTC() },
		TranslateError: true,
		// Connect on first use: an api process starts while Postgres is down and reports
		// not-ready, instead of failing to start.
		DisableAutomaticPing: true,
	}
	var (
		gdb *gorm.DB
		err error
	)
	maxConns := o.MaxOpenConns
	if IsPostgres(url) {
		pg := postgres.New(postgres.Config{DSN: url, OptionOpenDB: []stdlib.OptionOpenDB{stdlib.OptionAfterConnect(scanTimesInUTC)}})
		if gdb, err = gorm.Open(pg, cfg); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
	} else {
		path := strings.TrimPrefix(url, "sqlite:")
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("open sqlite %s: %w", path, err)
			}
		}
		dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		if gdb, err = gorm.Open(sqlite.Open(dsn), cfg); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		maxConns = 1
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	p := &pool{db: sqlDB, wait: o.ConnWait}
	gdb.ConnPool = p
	gdb.Statement.ConnPool = p
	return gdb, nil
}

// scanTimesInUTC makes a connection read timestamptz values in UTC (pgx reads them in the
// process's local zone otherwise): the database writes UTC (NowFunc) and the API shows every
// time in UTC, whatever the zone the server runs in.
func scanTimesInUTC(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	return nil
}

// Close releases the connection pool.
func Close(gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// pool is gorm's connection pool with a bounded wait for a connection: each statement and each
// transaction takes a connection of its own from database/sql within wait, or fails with ErrBusy.
type pool struct {
	db   *sql.DB
	wait time.Duration
}

// conn takes a connection within p.wait. Only the wait is bounded, not the statement: the
// connection is then used under the caller's own context.
func (p *pool) conn(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	c, err := p.db.Conn(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w within %s (%d in use)", ErrBusy, p.wait, p.db.Stats().InUse)
		}
		return nil, err
	}
	return c, nil
}

func (p *pool) GetDBConn() (*sql.DB, error) { return p.db, nil }

func (p *pool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ExecContext(ctx, query, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.QueryContext(ctx, query, args...)
	// sql.Conn.Close waits until the rows are closed, then returns the connection to the pool.
	go c.Close()
	return rows, err
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c, err := p.conn(ctx)
	if err != nil {
		// A *sql.Row can only be made by database/sql: ask with a context that is already
		// over, so its Scan fails at once (as context.Canceled; Jiandu's code calls no Row()).
		return p.failedRow(err)
	}
	row := c.QueryRowContext(ctx, query, args...)
	go c.Close() // waits for the row's Scan
	return row
}

// failedRow returns a *sql.Row whose Scan fails without waiting for a connection.
func (p *pool) failedRow(err error) *sql.Row {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(err)
	return p.db.QueryRowContext(ctx, "SELECT 1")
}

// BeginTx starts a transaction on a connection taken within p.wait; the connection goes back
// to the pool when the transaction commits or rolls back.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &poolTx{Tx: tx, conn: c, db: p.db}, nil
}

// poolTx is a transaction that returns its connection when it ends.
type poolTx struct {
	*sql.Tx
	conn *sql.Conn
	db   *sql.DB
}

func (t *poolTx) Commit() error {
	err := t.Tx.Commit()
	t.conn.Close()
	return err
}

func (t *poolTx) Rollback() error {
	err := t.Tx.Rollback()
	t.conn.Close()
	return err
}

func (t *poolTx) GetDBConn() (*sql.DB, error) { return t.db, nil }
