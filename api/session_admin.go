package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/schemas"
)

// PasswordInput is the body of POST /api/v1/officials/{id}/password.
type PasswordInput struct {
	// Password is the temporary password; empty has one generated.
	Password string `json:"password"`
}

// PasswordAnswer answers an administrator's password reset.
type PasswordAnswer struct {
	OfficialID        string `json:"official_id"`
	TemporaryPassword string `json:"temporary_password"`
	MustChange        bool   `json:"must_change"`
}

// setOfficialPassword is POST /api/v1/officials/{id}/password: an administrator gives an
// official of their org subtree a temporary web password, which the official must change at the
// first login. It clears a lockout and ends the official's web sessions.
func (s *Server) setOfficialPassword(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	var in PasswordInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	target, err := s.loadPrincipal(c.Request.Context(), c.Param("id"))
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return problem(probNotFound, "人员 "+c.Param("id")+" 不存在")
	case err != nil:
		return unavailable("load official", err)
	case !principal(c).InSubtree(target.OrgUnit.Path):
		return problem(probForbidden, "人员 "+target.ID+" 不在您管理的单位范围内")
	}
	if in.Password == "" {
		in.Password = auth.RandomPassword()
	} else if msg := auth.PasswordIssue(target.ID, in.Password); msg != "" {
		return invalid("密码不符合要求", FieldError{"password", msg})
	}
	if err := SetPassword(c.Request.Context(), s.db, target.ID, in.Password, true); err != nil {
		return unavailable("set password", err)
	}
	s.log.InfoContext(c.Request.Context(), "web password set", "official", target.ID, "by", principal(c).ID)
	return reply(c, http.StatusOK, PasswordAnswer{OfficialID: target.ID, TemporaryPassword: in.Password, MustChange: true})
}
