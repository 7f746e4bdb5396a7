package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// inspectionLevel is who runs and does a joint inspection at one level of the demo tree.
type inspectionLevel struct {
	name, supervisor, leader, inspected, hr, establishment string
}

var inspectionLevels = []inspectionLevel{
	{"region", "wang.jian", "zhao.min", "dong.ming", "fang.zhi", "cao.ning"},
	{"city", "bao.yin", "chen.jing", "zheng.yi", "liu.yang", "tian.yu"},
	{"county", "hu.jun", "guo.hong", "han.bo", "tang.li", "feng.yu"},
}

// TestJointInspectionLevelsAndCancellationEndToEnd starts a joint inspection from the region,
// a city and a county (the demo tree has every body at each), sees each check reach its own
// level's officials, refuses a second inspection of the same leader and period and an absurd
// period, lets the city's 进人 check run late until its 督办 opens at the region, then cancels
// the cases (two over HTTP, one in Temporal): every holder of a withdrawn task (the region's
// supervisor holding the 督办 among them) is told who cancelled and why, and in Temporal each
// case and its checks end alike (Completed after cancel-case, Canceled after Temporal).
func TestJointInspectionLevelsAndCancellationEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		ids := map[string]string{}
		for _, lv := range inspectionLevels {
			r := h.do("POST", "/api/v1/cases/joint-inspection", h.token(lv.supervisor),
				map[string]any{"leader_id": lv.inspected, "period_from": "2024-01-01", "period_to": "2026-06-30"}, "Idempotency-Key", lv.name+"-start")
			if r.status != http.StatusCreated {
				t.Fatalf("%s: start: %d %s", lv.name, r.status, r.body)
			}
			var started StartedCase
			r.json(t, &started)
			ids[lv.name] = started.ID
		}
		city := ids["city"]
		// A retried start (same Idempotency-Key) is the same case, not a conflict with itself.
		retry := map[string]any{"leader_id": "zheng.yi", "period_from": "2024-01-01", "period_to": "2026-06-30"}
		r0 := h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"), retry, "Idempotency-Key", "city-start")
		var again StartedCase
		if r0.json(t, &again); r0.status != http.StatusCreated || again.ID != city {
			t.Fatalf("retried start: %d %s, want %s", r0.status, r0.body, city)
		}
		// One open inspection per leader and period; periods within bounds.
		r := h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"),
			map[string]any{"leader_id": "zheng.yi", "period_from": "2025-01-01", "period_to": "2025-12-31"})
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), city) {
			t.Fatalf("second inspection of the same leader and period: %d %s", r.status, r.body)
		}
		// With a key of its own, the claim made once the case is numbered refuses it too.
		r = h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"),
			map[string]any{"leader_id": "zheng.yi", "period_from": "2026-01-01", "period_to": "2026-03-31"}, "Idempotency-Key", "city-second")
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), city) {
			t.Fatalf("second keyed inspection of the same leader and period: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/v1/cases/joint-inspection", h.token("bao.yin"),
			map[string]any{"leader_id": "zheng.yi", "period_from": "1980-01-01", "period_to": "2999-12-31"})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 2 {
			t.Fatalf("absurd period: %d %s", r.status, r.body)
		}

		for _, lv := range inspectionLevels {
			id := ids[lv.name]
			h.complete(lv.inspected, h.waitTask(lv.inspected, id+".self-inspection").ID,
				map[string]any{"decision": "submit", "form": map[string]any{"report": "自查报告"}})
			for area, who := range map[schemas.CheckArea]string{schemas.CheckYongren: lv.supervisor, schemas.CheckJinren: lv.hr, schemas.CheckYongbian: lv.establishment} {
				h.waitTask(who, id+".check-"+string(area))
			}
		}
		// The city's checks run late: the overdue notice goes to the city's supervisors, the
		// 督办 one level up, to the region's.
		duban := h.waitTaskFor(90*time.Second, "wang.jian", city+".check-jinren-duban")
		if duban.OrgUnitID != "150000" {
			t.Fatalf("督办 at %s", duban.OrgUnitID)
		}

		// The region and the city cancel over HTTP; the county's case is cancelled in Temporal.
		for _, lv := range inspectionLevels {
			id := ids[lv.name]
			if lv.name == "county" {
				if err := dev.Client().CancelWorkflow(context.Background(), id, ""); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if r := h.do("POST", "/api/v1/cases/"+id+"/cancel", h.token(lv.leader), map[string]any{"reason": "被检查人已调离（" + lv.name + "）"}); r.status != http.StatusOK {
				t.Fatalf("%s: cancel: %d %s", lv.name, r.status, r.body)
			}
		}
		for _, lv := range inspectionLevels {
			id := ids[lv.name]
			var who, why string
			gdb.Model(&schemas.Official{}).Where("id = ?", lv.leader).Pluck("name", &who)
			why, end := "被检查人已调离（"+lv.name+"）", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
			if lv.name == "county" {
				who, why, end = "Temporal", "三责联检案件已撤销", enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
			}
			holders := map[string]string{lv.hr: id + ".check-jinren", lv.establishment: id + ".check-yongbian", lv.supervisor: id + ".check-yongren"}
			if lv.name == "city" {
				holders["wang.jian"] = city + ".check-jinren-duban"
			}
			for holder, task := range holders {
				var seen []schemas.Notification
				defer func() {
					if t.Failed() {
						for _, n := range seen {
							t.Logf("%s: %s %s %s", holder, n.TaskID, n.Title, n.Body)
						}
					}
				}()
				waitFor(t, 60*time.Second, holder+" told of the withdrawal of "+task, func() bool {
					var list struct {
						Items []schemas.Notification `json:"items"`
					}
					h.do("GET", "/api/v1/notifications?limit=100", h.token(holder), nil).json(t, &list)
					seen = list.Items
					for _, n := range list.Items {
						if n.TaskID == task && strings.HasPrefix(n.Title, "任务已撤销") &&
							strings.Contains(n.Body, why) && strings.Contains(n.Body, who) {
							return true
						}
					}
					return false
				})
			}
			// The case and its checks end alike in Temporal: Completed after cancel-case,
			// Canceled after a cancellation in Temporal.
			workflowIDs := []string{id}
			for _, a := range schemas.CheckAreas {
				workflowIDs = append(workflowIDs, schemas.JointInspectionCheckID(id, a))
			}
			for _, wid := range workflowIDs {
				waitFor(t, 60*time.Second, wid+" "+end.String(), func() bool {
					d, err := dev.Client().DescribeWorkflow(context.Background(), wid, "")
					return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == end
				})
			}
		}
	})
}

// waitTaskFor polls the official's inbox until the task is there, for up to timeout.
func (h *harness) waitTaskFor(timeout time.Duration, official, taskID string) TaskResponse {
	h.t.Helper()
	var found TaskResponse
	waitFor(h.t, timeout, official+" sees "+taskID, func() bool {
		r := h.do("GET", "/api/v1/tasks/"+taskID, h.token(official), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &found)
		return found.Status == schemas.TaskOpen
	})
	return found
}
