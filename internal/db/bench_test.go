package db_test

import (
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/testenv"
)

// BenchmarkStep is the database work of one typical activity: a transaction that reads a row,
// inserts one and updates one, then a read outside it, run from 8 goroutines. It compares the
// pool Jiandu opens (db.Open) with the same database under gorm's PrepareStmt, the
// configuration before issue 20 (docs/BENCHMARKS.md):
//
//	go test -run '^$' -bench Step -benchtime 3000x ./internal/db
func BenchmarkStep(b *testing.B) {
	for _, dialect := range testenv.Dialects() {
		for _, prepared := range []bool{false, true} {
			name := dialect + "/pool"
			if prepared {
				name = dialect + "/prepare-stmt"
			}
			b.Run(name, func(b *testing.B) {
				url := testenv.DatabaseURL(b, dialect)
				open := db.Open
				if prepared {
					open = openPrepared
				}
				gdb, err := open(url)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = db.Close(gdb) })
				if err := gdb.AutoMigrate(&probe{}); err != nil {
					b.Fatal(err)
				}
				hot := probe{}
				if err := gdb.Create(&hot).Error; err != nil {
					b.Fatal(err)
				}
				b.SetParallelism(4) // 8 goroutines on 2 cores
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						err := gdb.Transaction(func(tx *gorm.DB) error {
							var p probe
							if err := tx.First(&p, "id = ?", hot.ID).Error; err != nil {
								return err
							}
							if err := tx.Create(&probe{N: p.N + 1}).Error; err != nil {
								return err
							}
							return tx.Model(&probe{}).Where("id = ?", hot.ID).Update("n", gorm.Expr("n + 1")).Error
						})
						if err == nil {
							var n int64
							err = gdb.Model(&probe{}).Where("n > ?", 0).Count(&n).Error
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "steps/s")
			})
		}
	}
}

// openPrepared opens url as internal/db did before issue 20: gorm's PrepareStmt, no bounded wait.
func openPrepared(url string) (*gorm.DB, error) {
	cfg := &gorm.Config{PrepareStmt: true, Logger: logger.Default.LogMode(logger.Silent), TranslateError: true,
		NowFunc: func() time.Time { return time.Now().UTC() }}
	conns := 20
	var dialector gorm.Dialector
	if db.IsPostgres(url) {
		dialector = postgres.Open(url)
	} else {
		dialector = sqlite.Open(url + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
		conns = 1
	}
	gdb, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(10)
	return gdb, nil
}
