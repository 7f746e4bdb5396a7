package api

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// The public web channel of 12380 (no token): file a report, then follow it with the query
// code (查询码) and secret it answered with. Unknown codes and wrong secrets answer the same 404,
// so the endpoint tells a guesser nothing; every route is rate-limited per client address.

const (
	publicMaxBody    = 16 << 10
	secretHeader     = "X-Report-Secret"
	codeAlphabet     = "ABCDEFGHJKMNPQRSTUVWXYZ23456789" // no 0/O, 1/I/L
	queryCodeLen     = 12
	secretLen        = 16
	pbkdf2Iterations = 20000
	maxMaterials     = 20
)

// PublicReportInput is the body of POST /public/v1/reports.
type PublicReportInput struct {
	OrgUnitID   string        `json:"org_unit_id"` // the organization department reported to
	Reporter    ReporterInput `json:"reporter"`    // optional: anonymous reports are allowed
	SubjectName string        `json:"subject_name"`
	SubjectUnit string        `json:"subject_unit"`
	SubjectPost string        `json:"subject_post"`
	Content     string        `json:"content"`
}

// PublicReportReceipt answers a web report: keep both, the secret is shown only once.
type PublicReportReceipt struct {
	QueryCode string `json:"query_code"`
	Secret    string `json:"secret"`
	Message   string `json:"message"`
}

// PublicReportStatus is what the reporter reads with the code and secret.
type PublicReportStatus struct {
	QueryCode   string     `json:"query_code"`
	Status      string     `json:"status"`
	StatusTitle string     `json:"status_title"`
	ReceivedAt  time.Time  `json:"received_at"`
	Feedback    string     `json:"feedback,omitempty"`
	FeedbackAt  *time.Time `json:"feedback_at,omitempty"`
}

// MaterialInput is the body of POST /public/v1/reports/{code}/material.
type MaterialInput struct {
	Text string `json:"text"`
}

// publicLimit answers 429 when the client address has used up its bucket.
func (s *Server) publicLimit(l *limiter) gin.HandlerFunc {
	return s.handle(func(c *gin.Context) error {
		if wait, ok := l.allow(s.clientAddr(c), time.Now()); !ok {
			c.Header("Retry-After", wait)
			return problem(probTooMany, "本地址提交的请求过多，请"+wait+"秒后再试")
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, publicMaxBody)
		c.Next()
		return nil
	})
}

// clientAddr is the address a rate limit counts: the connection's, or behind a trusted proxy
// the last entry of the configured header (the one the proxy itself appended).
func (s *Server) clientAddr(c *gin.Context) string {
	if h := s.reports.ClientIPHeader; h != "" {
		if v := c.GetHeader(h); v != "" {
			parts := strings.Split(v, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}

// publicReport is POST /public/v1/reports.
func (s *Server) publicReport(c *gin.Context) error {
	var in PublicReportInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	errs := reportIssues(nil, in.Reporter, in.SubjectName, in.SubjectUnit, in.SubjectPost, in.Content)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalid("举报内容未通过校验", errs...)
	}
	code, secret := randomCode(queryCodeLen), randomCode(secretLen)
	salt := randomCode(16)
	hash, err := hashSecret(secret, salt)
	if err != nil {
		return unavailable("hash the secret", err)
	}
	if _, err := s.fileReport(c, newReport{
		createdBy: "public", unit: *unit, channel: "web", identity: in.Reporter.identity(),
		subjectName: in.SubjectName, subjectUnit: in.SubjectUnit, subjectPost: in.SubjectPost, content: in.Content,
		priority: schemas.PriorityNormal, queryCode: code, secretSalt: salt, secretHash: hash,
	}); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, PublicReportReceipt{
		QueryCode: code, Secret: secret,
		Message: "举报已收到。请妥善保存查询码和密码，凭此查询办理情况、补充材料；密码不会再次显示。",
	})
	return nil
}

// followed loads the report a code and secret open, answering the same 404 for an unknown code
// and a wrong secret (and taking the same time for both).
func (s *Server) followed(c *gin.Context) (*schemas.Report, error) {
	code := strings.ToUpper(strings.TrimSpace(c.Param("code")))
	secret := c.GetHeader(secretHeader)
	var row schemas.Report
	err := s.db.WithContext(c.Request.Context()).First(&row, "query_code = ?", code).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, unavailable("load report", err)
	}
	found := err == nil
	salt, want := row.SecretSalt, row.SecretHash
	if !found {
		salt, want = "unknown-code-salt", strings.Repeat("0", 64)
	}
	got, herr := hashSecret(secret, salt)
	if herr != nil || !found || len(code) != queryCodeLen || utf8.RuneCountInString(secret) > 64 ||
		subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, problem(probNotFound, "查询码或密码不正确")
	}
	return &row, nil
}

// publicReportStatus is GET /public/v1/reports/{code}.
func (s *Server) publicReportStatus(c *gin.Context) error {
	row, err := s.followed(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, PublicReportStatus{
		QueryCode: *row.QueryCode, Status: row.Status, StatusTitle: schemas.ReportStatusTitle(row.Status),
		ReceivedAt: row.CreatedAt, Feedback: row.Feedback, FeedbackAt: row.FeedbackAt,
	})
	return nil
}

// publicReportMaterial is POST /public/v1/reports/{code}/material: the reporter adds material.
func (s *Server) publicReportMaterial(c *gin.Context) error {
	row, err := s.followed(c)
	if err != nil {
		return err
	}
	var in MaterialInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if errs := textIssue(nil, "text", in.Text, 1, 5000); len(errs) > 0 {
		return invalid("补充材料未通过校验", errs...)
	}
	ctx := c.Request.Context()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&schemas.ReportMaterial{}).Where("report_id = ?", row.ID).Count(&n).Error; err != nil {
			return err
		}
		if n >= maxMaterials {
			return problem(probConflict, fmt.Sprintf("每件举报最多补充%d次材料", maxMaterials))
		}
		return tx.Create(&schemas.ReportMaterial{ReportID: row.ID, Source: "public", Text: strings.TrimSpace(in.Text), CreatedAt: time.Now().UTC()}).Error
	})
	if err != nil {
		return unavailable("store material", err) // or the conflict above: fail tells them apart
	}
	return reply(c, http.StatusCreated, gin.H{"status": "received", "message": "补充材料已收到。"})
}

func randomCode(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	out := make([]byte, n)
	for i, x := range b {
		// 256 is not a multiple of 31: the bias is under 1%, harmless for a random code.
		out[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	return string(out)
}

// hashSecret is the stored form of a query-code secret: PBKDF2-SHA256 with a per-row salt.
func hashSecret(secret, salt string) (string, error) {
	k, err := pbkdf2.Key(sha256.New, secret, []byte(salt), pbkdf2Iterations, 32)
	return hex.EncodeToString(k), err
}

// RateLimit is a token bucket per client address: Burst requests at once, refilled evenly over Per.
type RateLimit struct {
	Burst int
	Per   time.Duration
}

type limiter struct {
	mu      sync.Mutex
	limit   RateLimit
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(l RateLimit) *limiter { return &limiter{limit: l, buckets: map[string]*bucket{}} }

// allow takes a token for addr; when none is left it says how many seconds to wait.
func (l *limiter) allow(addr string, now time.Time) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := float64(l.limit.Burst) / l.limit.Per.Seconds() // tokens per second
	if len(l.buckets) > 100000 {
		// Forget the addresses that have refilled, so a scan of many addresses cannot grow the map forever.
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*rate >= float64(l.limit.Burst) {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[addr]
	if !ok {
		b = &bucket{tokens: float64(l.limit.Burst), at: now}
		l.buckets[addr] = b
	}
	b.tokens = math.Min(float64(l.limit.Burst), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return formatSeconds(math.Ceil((1 - b.tokens) / rate)), false
	}
	b.tokens--
	return "", true
}

func formatSeconds(s float64) string {
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(int(s))
}
