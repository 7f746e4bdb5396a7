package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/converter"

	"github.com/jiandu/jiandu/schemas"
)

func roleList(roles []schemas.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// codecCORS lets the Temporal UI (its configured origin only) call the codec endpoint with the
// official's token; preflight requests are answered here, before authentication.
func (s *Server) codecCORS(c *gin.Context) {
	if origin := c.GetHeader("Origin"); origin != "" && origin == s.reports.CodecCORSOrigin {
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Origin")
	}
	if c.Request.Method == http.MethodOptions {
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// mayViewEngine: the workflow engine's view (the Temporal UI, every case's payloads through
// /codec) is a permission of its own, for officials of the root org unit holding one of the
// engine-view roles (JIANDU_ENGINE_VIEW_ROLES, default supervisor). Lower offices work from
// Jiandu's own case views, which are scoped to their subtree and keep recusal.
func (s *Server) mayViewEngine(p *Principal) bool {
	if p.OrgUnit.ParentID != nil {
		return false
	}
	for _, r := range s.reports.EngineViewRoles {
		if p.Roles.Has(r) {
			return true
		}
	}
	return false
}

// codec serves Temporal's remote codec protocol (/codec/encode, /codec/decode) to the officials
// who may view the engine (mayViewEngine).
func (s *Server) codec(c *gin.Context) {
	if !s.mayViewEngine(principal(c)) {
		abort(c, probForbidden, "the workflow engine's view is for the root office's "+roleList(s.reports.EngineViewRoles))
		return
	}
	if s.reports.PayloadCodec == nil {
		abort(c, probNotFound, "payload encryption is not configured (JIANDU_PAYLOAD_KEYS)")
		return
	}
	converter.NewPayloadCodecHTTPHandler(s.reports.PayloadCodec).ServeHTTP(c.Writer, c.Request)
}
