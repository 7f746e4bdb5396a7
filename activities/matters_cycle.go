package activities

import (
	"context"
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
	officials, err := a.managedCadres(ctx, orgUnitID)
	if err != nil {
		return nil, err
	}
	var roster []schemas.MattersCadre
	for _, o := range officials {
		roster = append(roster, schemas.MattersCadre{ID: o.ID, Name: o.Name, UnitID: o.OrgUnitID})
	}
	slices.SortFunc(roster, func(x, y schemas.MattersCadre) int {
		if c := strings.Compare(x.UnitID, y.UnitID); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return roster, nil
}
