package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// webClient is a browser without JavaScript: a cookie jar, redirects not followed.
type webClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newWebClient(t *testing.T, base string) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (w *webClient) do(req *http.Request) (*http.Response, string) {
	w.t.Helper()
	res, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (w *webClient) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", w.base+path, nil)
	return w.do(req)
}

func (w *webClient) post(path string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(req)
}

// api sends a JSON request with the session cookie (and, when csrf is set, the CSRF header).
func (w *webClient) api(method, path, body, csrf string) (*http.Response, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf != "" {
		req.Header.Set(csrfHeader, csrf)
	}
	return w.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf reads the CSRF token of the first form of a page.
func (w *webClient) csrf(path string) string {
	w.t.Helper()
	_, body := w.get(path)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		w.t.Fatalf("no csrf field on %s:\n%s", path, body)
	}
	return m[1]
}

func (w *webClient) login(id, password string) (*http.Response, string) {
	w.t.Helper()
	return w.post("/web/login", url.Values{"csrf": {w.csrf("/web/login")}, "username": {id}, "password": {password}, "next": {"/web/"}})
}

func newWebServer(t *testing.T, gdb *gorm.DB, web WebDeps) string {
	srv := New(Deps{DB: gdb, Temporal: &fakeTemporal{}, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(), Web: web})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

func setPassword(t *testing.T, gdb *gorm.DB, id, pw string, mustChange bool) {
	t.Helper()
	if err := SetPassword(t.Context(), gdb, id, pw, mustChange); err != nil {
		t.Fatal(err)
	}
}

func TestWebLoginAndPasswordChange(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		base := newWebServer(t, gdb, WebDeps{})
		setPassword(t, gdb, "wu.gang", "temporary-pass-1", true)
		w := newWebClient(t, base)

		// No session: the login page, and back afterwards.
		res, _ := w.get("/web/cases?kind=publicity")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/web/login?next=%2Fweb%2Fcases%3Fkind%3Dpublicity" {
			t.Fatalf("no session: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// The login form's double-submit token is required.
		res, body := w.post("/web/login", url.Values{"username": {"wu.gang"}, "password": {"temporary-pass-1"}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "登录表单已失效") {
			t.Fatalf("login without csrf: %d %s", res.StatusCode, body)
		}
		for _, bad := range [][2]string{{"wu.gang", "wrong-password"}, {"nobody", "temporary-pass-1"}, {"wuyun", "anything-at-all"}} {
			res, body := w.login(bad[0], bad[1])
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "账号或密码错误") {
				t.Fatalf("login %v: %d %s", bad, res.StatusCode, body)
			}
		}
		res, _ = w.login("wu.gang", "temporary-pass-1")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/web/" {
			t.Fatalf("login: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var ck *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == sessionCookie {
				ck = c
			}
		}
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
			t.Fatalf("session cookie %+v", ck)
		}
		var n int64
		gdb.Model(&schemas.WebSession{}).Where("official_id = ? AND id_hash = ?", "wu.gang", hashToken(ck.Value)).Count(&n)
		if n != 1 {
			t.Fatal("the session is not stored (as the hash of its token)")
		}

		// The temporary password must be changed first, on the web and through the API.
		if res, _ := w.get("/web/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/web/password" {
			t.Fatalf("must change: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, body := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusForbidden {
			t.Fatalf("API before the change: %d %s", res.StatusCode, body)
		}
		csrf := w.csrf("/web/password")
		res, body = w.post("/web/password", url.Values{"csrf": {csrf}, "current": {"temporary-pass-1"}, "new": {"short"}, "confirm": {"other"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "密码至少10个字符") || !strings.Contains(body, "两次输入的新密码不一致") {
			t.Fatalf("bad new password: %d %s", res.StatusCode, body)
		}
		res, _ = w.post("/web/password", url.Values{"csrf": {csrf}, "current": {"temporary-pass-1"}, "new": {"my-own-secret-9"}, "confirm": {"my-own-secret-9"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("change: %d", res.StatusCode)
		}
		res, body = w.get("/web/")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "我的待办") || !strings.Contains(body, "吴刚") {
			t.Fatalf("inbox: %d %s", res.StatusCode, body)
		}
		// The old password no longer works; the REST API takes the session.
		if res, _ := newWebClient(t, base).login("wu.gang", "temporary-pass-1"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("old password: %d", res.StatusCode)
		}
		if res, body := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusOK || !strings.Contains(body, "吴刚") {
			t.Fatalf("API with the session: %d %s", res.StatusCode, body)
		}
		csrf = w.csrf("/web/")
		// A state-changing API request with the session needs the CSRF header; so does a form.
		if res, body := w.api("POST", "/api/v1/notifications/1/read", "", ""); res.StatusCode != http.StatusForbidden || !strings.Contains(body, csrfHeader) {
			t.Fatalf("API POST without CSRF: %d %s", res.StatusCode, body)
		}
		if res, body := w.api("POST", "/api/v1/notifications/999999/read", "", csrf); res.StatusCode != http.StatusNotFound {
			t.Fatalf("API POST with CSRF: %d %s", res.StatusCode, body)
		}
		if res, body := w.post("/web/logout", url.Values{"csrf": {strings.Repeat("0", 64)}}); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Fatalf("logout with a wrong csrf: %d %s", res.StatusCode, body)
		}
		if res, _ := w.post("/web/logout", url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		gdb.Model(&schemas.WebSession{}).Where("official_id = ?", "wu.gang").Count(&n)
		if n != 0 {
			t.Fatalf("%d sessions after logout", n)
		}
		// The old cookie, replayed, is dead.
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.AddCookie(ck)
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed cookie after logout: %v %v", res.StatusCode, err)
		}
	})
}

func TestSecureCookieOutsideDev(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		base := newWebServer(t, gdb, WebDeps{CookieSecure: true})
		setPassword(t, gdb, "chen.jing", "leader-pass-12", false)
		w := newWebClient(t, base)
		res, body := w.get("/web/login")
		m := csrfField.FindStringSubmatch(body)
		var form string
		for _, c := range res.Cookies() {
			if c.Name == formCookie {
				form = c.Value
				if !c.Secure || !c.HttpOnly {
					t.Fatalf("form cookie %+v", c)
				}
			}
		}
		req, _ := http.NewRequest("POST", base+"/web/login", strings.NewReader(url.Values{"csrf": {m[1]}, "username": {"chen.jing"}, "password": {"leader-pass-12"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: formCookie, Value: form})
		res, _ = w.do(req)
		if !strings.Contains(res.Header.Get("Set-Cookie"), "Secure") || !strings.Contains(res.Header.Get("Set-Cookie"), "HttpOnly") {
			t.Fatalf("session cookie: %d %q", res.StatusCode, res.Header.Get("Set-Cookie"))
		}
	})
}

func TestWebLockoutAndRateLimit(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		base := newWebServer(t, gdb, WebDeps{LoginLimit: RateLimit{Burst: 8, Per: time.Hour}})
		setPassword(t, gdb, "ma.lin", "investigator-1", false)
		w := newWebClient(t, base)
		for i := 1; i <= maxFailedLogins; i++ {
			res, body := w.login("ma.lin", fmt.Sprintf("guess-%d-xxxxx", i))
			want := http.StatusUnauthorized
			if i == maxFailedLogins {
				want = http.StatusForbidden
			}
			if res.StatusCode != want {
				t.Fatalf("attempt %d: %d %s", i, res.StatusCode, body)
			}
		}
		// Locked: even the right password is refused, and says so.
		res, body := w.login("ma.lin", "investigator-1")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "账号已锁定") {
			t.Fatalf("locked account: %d %s", res.StatusCode, body)
		}
		// When the lock has run out, the right password works and the count starts again.
		if err := gdb.Model(&schemas.WebAccount{}).Where("official_id = ?", "ma.lin").Update("locked_until", time.Now().Add(-time.Second)).Error; err != nil {
			t.Fatal(err)
		}
		if res, _ := w.login("ma.lin", "investigator-1"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the lock: %d", res.StatusCode)
		}
		var acct schemas.WebAccount
		gdb.Take(&acct, "official_id = ?", "ma.lin")
		if acct.FailedAttempts != 0 || acct.LockedUntil != nil {
			t.Fatalf("counters not reset: %+v", acct)
		}
		// The address has used its 8 attempts (5 + 1 + 1 + the next); then 429.
		w = newWebClient(t, base)
		w.login("ma.lin", "wrong-again-123")
		res, body = w.login("ma.lin", "investigator-1")
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "过于频繁") {
			t.Fatalf("rate limit: %d %s", res.StatusCode, body)
		}
	})
}

func TestSessionRevoked(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		base := newWebServer(t, gdb, WebDeps{})
		admin := mustToken(t, "admin")
		for _, tc := range []struct {
			name   string
			change func()
		}{
			{"roles change", func() {
				res, body := bearer(t, base, "PATCH", "/api/v1/officials/bao.yin", admin, `{"roles":["supervisor","leader"]}`)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("patch: %d %s", res.StatusCode, body)
				}
			}},
			{"password reset by an admin", func() {
				res, body := bearer(t, base, "POST", "/api/v1/officials/bao.yin/password", admin, `{}`)
				if res.StatusCode != http.StatusOK || !strings.Contains(body, `"must_change":true`) {
					t.Fatalf("reset: %d %s", res.StatusCode, body)
				}
			}},
			{"disabled", func() {
				gdb.Model(&schemas.Official{}).Where("id = ?", "bao.yin").Update("disabled", true)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				setPassword(t, gdb, "bao.yin", "supervisor-pass", false)
				w := newWebClient(t, base)
				if res, _ := w.login("bao.yin", "supervisor-pass"); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("login: %d", res.StatusCode)
				}
				if res, _ := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusOK {
					t.Fatalf("before: %d", res.StatusCode)
				}
				tc.change()
				if res, body := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("after: %d %s", res.StatusCode, body)
				}
				if res, _ := w.get("/web/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/web/login") {
					t.Fatalf("web after: %d %s", res.StatusCode, res.Header.Get("Location"))
				}
				var n int64
				gdb.Model(&schemas.WebSession{}).Where("official_id = ?", "bao.yin").Count(&n)
				if n != 0 {
					t.Fatalf("%d sessions left", n)
				}
			})
		}
		// A bad admin request: a weak password is refused in Chinese.
		if res, body := bearer(t, base, "POST", "/api/v1/officials/wu.gang/password", admin, `{"password":"wu.gang"}`); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "密码至少10个字符") {
			t.Fatalf("weak password: %d %s", res.StatusCode, body)
		}
	})
}

func mustToken(t *testing.T, id string) string {
	tok, err := testKeys.Issue(id, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func bearer(t *testing.T, base, method, path, token, body string) (*http.Response, string) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestSessionAuthorization sends the authorization cases of TestWalkEveryRoute with web
// session cookies (and the CSRF header) instead of bearer tokens: the same refusals, nothing
// reaches Temporal, nothing changes. Without the CSRF header every state-changing one is 403.
func TestSessionAuthorization(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		sessions := map[string][2]string{} // official -> cookie token, csrf
		for _, c := range authzCases {
			if _, ok := sessions[c.official]; ok {
				continue
			}
			setPassword(t, gdb, c.official, "password-of-"+c.official, false)
			// Log in through the engine, as a browser would.
			get := e.serve("GET", "/web/login", "", "", nil)
			form := ""
			for _, ck := range get.Result().Cookies() {
				if ck.Name == formCookie {
					form = ck.Value
				}
			}
			body := url.Values{"csrf": {form}, "username": {c.official}, "password": {"password-of-" + c.official}}.Encode()
			rec := e.serve("POST", "/web/login", "", "application/x-www-form-urlencoded", []byte(body), "Cookie", formCookie+"="+form)
			var token string
			for _, ck := range rec.Result().Cookies() {
				if ck.Name == sessionCookie {
					token = ck.Value
				}
			}
			if rec.Code != http.StatusSeeOther || token == "" {
				t.Fatalf("log in %s: %d %s", c.official, rec.Code, rec.Body)
			}
			var row schemas.WebSession
			if err := gdb.Take(&row, "id_hash = ?", hashToken(token)).Error; err != nil {
				t.Fatal(err)
			}
			sessions[c.official] = [2]string{token, row.CSRFToken}
		}
		before := dbDigest(t, gdb)
		for _, c := range authzCases {
			var b []byte
			if c.body != "" {
				b = []byte(c.body)
			}
			path := strings.Replace(c.path, "%d", fmt.Sprint(fxNotification), 1)
			s := sessions[c.official]
			rec := e.serve(c.method, path, "", "application/json", b, "Cookie", sessionCookie+"="+s[0], csrfHeader, s[1])
			e.checkAnswer(t, c.method+" "+path+" by "+c.official+" (session)", rec, "")
			if rec.Code != c.status {
				t.Errorf("%s %s by %s with a session: %d, want %d: %s", c.method, path, c.official, rec.Code, c.status, rec.Body)
			}
			if changesState(c.method) {
				rec := e.serve(c.method, path, "", "application/json", b, "Cookie", sessionCookie+"="+s[0])
				if rec.Code != http.StatusForbidden {
					t.Errorf("%s %s by %s without CSRF: %d", c.method, path, c.official, rec.Code)
				}
			}
		}
		// A forged or unknown session cookie is 401, like a forged token.
		rec := e.serve("GET", "/api/v1/me", "", "", nil, "Cookie", sessionCookie+"="+strings.Repeat("ab", 32))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("unknown session: %d", rec.Code)
		}
		if n := e.temporal.calls.Load(); n != 0 {
			t.Fatalf("%d calls reached Temporal", n)
		}
		if after := dbDigest(t, gdb); after != before {
			t.Fatal("the database changed")
		}
	})
}

// TestSessionExpiry ends sessions past their lifetime or idle too long.
func TestSessionExpiry(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		base := newWebServer(t, gdb, WebDeps{SessionIdle: time.Hour})
		setPassword(t, gdb, "chen.jing", "leader-pass-12", false)
		for name, col := range map[string]string{"expired": "expires_at", "idle": "last_seen_at"} {
			t.Run(name, func(t *testing.T) {
				w := newWebClient(t, base)
				w.login("chen.jing", "leader-pass-12")
				if res, _ := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusOK {
					t.Fatalf("fresh session: %d", res.StatusCode)
				}
				at := time.Now().Add(-time.Minute)
				if col == "last_seen_at" {
					at = time.Now().Add(-61 * time.Minute)
				}
				gdb.Model(&schemas.WebSession{}).Where("official_id = ?", "chen.jing").Update(col, at)
				if res, _ := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("%s session: %d", name, res.StatusCode)
				}
				var n int64
				gdb.Model(&schemas.WebSession{}).Where("official_id = ?", "chen.jing").Count(&n)
				if n != 0 {
					t.Fatalf("%s session not deleted", name)
				}
			})
		}
	})
}
