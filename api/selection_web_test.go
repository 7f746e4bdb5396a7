package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
)

// TestWebStartSelection: the cadre section finds the selection's start form, with nominee
// rows, in the start menu; a form the API refuses comes back with the Chinese field messages
// beside the fields, and nothing is started; a valid one starts the case.
func TestWebStartSelection(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		e := newBodyEnv(t, gdb)
		base := newServer(t, e.handler).url
		setPassword(t, gdb, "wu.gang", "cadre-section-1", false)
		w := newWebClient(t, base)
		w.login("wu.gang", "cadre-section-1")
		if res, body := w.get("/web/start"); res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/web/start/selection"`) {
			t.Fatalf("start menu: %d\n%s", res.StatusCode, body)
		}
		res, body := w.get("/web/start/selection")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "拟任职位及职数") || !strings.Contains(body, `name="candidates[4].official_id"`) {
			t.Fatalf("start form: %d\n%s", res.StatusCode, body)
		}
		csrf := csrfField.FindStringSubmatch(body)[1]
		before := e.temporal.calls.Load()
		res, body = w.post("/web/start/selection", url.Values{"csrf": {csrf}, "posts": {""},
			"candidates[0].official_id": {"nobody"}, "candidates[0].proposed_post": {"副局长"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-f-posts"`) ||
			!strings.Contains(body, `aria-describedby="err-f-candidates-0-official_id"`) || e.temporal.calls.Load() != before {
			t.Fatalf("refused form: %d\n%s", res.StatusCode, body)
		}
		res, body = w.post("/web/start/selection", url.Values{"csrf": {csrf}, "posts": {"市教育局副局长1名"},
			"candidates[0].official_id": {"batu"}, "candidates[0].proposed_post": {"市教育局副局长"}})
		if e.temporal.calls.Load() != before+1 || (res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK) {
			t.Fatalf("valid form: %d\n%s", res.StatusCode, body)
		}
	})
}
