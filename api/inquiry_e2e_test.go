package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestInquiryEndToEnd drives an inquiry letter over real HTTP against a real Temporal dev
// server and worker, on each database: the cadre answers on their own task with their own
// token, the 诫勉 outcome starts a linked admonishment, which runs until the cadre is
// restricted from promotion and is then cancelled (the 6 months' expiry is tested in the
// workflow tests).
func TestInquiryEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)

		start := map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"}
		// Only the department's supervisors start one, about a supervised cadre of its subtree.
		if r := h.do("POST", "/api/v1/cases/inquiry", h.token("wu.gang"), start); r.status != http.StatusForbidden {
			t.Fatalf("cadre section starts: %d %s", r.status, r.body)
		}
		r := h.do("POST", "/api/v1/cases/inquiry", h.token("bao.yin"), map[string]any{"cadre_id": "zheng.yi", "grounds": "x"})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "cadre_id" {
			t.Fatalf("inquiry about a principal: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/cases/inquiry", h.token("hu.jun"), start); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("county asks a city cadre: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/v1/cases/inquiry", h.token("bao.yin"), start, "Idempotency-Key", "inq-1")
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		var started StartedCase
		r.json(t, &started)
		id := started.ID
		if !strings.HasPrefix(id, "inquiry-") || started.Title != "关于巴图同志有关问题的函询" {
			t.Fatalf("started %+v", started)
		}

		h.complete("bao.yin", h.waitTask("bao.yin", id+".draft-1").ID,
			map[string]any{"decision": "submit", "form": map[string]any{"questions": "请说明在外兼职取酬情况。"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})

		// The cadre answers on their own task; nobody else can, not even the principal.
		answer := h.waitTask("batu", id+".answer-1")
		if answer.AssigneeID == nil || *answer.AssigneeID != "batu" || answer.Step != "answer_letter" {
			t.Fatalf("answer task %+v", answer)
		}
		body := map[string]any{"decision": "submit", "form": map[string]any{"answer": "本人未在外兼职取酬。"}}
		if r := h.do("POST", "/api/v1/tasks/"+answer.ID+"/complete", h.token("zheng.yi"), body); r.status != http.StatusNotFound {
			t.Fatalf("principal answers for the cadre: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/tasks/"+answer.ID+"/claim", h.token("batu"), nil); r.status != http.StatusConflict {
			t.Fatalf("claiming a named task: %d %s", r.status, r.body)
		}
		first := h.do("POST", "/api/v1/tasks/"+answer.ID+"/complete", h.token("batu"), body, "Idempotency-Key", "answer-once")
		if first.status != http.StatusOK {
			t.Fatalf("answer: %d %s", first.status, first.body)
		}
		if again := h.do("POST", "/api/v1/tasks/"+answer.ID+"/complete", h.token("batu"), body, "Idempotency-Key", "answer-once"); again.status != http.StatusOK || string(again.body) != string(first.body) {
			t.Fatalf("retried answer: %d %s", again.status, again.body)
		}

		// The cadre may not act on (nor see) the principal's sign-off.
		sign := h.waitTask("zheng.yi", id+".sign-1")
		if r := h.do("POST", "/api/v1/tasks/"+sign.ID+"/complete", h.token("batu"), map[string]any{"decision": "sign", "form": map[string]any{"opinion": "同意"}}); r.status != http.StatusNotFound {
			t.Fatalf("cadre signs own answer: %d %s", r.status, r.body)
		}
		h.complete("zheng.yi", sign.ID, map[string]any{"decision": "sign", "form": map[string]any{"opinion": "情况属实，同意报送。"}})

		assess := h.waitTask("bao.yin", id+".assess-1")
		r = h.do("POST", "/api/v1/tasks/"+assess.ID+"/complete", h.token("bao.yin"), map[string]any{
			"decision": "clarified", "form": map[string]any{"answer_finding": "untrue", "opinion": "x", "clarification_letter": "x"}})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "decision" {
			t.Fatalf("clarifying an untrue answer: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", assess.ID, map[string]any{"decision": "admonish",
			"form": map[string]any{"answer_finding": "untrue", "opinion": "答复不如实，兼职取酬问题属实，建议诫勉。"}})

		got := h.waitCase(id, schemas.CaseClosed)
		adm := got.State.Inquiry.LinkedCaseID
		if !strings.HasPrefix(adm, "admonishment-") || got.State.Outcome != "诫勉（"+adm+"）；答复不如实" || !got.State.Inquiry.Untrue {
			t.Fatalf("closed inquiry: %q %+v", got.State.Outcome, got.State.Inquiry)
		}

		// The linked admonishment runs on its own.
		h.complete("chen.jing", h.waitTask("chen.jing", adm+".approve").ID, map[string]any{"decision": "approve"})
		schedule := h.waitTask("bao.yin", adm+".schedule")
		today := time.Now().In(cst).Format(time.DateOnly) // the talk is held today
		if r := h.do("POST", "/api/v1/tasks/"+schedule.ID+"/complete", h.token("batu"), map[string]any{"decision": "scheduled"}); r.status != http.StatusNotFound {
			t.Fatalf("cadre schedules own talk: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", schedule.ID, map[string]any{"decision": "scheduled",
			"form": map[string]any{"talk_date": today, "talk_time": "09:30", "place": "市委组织部会议室", "attendees": "包音、郑毅"}})
		restrictionsOf := func(official, as string) (int, RestrictionsResponse) {
			var res RestrictionsResponse
			r := h.do("GET", "/api/v1/officials/"+official+"/restrictions", h.token(as), nil)
			if r.status == http.StatusOK {
				r.json(t, &res)
			}
			return r.status, res
		}
		if _, res := restrictionsOf("batu", "batu"); !res.PromotionAllowed {
			t.Fatalf("restricted before the talk: %+v", res)
		}
		h.complete("bao.yin", h.waitTask("bao.yin", adm+".record-1").ID, map[string]any{"decision": "held",
			"form": map[string]any{"talk_date": today, "record": "指出问题，听取说明，提出整改要求。"}})
		h.complete("batu", h.waitTask("batu", adm+".confirm-1").ID, map[string]any{"decision": "confirm"})
		h.complete("batu", h.waitTask("batu", adm+".measures").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"measures": "辞去兼职，退还报酬。"}})

		waitFor(t, 30*time.Second, "the admonishment is in its influence period", func() bool {
			var c CaseResponse
			r := h.do("GET", "/api/v1/cases/"+adm, h.token("bao.yin"), nil)
			if r.status != http.StatusOK {
				return false
			}
			r.json(t, &c)
			return c.State.Stage == "influence"
		})
		// In the influence period: the cadre, their department's supervisor see it; the county's not.
		for _, as := range []string{"batu", "bao.yin"} {
			status, res := restrictionsOf("batu", as)
			if status != http.StatusOK || res.PromotionAllowed || len(res.Restrictions) != 1 || res.Restrictions[0].CaseID != adm {
				t.Fatalf("restrictions as %s: %d %+v", as, status, res)
			}
		}
		if status, _ := restrictionsOf("batu", "hu.jun"); status != http.StatusNotFound {
			t.Fatalf("county supervisor reads the city cadre's restrictions: %d", status)
		}
		if status, _ := restrictionsOf("bao.yin", "batu"); status != http.StatusNotFound {
			t.Fatalf("cadre reads someone else's restrictions: %d", status)
		}
		// The period runs from the day of the talk (today): the day before, promotion was allowed.
		dayBefore := time.Date(time.Now().In(cst).Year(), time.Now().In(cst).Month(), time.Now().In(cst).Day(), 0, 0, 0, 0, cst).Add(-time.Second)
		if ok, _, err := restrictions.PromotionAllowed(context.Background(), gdb, "batu", dayBefore); err != nil || !ok {
			t.Fatalf("promotion the day before the talk: %v %v", ok, err)
		}

		// Cancelling the admonishment lifts the restriction.
		if r := h.do("POST", "/api/v1/cases/"+adm+"/cancel", h.token("chen.jing"), map[string]any{"reason": "演示结束"}); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		h.waitCase(adm, schemas.CaseCancelled)
		if _, res := restrictionsOf("batu", "batu"); !res.PromotionAllowed || len(res.Restrictions) != 0 {
			t.Fatalf("restriction after cancelling: %+v", res)
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("audit trail: %+v %v", rep, err)
		}

		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
		recordHistory(t, bin, dev.FrontendHostPort(), adm)
	})
}
