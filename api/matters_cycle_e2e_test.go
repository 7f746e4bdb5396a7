package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/spotcheck"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestMattersCycleEndToEnd drives a small annual personal-matters cycle over real HTTP against
// a real Temporal dev server and worker, on each database: the Hohhot department's cycle for
// 2026 (reports due 31 January 2027: with the test's time scale that deadline is a minute
// away, so nothing is faked), 巴图 reports, 娜仁's report is returned as incomplete and
// completed; as soon as both are complete the draw (50%: one of the bureau's two) starts a
// random check; the draw route shows the seed and redoes the draw, and says so when the
// recorded draw has been altered.
func TestMattersCycleEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		const route = "/api/v1/cases/matters-cycle"
		if r := h.do("POST", route, h.token("wu.gang"), map[string]any{"year": "2026"}); r.status != http.StatusForbidden {
			t.Fatalf("cadre section starts: %d %s", r.status, r.body)
		}
		for field, bad := range map[string]map[string]any{
			"percent": {"year": "2026", "percent": "0"},
			"year":    {"year": "2999"},
		} {
			r := h.do("POST", route, h.token("bao.yin"), bad)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Fatalf("bad %s: %d %s", field, r.status, r.body)
			}
		}
		id := h.start("bao.yin", route, map[string]any{"year": "2026", "percent": "50"})
		if !strings.HasPrefix(id, "matters-cycle-") {
			t.Fatalf("started %s", id)
		}
		// The round of 2026 has its case (cycles.Claim): a second start answers it (200).
		r := h.do("POST", route, h.token("bao.yin"), map[string]any{"year": "2026", "percent": "20"})
		var same StartedCase
		if r.json(t, &same); r.status != http.StatusOK || same.ID != id {
			t.Fatalf("second start of the round: %d %s", r.status, r.body)
		}
		report := map[string]any{"decision": "submit", "form": map[string]any{"report": "本人婚姻无变化；房产一套；无投资。"}}

		batuTask := h.waitTask("batu", id+".report-batu")
		if batuTask.AssigneeID == nil || *batuTask.AssigneeID != "batu" || batuTask.Step != "submit_matters_report" {
			t.Fatalf("report task %+v", batuTask)
		}
		// A cadre on the roster is a subject of the cycle: another cadre's report is not theirs.
		naren := h.waitTask("na.ren", id+".report-na.ren")
		if r := h.do("POST", "/api/v1/tasks/"+naren.ID+"/complete", h.token("batu"), report); r.status != http.StatusNotFound {
			t.Fatalf("巴图 completes 娜仁's report: %d %s", r.status, r.body)
		}
		h.complete("batu", batuTask.ID, report)
		h.complete("bao.yin", h.waitTask("bao.yin", id+".review-batu-1").ID, map[string]any{"decision": "complete"})
		h.complete("na.ren", naren.ID, report)
		h.complete("bao.yin", h.waitTask("bao.yin", id+".review-na.ren-1").ID,
			map[string]any{"decision": "incomplete", "form": map[string]any{"missing": "房产面积未填写"}})
		h.complete("na.ren", h.waitTask("na.ren", id+".report-na.ren-2").ID, report)
		h.complete("bao.yin", h.waitTask("bao.yin", id+".review-na.ren-2").ID, map[string]any{"decision": "complete"})

		got := h.waitCase(id, schemas.CaseClosed)
		mc := got.State.MattersCycle
		if mc == nil || mc.Year != 2026 || mc.Percent != 50 || mc.ReportDue != "2027-01-31" || len(mc.Reports) != 2 || mc.Draw == nil {
			t.Fatalf("cycle state %+v", mc)
		}
		d := mc.Draw
		if len(d.Units) != 1 || d.Units[0].UnitID != "150100-jyj" || len(d.Units[0].Drawn) != 1 || d.Seed == "" {
			t.Fatalf("draw %+v", d)
		}
		again, _ := spotcheck.Select(d.Seed, "150100-jyj", []string{"batu", "na.ren"}, 50)
		if !slices.Equal(again.Drawn, d.Units[0].Drawn) {
			t.Fatalf("the seed gives %v, recorded %v", again.Drawn, d.Units[0].Drawn)
		}
		var check string
		for _, rep := range mc.Reports {
			if rep.Status != schemas.ReportComplete {
				t.Errorf("report %+v", rep)
			}
			if rep.ID == d.Units[0].Drawn[0] {
				check = rep.CheckCaseID
			} else if rep.CheckCaseID != "" {
				t.Errorf("%s not drawn but checked", rep.ID)
			}
		}
		if !strings.HasPrefix(check, "matters-check-") {
			t.Fatalf("drawn cadre's check %q", check)
		}
		// The drawn cadre's random check runs on its own: its agency queries are open.
		h.waitTask("ma.lin", check+".agency-exit-entry")

		var draw MattersDrawResponse
		r = h.do("GET", "/api/v1/cases/"+id+"/matters-draw", h.token("bao.yin"), nil)
		r.json(t, &draw)
		if r.status != http.StatusOK || !draw.Verified || !draw.AuditVerified || draw.Seed != d.Seed || len(draw.Units) != 1 ||
			!draw.Units[0].Verified || draw.Units[0].Count != 1 || !slices.Equal(draw.Units[0].Drawn, d.Units[0].Drawn) {
			t.Fatalf("draw route: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/api/v1/cases/"+id+"/matters-draw", h.token("batu"), nil); r.status == http.StatusOK {
			t.Fatalf("a cadre on the roster reads the draw: %s", r.body)
		}
		if r := h.do("GET", "/api/v1/cases/"+check+"/matters-draw", h.token("bao.yin"), nil); r.status != http.StatusNotFound {
			t.Fatalf("draw of a check: %d %s", r.status, r.body)
		}

		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
		// 娜仁's report part: a report, a return, a second report, two reviews.
		recordPartHistory(t, bin, dev.FrontendHostPort(), schemas.KindMattersCycle, "report", schemas.MattersCycleReportID(id, "na.ren"))

		// Someone with database access swaps the drawn cadre: the draw no longer redoes.
		other := "batu"
		if d.Units[0].Drawn[0] == "batu" {
			other = "na.ren"
		}
		var ev schemas.AuditEvent
		if err := gdb.Where("case_id = ? AND action = ?", id, "matters.draw").First(&ev).Error; err != nil {
			t.Fatal(err)
		}
		forged := strings.Replace(ev.Detail, `"drawn":["`+d.Units[0].Drawn[0]+`"]`, `"drawn":["`+other+`"]`, 1)
		if forged == ev.Detail {
			t.Fatalf("detail %s", ev.Detail)
		}
		if err := gdb.Model(&schemas.AuditEvent{}).Where("id = ?", ev.ID).Update("detail", forged).Error; err != nil {
			t.Fatal(err)
		}
		r = h.do("GET", "/api/v1/cases/"+id+"/matters-draw", h.token("bao.yin"), nil)
		r.json(t, &draw)
		if r.status != http.StatusOK || draw.Verified || draw.AuditVerified || draw.Units[0].Verified {
			t.Fatalf("forged draw: %d %s", r.status, r.body)
		}
	})
}
