package activities

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/schemas"
)

// ReportUpdate moves a report row's status as the reporter sees it; Feedback, when set, is the
// answer readable through the query code.
type ReportUpdate struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Feedback string    `json:"feedback,omitempty"`
	At       time.Time `json:"at"`
}

// UpdateReport keeps the reports row current. It never reads or writes the reporter's identity.
func (a *Activities) UpdateReport(ctx context.Context, req ReportUpdate) error {
	updates := map[string]any{"status": req.Status, "updated_at": req.At.UTC()}
	if req.Feedback != "" {
		updates["feedback"], updates["feedback_at"] = req.Feedback, req.At.UTC()
	}
	res := a.DB.WithContext(ctx).Model(&schemas.Report{}).Where("id = ?", req.ID).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("update report %s: %w", req.ID, res.Error)
	}
	return nil
}

// FileReportRequest is a report row a workflow files for a case it opens (P11: the content of
// a public-opinion item becomes a report case). It names no reporter: such a report comes from
// the monitoring, not from a person, so nothing is sealed, it is unsigned and has no query code.
type FileReportRequest struct {
	ID          string    `json:"id"` // the report case's id
	OrgUnitID   string    `json:"org_unit_id"`
	Channel     string    `json:"channel"`
	SubjectID   string    `json:"subject_id,omitempty"`
	SubjectName string    `json:"subject_name"`
	Content     string    `json:"content"`
	CreatedBy   string    `json:"created_by"`
	At          time.Time `json:"at"`
}

// FileReport stores the report row of a report case a workflow opens, before its case starts.
// It is idempotent on the id (a retried activity finds the row there).
func (a *Activities) FileReport(ctx context.Context, req FileReportRequest) error {
	at := req.At.UTC()
	row := schemas.Report{
		ID: req.ID, OrgUnitID: req.OrgUnitID, Channel: req.Channel, SubjectID: req.SubjectID,
		SubjectName: req.SubjectName, Content: req.Content, Status: schemas.ReportReceived,
		CreatedBy: req.CreatedBy, CreatedAt: at, UpdatedAt: at,
	}
	if err := a.DB.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("file report %s: %w", req.ID, err)
	}
	return nil
}
