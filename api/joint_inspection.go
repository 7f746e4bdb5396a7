package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// JointInspectionStartInput is the body of POST /api/v1/cases/joint-inspection.
type JointInspectionStartInput struct {
	Title      string `json:"title"`
	OrgUnitID  string `json:"org_unit_id"`
	LeaderID   string `json:"leader_id"`
	PeriodFrom string `json:"period_from"`
	PeriodTo   string `json:"period_to"`
	Priority   string `json:"priority"`
}

// startJointInspection opens a three-responsibilities joint inspection (三责联检) of a unit's
// principal leader.
func (s *Server) startJointInspection(c *gin.Context) error {
	p := principal(c)
	var in JointInspectionStartInput
	if err := bindStart(c, schemas.KindJointInspection, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	from, ferr := time.Parse(time.DateOnly, in.PeriodFrom)
	if ferr != nil {
		errs = append(errs, FieldError{"period_from", "检查期间起始日须为YYYY-MM-DD格式的日期"})
	}
	to, terr := time.Parse(time.DateOnly, in.PeriodTo)
	if terr != nil {
		errs = append(errs, FieldError{"period_to", "检查期间截止日须为YYYY-MM-DD格式的日期"})
	} else if ferr == nil && to.Before(from) {
		errs = append(errs, FieldError{"period_to", "检查期间截止日不得早于起始日"})
	}
	// Periods within sane bounds: not before 1990, not more than a year ahead.
	today := time.Now().In(calendar.Location())
	latest := time.Date(today.Year()+1, today.Month(), today.Day(), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	if ferr == nil && in.PeriodFrom < periodEarliest {
		errs = append(errs, FieldError{"period_from", "检查期间起始日不得早于" + periodEarliest})
	}
	if terr == nil && in.PeriodTo > latest {
		errs = append(errs, FieldError{"period_to", "检查期间截止日不得晚于" + latest + "（今天起一年）"})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	leader, leaderUnit, errs, err := s.officialIn(c, errs, "leader_id", in.LeaderID, unit, schemas.OrgKindUnit)
	if err != nil {
		return err
	}
	if leader != nil && !leader.Roles.Has(schemas.RoleUnitPrincipal) {
		errs = append(errs, FieldError{"leader_id", "被检查人须为单位主要负责人（unit_principal）"})
	}
	hr, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindHR)
	if err != nil {
		return err
	}
	establishment, errs, err := s.bodyUnder(c, errs, unit, schemas.OrgKindEstablishment)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		if errs, err = s.staffedForInspection(c, errs, unit, hr, establishment); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return invalid("三责联检的发起内容未通过校验", errs...)
	}
	// Checked before numbering (no number spent on a conflict), claimed after (race-free). A
	// start with an Idempotency-Key may be the retry of one that already claimed the period for
	// its case: only the claim, which knows the case, can tell.
	if c.GetHeader("Idempotency-Key") == "" {
		if first, err := openInspectionOf(s.db.WithContext(c.Request.Context()), "", leader.ID, in.PeriodFrom, in.PeriodTo); err != nil {
			return unavailable("find open inspections", err)
		} else if first != "" {
			return inspectionConflict(leader, in.PeriodFrom, in.PeriodTo, first)
		}
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = leader.Name + "同志三责联检"
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindJointInspection, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**被检查人**：%s（%s主要负责人）\n**检查期间**：%s至%s\n**用人检查**：%s\n**进人检查**：%s\n**用编检查**：%s",
			leader.Name, leaderUnit.Name, in.PeriodFrom, in.PeriodTo, unit.Name, hr.Name, establishment.Name),
		Claim: func(id string) error { return s.claimPeriod(c, id, leader, in.PeriodFrom, in.PeriodTo) },
		Input: func(id string) any {
			return schemas.JointInspectionInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority,
				LeaderID: leader.ID, LeaderName: leader.Name, UnitID: leaderUnit.ID, UnitName: leaderUnit.Name,
				PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, HROfficeID: hr.ID, EstablishmentOfficeID: establishment.ID,
			}
		},
	})
}

// periodEarliest bounds the start of an inspected period.
const periodEarliest = "1990-01-01"

// staffedForInspection checks, before the case starts, that every body that will hold a step
// has someone with the step's role: the department's supervisors (用人检查, the report) and
// leader (approval), HR (进人检查) and the establishment office (用编检查); and reports a body
// without a head (whom its 催办 would go to).
func (s *Server) staffedForInspection(c *gin.Context, errs []FieldError, unit, hr, establishment *schemas.OrgUnit) ([]FieldError, error) {
	return s.staffed(c, errs, "三责联检", []activities.StaffingGap{
		{OrgUnitID: unit.ID, Role: schemas.RoleSupervisor}, {OrgUnitID: unit.ID, Role: schemas.RoleLeader},
		{OrgUnitID: hr.ID, Role: schemas.RoleHR}, {OrgUnitID: establishment.ID, Role: schemas.RoleEstablishment},
	}, []activities.StaffingGap{
		{OrgUnitID: hr.ID, Role: schemas.RoleUnitPrincipal}, {OrgUnitID: establishment.ID, Role: schemas.RoleUnitPrincipal},
	})
}

// startingGrace is how long a claimed period counts without its case row: a start whose
// workflow never began leaves its claim, and it lapses.
const startingGrace = 10 * time.Minute

// openInspectionOf names an open joint inspection of leaderID, other than caseID, whose period
// overlaps from..to ("" if none): a claimed period whose case is open, or still starting.
func openInspectionOf(tx *gorm.DB, caseID, leaderID, from, to string) (string, error) {
	var ids []string
	err := tx.Model(&schemas.JointInspectionPeriod{}).
		Joins("LEFT JOIN cases ON cases.id = joint_inspection_periods.case_id").
		Where("joint_inspection_periods.leader_id = ? AND joint_inspection_periods.case_id <> ?", leaderID, caseID).
		Where("joint_inspection_periods.period_from <= ? AND ? <= joint_inspection_periods.period_to", to, from).
		Where(tx.Where("cases.status = ?", schemas.CaseOpen).
			Or("cases.id IS NULL AND joint_inspection_periods.created_at > ?", time.Now().UTC().Add(-startingGrace))).
		Order("joint_inspection_periods.case_id").Limit(1).Pluck("joint_inspection_periods.case_id", &ids).Error
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}

// claimPeriod records the new case's period unless an open inspection of the same leader
// overlaps it; the leader's row is locked meanwhile, so two starts cannot both pass.
func (s *Server) claimPeriod(c *gin.Context, caseID string, leader *schemas.Official, from, to string) error {
	var first string
	err := s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").First(&schemas.Official{}, "id = ?", leader.ID).Error; err != nil {
				return err
			}
		}
		var err error
		if first, err = openInspectionOf(tx, caseID, leader.ID, from, to); err != nil || first != "" {
			return err
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&schemas.JointInspectionPeriod{
			CaseID: caseID, LeaderID: leader.ID, PeriodFrom: from, PeriodTo: to, CreatedAt: time.Now().UTC(),
		}).Error
	})
	if err != nil {
		return unavailable("claim the inspected period", err)
	}
	if first != "" {
		return inspectionConflict(leader, from, to, first)
	}
	return nil
}

func inspectionConflict(leader *schemas.Official, from, to, first string) error {
	return problem(probConflict, fmt.Sprintf("%s同志在%s至%s期间已有未办结的三责联检：%s", leader.Name, from, to, first))
}

// jointInspectionForm is the process's start form in the web inbox (api/web_start.go).
var jointInspectionForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Required: true},
	{Name: "leader_id", Label: "被检查单位主要负责人（账号）", Type: "official", Required: true, Role: schemas.RoleUnitPrincipal},
	{Name: "period_from", Label: "检查期间自", Type: "date", Required: true},
	{Name: "period_to", Label: "检查期间至", Type: "date", Required: true},
	priorityField,
}
