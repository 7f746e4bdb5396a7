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
func (s *Server) setOfficialPassword(c *gin.Context) {
	if !requireRole(c, schemas.RoleAdmin) {
		return
	}
	var in PasswordInput
	if !bindJSON(c, &in) {
		return
	}
	target, err := s.loadPrincipal(c.Request.Context(), c.Param("id"))
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		abort(c, probNotFound, "no official "+c.Param("id"))
		return
	case err != nil:
		s.unavailable(c, "load official", err)
		return
	case !principal(c).InSubtree(target.OrgUnit.Path):
		abort(c, probForbidden, "official "+target.ID+" is outside your org subtree")
		return
	}
	if in.Password == "" {
		in.Password = auth.RandomPassword()
	} else if msg := auth.PasswordIssue(target.ID, in.Password); msg != "" {
		abort(c, probValidation, "password refused", FieldError{"password", msg})
		return
	}
	if err := SetPassword(c.Request.Context(), s.db, target.ID, in.Password, true); err != nil {
		s.unavailable(c, "set password", err)
		return
	}
	s.log.InfoContext(c.Request.Context(), "web password set", "official", target.ID, "by", principal(c).ID)
	c.JSON(http.StatusOK, PasswordAnswer{OfficialID: target.ID, TemporaryPassword: in.Password, MustChange: true})
}
