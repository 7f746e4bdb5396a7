package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/testenv"
)

type probe struct {
	ID int
	N  int
}

// openSmall opens url with a pool of conns connections (SQLite always has one) and a table to
// work on.
func openSmall(t *testing.T, url string, conns int, wait time.Duration) *gorm.DB {
	t.Helper()
	gdb, err := db.OpenWith(url, db.Options{MaxOpenConns: conns, ConnWait: wait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	if err := gdb.AutoMigrate(&probe{}); err != nil {
		t.Fatal(err)
	}
	return gdb
}

// poolSize is the pool size a dialect's test uses: SQLite has one connection, Postgres gets two
// so that "every connection held" takes more than one transaction.
func poolSize(dialect string) int {
	if dialect == "sqlite" {
		return 1
	}
	return 2
}

// saturate is the pattern behind gorm's PrepareStmt deadlock, made deterministic: transactions
// take every connection of the pool; while they hold them, other goroutines run statements never
// run before, and wait for a connection; then the transactions run those same statements
// themselves, and commit. (With PrepareStmt, the outside goroutine has registered the statement
// and prepares it once it gets a connection; the transaction, finding it registered, waits for
// that preparation while holding the connection it needs.) run tags the statement texts so each
// call's are new.
func saturate(ctx context.Context, gdb *gorm.DB, conns, outside int, run string) error {
	var (
		held    sync.WaitGroup // every transaction holds its connection
		waiting = make(chan struct{})
		errs    = make(chan error, conns+outside)
		all     sync.WaitGroup
	)
	query := func(i int) string {
		return fmt.Sprintf("SELECT count(*) FROM probes WHERE n >= ? /* %s statement %d */", run, i%conns)
	}
	held.Add(conns)
	for i := range conns {
		all.Add(1)
		go func() {
			defer all.Done()
			errs <- gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(fmt.Sprintf("UPDATE probes SET n = n WHERE id = -1 /* %s hold %d */", run, i)).Error; err != nil {
					held.Done()
					return err
				}
				held.Done()
				<-waiting
				var n int64
				if err := tx.Raw(query(i), -i).Scan(&n).Error; err != nil {
					return err
				}
				return tx.Create(&probe{N: i}).Error
			})
		}()
	}
	held.Wait()
	for i := range outside {
		all.Add(1)
		go func() {
			defer all.Done()
			var n int64
			errs <- gdb.WithContext(ctx).Raw(query(i), -1000-i).Scan(&n).Error
		}()
	}
	// Let the outside statements reach the pool and wait there, then let the transactions go on.
	time.Sleep(200 * time.Millisecond)
	close(waiting)
	all.Wait()
	close(errs)
	var first error
	for err := range errs {
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// TestSaturatedPoolNeverDeadlocks: transactions hold every connection while other goroutines
// run statements they have not run before (the gorm PrepareStmt deadlock of issue 20). Every
// statement must finish.
func TestSaturatedPoolNeverDeadlocks(t *testing.T) {
	for _, dialect := range testenv.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			conns := poolSize(dialect)
			gdb := openSmall(t, testenv.DatabaseURL(t, dialect), conns, 20*time.Second)
			for round := range 5 {
				testenv.Within(t, 30*time.Second, "saturated pool", func() {
					if err := saturate(context.Background(), gdb, conns, 8, fmt.Sprintf("r%d", round)); err != nil {
						t.Errorf("round %d: %v", round, err)
					}
				})
			}
			var n int64
			if err := gdb.Model(&probe{}).Count(&n).Error; err != nil || n != int64(5*conns) {
				t.Fatalf("%d rows committed (err %v), want %d", n, err, 5*conns)
			}
		})
	}
}

// TestPrepareStmtDeadlockIsReal shows the pattern above does catch the deadlock: with gorm's
// PrepareStmt on a one-connection SQLite pool (the configuration before issue 20) it never
// finishes. It runs in a child process, since the deadlocked goroutines can never be freed.
func TestPrepareStmtDeadlockIsReal(t *testing.T) {
	if os.Getenv("JIANDU_DB_TEST_PREPARED") != "" {
		gdb, err := gorm.Open(sqlite.Open(os.Getenv("JIANDU_DB_TEST_PREPARED")),
			&gorm.Config{PrepareStmt: true, Logger: logger.Default.LogMode(logger.Silent)})
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := gdb.DB()
		sqlDB.SetMaxOpenConns(1)
		if err := gdb.AutoMigrate(&probe{}); err != nil {
			t.Fatal(err)
		}
		err = saturate(context.Background(), gdb, 1, 4, "prepared")
		fmt.Println("FINISHED", err)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process that must hang")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPrepareStmtDeadlockIsReal$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JIANDU_DB_TEST_PREPARED="+filepath.Join(t.TempDir(), "p.db"))
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the PrepareStmt configuration finished (%v), so the pattern does not reproduce the deadlock:\n%s", err, out.String())
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// TestBusyPoolFailsFast: a statement that cannot get a connection within the wait fails with
// db.ErrBusy instead of waiting; once the holder ends, the pool serves again and every
// connection goes back to it.
func TestBusyPoolFailsFast(t *testing.T) {
	for _, dialect := range testenv.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			conns := poolSize(dialect)
			gdb := openSmall(t, testenv.DatabaseURL(t, dialect), conns, time.Second)
			release := make(chan struct{})
			var holding sync.WaitGroup
			holding.Add(conns)
			var holders sync.WaitGroup
			for range conns {
				holders.Add(1)
				go func() {
					defer holders.Done()
					_ = gdb.Transaction(func(tx *gorm.DB) error {
						err := tx.Create(&probe{N: 1}).Error
						holding.Done()
						<-release
						return err
					})
				}()
			}
			holding.Wait()
			busy := map[string]func() error{
				"query":       func() error { var n int64; return gdb.Model(&probe{}).Count(&n).Error },
				"insert":      func() error { return gdb.Create(&probe{N: 2}).Error },
				"transaction": func() error { return gdb.Transaction(func(*gorm.DB) error { return nil }) },
			}
			var checks sync.WaitGroup
			for what, run := range busy {
				checks.Add(1)
				go func() {
					defer checks.Done()
					if err := run(); !errors.Is(err, db.ErrBusy) {
						t.Errorf("%s on a full pool: %v, want ErrBusy", what, err)
					}
				}()
			}
			testenv.Within(t, 10*time.Second, "busy statements", checks.Wait)
			close(release)
			holders.Wait()

			// Reads, writes and transactions, many at once, all return their connections. A
			// statement that finds the pool busy is retried, as the API's clients and Temporal do.
			var failed atomic.Int32
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := db.ErrBusy
					for try := 0; errors.Is(err, db.ErrBusy) && try < 100; try++ {
						var rows []probe
						if err = gdb.Where("n >= ?", 0).Find(&rows).Error; err == nil {
							err = gdb.Transaction(func(tx *gorm.DB) error { return tx.Create(&probe{N: i}).Error })
						}
					}
					if err != nil {
						failed.Add(1)
						t.Errorf("after release: %v", err)
					}
				}()
			}
			testenv.Within(t, 60*time.Second, "statements after release", wg.Wait)
			sqlDB, _ := gdb.DB()
			waitFor(t, 5*time.Second, "every connection back in the pool", func() bool { return sqlDB.Stats().InUse == 0 })
			var n int64
			if err := gdb.Model(&probe{}).Count(&n).Error; err != nil || n != int64(conns+50) || failed.Load() != 0 {
				t.Fatalf("%d rows (err %v), want %d", n, err, conns+50)
			}
		})
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
