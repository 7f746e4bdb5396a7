package activities

import (
	"context"
	"fmt"

	"github.com/jiandu/jiandu/schemas"
)

// AppraisalRoster lists the cadres an organization department appraises (DOMAIN.md P12 step
// 11): the enabled officials with the supervised-cadre role whose unit it manages, that is
// whose nearest organization department (the unit itself or above it) is the office. The
// order is stable (by official id), so a round read twice lists them alike.
func (a *Activities) AppraisalRoster(ctx context.Context, officeID string) ([]schemas.AppraisalCadre, error) {
	tx := a.DB.WithContext(ctx)
	var office schemas.OrgUnit
	if err := tx.First(&office, "id = ?", officeID).Error; err != nil {
		return nil, fmt.Errorf("office %s: %w", officeID, err)
	}
	var units []schemas.OrgUnit
	if err := tx.Where("path LIKE ?", office.Path+"%").Find(&units).Error; err != nil {
		return nil, fmt.Errorf("units under %s: %w", officeID, err)
	}
	byID := map[string]schemas.OrgUnit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	// managedBy is the nearest organization department of a unit within the subtree.
	managedBy := func(id string) string {
		for depth := 0; depth < 32; depth++ {
			u, ok := byID[id]
			if !ok {
				return ""
			}
			if u.Kind == schemas.OrgKindOrganization {
				return u.ID
			}
			if u.ParentID == nil {
				return ""
			}
			id = *u.ParentID
		}
		return ""
	}
	var managed []string
	for _, u := range units {
		if managedBy(u.ID) == officeID {
			managed = append(managed, u.ID)
		}
	}
	var officials []schemas.Official
	if err := tx.Where("org_unit_id IN ? AND disabled = ? AND roles LIKE ?", managed, false, "%,"+string(schemas.RoleSupervisedCadre)+",%").
		Order("id").Find(&officials).Error; err != nil {
		return nil, fmt.Errorf("cadres of %s: %w", officeID, err)
	}
	roster := make([]schemas.AppraisalCadre, 0, len(officials))
	for _, o := range officials {
		roster = append(roster, schemas.AppraisalCadre{OfficialID: o.ID, Name: o.Name, UnitID: o.OrgUnitID})
	}
	return roster, nil
}
