package activities

import (
	"context"
	"fmt"
	"time"

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
