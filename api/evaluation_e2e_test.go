package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestEvaluationEndToEnd drives a round of 一报告两评议 (P9) of 土默特左旗 (150121) over real
// HTTP against a real Temporal dev server and worker, on each database. The superior office
// is 呼和浩特市 (150100). A tally whose counts pass the forms returned is refused naming the
// field; the accepted tally approves the work at 70% (below 80%) and flags 乌云 (35 of 100
// 不满意): the verification ends in 诫勉, which starts a linked admonishment case, and the
// department's leader plans and carries out the rectification, which the supervisor accepts.
func TestEvaluationEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		id := h.start("hu.jun", "/api/v1/cases/evaluation", map[string]any{"period": "2025", "cadres": []map[string]any{
			{"official_id": "han.bo", "post": "土默特左旗水利局局长"},
			{"official_id": "wuyun", "post": "土默特左旗水利局副局长"},
		}})
		if !strings.HasPrefix(id, "evaluation-") {
			t.Fatalf("started %s", id)
		}
		today := time.Now().In(calendar.Location()).Format("2006-01-02")
		h.complete("bao.yin", h.waitTask("bao.yin", id+".schedule").ID, map[string]any{"decision": "scheduled",
			"form": map[string]any{"date": today, "place": "旗委常委会议室"}})
		h.complete("wang.hai", h.waitTask("wang.hai", id+".report-draft-1").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"report": "2025年度选人用人工作报告"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".report-review-1").ID, map[string]any{"decision": "approve"})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".meeting").ID, map[string]any{"decision": "held",
			"form": map[string]any{"held_on": today}})

		tally := func(returned int, work, c1, c2 [4]int) map[string]any {
			form := map[string]any{schemas.TallyIssuedField: "100", schemas.TallyReturnedField: strconv.Itoa(returned)}
			for i, opt := range schemas.EvaluationOptions {
				form[schemas.TallyField("work", opt)] = strconv.Itoa(work[i])
				form[schemas.TallyField("c1", opt)] = strconv.Itoa(c1[i])
				form[schemas.TallyField("c2", opt)] = strconv.Itoa(c2[i])
			}
			return map[string]any{"decision": "submit", "form": form}
		}
		task := h.waitTask("bao.yin", id+".tally")
		r := h.do("POST", "/api/v1/tasks/"+task.ID+"/complete", h.token("bao.yin"), tally(90, [4]int{50, 20, 30, 0}, [4]int{60, 20, 10, 0}, [4]int{40, 25, 35, 0}))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "form.work_satisfied") ||
			!strings.Contains(string(r.body), "不得多于收回评议表数") || len(p.Errors) == 0 {
			t.Fatalf("tally over the forms returned: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", task.ID, tally(100, [4]int{50, 20, 30, 0}, [4]int{60, 20, 10, 0}, [4]int{40, 25, 35, 0}))

		// 韩博 (c1) is not flagged; 乌云 (c2) is: the superior office's investigator verifies.
		h.complete("ma.lin", h.waitTask("ma.lin", id+".c2-verify").ID, map[string]any{"decision": schemas.EvalAdmonish,
			"form": map[string]any{"findings": "群众反映其工作作风粗暴，经核实属实。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".feedback").ID, map[string]any{"decision": "sent",
			"form": map[string]any{"feedback": "选人用人工作满意度70%，须整改。"}})
		h.complete("guo.hong", h.waitTask("guo.hong", id+".rectify-plan").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"plan": "规范动议程序，严格民主推荐。"}})
		h.complete("guo.hong", h.waitTask("guo.hong", id+".rectify-1").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"report": "整改已完成。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".rectify-check-1").ID, map[string]any{"decision": "accept"})

		got := h.waitCase(id, schemas.CaseClosed)
		ev := got.State.Evaluation
		if ev == nil || ev.SuperiorOfficeID != "150100" || !ev.Low || !ev.Rectified || ev.Approval == nil || ev.Approval.String() != "70.0%" {
			t.Fatalf("closed case: %q %+v", got.State.Outcome, ev)
		}
		c1, c2 := ev.Cadres[0], ev.Cadres[1]
		if c1.Flagged || !c2.Flagged || c2.Outcome != schemas.EvalAdmonish || !strings.HasPrefix(c2.LinkedCaseID, "admonishment-") {
			t.Fatalf("cadres %+v %+v", c1, c2)
		}
		if got.State.Outcome != "满意度70.0%；已整改；乌云：诫勉（"+c2.LinkedCaseID+"）" {
			t.Fatalf("outcome %q", got.State.Outcome)
		}
		// The linked admonishment runs on its own at the department, proposed from the round.
		adm := h.waitCase(c2.LinkedCaseID, schemas.CaseOpen).State.Admonishment
		if adm == nil || adm.CadreID != "wuyun" || adm.Source != schemas.AdmSourceEvaluation || adm.SourceCaseID != id {
			t.Fatalf("admonishment %+v", adm)
		}
		// The results went up to the superior office's leader.
		var n int64
		gdb.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "chen.jing", "一报告两评议结果报告%").Count(&n)
		if n != 1 {
			t.Fatalf("report up: %d notifications", n)
		}
		// The cadres evaluated are subjects: they do not see the case.
		if r := h.do("GET", "/api/v1/cases/"+id, h.token("wuyun"), nil); r.status != http.StatusNotFound {
			t.Fatalf("a cadre evaluated reads the case: %d", r.status)
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
