package activities_test

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPermanentDatabaseErrors: the errors a database gives for data it refuses whatever the
// retry are permanent, and become non-retryable; a cancelled or failed connection is not.
func TestPermanentDatabaseErrors(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		dup := gdb.Create(&schemas.OrgUnit{ID: "150100", Name: "重复", Level: schemas.LevelLeague, Kind: schemas.OrgKindOrganization, Path: "/150100/"}).Error
		fk := gdb.Exec(`INSERT INTO officials (id, name, org_unit_id, roles, disabled, created_at, updated_at)
			VALUES ('x.y', '某', 'nowhere', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`).Error
		notNull := gdb.Exec(`INSERT INTO org_units (id, parent_id, name, level, kind, path) VALUES ('150199', '150100', NULL, 'county', 'organization', '/x/')`).Error
		refused := map[string]error{"duplicate key": dup, "not null": notNull}
		if gdb.Dialector.Name() == "postgres" {
			// SQLite enforces foreign keys only when asked; Postgres always, and it refuses NUL.
			refused["foreign key"] = fk
			refused["NUL"] = gdb.Exec(`UPDATE org_units SET name = ? WHERE id = '150100'`, "a\x00b").Error
		}
		for what, err := range refused {
			if err == nil {
				t.Fatalf("%s: the database accepted it", what)
			}
			if !activities.Permanent(err) {
				t.Errorf("%s: %v is not permanent", what, err)
			}
			var app *temporal.ApplicationError
			if nr := activities.NonRetryable(err); !errors.As(nr, &app) || !app.NonRetryable() || app.Type() != schemas.ErrTypePermanent {
				t.Errorf("%s: NonRetryable gave %v", what, nr)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		transient := gdb.WithContext(ctx).Exec("SELECT 1").Error
		if transient == nil || activities.Permanent(transient) || activities.NonRetryable(transient) != transient {
			t.Errorf("a cancelled query: %v, permanent %v", transient, activities.Permanent(transient))
		}
	})
}
