package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPreAppointmentStartRefusals: the start answers before anything starts — 403 for a role
// that may not start it, 422 naming each bad field (no candidates, too many, one named twice,
// one unknown, one outside the department's jurisdiction, no proposed post), and 422 naming a
// candidate's unit without a principal to sign the 廉洁自律 opinion. No case row is written.
func TestPreAppointmentStartRefusals(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		cand := func(id, post string) map[string]any { return map[string]any{"official_id": id, "proposed_post": post} }
		start := func(official string, cands ...map[string]any) response {
			return h.do("POST", "/api/v1/cases/pre-appointment", h.token(official), map[string]any{"candidates": cands})
		}
		if r := start("ma.lin", cand("batu", "副局长")); r.status != http.StatusForbidden {
			t.Fatalf("investigator: %d %s", r.status, r.body)
		}
		many := make([]map[string]any, schemas.MaxPreAppointmentCandidates+1)
		for i := range many {
			many[i] = cand(fmt.Sprintf("x%d", i), "副局长")
		}
		for _, tc := range []struct {
			name   string
			cands  []map[string]any
			fields []string
		}{
			{"none", nil, []string{"candidates"}},
			{"too many", many, nil},
			{"twice", []map[string]any{cand("batu", "副局长"), cand("batu", "局长")}, []string{"candidates[1].official_id"}},
			{"unknown and no post", []map[string]any{cand("nobody", ""), cand("batu", "副局长")}, []string{"candidates[0].official_id", "candidates[0].proposed_post"}},
			{"outside the jurisdiction", []map[string]any{cand("zhou.qiang", "副局长")}, []string{"candidates[0].official_id"}},
		} {
			r := start("bao.yin", tc.cands...)
			p := r.problem(t)
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Field)
			}
			if r.status != http.StatusUnprocessableEntity || (tc.fields != nil && strings.Join(got, " ") != strings.Join(tc.fields, " ")) ||
				(tc.fields == nil && !slices.Contains(got, "candidates")) {
				t.Errorf("%s: %d fields %v, want %v", tc.name, r.status, got, tc.fields)
			}
		}
		// The unit's principal signs the 廉洁自律 opinion: without one, the start is refused.
		if err := gdb.Model(&schemas.Official{}).Where("id = ?", "zheng.yi").Update("disabled", true).Error; err != nil {
			t.Fatal(err)
		}
		r := start("wu.gang", cand("batu", "副局长"))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 ||
			!strings.Contains(p.Errors[0].Message, "150100-jyj") || !strings.Contains(p.Errors[0].Message, "unit_principal") {
			t.Fatalf("unit without a principal: %d %s", r.status, r.body)
		}
		var cases int64
		gdb.Model(&schemas.Case{}).Where("kind = ?", schemas.KindPreAppointment).Count(&cases)
		if cases != 0 {
			t.Fatalf("%d cases written", cases)
		}
	})
}
