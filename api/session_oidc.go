package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// Optional single sign-on for departments with an OpenID Connect identity provider: the
// authorization code flow with state and nonce; the ID token's claim named by Claim (default
// preferred_username) is the official's id in Jiandu. The session is the same as after a
// password login; an official without a local password simply has none to change.

// OIDCConfig configures single sign-on; nil or an empty Issuer turns it off.
type OIDCConfig struct {
	Issuer       string // JIANDU_OIDC_ISSUER
	ClientID     string // JIANDU_OIDC_CLIENT_ID
	ClientSecret string // JIANDU_OIDC_CLIENT_SECRET
	RedirectURL  string // JIANDU_OIDC_REDIRECT_URL: https://<host>/web/oidc/callback
	Claim        string // JIANDU_OIDC_CLAIM: the ID token claim that holds the official id
}

const oidcCookie = "jiandu_oidc"

// oidcClient discovers the provider at first use (the API starts while the IdP is down) and
// keeps it.
type oidcClient struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDC(cfg *OIDCConfig) *oidcClient {
	if cfg == nil || cfg.Issuer == "" {
		return nil
	}
	return &oidcClient{cfg: *cfg}
}

func (o *oidcClient) enabled() bool { return o != nil && o.cfg.Issuer != "" }

func (o *oidcClient) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, err
		}
		o.provider = p
	}
	oc := &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
	return oc, o.provider.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}), nil
}

// webOIDCLogin sends the browser to the identity provider.
func (s *Server) webOIDCLogin(c *gin.Context) {
	if !s.oidc.enabled() {
		s.errorPage(c, http.StatusNotFound, "未配置统一身份认证。")
		return
	}
	oc, _, err := s.oidc.setup(c.Request.Context())
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "oidc discovery", "err", err)
		s.errorPage(c, http.StatusServiceUnavailable, "统一身份认证服务暂不可用，请稍后重试或使用账号密码登录。")
		return
	}
	state, nonce := randomToken(), randomToken()
	v := url.Values{"state": {state}, "nonce": {nonce}, "next": {safeNext(c.Query("next"))}}
	s.setCookie(c, oidcCookie, v.Encode(), 600)
	c.Redirect(http.StatusFound, oc.AuthCodeURL(state, oidc.Nonce(nonce)))
}

// webOIDCCallback finishes the flow: the state must match the browser's cookie, the ID token
// must verify (issuer, audience, expiry, signature) and carry the nonce, and its claim must name
// an enabled official.
func (s *Server) webOIDCCallback(c *gin.Context) {
	if !s.oidc.enabled() {
		s.errorPage(c, http.StatusNotFound, "未配置统一身份认证。")
		return
	}
	ck, err := c.Request.Cookie(oidcCookie)
	s.setCookie(c, oidcCookie, "", -1)
	var flow url.Values
	if err == nil {
		flow, err = url.ParseQuery(ck.Value)
	}
	state := c.Query("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(flow.Get("state")), []byte(state)) != 1 {
		s.errorPage(c, http.StatusBadRequest, "登录请求已失效，请重新登录。")
		return
	}
	if e := c.Query("error"); e != "" {
		s.errorPage(c, http.StatusUnauthorized, "统一身份认证未通过，请重新登录。")
		return
	}
	ctx := c.Request.Context()
	oc, verifier, err := s.oidc.setup(ctx)
	if err != nil {
		s.errorPage(c, http.StatusServiceUnavailable, "统一身份认证服务暂不可用，请稍后重试。")
		return
	}
	tok, err := oc.Exchange(ctx, c.Query("code"))
	if err != nil {
		s.log.WarnContext(ctx, "oidc code exchange", "err", err)
		s.errorPage(c, http.StatusUnauthorized, "统一身份认证未通过，请重新登录。")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Get("nonce"))) != 1 {
		s.log.WarnContext(ctx, "oidc id token refused", "err", err)
		s.errorPage(c, http.StatusUnauthorized, "统一身份认证未通过，请重新登录。")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.errorPage(c, http.StatusUnauthorized, "统一身份认证未通过，请重新登录。")
		return
	}
	claim := s.oidc.cfg.Claim
	if claim == "" {
		claim = "preferred_username"
	}
	id, _ := claims[claim].(string)
	var o schemas.Official
	err = s.db.WithContext(ctx).Take(&o, "id = ?", id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && o.Disabled) || id == "":
		s.log.WarnContext(ctx, "oidc login of no enabled official", "claim", claim, "value", id)
		s.errorPage(c, http.StatusForbidden, "该统一身份认证账号未关联可用的工作人员账号，请联系管理员。")
		return
	case err != nil:
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	}
	if err := s.startSession(c, &o); err != nil {
		s.errorPage(c, http.StatusServiceUnavailable, "服务暂不可用，请稍后重试。")
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(flow.Get("next")))
}
