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
func (s *Server) bindCadreCase(c *gin.Context, kind schemas.CaseKind, in *CadreCaseInput, extra func([]FieldError) []FieldError) (cadreCase, error) {
	if err := bindStart(c, kind, in, &in.OrgUnitID); err != nil {
		return cadreCase{}, err
	}
	return s.checkCadreCase(c, kind, in, extra)
}

// checkCadreCase validates a bound start about a cadre (a body that embeds CadreCaseInput
// binds itself with bindStart first); extra adds the kind's own field errors.
func (s *Server) checkCadreCase(c *gin.Context, kind schemas.CaseKind, in *CadreCaseInput, extra func([]FieldError) []FieldError) (cadreCase, error) {
	ctx := c.Request.Context()
	var out cadreCase
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "grounds", in.Grounds, 1, 5000)
	errs = textIssue(errs, "source_case_id", in.SourceCaseID, 0, 100)
	if extra != nil {
		errs = extra(errs)
	}
	out.priority, errs = parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return out, err
	}
	if unit != nil {
		out.unit = *unit
	}
	err = s.db.WithContext(ctx).First(&out.cadre, "id = ?", in.CadreID).Error
	switch {
	case in.CadreID == "" || errors.Is(err, gorm.ErrRecordNotFound):
		errs = append(errs, FieldError{"cadre_id", "干部不存在"})
	case err != nil:
		return out, unavailable("load cadre", err)
	case out.cadre.Disabled || !out.cadre.Roles.Has(schemas.RoleSupervisedCadre):
		errs = append(errs, FieldError{"cadre_id", "须为未停用、具有“被监督干部”角色的人员"})
	default:
		if err := s.db.WithContext(ctx).First(&out.cadreUnit, "id = ?", out.cadre.OrgUnitID).Error; err != nil {
			return out, unavailable("load cadre's unit", err)
		}
		if out.unit.Path != "" && !strings.HasPrefix(out.cadreUnit.Path, out.unit.Path) {
			errs = append(errs, FieldError{"cadre_id", "该干部不在本组织部门管辖范围内"})
		}
	}
	if len(errs) > 0 {
		return out, invalid(kind.Title()+"的发起内容未通过校验", errs...)
	}
	out.title, out.grounds = strings.TrimSpace(in.Title), strings.TrimSpace(in.Grounds)
	return out, nil
}

// startInquiry starts an inquiry letter case (函询).
func (s *Server) startInquiry(c *gin.Context) error {
	var in CadreCaseInput
	cc, err := s.bindCadreCase(c, schemas.KindInquiry, &in, func(errs []FieldError) []FieldError {
		if in.Source != "" {
			errs = append(errs, FieldError{"source", "函询不接受此字段"})
		}
		return errs
	})
	if err != nil {
		return err
	}
	p := principal(c)
	if cc.title == "" {
		cc.title = "关于" + cc.cadre.Name + "同志有关问题的函询"
	}
	return s.startCase(c, caseStart{
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

// inquiryForm is the process's start form in the web inbox (api/web_start.go).
var inquiryForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Required: true},
	{Name: "cadre_id", Label: "被函询干部（账号）", Type: "official", Required: true, Role: schemas.RoleSupervisedCadre},
	{Name: "grounds", Label: "函询事由", Type: "textarea", Required: true},
	priorityField,
}
