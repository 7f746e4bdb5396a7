package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/temporal"

	"github.com/jiandu/jiandu/schemas"
)

// EvaluationBasisRequest asks what a P9 round of an organization department builds on.
type EvaluationBasisRequest struct {
	OrgUnitID string `json:"org_unit_id"`
	Period    string `json:"period"` // the year evaluated
}

// EvaluationBasis is the superior office of the round and last year's round.
type EvaluationBasis struct {
	// SuperiorOfficeID is the organization department one level up (the place above, by the
	// recipient rule's places); the root's own office at the root.
	SuperiorOfficeID string `json:"superior_office_id"`
	// OrgUnitName and SuperiorOfficeName are their names, for titles.
	OrgUnitName        string `json:"org_unit_name"`
	SuperiorOfficeName string `json:"superior_office_name"`
	// Previous is the closed round of the same org unit for the year before Period, if any.
	Previous *schemas.EvaluationPrevious `json:"previous,omitempty"`
}

// EvaluationBasis reads the superior office of orgUnitID and the previous year's closed round
// of the same org unit from the cases table (its stored final state; a cancelled round or one
// without tallies does not count).
func (a *Activities) EvaluationBasis(ctx context.Context, req EvaluationBasisRequest) (EvaluationBasis, error) {
	tx := a.DB.WithContext(ctx)
	places, err := placesFrom(tx, req.OrgUnitID)
	if err != nil {
		return EvaluationBasis{}, err
	}
	if len(places) == 0 || places[0].ID != req.OrgUnitID {
		return EvaluationBasis{}, temporal.NewNonRetryableApplicationError(req.OrgUnitID+" is not an organization department", "NotOrganization", nil)
	}
	out := EvaluationBasis{SuperiorOfficeID: places[0].ID, OrgUnitName: places[0].Name, SuperiorOfficeName: places[0].Name}
	if len(places) > 1 {
		out.SuperiorOfficeID, out.SuperiorOfficeName = places[1].ID, places[1].Name
	}
	year, err := strconv.Atoi(req.Period)
	if err != nil {
		return out, nil
	}
	last := strconv.Itoa(year - 1)
	var rows []struct {
		ID         string
		FinalState string
	}
	if err := tx.Table("cases").Select("id, final_state").
		Where("kind = ? AND org_unit_id = ? AND status = ?", schemas.KindEvaluation, req.OrgUnitID, schemas.CaseClosed).
		Order("closed_at DESC, id DESC").Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("read the evaluations of %s: %w", req.OrgUnitID, err)
	}
	for _, r := range rows {
		var final schemas.CaseState
		if r.FinalState == "" {
			continue
		}
		if err := json.Unmarshal([]byte(r.FinalState), &final); err != nil {
			return out, fmt.Errorf("read the final state of %s: %w", r.ID, err)
		}
		if ev := final.Evaluation; ev != nil && ev.Period == last && ev.Approval != nil && ev.Approval.Den > 0 {
			out.Previous = &schemas.EvaluationPrevious{CaseID: r.ID, Period: ev.Period, Approval: *ev.Approval}
			return out, nil
		}
	}
	return out, nil
}
