package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jiandu/jiandu/schemas"
)

// SelectionAppointmentsRequest asks which selections appointed an official since a time.
type SelectionAppointmentsRequest struct {
	OfficialID string    `json:"official_id"`
	Since      time.Time `json:"since"`
}

// SelectionAppointment is one selection that appointed the official: its case, the
// organization department that ran it and its recorded state.
type SelectionAppointment struct {
	CaseID      string                  `json:"case_id"`
	OrgUnitID   string                  `json:"org_unit_id"`
	CandidateID string                  `json:"candidate_id"`
	Name        string                  `json:"name"`
	Selection   *schemas.SelectionState `json:"selection"`
}

// SelectionAppointments finds, through the database, the ended selection cases (their final
// state) in which the official is a subject and was appointed at or after Since, oldest first.
// A selection still open (an appointee on probation) has no final state yet and is not found.
func (a *Activities) SelectionAppointments(ctx context.Context, req SelectionAppointmentsRequest) ([]SelectionAppointment, error) {
	var rows []schemas.Case
	err := a.DB.WithContext(ctx).Model(&schemas.Case{}).
		Joins("JOIN case_subjects ON case_subjects.case_id = cases.id").
		Where("cases.kind = ? AND case_subjects.official_id = ? AND cases.final_state <> ''", schemas.KindSelection, req.OfficialID).
		Order("cases.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find selections of %s: %w", req.OfficialID, err)
	}
	out := []SelectionAppointment{}
	for _, row := range rows {
		var st schemas.CaseState
		if err := json.Unmarshal([]byte(row.FinalState), &st); err != nil {
			return nil, fmt.Errorf("decode the final state of %s: %w", row.ID, err)
		}
		if st.Selection == nil {
			continue
		}
		for _, cs := range st.Selection.Candidates {
			if cs.OfficialID == req.OfficialID && cs.Appointed && cs.AppointedAt != nil && !cs.AppointedAt.Before(req.Since) {
				out = append(out, SelectionAppointment{CaseID: row.ID, OrgUnitID: row.OrgUnitID, CandidateID: cs.ID, Name: cs.Name, Selection: st.Selection})
			}
		}
	}
	return out, nil
}
