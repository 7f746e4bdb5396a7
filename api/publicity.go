package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
)

// CandidateInput is one candidate in POST /api/v1/cases/publicity.
type CandidateInput struct {
	Name         string `json:"name"`
	Gender       string `json:"gender"`
	BirthDate    string `json:"birth_date"`
	Education    string `json:"education"`
	CurrentPost  string `json:"current_post"`
	ProposedPost string `json:"proposed_post"`
	// OfficialID names the candidate's own account, if they have one: they become a subject
	// of the case (回避) and can take no part in it.
	OfficialID string `json:"official_id"`
}

// PublicityStartInput is the body of POST /api/v1/cases/publicity.
type PublicityStartInput struct {
	Title             string           `json:"title"`
	OrgUnitID         string           `json:"org_unit_id"`
	Candidates        []CandidateInput `json:"candidates"`
	PeriodWorkingDays int              `json:"period_working_days"`
	Priority          string           `json:"priority"`
	// PublishOn is the day the notice goes up (YYYY-MM-DD); the period counts from it. Default:
	// the day the leader approves it.
	PublishOn string `json:"publish_on"`
}

// startPublicity starts a pre-appointment publicity case (任前公示).
func (s *Server) startPublicity(c *gin.Context) error {
	kind := schemas.KindPublicity
	p := principal(c)
	var in PublicityStartInput
	if err := bindStart(c, kind, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 1, 200)
	if len(in.Candidates) == 0 || len(in.Candidates) > 50 {
		errs = append(errs, FieldError{"candidates", "人选须为1至50人"})
	}
	for i, cand := range in.Candidates {
		f := fmt.Sprintf("candidates[%d].", i)
		errs = textIssue(errs, f+"name", cand.Name, 1, 50)
		errs = textIssue(errs, f+"current_post", cand.CurrentPost, 1, 200)
		errs = textIssue(errs, f+"proposed_post", cand.ProposedPost, 1, 200)
		errs = textIssue(errs, f+"gender", cand.Gender, 0, 10)
		errs = textIssue(errs, f+"education", cand.Education, 0, 50)
		if cand.OfficialID != "" {
			var err error
			if _, _, errs, err = s.officialIn(c, errs, f+"official_id", cand.OfficialID, nil, ""); err != nil {
				return err
			}
		}
		if cand.BirthDate != "" {
			if _, err := time.Parse("2006-01", cand.BirthDate); err != nil {
				errs = append(errs, FieldError{f + "birth_date", "出生年月须为YYYY-MM格式"})
			}
		}
	}
	if in.PeriodWorkingDays == 0 {
		in.PeriodWorkingDays = 5
	}
	if in.PeriodWorkingDays < 5 || in.PeriodWorkingDays > 30 {
		errs = append(errs, FieldError{"period_working_days", "公示期须为5至30个工作日（规定不少于5个工作日）"})
	}
	if in.PublishOn != "" {
		day, err := time.ParseInLocation(time.DateOnly, in.PublishOn, calendar.Location())
		now := time.Now().In(calendar.Location())
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, calendar.Location())
		switch {
		case err != nil || day.Format(time.DateOnly) != in.PublishOn:
			errs = append(errs, FieldError{"publish_on", "须为有效日期（YYYY-MM-DD）"})
		case day.Before(today):
			errs = append(errs, FieldError{"publish_on", "发布日期不得早于今天"})
		case day.After(today.AddDate(0, 3, 0)):
			errs = append(errs, FieldError{"publish_on", "发布日期不得晚于3个月后"})
		}
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalid("任前公示的发起内容未通过校验", errs...)
	}
	// A cadre in an influence period may not be put up for promotion (restrictions.PromotionAllowed).
	var restricted []FieldError
	for i, cand := range in.Candidates {
		if cand.OfficialID == "" {
			continue
		}
		ok, blocking, err := restrictions.PromotionAllowed(c.Request.Context(), s.db, cand.OfficialID, time.Now())
		if err != nil {
			return unavailable("check restrictions", err)
		}
		if !ok {
			restricted = append(restricted, FieldError{fmt.Sprintf("candidates[%d].official_id", i), restrictions.Explain(strings.TrimSpace(cand.Name), blocking)})
		}
	}
	if len(restricted) > 0 {
		return problem(probConflict, "人选处于影响期，不得提拔任用", restricted...)
	}
	names := make([]string, len(in.Candidates))
	var candidates []schemas.Candidate
	for i, cand := range in.Candidates {
		candidates = append(candidates, schemas.Candidate{
			ID: fmt.Sprintf("c%d", i+1), Name: strings.TrimSpace(cand.Name), Gender: cand.Gender, BirthDate: cand.BirthDate,
			Education: cand.Education, CurrentPost: cand.CurrentPost, ProposedPost: cand.ProposedPost, OfficialID: cand.OfficialID,
		})
		names[i] = strings.TrimSpace(cand.Name)
	}
	title := strings.TrimSpace(in.Title)
	return s.startCase(c, caseStart{
		Kind: kind, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**人选**：%s\n**公示期**：%d个工作日", strings.Join(names, "、"), in.PeriodWorkingDays),
		Input: func(id string) any {
			return schemas.PublicityInput{
				CaseID: id, Title: title, OrgUnitID: in.OrgUnitID, CreatedBy: p.ID,
				Priority: priority, PeriodWorkingDays: in.PeriodWorkingDays, Candidates: candidates,
				PublishOn: in.PublishOn,
			}
		},
	})
}

// ObjectionInput is the body of POST /api/v1/cases/{id}/objections.
type ObjectionInput struct {
	CandidateID string `json:"candidate_id"`
	Signed      bool   `json:"signed"`
	Serious     bool   `json:"serious"`
	Channel     string `json:"channel"`
	Summary     string `json:"summary"`
}

func (s *Server) fileObjection(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	if row.Kind != schemas.KindPublicity {
		return problem(probNotFound, "案件 "+row.ID+" 不受理异议（仅任前公示受理）")
	}
	var in ObjectionInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	id, err := updateID(c, "objection", row.ID, false)
	if err != nil {
		return err
	}
	req := schemas.ObjectionRequest{Actor: actor(c), CandidateID: in.CandidateID, Signed: in.Signed, Serious: in.Serious, Channel: in.Channel, Summary: in.Summary}
	var o schemas.Objection
	if err := s.update(c, row.ID, schemas.UpdateFileObjection, id, req, &o); err != nil {
		return err
	}
	return reply(c, http.StatusCreated, o)
}
