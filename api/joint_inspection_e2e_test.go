package api

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestJointInspectionEndToEnd drives a joint inspection over real HTTP to its close; the
// three checks' tasks live in child workflows and are completed through the same task API.
func TestJointInspectionEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)

		start := map[string]any{"leader_id": "zheng.yi", "period_from": "2024-01-01", "period_to": "2026-06-30"}
		if r := h.do("POST", "/api/v1/cases/joint-inspection", h.token("wu.gang"), start); r.status != http.StatusForbidden {
			t.Fatalf("cadre section opens an inspection: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"), map[string]any{"leader_id": "batu", "period_from": "2026-06-30", "period_to": "2024-01-01"}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad inspection: %d %s", r.status, r.body)
		}
		r := h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"), start)
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		var started StartedCase
		r.json(t, &started)
		id := started.ID

		h.complete("zheng.yi", h.waitTask("zheng.yi", id+".self-inspection").ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "自查报告"}})
		checks := map[schemas.CheckArea]string{schemas.CheckYongren: "bao.yin", schemas.CheckJinren: "liu.yang", schemas.CheckYongbian: "tian.yu"}
		for _, a := range schemas.CheckAreas {
			task := h.waitTask(checks[a], id+".check-"+string(a))
			if task.WorkflowID != schemas.JointInspectionCheckID(id, a) {
				t.Fatalf("check task %s lives in %q", task.ID, task.WorkflowID)
			}
			// Another office's checker may not complete it.
			if r := h.do("POST", "/api/v1/tasks/"+task.ID+"/complete", h.token("tian.yu"), map[string]any{"decision": "no_issues", "form": map[string]any{"report": "x"}}); a != schemas.CheckYongbian && r.status != http.StatusNotFound {
				t.Fatalf("other office completes %s: %d %s", task.ID, r.status, r.body)
			}
			form := map[string]any{"report": a.Title() + "情况"}
			decision := "no_issues"
			if a == schemas.CheckJinren {
				decision, form["findings"] = "issues", "违规进人1名"
			}
			h.complete(checks[a], task.ID, map[string]any{"decision": decision, "form": form})
		}
		h.complete("bao.yin", h.waitTask("bao.yin", id+".consolidate-1").ID,
			map[string]any{"decision": "issues", "form": map[string]any{"report": "检查报告", "findings": "违规进人1名"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})
		h.complete("zheng.yi", h.waitTask("zheng.yi", id+".acknowledge").ID, map[string]any{"decision": "acknowledge"})
		h.complete("zheng.yi", h.waitTask("zheng.yi", id+".rectify-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "已清退"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".rectify-check-1").ID, map[string]any{"decision": "accept"})

		got := h.waitCase(id, schemas.CaseClosed)
		ji := got.State.JointInspection
		if got.State.Outcome != "检查发现问题，整改到位" || ji == nil || len(ji.Checks) != 3 || ji.Checks[1].Decision != "issues" {
			t.Fatalf("closed case: outcome %q state %+v", got.State.Outcome, ji)
		}
		var trail AuditResponse
		h.do("GET", "/api/v1/cases/"+id+"/audit", h.token("bao.yin"), nil).json(t, &trail)
		if !trail.Verified || len(trail.Events) != len(got.Timeline) {
			t.Fatalf("audit: verified %v, %d events", trail.Verified, len(trail.Events))
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("whole audit trail: %+v %v", rep, err)
		}
		// The case and its three checks are found together in the Temporal UI.
		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "temporal workflow list finds the case and its checks", func() bool {
			out, _ := exec.Command(bin, "workflow", "list", "--address", dev.FrontendHostPort(), "--query", "CaseNo='"+id+"'").CombinedOutput()
			return strings.Count(string(out), id) >= 4
		})
		recordHistory(t, bin, dev.FrontendHostPort(), id)
		for _, a := range schemas.CheckAreas {
			recordPartHistory(t, bin, dev.FrontendHostPort(), schemas.KindJointInspection, string(a), schemas.JointInspectionCheckID(id, a))
		}
	})
}
