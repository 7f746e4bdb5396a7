package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jiandu/jiandu/schemas"
)

// ReportsAboutRequest asks for the report cases about an official that a pre-appointment
// check considers: open ones, and those closed since Since.
type ReportsAboutRequest struct {
	OfficialID string    `json:"official_id"`
	Since      time.Time `json:"since"`
}

// ReportsAbout reads the P6 report cases naming the official (DOMAIN.md P10 step 1d) from the
// cases and reports tables: open, or closed since req.Since; cancelled ones are left out. It
// answers each case's triage and finding (from the closed case's final state) and whether the
// report is specific and not cleared. It never reads the reporter or the report's content.
func (a *Activities) ReportsAbout(ctx context.Context, req ReportsAboutRequest) ([]schemas.ReportAbout, error) {
	var rows []struct {
		ID         string
		Status     schemas.CaseStatus
		CreatedAt  time.Time
		ClosedAt   *time.Time
		FinalState string
	}
	err := a.DB.WithContext(ctx).Table("reports").
		Select("cases.id, cases.status, cases.created_at, cases.closed_at, cases.final_state").
		Joins("JOIN cases ON cases.id = reports.id").
		Where("reports.subject_id = ? AND cases.kind = ?", req.OfficialID, schemas.KindReport).
		Where(a.DB.Where("cases.status = ?", schemas.CaseOpen).
			Or("cases.status = ? AND cases.closed_at >= ?", schemas.CaseClosed, req.Since.UTC())).
		Order("cases.created_at, cases.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read reports about %s: %w", req.OfficialID, err)
	}
	out := make([]schemas.ReportAbout, 0, len(rows))
	for _, r := range rows {
		ra := schemas.ReportAbout{CaseID: r.ID, Status: r.Status, ReceivedAt: r.CreatedAt.UTC()}
		if r.ClosedAt != nil {
			t := r.ClosedAt.UTC()
			ra.ClosedAt = &t
		}
		if r.FinalState != "" {
			var final schemas.CaseState
			if err := json.Unmarshal([]byte(r.FinalState), &final); err != nil {
				return nil, fmt.Errorf("read the final state of %s: %w", r.ID, err)
			}
			if final.Report != nil {
				ra.Triage, ra.Finding = final.Report.Triage, final.Report.Finding
			}
		}
		ra.Specific = reportNotCleared(ra)
		out = append(out, ra)
	}
	return out, nil
}

// reportNotCleared: a report still being handled, or one whose verification found it
// substantiated (fully or partly) or could not verify it, must be verified before the
// candidate is decided on. A closed report found unfounded, or handled as vague (谈话提醒,
// 存档), is cleared.
func reportNotCleared(r schemas.ReportAbout) bool {
	if r.Status == schemas.CaseOpen {
		return true
	}
	switch r.Finding {
	case schemas.FindingSubstantiated, schemas.FindingPartly, schemas.FindingUnverifiable:
		return true
	}
	return false
}
