package api

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// fakeIdP is an OpenID Connect provider: discovery, keys, and a token endpoint that answers
// every code with an ID token for the claims the test set.
type fakeIdP struct {
	url    string
	key    *rsa.PrivateKey
	mu     sync.Mutex
	claims jwt.MapClaims
}

func newFakeIdP(t *testing.T) *fakeIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &fakeIdP{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": idp.url, "authorization_endpoint": idp.url + "/auth", "token_endpoint": idp.url + "/token",
			"jwks_uri": idp.url + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("code") != "good-code" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		idp.mu.Lock()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, idp.claims)
		idp.mu.Unlock()
		tok.Header["kid"] = "k1"
		raw, err := tok.SignedString(key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": raw})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	idp.url = ts.URL
	return idp
}

func (idp *fakeIdP) issue(claims jwt.MapClaims) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.claims = claims
}

// TestOIDCLogin signs officials in through a fake identity provider: the claim maps to the
// official, the session works like a password session; a wrong state, a wrong nonce, a token
// for another client, an unknown or disabled official are refused.
func TestOIDCLogin(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		idp := newFakeIdP(t)
		srv := New(Deps{DB: gdb, Temporal: &fakeTemporal{}, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
			Web: WebDeps{OIDC: &OIDCConfig{Issuer: idp.url, ClientID: "jiandu", ClientSecret: "s", RedirectURL: "http://jiandu.test/web/oidc/callback"}}})
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)

		// start follows /web/oidc/login to the IdP and returns the state and nonce it asked for.
		start := func(w *webClient) (state, nonce string) {
			t.Helper()
			res, _ := w.get("/web/oidc/login?next=/web/notifications")
			loc, err := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), idp.url+"/auth?") || loc.Query().Get("client_id") != "jiandu" {
				t.Fatalf("oidc login: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			return loc.Query().Get("state"), loc.Query().Get("nonce")
		}
		claims := func(nonce string, extra jwt.MapClaims) jwt.MapClaims {
			c := jwt.MapClaims{"iss": idp.url, "aud": "jiandu", "sub": "u-1", "preferred_username": "chen.jing", "nonce": nonce,
				"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
			for k, v := range extra {
				c[k] = v
			}
			return c
		}
		if _, body := newWebClient(t, ts.URL).get("/web/login"); !strings.Contains(body, "统一身份认证登录") {
			t.Fatal("the login page offers no single sign-on")
		}

		w := newWebClient(t, ts.URL)
		state, nonce := start(w)
		idp.issue(claims(nonce, nil))
		res, _ := w.get("/web/oidc/callback?code=good-code&state=" + state)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/web/notifications" {
			t.Fatalf("callback: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, body := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusOK || !strings.Contains(body, "陈静") {
			t.Fatalf("session after sso: %d %s", res.StatusCode, body)
		}
		// The flow's cookie is spent: the same callback again is refused.
		if res, _ := w.get("/web/oidc/callback?code=good-code&state=" + state); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("replayed callback: %d", res.StatusCode)
		}

		for name, tc := range map[string]struct {
			claims    func(nonce string) jwt.MapClaims
			badState  bool
			code      string
			wantState int
		}{
			"wrong state":    {claims: func(n string) jwt.MapClaims { return claims(n, nil) }, badState: true, wantState: http.StatusBadRequest},
			"wrong nonce":    {claims: func(string) jwt.MapClaims { return claims("other", nil) }, wantState: http.StatusUnauthorized},
			"another client": {claims: func(n string) jwt.MapClaims { return claims(n, jwt.MapClaims{"aud": "other-app"}) }, wantState: http.StatusUnauthorized},
			"expired": {claims: func(n string) jwt.MapClaims {
				return claims(n, jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()})
			}, wantState: http.StatusUnauthorized},
			"bad code":           {claims: func(n string) jwt.MapClaims { return claims(n, nil) }, code: "bad-code", wantState: http.StatusUnauthorized},
			"unknown official":   {claims: func(n string) jwt.MapClaims { return claims(n, jwt.MapClaims{"preferred_username": "nobody"}) }, wantState: http.StatusForbidden},
			"disabled official":  {claims: func(n string) jwt.MapClaims { return claims(n, jwt.MapClaims{"preferred_username": "liu.yang"}) }, wantState: http.StatusForbidden},
			"claim not a string": {claims: func(n string) jwt.MapClaims { return claims(n, jwt.MapClaims{"preferred_username": 42}) }, wantState: http.StatusForbidden},
		} {
			t.Run(name, func(t *testing.T) {
				gdb.Model(&schemas.Official{}).Where("id = ?", "liu.yang").Update("disabled", true)
				w := newWebClient(t, ts.URL)
				state, nonce := start(w)
				idp.issue(tc.claims(nonce))
				if tc.badState {
					state = strings.Repeat("0", 64)
				}
				code := "good-code"
				if tc.code != "" {
					code = tc.code
				}
				res, body := w.get("/web/oidc/callback?code=" + code + "&state=" + state)
				if res.StatusCode != tc.wantState || !strings.Contains(body, `lang="zh-CN"`) {
					t.Fatalf("%d, want %d: %s", res.StatusCode, tc.wantState, body)
				}
				if res, _ := w.api("GET", "/api/v1/me", "", ""); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("a session after a refused sign-on: %d", res.StatusCode)
				}
			})
		}
	})
}
