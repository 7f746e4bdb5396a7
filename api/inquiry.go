package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// CadreCaseInput is what starting a case about one supervised cadre takes: the inquiry letter
// (POST /api/v1/cases/inquiry) and the admonishment (POST /api/v1/cases/admonishment).
type CadreCaseInput struct {
	Title     string `json:"title"`
	OrgUnitID string `json:"org_unit_id"`
	CadreID   string `json:"cadre_id"`
	Grounds   string `json:"grounds"`
	Priority  string `json:"priority"`
	// Admonishment only: where the proposal comes from.
	Source       string `json:"source"`
	SourceCaseID string `json:"source_case_id"`
}

// cadreCase is a validated CadreCaseInput.
type cadreCase struct {
	unit      schemas.OrgUnit
	cadre     schemas.Official
	cadreUnit schemas.OrgUnit
	priority  schemas.Priority
	title     string
	grounds   string
}

// bindCadreCase validates a start about a cadre. The case is started by a supervisor of the
// organization department, about a supervised cadre serving in a unit of its subtree.
func (s *Server) bindCadreCase(c *gin.Context, in *CadreCaseInput, what string, extra func([]FieldError) []FieldError) (cadreCase, bool) {
	ctx := c.Request.Context()
	p := principal(c)
	var out cadreCase
	if !bindJSON(c, in) {
		return out, false
	}
	if in.OrgUnitID == "" {
		in.OrgUnitID = p.OrgUnitID
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "grounds", in.Grounds, 1, 5000)
	errs = textIssue(errs, "source_case_id", in.SourceCaseID, 0, 100)
	if extra != nil {
		errs = extra(errs)
	}
	out.priority, errs = parsePriority(errs, in.Priority)
	unit, errs := s.organization(c, errs, in.OrgUnitID)
	if unit != nil {
		out.unit = *unit
	}
	err := s.db.WithContext(ctx).First(&out.cadre, "id = ?", in.CadreID).Error
	switch {
	case in.CadreID == "" || errors.Is(err, gorm.ErrRecordNotFound):
		errs = append(errs, FieldError{"cadre_id", "no such official"})
	case err != nil:
		s.unavailable(c, "load cadre", err)
		return out, false
	case out.cadre.Disabled || !out.cadre.Roles.Has(schemas.RoleSupervisedCadre):
		errs = append(errs, FieldError{"cadre_id", "must be an enabled official with the supervised_cadre role"})
	default:
		if err := s.db.WithContext(ctx).First(&out.cadreUnit, "id = ?", out.cadre.OrgUnitID).Error; err != nil {
			s.unavailable(c, "load cadre's unit", err)
			return out, false
		}
		if out.unit.Path != "" && !strings.HasPrefix(out.cadreUnit.Path, out.unit.Path) {
			errs = append(errs, FieldError{"cadre_id", "the cadre serves outside this organization department's subtree"})
		}
	}
	if len(errs) > 0 {
		sortFieldErrors(errs)
		abort(c, probValidation, "invalid "+what, errs...)
		return out, false
	}
	if in.OrgUnitID != p.OrgUnitID || !p.Roles.Has(schemas.RoleSupervisor) {
		abort(c, probForbidden, what+" is started by supervisors of the organization department itself")
		return out, false
	}
	out.title, out.grounds = strings.TrimSpace(in.Title), strings.TrimSpace(in.Grounds)
	return out, true
}

// startInquiry starts an inquiry letter case (函询).
func (s *Server) startInquiry(c *gin.Context) {
	var in CadreCaseInput
	cc, ok := s.bindCadreCase(c, &in, "inquiry", func(errs []FieldError) []FieldError {
		if in.Source != "" {
			errs = append(errs, FieldError{"source", "not taken by an inquiry"})
		}
		return errs
	})
	if !ok {
		return
	}
	p := principal(c)
	if cc.title == "" {
		cc.title = "关于" + cc.cadre.Name + "同志有关问题的函询"
	}
	s.startCase(c, caseStart{
		Kind: schemas.KindInquiry, Title: cc.title, OrgUnit: cc.unit,
		Details: fmt.Sprintf("**被函询人**：%s（%s，%s）", cc.cadre.Name, cc.cadre.ID, cc.cadreUnit.Name),
		Input: func(id string) any {
			return schemas.InquiryInput{
				CaseID: id, Title: cc.title, OrgUnitID: cc.unit.ID, CreatedBy: p.ID, Priority: cc.priority,
				CadreID: cc.cadre.ID, CadreName: cc.cadre.Name, CadreUnitID: cc.cadre.OrgUnitID,
				Grounds: cc.grounds, SourceCaseID: strings.TrimSpace(in.SourceCaseID),
			}
		},
	})
}
