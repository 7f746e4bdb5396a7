package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/schemas"
)

// Sessions of the web inbox (api/web*.go): a random token in an HttpOnly, SameSite=Lax cookie
// (Secure outside dev), stored server-side as its SHA-256 with the session's CSRF token. The
// REST API and /codec accept the session as well as bearer tokens; with a session, every
// state-changing /api/v1 request must carry the CSRF token in X-CSRF-Token.

const (
	sessionCookie = "jiandu_session"
	csrfHeader    = "X-CSRF-Token"
	// maxFailedLogins wrong passwords in a row lock an account for lockoutPeriod.
	maxFailedLogins = 5
	lockoutPeriod   = 15 * time.Minute
)

// WebDeps configures the web inbox, its sessions and the Temporal UI behind the same login.
type WebDeps struct {
	// CookieSecure marks the session cookie Secure (HTTPS only). Off only in dev.
	CookieSecure bool
	// SessionTTL is a session's absolute lifetime (default 12h); SessionIdle ends a session
	// not used for that long (default 2h).
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// TemporalUIURL is where the Temporal UI is served with its public path set to /temporal
	// (e.g. http://127.0.0.1:8233); empty turns the /temporal/ proxy off.
	TemporalUIURL string
	// Namespace is the Temporal namespace the case pages link to in the UI.
	Namespace string
	// LoginLimit rate-limits login attempts per client address (default 10 a minute).
	LoginLimit RateLimit
	// OIDC turns on single sign-on (api/session_oidc.go) when set.
	OIDC *OIDCConfig
}

type webConfig struct {
	WebDeps
	logins *limiter
}

func newWebConfig(d WebDeps) *webConfig {
	if d.SessionTTL <= 0 {
		d.SessionTTL = 12 * time.Hour
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = 2 * time.Hour
	}
	if d.LoginLimit.Burst <= 0 || d.LoginLimit.Per <= 0 {
		d.LoginLimit = RateLimit{Burst: 10, Per: time.Minute}
	}
	return &webConfig{WebDeps: d, logins: newLimiter(d.LoginLimit)}
}

// grants is what a session was granted on: the official's org unit and roles. A change of
// either revokes the official's sessions.
func grants(o *schemas.Official) string {
	roles := make([]string, len(o.Roles))
	for i, r := range o.Roles {
		roles[i] = string(r)
	}
	slices.Sort(roles)
	return o.OrgUnitID + "|" + strings.Join(roles, ",")
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// webSession is a live session with its official.
type webSession struct {
	row        schemas.WebSession
	principal  *Principal
	mustChange bool
	token      string
}

var errNoSession = errors.New("no session")

// loadSession reads the session the request's cookie names. A session that expired, sat idle,
// or whose official was disabled or changed roles or org unit is deleted and reported as none.
func (s *Server) loadSession(c *gin.Context) (*webSession, error) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || len(ck.Value) != 64 {
		return nil, errNoSession
	}
	ctx := c.Request.Context()
	db := s.db.WithContext(ctx)
	var row schemas.WebSession
	if err := db.Take(&row, "id_hash = ?", hashToken(ck.Value)).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, errNoSession
		}
		return nil, err
	}
	now := time.Now().UTC()
	if now.After(row.ExpiresAt) || now.Sub(row.LastSeenAt) > s.web.SessionIdle {
		return nil, s.endSession(ctx, row.IDHash)
	}
	p, err := s.loadPrincipal(ctx, row.OfficialID)
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (p.Disabled || grants(&p.Official) != row.Grants)) {
		return nil, s.revokeSessions(ctx, row.OfficialID, "")
	}
	if err != nil {
		return nil, err
	}
	// An official who signs in through OIDC may have no local password (no account row).
	var acct schemas.WebAccount
	if err := db.Take(&acct, "official_id = ?", p.ID).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	if now.Sub(row.LastSeenAt) > time.Minute {
		if err := db.Model(&schemas.WebSession{}).Where("id_hash = ?", row.IDHash).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return &webSession{row: row, principal: p, mustChange: acct.MustChange, token: ck.Value}, nil
}

func (s *Server) endSession(ctx context.Context, idHash string) error {
	if err := s.db.WithContext(ctx).Delete(&schemas.WebSession{}, "id_hash = ?", idHash).Error; err != nil {
		return err
	}
	return errNoSession
}

// revokeSessions deletes the official's sessions (but the one whose hash is keep) and answers
// errNoSession, or the database's error.
func (s *Server) revokeSessions(ctx context.Context, officialID, keep string) error {
	if err := revokeSessions(s.db.WithContext(ctx), officialID, keep); err != nil {
		return err
	}
	return errNoSession
}

func revokeSessions(db *gorm.DB, officialID, keep string) error {
	return db.Where("official_id = ? AND id_hash <> ?", officialID, keep).Delete(&schemas.WebSession{}).Error
}

// authenticateSession is authenticate's path for a request without an Authorization header
// that carries a session cookie.
func (s *Server) authenticateSession(c *gin.Context) error {
	sess, err := s.loadSession(c)
	switch {
	case errors.Is(err, errNoSession):
		return problem(probUnauthorized, "登录已过期或已被注销，请重新登录")
	case err != nil:
		return unavailable("load session", err)
	case sess.mustChange:
		return problem(probForbidden, "请先修改密码（/web/password）")
	}
	// The codec endpoints only transform payloads; the Temporal UI cannot send a CSRF header,
	// and SameSite=Lax keeps other sites' POSTs from carrying the cookie.
	if changesState(c.Request.Method) && !strings.HasPrefix(c.Request.URL.Path, "/codec/") &&
		subtle.ConstantTimeCompare([]byte(c.GetHeader(csrfHeader)), []byte(sess.row.CSRFToken)) != 1 {
		return problem(probForbidden, "以登录会话发出的请求缺少或带有错误的"+csrfHeader+"请求头")
	}
	c.Set(ctxPrincipal, sess.principal)
	c.Next()
	return nil
}

// mutating reports whether a method changes state.
func changesState(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// startSession creates a session for the official and sets its cookie.
func (s *Server) startSession(c *gin.Context, o *schemas.Official) error {
	token := randomToken()
	now := time.Now().UTC()
	row := schemas.WebSession{
		IDHash: hashToken(token), OfficialID: o.ID, CSRFToken: randomToken(), Grants: grants(o),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.web.SessionTTL),
	}
	if err := s.db.WithContext(c.Request.Context()).Create(&row).Error; err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, token, int(s.web.SessionTTL.Seconds()))
	return nil
}

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.web.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}

// loginResult is what a login attempt came to.
type loginResult int

const (
	loginOK loginResult = iota
	loginWrong
	loginLocked
)

// checkLogin checks an official's password, counting failures: maxFailedLogins in a row lock
// the account for lockoutPeriod. Unknown and disabled officials answer loginWrong after the
// same work, so the answer does not tell whether an account exists.
func (s *Server) checkLogin(ctx context.Context, id, password string) (*schemas.Official, loginResult, time.Time, error) {
	db := s.db.WithContext(ctx)
	var o schemas.Official
	var acct schemas.WebAccount
	oerr := db.Take(&o, "id = ?", id).Error
	aerr := db.Take(&acct, "official_id = ?", id).Error
	for _, err := range []error{oerr, aerr} {
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, 0, time.Time{}, err
		}
	}
	if oerr != nil || aerr != nil || o.Disabled {
		_, _ = auth.CheckPassword(dummyHash, password)
		return nil, loginWrong, time.Time{}, nil
	}
	now := time.Now().UTC()
	if acct.LockedUntil != nil && now.Before(*acct.LockedUntil) {
		return nil, loginLocked, *acct.LockedUntil, nil
	}
	ok, err := auth.CheckPassword(acct.PasswordHash, password)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	if ok {
		err := db.Model(&schemas.WebAccount{}).Where("official_id = ?", id).
			Updates(map[string]any{"failed_attempts": 0, "locked_until": nil}).Error
		return &o, loginOK, time.Time{}, err
	}
	// Count the failure in the database (atomically), so every api process sees it.
	if err := db.Model(&schemas.WebAccount{}).Where("official_id = ?", id).
		Update("failed_attempts", gorm.Expr("failed_attempts + 1")).Error; err != nil {
		return nil, 0, time.Time{}, err
	}
	if err := db.Take(&acct, "official_id = ?", id).Error; err != nil {
		return nil, 0, time.Time{}, err
	}
	if acct.FailedAttempts >= maxFailedLogins {
		until := now.Add(lockoutPeriod)
		err := db.Model(&schemas.WebAccount{}).Where("official_id = ?", id).
			Updates(map[string]any{"failed_attempts": 0, "locked_until": until}).Error
		return nil, loginLocked, until, err
	}
	return nil, loginWrong, time.Time{}, nil
}

// dummyHash is checked for unknown officials, so a login takes as long either way.
var dummyHash, _ = auth.HashPassword(randomToken())

// SetPassword gives an official a password (a new account or a reset). With mustChange the
// official must choose their own at the next login. It clears any lockout and ends every
// session of the official.
func SetPassword(ctx context.Context, gdb *gorm.DB, officialID, password string, mustChange bool) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o schemas.Official
		if err := tx.Take(&o, "id = ?", officialID).Error; err != nil {
			return err
		}
		acct := schemas.WebAccount{OfficialID: officialID, PasswordHash: hash, MustChange: mustChange, PasswordSetAt: now, UpdatedAt: now}
		res := tx.Model(&schemas.WebAccount{}).Where("official_id = ?", officialID).Updates(map[string]any{
			"password_hash": hash, "must_change": mustChange, "failed_attempts": 0, "locked_until": nil,
			"password_set_at": now, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Create(&acct).Error; err != nil {
				return err
			}
		}
		return revokeSessions(tx, officialID, "")
	})
}

func hasCookie(c *gin.Context, name string) bool {
	_, err := c.Request.Cookie(name)
	return err == nil
}
