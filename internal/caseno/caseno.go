// Package caseno numbers cases per process per year: publicity-2026-0001, publicity-2026-0002...
// The number is also the case's workflow id.
package caseno

import (
	"context"
	"errors"
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
	year := time.Now().In(calendar.Location()).Year()
	var id string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if requestKey != "" {
			var prev schemas.CaseRequest
			err := tx.First(&prev, "idempotency_key = ?", requestKey).Error
			if err == nil {
				id = prev.CaseID
				return nil
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		var seq int
		err := tx.Raw(`INSERT INTO case_sequences (kind, year, last) VALUES (?, ?, 1)
			ON CONFLICT (kind, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last`, kind, year).Scan(&seq).Error
		if err != nil {
			return err
		}
		id = schemas.CaseID(kind, year, seq)
		if requestKey == "" {
			return nil
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&schemas.CaseRequest{
			IdempotencyKey: requestKey, OfficialID: officialID, CaseID: id, CreatedAt: time.Now().UTC(),
		}).Error
	})
	return id, err
}
