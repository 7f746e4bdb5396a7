package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/notify"
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

// SelectionAppointments finds, through the database, the selection cases in which the official
// is a subject and was appointed at or after Since, oldest first: an ended one by its final
// state, a running one (an appointee on probation, the case waiting for the end-of-trial
// assessment) by asking its workflow for its state.
func (a *Activities) SelectionAppointments(ctx context.Context, req SelectionAppointmentsRequest) ([]SelectionAppointment, error) {
	var rows []schemas.Case
	err := a.DB.WithContext(ctx).Model(&schemas.Case{}).
		Joins("JOIN case_subjects ON case_subjects.case_id = cases.id").
		Where("cases.kind = ? AND case_subjects.official_id = ? AND (cases.final_state <> '' OR cases.status = ?)",
			schemas.KindSelection, req.OfficialID, schemas.CaseOpen).
		Order("cases.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find selections of %s: %w", req.OfficialID, err)
	}
	out := []SelectionAppointment{}
	for _, row := range rows {
		var st schemas.CaseState
		if row.FinalState != "" {
			if err := json.Unmarshal([]byte(row.FinalState), &st); err != nil {
				return nil, fmt.Errorf("decode the final state of %s: %w", row.ID, err)
			}
		} else if st, err = a.runningState(ctx, row.ID); err != nil {
			return nil, err
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

// runningState is the state of a running case, by query (CaseState, when set, answers instead:
// a test without a Temporal server).
func (a *Activities) runningState(ctx context.Context, id string) (schemas.CaseState, error) {
	var st schemas.CaseState
	if a.CaseState != nil {
		return a.CaseState(ctx, id)
	}
	v, err := activity.GetClient(ctx).QueryWorkflow(ctx, id, "", schemas.QueryCaseState)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return st, fmt.Errorf("query the state of %s: %w", id, err)
	}
	return st, nil
}

// ReviewOfficeRequest asks where a 倒查 of a selection run by OrgUnitID is done, given its
// subjects (the appointee and every signer of the selection), for the roles its steps need.
type ReviewOfficeRequest struct {
	CaseID    string         `json:"case_id"`
	OrgUnitID string         `json:"org_unit_id"` // the organization department that ran the selection
	Subjects  []string       `json:"subjects"`
	Roles     []schemas.Role `json:"roles"`
	At        time.Time      `json:"at"`
}

// ReviewOffice is where the 倒查 runs and what is left of it there.
type ReviewOffice struct {
	OfficeID   string `json:"office_id"`
	OfficeName string `json:"office_name"`
	// Superior is false at the root, where the review stays at the selection's own office.
	Superior bool `json:"superior"`
	// Recused are the roles the office has officials for, all of them subjects of the review:
	// nobody there may act on those steps until another official is configured.
	Recused []schemas.Role `json:"recused,omitempty"`
}

// ReviewOffice decides where a 倒查 runs (DOMAIN.md P13, 回避 of the selection's signers): at
// the organization department one level above the selection's (the places of the recipient
// rule), whose officials signed none of the selection's stages; at the root, where there is
// none above, at the root's own office. For each role the steps need it checks that someone
// there is not a subject; when every holder of a role is one (a root office whose only leader
// approved the selection), the steps of that role would open with nobody allowed to act and
// nobody told, so the root office's admins are told (once per case and role) and the case's
// trail records it ("selection_review.recused"): the case states it, rather than waiting
// unseen. A role nobody holds at all is a configuration gap, reported when the task opens.
func (a *Activities) ReviewOffice(ctx context.Context, req ReviewOfficeRequest) (ReviewOffice, error) {
	var out ReviewOffice
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		places, err := placesFrom(tx, req.OrgUnitID)
		if err != nil {
			return err
		}
		if len(places) == 0 {
			return temporal.NewNonRetryableApplicationError(req.OrgUnitID+" is under no organization department", "NotOrganization", nil)
		}
		office := places[0]
		if len(places) > 1 && places[0].ID == req.OrgUnitID {
			office, out.Superior = places[1], true
		}
		out.OfficeID, out.OfficeName = office.ID, office.Name
		for _, role := range req.Roles {
			ids, err := withRole(tx, office.ID, role)
			if err != nil {
				return err
			}
			if len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return !slices.Contains(req.Subjects, id) }) {
				out.Recused = append(out.Recused, role)
			}
		}
		detail := map[string]any{"org_unit_id": req.OrgUnitID, "office_id": out.OfficeID, "superior": out.Superior, "subjects": req.Subjects, "recused": out.Recused}
		if err := appendAudit(ctx, tx, req.CaseID, req.At, "system", "selection_review.routed", "", detail); err != nil {
			return err
		}
		if len(out.Recused) == 0 {
			return nil
		}
		admins, err := rootAdmins(tx)
		if err != nil {
			return err
		}
		for _, role := range out.Recused {
			for _, id := range admins {
				err := notify.Enqueue(tx, &schemas.Notification{
					OfficialID: id, CaseID: req.CaseID, Kind: notify.KindInfo, CreatedAt: req.At.UTC(),
					DedupKey: fmt.Sprintf("review-recused/%s/%s/%s", req.CaseID, role, id),
					Title:    fmt.Sprintf("选拔任用倒查%s无人可办理：%s的%s均须回避", req.CaseID, office.Name, role.Title()),
					Body: fmt.Sprintf("%s（%s）的%s均为被倒查的选拔任用的签字人，是本倒查案件的当事人，须回避，本案%s的事项无人可办理。"+
						"请在人员管理中为该单位配置其他%s人员，其即可在待办中认领办理。", office.Name, office.ID, role.Title(), role.Title(), role.Title()),
				})
				if err != nil {
					return fmt.Errorf("report the recusal of %s/%s to %s: %w", office.ID, role, id, err)
				}
			}
		}
		return nil
	})
	return out, err
}
