package api

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// The Temporal UI behind the same login: /temporal/ is reverse-proxied to the UI server, which
// must serve under the public path /temporal (dev server: --ui-public-path /temporal; the UI
// container: TEMPORAL_UI_PUBLIC_PATH=/temporal). Only officials with the engine-view
// permission get through, and only to read: the UI's write actions (cancel, terminate, signal,
// reset) would bypass the processes' rules, so anything but GET and HEAD is refused. The UI
// decodes payloads through /codec on the same origin, which accepts the session cookie.

// temporalProxy builds the reverse proxy, or nil when no UI is configured.
func (s *Server) temporalProxy() http.Handler {
	if s.web.TemporalUIURL == "" {
		return nil
	}
	target, err := url.Parse(s.web.TemporalUIURL)
	if err != nil || target.Scheme == "" || target.Host == "" {
		s.log.Error("JIANDU_TEMPORAL_UI_URL is not a URL; /temporal/ is off", "url", s.web.TemporalUIURL)
		return nil
	}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.SetXForwarded()
			r.Out.Host = target.Host
			// Jiandu's own credentials stay here; the UI's cookies pass.
			r.Out.Header.Del("Authorization")
			r.Out.Header.Del("Cookie")
			for _, ck := range r.In.Cookies() {
				if ck.Name != sessionCookie && ck.Name != formCookie {
					r.Out.AddCookie(ck)
				}
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.ErrorContext(r.Context(), "temporal ui proxy", "err", err)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<!doctype html><meta charset=utf-8><title>引擎视图暂不可用</title><p>Temporal 界面暂时无法访问，请稍后重试。"))
		},
	}
}

// engineView gates /temporal/: a session (else the login page), the engine-view permission
// (else 403), and reading only.
func (s *Server) engineView(proxy http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if proxy == nil {
			s.errorPage(c, http.StatusNotFound, "未配置 Temporal 界面（JIANDU_TEMPORAL_UI_URL）。")
			return
		}
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			s.errorPage(c, http.StatusForbidden, "引擎视图只读：请在待办中办理业务。")
			return
		}
		if !s.sessionFor(c) {
			return
		}
		p := principal(c)
		if p == nil || p.Disabled || !s.mayViewEngine(p) {
			s.errorPage(c, http.StatusForbidden, "查看流程引擎需要引擎查看权限（自治区党委组织部监督人员）。")
			return
		}
		if !strings.HasPrefix(c.Request.URL.Path, "/temporal/") {
			c.Redirect(http.StatusSeeOther, "/temporal/")
			return
		}
		proxy.ServeHTTP(c.Writer, c.Request)
	}
}
