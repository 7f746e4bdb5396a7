package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// SelectionCandidateInput is one nominee in POST /api/v1/cases/selection.
type SelectionCandidateInput struct {
	OfficialID   string `json:"official_id"`
	ProposedPost string `json:"proposed_post"`
	// CurrentPost is shown in the publicity notice; default: the unit the official serves in.
	CurrentPost string `json:"current_post"`
}

// SelectionStartInput is the body of POST /api/v1/cases/selection.
type SelectionStartInput struct {
	Title      string                    `json:"title"`
	OrgUnitID  string                    `json:"org_unit_id"`
	Posts      string                    `json:"posts"`
	Candidates []SelectionCandidateInput `json:"candidates"`
	Priority   string                    `json:"priority"`
}

// startSelection opens the record of a selection (选拔任用全程记实, P13) for a post or a batch
// of posts, with its nominees: officials in the department's jurisdiction.
func (s *Server) startSelection(c *gin.Context) error {
	p := principal(c)
	var in SelectionStartInput
	if err := bindStart(c, schemas.KindSelection, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "posts", in.Posts, 1, 500)
	if len(in.Candidates) == 0 || len(in.Candidates) > schemas.MaxSelectionCandidates {
		errs = append(errs, FieldError{"candidates", fmt.Sprintf("人选须为1至%d人", schemas.MaxSelectionCandidates)})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	rows := make([]PreAppointmentCandidateInput, len(in.Candidates))
	for i, cand := range in.Candidates {
		rows[i] = PreAppointmentCandidateInput{OfficialID: cand.OfficialID, ProposedPost: cand.ProposedPost}
		errs = textIssue(errs, fmt.Sprintf("candidates[%d].current_post", i), cand.CurrentPost, 0, 200)
	}
	nominees, errs, err := s.nominees(c, errs, unit, candidateFields, rows)
	if err != nil {
		return err
	}
	discipline, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindDiscipline)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		if errs, err = s.staffedForPreAppointment(c, errs, unit, discipline, nominees); err != nil {
			return err
		}
		if errs, err = s.staffed(c, errs, "选拔任用全程记实", []activities.StaffingGap{{OrgUnitID: unit.ID, Role: schemas.RoleLeader}}, nil); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return invalid("选拔任用全程记实的发起内容未通过校验", errs...)
	}
	candidates := make([]schemas.SelectionCandidate, len(nominees))
	names := make([]string, len(nominees))
	for i, n := range nominees {
		current := strings.TrimSpace(in.Candidates[i].CurrentPost)
		if current == "" {
			current = n.UnitName
		}
		candidates[i] = schemas.SelectionCandidate{
			ID: n.ID, OfficialID: n.OfficialID, Name: n.Name, UnitID: n.UnitID, UnitName: n.UnitName,
			CurrentPost: current, ProposedPost: n.ProposedPost,
		}
		names[i] = n.Name
	}
	posts := strings.TrimSpace(in.Posts)
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = posts + "选拔任用"
	}
	year := time.Now().In(calendar.Location()).Year()
	return s.startCase(c, caseStart{
		Kind: schemas.KindSelection, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**拟任职位**：%s\n**人选**：%s\n**纪委监委**：%s", posts, strings.Join(names, "、"), discipline.Name),
		Input: func(id string) any {
			return schemas.SelectionInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority, Posts: posts,
				DisciplineOfficeID: discipline.ID, MattersYear: year, Candidates: candidates,
			}
		},
	})
}

// IrregularityInput is the body of POST /api/v1/cases/{id}/irregularities.
type IrregularityInput struct {
	Description string `json:"description"`
}

// flagIrregularity: a supervisor flags an irregularity in a selection; the case opens no
// further stage until its resolution is approved.
func (s *Server) flagIrregularity(c *gin.Context) error {
	var in IrregularityInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	if row.Kind != schemas.KindSelection {
		return problem(probNotFound, "案件 "+row.ID+" 不是选拔任用全程记实，不能标记不规范情形")
	}
	id, err := updateID(c, "irregularity", row.ID, false)
	if err != nil {
		return err
	}
	var irr schemas.SelectionIrregularity
	req := schemas.IrregularityRequest{Actor: actor(c), Description: in.Description}
	if err := s.update(c, row.ID, schemas.UpdateFlagIrregularity, id, req, &irr); err != nil {
		return err
	}
	return reply(c, http.StatusCreated, irr)
}

// webSelectionForm is the web start form of a selection, with nominee rows.
func (s *Server) webSelectionForm(c *gin.Context) {
	s.render(c, http.StatusOK, "selection", page{Title: "发起选拔任用全程记实", Nav: "start",
		Form: map[string]string{"idem": randomToken()[:32]}, Data: maxWebCandidates})
}

// webStartSelection sends the form to POST /api/v1/cases/selection.
func (s *Server) webStartSelection(c *gin.Context) {
	entered := map[string]string{}
	for _, k := range []string{"title", "posts", "priority", "idem"} {
		entered[k] = c.PostForm(k)
	}
	in := SelectionStartInput{Title: entered["title"], Posts: entered["posts"], Priority: entered["priority"]}
	for i := range maxWebCandidates {
		var cand SelectionCandidateInput
		for f, dst := range map[string]*string{"official_id": &cand.OfficialID, "proposed_post": &cand.ProposedPost, "current_post": &cand.CurrentPost} {
			k := fmt.Sprintf("candidates[%d].%s", i, f)
			entered[k] = c.PostForm(k)
			*dst = strings.TrimSpace(entered[k])
		}
		if cand.OfficialID != "" {
			in.Candidates = append(in.Candidates, cand)
		}
	}
	idem := entered["idem"]
	if idem == "" || len(idem) > 64 {
		idem = randomToken()
	}
	a := s.call(c, "POST", "/api/v1/cases/selection", in, "Idempotency-Key", "web-"+idem)
	switch {
	case a.ok():
		var started StartedCase
		_ = a.decode(&started)
		s.redirectToNewCase(c, started.ID)
	case a.status == http.StatusUnprocessableEntity:
		entered["idem"] = randomToken()[:32]
		s.render(c, http.StatusUnprocessableEntity, "selection", page{Title: "发起选拔任用全程记实", Nav: "start", Form: entered, Data: maxWebCandidates,
			Errors: fieldErrors(a.problem()), Error: "提交未通过校验，请按提示修改。"})
	default:
		s.failed(c, a)
	}
}
