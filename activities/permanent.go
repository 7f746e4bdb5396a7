package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// Permanent reports whether a database error is one that no retry can fix: the data itself is
// refused (Postgres class 22, data exception: an invalid byte sequence, a value too long; class
// 23, an integrity constraint) or, on SQLite, a constraint, a value too big or a type mismatch.
// Connection failures, timeouts, serialization failures and a busy database are not.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, gorm.ErrForeignKeyViolated) ||
		errors.Is(err, gorm.ErrCheckConstraintViolated) || errors.Is(err, gorm.ErrInvalidData) {
		return true
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		state := pg.SQLState()
		return strings.HasPrefix(state, "22") || strings.HasPrefix(state, "23")
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff { // the primary result code of an extended one
		case 18, 19, 20: // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH
			return true
		}
	}
	return false
}

// NonRetryable turns a permanent database error into a non-retryable application error of type
// schemas.ErrTypePermanent, so that the activity fails at once instead of retrying forever; any
// other error is returned as it is. The worker applies it to every activity (worker.New).
func NonRetryable(err error) error {
	var app *temporal.ApplicationError
	if err == nil || errors.As(err, &app) || !Permanent(err) {
		return err
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), schemas.ErrTypePermanent, err)
}

// brokenInvariant makes an error that no retry can fix because the projection contradicts the
// workflow (a task row closed behind its back, a case id that names no case) non-retryable, of
// type schemas.ErrTypePermanent: the workflow stops retrying and the case needs a person.
// Within the worker errors.Is still finds the cause; the workflow sees its message.
func brokenInvariant(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), schemas.ErrTypePermanent, err)
}

// AttentionRequest marks a case as needing a person.
type AttentionRequest struct {
	Case      CaseRef          `json:"case"`
	OrgUnitID string           `json:"org_unit_id"`
	CreatedBy string           `json:"created_by"`
	Priority  schemas.Priority `json:"priority"`
	Reason    string           `json:"reason"` // Jiandu's own text, never the refused data
	At        time.Time        `json:"at"`
}

// MarkAttention records on the case row that the case needs a person, creating the row when the
// refused write was its first one, and audits it. What it writes is the case's identity and
// Jiandu's own reason, with the title cleaned of what the database may have refused.
func (a *Activities) MarkAttention(ctx context.Context, req AttentionRequest) error {
	_, year, seq, err := schemas.ParseCaseID(req.Case.ID)
	if err != nil {
		return brokenInvariant(err)
	}
	at := req.At.UTC()
	row := schemas.Case{
		ID: req.Case.ID, Kind: req.Case.Kind, Year: year, Seq: seq, Title: cleanTitle(req.Case.Title, req.Case.ID),
		OrgUnitID: req.OrgUnitID, Status: schemas.CaseOpen, Priority: req.Priority, CreatedBy: req.CreatedBy,
		Attention: req.Reason, CreatedAt: at, UpdatedAt: at,
	}
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"attention", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("mark case %s: %w", req.Case.ID, err)
		}
		return appendAudit(ctx, tx, req.Case.ID, req.At, "system", "case.needs_attention", "", map[string]string{"reason": req.Reason})
	})
}

// cleanTitle keeps what the text rule allows of a title, so that the row can be written.
func cleanTitle(title, fallback string) string {
	var b strings.Builder
	for _, r := range title {
		if _, bad := text.Control(string(r)); !bad && r != '\uFFFD' {
			b.WriteRune(r)
		}
		if b.Len() > 600 {
			break
		}
	}
	if text.Visible(b.String()) == 0 {
		return fallback
	}
	return b.String()
}

// CloseTerminated reconciles the projection of a case whose workflow Temporal ended without
// the case recording an end (terminated, timed out, failed): the case row becomes
// schemas.CaseTerminated with the reason as its outcome, its open task rows are cancelled, and
// the trail says so. The API calls it when it finds such a workflow (the workflow can no longer
// write); it is idempotent.
func CloseTerminated(ctx context.Context, db *gorm.DB, caseID, reason string, at time.Time) error {
	at = at.UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&schemas.Case{}).Where("id = ? AND status = ?", caseID, schemas.CaseOpen).Updates(map[string]any{
			"status": schemas.CaseTerminated, "stage": "terminated", "outcome": reason, "closed_at": &at, "updated_at": at,
		})
		if res.Error != nil {
			return fmt.Errorf("reconcile case %s: %w", caseID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // not open (any more)
		}
		if err := tx.Model(&schemas.Task{}).Where("case_id = ? AND status = ?", caseID, schemas.TaskOpen).Updates(map[string]any{
			"status": schemas.TaskCancelled, "comment": reason, "completed_at": &at, "updated_at": at,
		}).Error; err != nil {
			return fmt.Errorf("reconcile tasks of %s: %w", caseID, err)
		}
		detail, _ := json.Marshal(map[string]string{"reason": reason})
		ev := schemas.AuditEvent{CaseID: caseID, At: at, Actor: "system", Action: "case.terminated", Detail: string(detail),
			DedupKey: "reconcile/" + caseID + "/terminated"}
		return audit.Append(tx, &ev)
	})
}
