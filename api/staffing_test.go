package api

import (
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestStartRefusesUnstaffedBodies: with the county's HR bureau emptied of its hr official and
// its head, a joint inspection from the county answers 422 naming the bureau and its missing
// role, and the root office's admin is told once of each gap (the head's too), however often
// the start is tried. An audit office without its head refuses a departure audit likewise.
func TestStartRefusesUnstaffedBodies(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		if err := gdb.Model(&schemas.Official{}).Where("id IN ?", []string{"tang.li", "xie.hui", "song.wei"}).Update("disabled", true).Error; err != nil {
			t.Fatal(err)
		}
		for range 2 {
			r := h.do("POST", "/api/v1/cases/joint-inspection", h.token("hu.jun"),
				map[string]any{"leader_id": "han.bo", "period_from": "2024-01-01", "period_to": "2026-06-30"})
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 ||
				!strings.Contains(p.Errors[0].Message, "150121-rs") || !strings.Contains(p.Errors[0].Message, "hr") {
				t.Fatalf("start at an unstaffed HR bureau: %d %s", r.status, r.body)
			}
		}
		var keys []string
		gdb.Model(&schemas.Notification{}).Where("official_id = ? AND dedup_key LIKE ?", "admin", "config-gap/%").Order("dedup_key").Pluck("dedup_key", &keys)
		if want := []string{"config-gap/150121-rs/hr/admin", "config-gap/150121-rs/unit_principal/admin"}; strings.Join(keys, " ") != strings.Join(want, " ") {
			t.Fatalf("admin told %v, want %v", keys, want)
		}
		r := h.do("POST", "/api/v1/cases/departure-audit", h.token("hu.jun"), map[string]any{
			"cadre_id": "wuyun", "post": "副局长", "departure_date": "2026-11-30", "successor_id": "han.bo"})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "150121-sj") {
			t.Fatalf("departure audit at an audit office without its head: %d %s", r.status, r.body)
		}
	})
}
