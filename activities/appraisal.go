package activities

import (
	"context"

	"github.com/jiandu/jiandu/schemas"
)

// AppraisalRoster lists the cadres an organization department appraises (DOMAIN.md P12 step
// 11): the enabled officials with the supervised-cadre role whose unit it manages, that is
// whose nearest organization department (the unit itself or above it) is the office. The
// order is stable (by official id), so a round read twice lists them alike.
func (a *Activities) AppraisalRoster(ctx context.Context, officeID string) ([]schemas.AppraisalCadre, error) {
	officials, err := a.managedCadres(ctx, officeID)
	if err != nil {
		return nil, err
	}
	roster := make([]schemas.AppraisalCadre, 0, len(officials))
	for _, o := range officials {
		roster = append(roster, schemas.AppraisalCadre{OfficialID: o.ID, Name: o.Name, UnitID: o.OrgUnitID})
	}
	return roster, nil
}
