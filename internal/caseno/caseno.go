// Package caseno numbers cases per process per year: publicity-2026-0001, publicity-2026-0002...
// The number is also the case's workflow id.
package caseno

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Next returns the next case id of kind in the current year (Beijing time). With a non-empty
// requestKey (the official's Idempotency-Key, or a workflow's own key for a linked case), a
// repeated call returns the id the first call gave, so a retried start numbers nothing new.
func Next(ctx context.Context, db *gorm.DB, kind schemas.CaseKind, requestKey, officialID string) (string, error) {
	id, _, err := Claim(ctx, db, kind, requestKey, officialID)
	return id, err
}

// errClaimed rolls back a numbering whose key a concurrent call claimed first.
var errClaimed = errors.New("caseno: key claimed concurrently")

// Claim is Next that also says whether this call numbered the case (fresh) or found the number
// an earlier call under the same requestKey gave. Concurrent calls with one key agree: the one
// that commits first numbers the case; the others get its number, and the sequence number they
// had drawn is rolled back (no gap).
func Claim(ctx context.Context, db *gorm.DB, kind schemas.CaseKind, requestKey, officialID string) (id string, fresh bool, err error) {
	year := time.Now().In(calendar.Location()).Year()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if requestKey != "" {
			prev, found, err := claimed(tx, requestKey)
			if err != nil || found {
				id = prev
				return err
			}
		}
		var seq int
		err := tx.Raw(`INSERT INTO case_sequences (kind, year, last) VALUES (?, ?, 1)
			ON CONFLICT (kind, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last`, kind, year).Scan(&seq).Error
		if err != nil {
			return err
		}
		id, fresh = schemas.CaseID(kind, year, seq), true
		if requestKey == "" {
			return nil
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&schemas.CaseRequest{
			IdempotencyKey: requestKey, OfficialID: officialID, CaseID: id, CreatedAt: time.Now().UTC(),
		})
		if res.Error != nil || res.RowsAffected == 1 {
			return res.Error
		}
		// A concurrent call committed the key after this one looked (Postgres, read committed:
		// the insert waited for it): its number is the answer.
		prev, found, err := claimed(tx, requestKey)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("caseno: key %q neither inserted nor found", requestKey)
		}
		id, fresh = prev, false
		return errClaimed
	})
	if errors.Is(err, errClaimed) {
		err = nil
	}
	if err != nil {
		return "", false, err
	}
	return id, fresh, nil
}

// claimed is the case id an earlier call numbered under key.
func claimed(tx *gorm.DB, key string) (string, bool, error) {
	var prev schemas.CaseRequest
	err := tx.First(&prev, "idempotency_key = ?", key).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return prev.CaseID, true, nil
}
