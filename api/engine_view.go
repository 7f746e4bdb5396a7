package api

import "github.com/jiandu/jiandu/schemas"

// canViewEngine reports whether the official may open the Temporal UI (/temporal/), where every
// case of every org unit shows: for now, supervisors of the root org unit. The engine-view
// permission of issue 10 ("Trust") replaces this one function.
func canViewEngine(p *Principal) bool {
	return p != nil && !p.Disabled && p.OrgUnit.ParentID == nil && p.Roles.Has(schemas.RoleSupervisor)
}
