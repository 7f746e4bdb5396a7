package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
)

// startAdmonishment starts an admonishment case (诫勉) proposed directly or from a report's
// verification; inquiries start theirs themselves.
func (s *Server) startAdmonishment(c *gin.Context) error {
	var in CadreCaseInput
	cc, err := s.bindCadreCase(c, schemas.KindAdmonishment, &in, func(errs []FieldError) []FieldError {
		if in.Source == "" {
			in.Source = schemas.AdmSourceDirect
		}
		if !slices.Contains(schemas.AdmonishmentSources, in.Source) {
			errs = append(errs, FieldError{"source", "来源须为direct（直接提出）、report（举报查核）或inquiry（函询）"})
		}
		return errs
	})
	if err != nil {
		return err
	}
	p := principal(c)
	if cc.title == "" {
		cc.title = "诫勉：" + cc.cadre.Name
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindAdmonishment, Title: cc.title, OrgUnit: cc.unit,
		Details: fmt.Sprintf("**被诫勉人**：%s（%s，%s）", cc.cadre.Name, cc.cadre.ID, cc.cadreUnit.Name),
		Input: func(id string) any {
			return schemas.AdmonishmentInput{
				CaseID: id, Title: cc.title, OrgUnitID: cc.unit.ID, CreatedBy: p.ID, Priority: cc.priority,
				CadreID: cc.cadre.ID, CadreName: cc.cadre.Name, CadreUnitID: cc.cadre.OrgUnitID,
				Grounds: cc.grounds, Source: in.Source, SourceCaseID: strings.TrimSpace(in.SourceCaseID),
			}
		},
	})
}

// RestrictionsResponse is GET /api/v1/officials/{id}/restrictions.
type RestrictionsResponse struct {
	OfficialID       string                `json:"official_id"`
	At               time.Time             `json:"at"`
	PromotionAllowed bool                  `json:"promotion_allowed"`
	Restrictions     []schemas.Restriction `json:"restrictions"`
}

// officialRestrictions answers whether an official may be promoted now, and what holds them
// back. The official sees their own; supervisors, leaders, the cadre section and admins those
// of their org subtree; anyone else gets 404.
func (s *Server) officialRestrictions(c *gin.Context) error {
	ctx := c.Request.Context()
	o, _, err := s.cadreInScope(c)
	if err != nil {
		return err
	}
	now := time.Now()
	allowed, rows, err := restrictions.PromotionAllowed(ctx, s.db, o.ID, now)
	if err != nil {
		return unavailable("load restrictions", err)
	}
	if rows == nil {
		rows = []schemas.Restriction{}
	}
	return reply(c, http.StatusOK, RestrictionsResponse{OfficialID: o.ID, At: now.UTC(), PromotionAllowed: allowed, Restrictions: rows})
}

// admonishmentForm is the process's start form in the web inbox (api/web_start.go).
var admonishmentForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Required: true},
	{Name: "cadre_id", Label: "诫勉对象（账号）", Type: "official", Required: true, Role: schemas.RoleSupervisedCadre},
	{Name: "grounds", Label: "诫勉事由", Type: "textarea", Required: true},
	{Name: "source", Label: "来源", Type: "select", Options: [][2]string{{"direct", "直接提出"}, {"inquiry", "函询结果"}, {"report", "举报查核结果"}}},
	{Name: "source_case_id", Label: "来源案件编号", Type: "text", Hint: "来源为函询或举报时填写"},
	priorityField,
}
