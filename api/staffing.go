package api

import (
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/schemas"
)

// staffed checks, before a case starts, the bodies it will give steps to (the recipient rule,
// docs/ARCHITECTURE.md): a body without anyone holding a step's role (needs) is a
// configuration error, reported once to the root office's admins and answered as a field
// error (422: nobody could act); a body without the head its 催办 would go to (heads) is
// reported and the case starts (the rung climbs to the next person up).
func (s *Server) staffed(c *gin.Context, errs []FieldError, what string, needs, heads []activities.StaffingGap) ([]FieldError, error) {
	db := s.db.WithContext(c.Request.Context())
	now := time.Now()
	gaps, err := activities.CheckStaffing(db, now, needs, what+"的办理")
	if err == nil {
		_, err = activities.CheckStaffing(db, now, heads, what+"的催办")
	}
	if err != nil {
		return errs, unavailable("check staffing", err)
	}
	for _, g := range gaps {
		errs = append(errs, FieldError{"org_unit_id", fmt.Sprintf("%s没有具有“%s”（%s）角色的人员，已告知系统管理员", g.OrgUnitID, g.Role.Title(), g.Role)})
	}
	return errs, nil
}

// staffedForDepartureAudit: the department's supervisors, the audit office's auditors and head
// (who approves the plan) act on steps; the discipline body's liaison takes a transfer.
func (s *Server) staffedForDepartureAudit(c *gin.Context, errs []FieldError, unit, audit, discipline *schemas.OrgUnit) ([]FieldError, error) {
	return s.staffed(c, errs, "经济责任审计", []activities.StaffingGap{
		{OrgUnitID: unit.ID, Role: schemas.RoleSupervisor},
		{OrgUnitID: audit.ID, Role: schemas.RoleAuditor}, {OrgUnitID: audit.ID, Role: schemas.RoleUnitPrincipal},
	}, []activities.StaffingGap{
		{OrgUnitID: discipline.ID, Role: schemas.RoleDiscipline}, {OrgUnitID: discipline.ID, Role: schemas.RoleUnitPrincipal},
	})
}
