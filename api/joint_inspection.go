package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// JointInspectionStartInput is the body of POST /api/v1/cases/joint-inspection.
type JointInspectionStartInput struct {
	Title      string `json:"title"`
	OrgUnitID  string `json:"org_unit_id"`
	LeaderID   string `json:"leader_id"`
	PeriodFrom string `json:"period_from"`
	PeriodTo   string `json:"period_to"`
	Priority   string `json:"priority"`
}

// startJointInspection opens a three-responsibilities joint inspection (三责联检) of a unit's
// principal leader.
func (s *Server) startJointInspection(c *gin.Context) {
	p := principal(c)
	var in JointInspectionStartInput
	if !bindJSON(c, &in) {
		return
	}
	if in.OrgUnitID == "" {
		in.OrgUnitID = p.OrgUnitID
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	from, ferr := time.Parse(time.DateOnly, in.PeriodFrom)
	if ferr != nil {
		errs = append(errs, FieldError{"period_from", "YYYY-MM-DD"})
	}
	to, terr := time.Parse(time.DateOnly, in.PeriodTo)
	if terr != nil {
		errs = append(errs, FieldError{"period_to", "YYYY-MM-DD"})
	} else if ferr == nil && to.Before(from) {
		errs = append(errs, FieldError{"period_to", "not before period_from"})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs := s.organization(c, errs, in.OrgUnitID)
	leader, leaderUnit, errs := s.officialIn(c, errs, "leader_id", in.LeaderID, unit, schemas.OrgKindUnit)
	if leader != nil && !leader.Roles.Has(schemas.RoleUnitPrincipal) {
		errs = append(errs, FieldError{"leader_id", "must be the unit's principal (unit_principal)"})
	}
	hr, errs := s.bodyUnder(c, errs, unit, schemas.OrgKindHR)
	establishment, errs := s.bodyUnder(c, errs, unit, schemas.OrgKindEstablishment)
	if len(errs) > 0 {
		sortFieldErrors(errs)
		abort(c, probValidation, "invalid joint inspection", errs...)
		return
	}
	if in.OrgUnitID != p.OrgUnitID || !p.Roles.Has(schemas.RoleSupervisor) {
		abort(c, probForbidden, "a joint inspection is opened by the supervisors of the organization department itself")
		return
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = leader.Name + "同志三责联检"
	}
	s.startCase(c, caseStart{
		Kind: schemas.KindJointInspection, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**被检查人**：%s（%s主要负责人）\n**检查期间**：%s至%s\n**用人检查**：%s\n**进人检查**：%s\n**用编检查**：%s",
			leader.Name, leaderUnit.Name, in.PeriodFrom, in.PeriodTo, unit.Name, hr.Name, establishment.Name),
		Input: func(id string) any {
			return schemas.JointInspectionInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority,
				LeaderID: leader.ID, LeaderName: leader.Name, UnitID: leaderUnit.ID, UnitName: leaderUnit.Name,
				PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, HROfficeID: hr.ID, EstablishmentOfficeID: establishment.ID,
			}
		},
	})
}
