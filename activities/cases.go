package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/schemas"
)

// CaseRecord is the projection of a case that the workflow writes as it moves, with the audit
// event that explains the move.
type CaseRecord struct {
	ID        string             `json:"id"`
	Kind      schemas.CaseKind   `json:"kind"`
	Title     string             `json:"title"`
	OrgUnitID string             `json:"org_unit_id"`
	CreatedBy string             `json:"created_by"`
	Priority  schemas.Priority   `json:"priority"`
	Status    schemas.CaseStatus `json:"status"`
	Stage     string             `json:"stage"`
	Outcome   string             `json:"outcome"`
	At        time.Time          `json:"at"`
	// The audit event written with the change.
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Detail any    `json:"detail,omitempty"`
	// Final is the case's last state, sent when it closes: stored with the row so the case
	// reads the same after Temporal has dropped the workflow.
	Final *schemas.CaseState `json:"final,omitempty"`
	// Subjects are the case's subjects (回避), kept in case_subjects for the API's checks.
	Subjects []string `json:"subjects,omitempty"`
	// WriteKey names this write within its workflow run (the workflow counts its case
	// records). When set, the audit event's dedup key is built on it instead of the activity's
	// id, so the event is written once whichever attempt commits: a local activity's, a later
	// local activity's after a backoff timer (a new local activity id), or the regular activity
	// the workflow falls back to when the local retries give up (version local-write-fallback).
	WriteKey string `json:"write_key,omitempty"`
}

// RecordCase creates the case row on first call and keeps its status, stage and outcome
// current after, writing the audit event in the same transaction.
func (a *Activities) RecordCase(ctx context.Context, rec CaseRecord) error {
	_, year, seq, err := schemas.ParseCaseID(rec.ID)
	if err != nil {
		return brokenInvariant(fmt.Errorf("record case: %w", err))
	}
	row := schemas.Case{
		ID: rec.ID, Kind: rec.Kind, Year: year, Seq: seq, Title: rec.Title, OrgUnitID: rec.OrgUnitID,
		Status: rec.Status, Stage: rec.Stage, Outcome: rec.Outcome, Priority: rec.Priority,
		CreatedBy: rec.CreatedBy, CreatedAt: rec.At.UTC(), UpdatedAt: rec.At.UTC(),
	}
	if rec.Status != schemas.CaseOpen {
		at := rec.At.UTC()
		row.ClosedAt = &at
	}
	if rec.Final != nil {
		b, err := json.Marshal(rec.Final)
		if err != nil {
			return fmt.Errorf("record case %s: final state: %w", rec.ID, err)
		}
		row.FinalState = string(b)
	}
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "stage", "outcome", "updated_at", "closed_at", "final_state"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("record case %s: %w", rec.ID, err)
		}
		if rec.Kind == schemas.KindReport && rec.Status == schemas.CaseCancelled {
			// The reporter following it by query code reads 已撤销, not the last status.
			if err := tx.Model(&schemas.Report{}).Where("id = ?", rec.ID).
				Updates(map[string]any{"status": schemas.ReportWithdrawn, "updated_at": rec.At.UTC()}).Error; err != nil {
				return fmt.Errorf("record case %s: withdraw report: %w", rec.ID, err)
			}
		}
		for _, id := range rec.Subjects {
			sub := schemas.CaseSubject{CaseID: rec.ID, OfficialID: id, AddedBy: rec.CreatedBy, Reason: "立案", CreatedAt: rec.At.UTC()}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sub).Error; err != nil {
				return fmt.Errorf("record subject %s of %s: %w", id, rec.ID, err)
			}
		}
		key := dedupKey(ctx, rec.Action)
		if rec.WriteKey != "" {
			key = writeDedupKey(ctx, rec.WriteKey, rec.Action)
		}
		return appendAuditKeyed(tx, key, rec.ID, rec.At, rec.Actor, rec.Action, "", rec.Detail)
	})
}

// SubjectRequest adds a subject to a case (a report names another official).
type SubjectRequest struct {
	CaseID     string    `json:"case_id"`
	OfficialID string    `json:"official_id"`
	Actor      string    `json:"actor"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// RecordSubject writes the new subject and the audit event "case.subject_added".
func (a *Activities) RecordSubject(ctx context.Context, req SubjectRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub := schemas.CaseSubject{CaseID: req.CaseID, OfficialID: req.OfficialID, AddedBy: req.Actor, Reason: req.Reason, CreatedAt: req.At.UTC()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sub).Error; err != nil {
			return fmt.Errorf("add subject %s to %s: %w", req.OfficialID, req.CaseID, err)
		}
		return appendAudit(ctx, tx, req.CaseID, req.At, req.Actor, "case.subject_added", "",
			map[string]string{"official_id": req.OfficialID, "reason": req.Reason})
	})
}

// AuditRequest is an audit event on its own, for transitions that change no row.
type AuditRequest struct {
	CaseID string    `json:"case_id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	TaskID string    `json:"task_id,omitempty"`
	Detail any       `json:"detail,omitempty"`
}

// Audit appends one event to the case's trail.
func (a *Activities) Audit(ctx context.Context, req AuditRequest) error {
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return appendAudit(ctx, tx, req.CaseID, req.At, req.Actor, req.Action, req.TaskID, req.Detail)
	})
}

// appendAudit writes an audit event keyed on the activity execution, so that a retried
// activity does not write it twice.
func appendAudit(ctx context.Context, tx *gorm.DB, caseID string, at time.Time, actor, action, taskID string, detail any) error {
	return appendAuditKeyed(tx, dedupKey(ctx, action), caseID, at, actor, action, taskID, detail)
}

// appendAuditKeyed writes an audit event under the dedup key given: an event with that key
// already written is not written again.
func appendAuditKeyed(tx *gorm.DB, key, caseID string, at time.Time, actor, action, taskID string, detail any) error {
	raw := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
		raw = string(b)
	}
	ev := schemas.AuditEvent{
		CaseID: caseID, At: at, Actor: actor, Action: action, TaskID: taskID, Detail: raw,
		DedupKey: key,
	}
	if err := audit.Append(tx, &ev); err != nil {
		return fmt.Errorf("audit %s %s: %w", caseID, action, err)
	}
	return nil
}

// dedupKey names one side effect of one activity execution: the same on every retry of it,
// different for every other activity. Local activities are numbered apart from activities
// ("1", "2", … in both), so theirs carry an "la" prefix: a run that switched to local writes
// mid-way (version kernel-writes-local) cannot reuse an activity's key.
func dedupKey(ctx context.Context, what string) string {
	info := activity.GetInfo(ctx)
	id := info.ActivityID
	if info.IsLocalActivity {
		id = "la" + id
	}
	return fmt.Sprintf("%s/%s/%s/%s", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, id, what)
}

// writeDedupKey names one side effect of a write that the workflow named (key): the same for
// every attempt of it, local activity or not. Keys start with a letter other than "la", so they
// meet neither an activity's id (a number) nor a local activity's ("la" and a number).
func writeDedupKey(ctx context.Context, key, what string) string {
	info := activity.GetInfo(ctx)
	return fmt.Sprintf("%s/%s/%s/%s", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, key, what)
}

// AllocateRequest asks for the number of a case that a workflow starts (a linked case: an
// inquiry's outcome starting an admonishment).
type AllocateRequest struct {
	Kind schemas.CaseKind `json:"kind"`
	// Key makes the allocation idempotent: the same key gets the same number.
	Key string `json:"key"`
}

// AllocateCase numbers a linked case.
func (a *Activities) AllocateCase(ctx context.Context, req AllocateRequest) (string, error) {
	info := activity.GetInfo(ctx)
	return caseno.Next(ctx, a.DB, req.Kind, info.WorkflowExecution.ID+"/"+req.Key, "system")
}
