package api

import (
	"errors"
	"net/http"
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
func (s *Server) listTasks(c *gin.Context) error {
	p := principal(c)
	limit, err := pageLimit(c)
	if err != nil {
		return err
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
			return problem(probForbidden, "scope=org（本单位及下级的全部待办）仅限干部监督人员和管理员查看")
		}
		q = q.Joins("JOIN org_units ON org_units.id = tasks.org_unit_id").Where(s.byOffice(p, "org_units.path", "tasks.case_kind"))
	default:
		return invalid("参数scope无效", FieldError{"scope", "范围须为mine（我的）或org（本单位及下级）"})
	}
	// 回避: of the cases the official is a subject of, only the steps addressed to them.
	recused, err := s.subjectCases(c, p.ID)
	if err != nil {
		return err
	}
	if len(recused) > 0 {
		q = q.Where("tasks.for_subject OR tasks.case_id NOT IN ?", recused)
	}
	switch status {
	case "open", "completed", "cancelled":
		q = q.Where("tasks.status = ?", status)
	case "all":
	default:
		return invalid("参数status无效", FieldError{"status", "待办状态须为open、completed、cancelled或all"})
	}
	kind, err := kindParam(c)
	if err != nil {
		return err
	}
	if kind != "" {
		q = q.Where("tasks.case_kind = ?", kind)
	}
	if org := c.Query("org_unit"); org != "" {
		q = q.Where("tasks.org_unit_id = ?", org)
	}
	if v := c.Query("overdue"); v != "" {
		if v != "true" && v != "false" {
			return invalid("参数overdue无效", FieldError{"overdue", "是否超期须为true或false"})
		}
		q = q.Where("tasks.overdue = ?", v == "true")
	}
	if v := c.Query("due_before"); v != "" {
		t, err := parseDueBefore(v)
		if err != nil {
			return invalid("参数due_before无效", FieldError{"due_before", "截止时间须为RFC 3339时间或YYYY-MM-DD日期"})
		}
		q = q.Where("tasks.due_at < ?", t)
	}
	var cur taskCursor
	has, err := decodeCursor(c, &cur)
	if err != nil {
		return err
	}
	if has {
		q = q.Where("tasks.priority < ? OR (tasks.priority = ? AND tasks.due_at > ?) OR (tasks.priority = ? AND tasks.due_at = ? AND tasks.id > ?)",
			cur.Priority, cur.Priority, cur.DueAt.UTC(), cur.Priority, cur.DueAt.UTC(), cur.ID)
	}
	var rows []TaskResponse
	if err := q.Order("tasks.priority DESC, tasks.due_at ASC, tasks.id ASC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return unavailable("list tasks", err)
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
	return reply(c, http.StatusOK, resp)
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
func (s *Server) loadTaskFor(c *gin.Context) (*TaskResponse, error) {
	p := principal(c)
	var t TaskResponse
	q := s.db.WithContext(c.Request.Context()).Model(&schemas.Task{}).Select("tasks.*, cases.title AS case_title").
		Joins("JOIN cases ON cases.id = tasks.case_id").
		Joins("JOIN org_units ON org_units.id = tasks.org_unit_id").
		Where("tasks.id = ?", c.Param("id"))
	visible := s.db.Where(mineClause(s.db, p, true))
	if p.Roles.Has(schemas.RoleSupervisor) || p.Roles.Has(schemas.RoleAdmin) {
		visible = visible.Or(s.byOffice(p, "org_units.path", "tasks.case_kind"))
	}
	if p.Roles.Has(schemas.RoleLeader) {
		// Leaders read every kind today; should a kind exclude them, its rule holds here too.
		office := s.db.Where("tasks.org_unit_id = ?", p.OrgUnitID)
		if ks := schemas.Unreadable(p.Roles); len(ks) > 0 {
			office = office.Where("tasks.case_kind NOT IN ?", ks)
		}
		visible = visible.Or(office)
	}
	err := q.Where(visible).Take(&t).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, problem(probNotFound, "待办 "+c.Param("id")+" 不存在")
	case err != nil:
		return nil, unavailable("load task", err)
	}
	t.PriorityLabel = priorityLabel(t.Priority)
	c.Set(ctxCaseID, t.CaseID)
	c.Set(ctxTaskID, t.ID)
	return &t, nil
}

// getTask shows a task; a subject of its case sees only the steps addressed to them as subject
// (回避). Actions on tasks are refused to subjects by the workflow.
func (s *Server) getTask(c *gin.Context) error {
	t, err := s.loadTaskFor(c)
	if err != nil {
		return err
	}
	p := principal(c)
	own := t.ForSubject && (t.AssigneeID == nil || *t.AssigneeID == p.ID)
	if !own {
		if err := s.recusedRead(c, t.CaseID, t.ID); err != nil {
			return err
		}
	}
	schemas.InAPIForm(t)
	return reply(c, http.StatusOK, t)
}

// CompleteTaskInput is the body of POST /api/v1/tasks/{id}/complete.
type CompleteTaskInput struct {
	Decision string         `json:"decision"`
	Form     map[string]any `json:"form"`
	Comment  string         `json:"comment"`
}

// completeTask sends the decision to the case workflow, which validates it and answers with
// the case state; a retry with the same Idempotency-Key returns the first answer.
func (s *Server) completeTask(c *gin.Context) error {
	t, err := s.loadTaskFor(c)
	if err != nil {
		return err
	}
	var in CompleteTaskInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	id, err := updateID(c, "complete", t.ID, true)
	if err != nil {
		return err
	}
	refs, err := s.resolveFiles(c, t, in.Form)
	if err != nil {
		return err
	}
	req := schemas.CompleteTaskRequest{TaskID: t.ID, Actor: actor(c), Decision: in.Decision, Form: in.Form, Comment: in.Comment, Files: refs}
	return s.act(c, t.workflow(), schemas.UpdateCompleteTask, id, req)
}

func (s *Server) claimTask(c *gin.Context) error {
	return s.taskAction(c, "claim", schemas.UpdateClaimTask)
}

func (s *Server) unclaimTask(c *gin.Context) error {
	return s.taskAction(c, "unclaim", schemas.UpdateUnclaimTask)
}

func (s *Server) taskAction(c *gin.Context, action, update string) error {
	t, err := s.loadTaskFor(c)
	if err != nil {
		return err
	}
	id, err := updateID(c, action, t.ID, false)
	if err != nil {
		return err
	}
	return s.act(c, t.workflow(), update, id, schemas.TaskActionRequest{TaskID: t.ID, Actor: actor(c)})
}

// ReassignInput is the body of POST /api/v1/tasks/{id}/reassign.
type ReassignInput struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

func (s *Server) reassignTask(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleSupervisor); err != nil {
		return err
	}
	t, err := s.loadTaskFor(c)
	if err != nil {
		return err
	}
	var in ReassignInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if errs := textIssue(nil, "reason", in.Reason, 1, schemas.MaxReasonRunes); len(errs) > 0 {
		return invalid("改派理由未通过校验", errs...)
	}
	to, err := s.loadPrincipal(c.Request.Context(), in.To)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && to.Disabled):
		return invalid("改派对象不存在", FieldError{"to", "改派对象须为未停用的人员"})
	case err != nil:
		return unavailable("load official", err)
	}
	id, err := updateID(c, "reassign", t.ID+"/"+in.To, false)
	if err != nil {
		return err
	}
	req := schemas.ReassignTaskRequest{
		TaskID: t.ID, Actor: actor(c), Reason: in.Reason,
		To: schemas.Actor{ID: to.ID, Name: to.Name, Roles: to.Roles, OrgUnitID: to.OrgUnitID, OrgPath: to.OrgUnit.Path},
	}
	return s.act(c, t.workflow(), schemas.UpdateReassignTask, id, req)
}
