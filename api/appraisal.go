package api

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/calendar"
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
	now := time.Now().In(calendar.Location())
	if y, err := strconv.Atoi(in.Period); err != nil || len(in.Period) != 4 || y < 2000 || y > now.Year() {
		errs = append(errs, FieldError{"period", fmt.Sprintf("考核年度须为2000至%d之间的四位年份", now.Year())})
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
		title = in.Period + "年度述职述廉"
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindAppraisal, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**考核年度**：%s｜**组织部门**：%s", in.Period, unit.Name),
		Input: func(id string) any {
			return schemas.AppraisalInput{
				CycleStart: schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: in.Period, CreatedBy: p.ID},
				Title:      title,
			}
		},
	})
}

// appraisalForm is the process's start form in the web inbox.
var appraisalForm = []startField{
	{Name: "period", Label: "考核年度", Type: "text", Required: true, Hint: "四位年份，如2026"},
	{Name: "title", Label: "标题", Type: "text"},
}
