package api

import (
	"errors"
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

func (s *Server) me(c *gin.Context) {
	p := principal(c)
	titles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		titles[i] = r.Title()
	}
	c.JSON(http.StatusOK, MeResponse{Official: p.Official, RoleTitles: titles, OrgUnit: p.OrgUnit, EngineView: s.mayViewEngine(p)})
}

// listOrgUnits returns the org tree in path order, or the subtree under ?under=<id>.
func (s *Server) listOrgUnits(c *gin.Context) {
	q := s.db.WithContext(c.Request.Context()).Order("path")
	if under := c.Query("under"); under != "" {
		var root schemas.OrgUnit
		if err := s.db.WithContext(c.Request.Context()).First(&root, "id = ?", under).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				abort(c, probNotFound, "no org unit "+under, FieldError{Field: "under", Message: "unknown org unit"})
				return
			}
			s.unavailable(c, "load org unit", err)
			return
		}
		q = q.Where("path LIKE ?", root.Path+"%")
	}
	var units []schemas.OrgUnit
	if err := q.Find(&units).Error; err != nil {
		s.unavailable(c, "list org units", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": units})
}

// listOfficials lists the officials in the caller's subtree; admins and supervisors only.
func (s *Server) listOfficials(c *gin.Context) {
	if !requireRole(c, schemas.RoleAdmin, schemas.RoleSupervisor) {
		return
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
			abort(c, probValidation, "unknown role", FieldError{Field: "role", Message: "unknown role " + string(role)})
			return
		}
		q = q.Where("officials.roles LIKE ?", "%,"+string(role)+",%")
	}
	var list []schemas.Official
	if err := q.Find(&list).Error; err != nil {
		s.unavailable(c, "list officials", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": list})
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
func (s *Server) validateOfficial(c *gin.Context, in OfficialInput, creating bool) (errs []FieldError, unit *schemas.OrgUnit, outside *FieldError) {
	if creating {
		if in.ID == nil || !validOfficialID.MatchString(*in.ID) {
			errs = append(errs, FieldError{"id", "required: 2-64 characters of a-z, 0-9, '.', '_', '-'"})
		}
		for field, missing := range map[string]bool{"name": in.Name == nil, "org_unit_id": in.OrgUnitID == nil, "roles": in.Roles == nil} {
			if missing {
				errs = append(errs, FieldError{field, "required"})
			}
		}
	} else if in.ID != nil {
		errs = append(errs, FieldError{"id", "cannot be changed"})
	}
	if in.Name != nil {
		if n := utf8.RuneCountInString(strings.TrimSpace(*in.Name)); n == 0 || n > 64 {
			errs = append(errs, FieldError{"name", "1-64 characters"})
		}
	}
	if in.Roles != nil {
		if err := in.Roles.Validate(); err != nil {
			errs = append(errs, FieldError{"roles", err.Error()})
		}
	}
	if in.OrgUnitID != nil {
		unit = &schemas.OrgUnit{}
		if err := s.db.WithContext(c.Request.Context()).First(unit, "id = ?", *in.OrgUnitID).Error; err != nil {
			errs = append(errs, FieldError{"org_unit_id", "unknown org unit"})
			unit = nil
		} else if !principal(c).InSubtree(unit.Path) {
			outside = &FieldError{"org_unit_id", "outside your org subtree: " + unit.Name}
		}
	}
	sortFieldErrors(errs)
	return errs, unit, outside
}

func (s *Server) createOfficial(c *gin.Context) {
	if !requireRole(c, schemas.RoleAdmin) {
		return
	}
	var in OfficialInput
	if !bindJSON(c, &in) {
		return
	}
	errs, unit, outside := s.validateOfficial(c, in, true)
	if outside != nil {
		abort(c, probAdminScope, "an administrator creates officials only in their own org subtree", *outside)
		return
	}
	if len(errs) > 0 {
		abort(c, probValidation, "invalid official", errs...)
		return
	}
	o := schemas.Official{ID: *in.ID, Name: strings.TrimSpace(*in.Name), OrgUnitID: *in.OrgUnitID, Roles: *in.Roles}
	if in.Disabled != nil {
		o.Disabled = *in.Disabled
	}
	err := s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminOfficialCreated, []string{unit.Path},
			AdminChange{Target: "official/" + o.ID, After: o})
	})
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		abort(c, probConflict, "official "+o.ID+" exists", FieldError{"id", "already taken"})
		return
	case err != nil:
		s.unavailable(c, "create official", err)
		return
	}
	c.JSON(http.StatusCreated, o)
}

func (s *Server) updateOfficial(c *gin.Context) {
	if !requireRole(c, schemas.RoleAdmin) {
		return
	}
	var in OfficialInput
	if !bindJSON(c, &in) {
		return
	}
	var o schemas.Official
	err := s.db.WithContext(c.Request.Context()).First(&o, "id = ?", c.Param("id")).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		abort(c, probNotFound, "no official "+c.Param("id"))
		return
	case err != nil:
		s.unavailable(c, "load official", err)
		return
	}
	var current schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).First(&current, "id = ?", o.OrgUnitID).Error; err != nil {
		s.unavailable(c, "load org unit", err)
		return
	}
	p := principal(c)
	if !p.InSubtree(current.Path) {
		abort(c, probAdminScope, "official "+o.ID+" is outside your org subtree")
		return
	}
	errs, unit, outside := s.validateOfficial(c, in, false)
	if outside != nil {
		abort(c, probAdminScope, "an administrator moves officials only within their own org subtree", *outside)
		return
	}
	if len(errs) > 0 {
		abort(c, probValidation, "invalid official", errs...)
		return
	}
	if o.ID == p.ID {
		// Granting oneself a role or moving oneself to another office is how an administrator
		// would reach what that office sees: another administrator, above, does it.
		var self []FieldError
		if in.Roles != nil && !sameRoles(*in.Roles, o.Roles) {
			self = append(self, FieldError{"roles", "you cannot change your own roles"})
		}
		if in.OrgUnitID != nil && *in.OrgUnitID != o.OrgUnitID {
			self = append(self, FieldError{"org_unit_id", "you cannot change your own org unit"})
		}
		if len(self) > 0 {
			abort(c, probAdminSelf, "an administrator's own roles and org unit are changed by another administrator", self...)
			return
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
		s.unavailable(c, "update official", err)
		return
	}
	c.JSON(http.StatusOK, o)
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
func (s *Server) createOrgUnit(c *gin.Context) {
	if !requireRole(c, schemas.RoleAdmin) {
		return
	}
	var in OrgUnitInput
	if !bindJSON(c, &in) {
		return
	}
	ctx := c.Request.Context()
	var errs []FieldError
	if !validOrgUnitID.MatchString(in.ID) {
		errs = append(errs, FieldError{"id", "2-32 letters, digits or '-', e.g. 150103"})
	}
	errs = textIssue(errs, "name", in.Name, 1, 64)
	switch in.Level {
	case schemas.LevelRegion, schemas.LevelLeague, schemas.LevelCounty, schemas.LevelTownship:
	default:
		errs = append(errs, FieldError{"level", "region, league, county or township"})
	}
	switch in.Kind {
	case schemas.OrgKindOrganization, schemas.OrgKindDiscipline, schemas.OrgKindAudit, schemas.OrgKindHR,
		schemas.OrgKindEstablishment, schemas.OrgKindUnit:
	default:
		errs = append(errs, FieldError{"kind", "organization, discipline, audit, hr, establishment or unit"})
	}
	var parent schemas.OrgUnit
	if err := s.db.WithContext(ctx).First(&parent, "id = ?", in.ParentID).Error; err != nil {
		errs = append(errs, FieldError{"parent_id", "unknown org unit"})
	} else if !principal(c).InSubtree(parent.Path) {
		abort(c, probAdminScope, "an administrator creates org units only in their own org subtree",
			FieldError{"parent_id", "outside your org subtree: " + parent.Name})
		return
	}
	if len(errs) > 0 {
		sortFieldErrors(errs)
		abort(c, probValidation, "invalid org unit", errs...)
		return
	}
	unit := schemas.OrgUnit{ID: in.ID, ParentID: &parent.ID, Name: strings.TrimSpace(in.Name), Level: in.Level, Kind: in.Kind, Path: parent.Path + in.ID + "/"}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&unit).Error; err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminOrgUnitCreated, []string{unit.Path},
			AdminChange{Target: "org_unit/" + unit.ID, After: unit})
	})
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		abort(c, probConflict, "org unit "+in.ID+" exists", FieldError{"id", "already taken"})
	case err != nil:
		s.unavailable(c, "create org unit", err)
	default:
		c.JSON(http.StatusCreated, unit)
	}
}
