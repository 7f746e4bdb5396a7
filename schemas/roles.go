// Package schemas is Jiandu's shared vocabulary: database models, enums, the names of workflows,
// updates and search attributes, and the request and response types of the API.
package schemas

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
)

// Role is what an official may do. Roles come from the database on every request, so a change
// takes effect at once.
type Role string

const (
	RoleSupervisor      Role = "supervisor"       // 干部监督处/科
	RoleCadreSection    Role = "cadre_section"    // 干部处/科
	RoleLeader          Role = "leader"           // 部领导
	RoleIntakeClerk     Role = "intake_clerk"     // 12380受理
	RoleInvestigator    Role = "investigator"     // 查核
	RoleAuditor         Role = "auditor"          // 审计机关
	RoleHR              Role = "hr"               // 人社
	RoleEstablishment   Role = "establishment"    // 编办
	RoleDiscipline      Role = "discipline"       // 纪委
	RoleUnitPrincipal   Role = "unit_principal"   // 单位主要负责人
	RoleSupervisedCadre Role = "supervised_cadre" // 被监督干部
	RoleAdmin           Role = "admin"
)

// AllRoles lists every role in a stable order.
var AllRoles = []Role{
	RoleSupervisor, RoleCadreSection, RoleLeader, RoleIntakeClerk, RoleInvestigator, RoleAuditor,
	RoleHR, RoleEstablishment, RoleDiscipline, RoleUnitPrincipal, RoleSupervisedCadre, RoleAdmin,
}

var roleTitles = map[Role]string{
	RoleSupervisor:      "干部监督",
	RoleCadreSection:    "干部科",
	RoleLeader:          "部领导",
	RoleIntakeClerk:     "12380受理",
	RoleInvestigator:    "查核",
	RoleAuditor:         "审计",
	RoleHR:              "人社",
	RoleEstablishment:   "编办",
	RoleDiscipline:      "纪委",
	RoleUnitPrincipal:   "单位主要负责人",
	RoleSupervisedCadre: "被监督干部",
	RoleAdmin:           "系统管理员",
}

// Title is the role's Chinese name, for user-facing text.
func (r Role) Title() string { return roleTitles[r] }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleTitles[r]; return ok }

// Roles is a set of roles stored as one comma-separated column.
type Roles []Role

// Has reports whether the set holds r.
func (rs Roles) Has(r Role) bool { return slices.Contains(rs, r) }

// Validate names the first unknown role.
func (rs Roles) Validate() error {
	for _, r := range rs {
		if !r.Valid() {
			return fmt.Errorf("unknown role %q", r)
		}
	}
	return nil
}

// Value stores the roles as ",a,b," so that a LIKE '%,a,%' finds holders of a role.
func (rs Roles) Value() (driver.Value, error) {
	if len(rs) == 0 {
		return "", nil
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return "," + strings.Join(parts, ",") + ",", nil
}

// Scan reads the column written by Value.
func (rs *Roles) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("scan roles from %T", src)
	}
	*rs = nil
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			*rs = append(*rs, Role(p))
		}
	}
	return nil
}
