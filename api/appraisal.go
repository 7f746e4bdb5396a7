package api

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// AppraisalStartInput is the body of POST /api/v1/cases/appraisal: a supervisor opens the
// office's 述职述廉 round of a year by hand (a schedule opens it on 1 December otherwise).
type AppraisalStartInput struct {
	OrgUnitID string `json:"org_unit_id"`
	Period    string `json:"period"`
	Title     string `json:"title"`
}

// startAppraisal starts a 述职述廉 round (DOMAIN.md P12 step 11).
func (s *Server) startAppraisal(c *gin.Context) error {
	var in AppraisalStartInput
	if err := bindStart(c, schemas.KindAppraisal, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	period, errs, err := s.roundPeriod(errs, schemas.KindAppraisal, "period", "考核年度", in.Period)
	if err != nil {
		return err
	}
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalid("述职述廉的发起内容未通过校验", errs...)
	}
	p := principal(c)
	title := in.Title
	if title == "" {
		title = period + "年度述职述廉"
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindAppraisal, Title: title, OrgUnit: *unit, Period: period,
		Details: fmt.Sprintf("**考核年度**：%s｜**组织部门**：%s", period, unit.Name),
		Input: func(id string) any {
			return schemas.AppraisalInput{
				CycleStart: schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: period, CreatedBy: p.ID},
				Title:      title,
			}
		},
	})
}

// appraisalForm is the process's start form in the web inbox.
var appraisalForm = []startField{
	{Name: "period", Label: "考核年度", Type: "text", Hint: "四位年份，不填则为今年"},
	{Name: "title", Label: "标题", Type: "text"},
}
