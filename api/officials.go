package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// MeResponse is GET /api/v1/me.
type MeResponse struct {
	schemas.Official
	RoleTitles []string        `json:"role_titles"`
	OrgUnit    schemas.OrgUnit `json:"org_unit"`
	EngineView bool            `json:"engine_view"` // may use the Temporal UI and /codec
}

func (s *Server) me(c *gin.Context) error {
	p := principal(c)
	titles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		titles[i] = r.Title()
	}
	return reply(c, http.StatusOK, MeResponse{Official: p.Official, RoleTitles: titles, OrgUnit: p.OrgUnit, EngineView: s.mayViewEngine(p)})
}

// listOrgUnits returns the org tree in path order, or the subtree under ?under=<id>.
func (s *Server) listOrgUnits(c *gin.Context) error {
	q := s.db.WithContext(c.Request.Context()).Order("path")
	if under := c.Query("under"); under != "" {
		var root schemas.OrgUnit
		if err := s.db.WithContext(c.Request.Context()).First(&root, "id = ?", under).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return problem(probNotFound, "单位 "+under+" 不存在", FieldError{Field: "under", Message: "单位不存在"})
			}
			return unavailable("load org unit", err)
		}
		q = q.Where("path LIKE ?", root.Path+"%")
	}
	var units []schemas.OrgUnit
	if err := q.Find(&units).Error; err != nil {
		return unavailable("list org units", err)
	}
	return reply(c, http.StatusOK, gin.H{"items": units})
}

// listOfficials lists the officials in the caller's subtree; admins and supervisors only.
func (s *Server) listOfficials(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin, schemas.RoleSupervisor); err != nil {
		return err
	}
	p := principal(c)
	q := s.db.WithContext(c.Request.Context()).Model(&schemas.Official{}).
		Joins("JOIN org_units ON org_units.id = officials.org_unit_id").
		Where("org_units.path LIKE ?", p.OrgUnit.Path+"%").
		Order("officials.id")
	if org := c.Query("org_unit"); org != "" {
		q = q.Where("officials.org_unit_id = ?", org)
	}
	if role := schemas.Role(c.Query("role")); role != "" {
		if !role.Valid() {
			return invalid("参数role无效", FieldError{Field: "role", Message: "没有名为" + string(role) + "的角色"})
		}
		q = q.Where("officials.roles LIKE ?", "%,"+string(role)+",%")
	}
	var list []schemas.Official
	if err := q.Find(&list).Error; err != nil {
		return unavailable("list officials", err)
	}
	return reply(c, http.StatusOK, gin.H{"items": list})
}

// OfficialInput is the body of POST /api/v1/officials and PATCH /api/v1/officials/{id}; on
// PATCH every field is optional.
type OfficialInput struct {
	ID        *string        `json:"id"`
	Name      *string        `json:"name"`
	OrgUnitID *string        `json:"org_unit_id"`
	Roles     *schemas.Roles `json:"roles"`
	Disabled  *bool          `json:"disabled"`
}

var validOfficialID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// validateOfficial checks the fields present (all of id, name, org_unit_id and roles when
// creating) and returns the org unit named. outside is set when that unit lies outside the
// caller's subtree: the caller answers 403 for it, not 422.
func (s *Server) validateOfficial(c *gin.Context, in OfficialInput, creating bool) (errs []FieldError, unit *schemas.OrgUnit, outside *FieldError, err error) {
	if creating {
		if in.ID == nil || !validOfficialID.MatchString(*in.ID) {
			errs = append(errs, FieldError{"id", "账号必填：2至64个字符，限小写字母、数字和“.”“_”“-”"})
		}
		for field, missing := range map[string]bool{"name": in.Name == nil, "org_unit_id": in.OrgUnitID == nil, "roles": in.Roles == nil} {
			if missing {
				errs = append(errs, FieldError{field, "必填"})
			}
		}
	} else if in.ID != nil {
		errs = append(errs, FieldError{"id", "账号不能修改"})
	}
	if in.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*in.Name)); n == 0 || n > 64 {
			errs = append(errs, FieldError{"name", "姓名须为1至64个字符"})
		}
	}
	if in.Roles != nil {
		for _, r := range *in.Roles {
			if !r.Valid() {
				errs = append(errs, FieldError{"roles", fmt.Sprintf("没有名为%q的角色", r)})
				break
			}
		}
	}
	if in.OrgUnitID != nil {
		if unit, errs, err = s.orgUnitField(c, errs, "org_unit_id", *in.OrgUnitID); err != nil {
			return nil, nil, nil, err
		}
		if unit != nil && !principal(c).InSubtree(unit.Path) {
			outside = &FieldError{"org_unit_id", "不在您管理的单位范围内：" + unit.Name}
		}
	}
	sortFieldErrors(errs)
	return errs, unit, outside, nil
}

// orgUnitField loads the org unit a field names: an unknown one is a field error, a failed
// lookup the error.
func (s *Server) orgUnitField(c *gin.Context, errs []FieldError, field, id string) (*schemas.OrgUnit, []FieldError, error) {
	var unit schemas.OrgUnit
	err := s.db.WithContext(c.Request.Context()).First(&unit, "id = ?", id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, append(errs, FieldError{field, "单位不存在"}), nil
	case err != nil:
		return nil, errs, unavailable("load org unit", err)
	}
	return &unit, errs, nil
}

func (s *Server) createOfficial(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	var in OfficialInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	errs, unit, outside, err := s.validateOfficial(c, in, true)
	if err != nil {
		return err
	}
	if outside != nil {
		return problem(probAdminScope, "管理员只能在本单位及下级单位中新增人员", *outside)
	}
	if len(errs) > 0 {
		return invalid("人员信息未通过校验", errs...)
	}
	o := schemas.Official{ID: *in.ID, Name: strings.TrimSpace(*in.Name), OrgUnitID: *in.OrgUnitID, Roles: *in.Roles}
	if in.Disabled != nil {
		o.Disabled = *in.Disabled
	}
	err = s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminOfficialCreated, []string{unit.Path},
			AdminChange{Target: "official/" + o.ID, After: o})
	})
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return problem(probConflict, "账号 "+o.ID+" 已存在", FieldError{"id", "该账号已被占用"})
	case err != nil:
		return unavailable("create official", err)
	}
	return reply(c, http.StatusCreated, o)
}

func (s *Server) updateOfficial(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	var in OfficialInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	var o schemas.Official
	err := s.db.WithContext(c.Request.Context()).First(&o, "id = ?", c.Param("id")).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return problem(probNotFound, "人员 "+c.Param("id")+" 不存在")
	case err != nil:
		return unavailable("load official", err)
	}
	var current schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).First(&current, "id = ?", o.OrgUnitID).Error; err != nil {
		return unavailable("load org unit", err)
	}
	p := principal(c)
	if !p.InSubtree(current.Path) {
		return problem(probAdminScope, "人员 "+o.ID+" 不在您管理的单位范围内")
	}
	errs, unit, outside, err := s.validateOfficial(c, in, false)
	if err != nil {
		return err
	}
	if outside != nil {
		return problem(probAdminScope, "管理员只能在本单位及下级单位之间调整人员", *outside)
	}
	if len(errs) > 0 {
		return invalid("人员信息未通过校验", errs...)
	}
	if o.ID == p.ID {
		// Granting oneself a role or moving oneself to another office is how an administrator
		// would reach what that office sees: another administrator, above, does it.
		var self []FieldError
		if in.Roles != nil && !sameRoles(*in.Roles, o.Roles) {
			self = append(self, FieldError{"roles", "不能修改本人的角色"})
		}
		if in.OrgUnitID != nil && *in.OrgUnitID != o.OrgUnitID {
			self = append(self, FieldError{"org_unit_id", "不能修改本人的所属单位"})
		}
		if len(self) > 0 {
			return problem(probAdminSelf, "管理员本人的角色和所属单位须由另一位管理员修改", self...)
		}
	}
	before := o
	scope := []string{current.Path}
	if unit != nil {
		scope = append(scope, unit.Path)
	}
	if in.Name != nil {
		o.Name = strings.TrimSpace(*in.Name)
	}
	if in.OrgUnitID != nil {
		o.OrgUnitID = *in.OrgUnitID
	}
	if in.Roles != nil {
		o.Roles = *in.Roles
	}
	if in.Disabled != nil {
		o.Disabled = *in.Disabled
	}
	err = s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Save(&o).Error; err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminOfficialUpdated, scope,
			AdminChange{Target: "official/" + o.ID, Before: before, After: o})
	})
	if err != nil {
		return unavailable("update official", err)
	}
	return reply(c, http.StatusOK, o)
}

// sameRoles reports whether a and b hold the same roles, in any order.
func sameRoles(a, b schemas.Roles) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !b.Has(r) {
			return false
		}
	}
	for _, r := range b {
		if !a.Has(r) {
			return false
		}
	}
	return true
}

// OrgUnitInput is the body of POST /api/v1/org-units.
type OrgUnitInput struct {
	ID       string           `json:"id"`
	ParentID string           `json:"parent_id"`
	Name     string           `json:"name"`
	Level    schemas.OrgLevel `json:"level"`
	Kind     schemas.OrgKind  `json:"kind"`
}

var validOrgUnitID = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{1,31}$`)

// createOrgUnit adds a unit under a parent in the admin's subtree.
func (s *Server) createOrgUnit(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	var in OrgUnitInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	var errs []FieldError
	if !validOrgUnitID.MatchString(in.ID) {
		errs = append(errs, FieldError{"id", "单位编码须为2至32位字母、数字或“-”，如150103"})
	}
	errs = textIssue(errs, "name", in.Name, 1, 64)
	switch in.Level {
	case schemas.LevelRegion, schemas.LevelLeague, schemas.LevelCounty, schemas.LevelTownship:
	default:
		errs = append(errs, FieldError{"level", "层级须为region、league、county或township"})
	}
	switch in.Kind {
	case schemas.OrgKindOrganization, schemas.OrgKindDiscipline, schemas.OrgKindAudit, schemas.OrgKindHR,
		schemas.OrgKindEstablishment, schemas.OrgKindUnit:
	default:
		errs = append(errs, FieldError{"kind", "类别须为organization、discipline、audit、hr、establishment或unit"})
	}
	parent, errs, err := s.orgUnitField(c, errs, "parent_id", in.ParentID)
	if err != nil {
		return err
	}
	if parent != nil && !principal(c).InSubtree(parent.Path) {
		return problem(probAdminScope, "管理员只能在本单位及下级单位中新增单位",
			FieldError{"parent_id", "不在您管理的单位范围内：" + parent.Name})
	}
	if len(errs) > 0 {
		return invalid("单位信息未通过校验", errs...)
	}
	unit := schemas.OrgUnit{ID: in.ID, ParentID: &parent.ID, Name: strings.TrimSpace(in.Name), Level: in.Level, Kind: in.Kind, Path: parent.Path + in.ID + "/"}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&unit).Error; err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminOrgUnitCreated, []string{unit.Path},
			AdminChange{Target: "org_unit/" + unit.ID, After: unit})
	})
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return problem(probConflict, "单位 "+in.ID+" 已存在", FieldError{"id", "该单位编码已被占用"})
	case err != nil:
		return unavailable("create org unit", err)
	}
	return reply(c, http.StatusCreated, unit)
}
