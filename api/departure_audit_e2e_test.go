package api

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestDepartureAuditEndToEnd drives a departure audit over real HTTP to its close: the
// handover, the plan, the notice period (a real timer), fieldwork, one opinion answered and
// one window left to lapse (10 days, about 9 seconds at this scale), discipline clues and a
// verified rectification.
func TestDepartureAuditEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)

		start := map[string]any{"cadre_id": "batu", "post": "副局长", "departure_date": time.Now().In(cst).Format(time.DateOnly), "successor_id": "na.ren"}
		foreign := map[string]any{"org_unit_id": "150100"}
		for k, v := range start {
			foreign[k] = v
		}
		if r := h.do("POST", "/api/v1/cases/departure-audit", h.token("su.he"), foreign); r.status != http.StatusForbidden {
			t.Fatalf("auditor registers a departure: %d %s", r.status, r.body)
		}
		bad := map[string]any{"cadre_id": "batu", "post": "", "departure_date": "2026-13-01", "successor_id": "batu"}
		if r := h.do("POST", "/api/v1/cases/departure-audit", h.token("bao.yin"), bad); r.status != http.StatusUnprocessableEntity || len(r.problem(t).Errors) != 3 {
			t.Fatalf("bad departure: %d %s", r.status, r.body)
		}
		r := h.do("POST", "/api/v1/cases/departure-audit", h.token("bao.yin"), start, "Idempotency-Key", "dep-1")
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		var started StartedCase
		r.json(t, &started)
		id := started.ID
		if !strings.HasPrefix(id, "departure-audit-") || started.Title != "巴图同志离任经济责任审计" {
			t.Fatalf("started %+v", started)
		}

		items := map[string]any{"assets": "办公设备32台", "liabilities": "无", "contracts": "维修合同1份", "projects": "教学楼（在建）", "funds": "专项资金120万元"}
		h.complete("batu", h.waitTask("batu", id+".handover-list").ID, map[string]any{"decision": "submit", "form": items})
		confirmed := map[string]any{"assets": "confirmed", "liabilities": "confirmed", "contracts": "confirmed", "projects": "confirmed", "funds": "confirmed"}
		h.complete("na.ren", h.waitTask("na.ren", id+".handover-confirm-1").ID, map[string]any{"decision": "confirm", "form": confirmed})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".handover-witness").ID, map[string]any{"decision": "sign"})
		h.complete("su.he", h.waitTask("su.he", id+".audit-plan-1").ID,
			map[string]any{"decision": "submit", "form": map[string]any{"plan": "审计实施方案", "scope": "任职期间"}})
		h.complete("qiao.lan", h.waitTask("qiao.lan", id+".audit-approve-1").ID, map[string]any{"decision": "approve"})

		// Fieldwork opens once the notice has been served for 3 working days.
		h.complete("su.he", h.waitTask("su.he", id+".fieldwork").ID, map[string]any{"decision": "submit_draft", "form": map[string]any{"draft_report": "征求意见稿"}})
		h.complete("batu", h.waitTask("batu", id+".opinion-cadre").ID, map[string]any{"decision": "submit", "form": map[string]any{"opinion": "补充说明"}})
		// The unit does not answer: its window lapses, and the final report opens after it.
		report := h.waitTask("su.he", id+".final-report")
		h.complete("su.he", report.ID, map[string]any{"decision": "discipline_clues",
			"form": map[string]any{"report": "审计报告", "findings": "专项资金管理不规范", "clues": "疑似虚列支出"}})
		h.complete("zheng.yi", h.waitTask("zheng.yi", id+".rectify-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "整改报告"}})
		h.complete("su.he", h.waitTask("su.he", id+".rectify-check-1").ID, map[string]any{"decision": "accept"})

		got := h.waitCase(id, schemas.CaseClosed)
		da := got.State.DepartureAudit
		if got.State.Outcome != "审计发现违纪违法问题线索，已移送纪委，整改到位" || da == nil || da.Transfer == nil ||
			len(da.Opinions) != 2 || da.Opinions[0].Lapsed || !da.Opinions[1].Lapsed || da.Opinions[1].By != "system" {
			t.Fatalf("closed case: outcome %q state %+v", got.State.Outcome, da)
		}
		var trail AuditResponse
		h.do("GET", "/api/v1/cases/"+id+"/audit", h.token("bao.yin"), nil).json(t, &trail)
		if !trail.Verified || len(trail.Events) != len(got.Timeline) {
			t.Fatalf("audit: verified %v, %d events", trail.Verified, len(trail.Events))
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("whole audit trail: %+v %v", rep, err)
		}
		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
	})
}

// recordPartHistory saves a part's (child workflow's) history beside its case's, named
// <kind>-<part>-e2e-<dialect>.json, when JIANDU_RECORD_HISTORIES is set.
func recordPartHistory(t *testing.T, bin, address string, kind schemas.CaseKind, part, workflowID string) {
	if os.Getenv("JIANDU_RECORD_HISTORIES") == "" {
		return
	}
	out, err := exec.Command(bin, "workflow", "show", "--address", address, "--workflow-id", workflowID, "--output", "json").Output()
	if err != nil {
		t.Fatalf("workflow show %s: %v", workflowID, err)
	}
	path := filepath.Join("..", "workflows", "testdata", string(kind)+"-"+part+"-e2e-"+filepath.Base(t.Name())+".json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", path)
}
