package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

type notificationPage struct {
	Items      []schemas.Notification `json:"items"`
	NextCursor string                 `json:"next_cursor"`
}

func seedNotifications(t *testing.T, gdb *gorm.DB, official string, count int) []int64 {
	t.Helper()
	var ids []int64
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range count {
		n := &schemas.Notification{
			OfficialID: official, CaseID: "GBJD-2026-0001", Kind: notify.KindUrge,
			Title: fmt.Sprintf("催办通知 %d", i), Body: "请尽快办结。", DedupKey: fmt.Sprintf("test/%s/%d", official, i),
			CreatedAt: start.Add(time.Duration(i) * time.Minute),
		}
		if err := notify.Enqueue(gdb, n); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	return ids
}

func TestNotificationsOwnOnlyAndPaged(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		mine := seedNotifications(t, gdb, "bao.yin", 7)
		seedNotifications(t, gdb, "wu.gang", 3)
		tok := h.token("bao.yin")

		// Three pages of 3, 3 and 1, newest first, then no cursor.
		var got []int64
		cursor, pages := "", 0
		for {
			path := "/api/v1/notifications?limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			r := h.do("GET", path, tok, nil)
			if r.status != http.StatusOK {
				t.Fatalf("page %d: %d %s", pages, r.status, r.body)
			}
			var page notificationPage
			r.json(t, &page)
			pages++
			for _, n := range page.Items {
				if n.OfficialID != "bao.yin" {
					t.Fatalf("bao.yin sees %s's notification %d", n.OfficialID, n.ID)
				}
				got = append(got, n.ID)
			}
			if page.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			cursor = page.NextCursor
		}
		if pages != 3 || len(got) != 7 {
			t.Fatalf("%d pages, %d items: %v", pages, len(got), got)
		}
		for i := range got {
			if got[i] != mine[len(mine)-1-i] {
				t.Fatalf("order %v, want the reverse of %v", got, mine)
			}
		}
		// An exact fit ends without a cursor; an empty inbox is an empty list.
		r := h.do("GET", "/api/v1/notifications?limit=7", tok, nil)
		var page notificationPage
		r.json(t, &page)
		if len(page.Items) != 7 || page.NextCursor != "" || strings.Contains(string(r.body), "next_cursor") {
			t.Fatalf("exact fit: %s", r.body)
		}
		r = h.do("GET", "/api/v1/notifications", h.token("admin"), nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"items":[]`) {
			t.Fatalf("empty inbox: %d %s", r.status, r.body)
		}
		// The internal delivery fields are not shown.
		for _, hidden := range []string{"dedup_key", "attempts", "next_attempt_at", "last_error"} {
			if strings.Contains(string(r.body), hidden) {
				t.Errorf("response shows %s", hidden)
			}
		}

		for _, c := range []struct{ query, field string }{
			{"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=x", "limit"},
			{"cursor=%21%21", "cursor"}, {"cursor=" + encodeCursor(map[string]any{"id": -1}), "cursor"},
			{"unread=yes", "unread"},
		} {
			r := h.do("GET", "/api/v1/notifications?"+c.query, tok, nil)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", c.query, r.status, r.body)
			}
			if p := r.problem(t); len(p.Errors) == 0 || p.Errors[0].Field != c.field {
				t.Fatalf("%s: errors %+v do not name %s", c.query, p.Errors, c.field)
			}
		}
		if r := h.do("GET", "/api/v1/notifications", "", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("without a token: %d", r.status)
		}
	})
}

func TestMarkNotificationRead(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		mine := seedNotifications(t, gdb, "bao.yin", 3)
		theirs := seedNotifications(t, gdb, "wu.gang", 1)
		tok := h.token("bao.yin")
		path := fmt.Sprintf("/api/v1/notifications/%d/read", mine[1])

		r := h.do("POST", path, tok, nil)
		if r.status != http.StatusOK {
			t.Fatalf("mark read: %d %s", r.status, r.body)
		}
		var first schemas.Notification
		r.json(t, &first)
		if first.ID != mine[1] || first.ReadAt == nil || first.Title != "催办通知 1" {
			t.Fatalf("marked: %s", r.body)
		}
		time.Sleep(5 * time.Millisecond)
		r = h.do("POST", path, tok, nil)
		var again schemas.Notification
		r.json(t, &again)
		if r.status != http.StatusOK || again.ReadAt == nil || !again.ReadAt.Equal(*first.ReadAt) {
			t.Fatalf("second mark changed read_at: %v -> %s", first.ReadAt, r.body)
		}

		// unread=true leaves out the one read.
		r = h.do("GET", "/api/v1/notifications?unread=true", tok, nil)
		var page notificationPage
		r.json(t, &page)
		if len(page.Items) != 2 || page.Items[0].ID != mine[2] || page.Items[1].ID != mine[0] {
			t.Fatalf("unread: %s", r.body)
		}
		r = h.do("GET", "/api/v1/notifications?unread=false", tok, nil)
		r.json(t, &page)
		if len(page.Items) != 3 {
			t.Fatalf("unread=false: %s", r.body)
		}

		// Someone else's notification, and one that does not exist, are both 404.
		for _, id := range []int64{theirs[0], 999999} {
			r := h.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), tok, nil)
			if r.status != http.StatusNotFound {
				t.Fatalf("notification %d: %d %s", id, r.status, r.body)
			}
			r.problem(t)
		}
		var other schemas.Notification
		if err := gdb.First(&other, theirs[0]).Error; err != nil || other.ReadAt != nil {
			t.Fatalf("wu.gang's notification was marked read by bao.yin: %+v %v", other, err)
		}
		for _, bad := range []string{"abc", "0", "-3", "99999999999999999999"} {
			r := h.do("POST", "/api/v1/notifications/"+bad+"/read", tok, nil)
			if r.status != http.StatusUnprocessableEntity || r.problem(t).Errors[0].Field != "id" {
				t.Fatalf("id %q: %d %s", bad, r.status, r.body)
			}
		}
	})
}
