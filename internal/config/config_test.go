package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalAddress != "127.0.0.1:7233" || c.Namespace != "default" || c.TaskQueue != "jiandu" ||
		c.HTTPAddr != ":8080" || c.DatabaseURL != ".data/jiandu.db" || c.TokenTTL != 12*time.Hour ||
		c.MaxBodyBytes != 1<<20 || c.DevUIPort != 8233 || c.MetricsAddr != ":9090" || c.APIMetricsAddr != "" ||
		c.DB.MaxOpenConns != 20 || c.DB.ConnWait != 10*time.Second || c.CycleCatchup != 168*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.RequireJWTKey(); err == nil {
		t.Fatal("api would start without a JWT key")
	}
	if err := c.RequireAuditKeys(); err == nil || !strings.Contains(err.Error(), "JIANDU_AUDIT_KEYS") {
		t.Fatalf("api and worker would start without an audit key: %v", err)
	}
}

func TestBadValues(t *testing.T) {
	for key, val := range map[string]string{
		"JIANDU_TOKEN_TTL":         "soon",
		"JIANDU_MAX_BODY_BYTES":    "-1",
		"JIANDU_DEV_UI_PORT":       "http",
		"JIANDU_LOG_LEVEL":         "loud",
		"JIANDU_DEV_TEMPORAL_PORT": "0",
		"JIANDU_DB_MAX_CONNS":      "0",
		"JIANDU_DB_CONN_WAIT":      "-1s",
		"JIANDU_AUDIT_KEYS":        "k:c2hvcnQ=",
		"JIANDU_COOKIE_SECURE":     "maybe",
		"JIANDU_SESSION_TTL":       "soon",
		"JIANDU_SESSION_IDLE":      "-1h",
		"JIANDU_OIDC_ISSUER":       "https://sso.example", // without a client id and redirect URL
		"JIANDU_CYCLE_CATCHUP":     "5s",                  // below Temporal's minimum
	} {
		if _, err := Load(env(map[string]string{key: val})); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v does not name the variable", key, val, err)
		}
	}
	if c, err := Load(env(nil)); err != nil || !c.CookieSecure || c.SessionTTL != 12*time.Hour || c.SessionIdle != 2*time.Hour || c.OIDCClaim != "preferred_username" {
		t.Errorf("web defaults: %+v %v", c, err)
	}
	c, _ := Load(env(map[string]string{"JIANDU_JWT_SECRET": "short"}))
	if err := c.RequireJWTKey(); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
	if c, err := Load(env(map[string]string{"JIANDU_CYCLE_CATCHUP": "48h"})); err != nil || c.CycleCatchup != 48*time.Hour {
		t.Errorf("catch-up window: %v %v", c.CycleCatchup, err)
	}
	c, _ = Load(env(map[string]string{"JIANDU_DB_MAX_CONNS": "50", "JIANDU_DB_CONN_WAIT": "2s"}))
	if c.DB.MaxOpenConns != 50 || c.DB.ConnWait != 2*time.Second {
		t.Errorf("pool settings: %+v", c.DB)
	}
	if _, err := Load(env(map[string]string{"JIANDU_NOTIFY_WEBHOOK_URL": "https://sms.example/hook"})); err == nil ||
		!strings.Contains(err.Error(), "JIANDU_NOTIFY_WEBHOOK_SECRET") {
		t.Errorf("webhook without a signing secret: %v", err)
	}
	c, _ = Load(env(map[string]string{"JIANDU_METRICS_ADDR": "off", "JIANDU_DATA_DIR": "/var/lib/jiandu"}))
	if c.MetricsAddr != "" || c.DatabaseURL != "/var/lib/jiandu/jiandu.db" {
		t.Errorf("metrics off / data dir: %+v", c)
	}
	if c, _ = Load(env(map[string]string{"JIANDU_API_METRICS_ADDR": "127.0.0.1:9091"})); c.APIMetricsAddr != "127.0.0.1:9091" || c.HTTPAddr != ":8080" {
		t.Errorf("API metrics address: %+v", c)
	}
}
