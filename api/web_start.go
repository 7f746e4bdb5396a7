package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// Start forms of the processes whose start request is a flat object of strings: the page sends
// the fields to the process's REST start route, which validates and authorizes as always. (The
// publicity form, with its candidate rows, is in web_pages.go.)

// startField is one input of a start form.
type startField struct {
	Name, Label string
	Type        string // text, textarea, date, select, official
	Required    bool
	Options     [][2]string  // select: value, label
	Role        schemas.Role // official: the role offered in the list
	Hint        string
}

// startForm describes the start form of one process.
type startForm struct {
	Kind   schemas.CaseKind
	Route  string // the REST start route
	Who    string // who may start it (the REST handler decides)
	Fields []startField
}

// startForms are the web start forms, by kind, of the processes whose starter has one.
func startForms() map[string]startForm {
	forms := map[string]startForm{}
	for kind, st := range starters {
		if len(st.form) == 0 {
			continue
		}
		forms[string(kind)] = startForm{
			Kind: kind, Route: "/api/v1" + st.path, Fields: st.form,
			Who: "本级组织部门的" + roleTitles(kind.Process().Start),
		}
	}
	return forms
}

var priorityField = startField{Name: "priority", Label: "缓急", Type: "select", Options: [][2]string{{"normal", "普通"}, {"urgent", "加急"}}}

// startView is the start form page.
type startView struct {
	Form      startForm
	Slug      string
	Officials map[string][]schemas.Official // by field: the choices the REST API lists
}

func (s *Server) startPage(c *gin.Context) (startForm, string, bool) {
	slug := c.Param("kind")
	f, ok := startForms()[slug]
	if !ok {
		s.errorPage(c, http.StatusNotFound, "没有这一类业务。")
	}
	return f, slug, ok
}

func (s *Server) renderStart(c *gin.Context, status int, f startForm, slug string, pg page) {
	v := startView{Form: f, Slug: slug, Officials: map[string][]schemas.Official{}}
	for _, fd := range f.Fields {
		if fd.Type != "official" {
			continue
		}
		// The list is a convenience: officials who may not list officials type the id.
		a := s.call(c, "GET", "/api/v1/officials?"+url.Values{"role": {string(fd.Role)}, "limit": {"200"}}.Encode(), nil)
		var resp struct {
			Items []schemas.Official `json:"items"`
		}
		if a.ok() && a.decode(&resp) == nil {
			v.Officials[fd.Name] = resp.Items
		}
	}
	pg.Title, pg.Nav, pg.Data = "发起"+f.Kind.Title(), "start", v
	if pg.Form == nil {
		pg.Form = map[string]string{}
	}
	if pg.Form["idem"] == "" {
		pg.Form["idem"] = randomToken()[:32]
	}
	s.render(c, status, "start", pg)
}

func (s *Server) webStartForm(c *gin.Context) {
	if f, slug, ok := s.startPage(c); ok {
		s.renderStart(c, http.StatusOK, f, slug, page{})
	}
}

// webStart sends the form to the process's REST start route.
func (s *Server) webStart(c *gin.Context) {
	f, slug, ok := s.startPage(c)
	if !ok {
		return
	}
	entered := map[string]string{"idem": c.PostForm("idem")}
	body := map[string]string{}
	for _, fd := range f.Fields {
		v := strings.TrimSpace(c.PostForm(fd.Name))
		entered[fd.Name] = v
		if v != "" {
			body[fd.Name] = v
		}
	}
	idem := entered["idem"]
	if idem == "" || len(idem) > 64 {
		idem = randomToken()
	}
	a := s.call(c, "POST", f.Route, body, "Idempotency-Key", "web-"+idem)
	switch {
	case a.ok():
		var started StartedCase
		_ = a.decode(&started)
		s.redirectToNewCase(c, started.ID)
	case a.status == http.StatusUnprocessableEntity:
		entered["idem"] = ""
		s.renderStart(c, http.StatusUnprocessableEntity, f, slug, page{Form: entered, Errors: fieldErrors(a.problem()), Error: "提交未通过校验，请按提示修改。"})
	default:
		s.failed(c, a)
	}
}

// webStartMenu lists the processes an official can start from the web.
func (s *Server) webStartMenu(c *gin.Context) {
	s.render(c, http.StatusOK, "start_menu", page{Title: "发起业务", Nav: "start", Data: startForms()})
}
