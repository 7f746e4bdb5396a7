package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// MattersCheckStartInput starts a targeted personal-matters check (POST
// /api/v1/cases/matters-check): the cadre, why (reason) and the report year (default: the
// last year's report, the one due by 31 January).
type MattersCheckStartInput struct {
	CadreCaseInput
	Year   string `json:"year"`
	Reason string `json:"reason"`
}

// mattersTargetedReasons are the reasons a request may give; random checks come from the draw.
var mattersTargetedReasons = map[schemas.MattersCheckReason]string{
	schemas.MattersPromotion: "拟提拔",
	schemas.MattersReserve:   "拟列入后备干部",
	schemas.MattersReported:  "举报或巡视反映",
}

// startMattersCheck starts a targeted check of one cadre's personal-matters report (重点抽查)
// by a supervisor of the organization department that manages the cadre.
func (s *Server) startMattersCheck(c *gin.Context) error {
	var in MattersCheckStartInput
	if err := bindStart(c, schemas.KindMattersCheck, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var year int
	cc, err := s.checkCadreCase(c, schemas.KindMattersCheck, &in.CadreCaseInput, func(errs []FieldError) []FieldError {
		if in.Source != "" {
			errs = append(errs, FieldError{"source", "个人有关事项报告查核不接受此字段，请用reason说明查核原因"})
		}
		if _, ok := mattersTargetedReasons[schemas.MattersCheckReason(in.Reason)]; !ok {
			errs = append(errs, FieldError{"reason", "查核原因须为promotion（拟提拔）、reserve（拟列入后备干部）或reported（举报或巡视反映）"})
		}
		var yerr *FieldError
		year, yerr = reportYear(in.Year, time.Now())
		if yerr != nil {
			errs = append(errs, *yerr)
		}
		return errs
	})
	if err != nil {
		return err
	}
	p := principal(c)
	reason := schemas.MattersCheckReason(in.Reason)
	if cc.title == "" {
		cc.title = fmt.Sprintf("个人有关事项报告查核：%s（%d年度）", cc.cadre.Name, year)
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindMattersCheck, Title: cc.title, OrgUnit: cc.unit,
		Details: fmt.Sprintf("**被查核人**：%s（%s，%s）｜**报告年度**：%d｜**查核原因**：%s",
			cc.cadre.Name, cc.cadre.ID, cc.cadreUnit.Name, year, mattersTargetedReasons[reason]),
		Input: func(id string) any {
			return schemas.MattersCheckInput{
				CaseID: id, Title: cc.title, OrgUnitID: cc.unit.ID, CreatedBy: p.ID, Priority: cc.priority,
				CadreID: cc.cadre.ID, CadreName: cc.cadre.Name, CadreUnitID: cc.cadre.OrgUnitID,
				Year: year, Reason: reason, SourceCaseID: strings.TrimSpace(in.SourceCaseID), Grounds: cc.grounds,
			}
		},
	})
}

// reportYear reads the report year of a check: a past year from 2000 (the report on a year is
// due the next January), by default the year before now's Beijing year.
func reportYear(v string, now time.Time) (int, *FieldError) {
	last := now.In(calendar.Location()).Year() - 1
	if strings.TrimSpace(v) == "" {
		return last, nil
	}
	y, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || y < 2000 || y > last {
		return 0, &FieldError{"year", fmt.Sprintf("报告年度须为2000至%d之间的年份", last)}
	}
	return y, nil
}

// mattersCheckForm is the process's start form in the web inbox (api/web_start.go).
var mattersCheckForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Hint: "不填则为“个人有关事项报告查核：姓名（年度）”"},
	{Name: "cadre_id", Label: "被查核干部（账号）", Type: "official", Required: true, Role: schemas.RoleSupervisedCadre},
	{Name: "reason", Label: "查核原因", Type: "select", Required: true, Options: [][2]string{
		{string(schemas.MattersPromotion), "拟提拔（凡提必核）"}, {string(schemas.MattersReserve), "拟列入后备干部"}, {string(schemas.MattersReported), "举报或巡视反映"},
	}},
	{Name: "year", Label: "报告年度", Type: "text", Hint: "四位年份，不填则为上一年度"},
	{Name: "grounds", Label: "查核缘由", Type: "textarea", Required: true},
	{Name: "source_case_id", Label: "来源案件编号", Type: "text", Hint: "由任前审核或举报引起时填写"},
	priorityField,
}
