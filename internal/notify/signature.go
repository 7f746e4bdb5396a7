package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the webhook signature: "t=<unix seconds>,v1=<hex HMAC-SHA256>", the
// HMAC keyed with the shared secret (JIANDU_NOTIFY_WEBHOOK_SECRET) over "<t>.<body>". A receiver
// recomputes it (VerifySignature does) and refuses a request whose signature differs or whose t
// is too old: nobody without the secret can post notifications in Jiandu's name, and a captured
// request cannot be replayed later.
const SignatureHeader = "X-Jiandu-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature means a webhook request's signature does not verify.
var ErrBadSignature = errors.New("bad webhook signature")

// VerifySignature checks a SignatureHeader value against body: the HMAC must match and its time
// lie within tolerance of now. Receivers written in Go can call it as it is.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s ago", ErrBadSignature, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}
