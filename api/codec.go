package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
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
func (s *Server) codec(c *gin.Context) error {
	if !s.mayViewEngine(principal(c)) {
		return problem(probForbidden, "流程引擎视图仅供根单位的"+roleTitles(s.reports.EngineViewRoles)+"使用")
	}
	if s.reports.PayloadCodec == nil {
		return problem(probNotFound, "未配置载荷加密（JIANDU_PAYLOAD_KEYS），没有编解码服务")
	}
	raw, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return problem(probTooLarge, fmt.Sprintf("请求体超过%d字节的上限", tooLarge.Limit))
	case err != nil:
		return problem(probBadRequest, "无法读取请求体")
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(raw, &in); err != nil {
		return problem(probBadRequest, "请求体须为Temporal载荷列表（{\"payloads\": [...]}）")
	}
	transform, what := s.reports.PayloadCodec.Decode, "解密"
	if strings.HasSuffix(c.FullPath(), "/encode") {
		transform, what = s.reports.PayloadCodec.Encode, "加密"
	}
	out, err := transform(in.Payloads)
	if err != nil {
		return problem(probBadRequest, "载荷无法"+what+"（密钥不符或内容已损坏）")
	}
	// The JSON the SDK's own codec handler answers with (converter.NewPayloadCodecHTTPHandler).
	return reply(c, http.StatusOK, &commonpb.Payloads{Payloads: out})
}
