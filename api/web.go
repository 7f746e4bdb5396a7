package api

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// The web inbox: server-rendered Chinese pages over the REST API. A page never reads or writes
// cases and tasks itself: it sends the same request a REST client would (with the official's
// session cookie and CSRF token) through the same gin engine, so the handlers, validation and
// authorization are the REST API's, and renders the answer.

//go:embed web/templates/*.html web/static/*
var webFS embed.FS

const (
	ctxSession    = "jiandu.web_session"
	formCSRFField = "csrf"
	// formCookie holds the double-submit token of the forms shown without a session (login,
	// the 12380 report).
	formCookie = "jiandu_form"
)

var webTemplates = sync.OnceValue(func() map[string]*template.Template {
	funcs := template.FuncMap{
		"when":       fmtTime,
		"whenp":      func(t *time.Time) string { return fmtTimePtr(t) },
		"kindTitle":  func(k schemas.CaseKind) string { return k.Title() },
		"roleTitle":  func(r schemas.Role) string { return r.Title() },
		"taskStatus": taskStatusTitle,
		"caseStatus": caseStatusTitle,
		"has":        func(m map[string]string, k string) bool { _, ok := m[k]; return ok },
		"get":        func(m map[string]string, k string) string { return m[k] },
		"overdueSoon": func(t *time.Time) bool {
			return t != nil && time.Until(*t) < 24*time.Hour
		},
		"fieldID": func(name string) string { return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name) },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"cand":       func(i int, f string) string { return fmt.Sprintf("candidates[%d].%s", i, f) },
		"inc":        func(i int) int { return i + 1 },
		"action":     actionTitle,
		"fileLabel":  fileLabel,
		"fileAccept": func(f schemas.FormField) string { return strings.Join(f.Accept, ",") },
		"fileHint":   fileHint,
		"fileSize":   fileSizeText,
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"startOrder": func() []string { return []string{"inquiry", "admonishment", "departure-audit", "joint-inspection"} },
		"decisionLabel": func(t schemas.Task) string {
			for _, d := range t.Spec.Decisions {
				if d.Key == t.Decision {
					return d.Label
				}
			}
			return t.Decision
		},
		"list3": func(specs ...string) []labelled {
			out := make([]labelled, len(specs))
			for i, sp := range specs {
				name, label, _ := strings.Cut(sp, "|")
				out[i] = labelled{Name: name, Label: label}
			}
			return out
		},
		"dict3": func(i int, f, label string, form, errs map[string]string) candField {
			return candField{I: i, F: f, Label: label, Form: form, Errs: errs}
		},
	}
	pages, err := fs.Glob(webFS, "web/templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "web/templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/templates/layout.html", p))
	}
	return out
})

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location()).Format("2006-01-02 15:04")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

var actionTitles = map[string]string{
	"case.opened": "案件发起", "case.closed": "案件办结", "case.cancelled": "案件撤销", "case.linked": "关联案件",
	"case.stage": "进入新阶段", "task.opened": "生成待办", "task.completed": "办结待办", "task.cancelled": "撤销待办",
	"task.claimed": "认领", "task.unclaimed": "退回认领", "task.reassigned": "转交", "task.remind": "到期提醒",
	"task.overdue": "逾期", "task.urge": "催办", "task.escalate": "督办", "task.escalate_to": "上报",
	"publicity.published": "发布公示", "file.added": "添加文件", "file.superseded": "替换文件",
}

// actionTitle says an audit action in Chinese where it has a title; else its code.
func actionTitle(a string) string {
	if t, ok := actionTitles[a]; ok {
		return t
	}
	return a
}

func taskStatusTitle(s schemas.TaskStatus) string {
	return map[schemas.TaskStatus]string{schemas.TaskOpen: "待办", schemas.TaskCompleted: "已办结", schemas.TaskCancelled: "已撤销"}[s]
}

func caseStatusTitle(s schemas.CaseStatus) string {
	return map[schemas.CaseStatus]string{schemas.CaseOpen: "办理中", schemas.CaseClosed: "已办结", schemas.CaseCancelled: "已撤销"}[s]
}

// labelled is a form field's name and label.
type labelled struct{ Name, Label string }

// candField is one input of a candidate row of the publicity form.
type candField struct {
	I          int
	F, Label   string
	Form, Errs map[string]string
}

// page is what every template gets.
type page struct {
	Title      string
	Nav        string
	P          *Principal
	CSRF       string
	EngineView bool
	Supervisor bool
	Analyst    bool // reads analysis reports (api/analysis.go)
	Flash      string
	Error      string
	Errors     map[string]string // field -> Chinese message
	Form       map[string]string // the values the official entered
	Data       any
}

// render writes a page of the web inbox.
func (s *Server) render(c *gin.Context, status int, name string, pg page) {
	if sess, ok := c.Get(ctxSession); ok {
		ws := sess.(*webSession)
		pg.P, pg.CSRF = ws.principal, ws.row.CSRFToken
		pg.EngineView = ws.principal != nil && !ws.principal.Disabled && s.mayViewEngine(ws.principal) && s.web.TemporalUIURL != ""
		pg.Supervisor = ws.principal.Roles.Has(schemas.RoleSupervisor) || ws.principal.Roles.Has(schemas.RoleAdmin)
		pg.Analyst = ws.principal.Roles.HasAny(analysisReaders)
	}
	if pg.Flash == "" {
		pg.Flash = c.Query("msg")
	}
	var buf bytes.Buffer
	if err := webTemplates()[name].Execute(&buf, pg); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString("<!doctype html><meta charset=utf-8><p>页面生成失败，请稍后重试。")
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

// errorPage answers with a Chinese error page.
func (s *Server) errorPage(c *gin.Context, status int, msg string) {
	title := map[int]string{
		http.StatusForbidden: "无权访问", http.StatusNotFound: "页面不存在", http.StatusConflict: "状态冲突",
		http.StatusTooManyRequests: "请求过于频繁", http.StatusServiceUnavailable: "服务暂不可用",
		http.StatusUnprocessableEntity: "内容未通过校验", http.StatusBadRequest: "请求有误",
	}[status]
	if title == "" {
		title = "出错了"
	}
	s.render(c, status, "error", page{Title: title, Error: msg, Data: status})
}

// webAuth requires a session: without one the browser goes to the login page (and comes back);
// with a password still to change, to the password page.
func (s *Server) webAuth(c *gin.Context) {
	if s.sessionFor(c) {
		c.Next()
	}
}

// sessionFor loads the page's session into the context, or answers (a redirect, an error page)
// and reports false.
func (s *Server) sessionFor(c *gin.Context) bool {
	sess, err := s.loadSession(c)
	switch {
	case errors.Is(err, errNoSession):
		next := c.Request.URL.RequestURI()
		c.Redirect(http.StatusSeeOther, "/web/login?next="+url.QueryEscape(next))
		c.Abort()
		return false
	case err != nil:
		s.log.ErrorContext(c.Request.Context(), "load session", "err", err)
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return false
	}
	c.Set(ctxSession, sess)
	c.Set(ctxPrincipal, sess.principal)
	if sess.mustChange && c.FullPath() != "/web/password" && c.FullPath() != "/web/logout" {
		c.Redirect(http.StatusSeeOther, "/web/password")
		c.Abort()
		return false
	}
	if changesState(c.Request.Method) && subtle.ConstantTimeCompare([]byte(c.PostForm(formCSRFField)), []byte(sess.row.CSRFToken)) != 1 {
		s.errorPage(c, http.StatusForbidden, "表单已失效（CSRF 校验未通过），请返回刷新页面后重试。")
		return false
	}
	return true
}

func session(c *gin.Context) *webSession { return c.MustGet(ctxSession).(*webSession) }

// formToken sets (or reuses) the double-submit token of a form shown without a session.
func (s *Server) formToken(c *gin.Context) string {
	if ck, err := c.Request.Cookie(formCookie); err == nil && len(ck.Value) == 64 {
		return ck.Value
	}
	t := randomToken()
	s.setCookie(c, formCookie, t, 3600)
	return t
}

// formTokenOK checks a sessionless form's token against its cookie.
func formTokenOK(c *gin.Context) bool {
	ck, err := c.Request.Cookie(formCookie)
	return err == nil && len(ck.Value) == 64 && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.PostForm(formCSRFField))) == 1
}

// apiAnswer is what the REST API answered a page's request.
type apiAnswer struct {
	status int
	body   []byte
	header http.Header
}

func (a apiAnswer) ok() bool { return a.status >= 200 && a.status < 300 }

func (a apiAnswer) decode(v any) error { return json.Unmarshal(a.body, v) }

// problem decodes the problem document of a failed answer.
func (a apiAnswer) problem() Problem {
	var p Problem
	_ = json.Unmarshal(a.body, &p)
	if p.Status == 0 {
		p.Status = a.status
	}
	return p
}

// recorder is the response writer of an in-process API request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// rawBody is a request body call sends as it is (a multipart upload), not as JSON.
type rawBody struct {
	contentType string
	data        []byte
}

type innerEngine struct {
	once sync.Once
	h    http.Handler
}

// call sends a request to the REST API through the same engine, as the official of the page's
// session (their cookie and CSRF token) or, on public pages, as the anonymous client. headers
// are name, value pairs.
func (s *Server) call(c *gin.Context, method, path string, body any, headers ...string) apiAnswer {
	s.inner.once.Do(func() { s.inner.h = s.engine() })
	var rd io.Reader
	ctype := "application/json"
	if rb, ok := body.(rawBody); ok {
		rd, ctype = bytes.NewReader(rb.data), rb.contentType
	} else if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return apiAnswer{status: http.StatusInternalServerError}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(c.Request.Context(), method, path, rd)
	if err != nil {
		return apiAnswer{status: http.StatusInternalServerError}
	}
	req.RemoteAddr = c.Request.RemoteAddr
	if h := s.reports.ClientIPHeader; h != "" {
		req.Header.Set(h, c.GetHeader(h))
	}
	req.Header.Set("X-Request-ID", c.GetString(ctxRequestID))
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if v, ok := c.Get(ctxSession); ok {
		ws := v.(*webSession)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ws.token})
		req.Header.Set(csrfHeader, ws.row.CSRFToken)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := &recorder{header: http.Header{}}
	s.inner.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return apiAnswer{status: rec.status, body: rec.body.Bytes(), header: rec.header}
}

// failed renders the page for an answer that is not a success and has no form to show again.
func (s *Server) failed(c *gin.Context, a apiAnswer) {
	p := a.problem()
	switch a.status {
	case http.StatusUnauthorized:
		c.Redirect(http.StatusSeeOther, "/web/login")
		c.Abort()
	case http.StatusNotFound:
		s.errorPage(c, a.status, "未找到，或您无权查看。")
	case http.StatusForbidden:
		s.errorPage(c, a.status, "您无权执行此操作："+p.Detail)
	case http.StatusConflict:
		s.errorPage(c, a.status, "操作未执行："+p.Detail)
	case http.StatusTooManyRequests:
		s.errorPage(c, a.status, "请求过于频繁，请稍后再试。")
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		s.errorPage(c, a.status, p.Detail)
	default:
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试（请求编号 "+c.GetString(ctxRequestID)+"）。")
	}
}

// fieldErrors gathers a problem's (Chinese) field messages by field.
func fieldErrors(p Problem) map[string]string {
	out := map[string]string{}
	for _, f := range p.Errors {
		if prev, ok := out[f.Field]; ok {
			out[f.Field] = prev + "；" + f.Message
			continue
		}
		out[f.Field] = f.Message
	}
	return out
}

// webStatic serves the embedded stylesheet.
func webStatic() http.Handler {
	sub, _ := fs.Sub(webFS, "web/static")
	return http.StripPrefix("/web/static/", http.FileServer(http.FS(sub)))
}

func (w *webConfig) namespace() string {
	if w.Namespace == "" {
		return "default"
	}
	return w.Namespace
}

// webPage reports whether a route is an HTML page of the web inbox, the 12380 public page or
// the Temporal UI proxy rather than a REST route (openapi.yaml documents the REST routes).
func webPage(route string) bool {
	return route == "/" || route == "/temporal" || strings.HasPrefix(route, "/web/") ||
		strings.HasPrefix(route, "/12380") || strings.HasPrefix(route, "/temporal/")
}
