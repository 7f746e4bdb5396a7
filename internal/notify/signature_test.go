package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
)

// TestWebhookSigned: with a secret, every webhook request carries a signature the receiver
// verifies over the exact body it got; a changed body, another secret or an old request fails.
func TestWebhookSigned(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		secret := []byte("0123456789abcdef0123456789abcdef")
		hook := newWebhook(t, 204)
		clk := &clock{t: base}
		d := &Dispatcher{DB: gdb, WebhookURL: hook.srv.URL, WebhookSecret: secret, Now: clk.Now, Logger: testenv.Logger(t)}
		enqueue(t, gdb, "bao.yin", "task:9:assigned", base)
		if n, err := d.DeliverDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("deliver: %d %v", n, err)
		}
		call := hook.calls[0]
		sig := call.header.Get(SignatureHeader)
		if err := VerifySignature(secret, sig, call.body, base, 5*time.Minute); err != nil {
			t.Fatalf("the receiver cannot verify %q: %v", sig, err)
		}
		tampered := append([]byte(nil), call.body...)
		tampered[len(tampered)-2] ^= 1
		for name, err := range map[string]error{
			"changed body":   VerifySignature(secret, sig, tampered, base, 5*time.Minute),
			"another secret": VerifySignature([]byte("another-secret-another-secret-xx"), sig, call.body, base, 5*time.Minute),
			"replayed later": VerifySignature(secret, sig, call.body, base.Add(time.Hour), 5*time.Minute),
			"no signature":   VerifySignature(secret, "", call.body, base, 5*time.Minute),
		} {
			if !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: %v, want ErrBadSignature", name, err)
			}
		}
	})
}
