package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestEvaluationStartRefusals: the start answers before anything starts — 403 for a role that
// may not start it, 422 in Chinese naming each bad field: the period, a cadre named twice, one
// unknown, one outside the department's jurisdiction, no post, a threshold out of range. No
// case row is written.
func TestEvaluationStartRefusals(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		cadre := func(id, post string) map[string]any { return map[string]any{"official_id": id, "post": post} }
		if r := h.do("POST", "/api/v1/cases/evaluation", h.token("zhang.li"), map[string]any{}); r.status != http.StatusForbidden {
			t.Fatalf("investigator: %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			fields []string
			msg    string
		}{
			{"period", map[string]any{"period": "1999"}, []string{"period"}, "评议年度"},
			{"future period", map[string]any{"period": "2999"}, []string{"period"}, "评议年度"},
			{"twice", map[string]any{"cadres": []map[string]any{cadre("han.bo", "局长"), cadre("han.bo", "局长")}}, []string{"cadres[1].official_id"}, "重复"},
			{"unknown and no post", map[string]any{"cadres": []map[string]any{cadre("nobody", "")}}, []string{"cadres[0].post", "cadres[0].official_id"}, "必填"},
			{"outside the jurisdiction", map[string]any{"cadres": []map[string]any{cadre("batu", "副局长")}}, []string{"cadres[0].official_id"}, "管辖范围"},
			{"thresholds", map[string]any{"thresholds": map[string]any{"cadre_unsatisfied": map[string]any{"num": 2, "den": 1}, "drop_points": 101}},
				[]string{"thresholds.cadre_unsatisfied", "thresholds.drop_points"}, "比例"},
		} {
			r := h.do("POST", "/api/v1/cases/evaluation", h.token("hu.jun"), tc.body)
			p := r.problem(t)
			var got []string
			var msgs string
			for _, e := range p.Errors {
				got = append(got, e.Field)
				msgs += e.Message
			}
			slices.Sort(got)
			slices.Sort(tc.fields)
			if r.status != http.StatusUnprocessableEntity || strings.Join(got, " ") != strings.Join(tc.fields, " ") || !strings.Contains(msgs, tc.msg) {
				t.Errorf("%s: %d fields %v (%s), want %v", tc.name, r.status, got, msgs, tc.fields)
			}
		}
		var cases int64
		gdb.Model(&schemas.Case{}).Where("kind = ?", schemas.KindEvaluation).Count(&cases)
		if cases != 0 {
			t.Fatalf("%d cases written", cases)
		}
	})
}
