package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/internal/casestart"
	"github.com/jiandu/jiandu/internal/cycles"
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
	// Claim, when set, runs once the case has its number and before its workflow starts; its
	// error (a conflict) is the answer and nothing starts.
	Claim func(caseID string) error
	// Period is the round's period when Kind is a periodic process (schemas.Cycles; required
	// then, from roundPeriod): the case is the round's, see startCase.
	Period string
}

// startCase numbers the case and starts its workflow. With an Idempotency-Key a retried start
// gets the same number, and Temporal (USE_EXISTING on the same workflow id) starts nothing new.
//
// A round of a periodic process (kind, org unit, period) is numbered under its identity
// instead (cycles.Claim, as the schedule's launcher does), so it has one case whoever starts
// it and however often: the first start answers 201; a later or concurrent one, by hand or
// by the schedule, gets the same case — 200 with it while it runs (nothing new starts, the
// request's own details are not applied), 409 naming the period once it has ended.
func (s *Server) startCase(c *gin.Context, st caseStart) error {
	ctx := c.Request.Context()
	p := principal(c)
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	if key != "" {
		key = p.ID + "/" + key
	}
	_, isRound := cycles.Find(s.cycleList(), st.Kind)
	var caseID string
	fresh := true
	if isRound {
		if st.Period == "" {
			return fmt.Errorf("start %s: a round of a periodic process needs its period", st.Kind)
		}
		caseID, fresh, err = cycles.Claim(ctx, s.db, cycles.Round{Kind: st.Kind, OrgUnitID: st.OrgUnit.ID, Period: st.Period}, p.ID)
	} else {
		caseID, err = caseno.Next(ctx, s.db, st.Kind, key, p.ID)
	}
	if err != nil {
		return unavailable("number the case", err)
	}
	if !fresh {
		if err := s.roundEnded(c, caseID, st); err != nil {
			return err
		}
	}
	if st.Claim != nil {
		if err := st.Claim(caseID); err != nil {
			return err
		}
	}
	run, err := casestart.Execute(ctx, s.temporal, s.taskQueue, caseID, st.Kind.WorkflowType(), casestart.Case{
		Kind: st.Kind, Title: st.Title, OrgUnit: st.OrgUnit,
		Details: st.Details + fmt.Sprintf("\n**发起人**：%s（%s）", p.Name, p.ID),
	}, st.Input(caseID))
	if isRound && cycles.Ended(err) {
		return roundEndedProblem(caseID, st)
	}
	if err != nil {
		return s.workflowError(c, caseID, err)
	}
	c.Header("Location", "/api/v1/cases/"+caseID)
	if !fresh {
		return s.replyExistingRound(c, caseID, st, run.GetRunID())
	}
	return reply(c, http.StatusCreated, StartedCase{ID: caseID, Kind: st.Kind, Title: st.Title, RunID: run.GetRunID()})
}

// roundPeriod reads the period a start of a round of kind names in field (label is its
// Chinese name), the same way for every periodic process (cycles.ParsePeriod): empty is the
// period of a round opening now; else the shape of the cycle's periods, years 2000 to this year.
func (s *Server) roundPeriod(errs []FieldError, kind schemas.CaseKind, field, label, v string) (string, []FieldError, error) {
	cy, ok := cycles.Find(s.cycleList(), kind)
	if !ok {
		return "", errs, fmt.Errorf("round period: %s is not a periodic process", kind)
	}
	period, err := cycles.ParsePeriod(cy, v, time.Now().In(calendar.Location()))
	if err != nil {
		return "", append(errs, FieldError{field, label + "须为" + err.Error()}), nil
	}
	return period, errs, nil
}

// roundEnded is the 409 of a start of a round whose case has ended (its recorded status; its
// workflow may still be finishing).
func (s *Server) roundEnded(c *gin.Context, caseID string, st caseStart) error {
	var row schemas.Case
	err := s.db.WithContext(c.Request.Context()).Select("status").Take(&row, "id = ?", caseID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil
	case err != nil:
		return unavailable("load case", err)
	case row.Status != schemas.CaseOpen:
		return roundEndedProblem(caseID, st)
	}
	return nil
}

func roundEndedProblem(caseID string, st caseStart) error {
	return problem(probConflict, fmt.Sprintf("%s的%s（周期%s）已办结（案件 %s）：同一单位同一周期只办一轮，不能再次发起",
		st.OrgUnit.Name, st.Kind.Title(), st.Period, caseID))
}

// replyExistingRound answers a start of a round that already has its running case: 200 with
// that case (its own title once recorded; the request's until then).
func (s *Server) replyExistingRound(c *gin.Context, caseID string, st caseStart, runID string) error {
	title := st.Title
	var row schemas.Case
	err := s.db.WithContext(c.Request.Context()).Select("title").Take(&row, "id = ?", caseID).Error
	switch {
	case err == nil:
		title = row.Title
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return unavailable("load case", err)
	}
	return reply(c, http.StatusOK, StartedCase{ID: caseID, Kind: st.Kind, Title: title, RunID: runID})
}

// bindStart decodes the body of a start of kind into in once the caller may start it: first
// their roles (before the body is read, so a caller who may not start a case of kind gets 403
// whatever they send), then the office the body names (*office, the caller's own by default).
func bindStart(c *gin.Context, kind schemas.CaseKind, in any, office *string) error {
	if err := startRefused(c, kind); err != nil {
		return err
	}
	if err := bindJSON(c, in); err != nil {
		return err
	}
	if *office == "" {
		*office = principal(c).OrgUnitID
	}
	if !kind.MayStart(actor(c), *office) {
		return startForbidden(kind)
	}
	return nil
}

// startRefused is a 403 unless the caller holds a role that starts cases of kind.
func startRefused(c *gin.Context, kind schemas.CaseKind) error {
	if !principal(c).Roles.HasAny(kind.Process().Start) {
		return startForbidden(kind)
	}
	return nil
}

func startForbidden(kind schemas.CaseKind) error {
	return problem(probForbidden, fmt.Sprintf("%s由本组织部门的%s发起", kind.Title(), roleTitles(kind.Process().Start)))
}

// parsePriority reads a start request's priority: normal (普通, the default) or urgent (加急).
func parsePriority(errs []FieldError, v string) (schemas.Priority, []FieldError) {
	switch v {
	case "", "normal":
		return schemas.PriorityNormal, errs
	case "urgent":
		return schemas.PriorityUrgent, errs
	}
	return schemas.PriorityNormal, append(errs, FieldError{"priority", "紧急程度须为normal（普通）或urgent（加急）"})
}

// organization loads the organization department a case is run by. An unknown or other unit
// is a field error; a failed lookup is the error.
func (s *Server) organization(c *gin.Context, errs []FieldError, id string) (*schemas.OrgUnit, []FieldError, error) {
	var unit schemas.OrgUnit
	err := s.db.WithContext(c.Request.Context()).First(&unit, "id = ?", id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, append(errs, FieldError{"org_unit_id", "办理单位不存在"}), nil
	case err != nil:
		return nil, errs, unavailable("load org unit", err)
	case unit.Kind != schemas.OrgKindOrganization:
		return nil, append(errs, FieldError{"org_unit_id", "办理单位须为组织部门"}), nil
	}
	return &unit, errs, nil
}

// orgKindNames are the Chinese names of the kinds of org unit, for field messages.
var orgKindNames = map[schemas.OrgKind]string{
	schemas.OrgKindOrganization: "组织部门", schemas.OrgKindDiscipline: "纪委监委", schemas.OrgKindAudit: "审计机关",
	schemas.OrgKindHR: "人社部门", schemas.OrgKindEstablishment: "编办", schemas.OrgKindUnit: "基层单位",
}

// officialIn loads an enabled official serving in the org subtree of org (at a unit of kind,
// when kind is set), with their org unit. An unknown official or one serving elsewhere is a
// field error; a failed lookup is the error.
func (s *Server) officialIn(c *gin.Context, errs []FieldError, field, id string, org *schemas.OrgUnit, kind schemas.OrgKind) (*schemas.Official, *schemas.OrgUnit, []FieldError, error) {
	var o schemas.Official
	var u schemas.OrgUnit
	db := s.db.WithContext(c.Request.Context())
	err := db.First(&o, "id = ? AND disabled = ?", id, false).Error
	if err == nil {
		err = db.First(&u, "id = ?", o.OrgUnitID).Error
	}
	switch {
	case id == "" || errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil, append(errs, FieldError{field, "人员不存在或已停用"}), nil
	case err != nil:
		return nil, nil, errs, unavailable("load official", err)
	case org != nil && !strings.HasPrefix(u.Path, org.Path):
		return nil, nil, append(errs, FieldError{field, "须为该组织部门管辖范围内的人员"}), nil
	case kind != "" && u.Kind != kind:
		return nil, nil, append(errs, FieldError{field, "须为在" + orgKindNames[kind] + "任职的人员"}), nil
	}
	return &o, &u, errs, nil
}

// visibleCases restricts a case query to what the official may see: cases of their org
// subtree of a kind their roles may read (schemas.Process.Readers), and cases where they hold
// or held a task. It is the one rule of case visibility: every read of a case, its files,
// audit trail and its entry in a cadre's file goes through it.
func (s *Server) visibleCases(q *gorm.DB, p *Principal) *gorm.DB {
	mine := s.db.Model(&schemas.Task{}).Select("tasks.case_id").Where(mineClause(s.db, p, true))
	return q.Joins("JOIN org_units ON org_units.id = cases.org_unit_id").
		Where(s.db.Where(s.byOffice(p, "org_units.path", "cases.kind")).Or("cases.id IN (?)", mine))
}

// byOffice is what an official reads by their office, apart from their own tasks: rows of
// their org subtree (pathCol) whose case kind (kindCol) their roles may read.
func (s *Server) byOffice(p *Principal, pathCol, kindCol string) *gorm.DB {
	q := s.db.Where(pathCol+" LIKE ?", p.OrgUnit.Path+"%")
	if ks := schemas.Unreadable(p.Roles); len(ks) > 0 {
		q = q.Where(kindCol+" NOT IN ?", ks)
	}
	return q
}

type caseCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// listCases lists visible cases, newest first.
func (s *Server) listCases(c *gin.Context) error {
	p := principal(c)
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	q := s.visibleCases(s.db.WithContext(c.Request.Context()).Model(&schemas.Case{}).Select("cases.*"), p)
	recused, err := s.subjectCases(c, p.ID)
	if err != nil {
		return err
	}
	if len(recused) > 0 {
		q = q.Where("cases.id NOT IN ?", recused) // 回避: never the official's own cases
	}
	kind, err := kindParam(c)
	if err != nil {
		return err
	}
	if kind != "" {
		q = q.Where("cases.kind = ?", kind)
	}
	if st := schemas.CaseStatus(c.Query("status")); st != "" {
		if st != schemas.CaseOpen && st != schemas.CaseClosed && st != schemas.CaseCancelled && st != schemas.CaseTerminated {
			return invalid("参数status无效", FieldError{"status", "案件状态须为open、closed、cancelled或terminated"})
		}
		q = q.Where("cases.status = ?", st)
	}
	if org := c.Query("org_unit"); org != "" {
		q = q.Where("cases.org_unit_id = ?", org)
	}
	var cur caseCursor
	has, err := decodeCursor(c, &cur)
	if err != nil {
		return err
	}
	if has {
		q = q.Where("cases.created_at < ? OR (cases.created_at = ? AND cases.id < ?)", cur.CreatedAt.UTC(), cur.CreatedAt.UTC(), cur.ID)
	}
	var rows []schemas.Case
	if err := q.Order("cases.created_at DESC, cases.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return unavailable("list cases", err)
	}
	resp := gin.H{}
	if len(rows) > limit {
		last := rows[limit-1]
		resp["next_cursor"] = encodeCursor(caseCursor{CreatedAt: last.CreatedAt, ID: last.ID})
		rows = rows[:limit]
	}
	resp["items"] = rows
	return reply(c, http.StatusOK, resp)
}

// kindParam reads ?kind=, a process kind ("" when absent).
func kindParam(c *gin.Context) (schemas.CaseKind, error) {
	kind := schemas.CaseKind(c.Query("kind"))
	if kind != "" && !kind.Valid() {
		return "", invalid("参数kind无效", FieldError{"kind", "没有名为" + string(kind) + "的业务流程"})
	}
	return kind, nil
}

// loadCaseFor reads a case the official may see; anything else is 404.
func (s *Server) loadCaseFor(c *gin.Context) (*schemas.Case, error) {
	return s.loadCaseByID(c, c.Param("id"))
}

// loadCaseByID is loadCaseFor for a case named otherwise than by the path.
func (s *Server) loadCaseByID(c *gin.Context, id string) (*schemas.Case, error) {
	var row schemas.Case
	err := s.visibleCases(s.db.WithContext(c.Request.Context()).Model(&schemas.Case{}).Select("cases.*"), principal(c)).
		Where("cases.id = ?", id).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, problem(probNotFound, "案件 "+id+" 不存在")
	case err != nil:
		return nil, unavailable("load case", err)
	}
	c.Set(ctxCaseID, row.ID)
	if err := s.recusedRead(c, row.ID, ""); err != nil {
		return nil, err
	}
	return &row, nil
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

func (s *Server) getCase(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
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
	} else if err := s.caseState(c, row, &resp.State); err != nil {
		return err
	}
	if t := resp.State.Transfer; row.Kind == schemas.KindTransfer && t != nil {
		resp.Report = &TransferredReport{Materials: []schemas.ReportMaterial{}}
		db := s.db.WithContext(c.Request.Context())
		if err := db.First(&resp.Report.Report, "id = ?", t.ParentCaseID).Error; err != nil {
			return unavailable("load transferred report", err)
		}
		if err := db.Where("report_id = ?", t.ParentCaseID).Order("id").Find(&resp.Report.Materials).Error; err != nil {
			return unavailable("load transferred material", err)
		}
	}
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("created_at, id").Find(&resp.Tasks).Error; err != nil {
		return unavailable("load tasks", err)
	}
	var events []schemas.AuditEvent
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("case_seq").Find(&events).Error; err != nil {
		return unavailable("load timeline", err)
	}
	resp.Timeline = make([]TimelineEvent, len(events))
	for i, e := range events {
		resp.Timeline[i] = TimelineEvent{At: e.At, Actor: e.Actor, Action: e.Action, TaskID: e.TaskID}
		if e.Detail != "" {
			resp.Timeline[i].Detail = json.RawMessage(e.Detail)
		}
	}
	schemas.InAPIForm(&resp)
	return reply(c, http.StatusOK, resp)
}

// caseState reads a case's state: from its row once the case has ended (the state it ended in,
// stored by the workflow, readable for as long as the row is kept, whatever Temporal's
// retention), else by asking the running workflow.
func (s *Server) caseState(c *gin.Context, row *schemas.Case, state *schemas.CaseState) error {
	if row.Status != schemas.CaseOpen && row.FinalState != "" {
		if err := json.Unmarshal([]byte(row.FinalState), state); err != nil {
			return fmt.Errorf("decode the final state of %s: %w", row.ID, err)
		}
		return nil
	}
	v, err := s.temporal.QueryWorkflow(c.Request.Context(), row.ID, "", schemas.QueryCaseState)
	if err == nil {
		err = v.Get(state)
	}
	if err != nil {
		return s.workflowError(c, row.ID, err)
	}
	return nil
}

// CancelInput is the body of POST /api/v1/cases/{id}/cancel.
type CancelInput struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelCase(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	// The roles first, before the body; the workflow checks the office (schemas.Processes).
	if err := requireRole(c, row.Kind.Process().Cancel...); err != nil {
		return err
	}
	var in CancelInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	id, err := updateID(c, "cancel", row.ID, true)
	if err != nil {
		return err
	}
	return s.act(c, row.ID, schemas.UpdateCancelCase, id, schemas.CancelCaseRequest{Actor: actor(c), Reason: in.Reason})
}

// AuditResponse is a case's audit trail with the result of checking its chain.
type AuditResponse struct {
	CaseID   string               `json:"case_id"`
	Verified bool                 `json:"verified"`
	Problems []audit.Problem      `json:"problems,omitempty"`
	Events   []schemas.AuditEvent `json:"events"`
}

func (s *Server) caseAudit(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	resp := AuditResponse{CaseID: row.ID}
	if err := s.db.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("case_seq").Find(&resp.Events).Error; err != nil {
		return unavailable("load audit trail", err)
	}
	rep, err := audit.VerifyCase(c.Request.Context(), s.db, row.ID)
	if err != nil {
		return unavailable("verify audit trail", err)
	}
	resp.Verified, resp.Problems = rep.OK(), rep.Problems
	return reply(c, http.StatusOK, resp)
}
