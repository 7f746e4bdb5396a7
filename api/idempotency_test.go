package api

import (
	"fmt"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestIdempotencyKeyBoundToRequest: a key comes back only with the request it was first sent
// with. The same request again (even re-encoded) goes through to the handler; another body or
// another route with the key is 422 naming the header, and the handler does not run.
func TestIdempotencyKeyBoundToRequest(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		ids := seedNotifications(t, gdb, "wu.gang", 2)
		tok := h.token("wu.gang")
		read := func(id int64, body string, key string) response {
			return h.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), tok, body, "Idempotency-Key", key)
		}
		if r := read(ids[0], `{"note": "a", "n": 1}`, "k-1"); r.status == http.StatusUnprocessableEntity {
			t.Fatalf("first use of a key: %d %s", r.status, r.body)
		}
		// The same request, re-encoded: not refused.
		if r := read(ids[0], "{ \"n\":1,\n \"note\":\"a\" }", "k-1"); r.status == http.StatusUnprocessableEntity {
			t.Fatalf("same request again: %d %s", r.status, r.body)
		}
		for name, r := range map[string]response{
			"another body":  read(ids[0], `{"note": "b", "n": 1}`, "k-1"),
			"another route": read(ids[1], `{"note": "a", "n": 1}`, "k-1"),
		} {
			p := r.problem(t)
			if r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
				t.Errorf("%s with a used key: %d %s", name, r.status, r.body)
			}
		}
		// The refused request did nothing: the second notification is still unread.
		var n schemas.Notification
		if err := gdb.First(&n, ids[1]).Error; err != nil || n.ReadAt != nil {
			t.Fatalf("notification %d after a refused request: %+v %v", ids[1], n, err)
		}
		// Keys are per official: another official may use the same key for their own request.
		other := seedNotifications(t, gdb, "chen.jing", 1)
		r := h.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", other[0]), h.token("chen.jing"), `{}`, "Idempotency-Key", "k-1")
		if r.status == http.StatusUnprocessableEntity {
			t.Fatalf("another official's key: %d %s", r.status, r.body)
		}
	})
}
