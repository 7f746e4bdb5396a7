package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// idempotencyKey reads the client's Idempotency-Key header ("" when absent), answering 422 itself
// when it is too long to be one.
func idempotencyKey(c *gin.Context) (string, bool) {
	key := c.GetHeader("Idempotency-Key")
	if len(key) > 200 {
		abort(c, probValidation, "Idempotency-Key is longer than 200 characters", FieldError{"Idempotency-Key", "at most 200 characters"})
		return "", false
	}
	return key, true
}

// updateID derives the Temporal update id of an action, so that a retried request is the same
// update and applied once: from the client's Idempotency-Key when it sends one. Without a key,
// an action done once per official and target (completing a task, cancelling a case) is
// keyed on those; a repeatable one (claim, unclaim, reassign, objection) gets a fresh id.
func updateID(c *gin.Context, action, target string, once bool) (string, bool) {
	key, ok := idempotencyKey(c)
	if !ok {
		return "", false
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
	return id, true
}

// update sends a workflow update and waits for its result. It answers the client itself on
// failure and reports whether the caller may go on.
func (s *Server) update(c *gin.Context, caseID, name, id string, arg, result any) bool {
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
		s.workflowError(c, caseID, err)
		return false
	}
	return true
}

// workflowError turns what Temporal answered into a problem: a workflow's rejection by its
// type, a finished or unknown case, or 503 when Temporal cannot be reached.
func (s *Server) workflowError(c *gin.Context, caseID string, err error) {
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
			s.refuseRecused(c, id, c.GetString(ctxTaskID), appErr.Message())
			return
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
			s.log.ErrorContext(c.Request.Context(), "workflow error", "case", caseID, "err", err)
			abort(c, probInternal, "the case could not take the action")
			return
		}
		abort(c, kind, appErr.Message(), fields...)
	case errors.As(err, &notFound):
		if strings.Contains(notFound.Message, "completed") {
			abort(c, probConflict, "案件 "+caseID+" 已结束")
			return
		}
		abort(c, probNotFound, "no case "+caseID)
	case errors.Is(err, context.Canceled):
		abort(c, probUnavailable, "request cancelled")
	default:
		s.unavailable(c, "temporal", err)
	}
}
