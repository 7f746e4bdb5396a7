package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/notify"
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

// The recipient rule. Every rung of every ladder finds its people the same way:
//
//   - The task's place is the organization department its org unit belongs to: the unit
//     itself when it is one, else the nearest organization department above it. The places
//     above are the organization departments further up the tree, one per level.
//   - remind: the holders only.
//   - overdue: the holder's supervisor — the supervisors (干部监督) of the task's place.
//   - urge (催办): the unit head of the task's org unit — the leader (部领导) of an
//     organization department; the unit principal (主要负责人) of any other body, whatever its
//     kind (a unit, 人社, 编办, 审计, 纪委).
//   - escalate (督办): the supervisors of the place one level above the office that received
//     the overdue notice (the root's own office when there is none above); the 督办 task opens
//     there.
//   - escalate_to: the named role, found upwards from the named org unit.
//
// A rung never tells a holder of the task as someone else (they get the holder's text) and
// never tells a subject of the case (回避). When a rung's candidates leave nobody, the next
// person up is told: after the supervisors of a place its leader, after a unit head the leader
// of its place, then the supervisors and leader of each place above, up to the root. When the
// org unit a rung asks simply has nobody with the role (not a recusal: a missing official),
// that is a configuration error, reported once to the root office's admins (reportGap).

// candidate is one (org unit, role) a rung may reach; office marks a supervision office, where
// a 督办 task can open.
type candidate struct {
	unit   string
	role   schemas.Role
	office bool
}

// reach is who a rung reached: the officials, the candidate that produced them, and the index
// of that candidate's place in the chain of places.
type reach struct {
	to    []string
	hit   candidate
	place int
}

// placesFrom lists the organization departments from orgUnitID's place up to the root.
func placesFrom(tx *gorm.DB, orgUnitID string) ([]schemas.OrgUnit, error) {
	var out []schemas.OrgUnit
	id := orgUnitID
	for depth := 0; id != "" && depth < 16; depth++ {
		var u schemas.OrgUnit
		if err := tx.First(&u, "id = ?", id).Error; err != nil {
			return nil, fmt.Errorf("org unit %s: %w", id, err)
		}
		if u.Kind == schemas.OrgKindOrganization {
			out = append(out, u)
		}
		if u.ParentID == nil {
			break
		}
		id = *u.ParentID
	}
	return out, nil
}

// headRole is the role of a body's head: the leader of an organization department, the unit
// principal of anything else.
func headRole(kind schemas.OrgKind) schemas.Role {
	if kind == schemas.OrgKindOrganization {
		return schemas.RoleLeader
	}
	return schemas.RoleUnitPrincipal
}

// recipients resolves rungs for one task: it knows the task's places, its holders and the
// case's subjects, and records the gaps it meets.
type recipients struct {
	tx       *gorm.DB
	unit     schemas.OrgUnit
	places   []schemas.OrgUnit
	excluded []string // holders and subjects
	gaps     []candidate
}

func newRecipients(tx *gorm.DB, caseID string, orgUnitID string, holders []string) (*recipients, error) {
	r := &recipients{tx: tx}
	if err := tx.First(&r.unit, "id = ?", orgUnitID).Error; err != nil {
		return nil, fmt.Errorf("org unit %s: %w", orgUnitID, err)
	}
	places, err := placesFrom(tx, orgUnitID)
	if err != nil {
		return nil, err
	}
	r.places = places
	var subjects []string
	if err := tx.Model(&schemas.CaseSubject{}).Where("case_id = ?", caseID).Pluck("official_id", &subjects).Error; err != nil {
		return nil, fmt.Errorf("subjects of %s: %w", caseID, err)
	}
	r.excluded = append(append([]string(nil), holders...), subjects...)
	return r, nil
}

// upFrom is the chain of candidates from place index i up: each place's supervisors, then
// its leader.
func (r *recipients) upFrom(i int) []candidate {
	var out []candidate
	for ; i < len(r.places); i++ {
		out = append(out, candidate{r.places[i].ID, schemas.RoleSupervisor, true}, candidate{r.places[i].ID, schemas.RoleLeader, false})
	}
	return out
}

// placeIndex is the index of orgUnitID among the places, -1 if it is none of them.
func (r *recipients) placeIndex(orgUnitID string) int {
	for i, p := range r.places {
		if p.ID == orgUnitID {
			return i
		}
	}
	return -1
}

// first walks the candidates and returns the first that reaches someone who is neither a
// holder nor a subject. A candidate with nobody at all holding the role is a gap.
func (r *recipients) first(chain []candidate) (reach, error) {
	for _, c := range chain {
		ids, err := withRole(r.tx, c.unit, c.role)
		if err != nil {
			return reach{}, err
		}
		if len(ids) == 0 {
			r.gaps = append(r.gaps, c)
			continue
		}
		kept := slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(r.excluded, id) })
		if len(kept) > 0 {
			return reach{to: kept, hit: c, place: r.placeIndex(c.unit)}, nil
		}
	}
	return reach{}, nil
}

// overdue: the supervisors of the task's place, then up.
func (r *recipients) overdue() (reach, error) { return r.first(r.upFrom(0)) }

// urge: the head of the task's org unit, then the leaders of the places from the unit's own
// place (a body) or the one above (an organization department) up, then their supervisors.
func (r *recipients) urge() (reach, error) {
	chain := []candidate{{r.unit.ID, headRole(r.unit.Kind), false}}
	from := 0
	if r.unit.Kind == schemas.OrgKindOrganization {
		from = 1
	}
	for i := from; i < len(r.places); i++ {
		chain = append(chain, candidate{r.places[i].ID, schemas.RoleLeader, false})
	}
	return r.first(append(chain, r.upFrom(from)...))
}

// escalate: the supervision office one level above the office that received the overdue
// notice; at the root, the root's own office, then its leader.
func (r *recipients) escalate() (reach, error) {
	od, err := r.overdue()
	if err != nil {
		return reach{}, err
	}
	above := od.place + 1
	if od.place < 0 {
		above = 1 // nobody was told of the overdue step: one level above the task's place
	}
	if above >= len(r.places) {
		above = len(r.places) - 1
	}
	if above < 0 {
		return reach{}, nil
	}
	return r.first(r.upFrom(above))
}

// named: the role found upwards from orgUnitID (escalate_to), then the places above it.
func (r *recipients) named(orgUnitID string, role schemas.Role) (reach, error) {
	unit, _, err := nearestWithRole(r.tx, orgUnitID, role)
	if err != nil {
		return reach{}, err
	}
	chain := []candidate{}
	if unit != "" {
		chain = append(chain, candidate{unit, role, role == schemas.RoleSupervisor})
	} else {
		r.gaps = append(r.gaps, candidate{orgUnitID, role, false})
	}
	from := r.placeIndex(orgUnitID)
	if from < 0 {
		from = 0
	}
	return r.first(append(chain, r.upFrom(from)...))
}

// rootAdmins are the admins of the root org unit: whom the system tells about a gap in its
// configuration (an unstaffed role, a missing holiday schedule, a fully recused office).
func rootAdmins(tx *gorm.DB) ([]string, error) {
	var root schemas.OrgUnit
	if err := tx.Where("parent_id IS NULL").Order("id").First(&root).Error; err != nil {
		return nil, fmt.Errorf("root org unit: %w", err)
	}
	return withRole(tx, root.ID, schemas.RoleAdmin)
}

// reportGap tells the root office's admins, once per org unit and role, that a step needed
// someone with role at orgUnitID and found nobody.
func reportGap(tx *gorm.DB, at time.Time, orgUnitID string, role schemas.Role, need string) error {
	var unit schemas.OrgUnit
	if err := tx.First(&unit, "id = ?", orgUnitID).Error; err != nil {
		return fmt.Errorf("org unit %s: %w", orgUnitID, err)
	}
	admins, err := rootAdmins(tx)
	if err != nil {
		return err
	}
	for _, id := range admins {
		// Keyed on the unit and role, not the activity: told once however often it recurs.
		err := notify.Enqueue(tx, &schemas.Notification{
			OfficialID: id, Kind: notify.KindInfo, CreatedAt: at.UTC(),
			DedupKey: fmt.Sprintf("config-gap/%s/%s/%s", orgUnitID, role, id),
			Title:    fmt.Sprintf("组织机构配置缺失：%s无%s", unit.Name, role.Title()),
			Body: fmt.Sprintf("%s（%s）没有%s角色的在岗人员，%s无人可送达，已改送上一级。请在人员管理中为该单位配置%s人员。",
				unit.Name, unit.ID, role.Title(), need, role.Title()),
		})
		if err != nil {
			return fmt.Errorf("report gap %s/%s to %s: %w", orgUnitID, role, id, err)
		}
	}
	return nil
}

// ReportGaps reports each (org unit, role) a rung found empty.
func (r *recipients) reportGaps(at time.Time, need string) error {
	seen := map[candidate]bool{}
	for _, g := range r.gaps {
		g.office = false
		if seen[g] {
			continue
		}
		seen[g] = true
		if err := reportGap(r.tx, at, g.unit, g.role, need); err != nil {
			return err
		}
	}
	return nil
}

// StaffingGap is a body a case is about to give a step to, without anyone to act on it.
type StaffingGap struct {
	OrgUnitID string       `json:"org_unit_id"`
	Role      schemas.Role `json:"role"`
}

// CheckStaffing lists which of needs have nobody with the role at the org unit (not found
// upwards: the step is that body's) and reports each to the root office's admins once. The API
// calls it before starting a case, where the gap can be known.
func CheckStaffing(tx *gorm.DB, at time.Time, needs []StaffingGap, need string) ([]StaffingGap, error) {
	var gaps []StaffingGap
	for _, n := range needs {
		ids, err := withRole(tx, n.OrgUnitID, n.Role)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			continue
		}
		gaps = append(gaps, n)
		if err := reportGap(tx, at, n.OrgUnitID, n.Role, need); err != nil {
			return nil, err
		}
	}
	return gaps, nil
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
