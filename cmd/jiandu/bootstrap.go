package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/schemas"
)

// runBootstrap gives a fresh production database its root org unit and first administrator,
// who then builds the rest through the API. It changes nothing where they exist.
func runBootstrap(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	orgID := fs.String("org-id", "", "id of the root org unit, e.g. 150000")
	orgName := fs.String("org-name", "", "name of the root org unit, e.g. 内蒙古自治区党委组织部")
	adminID := fs.String("admin-id", "admin", "id of the first administrator")
	adminName := fs.String("admin-name", "系统管理员", "name of the first administrator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *orgID == "" || strings.TrimSpace(*orgName) == "" {
		return errors.New("usage: jiandu bootstrap -org-id <id> -org-name <name> [-admin-id admin] [-admin-name 系统管理员]")
	}
	// The root org unit and the first administrator are the admin trail's first rows.
	if err := cfg.RequireAuditKeys(); err != nil {
		return err
	}
	if err := useAuditKeys(cfg); err != nil {
		return err
	}
	gdb, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := checkSchema(gdb); err != nil {
		return err
	}
	return gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var unit schemas.OrgUnit
		err := tx.First(&unit, "id = ?", *orgID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			var roots int64
			if err := tx.Model(&schemas.OrgUnit{}).Where("parent_id IS NULL").Count(&roots).Error; err != nil {
				return err
			}
			if roots > 0 {
				return fmt.Errorf("the org tree already has a root; %q is not in it", *orgID)
			}
			unit = schemas.OrgUnit{ID: *orgID, Name: strings.TrimSpace(*orgName), Level: schemas.LevelRegion,
				Kind: schemas.OrgKindOrganization, Path: "/" + *orgID + "/"}
			if err := tx.Create(&unit).Error; err != nil {
				return fmt.Errorf("create org unit %s: %w", *orgID, err)
			}
			if err := audit.AppendAdmin(tx, audit.BootstrapActor, audit.AdminOrgUnitCreated, []string{unit.Path},
				audit.AdminChange{Target: "org_unit/" + unit.ID, After: unit}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created org unit %s %s\n", unit.ID, unit.Name)
		case err != nil:
			return err
		}
		var admin schemas.Official
		err = tx.First(&admin, "id = ?", *adminID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			admin = schemas.Official{ID: *adminID, Name: *adminName, OrgUnitID: unit.ID, Roles: schemas.Roles{schemas.RoleAdmin}}
			if err := tx.Create(&admin).Error; err != nil {
				return fmt.Errorf("create administrator %s: %w", *adminID, err)
			}
			if err := audit.AppendAdmin(tx, audit.BootstrapActor, audit.AdminOfficialCreated, []string{unit.Path},
				audit.AdminChange{Target: "official/" + admin.ID, After: admin}); err != nil {
				return err
			}
			pw := auth.RandomPassword()
			if err := api.SetPassword(ctx, tx, admin.ID, pw, true); err != nil {
				return fmt.Errorf("web password of %s: %w", admin.ID, err)
			}
			fmt.Fprintf(stdout, "created administrator %s; issue a token with: jiandu token %s\n", admin.ID, admin.ID)
			fmt.Fprintf(stdout, "temporary web password of %s (shown once; to be changed at the first login at /web/login): %s\n", admin.ID, pw)
		case err != nil:
			return err
		case !admin.Roles.Has(schemas.RoleAdmin):
			return fmt.Errorf("official %s exists without the admin role", *adminID)
		default:
			fmt.Fprintf(stdout, "administrator %s exists; nothing to do\n", admin.ID)
		}
		return nil
	})
}
