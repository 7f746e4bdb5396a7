package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// TaskResponse is a task as the inbox shows it, with the case it belongs to.
type TaskResponse struct {
	schemas.Task
	CaseTitle string `json:"case_title"`
	// PriorityLabel is 加急 or 普通.
	PriorityLabel string `json:"priority_label"`
}

// workflow is the workflow to send the task's updates to.
func (t *TaskResponse) workflow() string {
	if t.WorkflowID != "" {
		return t.WorkflowID
	}
	return t.CaseID
}

type taskCursor struct {
	Priority schemas.Priority `json:"p"`
	DueAt    time.Time        `json:"d"`
	ID       string           `json:"i"`
}

// mineClause selects the tasks that are the official's: named to them, claimed by them, open
// to their role in their org unit and not claimed by someone else, or (withCompleted) completed
// by them.
func mineClause(db *gorm.DB, p *Principal, withCompleted bool) *gorm.DB {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	q := db.Where("tasks.assignee_id = ?", p.ID).
		Or("tasks.claimed_by = ?", p.ID).
		Or("tasks.assignee_id IS NULL AND tasks.claimed_by IS NULL AND tasks.org_unit_id = ? AND tasks.assignee_role IN ?", p.OrgUnitID, roles)
	if withCompleted {
		q = q.Or("tasks.completed_by = ?", p.ID)
	}
	return q
}

// listTasks is the inbox: mine by default, or (supervisors) every task of the org subtree,
// urgent first, then by due time.
func (s *Server) listTasks(c *gin.Context) {
	p := principal(c)
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	q := s.db.WithContext(c.Request.Context()).Model(&schemas.Task{}).Select("tasks.*, cases.title AS case_title").
		Joins("JOIN cases ON cases.id = tasks.case_id")
	status := c.DefaultQuery("status", "open")
	switch scope := c.DefaultQuery("scope", "mine"); scope {
	case "mine":
		// An open task cannot have been completed by anyone: leaving that arm out of the OR
		// keeps the planner from over-estimating the official's open tasks (docs/BENCHMARKS.md).
		q = q.Where(mineClause(s.db, p, status != "open"))
	case "org":
		if !p.Roles.Has(schemas.RoleSupervisor) && !p.Roles.Has(schemas.RoleAdmin) {
			abort(c, probForbidden, "scope=org is for supervisors")
			return
		}
		q = q.Joins("JOIN org_units ON org_units.id = tasks.org_unit_id").Where("org_units.path LIKE ?", p.OrgUnit.Path+"%")
	default:
		abort(c, probValidation, "unknown scope", FieldError{"scope", "mine or org"})
		return
	}
	// 回避: of the cases the official is a subject of, only the steps addressed to them.
	recused, ok := s.subjectCases(c, p.ID)
	if !ok {
		return
	}
	if len(recused) > 0 {
		q = q.Where("tasks.for_subject OR tasks.case_id NOT IN ?", recused)
	}
	switch status {
	case "open", "completed", "cancelled":
		q = q.Where("tasks.status = ?", status)
	case "all":
	default:
		abort(c, probValidation, "unknown status", FieldError{"status", "open, completed, cancelled or all"})
		return
	}
	if kind := schemas.CaseKind(c.Query("kind")); kind != "" {
		if !kind.Valid() {
			abort(c, probValidation, "unknown kind", FieldError{"kind", "unknown process " + string(kind)})
			return
		}
		q = q.Where("tasks.case_kind = ?", kind)
	}
	if org := c.Query("org_unit"); org != "" {
		q = q.Where("tasks.org_unit_id = ?", org)
	}
	if v := c.Query("overdue"); v != "" {
		if v != "true" && v != "false" {
			abort(c, probValidation, "overdue must be true or false", FieldError{"overdue", "true or false"})
			return
		}
		q = q.Where("tasks.overdue = ?", v == "true")
	}
	if v := c.Query("due_before"); v != "" {
		t, err := parseDueBefore(v)
		if err != nil {
			abort(c, probValidation, "bad due_before", FieldError{"due_before", "RFC 3339 time or YYYY-MM-DD"})
			return
		}
		q = q.Where("tasks.due_at < ?", t)
	}
	var cur taskCursor
	has, ok := decodeCursor(c, &cur)
	if !ok {
		return
	}
	if has {
		q = q.Where("tasks.priority < ? OR (tasks.priority = ? AND tasks.due_at > ?) OR (tasks.priority = ? AND tasks.due_at = ? AND tasks.id > ?)",
			cur.Priority, cur.Priority, cur.DueAt.UTC(), cur.Priority, cur.DueAt.UTC(), cur.ID)
	}
	var rows []TaskResponse
	if err := q.Order("tasks.priority DESC, tasks.due_at ASC, tasks.id ASC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		s.unavailable(c, "list tasks", err)
		return
	}
	resp := gin.H{}
	if len(rows) > limit {
		last := rows[limit-1]
		next := taskCursor{Priority: last.Priority, ID: last.ID}
		if last.DueAt != nil {
			next.DueAt = *last.DueAt
		}
		resp["next_cursor"] = encodeCursor(next)
		rows = rows[:limit]
	}
	for i := range rows {
		rows[i].PriorityLabel = priorityLabel(rows[i].Priority)
	}
	schemas.InAPIForm(&rows)
	resp["items"] = rows
	c.JSON(http.StatusOK, resp)
}

func parseDueBefore(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, calendar.Location())
	return d.UTC(), err
}

func priorityLabel(p schemas.Priority) string {
	if p == schemas.PriorityUrgent {
		return "加急"
	}
	return "普通"
}

// loadTaskFor reads a task the principal may see (theirs, or in a supervisor's subtree);
// anything else is 404, so task ids are not probed.
func (s *Server) loadTaskFor(c *gin.Context) (*TaskResponse, bool) {
	p := principal(c)
	var t TaskResponse
	q := s.db.WithContext(c.Request.Context()).Model(&schemas.Task{}).Select("tasks.*, cases.title AS case_title").
		Joins("JOIN cases ON cases.id = tasks.case_id").
		Joins("JOIN org_units ON org_units.id = tasks.org_unit_id").
		Where("tasks.id = ?", c.Param("id"))
	visible := s.db.Where(mineClause(s.db, p, true))
	if p.Roles.Has(schemas.RoleSupervisor) || p.Roles.Has(schemas.RoleAdmin) {
		visible = visible.Or("org_units.path LIKE ?", p.OrgUnit.Path+"%")
	}
	if p.Roles.Has(schemas.RoleLeader) {
		visible = visible.Or("tasks.org_unit_id = ?", p.OrgUnitID)
	}
	err := q.Where(visible).Take(&t).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		abort(c, probNotFound, "no task "+c.Param("id"))
		return nil, false
	case err != nil:
		s.unavailable(c, "load task", err)
		return nil, false
	}
	t.PriorityLabel = priorityLabel(t.Priority)
	c.Set(ctxCaseID, t.CaseID)
	c.Set(ctxTaskID, t.ID)
	return &t, true
}

// getTask shows a task; a subject of its case sees only the steps addressed to them as subject
// (回避). Actions on tasks are refused to subjects by the workflow.
func (s *Server) getTask(c *gin.Context) {
	t, ok := s.loadTaskFor(c)
	if !ok {
		return
	}
	p := principal(c)
	own := t.ForSubject && (t.AssigneeID == nil || *t.AssigneeID == p.ID)
	if !own && !s.recusedRead(c, t.CaseID, t.ID) {
		return
	}
	schemas.InAPIForm(t)
	c.JSON(http.StatusOK, t)
}

// CompleteTaskInput is the body of POST /api/v1/tasks/{id}/complete.
type CompleteTaskInput struct {
	Decision string         `json:"decision"`
	Form     map[string]any `json:"form"`
	Comment  string         `json:"comment"`
}

// completeTask sends the decision to the case workflow, which validates it and answers with
// the case state; a retry with the same Idempotency-Key returns the first answer.
func (s *Server) completeTask(c *gin.Context) {
	t, ok := s.loadTaskFor(c)
	if !ok {
		return
	}
	var in CompleteTaskInput
	if !bindJSON(c, &in) {
		return
	}
	if strings.TrimSpace(in.Decision) == "" {
		abort(c, probValidation, "decision is required", FieldError{"decision", "required"})
		return
	}
	id, ok := updateID(c, "complete", t.ID, true)
	if !ok {
		return
	}
	var state schemas.CaseState
	req := schemas.CompleteTaskRequest{TaskID: t.ID, Actor: actor(c), Decision: in.Decision, Form: in.Form, Comment: in.Comment}
	if s.update(c, t.workflow(), schemas.UpdateCompleteTask, id, req, &state) {
		c.JSON(http.StatusOK, state)
	}
}

func (s *Server) claimTask(c *gin.Context)   { s.taskAction(c, "claim", schemas.UpdateClaimTask) }
func (s *Server) unclaimTask(c *gin.Context) { s.taskAction(c, "unclaim", schemas.UpdateUnclaimTask) }

func (s *Server) taskAction(c *gin.Context, action, update string) {
	t, ok := s.loadTaskFor(c)
	if !ok {
		return
	}
	id, ok := updateID(c, action, t.ID, false)
	if !ok {
		return
	}
	var state schemas.CaseState
	if s.update(c, t.workflow(), update, id, schemas.TaskActionRequest{TaskID: t.ID, Actor: actor(c)}, &state) {
		c.JSON(http.StatusOK, state)
	}
}

// ReassignInput is the body of POST /api/v1/tasks/{id}/reassign.
type ReassignInput struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

func (s *Server) reassignTask(c *gin.Context) {
	if !requireRole(c, schemas.RoleSupervisor) {
		return
	}
	t, ok := s.loadTaskFor(c)
	if !ok {
		return
	}
	var in ReassignInput
	if !bindJSON(c, &in) {
		return
	}
	if errs := textIssue(nil, "reason", in.Reason, 1, schemas.MaxReasonRunes); len(errs) > 0 {
		abort(c, probValidation, "invalid reason", errs...)
		return
	}
	to, err := s.loadPrincipal(c.Request.Context(), in.To)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && to.Disabled):
		abort(c, probValidation, "unknown official", FieldError{"to", "no such enabled official"})
		return
	case err != nil:
		s.unavailable(c, "load official", err)
		return
	}
	id, ok := updateID(c, "reassign", t.ID+"/"+in.To, false)
	if !ok {
		return
	}
	req := schemas.ReassignTaskRequest{
		TaskID: t.ID, Actor: actor(c), Reason: in.Reason,
		To: schemas.Actor{ID: to.ID, Name: to.Name, Roles: to.Roles, OrgUnitID: to.OrgUnitID, OrgPath: to.OrgUnit.Path},
	}
	var state schemas.CaseState
	if s.update(c, t.workflow(), schemas.UpdateReassignTask, id, req, &state) {
		c.JSON(http.StatusOK, state)
	}
}
