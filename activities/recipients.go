package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// holders are the officials who may act on a task now: whoever claimed it, the named assignee,
// or everyone with the task's role at its org unit.
func holders(tx *gorm.DB, t schemas.TaskView) ([]string, error) {
	switch {
	case t.ClaimedBy != "":
		return []string{t.ClaimedBy}, nil
	case t.AssigneeID != "":
		return []string{t.AssigneeID}, nil
	}
	return withRole(tx, t.OrgUnitID, t.Role)
}

// withRole lists the enabled officials of orgUnitID holding role, by id.
func withRole(tx *gorm.DB, orgUnitID string, role schemas.Role) ([]string, error) {
	var ids []string
	err := tx.Model(&schemas.Official{}).
		Where("org_unit_id = ? AND roles LIKE ? AND disabled = ?", orgUnitID, "%,"+string(role)+",%", false).
		Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("officials with role %s at %s: %w", role, orgUnitID, err)
	}
	return ids, nil
}

// nearestWithRole walks up the org tree from orgUnitID to the first unit that has officials with
// role, and returns that unit and those officials. A small county office without its own
// supervisor is covered by the league's.
func nearestWithRole(tx *gorm.DB, orgUnitID string, role schemas.Role) (string, []string, error) {
	id := orgUnitID
	for depth := 0; id != "" && depth < 16; depth++ {
		ids, err := withRole(tx, id, role)
		if err != nil {
			return "", nil, err
		}
		if len(ids) > 0 {
			return id, ids, nil
		}
		var u schemas.OrgUnit
		if err := tx.First(&u, "id = ?", id).Error; err != nil {
			return "", nil, fmt.Errorf("org unit %s: %w", id, err)
		}
		if u.ParentID == nil {
			break
		}
		id = *u.ParentID
	}
	return "", nil, nil
}

// unitHead is who a 催办 goes to: the unit principal of a unit, the leader of an organization
// department, found upwards from orgUnitID.
func unitHead(tx *gorm.DB, orgUnitID string) ([]string, error) {
	var u schemas.OrgUnit
	if err := tx.First(&u, "id = ?", orgUnitID).Error; err != nil {
		return nil, fmt.Errorf("org unit %s: %w", orgUnitID, err)
	}
	role := schemas.RoleLeader
	if u.Kind == schemas.OrgKindUnit {
		role = schemas.RoleUnitPrincipal
	}
	_, ids, err := nearestWithRole(tx, orgUnitID, role)
	return ids, err
}

// superiorOffice is the supervision office one level up from orgUnitID: the nearest unit above
// it with supervisors.
func superiorOffice(ctx context.Context, tx *gorm.DB, orgUnitID string) (string, []string, error) {
	var u schemas.OrgUnit
	if err := tx.WithContext(ctx).First(&u, "id = ?", orgUnitID).Error; err != nil {
		return "", nil, fmt.Errorf("org unit %s: %w", orgUnitID, err)
	}
	if u.ParentID == nil {
		// The region has nobody above it: its own supervision office takes the escalation.
		return nearestWithRole(tx, orgUnitID, schemas.RoleSupervisor)
	}
	return nearestWithRole(tx, *u.ParentID, schemas.RoleSupervisor)
}

// DisciplineOffice is the discipline body (纪委监委) that takes a referral from a case of
// orgUnitID: the body of that place (a unit of kind discipline under it, with a discipline
// liaison), else of the nearest place further up the tree.
func (a *Activities) DisciplineOffice(ctx context.Context, orgUnitID string) (string, error) {
	tx := a.DB.WithContext(ctx)
	id := orgUnitID
	for depth := 0; id != "" && depth < 16; depth++ {
		var u schemas.OrgUnit
		if err := tx.First(&u, "id = ?", id).Error; err != nil {
			return "", fmt.Errorf("org unit %s: %w", id, err)
		}
		// The discipline body of this place hangs under its organization department.
		var bodies []schemas.OrgUnit
		if err := tx.Where("kind = ? AND parent_id = ?", schemas.OrgKindDiscipline, u.ID).Order("id").Find(&bodies).Error; err != nil {
			return "", fmt.Errorf("discipline bodies under %s: %w", id, err)
		}
		for _, b := range bodies {
			ids, err := withRole(tx, b.ID, schemas.RoleDiscipline)
			if err != nil {
				return "", err
			}
			if len(ids) > 0 {
				return b.ID, nil
			}
		}
		if u.ParentID == nil {
			break
		}
		id = *u.ParentID
	}
	return "", temporal.NewNonRetryableApplicationError("no discipline body with a liaison above "+orgUnitID, "NoDisciplineOffice", nil)
}
