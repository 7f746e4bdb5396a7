package api

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

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
func (s *Server) startDepartureAudit(c *gin.Context) error {
	p := principal(c)
	var in DepartureAuditStartInput
	if err := bindStart(c, schemas.KindDepartureAudit, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "post", in.Post, 1, 200)
	if _, err := time.Parse(time.DateOnly, in.DepartureDate); err != nil {
		errs = append(errs, FieldError{"departure_date", "离任日期须为YYYY-MM-DD格式的日期"})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	cadre, cadreUnit, errs, err := s.officialIn(c, errs, "cadre_id", in.CadreID, unit, schemas.OrgKindUnit)
	if err != nil {
		return err
	}
	successor, _, errs, err := s.officialIn(c, errs, "successor_id", in.SuccessorID, unit, "")
	if err != nil {
		return err
	}
	if cadre != nil && successor != nil && cadre.ID == successor.ID {
		errs = append(errs, FieldError{"successor_id", "接任人不能是离任干部本人"})
	}
	auditOffice, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindAudit)
	if err != nil {
		return err
	}
	disciplineOffice, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindDiscipline)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		if errs, err = s.staffedForDepartureAudit(c, errs, unit, auditOffice, disciplineOffice); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return invalid("经济责任审计的发起内容未通过校验", errs...)
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = cadre.Name + "同志离任经济责任审计"
	}
	dep := schemas.Departure{
		CadreID: cadre.ID, CadreName: cadre.Name, UnitID: cadreUnit.ID, UnitName: cadreUnit.Name,
		Post: strings.TrimSpace(in.Post), DepartureDate: in.DepartureDate, SuccessorID: successor.ID, SuccessorName: successor.Name,
	}
	return s.startCase(c, caseStart{
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
// A missing body is a field error; a failed lookup is the error.
func (s *Server) bodyUnder(c *gin.Context, errs []FieldError, org *schemas.OrgUnit, kind schemas.OrgKind) (*schemas.OrgUnit, []FieldError, error) {
	if org == nil {
		return nil, errs, nil
	}
	var u schemas.OrgUnit
	err := s.db.WithContext(c.Request.Context()).Where("parent_id = ? AND kind = ?", org.ID, kind).Order("id").First(&u).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, append(errs, FieldError{"org_unit_id", org.Name + "下没有" + orgKindNames[kind]}), nil
	case err != nil:
		return nil, errs, unavailable("find the "+string(kind)+" body", err)
	}
	return &u, errs, nil
}

// departureAuditForm is the process's start form in the web inbox (api/web_start.go).
var departureAuditForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Required: true},
	{Name: "cadre_id", Label: "离任干部（账号）", Type: "official", Required: true, Role: schemas.RoleSupervisedCadre},
	{Name: "post", Label: "原任职务", Type: "text", Required: true},
	{Name: "departure_date", Label: "离任日期", Type: "date", Required: true},
	{Name: "successor_id", Label: "接任干部（账号）", Type: "official", Role: schemas.RoleSupervisedCadre},
	priorityField,
}
