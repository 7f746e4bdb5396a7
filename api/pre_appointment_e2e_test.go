package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPreAppointmentEndToEnd drives a two-candidate pre-appointment check (P10) over real
// HTTP against a real Temporal dev server and worker, on each database. Each candidate's
// personal-matters check runs as a linked P8 case: 巴图's ends 瞒报 (approved by the leader),
// so the consolidation refuses 通过 and accepts 不宜; 娜仁 is clean everywhere and passes.
func TestPreAppointmentEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		id := h.start("wu.gang", "/api/v1/cases/pre-appointment", map[string]any{"candidates": []map[string]any{
			{"official_id": "batu", "proposed_post": "市教育局局长"},
			{"official_id": "na.ren", "proposed_post": "市教育局副局长"},
		}})
		if !strings.HasPrefix(id, "pre-appointment-") {
			t.Fatalf("started %s", id)
		}
		checkA, checkB := mattersCaseID(h, id, "c1"), mattersCaseID(h, id, "c2")
		if !strings.HasPrefix(checkA, "matters-check-") || !strings.HasPrefix(checkB, "matters-check-") || checkA == checkB {
			t.Fatalf("personal-matters checks %q %q", checkA, checkB)
		}

		for _, c := range []string{"c1", "c2"} {
			h.complete("wu.gang", h.waitTask("wu.gang", id+"."+c+"-file").ID, map[string]any{"decision": schemas.FileClean})
			h.complete("gao.feng", h.waitTask("gao.feng", id+"."+c+"-discipline").ID, map[string]any{"decision": schemas.DisciplineOK})
		}
		for _, check := range []string{checkA, checkB} {
			for _, ag := range schemas.MattersAgencies {
				h.complete("ma.lin", h.waitTask("ma.lin", check+".agency-"+ag.Key).ID,
					map[string]any{"decision": "submit", "form": map[string]any{"reply": "已反馈"}})
			}
		}
		h.complete("ma.lin", h.waitTask("ma.lin", checkB+".compare").ID, map[string]any{"decision": string(schemas.FindingConsistent)})
		h.complete("ma.lin", h.waitTask("ma.lin", checkA+".compare").ID, map[string]any{"decision": "mismatch",
			"form": map[string]any{"differences": "未报告持有的企业股权"}})
		h.complete("batu", h.waitTask("batu", checkA+".explain").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"explanation": "忘记报告。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", checkA+".propose-1").ID, map[string]any{"decision": string(schemas.FindingConcealed),
			"form": map[string]any{"opinion": "隐瞒持股，认定瞒报", "handling": "取消考察对象资格"}})
		h.complete("chen.jing", h.waitTask("chen.jing", checkA+".approve-1").ID, map[string]any{"decision": "approve"})

		// Both integrity opinions reach the candidates' unit principal's inbox.
		integrity := []string{id + ".c1-integrity", id + ".c2-integrity"}
		for _, task := range integrity {
			h.waitTask("zheng.yi", task)
		}
		var inbox struct{ Items []TaskResponse }
		r := h.do("GET", "/api/v1/tasks", h.token("zheng.yi"), nil)
		r.json(t, &inbox)
		var listed []string
		for _, it := range inbox.Items {
			listed = append(listed, it.ID)
		}
		if r.status != http.StatusOK || !slices.Contains(listed, integrity[0]) || !slices.Contains(listed, integrity[1]) {
			t.Fatalf("unit principal's inbox: %d %v", r.status, listed)
		}
		for _, task := range integrity {
			h.complete("zheng.yi", task, map[string]any{"decision": "sign", "form": map[string]any{
				"opinion": "该同志廉洁自律情况良好。", "secretary": "郑毅", "discipline_secretary": "任杰"}})
		}

		decideA := h.waitTask("bao.yin", id+".c1-decide")
		r = h.do("POST", "/api/v1/tasks/"+decideA.ID+"/complete", h.token("bao.yin"), map[string]any{"decision": schemas.PrePass})
		if p := r.problem(t); r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "decision" ||
			!strings.Contains(string(r.body), "瞒报") {
			t.Fatalf("通过 for a concealing candidate: %d %s", r.status, r.body)
		}
		var still TaskResponse
		r = h.do("GET", "/api/v1/tasks/"+decideA.ID, h.token("bao.yin"), nil)
		r.json(t, &still)
		if still.Status != schemas.TaskOpen {
			t.Fatalf("a refused 通过 changed the task: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", decideA.ID, map[string]any{"decision": schemas.PreUnfit, "form": map[string]any{"reason": "个人有关事项认定瞒报"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".c2-decide").ID, map[string]any{"decision": schemas.PrePass})

		got := h.waitCase(id, schemas.CaseClosed)
		pa := got.State.PreAppointment
		if pa == nil || len(pa.Candidates) != 2 || got.State.Outcome != "巴图：不宜；娜仁：通过" {
			t.Fatalf("closed case: %q %+v", got.State.Outcome, pa)
		}
		a, b := pa.Candidates[0], pa.Candidates[1]
		if a.OfficialID != "batu" || a.Decision != schemas.PreUnfit || len(a.Bars) != 1 ||
			b.OfficialID != "na.ren" || b.Decision != schemas.PrePass || len(b.Bars) != 0 {
			t.Fatalf("decisions: %+v %+v", a, b)
		}
		if m := preCheck(a, schemas.PreCheckMatters); m.Status != preCheckDone || m.Result != string(schemas.FindingConcealed) || !m.Blocking || m.CaseID != checkA {
			t.Fatalf("巴图's personal-matters check: %+v", m)
		}
		for _, cs := range []*schemas.PreAppointmentCandidateState{a, b} {
			for _, c := range cs.Checks {
				if c.Status != preCheckDone || (cs == b && (!c.Clean || c.Blocking)) || (cs == a && c.Check != schemas.PreCheckMatters && !c.Clean) {
					t.Fatalf("%s's %s check: %+v", cs.Name, c.Check, c)
				}
			}
		}
		if m := h.waitCase(checkA, schemas.CaseClosed).State.MattersCheck; m == nil || m.Finding != schemas.FindingConcealed {
			t.Fatalf("巴图's check: %+v", m)
		}
		if m := h.waitCase(checkB, schemas.CaseClosed).State.MattersCheck; m == nil || m.Finding != schemas.FindingConsistent {
			t.Fatalf("娜仁's check: %+v", m)
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("audit trail: %+v %v", rep, err)
		}

		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
		recordPartHistory(t, bin, dev.FrontendHostPort(), schemas.KindPreAppointment, "matters-concealed", checkA)
		recordPartHistory(t, bin, dev.FrontendHostPort(), schemas.KindPreAppointment, "matters-consistent", checkB)
	})
}

// mattersCaseID waits until the candidate's personal-matters check has its case, and answers it.
func mattersCaseID(h *harness, id, candidate string) string {
	h.t.Helper()
	var caseID string
	waitFor(h.t, 60*time.Second, id+" links "+candidate+"'s personal-matters check", func() bool {
		var got CaseResponse
		r := h.do("GET", "/api/v1/cases/"+id, h.token("wu.gang"), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &got)
		if got.State.PreAppointment == nil {
			return false
		}
		for _, cs := range got.State.PreAppointment.Candidates {
			if cs.ID == candidate {
				caseID = preCheck(cs, schemas.PreCheckMatters).CaseID
			}
		}
		return caseID != ""
	})
	return caseID
}

// preCheck is the candidate's result of one check.
func preCheck(cs *schemas.PreAppointmentCandidateState, name string) schemas.PreCheckResult {
	for _, c := range cs.Checks {
		if c.Check == name {
			return c
		}
	}
	return schemas.PreCheckResult{}
}

const preCheckDone = "done"
