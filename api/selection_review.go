package api

import (
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// SelectionReviewStartInput is the body of POST /api/v1/cases/selection-review: the appointee
// (cadre_id), the selection that appointed them and what revealed the problem.
type SelectionReviewStartInput struct {
	CadreCaseInput
	SelectionCaseID string `json:"selection_case_id"`
	Trigger         string `json:"trigger"`
}

var reviewTriggers = map[string]string{
	schemas.ReviewTriggerReport:       "举报查核属实",
	schemas.ReviewTriggerMattersCheck: "个人有关事项认定瞒报",
	schemas.ReviewTriggerDiscipline:   "纪律审查",
	schemas.ReviewTriggerOther:        "其他",
}

// startSelectionReview opens a 倒查 (DOMAIN.md P13): a supervisor of the organization
// department that ran the selection names it and the appointee who proved 带病提拔; the case
// reads the selection's recorded state to lay out each stage.
func (s *Server) startSelectionReview(c *gin.Context) error {
	var in SelectionReviewStartInput
	if err := bindStart(c, schemas.KindSelectionReview, &in, &in.OrgUnitID); err != nil {
		return err
	}
	cc, err := s.checkCadreCase(c, schemas.KindSelectionReview, &in.CadreCaseInput, func(errs []FieldError) []FieldError {
		if in.Source != "" {
			errs = append(errs, FieldError{"source", "选拔任用倒查不接受此字段，请用trigger说明倒查缘由"})
		}
		if _, ok := reviewTriggers[in.Trigger]; !ok {
			errs = append(errs, FieldError{"trigger", "倒查缘由须为report（举报查核属实）、matters_check（个人有关事项认定瞒报）、discipline（纪律审查）或other（其他）"})
		}
		return textIssue(errs, "selection_case_id", in.SelectionCaseID, 1, 100)
	})
	if err != nil {
		return err
	}
	var row schemas.Case
	err = s.db.WithContext(c.Request.Context()).Take(&row, "id = ? AND kind = ? AND org_unit_id = ?", in.SelectionCaseID, schemas.KindSelection, cc.unit.ID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return invalid("选拔任用倒查的发起内容未通过校验", FieldError{"selection_case_id", "本组织部门没有此选拔任用全程记实案件"})
	case err != nil:
		return unavailable("load the selection", err)
	}
	var state schemas.CaseState
	if err := s.caseState(c, &row, &state); err != nil {
		return err
	}
	var cand *schemas.SelectionCandidateState
	if state.Selection != nil {
		for _, cs := range state.Selection.Candidates {
			if cs.OfficialID == cc.cadre.ID && cs.Appointed {
				cand = cs
			}
		}
	}
	if cand == nil {
		return invalid("选拔任用倒查的发起内容未通过校验", FieldError{"cadre_id", "该干部未经此次选拔任用任职"})
	}
	p := principal(c)
	if cc.title == "" {
		cc.title = fmt.Sprintf("选拔任用倒查：%s（%s）", cc.cadre.Name, row.ID)
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindSelectionReview, Title: cc.title, OrgUnit: cc.unit,
		Details: fmt.Sprintf("**倒查对象**：%s（%s，%s）｜**选拔任用**：%s｜**缘由**：%s",
			cc.cadre.Name, cc.cadre.ID, cand.ProposedPost, row.ID, reviewTriggers[in.Trigger]),
		Input: func(id string) any {
			return schemas.SelectionReviewInput{
				CaseID: id, Title: cc.title, OrgUnitID: cc.unit.ID, CreatedBy: p.ID, Priority: cc.priority,
				SelectionCaseID: row.ID, Selection: state.Selection, CandidateID: cand.ID,
				Trigger: in.Trigger, SourceCaseID: in.SourceCaseID, Grounds: cc.grounds,
			}
		},
	})
}

// selectionReviewForm is the process's start form in the web inbox (api/web_start.go).
var selectionReviewForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Hint: "不填则为“选拔任用倒查：姓名（案件编号）”"},
	{Name: "selection_case_id", Label: "选拔任用全程记实案件编号", Type: "text", Required: true},
	{Name: "cadre_id", Label: "倒查对象（经该次选拔任职的干部账号）", Type: "official", Required: true, Role: schemas.RoleSupervisedCadre},
	{Name: "trigger", Label: "倒查缘由", Type: "select", Required: true, Options: [][2]string{
		{schemas.ReviewTriggerReport, "举报查核属实"}, {schemas.ReviewTriggerMattersCheck, "个人有关事项认定瞒报"},
		{schemas.ReviewTriggerDiscipline, "纪律审查"}, {schemas.ReviewTriggerOther, "其他"},
	}},
	{Name: "grounds", Label: "带病提拔的情况", Type: "textarea", Required: true},
	{Name: "source_case_id", Label: "来源案件编号", Type: "text", Hint: "举报、个人事项查核或纪律审查案件编号"},
	priorityField,
}
