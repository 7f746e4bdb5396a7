// Package restrictions answers whether an official may be promoted now: the restrictions an
// admonishment's influence period (and later processes) put on a cadre, as their workflows
// recorded them.
package restrictions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Active lists the restrictions that hold on an official at a time, earliest end
// first. Any process that promotes or nominates a cadre asks this: during an admonishment's
// influence period the cadre may not be promoted (《中国共产党组织处理规定(试行)》).
func Active(ctx context.Context, db *gorm.DB, officialID string, at time.Time) ([]schemas.Restriction, error) {
	var rows []schemas.Restriction
	err := db.WithContext(ctx).
		Where("official_id = ? AND lifted_at IS NULL AND starts_at <= ? AND ends_at > ?", officialID, at.UTC(), at.UTC()).
		Order("ends_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("restrictions of %s: %w", officialID, err)
	}
	return rows, nil
}

// Explain says in Chinese why rs forbid promoting name: each restriction with its end date and
// the case that imposed it.
func Explain(name string, rs []schemas.Restriction) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		reason := r.Reason
		if reason == "" {
			reason = "影响期"
		}
		parts[i] = fmt.Sprintf("%s（至%s，%s）", reason, calendar.DateText(r.EndsAt), r.CaseID)
	}
	return name + "处于" + strings.Join(parts, "、") + "，期间不得提拔或者重用"
}

// PromotionAllowed reports whether an official may be promoted at a time, and if not, the
// restrictions that stand in the way.
func PromotionAllowed(ctx context.Context, db *gorm.DB, officialID string, at time.Time) (bool, []schemas.Restriction, error) {
	rows, err := Active(ctx, db, officialID, at)
	if err != nil {
		return false, nil, err
	}
	var blocking []schemas.Restriction
	for _, r := range rows {
		if r.Kind == schemas.RestrictionNoPromotion {
			blocking = append(blocking, r)
		}
	}
	return len(blocking) == 0, blocking, nil
}
