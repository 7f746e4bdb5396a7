// Package notify writes notifications for officials and delivers them to a webhook.
//
// The notifications table is both the official's in-app inbox and an outbox: activities call
// Enqueue inside their own transaction, and a Dispatcher in each api process POSTs pending rows
// to JIANDU_NOTIFY_WEBHOOK_URL with retries and backoff. Several dispatchers share the work:
// on Postgres each claims its rows with FOR UPDATE SKIP LOCKED and a short lease.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/schemas"
)

// Kinds of notification.
const (
	KindAssigned   = "assigned"   // a task was assigned to the official
	KindReminder   = "reminder"   // a task is due soon
	KindOverdue    = "overdue"    // a task is past its deadline
	KindUrge       = "urge"       // 催办
	KindEscalation = "escalation" // 督办
	KindInfo       = "info"       // anything else worth telling
)

// Enqueue writes n inside the caller's transaction. It is idempotent on n.DedupKey (ON CONFLICT
// (dedup_key) DO NOTHING), so a retried activity adds nothing; on such a duplicate n.ID is set
// to the id of the row already there and nothing else of n is written. Enqueue sets CreatedAt
// (UTC) if it is zero, and NextAttemptAt = CreatedAt so the dispatcher picks the row up.
func Enqueue(tx *gorm.DB, n *schemas.Notification) error {
	if n.DedupKey == "" {
		return errors.New("notify: notification without a dedup key")
	}
	if n.OfficialID == "" {
		return errors.New("notify: notification without an official")
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	n.CreatedAt = dbTime(n.CreatedAt)
	next := n.CreatedAt
	n.NextAttemptAt = &next
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_key"}}, DoNothing: true}).Create(n)
	if res.Error != nil {
		return fmt.Errorf("notify: enqueue %s: %w", n.DedupKey, res.Error)
	}
	if res.RowsAffected == 0 {
		var id int64
		if err := tx.Model(&schemas.Notification{}).Where("dedup_key = ?", n.DedupKey).Select("id").Scan(&id).Error; err != nil {
			return fmt.Errorf("notify: enqueue %s: load existing: %w", n.DedupKey, err)
		}
		n.ID = id
	}
	return nil
}

// Payload is the JSON body POSTed to the webhook for one notification. The request also carries
// the header Idempotency-Key: jiandu-notification-<id>, the same on every retry.
type Payload struct {
	ID           int64     `json:"id"`
	OfficialID   string    `json:"official_id"`
	OfficialName string    `json:"official_name"`
	CaseID       string    `json:"case_id"`
	TaskID       string    `json:"task_id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// IdempotencyKey is the Idempotency-Key header sent with notification id.
func IdempotencyKey(id int64) string { return "jiandu-notification-" + strconv.FormatInt(id, 10) }

const (
	defaultInterval    = 2 * time.Second
	defaultMaxAttempts = 10
	batchSize          = 100
	// lease is how far a claim pushes next_attempt_at, so other dispatchers leave the rows alone
	// while this one delivers them. A pass stops starting deliveries well before it runs out.
	lease         = time.Minute
	leaseMargin   = 10 * time.Second
	baseBackoff   = 5 * time.Second
	maxBackoff    = time.Hour
	maxErrorChars = 500
	maxBodyRead   = 4 << 10
)

// Dispatcher delivers pending notifications to a webhook with retries.
type Dispatcher struct {
	DB         *gorm.DB
	WebhookURL string // empty: deliver nothing; notifications stay in-app only
	// WebhookSecret signs every request (SignatureHeader); empty sends them unsigned.
	WebhookSecret []byte
	Client        *http.Client
	Logger        *slog.Logger
	Interval      time.Duration    // poll interval; default 2s
	MaxAttempts   int              // failed attempts before giving up; default 10
	Now           func() time.Time // default time.Now
}

// Run delivers due notifications every Interval until ctx ends, then returns nil. A pass that
// fills a whole batch is followed at once by another. With WebhookURL empty it only waits for
// ctx.
func (d *Dispatcher) Run(ctx context.Context) error {
	log := d.logger()
	if d.WebhookURL == "" {
		log.Info("notification webhook not configured; notifications stay in-app only")
		<-ctx.Done()
		return nil
	}
	log.Info("notification dispatcher started", "webhook", redact(d.WebhookURL))
	interval := d.Interval
	if interval <= 0 {
		interval = defaultInterval
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		claimed, _, err := d.deliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("notification dispatch pass failed", "err", err)
		}
		wait := interval
		if err == nil && claimed == batchSize {
			wait = 0
		}
		timer.Reset(wait)
	}
}

// DeliverDue makes one pass: it claims up to 100 notifications that are due and undelivered,
// POSTs each to the webhook and records the outcome. Failed deliveries are not errors (they are
// recorded on the row and retried later); err reports a database failure or the end of ctx.
func (d *Dispatcher) DeliverDue(ctx context.Context) (delivered int, err error) {
	_, delivered, err = d.deliverDue(ctx)
	return delivered, err
}

func (d *Dispatcher) deliverDue(ctx context.Context) (claimed, delivered int, err error) {
	if d.WebhookURL == "" {
		return 0, 0, nil
	}
	batch, err := d.claim(ctx)
	if err != nil || len(batch) == 0 {
		return 0, 0, err
	}
	// Deliveries must end before the lease does, or another dispatcher may send them again.
	deadline := time.Now().Add(lease - leaseMargin)
	names, err := d.officialNames(ctx, batch)
	if err != nil {
		d.release(ctx, batch)
		return len(batch), 0, err
	}
	client := d.client()
	for i := range batch {
		n := &batch[i]
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			d.release(ctx, batch[i:])
			return len(batch), delivered, ctx.Err()
		}
		sendErr := d.send(ctx, client, deadline, n, names[n.OfficialID])
		if sendErr != nil && ctx.Err() != nil {
			// Shutting down mid-request: not the webhook's fault, so not an attempt.
			d.release(ctx, batch[i:])
			return len(batch), delivered, ctx.Err()
		}
		if err := d.record(ctx, n, sendErr); err != nil {
			return len(batch), delivered, err
		}
		if sendErr == nil {
			delivered++
		}
	}
	return len(batch), delivered, nil
}

// claim selects the due rows and pushes their next_attempt_at forward by the lease, in one short
// transaction. On Postgres the rows are locked FOR UPDATE SKIP LOCKED, so concurrent
// dispatchers claim disjoint batches.
func (d *Dispatcher) claim(ctx context.Context) ([]schemas.Notification, error) {
	now := d.now()
	var batch []schemas.Notification
	err := d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("delivered_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?", now).
			Order("next_attempt_at, id").Limit(batchSize)
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&batch).Error; err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		return tx.Model(&schemas.Notification{}).Where("id IN ?", ids(batch)).
			Update("next_attempt_at", now.Add(lease)).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	return batch, nil
}

// release gives back claimed rows that were not attempted, so they are due again at once.
func (d *Dispatcher) release(ctx context.Context, rows []schemas.Notification) {
	if len(rows) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := d.DB.WithContext(rctx).Model(&schemas.Notification{}).
		Where("id IN ? AND delivered_at IS NULL", ids(rows)).
		Update("next_attempt_at", d.now()).Error
	if err != nil {
		d.logger().Warn("release claimed notifications", "count", len(rows), "err", err)
	}
}

func (d *Dispatcher) officialNames(ctx context.Context, batch []schemas.Notification) (map[string]string, error) {
	seen := map[string]bool{}
	var officials []string
	for _, n := range batch {
		if !seen[n.OfficialID] {
			seen[n.OfficialID] = true
			officials = append(officials, n.OfficialID)
		}
	}
	var rows []schemas.Official
	if err := d.DB.WithContext(ctx).Select("id", "name").Where("id IN ?", officials).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load official names: %w", err)
	}
	names := make(map[string]string, len(rows))
	for _, o := range rows {
		names[o.ID] = o.Name
	}
	return names, nil
}

// send POSTs one notification; nil means the webhook answered 2xx.
func (d *Dispatcher) send(ctx context.Context, client *http.Client, deadline time.Time, n *schemas.Notification, officialName string) error {
	body, err := json.Marshal(Payload{
		ID: n.ID, OfficialID: n.OfficialID, OfficialName: officialName, CaseID: n.CaseID, TaskID: n.TaskID,
		Kind: n.Kind, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt.UTC(),
	})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", stripURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jiandu-notify/1")
	req.Header.Set("Idempotency-Key", IdempotencyKey(n.ID))
	if len(d.WebhookSecret) > 0 {
		req.Header.Set(SignatureHeader, Sign(d.WebhookSecret, d.now(), body))
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("POST webhook: %w", stripURL(err))
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, maxBodyRead))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) // lets the connection be reused
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	msg := "HTTP " + res.Status
	if s := strings.TrimSpace(string(snippet)); s != "" {
		msg += ": " + s
	}
	return errors.New(msg)
}

// record writes the outcome of one attempt.
func (d *Dispatcher) record(ctx context.Context, n *schemas.Notification, sendErr error) error {
	now := d.now()
	q := d.DB.WithContext(ctx).Model(&schemas.Notification{}).Where("id = ? AND delivered_at IS NULL", n.ID)
	if sendErr == nil {
		if err := q.Updates(map[string]any{"delivered_at": now, "next_attempt_at": nil}).Error; err != nil {
			return fmt.Errorf("record delivery of notification %d: %w", n.ID, err)
		}
		return nil
	}
	attempts := n.Attempts + 1
	lastErr := truncate(sendErr.Error(), maxErrorChars)
	var next *time.Time
	log := d.logger()
	if attempts >= d.maxAttempts() {
		log.Error("notification undeliverable; giving up", "id", n.ID, "official", n.OfficialID,
			"kind", n.Kind, "attempts", attempts, "err", lastErr)
	} else {
		t := now.Add(Backoff(attempts))
		next = &t
		log.Warn("notification delivery failed; will retry", "id", n.ID, "attempts", attempts,
			"retry_at", t, "err", lastErr)
	}
	err := q.Updates(map[string]any{"attempts": attempts, "last_error": lastErr, "next_attempt_at": next}).Error
	if err != nil {
		return fmt.Errorf("record failed delivery of notification %d: %w", n.ID, err)
	}
	return nil
}

// Backoff is the wait after the given number of failed attempts (1, 2, ...): 5s, 10s, 20s, ...
// doubling up to one hour.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	b := baseBackoff
	for i := 1; i < attempts; i++ {
		b *= 2
		if b >= maxBackoff {
			return maxBackoff
		}
	}
	return b
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return dbTime(d.Now())
	}
	return dbTime(time.Now())
}

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return defaultMaxAttempts
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// client is d.Client (or one with a 30s timeout) that does not follow a redirect that would turn
// the POST into a GET: that answer is recorded as the redirect status, not as a delivery.
func (d *Dispatcher) client() *http.Client {
	c := &http.Client{Timeout: 30 * time.Second}
	if d.Client != nil {
		copied := *d.Client
		c = &copied
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.Method != http.MethodPost {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return c
}

// dbTime is t in UTC to the microsecond: what Postgres keeps, and a form SQLite's text
// timestamps compare correctly in.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ids(rows []schemas.Notification) []int64 {
	out := make([]int64, len(rows))
	for i, n := range rows {
		out[i] = n.ID
	}
	return out
}

// stripURL drops the URL from a client error: a webhook URL often carries a secret token.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact keeps the scheme, host and path of a URL for the logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// truncate makes s storable in a TEXT column (valid UTF-8, no NUL) of at most max characters.
func truncate(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
