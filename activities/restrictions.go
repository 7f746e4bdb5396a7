package activities

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
)

// RestrictionRequest records (or lifts) a restriction on an official.
type RestrictionRequest struct {
	CaseID     string    `json:"case_id"`
	OfficialID string    `json:"official_id"`
	Kind       string    `json:"kind"`
	Reason     string    `json:"reason,omitempty"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	At         time.Time `json:"at"`
}

func restrictionID(caseID, kind string) string { return caseID + "/" + kind }

// RecordRestriction writes the restriction row and its audit event; recording it again
// changes nothing.
func (a *Activities) RecordRestriction(ctx context.Context, req RestrictionRequest) error {
	row := schemas.Restriction{
		ID: restrictionID(req.CaseID, req.Kind), OfficialID: req.OfficialID, Kind: req.Kind, CaseID: req.CaseID,
		Reason: req.Reason, StartsAt: req.StartsAt.UTC(), EndsAt: req.EndsAt.UTC(), CreatedAt: req.At.UTC(),
	}
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if ins.Error != nil {
			return fmt.Errorf("record restriction %s: %w", row.ID, ins.Error)
		}
		if ins.RowsAffected == 0 {
			return nil
		}
		return appendAudit(ctx, tx, req.CaseID, req.At, "system", "restriction.recorded", "",
			map[string]any{"official_id": req.OfficialID, "kind": req.Kind, "starts_at": req.StartsAt, "ends_at": req.EndsAt})
	})
}

// LiftRestriction ends a restriction early (its case was cancelled).
func (a *Activities) LiftRestriction(ctx context.Context, req RestrictionRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		at := req.At.UTC()
		res := tx.Model(&schemas.Restriction{}).Where("id = ? AND lifted_at IS NULL", restrictionID(req.CaseID, req.Kind)).
			Update("lifted_at", &at)
		if res.Error != nil {
			return fmt.Errorf("lift restriction: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return appendAudit(ctx, tx, req.CaseID, req.At, "system", "restriction.lifted", "",
			map[string]any{"official_id": req.OfficialID, "kind": req.Kind, "reason": req.Reason})
	})
}

// CheckRestrictionsRequest asks which restrictions hold on an official at a time.
type CheckRestrictionsRequest struct {
	OfficialID string    `json:"official_id"`
	At         time.Time `json:"at"`
}

// PromotionBlockers is restrictions.PromotionAllowed as an activity: the restrictions that
// forbid promoting the official now (none: they may be promoted). The workflow's answer is
// recorded, so a later restriction never changes a running step's history.
func (a *Activities) PromotionBlockers(ctx context.Context, req CheckRestrictionsRequest) ([]schemas.Restriction, error) {
	_, blocking, err := restrictions.PromotionAllowed(ctx, a.DB, req.OfficialID, req.At)
	return blocking, err
}

// CheckRestrictions is restrictions.Active as an activity, so a workflow's answer is recorded.
func (a *Activities) CheckRestrictions(ctx context.Context, req CheckRestrictionsRequest) ([]schemas.Restriction, error) {
	return restrictions.Active(ctx, a.DB, req.OfficialID, req.At)
}
