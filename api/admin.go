package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/schemas"
)

// Administration is scoped and audited (issue 10, part 3):
//
//   - an administrator manages officials and org units only at or under their own org unit;
//   - no administrator changes their own roles or org unit (another administrator above does);
//   - the working-day calendar is the root office's: only an administrator of the root org unit
//     replaces a year of it;
//   - every change is appended, in the transaction that makes it, to the admin trail
//     (audit.AdminTrail): who, what, and the record before and after. `jiandu audit verify`
//     checks it with the case trails; GET /api/v1/admin/audit lists the part that concerns the
//     administrator's subtree.
//
// Admin trail actions.
const (
	adminOfficialCreated = audit.AdminOfficialCreated
	adminOfficialUpdated = audit.AdminOfficialUpdated
	adminOrgUnitCreated  = audit.AdminOrgUnitCreated
	adminCalendarSet     = audit.AdminCalendarSet
)

// appendAdminAudit writes one admin trail row in tx, made by the calling official.
func appendAdminAudit(tx *gorm.DB, c *gin.Context, action string, scope []string, change AdminChange) error {
	return audit.AppendAdmin(tx, principal(c).ID, action, scope, change)
}

// adminActions are the actions of the admin trail.
var adminActions = []string{adminOfficialCreated, adminOfficialUpdated, adminOrgUnitCreated, adminCalendarSet,
	audit.AdminSchedulePaused, audit.AdminScheduleUnpaused, audit.AdminScheduleTriggered}

// AdminChange is the detail of an admin trail row.
type AdminChange = audit.AdminChange

// escapeLike escapes s for a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AdminAuditResponse is GET /api/v1/admin/audit: a page of the admin trail, newest first.
type AdminAuditResponse struct {
	// Verified says whether the whole admin trail's chain checks with the audit keys.
	Verified   bool                 `json:"verified"`
	Items      []schemas.AuditEvent `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

type adminAuditCursor struct {
	Seq int `json:"s"`
}

// adminAudit lists the admin trail rows whose scope reaches into the caller's subtree
// (administrators only), newest first. ?action= narrows to one action, ?actor= to one
// administrator.
func (s *Server) adminAudit(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var cur adminAuditCursor
	hasCursor, err := decodeCursor(c, &cur)
	if err != nil {
		return err
	}
	p := principal(c)
	// Paths are "/root/.../unit/": one lies under p's unit exactly when p's path is a prefix
	// of it, and a scope is space-separated paths that each start at the root, so p's path
	// occurs in the scope exactly when one of them lies under p's unit.
	q := s.db.WithContext(c.Request.Context()).Where("case_id = ? AND scope LIKE ? ESCAPE '\\'",
		audit.AdminTrail, "%"+escapeLike(p.OrgUnit.Path)+"%")
	if a := c.Query("action"); a != "" {
		if !slices.Contains(adminActions, a) {
			return invalid("参数action无效", FieldError{"action", "操作类型须为以下之一：" + strings.Join(adminActions, "、")})
		}
		q = q.Where("action = ?", a)
	}
	if a := c.Query("actor"); a != "" {
		if !validOfficialID.MatchString(a) && a != audit.BootstrapActor {
			return invalid("参数actor无效", FieldError{"actor", "须为人员账号"})
		}
		q = q.Where("actor = ?", a)
	}
	if hasCursor {
		q = q.Where("case_seq < ?", cur.Seq)
	}
	var rows []schemas.AuditEvent
	if err := q.Order("case_seq DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return unavailable("list admin trail", err)
	}
	rep, err := audit.VerifyCase(c.Request.Context(), s.db, audit.AdminTrail)
	if err != nil {
		return unavailable("verify admin trail", err)
	}
	resp := AdminAuditResponse{Verified: rep.OK(), Items: rows}
	if len(rows) > limit {
		resp.Items = rows[:limit]
		resp.NextCursor = encodeCursor(adminAuditCursor{Seq: rows[limit-1].CaseSeq})
	}
	return reply(c, http.StatusOK, resp)
}
