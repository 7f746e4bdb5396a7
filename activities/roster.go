package activities

import (
	"context"
	"fmt"

	"github.com/jiandu/jiandu/schemas"
)

// managedCadres are the enabled officials with the supervised-cadre role whose unit the
// organization department officeID manages: whose nearest organization department (the unit
// itself or above it) is the office. The rosters of the annual cycles (P8's reports, P12's
// 述职述廉) read them; ordered by official id.
func (a *Activities) managedCadres(ctx context.Context, officeID string) ([]schemas.Official, error) {
	tx := a.DB.WithContext(ctx)
	var office schemas.OrgUnit
	if err := tx.First(&office, "id = ?", officeID).Error; err != nil {
		return nil, fmt.Errorf("roster: office %s: %w", officeID, err)
	}
	var units []schemas.OrgUnit
	if err := tx.Where("path LIKE ?", office.Path+"%").Find(&units).Error; err != nil {
		return nil, fmt.Errorf("roster: units under %s: %w", officeID, err)
	}
	byID := make(map[string]schemas.OrgUnit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}
	// managedBy is the nearest organization department of a unit within the subtree.
	managedBy := func(id string) string {
		for range len(units) + 1 {
			u, ok := byID[id]
			switch {
			case !ok:
				return ""
			case u.Kind == schemas.OrgKindOrganization:
				return u.ID
			case u.ParentID == nil:
				return ""
			}
			id = *u.ParentID
		}
		return "" // a cycle in the tree
	}
	var managed []string
	for _, u := range units {
		if managedBy(u.ID) == officeID {
			managed = append(managed, u.ID)
		}
	}
	var officials []schemas.Official
	if err := tx.Where("org_unit_id IN ? AND disabled = ?", managed, false).Order("id").Find(&officials).Error; err != nil {
		return nil, fmt.Errorf("roster: cadres of %s: %w", officeID, err)
	}
	cadres := officials[:0]
	for _, o := range officials {
		if o.Roles.Has(schemas.RoleSupervisedCadre) {
			cadres = append(cadres, o)
		}
	}
	return cadres, nil
}
