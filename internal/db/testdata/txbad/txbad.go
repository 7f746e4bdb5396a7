// Package txbad holds the mistakes TestTransactionsUseOnlyTheirHandle must find: each function
// marked "want" reaches past its transaction to the pool.
package txbad

import (
	"log/slog"

	"gorm.io/gorm"
)

type Row struct{ ID string }

type Store struct {
	DB  *gorm.DB
	Log *slog.Logger
}

func (s *Store) count() (n int64) { s.DB.Model(&Row{}).Count(&n); return n }

// want: the outer handle itself.
func OuterHandle(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		return db.Create(&Row{ID: "a"}).Error
	})
}

// want: a field holding the pool.
func (s *Store) OuterField() error {
	return s.DB.Transaction(func(tx *gorm.DB) error {
		return s.DB.Create(&Row{ID: "b"}).Error
	})
}

// want: a method of a value that holds the pool.
func (s *Store) OuterMethod() error {
	return s.DB.Transaction(func(tx *gorm.DB) error {
		_ = s.count()
		return tx.Create(&Row{ID: "c"}).Error
	})
}

// Fine: only the transaction, and a field that is not the pool.
func (s *Store) Fine() error {
	return s.DB.Transaction(func(tx *gorm.DB) error {
		s.Log.Info("creating")
		return tx.Create(&Row{ID: "d"}).Error
	})
}
