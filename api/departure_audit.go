package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// DepartureAuditStartInput is the body of POST /api/v1/cases/departure-audit: a cadre's
// departure is registered.
type DepartureAuditStartInput struct {
	Title         string `json:"title"`
	OrgUnitID     string `json:"org_unit_id"`
	CadreID       string `json:"cadre_id"`
	Post          string `json:"post"`
	DepartureDate string `json:"departure_date"`
	SuccessorID   string `json:"successor_id"`
	Priority      string `json:"priority"`
}

// startDepartureAudit starts a departure audit with handover (经济责任审计 + 离任交接).
func (s *Server) startDepartureAudit(c *gin.Context) {
	p := principal(c)
	var in DepartureAuditStartInput
	if !bindJSON(c, &in) {
		return
	}
	if in.OrgUnitID == "" {
		in.OrgUnitID = p.OrgUnitID
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "post", in.Post, 1, 200)
	if _, err := time.Parse(time.DateOnly, in.DepartureDate); err != nil {
		errs = append(errs, FieldError{"departure_date", "YYYY-MM-DD"})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs := s.organization(c, errs, in.OrgUnitID)
	cadre, cadreUnit, errs := s.officialIn(c, errs, "cadre_id", in.CadreID, unit, schemas.OrgKindUnit)
	successor, _, errs := s.officialIn(c, errs, "successor_id", in.SuccessorID, unit, "")
	if cadre != nil && successor != nil && cadre.ID == successor.ID {
		errs = append(errs, FieldError{"successor_id", "must differ from the departing cadre"})
	}
	auditOffice, errs := s.bodyUnder(c, errs, unit, schemas.OrgKindAudit)
	disciplineOffice, errs := s.bodyUnder(c, errs, unit, schemas.OrgKindDiscipline)
	if len(errs) == 0 {
		var ok bool
		if errs, ok = s.staffedForDepartureAudit(c, errs, unit, auditOffice, disciplineOffice); !ok {
			return
		}
	}
	if len(errs) > 0 {
		sortFieldErrors(errs)
		abort(c, probValidation, "invalid departure audit", errs...)
		return
	}
	if in.OrgUnitID != p.OrgUnitID || !(p.Roles.Has(schemas.RoleSupervisor) || p.Roles.Has(schemas.RoleCadreSection)) {
		abort(c, probForbidden, "a departure is registered by the supervisors or the cadre section of the organization department itself")
		return
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = cadre.Name + "同志离任经济责任审计"
	}
	dep := schemas.Departure{
		CadreID: cadre.ID, CadreName: cadre.Name, UnitID: cadreUnit.ID, UnitName: cadreUnit.Name,
		Post: strings.TrimSpace(in.Post), DepartureDate: in.DepartureDate, SuccessorID: successor.ID, SuccessorName: successor.Name,
	}
	s.startCase(c, caseStart{
		Kind: schemas.KindDepartureAudit, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**离任干部**：%s（%s%s）\n**离任日期**：%s\n**接任人**：%s\n**审计机关**：%s",
			dep.CadreName, dep.UnitName, dep.Post, dep.DepartureDate, dep.SuccessorName, auditOffice.Name),
		Input: func(id string) any {
			return schemas.DepartureAuditInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority, Departure: dep,
				AuditOfficeID: auditOffice.ID, DisciplineOfficeID: disciplineOffice.ID,
			}
		},
	})
}

// bodyUnder finds the body of kind (audit office, HR, establishment office, discipline
// commission) of the same place as the organization department.
func (s *Server) bodyUnder(c *gin.Context, errs []FieldError, org *schemas.OrgUnit, kind schemas.OrgKind) (*schemas.OrgUnit, []FieldError) {
	if org == nil {
		return nil, errs
	}
	var u schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).Where("parent_id = ? AND kind = ?", org.ID, kind).Order("id").First(&u).Error; err != nil {
		return nil, append(errs, FieldError{"org_unit_id", "no " + string(kind) + " body under " + org.ID})
	}
	return &u, errs
}
