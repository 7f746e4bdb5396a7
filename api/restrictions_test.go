package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPublicityStartRefusesRestricted: putting up a cadre in an influence period for promotion
// is refused with 409, naming the candidate's field and the restriction's end; once the period
// has ended (or is lifted), the same start is not refused for it.
func TestPublicityStartRefusesRestricted(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		now := time.Now().UTC()
		row := schemas.Restriction{
			ID: "admonishment-2026-0007/" + schemas.RestrictionNoPromotion, OfficialID: "batu", Kind: schemas.RestrictionNoPromotion,
			CaseID: "admonishment-2026-0007", Reason: "诫勉影响期", StartsAt: now.AddDate(0, -1, 0), EndsAt: now.AddDate(0, 5, 0), CreatedAt: now,
		}
		if err := gdb.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
		start := map[string]any{"title": "关于巴图、张三同志任职前公示", "candidates": []map[string]any{
			{"name": "张三", "current_post": "副局长", "proposed_post": "局长"},
			{"name": "巴图", "current_post": "副局长", "proposed_post": "局长", "official_id": "batu"},
		}}
		r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), start)
		p := r.problem(t)
		if r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "candidates[1].official_id" ||
			!strings.Contains(p.Errors[0].Message, "admonishment-2026-0007") || !strings.Contains(p.Errors[0].Message, "巴图") {
			t.Fatalf("restricted candidate: %d %s", r.status, r.body)
		}
		var n int64
		gdb.Model(&schemas.Case{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d cases after a refused start", n)
		}
		// Lifted: no longer a conflict (Temporal is absent here, so the start itself fails later).
		if err := gdb.Model(&row).Update("lifted_at", now).Error; err != nil {
			t.Fatal(err)
		}
		if r := h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), start); r.status == http.StatusConflict {
			t.Fatalf("lifted restriction still refused: %d %s", r.status, r.body)
		}
	})
}
