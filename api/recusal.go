package api

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/schemas"
)

// Recusal (回避): the subjects of a case (case_subjects, written by the workflow as the case
// opens and when a subject is added) never read it, beyond their own steps. The workflow's
// validators refuse their task actions (workflows/recusal.go); the reads are refused here.
// Every refusal is 403 with the problem type .../recused and is written to the case's trail
// as "recusal.refused".

// The case and task a request acts on, for the trail of a refusal the workflow answers.
const (
	ctxCaseID = "jiandu.case_id"
	ctxTaskID = "jiandu.task_id"
)

// subjectCases lists the ids of the cases the official is a subject of (few, usually none:
// lists add their NOT IN only then, so the inbox's query plans stay as they were).
func (s *Server) subjectCases(c *gin.Context, officialID string) ([]string, error) {
	var ids []string
	if err := s.db.WithContext(c.Request.Context()).Model(&schemas.CaseSubject{}).
		Where("official_id = ?", officialID).Order("case_id").Pluck("case_id", &ids).Error; err != nil {
		return nil, unavailable("check recusal", err)
	}
	return ids, nil
}

// isSubjectOf reports whether the principal is a subject of the case.
func (s *Server) isSubjectOf(c *gin.Context, caseID string) (bool, error) {
	var n int64
	err := s.db.WithContext(c.Request.Context()).Model(&schemas.CaseSubject{}).
		Where("case_id = ? AND official_id = ?", caseID, principal(c).ID).Count(&n).Error
	return n > 0, err
}

// refuseRecused writes the refusal to the case's trail and is the 403 recused.
func (s *Server) refuseRecused(c *gin.Context, caseID, taskID, detail string) error {
	p := principal(c)
	raw := fmt.Sprintf(`{"route":%q,"method":%q,"reason":%q}`, c.FullPath(), c.Request.Method, detail)
	ev := schemas.AuditEvent{
		CaseID: caseID, At: time.Now(), Actor: p.ID, Action: "recusal.refused", TaskID: taskID, Detail: raw,
		DedupKey: "api/" + c.GetString(ctxRequestID) + "/" + caseID + "/recusal.refused",
	}
	if err := audit.Append(s.db.WithContext(c.Request.Context()), &ev); err != nil {
		return unavailable("audit the recusal", err)
	}
	return problem(probRecused, detail)
}

// recusedRead refuses a subject's read of their case.
func (s *Server) recusedRead(c *gin.Context, caseID, taskID string) error {
	subject, err := s.isSubjectOf(c, caseID)
	if err != nil {
		return unavailable("check recusal", err)
	}
	if subject {
		return s.refuseRecused(c, caseID, taskID, "回避：您是本案当事人，不能查阅本案")
	}
	return nil
}

// AddSubjectInput is the body of POST /api/v1/cases/{id}/subjects.
type AddSubjectInput struct {
	OfficialID string `json:"official_id"`
	Reason     string `json:"reason"`
}

// addSubject makes another official a subject of the case (a report names more people).
func (s *Server) addSubject(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleSupervisor, schemas.RoleIntakeClerk); err != nil {
		return err
	}
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	var in AddSubjectInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	errs := textIssue(nil, "reason", in.Reason, 1, schemas.MaxReasonRunes)
	var o schemas.Official
	err = s.db.WithContext(c.Request.Context()).First(&o, "id = ?", in.OfficialID).Error
	switch {
	case in.OfficialID == "" || errors.Is(err, gorm.ErrRecordNotFound):
		errs = append(errs, FieldError{"official_id", "人员不存在"})
	case err != nil:
		return unavailable("load official", err)
	}
	if len(errs) > 0 {
		return invalid("当事人信息未通过校验", errs...)
	}
	id, err := updateID(c, "add-subject", row.ID+"/"+in.OfficialID, true)
	if err != nil {
		return err
	}
	req := schemas.AddSubjectRequest{Actor: actor(c), OfficialID: o.ID, Reason: strings.TrimSpace(in.Reason)}
	return s.act(c, row.ID, schemas.UpdateAddSubject, id, req)
}

// ExtendInput is the body of POST /api/v1/tasks/{id}/extend.
type ExtendInput struct {
	WorkingDays int    `json:"working_days"`
	Reason      string `json:"reason"`
}

// extendTask moves the deadline of a step addressed to the case's subject, which cannot be
// reassigned; the workflow re-plans the step's ladder.
func (s *Server) extendTask(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleSupervisor); err != nil {
		return err
	}
	t, err := s.loadTaskFor(c)
	if err != nil {
		return err
	}
	var in ExtendInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	errs := textIssue(nil, "reason", in.Reason, 1, schemas.MaxReasonRunes)
	if in.WorkingDays < 1 || in.WorkingDays > schemas.MaxExtendWorkingDays {
		errs = append(errs, FieldError{"working_days", fmt.Sprintf("延期须为1至%d个工作日", schemas.MaxExtendWorkingDays)})
	}
	if len(errs) > 0 {
		return invalid("延期申请未通过校验", errs...)
	}
	id, err := updateID(c, "extend", t.ID, false)
	if err != nil {
		return err
	}
	req := schemas.ExtendTaskRequest{TaskID: t.ID, Actor: actor(c), WorkingDays: in.WorkingDays, Reason: strings.TrimSpace(in.Reason)}
	return s.act(c, t.workflow(), schemas.UpdateExtendTask, id, req)
}
