package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

const (
	ctxRequestID = "jiandu.request_id"
	ctxPrincipal = "jiandu.principal"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes a well-formed X-Request-ID from the client or makes one, and echoes it.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !validRequestID.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// recover turns a panic into a 500 problem that says nothing of the internals; the log has them.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.fail(c, fmt.Errorf("panic in handler: %v", v))
		}
	}()
	c.Next()
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) httpMetrics {
	m := httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jiandu_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "jiandu_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// accessLog writes one structured line per request and records the HTTP metrics.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	elapsed := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(route, c.Request.Method).Observe(elapsed.Seconds())
	if route == "/healthz" || route == "/metrics" {
		return
	}
	attrs := []any{
		"request_id", c.GetString(ctxRequestID), "method", c.Request.Method, "route", route,
		"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000,
	}
	if p, ok := c.Get(ctxPrincipal); ok {
		attrs = append(attrs, "official", p.(*Principal).ID)
	}
	s.log.InfoContext(c.Request.Context(), "http request", attrs...)
}

// limitBody caps every request body; bindJSON turns the overflow into a 413.
func (s *Server) limitBody(c *gin.Context) error {
	max := s.bodyLimit(c) // uploads take their file limit (api/files.go)
	if c.Request.ContentLength > max {
		return problem(probTooLarge, fmt.Sprintf("请求体超过%d字节的上限", max))
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
	c.Next()
	return nil
}

// Principal is the official making a request, as the database has them now.
type Principal struct {
	schemas.Official
	OrgUnit schemas.OrgUnit
}

// InSubtree reports whether the org unit with path lies at or under the principal's own unit.
func (p *Principal) InSubtree(path string) bool { return strings.HasPrefix(path, p.OrgUnit.Path) }

func principal(c *gin.Context) *Principal { return c.MustGet(ctxPrincipal).(*Principal) }

// authenticate verifies the bearer token (or, without one, the web session cookie) and loads
// the official it names. Roles and the
// disabled flag are read on every request, so a change takes effect at once.
func (s *Server) authenticate(c *gin.Context) error {
	h := c.GetHeader("Authorization")
	if h == "" && hasCookie(c, sessionCookie) {
		return s.authenticateSession(c) // the web inbox's session (api/session.go)
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="jiandu"`)
		return problem(probUnauthorized, "缺少访问令牌（Authorization: Bearer）")
	}
	id, err := s.keys.Verify(token)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="jiandu", error="invalid_token"`)
		return problem(probUnauthorized, "访问令牌无效或已过期")
	}
	p, err := s.loadPrincipal(c.Request.Context(), id)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		c.Header("WWW-Authenticate", `Bearer realm="jiandu", error="invalid_token"`)
		return problem(probUnauthorized, "访问令牌所指的人员不存在")
	case err != nil:
		return unavailable("load official", err)
	case p.Disabled:
		c.Header("WWW-Authenticate", `Bearer realm="jiandu", error="invalid_token"`)
		return problem(probUnauthorized, "该账号已停用")
	}
	c.Set(ctxPrincipal, p)
	c.Next()
	return nil
}

// loadPrincipal reads the official and their org unit in one query: it runs on every request.
func (s *Server) loadPrincipal(ctx context.Context, id string) (*Principal, error) {
	var row struct {
		schemas.Official
		UnitParentID *string
		UnitName     string
		UnitLevel    schemas.OrgLevel
		UnitKind     schemas.OrgKind
		UnitPath     string
	}
	err := s.db.WithContext(ctx).Model(&schemas.Official{}).
		Select("officials.*, org_units.parent_id AS unit_parent_id, org_units.name AS unit_name, "+
			"org_units.level AS unit_level, org_units.kind AS unit_kind, org_units.path AS unit_path").
		Joins("JOIN org_units ON org_units.id = officials.org_unit_id").
		Where("officials.id = ?", id).Take(&row).Error
	if err != nil {
		return nil, err
	}
	return &Principal{Official: row.Official, OrgUnit: schemas.OrgUnit{
		ID: row.OrgUnitID, ParentID: row.UnitParentID, Name: row.UnitName, Level: row.UnitLevel, Kind: row.UnitKind, Path: row.UnitPath,
	}}, nil
}

// requireRole is a 403 unless the principal holds one of roles.
func requireRole(c *gin.Context, roles ...schemas.Role) error {
	if principal(c).Roles.HasAny(roles) {
		return nil
	}
	return problem(probForbidden, "须具有以下角色之一："+roleTitles(roles))
}

// roleTitles lists roles by their Chinese names.
func roleTitles(roles []schemas.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Title()
	}
	return strings.Join(names, "、")
}
