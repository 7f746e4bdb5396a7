package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jiandu/jiandu/schemas"
)

// MattersRoster lists the cadres who must report their personal matters to the organization
// department orgUnitID (DOMAIN.md P8 step 1, 管理权限): every enabled official holding the
// supervised-cadre role (被监督干部, the cadres the department manages) whose org unit lies in
// the department's subtree and is managed by it, that is, whose nearest organization
// department at or above their unit is this one. A county's cadres report to the county,
// not to the league above it. Ordered by unit, then official id.
//
// Officials carry no rank, so "县处级副职以上" (规定 art. 2) is read as "holds the
// supervised-cadre role": an office grants the role to exactly the cadres it manages.
func (a *Activities) MattersRoster(ctx context.Context, orgUnitID string) ([]schemas.MattersCadre, error) {
	db := a.DB.WithContext(ctx)
	var dept schemas.OrgUnit
	if err := db.First(&dept, "id = ?", orgUnitID).Error; err != nil {
		return nil, fmt.Errorf("roster: org unit %s: %w", orgUnitID, err)
	}
	var units []schemas.OrgUnit
	if err := db.Where("path LIKE ?", dept.Path+"%").Find(&units).Error; err != nil {
		return nil, fmt.Errorf("roster: org units under %s: %w", orgUnitID, err)
	}
	byID := make(map[string]schemas.OrgUnit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}
	// manager is the nearest organization department at or above a unit, within the subtree.
	manager := func(id string) string {
		for {
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
	}
	ids := make([]string, 0, len(units))
	for _, u := range units {
		ids = append(ids, u.ID)
	}
	var officials []schemas.Official
	if err := db.Where("org_unit_id IN ? AND disabled = ?", ids, false).Find(&officials).Error; err != nil {
		return nil, fmt.Errorf("roster: officials under %s: %w", orgUnitID, err)
	}
	var roster []schemas.MattersCadre
	for _, o := range officials {
		if o.Roles.Has(schemas.RoleSupervisedCadre) && manager(o.OrgUnitID) == orgUnitID {
			roster = append(roster, schemas.MattersCadre{ID: o.ID, Name: o.Name, UnitID: o.OrgUnitID})
		}
	}
	slices.SortFunc(roster, func(x, y schemas.MattersCadre) int {
		if c := strings.Compare(x.UnitID, y.UnitID); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return roster, nil
}
