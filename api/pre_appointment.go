package api

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// PreAppointmentCandidateInput is one candidate in POST /api/v1/cases/pre-appointment.
type PreAppointmentCandidateInput struct {
	OfficialID   string `json:"official_id"`
	ProposedPost string `json:"proposed_post"`
}

// PreAppointmentStartInput is the body of POST /api/v1/cases/pre-appointment.
type PreAppointmentStartInput struct {
	Title      string                         `json:"title"`
	OrgUnitID  string                         `json:"org_unit_id"`
	Candidates []PreAppointmentCandidateInput `json:"candidates"`
	Priority   string                         `json:"priority"`
}

// startPreAppointment opens the pre-appointment checks (任前征求意见 / 凡提必核, P10) of 1 to 20
// candidates, officials in the department's jurisdiction.
func (s *Server) startPreAppointment(c *gin.Context) error {
	p := principal(c)
	var in PreAppointmentStartInput
	if err := bindStart(c, schemas.KindPreAppointment, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	if len(in.Candidates) == 0 || len(in.Candidates) > schemas.MaxPreAppointmentCandidates {
		errs = append(errs, FieldError{"candidates", fmt.Sprintf("人选须为1至%d人", schemas.MaxPreAppointmentCandidates)})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	candidates, errs, err := s.nominees(c, errs, unit, candidateFields, in.Candidates)
	if err != nil {
		return err
	}
	discipline, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindDiscipline)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		if errs, err = s.staffedForPreAppointment(c, errs, unit, discipline, candidates); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return invalid("任前核查的发起内容未通过校验", errs...)
	}
	names := make([]string, len(candidates))
	for i, cand := range candidates {
		names[i] = cand.Name
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = strings.Join(names, "、") + "同志任前核查"
	}
	year := time.Now().In(calendar.Location()).Year()
	return s.startCase(c, caseStart{
		Kind: schemas.KindPreAppointment, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**人选**：%s\n**纪委监委**：%s\n**个人有关事项核查年度**：%d", strings.Join(names, "、"), discipline.Name, year),
		Input: func(id string) any {
			return schemas.PreAppointmentInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority,
				DisciplineOfficeID: discipline.ID, MattersYear: year, Candidates: candidates,
			}
		},
	})
}

// nomineeFields names a start body's list of officials and its post field, for the field paths
// of its errors: P10 and P13 "candidates[i].proposed_post", P9 "cadres[i].post".
type nomineeFields struct{ list, post string }

var candidateFields = nomineeFields{"candidates", "proposed_post"}

// nominees resolves the rows of officials of a start body (P9, P10, P13): enabled officials
// serving in unit's jurisdiction, each named once, with their post; ids c1, c2, … by row.
func (s *Server) nominees(c *gin.Context, errs []FieldError, unit *schemas.OrgUnit, fields nomineeFields, in []PreAppointmentCandidateInput) ([]schemas.PreAppointmentCandidate, []FieldError, error) {
	var candidates []schemas.PreAppointmentCandidate
	seen := map[string]bool{}
	for i, cand := range in {
		f := fmt.Sprintf("%s[%d].", fields.list, i)
		errs = textIssue(errs, f+fields.post, cand.ProposedPost, 1, 200)
		if seen[cand.OfficialID] {
			errs = append(errs, FieldError{f + "official_id", "同一人员不得重复列入"})
			continue
		}
		seen[cand.OfficialID] = true
		if unit == nil {
			continue
		}
		o, u, e, err := s.officialIn(c, errs, f+"official_id", cand.OfficialID, unit, "")
		if err != nil {
			return nil, errs, err
		}
		if errs = e; o != nil {
			candidates = append(candidates, schemas.PreAppointmentCandidate{
				ID: fmt.Sprintf("c%d", i+1), OfficialID: o.ID, Name: o.Name, UnitID: u.ID, UnitName: u.Name,
				ProposedPost: strings.TrimSpace(cand.ProposedPost),
			})
		}
	}
	return candidates, errs, nil
}

// staffedForPreAppointment: the department's cadre section (file review) and supervisors
// (verification, decision), the discipline body's liaison (the letter) and each candidate's
// unit principal (the 廉洁自律 opinion) act on steps; the discipline body's head gets its 催办.
func (s *Server) staffedForPreAppointment(c *gin.Context, errs []FieldError, unit, discipline *schemas.OrgUnit, cands []schemas.PreAppointmentCandidate) ([]FieldError, error) {
	needs := []activities.StaffingGap{
		{OrgUnitID: unit.ID, Role: schemas.RoleCadreSection}, {OrgUnitID: unit.ID, Role: schemas.RoleSupervisor},
		{OrgUnitID: discipline.ID, Role: schemas.RoleDiscipline},
	}
	for _, cand := range cands {
		gap := activities.StaffingGap{OrgUnitID: cand.UnitID, Role: schemas.RoleUnitPrincipal}
		if !slices.Contains(needs, gap) {
			needs = append(needs, gap)
		}
	}
	return s.staffed(c, errs, "任前核查", needs, []activities.StaffingGap{{OrgUnitID: discipline.ID, Role: schemas.RoleUnitPrincipal}})
}
