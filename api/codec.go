package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/converter"

	"github.com/jiandu/jiandu/schemas"
)

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

// codec serves Temporal's remote codec protocol (/codec/encode, /codec/decode) to the intake
// clerks and supervisors, the officials who may read what workflows carry about a report.
func (s *Server) codec(c *gin.Context) {
	if !requireRole(c, schemas.RoleIntakeClerk, schemas.RoleSupervisor) {
		return
	}
	if s.reports.PayloadCodec == nil {
		abort(c, probNotFound, "payload encryption is not configured (JIANDU_PAYLOAD_KEYS)")
		return
	}
	converter.NewPayloadCodecHTTPHandler(s.reports.PayloadCodec).ServeHTTP(c.Writer, c.Request)
}
