package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestMattersCheckEndToEnd drives a targeted personal-matters check over real HTTP against a
// real Temporal dev server and worker, on each database: the agencies answer, the comparison
// finds a mismatch, the cadre explains on their own task, the leader approves a 瞒报 finding;
// then the cadre's restrictions show the bar, and a publicity naming them is refused.
func TestMattersCheckEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		const route = "/api/v1/cases/matters-check"
		start := map[string]any{"cadre_id": "batu", "reason": "promotion", "year": "2025", "grounds": "拟提拔为市教育局局长"}

		if r := h.do("POST", route, h.token("wu.gang"), start); r.status != http.StatusForbidden {
			t.Fatalf("cadre section starts: %d %s", r.status, r.body)
		}
		for field, bad := range map[string]map[string]any{
			"reason": {"cadre_id": "batu", "reason": "random", "grounds": "g"},
			"year":   {"cadre_id": "batu", "reason": "reserve", "grounds": "g", "year": "2099"},
			"source": {"cadre_id": "batu", "reason": "reported", "grounds": "g", "source": "report"},
		} {
			r := h.do("POST", route, h.token("bao.yin"), bad)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Fatalf("bad %s: %d %s", field, r.status, r.body)
			}
		}
		id := h.start("bao.yin", route, start)
		if !strings.HasPrefix(id, "matters-check-") {
			t.Fatalf("started %s", id)
		}

		for _, ag := range schemas.MattersAgencies {
			h.complete("ma.lin", h.waitTask("ma.lin", id+".agency-"+ag.Key).ID,
				map[string]any{"decision": "submit", "form": map[string]any{"reply": "已反馈"}})
		}
		compare := h.waitTask("ma.lin", id+".compare")
		// The cadre is the case's subject: the comparison is not theirs to see.
		if r := h.do("POST", "/api/v1/tasks/"+compare.ID+"/complete", h.token("batu"), map[string]any{"decision": "consistent"}); r.status != http.StatusNotFound {
			t.Fatalf("cadre completes the comparison: %d %s", r.status, r.body)
		}
		h.complete("ma.lin", compare.ID, map[string]any{"decision": "mismatch", "form": map[string]any{"differences": "未报告持有的企业股权"}})

		explain := h.waitTask("batu", id+".explain")
		if explain.AssigneeID == nil || *explain.AssigneeID != "batu" || explain.Step != "explain_mismatch" {
			t.Fatalf("explanation task %+v", explain)
		}
		h.complete("batu", explain.ID, map[string]any{"decision": "submit", "form": map[string]any{"explanation": "忘记报告。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".propose-1").ID, map[string]any{"decision": "concealed",
			"form": map[string]any{"opinion": "隐瞒持股，认定瞒报", "handling": "取消考察对象资格"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})

		got := h.waitCase(id, schemas.CaseClosed)
		m := got.State.MattersCheck
		if m == nil || m.Finding != schemas.FindingConcealed || m.BarUntil == nil || !strings.HasPrefix(got.State.Outcome, "查核结果：瞒报") {
			t.Fatalf("closed check: %q %+v", got.State.Outcome, m)
		}

		var res RestrictionsResponse
		r := h.do("GET", "/api/v1/officials/batu/restrictions", h.token("bao.yin"), nil)
		r.json(t, &res)
		if r.status != http.StatusOK || res.PromotionAllowed || len(res.Restrictions) != 1 || res.Restrictions[0].CaseID != id {
			t.Fatalf("restrictions after 瞒报: %d %s", r.status, r.body)
		}
		publicity := map[string]any{"title": "关于巴图同志任职前公示", "candidates": []map[string]any{
			{"name": "巴图", "current_post": "副局长", "proposed_post": "局长", "official_id": "batu"},
		}}
		r = h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), publicity)
		if p := r.problem(t); r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "candidates[0].official_id" ||
			!strings.Contains(p.Errors[0].Message, id) {
			t.Fatalf("publicity of a concealing cadre: %d %s", r.status, r.body)
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("audit trail: %+v %v", rep, err)
		}

		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
	})
}
