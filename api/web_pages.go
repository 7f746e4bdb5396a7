package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/schemas"
)

func (s *Server) webRoutes(r *gin.Engine) {
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/web/") })
	r.GET("/web/static/*file", gin.WrapH(webStatic()))
	w := r.Group("/web")
	w.GET("/login", s.webLoginForm)
	w.POST("/login", s.webLogin)
	w.GET("/oidc/login", s.webOIDCLogin)
	w.GET("/oidc/callback", s.webOIDCCallback)
	a := w.Group("", s.webAuth)
	a.POST("/logout", s.webLogout)
	a.GET("/password", s.webPasswordForm)
	a.POST("/password", s.webPassword)
	a.GET("/", s.webInbox)
	a.GET("/done", s.webInbox)
	a.GET("/tasks/:id", s.webTask)
	a.POST("/tasks/:id", s.webCompleteTask)
	a.POST("/tasks/:id/claim", s.webTaskAction)
	a.POST("/tasks/:id/unclaim", s.webTaskAction)
	a.GET("/cases", s.webCases)
	a.GET("/cases/:id", s.webCase)
	a.POST("/cases/:id/files", s.webAddCaseFile)
	a.GET("/officials/:id/file", s.webCadreFile)
	a.GET("/analysis", s.webAnalysis) // the analysis report (api/analysis.go)
	a.GET("/analysis/reports", s.webAnalysisReports)
	a.GET("/analysis/reports/:id", s.webAnalysisReport)
	a.GET("/start", s.webStartMenu)
	a.GET("/start/publicity", s.webPublicityForm)
	a.POST("/start/publicity", s.webStartPublicity)
	a.GET("/start/selection", s.webSelectionForm)
	a.POST("/start/selection", s.webStartSelection)
	a.GET("/start/:kind", s.webStartForm)
	a.POST("/start/:kind", s.webStart)
	a.GET("/notifications", s.webNotifications)
	a.POST("/notifications/:id/read", s.webReadNotification)

	// The 12380 public page: no login.
	r.GET("/12380", s.webReportForm)
	r.POST("/12380", s.webFileReport)
	r.GET("/12380/query", s.webQueryForm)
	r.POST("/12380/query", s.webQueryReport)

	engine := s.engineView(s.temporalProxy())
	r.Any("/temporal", engine)
	r.Any("/temporal/*path", engine)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/web/"
	}
	return next
}

func (s *Server) webLoginForm(c *gin.Context) {
	if sess, err := s.loadSession(c); err == nil && !sess.mustChange {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	s.render(c, http.StatusOK, "login", page{Title: "登录", CSRF: s.formToken(c), Form: map[string]string{"next": c.Query("next")}, Data: s.oidc.enabled()})
}

func (s *Server) webLogin(c *gin.Context) {
	form := map[string]string{"username": strings.TrimSpace(c.PostForm("username")), "next": c.PostForm("next")}
	again := func(status int, msg string) {
		s.render(c, status, "login", page{Title: "登录", CSRF: s.formToken(c), Error: msg, Form: form, Data: s.oidc.enabled()})
	}
	if !formTokenOK(c) {
		again(http.StatusForbidden, "登录表单已失效，请重新输入。")
		return
	}
	if wait, ok := s.web.logins.allow(s.clientAddr(c), time.Now()); !ok {
		c.Header("Retry-After", wait)
		again(http.StatusTooManyRequests, "登录尝试过于频繁，请"+wait+"秒后再试。")
		return
	}
	o, res, until, err := s.checkLogin(c.Request.Context(), form["username"], c.PostForm("password"))
	switch {
	case err != nil:
		s.log.ErrorContext(c.Request.Context(), "login", "err", err)
		again(http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	case res == loginLocked:
		again(http.StatusForbidden, "密码连续输错次数过多，账号已锁定，请于 "+fmtTime(until)+" 后再试，或联系管理员重置密码。")
		return
	case res == loginWrong:
		again(http.StatusUnauthorized, "账号或密码错误。")
		return
	}
	if err := s.startSession(c, o); err != nil {
		s.log.ErrorContext(c.Request.Context(), "start session", "err", err)
		again(http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(form["next"]))
}

func (s *Server) webLogout(c *gin.Context) {
	if err := s.endSession(c.Request.Context(), session(c).row.IDHash); err != nil && err != errNoSession {
		s.log.ErrorContext(c.Request.Context(), "logout", "err", err)
	}
	s.setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/web/login?msg="+url.QueryEscape("已退出登录。"))
}

func (s *Server) webPasswordForm(c *gin.Context) {
	pg := page{Title: "修改密码"}
	if session(c).mustChange {
		pg.Flash = "首次登录或管理员重置后，须先设置您自己的密码。"
	}
	s.render(c, http.StatusOK, "password", pg)
}

func (s *Server) webPassword(c *gin.Context) {
	sess := session(c)
	errs := map[string]string{}
	current, next, confirm := c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm")
	o, res, _, err := s.checkLogin(c.Request.Context(), sess.principal.ID, current)
	switch {
	case err != nil:
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	case res == loginLocked:
		s.setCookie(c, sessionCookie, "", -1)
		_ = s.revokeSessions(c.Request.Context(), sess.principal.ID, "")
		s.errorPage(c, http.StatusForbidden, "密码连续输错次数过多，账号已锁定。")
		return
	case res != loginOK || o == nil:
		errs["current"] = "当前密码不正确"
	}
	if msg := auth.PasswordIssue(sess.principal.ID, next); msg != "" {
		errs["new"] = msg
	} else if next == current {
		errs["new"] = "新密码不能与当前密码相同"
	}
	if confirm != next {
		errs["confirm"] = "两次输入的新密码不一致"
	}
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, "password", page{Title: "修改密码", Errors: errs, Error: "请按提示修改后重新提交。"})
		return
	}
	if err := SetPassword(c.Request.Context(), s.db, sess.principal.ID, next, false); err != nil {
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	}
	// SetPassword ended every session; this browser gets a new one.
	if err := s.startSession(c, &sess.principal.Official); err != nil {
		c.Redirect(http.StatusSeeOther, "/web/login")
		return
	}
	c.Redirect(http.StatusSeeOther, "/web/?msg="+url.QueryEscape("密码已修改。"))
}

// inboxView is the 我的待办 / 已办 page.
type inboxView struct {
	Done     bool
	Items    []TaskResponse
	Next     string
	Query    url.Values
	Kinds    []schemas.CaseKind
	Overdue  int
	MineOnly string
}

func (s *Server) webInbox(c *gin.Context) {
	done := c.FullPath() == "/web/done"
	q := url.Values{"scope": {"mine"}, "limit": {"50"}}
	if done {
		q.Set("status", "completed")
	}
	for _, k := range []string{"kind", "overdue", "due_before", "cursor"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	a := s.call(c, "GET", "/api/v1/tasks?"+q.Encode(), nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var resp struct {
		Items      []TaskResponse `json:"items"`
		NextCursor string         `json:"next_cursor"`
	}
	if err := a.decode(&resp); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return
	}
	v := inboxView{Done: done, Items: resp.Items, Next: resp.NextCursor, Query: c.Request.URL.Query(), Kinds: webKinds()}
	if claimed := c.Query("claim"); claimed != "" {
		v.MineOnly = claimed
	}
	for _, t := range resp.Items {
		if t.Overdue {
			v.Overdue++
		}
	}
	title, nav := "我的待办", "inbox"
	if done {
		title, nav = "已办", "done"
	}
	s.render(c, http.StatusOK, "inbox", page{Title: title, Nav: nav, Data: v})
}

// taskView is the task page.
type taskView struct {
	Task      TaskResponse
	Idem      string
	Decision  string
	Claimable bool
	ClaimedMe bool
	Open      bool
}

func (s *Server) loadWebTask(c *gin.Context) (*TaskResponse, bool) {
	a := s.call(c, "GET", "/api/v1/tasks/"+url.PathEscape(c.Param("id")), nil)
	if !a.ok() {
		s.failed(c, a)
		return nil, false
	}
	var t TaskResponse
	if err := a.decode(&t); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return nil, false
	}
	return &t, true
}

func (s *Server) renderTask(c *gin.Context, status int, t *TaskResponse, pg page) {
	me := session(c).principal.ID
	v := taskView{
		Task: *t, Idem: randomToken()[:32], Open: t.Status == schemas.TaskOpen,
		Claimable: t.Status == schemas.TaskOpen && t.ClaimedBy == nil && t.AssigneeID == nil,
		ClaimedMe: t.ClaimedBy != nil && *t.ClaimedBy == me,
	}
	if pg.Form != nil {
		v.Decision = pg.Form["decision"]
		if pg.Form["idem"] != "" {
			v.Idem = pg.Form["idem"]
		}
	}
	pg.Title, pg.Nav, pg.Data = t.Title, "inbox", v
	s.render(c, status, "task", pg)
}

func (s *Server) webTask(c *gin.Context) {
	t, ok := s.loadWebTask(c)
	if !ok {
		return
	}
	s.renderTask(c, http.StatusOK, t, page{})
}

// webCompleteTask sends the form to POST /api/v1/tasks/{id}/complete. A field left empty is not
// sent (the workflow's validation names the required ones); a checkbox is true or false.
func (s *Server) webCompleteTask(c *gin.Context) {
	t, ok := s.loadWebTask(c)
	if !ok {
		return
	}
	entered := map[string]string{"decision": c.PostForm("decision"), "comment": c.PostForm("comment"), "idem": c.PostForm("idem")}
	in := CompleteTaskInput{Decision: c.PostForm("decision"), Comment: strings.TrimSpace(c.PostForm("comment")), Form: map[string]any{}}
	for _, f := range t.Spec.Form {
		v := c.PostForm("form." + f.Name)
		entered["form."+f.Name] = v
		switch {
		case f.Type == schemas.FieldBool:
			in.Form[f.Name] = v == "true"
		case strings.TrimSpace(v) != "":
			in.Form[f.Name] = v
		}
		if f.Type == schemas.FieldFile { // an upload of an earlier, refused attempt
			entered["name."+f.Name] = c.PostForm("name." + f.Name)
		}
	}
	// The files chosen now are uploaded first (api/web_files.go); a refused upload shows the
	// form again without completing.
	upErrs, failed := s.uploadTaskFiles(c, t, &in, entered)
	if failed != nil {
		s.failed(c, *failed)
		return
	}
	if len(upErrs) > 0 {
		s.renderTask(c, http.StatusUnprocessableEntity, t, page{Errors: upErrs, Form: entered, Error: "文件未能上传，请按提示修改后重新提交。"})
		return
	}
	idem := entered["idem"]
	if idem == "" || len(idem) > 64 {
		idem = randomToken()
	}
	a := s.call(c, "POST", "/api/v1/tasks/"+url.PathEscape(t.ID)+"/complete", in, "Idempotency-Key", "web-"+idem)
	switch {
	case a.ok():
		c.Redirect(http.StatusSeeOther, "/web/?msg="+url.QueryEscape("已办理："+t.Title))
	case a.status == http.StatusUnprocessableEntity:
		p := a.problem()
		errs := fieldErrors(p)
		if _, ok := errs["decision"]; ok && in.Decision == "" {
			errs["decision"] = "请选择办理结果"
		}
		entered["idem"] = randomToken()[:32] // a corrected form is a new attempt
		s.renderTask(c, http.StatusUnprocessableEntity, t, page{Errors: errs, Form: entered, Error: "提交未通过校验，请按提示修改：" + p.Detail})
	default:
		s.failed(c, a)
	}
}

func (s *Server) webTaskAction(c *gin.Context) {
	action := "claim"
	msg := "已认领，其他人员不再看到此待办。"
	if strings.HasSuffix(c.FullPath(), "/unclaim") {
		action, msg = "unclaim", "已退回，本岗位人员均可认领。"
	}
	id := c.Param("id")
	a := s.call(c, "POST", "/api/v1/tasks/"+url.PathEscape(id)+"/"+action, nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	c.Redirect(http.StatusSeeOther, "/web/tasks/"+url.PathEscape(id)+"?msg="+url.QueryEscape(msg))
}

// casesView is the supervisors' list of cases of their subtree.
type casesView struct {
	Items     []schemas.Case
	Next      string
	Query     url.Values
	Kinds     []schemas.CaseKind
	Namespace string
	Overdue   map[string]bool // cases with an overdue open task
}

func (s *Server) webCases(c *gin.Context) {
	q := url.Values{"limit": {"50"}}
	for _, k := range []string{"kind", "status", "org_unit", "cursor"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	a := s.call(c, "GET", "/api/v1/cases?"+q.Encode(), nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var resp struct {
		Items      []schemas.Case `json:"items"`
		NextCursor string         `json:"next_cursor"`
	}
	if err := a.decode(&resp); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return
	}
	// Overdue cases are those with an overdue open task: of the subtree for supervisors (the
	// REST inbox's scope=org), of the official's own tasks otherwise.
	scope := "mine"
	if p := session(c).principal; p.Roles.Has(schemas.RoleSupervisor) || p.Roles.Has(schemas.RoleAdmin) {
		scope = "org"
	}
	overdue := map[string]bool{}
	if od := s.call(c, "GET", "/api/v1/tasks?"+url.Values{"scope": {scope}, "overdue": {"true"}, "limit": {"200"}}.Encode(), nil); od.ok() {
		var tasks struct {
			Items []TaskResponse `json:"items"`
		}
		if od.decode(&tasks) == nil {
			for _, t := range tasks.Items {
				overdue[t.CaseID] = true
			}
		}
	}
	// The stage and overdue filters narrow the page shown (the REST list filters by kind,
	// status and unit).
	stage, onlyOverdue := c.Query("stage"), c.Query("overdue") == "true"
	kept := resp.Items[:0]
	for _, cs := range resp.Items {
		if (stage == "" || strings.Contains(cs.Stage, stage)) && (!onlyOverdue || overdue[cs.ID]) {
			kept = append(kept, cs)
		}
	}
	resp.Items = kept
	s.render(c, http.StatusOK, "cases", page{Title: "案件", Nav: "cases", Data: casesView{
		Items: resp.Items, Next: resp.NextCursor, Query: c.Request.URL.Query(), Kinds: webKinds(), Namespace: s.web.namespace(),
		Overdue: overdue,
	}})
}

// caseView is the case page.
type caseView struct {
	CaseResponse
	Audit     *AuditResponse
	Linked    []string
	Namespace string
	// Files are the case's documents (GET /api/v1/cases/{id}/files), Superseded the ids a
	// newer version replaced; MayAdd shows the "add a document" form (the API decides).
	Files      []FileResponse
	Superseded map[string]bool
	FileNames  map[string]string
	MayAdd     bool
}

func (s *Server) webCase(c *gin.Context) {
	id := url.PathEscape(c.Param("id"))
	a := s.call(c, "GET", "/api/v1/cases/"+id, nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var v caseView
	if err := a.decode(&v.CaseResponse); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return
	}
	if au := s.call(c, "GET", "/api/v1/cases/"+id+"/audit", nil); au.ok() {
		var trail AuditResponse
		if au.decode(&trail) == nil {
			v.Audit = &trail
		}
	}
	for _, e := range v.Timeline {
		if e.Action == "case.linked" {
			var d struct {
				LinkedCase string `json:"linked_case"`
			}
			if json.Unmarshal(e.Detail, &d) == nil && d.LinkedCase != "" {
				v.Linked = append(v.Linked, d.LinkedCase)
			}
		}
	}
	if fa := s.call(c, "GET", "/api/v1/cases/"+id+"/files", nil); fa.ok() {
		var list struct {
			Items []FileResponse `json:"items"`
		}
		if fa.decode(&list) == nil {
			v.Files = list.Items
		}
	}
	v.Superseded, v.FileNames = map[string]bool{}, map[string]string{}
	for _, f := range v.Files {
		v.FileNames[f.ID] = f.Name + "（" + fmtTime(f.AddedAt) + "）"
		if f.Supersedes != nil {
			v.Superseded[*f.Supersedes] = true
		}
	}
	// The form is shown to those the API would let add a document: a supervisor, or whoever
	// holds or held one of the case's tasks.
	p := session(c).principal
	v.MayAdd = p.Roles.Has(schemas.RoleSupervisor)
	for _, t := range v.Tasks {
		for _, who := range []*string{t.AssigneeID, t.ClaimedBy, t.CompletedBy} {
			if who != nil && *who == p.ID {
				v.MayAdd = true
			}
		}
	}
	v.Namespace = s.web.namespace()
	s.render(c, http.StatusOK, "case", page{Title: v.Case.Title, Nav: "cases", Data: v})
}

// webCadreFile shows GET /api/v1/officials/{id}/file: the cadre's supervision file.
func (s *Server) webCadreFile(c *gin.Context) {
	a := s.call(c, "GET", "/api/v1/officials/"+url.PathEscape(c.Param("id"))+"/file", nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var f CadreFile
	if err := a.decode(&f); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return
	}
	s.render(c, http.StatusOK, "file", page{Title: "干部监督档案：" + f.Official.Name, Nav: "cases", Data: f})
}

const maxWebCandidates = 5

func (s *Server) webPublicityForm(c *gin.Context) {
	s.render(c, http.StatusOK, "publicity", page{Title: "发起任前公示", Nav: "start",
		Form: map[string]string{"idem": randomToken()[:32], "period_working_days": "5"}, Data: maxWebCandidates})
}

// webStartPublicity sends the form to POST /api/v1/cases/publicity.
func (s *Server) webStartPublicity(c *gin.Context) {
	entered := map[string]string{}
	for _, k := range []string{"title", "priority", "period_working_days", "idem"} {
		entered[k] = c.PostForm(k)
	}
	in := PublicityStartInput{Title: entered["title"], Priority: entered["priority"]}
	if v := strings.TrimSpace(entered["period_working_days"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.render(c, http.StatusUnprocessableEntity, "publicity", page{Title: "发起任前公示", Nav: "start", Form: entered, Data: maxWebCandidates,
				Errors: map[string]string{"period_working_days": "须为整数"}, Error: "请按提示修改后重新提交。"})
			return
		}
		in.PeriodWorkingDays = n
	}
	for i := range maxWebCandidates {
		var cand CandidateInput
		vals := map[string]*string{"name": &cand.Name, "gender": &cand.Gender, "birth_date": &cand.BirthDate,
			"education": &cand.Education, "current_post": &cand.CurrentPost, "proposed_post": &cand.ProposedPost}
		empty := true
		for f, dst := range vals {
			k := fmt.Sprintf("candidates[%d].%s", i, f)
			entered[k] = c.PostForm(k)
			*dst = strings.TrimSpace(entered[k])
			empty = empty && *dst == ""
		}
		if !empty {
			in.Candidates = append(in.Candidates, cand)
		}
	}
	idem := entered["idem"]
	if idem == "" || len(idem) > 64 {
		idem = randomToken()
	}
	a := s.call(c, "POST", "/api/v1/cases/publicity", in, "Idempotency-Key", "web-"+idem)
	switch {
	case a.ok():
		var started StartedCase
		_ = a.decode(&started)
		s.redirectToNewCase(c, started.ID)
	case a.status == http.StatusUnprocessableEntity:
		p := a.problem()
		entered["idem"] = randomToken()[:32]
		s.render(c, http.StatusUnprocessableEntity, "publicity", page{Title: "发起任前公示", Nav: "start", Form: entered, Data: maxWebCandidates,
			Errors: fieldErrors(p), Error: "提交未通过校验，请按提示修改。"})
	default:
		s.failed(c, a)
	}
}

func (s *Server) webNotifications(c *gin.Context) {
	q := url.Values{"limit": {"50"}}
	if v := c.Query("unread"); v != "" {
		q.Set("unread", v)
	}
	if v := c.Query("cursor"); v != "" {
		q.Set("cursor", v)
	}
	a := s.call(c, "GET", "/api/v1/notifications?"+q.Encode(), nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var resp struct {
		Items      []schemas.Notification `json:"items"`
		NextCursor string                 `json:"next_cursor"`
	}
	if err := a.decode(&resp); err != nil {
		s.failed(c, apiAnswer{status: 500})
		return
	}
	s.render(c, http.StatusOK, "notifications", page{Title: "通知", Nav: "notifications", Data: resp})
}

func (s *Server) webReadNotification(c *gin.Context) {
	a := s.call(c, "POST", "/api/v1/notifications/"+url.PathEscape(c.Param("id"))+"/read", nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	c.Redirect(http.StatusSeeOther, "/web/notifications")
}

// --- the 12380 public page ---

func (s *Server) reportUnits(c *gin.Context) []schemas.OrgUnit {
	var units []schemas.OrgUnit
	_ = s.db.WithContext(c.Request.Context()).Where("kind = ?", schemas.OrgKindOrganization).Order("path").Find(&units).Error
	return units
}

func (s *Server) webReportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "report", page{Title: "12380 举报", CSRF: s.formToken(c), Data: s.reportUnits(c), Form: map[string]string{}})
}

// webFileReport sends the form to POST /public/v1/reports and shows the query code and secret
// once.
func (s *Server) webFileReport(c *gin.Context) {
	entered := map[string]string{}
	for _, k := range []string{"org_unit_id", "subject_name", "subject_unit", "subject_post", "content", "reporter.name", "reporter.phone", "reporter.id_no", "reporter.address", "reporter.unit"} {
		entered[k] = c.PostForm(k)
	}
	again := func(status int, pg page) {
		pg.Title, pg.CSRF, pg.Data, pg.Form = "12380 举报", s.formToken(c), s.reportUnits(c), entered
		s.render(c, status, "report", pg)
	}
	if !formTokenOK(c) {
		again(http.StatusForbidden, page{Error: "表单已失效，请重新提交。"})
		return
	}
	body := map[string]any{
		"org_unit_id": entered["org_unit_id"], "subject_name": entered["subject_name"], "subject_unit": entered["subject_unit"],
		"subject_post": entered["subject_post"], "content": entered["content"],
	}
	reporter := map[string]any{}
	for _, k := range []string{"name", "phone", "id_no", "address", "unit"} {
		if v := strings.TrimSpace(entered["reporter."+k]); v != "" {
			reporter[k] = v
		}
	}
	if len(reporter) > 0 {
		body["reporter"] = reporter
	}
	a := s.call(c, "POST", "/public/v1/reports", body)
	switch {
	case a.ok():
		var receipt PublicReportReceipt
		_ = a.decode(&receipt)
		s.render(c, http.StatusCreated, "report_receipt", page{Title: "举报已收到", Data: receipt})
	case a.status == http.StatusUnprocessableEntity:
		again(http.StatusUnprocessableEntity, page{Errors: fieldErrors(a.problem()), Error: "提交未通过校验，请按提示修改。"})
	case a.status == http.StatusTooManyRequests:
		again(http.StatusTooManyRequests, page{Error: "提交过于频繁，请稍后再试。"})
	case a.status == http.StatusServiceUnavailable:
		again(http.StatusServiceUnavailable, page{Error: "服务暂不可用，请稍后再试或拨打12380。"})
	default:
		again(a.status, page{Error: a.problem().Detail})
	}
}

func (s *Server) webQueryForm(c *gin.Context) {
	s.render(c, http.StatusOK, "report_query", page{Title: "12380 查询", CSRF: s.formToken(c), Form: map[string]string{}})
}

// webQueryReport looks a report up by its code and secret (GET /public/v1/reports/{code}).
func (s *Server) webQueryReport(c *gin.Context) {
	code := strings.ToUpper(strings.TrimSpace(c.PostForm("code")))
	pg := page{Title: "12380 查询", CSRF: s.formToken(c), Form: map[string]string{"code": code}}
	if !formTokenOK(c) {
		pg.Error = "表单已失效，请重新提交。"
		s.render(c, http.StatusForbidden, "report_query", pg)
		return
	}
	a := s.call(c, "GET", "/public/v1/reports/"+url.PathEscape(code), nil, secretHeader, strings.TrimSpace(c.PostForm("secret")))
	switch {
	case a.ok():
		var st PublicReportStatus
		_ = a.decode(&st)
		pg.Data = st
		s.render(c, http.StatusOK, "report_query", pg)
	case a.status == http.StatusNotFound:
		pg.Error = "查询码或密码不正确。"
		s.render(c, http.StatusNotFound, "report_query", pg)
	case a.status == http.StatusTooManyRequests:
		pg.Error = "查询过于频繁，请稍后再试。"
		s.render(c, http.StatusTooManyRequests, "report_query", pg)
	default:
		pg.Error = "服务暂不可用，请稍后再试。"
		s.render(c, http.StatusServiceUnavailable, "report_query", pg)
	}
}

// newCaseWait is how long a start waits for the new case's row before it shows the inbox.
var newCaseWait = 10 * time.Second

// redirectToNewCase sends the browser to a case just started. The workflow records the case
// row a moment after the start; until then the case page would not find it, so wait a little
// (up to 10 s), else go to the inbox with the case number.
func (s *Server) redirectToNewCase(c *gin.Context, id string) {
	msg := url.QueryEscape("已发起：" + id)
	for deadline := time.Now().Add(newCaseWait); time.Now().Before(deadline); {
		if s.call(c, "GET", "/api/v1/cases/"+url.PathEscape(id), nil).ok() {
			c.Redirect(http.StatusSeeOther, "/web/cases/"+url.PathEscape(id)+"?msg="+msg)
			return
		}
		select {
		case <-c.Request.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	c.Redirect(http.StatusSeeOther, "/web/?msg="+msg)
}
