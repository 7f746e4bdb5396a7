package api

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

func TestTokensRefused(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		now := time.Now()
		expired, _ := testKeys.Issue("bao.yin", now.Add(-2*time.Hour), time.Hour)
		otherKey := auth.Keys{Secret: []byte("another-secret-another-secret-!!!"), Issuer: "jiandu"}
		badlySigned, _ := otherKey.Issue("bao.yin", now, time.Hour)
		wrongIssuer, _ := auth.Keys{Secret: []byte(testSecret), Issuer: "elsewhere"}.Issue("bao.yin", now, time.Hour)
		for name, tok := range map[string]string{
			"missing":          "",
			"garbage":          "not-a-jwt",
			"expired":          expired,
			"badly signed":     badlySigned,
			"wrong issuer":     wrongIssuer,
			"unknown official": h.token("nobody"),
		} {
			t.Run(name, func(t *testing.T) {
				r := h.do("GET", "/api/v1/me", tok, nil)
				if r.status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401: %s", r.status, r.body)
				}
				p := r.problem(t)
				if !strings.HasSuffix(p.Type, "/unauthorized") {
					t.Errorf("type %q", p.Type)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			})
		}

		// A valid token works until the official is disabled, and at once after.
		tok := h.token("bao.yin")
		if r := h.do("GET", "/api/v1/me", tok, nil); r.status != http.StatusOK {
			t.Fatalf("valid token: %d %s", r.status, r.body)
		}
		if err := gdb.Model(&schemas.Official{}).Where("id = ?", "bao.yin").Update("disabled", true).Error; err != nil {
			t.Fatal(err)
		}
		r := h.do("GET", "/api/v1/me", tok, nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.problem(t).Detail, "停用") {
			t.Fatalf("disabled official: %d %s", r.status, r.body)
		}
	})
}

func TestRS256Tokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubFile, privFile := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "priv.pem")
	_ = os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
	_ = os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)

	keys, err := auth.LoadKeys("", pubFile, privFile, "jiandu")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := keys.Issue("bao.yin", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := keys.Verify(tok); err != nil || id != "bao.yin" {
		t.Fatalf("verify RS256: %q %v", id, err)
	}
	// With RS256 configured, an HS256 token (even one signed with the public key bytes as an
	// HMAC secret, the classic confusion attack) is refused.
	hs, _ := auth.Keys{Secret: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), Issuer: "jiandu"}.Issue("bao.yin", time.Now(), time.Hour)
	if _, err := keys.Verify(hs); err == nil {
		t.Fatal("HS256 token accepted by an RS256 deployment")
	}
	verifyOnly, _ := auth.LoadKeys("", pubFile, "", "jiandu")
	if _, err := verifyOnly.Issue("bao.yin", time.Now(), time.Hour); err == nil {
		t.Fatal("issued a token without a private key")
	}
}

func TestMalformedBodies(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		admin := h.token("admin")
		var before int64
		gdb.Model(&schemas.Official{}).Count(&before)
		cases := []struct {
			name, body, contentType string
			status                  int
			detail, field           string
		}{
			{"truncated", `{"id": "x.y", "name":`, "", 400, "JSON格式错误", ""},
			{"syntax", `{"id": "x.y",, }`, "", 400, "JSON格式错误（第", ""},
			{"empty", ``, "", 400, "请求体为空", ""},
			{"wrong type", `{"id": "x.y", "name": 42}`, "", 400, "字段name类型不符：应为字符串", "name"},
			{"unknown field", `{"id": "x.y", "rank": "处级"}`, "", 400, "未定义的字段", "rank"},
			{"two values", `{"id": "x.y"} {}`, "", 400, "多余内容", ""},
			{"not json", `id=x.y`, "application/x-www-form-urlencoded", 415, "application/json", ""},
			{"too large", `{"name": "` + strings.Repeat("长", 3000) + `"}`, "", 413, "字节的上限", ""},
			{"invalid", `{"id": "X", "name": "", "org_unit_id": "nowhere", "roles": ["king"]}`, "", 422, "人员信息未通过校验", "id"},
			{"blank name", `{"id": "X", "name": "\u200b ", "org_unit_id": "nowhere", "roles": ["king"]}`, "", 422, "不可见字符", "name"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				headers := []string{}
				if c.contentType != "" {
					headers = []string{"Content-Type", c.contentType}
				}
				r := h.do("POST", "/api/v1/officials", admin, c.body, headers...)
				if r.status != c.status {
					t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
				}
				p := r.problem(t)
				if !strings.Contains(p.Detail, c.detail) {
					t.Errorf("detail %q does not mention %q", p.Detail, c.detail)
				}
				if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
					t.Errorf("errors %+v do not name %q first", p.Errors, c.field)
				}
			})
		}
		var after int64
		gdb.Model(&schemas.Official{}).Count(&after)
		if after != before {
			t.Fatalf("bad requests changed the officials table: %d -> %d rows", before, after)
		}
	})
}

func TestRoleChangeTakesEffectAtOnce(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		admin, cadre := h.token("admin"), h.token("wu.gang")
		if r := h.do("GET", "/api/v1/officials", cadre, nil); r.status != http.StatusForbidden {
			t.Fatalf("cadre section listing officials: %d %s", r.status, r.body)
		}
		r := h.do("PATCH", "/api/v1/officials/wu.gang", admin, map[string]any{"roles": []string{"cadre_section", "supervisor"}})
		if r.status != http.StatusOK {
			t.Fatalf("patch roles: %d %s", r.status, r.body)
		}
		r = h.do("GET", "/api/v1/officials?role=leader", cadre, nil)
		if r.status != http.StatusOK {
			t.Fatalf("after role change: %d %s", r.status, r.body)
		}
		var list struct{ Items []schemas.Official }
		r.json(t, &list)
		// wu.gang sits at 呼和浩特 (150100): the leader there, and those below, but not the region's.
		var ids []string
		for _, o := range list.Items {
			ids = append(ids, o.ID)
		}
		if strings.Join(ids, ",") != "chen.jing,guo.hong" {
			t.Fatalf("leaders in 150100's subtree: %v", ids)
		}

		// Creating an official works once and conflicts the second time.
		body := map[string]any{"id": "new.one", "name": "新人", "org_unit_id": "150121", "roles": []string{"investigator"}}
		if r := h.do("POST", "/api/v1/officials", admin, body); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/officials", admin, body); r.status != http.StatusConflict {
			t.Fatalf("create twice: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/api/v1/me", h.token("new.one"), nil); r.status != http.StatusOK {
			t.Fatalf("new official's token: %d %s", r.status, r.body)
		}
	})
}

func TestUnknownRouteAndMethod(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		if r := h.do("GET", "/api/v1/nothing-here", h.token("admin"), nil); r.status != 404 || !strings.HasSuffix(r.problem(t).Type, "/not-found") {
			t.Fatalf("unknown route: %d %s", r.status, r.body)
		}
		if r := h.do("DELETE", "/api/v1/me", h.token("admin"), nil); r.status != 405 {
			t.Fatalf("wrong method: %d %s", r.status, r.body)
		} else {
			r.problem(t)
		}
	})
}

func TestPanicBecomesOpaque500(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		e := h.srv.engine()
		e.GET("/boom", func(*gin.Context) { panic("secret internal detail") })
		ts := newServer(t, e)
		r := ts.do("GET", "/boom", "", nil)
		if r.status != 500 {
			t.Fatalf("status %d", r.status)
		}
		p := r.problem(t)
		if strings.Contains(string(r.body), "secret") {
			t.Fatalf("500 leaks internals: %s", r.body)
		}
		if p.RequestID == "" || r.header.Get("X-Request-ID") != p.RequestID {
			t.Fatalf("request id missing or inconsistent: %q vs %q", p.RequestID, r.header.Get("X-Request-ID"))
		}
	})
}

func TestReadyz(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		srv := testenv.Temporal(t)
		h := newHarness(t, gdb, srv.Client())
		if r := h.do("GET", "/readyz", "", nil); r.status != 200 {
			t.Fatalf("ready with both up: %d %s", r.status, r.body)
		}
		// Take the database away: readiness must say so.
		down := testenv.Open(t, url)
		h2 := newHarness(t, down, srv.Client())
		if err := db.Close(down); err != nil {
			t.Fatal(err)
		}
		r := h2.do("GET", "/readyz", "", nil)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("database down: %d %s", r.status, r.body)
		}
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "database" {
			t.Fatalf("problem does not name the database: %+v", p)
		}
		if r.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		// And Temporal away.
		h3 := newHarness(t, gdb, nil)
		r = h3.do("GET", "/readyz", "", nil)
		if r.status != http.StatusServiceUnavailable || r.problem(t).Errors[0].Field != "temporal" {
			t.Fatalf("temporal down: %d %s", r.status, r.body)
		}
	})
}

func TestReadyzDatabaseUnreachable(t *testing.T) {
	// A Postgres URL where nothing listens: the process starts, and readiness says 503.
	gdb, err := db.Open("postgres://jiandu@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, gdb, nil)
	r := h.do("GET", "/readyz", "", nil)
	if r.status != 503 || r.problem(t).Errors[0].Field != "database" {
		t.Fatalf("unreachable database: %d %s", r.status, r.body)
	}
	// Anyone may ask /readyz: the database's own error text (host, port, user) stays in the log.
	for _, leak := range []string{"127.0.0.1:1", "user=", "dial", "refused"} {
		if strings.Contains(string(r.body), leak) {
			t.Fatalf("readyz reveals %q: %s", leak, r.body)
		}
	}
}

func TestMetricsAndRequestID(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		r := h.do("GET", "/api/v1/org-units?under=150100", h.token("bao.yin"), nil, "X-Request-ID", "abc-123")
		if r.status != 200 || r.header.Get("X-Request-ID") != "abc-123" {
			t.Fatalf("org units: %d %q %s", r.status, r.header.Get("X-Request-ID"), r.body)
		}
		var units struct{ Items []schemas.OrgUnit }
		r.json(t, &units)
		for _, u := range units.Items {
			if !strings.HasPrefix(u.Path, "/150000/150100/") {
				t.Errorf("%s (%s) is not under 150100", u.ID, u.Path)
			}
		}
		if len(units.Items) < 5 {
			t.Errorf("subtree of 150100 has %d units", len(units.Items))
		}
		m := h.do("GET", "/metrics", "", nil)
		if !strings.Contains(string(m.body), `jiandu_http_requests_total{method="GET",route="/api/v1/org-units",status="200"} 1`) {
			t.Fatalf("metrics miss the request:\n%s", m.body)
		}
	})
}

func TestCreateOrgUnit(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		admin := h.token("admin")
		body := map[string]any{"id": "150103", "parent_id": "150100", "name": "回民区委组织部", "level": "county", "kind": "organization"}
		r := h.do("POST", "/api/v1/org-units", admin, body)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var u schemas.OrgUnit
		r.json(t, &u)
		if u.Path != "/150000/150100/150103/" {
			t.Fatalf("path %q", u.Path)
		}
		if r := h.do("POST", "/api/v1/org-units", admin, body); r.status != http.StatusConflict {
			t.Fatalf("twice: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/org-units", h.token("bao.yin"), body); r.status != http.StatusForbidden {
			t.Fatalf("supervisor creates: %d", r.status)
		}
		r = h.do("POST", "/api/v1/org-units", admin, map[string]any{"id": "x", "parent_id": "nowhere", "name": "", "level": "planet", "kind": "club"})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 5 {
			t.Fatalf("invalid: %d %+v", r.status, p.Errors)
		}
	})
}
