package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jiandu/jiandu/schemas"
)

// actor is the calling official as workflows see them.
func actor(c *gin.Context) schemas.Actor {
	p := principal(c)
	return schemas.Actor{ID: p.ID, Name: p.Name, Roles: p.Roles, OrgUnitID: p.OrgUnitID, OrgPath: p.OrgUnit.Path}
}

// idempotencyKey reads the client's Idempotency-Key header ("" when absent), a 422 when it is
// too long to be one.
func idempotencyKey(c *gin.Context) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if len(key) > 200 {
		return "", invalid("请求头Idempotency-Key超过200个字符", FieldError{"Idempotency-Key", "幂等键不得超过200个字符"})
	}
	return key, nil
}

// updateID derives the Temporal update id of an action, so that a retried request is the same
// update and applied once: from the client's Idempotency-Key when it sends one. Without a key,
// an action done once per official and target (completing a task, cancelling a case) is
// keyed on those; a repeatable one (claim, unclaim, reassign, objection) gets a fresh id.
func updateID(c *gin.Context, action, target string, once bool) (string, error) {
	key, err := idempotencyKey(c)
	if err != nil {
		return "", err
	}
	id := action + "/" + target + "/" + principal(c).ID
	switch {
	case key != "":
		sum := sha256.Sum256([]byte(key))
		id += "/" + hex.EncodeToString(sum[:12])
	case !once:
		var b [12]byte
		_, _ = rand.Read(b[:])
		id += "/" + hex.EncodeToString(b[:])
	}
	return id, nil
}

// update sends a workflow update and waits for its result into result.
func (s *Server) update(c *gin.Context, caseID, name, id string, arg, result any) error {
	handle, err := s.temporal.UpdateWorkflow(c.Request.Context(), client.UpdateWorkflowOptions{
		WorkflowID:   caseID,
		UpdateName:   name,
		UpdateID:     id,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		// A validator's rejection arrives here, not from UpdateWorkflow.
		err = handle.Get(c.Request.Context(), result)
		schemas.InAPIForm(result)
	}
	if err != nil {
		return s.workflowError(c, caseID, err)
	}
	return nil
}

// act sends a workflow update that results in the case state, and answers 200 with it.
func (s *Server) act(c *gin.Context, workflowID, name, id string, arg any) error {
	var state schemas.CaseState
	if err := s.update(c, workflowID, name, id, arg, &state); err != nil {
		return err
	}
	return reply(c, http.StatusOK, state)
}

// workflowError turns what Temporal answered into a problem: a workflow's rejection by its
// type, a finished or unknown case, or 503 when Temporal cannot be reached.
func (s *Server) workflowError(c *gin.Context, caseID string, err error) error {
	var (
		appErr   *temporal.ApplicationError
		notFound *serviceerror.NotFound
	)
	switch {
	case errors.As(err, &appErr):
		var issues []schemas.FieldIssue
		if appErr.HasDetails() {
			_ = appErr.Details(&issues)
		}
		fields := make([]FieldError, len(issues))
		for i, is := range issues {
			fields[i] = FieldError{Field: is.Field, Message: is.Message}
		}
		if appErr.Type() == schemas.ErrTypeRecused {
			id := c.GetString(ctxCaseID)
			if id == "" {
				id = caseID
			}
			return s.refuseRecused(c, id, c.GetString(ctxTaskID), appErr.Message())
		}
		kind := map[string]problemKind{
			schemas.ErrTypeNotFound:  probNotFound,
			schemas.ErrTypeForbidden: probForbidden,
			schemas.ErrTypeConflict:  probConflict,
			schemas.ErrTypeInvalid:   probValidation,

			schemas.ErrTypeHistoryBudget:  probHistoryBudget,
			schemas.ErrTypeNeedsAttention: probNeedsAttention,
		}[appErr.Type()]
		if kind.status == 0 {
			return fmt.Errorf("case %s: unexpected workflow error: %w", caseID, err)
		}
		return problem(kind, appErr.Message(), fields...)
	case errors.As(err, &notFound):
		if strings.Contains(notFound.Message, "completed") {
			return problem(probConflict, "案件 "+caseID+" 已结束")
		}
		return problem(probNotFound, "案件 "+caseID+" 不存在")
	default:
		return unavailable("temporal", err)
	}
}
