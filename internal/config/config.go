// Package config reads Jiandu's configuration from JIANDU_* environment variables. Every
// variable is listed, with its default, in README.md.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
)

// Config is everything the jiandu processes read from the environment.
type Config struct {
	TemporalAddress string // JIANDU_TEMPORAL_ADDRESS
	// TemporalCompression (JIANDU_TEMPORAL_COMPRESSION): gRPC compression to Temporal, gzip or none.
	TemporalCompression string
	Namespace           string // JIANDU_NAMESPACE
	TaskQueue           string // JIANDU_TASK_QUEUE
	DatabaseURL         string // JIANDU_DATABASE_URL: postgres://... or a SQLite file path
	// DB sizes the connection pool: JIANDU_DB_MAX_CONNS (Postgres pool size; the worker runs
	// twice as many activities at once) and JIANDU_DB_CONN_WAIT (how long a statement waits for
	// a free connection before it fails as busy: 503 in the API, a retry in the worker).
	DB          db.Options
	HTTPAddr    string // JIANDU_HTTP_ADDR
	MetricsAddr string // JIANDU_METRICS_ADDR: the worker's /metrics listener; "off" turns it off
	// APIMetricsAddr (JIANDU_API_METRICS_ADDR), when set, is where the API serves /metrics,
	// and then only there (not on HTTPAddr); empty serves them on HTTPAddr.
	APIMetricsAddr string
	MaxBodyBytes   int64  // JIANDU_MAX_BODY_BYTES
	LogLevel       string // JIANDU_LOG_LEVEL: debug, info, warn, error
	DataDir        string // JIANDU_DATA_DIR: where `jiandu dev` keeps its files

	JWTSecret     string        // JIANDU_JWT_SECRET: HS256 key
	JWTPublicKey  string        // JIANDU_JWT_PUBLIC_KEY: PEM file; switches verification to RS256
	JWTPrivateKey string        // JIANDU_JWT_PRIVATE_KEY: PEM file; lets `jiandu token` sign RS256
	JWTIssuer     string        // JIANDU_JWT_ISSUER
	TokenTTL      time.Duration // JIANDU_TOKEN_TTL: lifetime of tokens that `jiandu token` issues

	NotifyWebhookURL string // JIANDU_NOTIFY_WEBHOOK_URL: where notifications are POSTed; empty keeps them in-app only
	// NotifyWebhookSecret (JIANDU_NOTIFY_WEBHOOK_SECRET) signs every webhook request
	// (X-Jiandu-Signature); required with a webhook URL.
	NotifyWebhookSecret string

	// TimeScale (JIANDU_TIME_SCALE) compresses every deadline by this factor, for demos and
	// end-to-end tests; 0 or 1 in production.
	TimeScale float64

	// Whistleblower confidentiality (P6): key rings "kid:base64key,..." (first key current).
	ReporterKeys string // JIANDU_REPORTER_KEYS: seals reporter identity and contact in the reports table
	PayloadKeys  string // JIANDU_PAYLOAD_KEYS: encrypts Temporal payloads; defaults to JIANDU_REPORTER_KEYS
	// AuditKeys (JIANDU_AUDIT_KEYS) keys the audit trail's hash chains (HMAC-SHA256), a key ring
	// "kid:base64key,..." written like the others (first key current). It must not be stored
	// in the database: whoever holds it can rewrite the trail undetectably.
	AuditKeys            string
	CodecCORSOrigin      string // JIANDU_CODEC_CORS_ORIGIN: the Temporal UI origin allowed to call /codec
	EngineViewRoles      string // JIANDU_ENGINE_VIEW_ROLES: roles that, at the root org unit, may use the Temporal UI and /codec
	PublicClientIPHeader string // JIANDU_PUBLIC_CLIENT_IP_HEADER: header with the client address behind a proxy

	// Documents (issue 18, internal/files): where the blobs are and the upload limit.
	BlobURL       string // JIANDU_BLOB_URL: "" (DataDir/blobs), file:///dir or s3://bucket?endpoint=...
	BlobAccessKey string // JIANDU_BLOB_ACCESS_KEY: S3 access key
	BlobSecretKey string // JIANDU_BLOB_SECRET_KEY: S3 secret key
	FileMaxBytes  int64  // JIANDU_FILE_MAX_BYTES: the largest upload

	// The web inbox (issue 13).
	CookieSecure  bool          // JIANDU_COOKIE_SECURE: session cookie sent over HTTPS only (default true; `jiandu dev` turns it off)
	SessionTTL    time.Duration // JIANDU_SESSION_TTL: absolute lifetime of a web session
	SessionIdle   time.Duration // JIANDU_SESSION_IDLE: a web session unused this long ends
	TemporalUIURL string        // JIANDU_TEMPORAL_UI_URL: the Temporal UI (public path /temporal) proxied under /temporal/
	// Optional OIDC single sign-on (all of issuer, client id and redirect URL, or none).
	OIDCIssuer       string // JIANDU_OIDC_ISSUER
	OIDCClientID     string // JIANDU_OIDC_CLIENT_ID
	OIDCClientSecret string // JIANDU_OIDC_CLIENT_SECRET
	OIDCRedirectURL  string // JIANDU_OIDC_REDIRECT_URL
	OIDCClaim        string // JIANDU_OIDC_CLAIM: the ID token claim holding the official id

	// CycleCatchup (JIANDU_CYCLE_CATCHUP) is the catch-up window of the cycle schedules
	// (internal/cycles): a round missed while Temporal was down runs when it is back within
	// this long (default 168h, at least 10s); `jiandu migrate` writes it into every schedule.
	CycleCatchup time.Duration

	DevTemporalPort int // JIANDU_DEV_TEMPORAL_PORT: `jiandu dev` only
	DevUIPort       int // JIANDU_DEV_UI_PORT: `jiandu dev` only
}

// Load reads the configuration through getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	str := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	c := Config{
		TemporalAddress:     str("JIANDU_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalCompression: str("JIANDU_TEMPORAL_COMPRESSION", "gzip"),
		Namespace:           str("JIANDU_NAMESPACE", "default"),
		TaskQueue:           str("JIANDU_TASK_QUEUE", "jiandu"),
		DataDir:             str("JIANDU_DATA_DIR", ".data"),
		HTTPAddr:            str("JIANDU_HTTP_ADDR", ":8080"),
		MetricsAddr:         str("JIANDU_METRICS_ADDR", ":9090"),
		APIMetricsAddr:      getenv("JIANDU_API_METRICS_ADDR"),
		LogLevel:            str("JIANDU_LOG_LEVEL", "info"),
		JWTSecret:           getenv("JIANDU_JWT_SECRET"),
		JWTPublicKey:        getenv("JIANDU_JWT_PUBLIC_KEY"),
		JWTPrivateKey:       getenv("JIANDU_JWT_PRIVATE_KEY"),
		JWTIssuer:           str("JIANDU_JWT_ISSUER", "jiandu"),
		NotifyWebhookURL:    getenv("JIANDU_NOTIFY_WEBHOOK_URL"),

		NotifyWebhookSecret: getenv("JIANDU_NOTIFY_WEBHOOK_SECRET"),

		ReporterKeys:         getenv("JIANDU_REPORTER_KEYS"),
		PayloadKeys:          getenv("JIANDU_PAYLOAD_KEYS"),
		AuditKeys:            getenv("JIANDU_AUDIT_KEYS"),
		CodecCORSOrigin:      str("JIANDU_CODEC_CORS_ORIGIN", "http://localhost:8233"),
		EngineViewRoles:      str("JIANDU_ENGINE_VIEW_ROLES", "supervisor"),
		PublicClientIPHeader: getenv("JIANDU_PUBLIC_CLIENT_IP_HEADER"),
		BlobURL:              getenv("JIANDU_BLOB_URL"),
		BlobAccessKey:        getenv("JIANDU_BLOB_ACCESS_KEY"),
		BlobSecretKey:        getenv("JIANDU_BLOB_SECRET_KEY"),
	}
	if c.PayloadKeys == "" {
		c.PayloadKeys = c.ReporterKeys
	}
	for name, spec := range map[string]string{"JIANDU_REPORTER_KEYS": c.ReporterKeys, "JIANDU_PAYLOAD_KEYS": c.PayloadKeys,
		"JIANDU_AUDIT_KEYS": c.AuditKeys} {
		if spec == "" {
			continue
		}
		if _, err := secrets.Parse(spec); err != nil {
			return Config{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	if c.NotifyWebhookURL != "" && len(c.NotifyWebhookSecret) < 32 {
		return Config{}, fmt.Errorf("JIANDU_NOTIFY_WEBHOOK_SECRET: set a secret of at least 32 bytes to sign the requests to JIANDU_NOTIFY_WEBHOOK_URL (openssl rand -hex 32)")
	}
	if _, err := temporalconn.Connection(c.TemporalCompression); err != nil {
		return Config{}, fmt.Errorf("JIANDU_TEMPORAL_COMPRESSION: %w", err)
	}
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	}
	c.DatabaseURL = str("JIANDU_DATABASE_URL", filepath.Join(c.DataDir, "jiandu.db"))

	var err error
	if c.MaxBodyBytes, err = intVar(getenv, "JIANDU_MAX_BODY_BYTES", 1<<20); err != nil {
		return Config{}, err
	}
	if c.FileMaxBytes, err = intVar(getenv, "JIANDU_FILE_MAX_BYTES", 20<<20); err != nil {
		return Config{}, err
	}
	conns, err := intVar(getenv, "JIANDU_DB_MAX_CONNS", db.DefaultMaxOpenConns)
	if err != nil {
		return Config{}, err
	}
	c.DB.MaxOpenConns = int(conns)
	wait := str("JIANDU_DB_CONN_WAIT", db.DefaultConnWait.String())
	if c.DB.ConnWait, err = time.ParseDuration(wait); err != nil || c.DB.ConnWait <= 0 {
		return Config{}, fmt.Errorf("JIANDU_DB_CONN_WAIT=%q: want a positive duration such as 10s", wait)
	}
	ports := []struct {
		key string
		def int64
		dst *int
	}{
		{"JIANDU_DEV_TEMPORAL_PORT", 7233, &c.DevTemporalPort},
		{"JIANDU_DEV_UI_PORT", 8233, &c.DevUIPort},
	}
	for _, p := range ports {
		v, err := intVar(getenv, p.key, p.def)
		if err != nil {
			return Config{}, err
		}
		*p.dst = int(v)
	}
	if v := getenv("JIANDU_TIME_SCALE"); v != "" {
		if c.TimeScale, err = strconv.ParseFloat(v, 64); err != nil || c.TimeScale < 1 || c.TimeScale > 1e7 {
			return Config{}, fmt.Errorf("JIANDU_TIME_SCALE=%q: want a factor from 1 to 10000000", v)
		}
	}
	switch v := str("JIANDU_COOKIE_SECURE", "true"); v {
	case "true", "1":
		c.CookieSecure = true
	case "false", "0":
	default:
		return Config{}, fmt.Errorf("JIANDU_COOKIE_SECURE=%q: want true or false", v)
	}
	c.TemporalUIURL = getenv("JIANDU_TEMPORAL_UI_URL")
	c.OIDCIssuer, c.OIDCClientID = getenv("JIANDU_OIDC_ISSUER"), getenv("JIANDU_OIDC_CLIENT_ID")
	c.OIDCClientSecret, c.OIDCRedirectURL = getenv("JIANDU_OIDC_CLIENT_SECRET"), getenv("JIANDU_OIDC_REDIRECT_URL")
	c.OIDCClaim = str("JIANDU_OIDC_CLAIM", "preferred_username")
	if set := []bool{c.OIDCIssuer != "", c.OIDCClientID != "", c.OIDCRedirectURL != ""}; set[0] != set[1] || set[1] != set[2] {
		return Config{}, fmt.Errorf("JIANDU_OIDC_ISSUER, JIANDU_OIDC_CLIENT_ID and JIANDU_OIDC_REDIRECT_URL go together: set all three or none")
	}
	for _, d := range []struct {
		key, def string
		dst      *time.Duration
	}{{"JIANDU_SESSION_TTL", "12h", &c.SessionTTL}, {"JIANDU_SESSION_IDLE", "2h", &c.SessionIdle}} {
		v := str(d.key, d.def)
		if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst <= 0 {
			return Config{}, fmt.Errorf("%s=%q: want a positive duration such as %s", d.key, v, d.def)
		}
	}
	ttl := str("JIANDU_TOKEN_TTL", "12h")
	if c.TokenTTL, err = time.ParseDuration(ttl); err != nil || c.TokenTTL <= 0 {
		return Config{}, fmt.Errorf("JIANDU_TOKEN_TTL=%q: want a positive duration such as 12h", ttl)
	}
	catchup := str("JIANDU_CYCLE_CATCHUP", "168h")
	if c.CycleCatchup, err = time.ParseDuration(catchup); err != nil || c.CycleCatchup < 10*time.Second {
		return Config{}, fmt.Errorf("JIANDU_CYCLE_CATCHUP=%q: want a duration of at least 10s such as 168h", catchup)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Config{}, fmt.Errorf("JIANDU_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	return c, nil
}

// FromEnv is Load(os.Getenv).
func FromEnv() (Config, error) { return Load(os.Getenv) }

// RequireJWTKey fails unless a token verification key is configured: the production api must
// not start open.
func (c Config) RequireJWTKey() error {
	if c.JWTSecret == "" && c.JWTPublicKey == "" {
		return fmt.Errorf("set JIANDU_JWT_SECRET (HS256) or JIANDU_JWT_PUBLIC_KEY (RS256)")
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return fmt.Errorf("JIANDU_JWT_SECRET is %d bytes: use at least 32", len(c.JWTSecret))
	}
	return nil
}

// RequireAuditKeys fails unless the audit chain key is configured: the production api and
// worker must not write a trail that someone with database access could rewrite.
func (c Config) RequireAuditKeys() error {
	if c.AuditKeys == "" {
		return fmt.Errorf("set JIANDU_AUDIT_KEYS (audit trail HMAC keys, \"kid:base64 of 32 random bytes\"; see README.md)")
	}
	return nil
}

func intVar(getenv func(string) string, key string, def int64) (int64, error) {
	s := getenv(key)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", key, s)
	}
	return v, nil
}
