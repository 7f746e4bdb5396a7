package api

import (
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// EvaluationCadreInput is one newly promoted cadre in POST /api/v1/cases/evaluation.
type EvaluationCadreInput struct {
	OfficialID string `json:"official_id"`
	Post       string `json:"post"`
}

// EvaluationStartInput is the body of POST /api/v1/cases/evaluation: a round of 一报告两评议
// opened by a request (a schedule opens it on 1 January with CycleStart alone).
type EvaluationStartInput struct {
	OrgUnitID  string                        `json:"org_unit_id"`
	Period     string                        `json:"period"`
	Title      string                        `json:"title"`
	Priority   string                        `json:"priority"`
	Cadres     []EvaluationCadreInput        `json:"cadres"`
	Thresholds *schemas.EvaluationThresholds `json:"thresholds"`
}

// startEvaluation opens the round of the organization department's Party committee for a
// year (default: the year before this one), with the year's new cadres (0 to 50, officials
// in the department's jurisdiction) and, optionally, this round's thresholds.
func (s *Server) startEvaluation(c *gin.Context) error {
	p := principal(c)
	var in EvaluationStartInput
	if err := bindStart(c, schemas.KindEvaluation, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	period, errs, err := s.roundPeriod(errs, schemas.KindEvaluation, "period", "评议年度", in.Period)
	if err != nil {
		return err
	}
	if len(in.Cadres) > schemas.MaxEvaluationCadres {
		errs = append(errs, FieldError{"cadres", fmt.Sprintf("评议的新提拔干部不得超过%d人", schemas.MaxEvaluationCadres)})
	}
	thresholds := schemas.DefaultEvaluationThresholds()
	if in.Thresholds != nil {
		thresholds = in.Thresholds.WithDefaults()
		for _, is := range thresholds.Check() {
			errs = append(errs, FieldError{is.Field, is.Message})
		}
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	rows := make([]PreAppointmentCandidateInput, len(in.Cadres))
	for i, cd := range in.Cadres {
		rows[i] = PreAppointmentCandidateInput{OfficialID: cd.OfficialID, ProposedPost: cd.Post}
	}
	nominees, errs, err := s.nominees(c, errs, unit, nomineeFields{"cadres", "post"}, rows)
	if err != nil {
		return err
	}
	cadres := make([]schemas.EvaluationCadre, len(nominees))
	for i, n := range nominees {
		cadres[i] = schemas.EvaluationCadre{ID: n.ID, OfficialID: n.OfficialID, Name: n.Name, UnitID: n.UnitID, UnitName: n.UnitName, Post: n.ProposedPost}
	}
	if len(errs) > 0 {
		return invalid("一报告两评议的发起内容未通过校验", errs...)
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = unit.Name + period + "年度选人用人工作一报告两评议"
	}
	names := make([]string, len(cadres))
	for i, cd := range cadres {
		names[i] = cd.Name
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindEvaluation, Title: title, OrgUnit: *unit, Period: period,
		Details: fmt.Sprintf("**评议年度**：%s\n**新提拔干部**：%s\n**阈值**：不满意超过%s、满意度低于%s、下降超过%d个百分点",
			period, strings.Join(names, "、"), thresholds.CadreUnsatisfied, thresholds.WorkSatisfied, thresholds.DropPoints),
		Input: func(id string) any {
			return schemas.EvaluationInput{
				CycleStart: schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: period, CreatedBy: p.ID},
				Title:      title, Priority: priority, Cadres: cadres, Thresholds: thresholds,
			}
		},
	})
}

// evaluationForm is the process's start form in the web inbox (api/web_start.go): the round
// with the default thresholds; the new cadres are listed through the REST body (cadres).
var evaluationForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Hint: "不填则为“组织部门＋年度＋选人用人工作一报告两评议”"},
	{Name: "period", Label: "评议年度", Type: "text", Hint: "四位年份，不填则为上一年度"},
	priorityField,
}
