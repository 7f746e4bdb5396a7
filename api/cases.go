package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
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
}

// PublicityStartInput is the body of POST /api/v1/cases/publicity.
type PublicityStartInput struct {
	Title             string           `json:"title"`
	OrgUnitID         string           `json:"org_unit_id"`
	Candidates        []CandidateInput `json:"candidates"`
	PeriodWorkingDays int              `json:"period_working_days"`
	Priority          string           `json:"priority"`
}

// StartedCase answers a start.
type StartedCase struct {
	ID    string           `json:"id"`
	Kind  schemas.CaseKind `json:"kind"`
	Title string           `json:"title"`
	RunID string           `json:"run_id"`
}

func textIssue(errs []FieldError, field, v string, min, max int) []FieldError {
	if n := utf8.RuneCountInString(strings.TrimSpace(v)); n < min || n > max {
		if min > 0 {
			return append(errs, FieldError{field, fmt.Sprintf("required, %d-%d characters", min, max)})
		}
		return append(errs, FieldError{field, fmt.Sprintf("at most %d characters", max)})
	}
	return errs
}

// startPublicity starts a pre-appointment publicity case (任前公示).
func (s *Server) startPublicity(c *gin.Context) {
	kind := schemas.KindPublicity
	p := principal(c)
	var in PublicityStartInput
	if !bindJSON(c, &in) {
		return
	}
	if in.OrgUnitID == "" {
		in.OrgUnitID = p.OrgUnitID
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 1, 200)
	if len(in.Candidates) == 0 || len(in.Candidates) > 50 {
		errs = append(errs, FieldError{"candidates", "1 to 50 candidates"})
	}
	for i, cand := range in.Candidates {
		f := fmt.Sprintf("candidates[%d].", i)
		errs = textIssue(errs, f+"name", cand.Name, 1, 50)
		errs = textIssue(errs, f+"current_post", cand.CurrentPost, 1, 200)
		errs = textIssue(errs, f+"proposed_post", cand.ProposedPost, 1, 200)
		errs = textIssue(errs, f+"gender", cand.Gender, 0, 10)
		errs = textIssue(errs, f+"education", cand.Education, 0, 50)
		if cand.BirthDate != "" {
			if _, err := time.Parse("2006-01", cand.BirthDate); err != nil {
				errs = append(errs, FieldError{f + "birth_date", "YYYY-MM"})
			}
		}
	}
	if in.PeriodWorkingDays == 0 {
		in.PeriodWorkingDays = 5
	}
	if in.PeriodWorkingDays < 5 || in.PeriodWorkingDays > 30 {
		errs = append(errs, FieldError{"period_working_days", "5 to 30 (the regulation requires at least 5)"})
	}
	priority := schemas.PriorityNormal
	switch in.Priority {
	case "", "normal":
	case "urgent":
		priority = schemas.PriorityUrgent
	default:
		errs = append(errs, FieldError{"priority", "normal or urgent"})
	}
	var unit schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).First(&unit, "id = ?", in.OrgUnitID).Error; err != nil {
		errs = append(errs, FieldError{"org_unit_id", "unknown org unit"})
	} else if unit.Kind != schemas.OrgKindOrganization {
		errs = append(errs, FieldError{"org_unit_id", "must be an organization department"})
	}
	if len(errs) > 0 {
		sortFieldErrors(errs)
		abort(c, probValidation, "invalid publicity", errs...)
		return
	}
	if in.OrgUnitID != p.OrgUnitID || !(p.Roles.Has(schemas.RoleCadreSection) || p.Roles.Has(schemas.RoleSupervisor)) {
		abort(c, probForbidden, "publicity is started by the cadre section or supervisors of the organization department itself")
		return
	}
	caseID, err := s.allocateCaseID(c, kind)
	if err != nil {
		s.unavailable(c, "number the case", err)
		return
	}
	input := schemas.PublicityInput{
		CaseID: caseID, Title: strings.TrimSpace(in.Title), OrgUnitID: in.OrgUnitID, CreatedBy: p.ID,
		Priority: priority, PeriodWorkingDays: in.PeriodWorkingDays,
	}
	names := make([]string, len(in.Candidates))
	for i, cand := range in.Candidates {
		input.Candidates = append(input.Candidates, schemas.Candidate{
			ID: fmt.Sprintf("c%d", i+1), Name: strings.TrimSpace(cand.Name), Gender: cand.Gender, BirthDate: cand.BirthDate,
			Education: cand.Education, CurrentPost: cand.CurrentPost, ProposedPost: cand.ProposedPost,
		})
		names[i] = strings.TrimSpace(cand.Name)
	}
	run, err := s.temporal.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{
		ID:                       caseID,
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            fmt.Sprintf("%s｜%s｜%s", kind.Title(), input.Title, unit.Name),
		StaticDetails:            fmt.Sprintf("**人选**：%s\n**公示期**：%d个工作日\n**发起人**：%s（%s）", strings.Join(names, "、"), input.PeriodWorkingDays, p.Name, p.ID),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			schemas.SACaseKind.ValueSet(string(kind)),
			schemas.SACaseNo.ValueSet(caseID),
			schemas.SAOrgUnit.ValueSet(in.OrgUnitID),
		),
	}, kind.WorkflowType(), input)
	if err != nil {
		s.workflowError(c, caseID, err)
		return
	}
	c.Header("Location", "/api/v1/cases/"+caseID)
	c.JSON(http.StatusCreated, StartedCase{ID: caseID, Kind: kind, Title: input.Title, RunID: run.GetRunID()})
}

// allocateCaseID numbers the case per kind per year (Beijing time). With an Idempotency-Key,
// a retried start gets the number of the first try, and the workflow start (which uses it as
// the workflow id) is deduplicated by Temporal.
func (s *Server) allocateCaseID(c *gin.Context, kind schemas.CaseKind) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if key != "" {
		key = principal(c).ID + "/" + key
	}
	year := time.Now().In(calendar.Location()).Year()
	var id string
	err := s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if key != "" {
			var prev schemas.CaseRequest
			err := tx.First(&prev, "idempotency_key = ?", key).Error
			if err == nil {
				id = prev.CaseID
				return nil
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		var seq int
		err := tx.Raw(`INSERT INTO case_sequences (kind, year, last) VALUES (?, ?, 1)
			ON CONFLICT (kind, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last`, kind, year).Scan(&seq).Error
		if err != nil {
			return err
		}
		id = schemas.CaseID(kind, year, seq)
		if key == "" {
			return nil
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&schemas.CaseRequest{
			IdempotencyKey: key, OfficialID: principal(c).ID, CaseID: id, CreatedAt: time.Now().UTC(),
		}).Error
	})
	return id, err
}

// visibleCases restricts a case query to what the official may see: cases of their org
// subtree, and cases where they hold or held a task.
func (s *Server) visibleCases(q *gorm.DB, p *Principal) *gorm.DB {
	mine := s.db.Model(&schemas.Task{}).Select("tasks.case_id").Where(mineClause(s.db, p))
	return q.Joins("JOIN org_units ON org_units.id = cases.org_unit_id").
		Where(s.db.Where("org_units.path LIKE ?", p.OrgUnit.Path+"%").Or("cases.id IN (?)", mine))
}

type caseCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// listCases lists visible cases, newest first.
func (s *Server) listCases(c *gin.Context) {
	p := principal(c)
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	q := s.visibleCases(s.db.WithContext(c.Request.Context()).Model(&schemas.Case{}).Select("cases.*"), p)
	if kind := schemas.CaseKind(c.Query("kind")); kind != "" {
		if !kind.Valid() {
			abort(c, probValidation, "unknown kind", FieldError{"kind", "unknown process " + string(kind)})
			return
		}
		q = q.Where("cases.kind = ?", kind)
	}
	if st := schemas.CaseStatus(c.Query("status")); st != "" {
		if st != schemas.CaseOpen && st != schemas.CaseClosed && st != schemas.CaseCancelled {
			abort(c, probValidation, "unknown status", FieldError{"status", "open, closed or cancelled"})
			return
		}
		q = q.Where("cases.status = ?", st)
	}
	if org := c.Query("org_unit"); org != "" {
		q = q.Where("cases.org_unit_id = ?", org)
	}
	var cur caseCursor
	has, ok := decodeCursor(c, &cur)
	if !ok {
		return
	}
	if has {
		q = q.Where("cases.created_at < ? OR (cases.created_at = ? AND cases.id < ?)", cur.CreatedAt.UTC(), cur.CreatedAt.UTC(), cur.ID)
	}
	var rows []schemas.Case
	if err := q.Order("cases.created_at DESC, cases.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		s.unavailable(c, "list cases", err)
		return
	}
	resp := gin.H{}
	if len(rows) > limit {
		last := rows[limit-1]
		resp["next_cursor"] = encodeCursor(caseCursor{CreatedAt: last.CreatedAt, ID: last.ID})
		rows = rows[:limit]
	}
	resp["items"] = rows
	c.JSON(http.StatusOK, resp)
}

// loadCaseFor reads a case the official may see; anything else is 404.
func (s *Server) loadCaseFor(c *gin.Context) (*schemas.Case, bool) {
	var row schemas.Case
	err := s.visibleCases(s.db.WithContext(c.Request.Context()).Model(&schemas.Case{}).Select("cases.*"), principal(c)).
		Where("cases.id = ?", c.Param("id")).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		abort(c, probNotFound, "no case "+c.Param("id"))
		return nil, false
	case err != nil:
		s.unavailable(c, "load case", err)
		return nil, false
	}
	return &row, true
}

// TimelineEvent is one audit event in a case's timeline.
type TimelineEvent struct {
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	TaskID string          `json:"task_id,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// CaseResponse is GET /api/v1/cases/{id}: the workflow's own state, the task rows and the
// timeline.
type CaseResponse struct {
	Case     schemas.Case      `json:"case"`
	State    schemas.CaseState `json:"state"`
	Tasks    []schemas.Task    `json:"tasks"`
	Timeline []TimelineEvent   `json:"timeline"`
}

func (s *Server) getCase(c *gin.Context) {
	row, ok := s.loadCaseFor(c)
	if !ok {
		return
	}
	resp := CaseResponse{Case: *row}
	v, err := s.temporal.QueryWorkflow(c.Request.Context(), row.ID, "", schemas.QueryCaseState)
	if err == nil {
		err = v.Get(&resp.State)
	}
	if err != nil {
		s.workflowError(c, row.ID, err)
		return
	}
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("created_at, id").Find(&resp.Tasks).Error; err != nil {
		s.unavailable(c, "load tasks", err)
		return
	}
	var events []schemas.AuditEvent
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("case_seq").Find(&events).Error; err != nil {
		s.unavailable(c, "load timeline", err)
		return
	}
	resp.Timeline = make([]TimelineEvent, len(events))
	for i, e := range events {
		resp.Timeline[i] = TimelineEvent{At: e.At, Actor: e.Actor, Action: e.Action, TaskID: e.TaskID}
		if e.Detail != "" {
			resp.Timeline[i].Detail = json.RawMessage(e.Detail)
		}
	}
	c.JSON(http.StatusOK, resp)
}

// CancelInput is the body of POST /api/v1/cases/{id}/cancel.
type CancelInput struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelCase(c *gin.Context) {
	row, ok := s.loadCaseFor(c)
	if !ok {
		return
	}
	var in CancelInput
	if !bindJSON(c, &in) {
		return
	}
	id, ok := updateID(c, "cancel", row.ID, true)
	if !ok {
		return
	}
	var state schemas.CaseState
	if s.update(c, row.ID, schemas.UpdateCancelCase, id, schemas.CancelCaseRequest{Actor: actor(c), Reason: in.Reason}, &state) {
		c.JSON(http.StatusOK, state)
	}
}

// ObjectionInput is the body of POST /api/v1/cases/{id}/objections.
type ObjectionInput struct {
	CandidateID string `json:"candidate_id"`
	Signed      bool   `json:"signed"`
	Serious     bool   `json:"serious"`
	Channel     string `json:"channel"`
	Summary     string `json:"summary"`
}

func (s *Server) fileObjection(c *gin.Context) {
	row, ok := s.loadCaseFor(c)
	if !ok {
		return
	}
	if row.Kind != schemas.KindPublicity {
		abort(c, probNotFound, "case "+row.ID+" takes no objections")
		return
	}
	var in ObjectionInput
	if !bindJSON(c, &in) {
		return
	}
	id, ok := updateID(c, "objection", row.ID, false)
	if !ok {
		return
	}
	req := schemas.ObjectionRequest{Actor: actor(c), CandidateID: in.CandidateID, Signed: in.Signed, Serious: in.Serious, Channel: in.Channel, Summary: in.Summary}
	var o schemas.Objection
	if s.update(c, row.ID, schemas.UpdateFileObjection, id, req, &o) {
		c.JSON(http.StatusCreated, o)
	}
}

// AuditResponse is a case's audit trail with the result of checking its chain.
type AuditResponse struct {
	CaseID   string               `json:"case_id"`
	Verified bool                 `json:"verified"`
	Problems []audit.Problem      `json:"problems,omitempty"`
	Events   []schemas.AuditEvent `json:"events"`
}

func (s *Server) caseAudit(c *gin.Context) {
	row, ok := s.loadCaseFor(c)
	if !ok {
		return
	}
	resp := AuditResponse{CaseID: row.ID}
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("case_seq").Find(&resp.Events).Error; err != nil {
		s.unavailable(c, "load audit trail", err)
		return
	}
	rep, err := audit.VerifyCase(c.Request.Context(), s.db, row.ID)
	if err != nil {
		s.unavailable(c, "verify audit trail", err)
		return
	}
	resp.Verified, resp.Problems = rep.OK(), rep.Problems
	c.JSON(http.StatusOK, resp)
}
