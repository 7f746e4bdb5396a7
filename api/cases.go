package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/schemas"
)

// StartedCase answers a start.
type StartedCase struct {
	ID    string           `json:"id"`
	Kind  schemas.CaseKind `json:"kind"`
	Title string           `json:"title"`
	RunID string           `json:"run_id"`
}

// caseStart is what a process's start handler hands to startCase once it has validated the
// request and checked the caller.
type caseStart struct {
	Kind    schemas.CaseKind
	Title   string
	OrgUnit schemas.OrgUnit
	Details string              // static details for the Temporal UI (markdown)
	Input   func(id string) any // the workflow input, given the case id
	// Claim, when set, runs once the case has its number and before its workflow starts: it
	// answers the request itself (a conflict) and returns false to start nothing.
	Claim func(caseID string) bool
}

// startCase numbers the case and starts its workflow. With an Idempotency-Key a retried start
// gets the same number, and Temporal (USE_EXISTING on the same workflow id) starts nothing new.
func (s *Server) startCase(c *gin.Context, st caseStart) {
	ctx := c.Request.Context()
	p := principal(c)
	key, ok := idempotencyKey(c)
	if !ok {
		return
	}
	if key != "" {
		key = p.ID + "/" + key
	}
	caseID, err := caseno.Next(ctx, s.db, st.Kind, key, p.ID)
	if err != nil {
		s.unavailable(c, "number the case", err)
		return
	}
	if st.Claim != nil && !st.Claim(caseID) {
		return
	}
	run, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       caseID,
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            fmt.Sprintf("%s｜%s｜%s", st.Kind.Title(), st.Title, st.OrgUnit.Name),
		StaticDetails:            st.Details + fmt.Sprintf("\n**发起人**：%s（%s）", p.Name, p.ID),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			schemas.SACaseKind.ValueSet(string(st.Kind)),
			schemas.SACaseNo.ValueSet(caseID),
			schemas.SAOrgUnit.ValueSet(st.OrgUnit.ID),
		),
	}, st.Kind.WorkflowType(), st.Input(caseID))
	if err != nil {
		s.workflowError(c, caseID, err)
		return
	}
	c.Header("Location", "/api/v1/cases/"+caseID)
	c.JSON(http.StatusCreated, StartedCase{ID: caseID, Kind: st.Kind, Title: st.Title, RunID: run.GetRunID()})
}

// parsePriority reads a start request's priority: normal (普通, the default) or urgent (加急).
func parsePriority(errs []FieldError, v string) (schemas.Priority, []FieldError) {
	switch v {
	case "", "normal":
		return schemas.PriorityNormal, errs
	case "urgent":
		return schemas.PriorityUrgent, errs
	}
	return schemas.PriorityNormal, append(errs, FieldError{"priority", "normal or urgent"})
}

// organization loads the organization department a case is run by.
func (s *Server) organization(c *gin.Context, errs []FieldError, id string) (*schemas.OrgUnit, []FieldError) {
	var unit schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).First(&unit, "id = ?", id).Error; err != nil {
		return nil, append(errs, FieldError{"org_unit_id", "unknown org unit"})
	}
	if unit.Kind != schemas.OrgKindOrganization {
		return nil, append(errs, FieldError{"org_unit_id", "must be an organization department"})
	}
	return &unit, errs
}

// officialIn loads an enabled official serving in the org subtree of org (at a unit of kind,
// when kind is set), with their org unit.
func (s *Server) officialIn(c *gin.Context, errs []FieldError, field, id string, org *schemas.OrgUnit, kind schemas.OrgKind) (*schemas.Official, *schemas.OrgUnit, []FieldError) {
	var o schemas.Official
	var u schemas.OrgUnit
	db := s.db.WithContext(c.Request.Context())
	if id == "" || db.First(&o, "id = ? AND disabled = ?", id, false).Error != nil || db.First(&u, "id = ?", o.OrgUnitID).Error != nil {
		return nil, nil, append(errs, FieldError{field, "unknown official"})
	}
	if org != nil && !strings.HasPrefix(u.Path, org.Path) {
		return nil, nil, append(errs, FieldError{field, "must serve within the organization department's jurisdiction"})
	}
	if kind != "" && u.Kind != kind {
		return nil, nil, append(errs, FieldError{field, "must serve at a unit (" + string(kind) + ")"})
	}
	return &o, &u, errs
}

// visibleCases restricts a case query to what the official may see: cases of their org
// subtree, and cases where they hold or held a task.
func (s *Server) visibleCases(q *gorm.DB, p *Principal) *gorm.DB {
	mine := s.db.Model(&schemas.Task{}).Select("tasks.case_id").Where(mineClause(s.db, p, true))
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
	recused, ok := s.subjectCases(c, p.ID)
	if !ok {
		return
	}
	if len(recused) > 0 {
		q = q.Where("cases.id NOT IN ?", recused) // 回避: never the official's own cases
	}
	if kind := schemas.CaseKind(c.Query("kind")); kind != "" {
		if !kind.Valid() {
			abort(c, probValidation, "unknown kind", FieldError{"kind", "unknown process " + string(kind)})
			return
		}
		q = q.Where("cases.kind = ?", kind)
	}
	if st := schemas.CaseStatus(c.Query("status")); st != "" {
		if st != schemas.CaseOpen && st != schemas.CaseClosed && st != schemas.CaseCancelled && st != schemas.CaseTerminated {
			abort(c, probValidation, "unknown status", FieldError{"status", "open, closed, cancelled or terminated"})
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
	c.Set(ctxCaseID, row.ID)
	if !s.recusedRead(c, row.ID, "") {
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
	// Report is, for a transferred case (转办), the report the lower office must verify: its
	// content and material, never the reporter's identity.
	Report *TransferredReport `json:"report,omitempty"`
}

// TransferredReport is a report as a lower office sees it: schemas.Report's JSON carries no
// identity (it stays sealed in its own column).
type TransferredReport struct {
	schemas.Report
	Materials []schemas.ReportMaterial `json:"materials"`
}

func (s *Server) getCase(c *gin.Context) {
	row, ok := s.loadCaseFor(c)
	if !ok {
		return
	}
	ended := s.reconcile(c.Request.Context(), row)
	resp := CaseResponse{Case: *row}
	if ended || row.Status == schemas.CaseTerminated {
		// Temporal ended the workflow without the case closing: its last state (when the
		// workflow still answers) under the status of its end.
		if v, err := s.temporal.QueryWorkflow(c.Request.Context(), row.ID, "", schemas.QueryCaseState); err == nil {
			_ = v.Get(&resp.State)
		}
		resp.State.ID, resp.State.Kind, resp.State.Title, resp.State.OrgUnitID = row.ID, row.Kind, row.Title, row.OrgUnitID
		resp.State.Status, resp.State.Stage, resp.State.StageTitle, resp.State.Outcome = row.Status, row.Stage, "已终止", row.Outcome
		for i := range resp.State.Tasks {
			if resp.State.Tasks[i].Status == schemas.TaskOpen {
				resp.State.Tasks[i].Status = schemas.TaskCancelled
			}
		}
	} else if !s.caseState(c, row, &resp.State) {
		return
	}
	if t := resp.State.Transfer; row.Kind == schemas.KindTransfer && t != nil {
		resp.Report = &TransferredReport{Materials: []schemas.ReportMaterial{}}
		db := s.db.WithContext(c.Request.Context())
		if err := db.First(&resp.Report.Report, "id = ?", t.ParentCaseID).Error; err != nil {
			s.unavailable(c, "load transferred report", err)
			return
		}
		if err := db.Where("report_id = ?", t.ParentCaseID).Order("id").Find(&resp.Report.Materials).Error; err != nil {
			s.unavailable(c, "load transferred material", err)
			return
		}
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
	schemas.InAPIForm(&resp)
	c.JSON(http.StatusOK, resp)
}

// caseState reads a case's state: from its row once the case has ended (the state it ended in,
// stored by the workflow, readable for as long as the row is kept, whatever Temporal's
// retention), else by asking the running workflow.
func (s *Server) caseState(c *gin.Context, row *schemas.Case, state *schemas.CaseState) bool {
	if row.Status != schemas.CaseOpen && row.FinalState != "" {
		if err := json.Unmarshal([]byte(row.FinalState), state); err != nil {
			s.unavailable(c, "decode final state", err)
			return false
		}
		return true
	}
	v, err := s.temporal.QueryWorkflow(c.Request.Context(), row.ID, "", schemas.QueryCaseState)
	if err == nil {
		err = v.Get(state)
	}
	if err != nil {
		s.workflowError(c, row.ID, err)
		return false
	}
	return true
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
