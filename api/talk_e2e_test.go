package api

import (
	"context"
	"net/http"
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

// talkRecordForm is a talk record held today by two officials.
func talkRecordForm(extra map[string]any) map[string]any {
	form := map[string]any{"talk_date": time.Now().In(calendar.Location()).Format(time.DateOnly), "talk_time": "10:00",
		"place": "市委组织部谈话室", "talker_1": "包音", "talker_2": "陈静", "content": "指出苗头性问题，听取说明，提出要求。"}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

// TestTalkEndToEnd drives both variants of 双向约谈 (DOMAIN.md P12) over real HTTP against a
// real Temporal dev server and worker, on each database: a supervisor's talk about a 苗头性问题,
// approved, held, and confirmed by the cadre on their own task; and a talk the cadre asks for
// themself, routed by the cadre section, answered on the spot, with the cadre's satisfaction.
// The cadre never reads either case; the supervisor reads both in the cadre's file.
func TestTalkEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		const route = "/api/v1/cases/talk"
		start := map[string]any{"cadre_id": "batu", "reason": "warning_sign", "grounds": "群众反映其工作作风漂浮", "source_case_id": "report-2026-0003"}

		if r := h.do("POST", route, h.token("wu.gang"), start); r.status != http.StatusForbidden {
			t.Fatalf("cadre section proposes a talk: %d %s", r.status, r.body)
		}
		for field, bad := range map[string]map[string]any{
			"reason":       {"cadre_id": "batu", "reason": "gossip", "grounds": "g"},
			"initiated_by": {"cadre_id": "batu", "reason": "transfer", "grounds": "g", "initiated_by": "cadre"},
		} {
			r := h.do("POST", route, h.token("bao.yin"), bad)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Fatalf("bad %s: %d %s", field, r.status, r.body)
			}
		}
		id := h.start("bao.yin", route, start)
		if !strings.HasPrefix(id, "talk-") {
			t.Fatalf("started %s", id)
		}
		h.complete("bao.yin", h.waitTask("bao.yin", id+".propose-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"proposal": "由包音、陈静约谈巴图"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})
		talk := h.waitTask("bao.yin", id+".talk-1")
		if r := h.do("POST", "/api/v1/tasks/"+talk.ID+"/complete", h.token("bao.yin"), map[string]any{"decision": "held",
			"form": talkRecordForm(map[string]any{"talker_2": "包音"})}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("one talker twice: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", talk.ID, map[string]any{"decision": "held", "form": talkRecordForm(nil)})
		confirm := h.waitTask("batu", id+".confirm-1")
		if confirm.AssigneeID == nil || *confirm.AssigneeID != "batu" || !confirm.ForSubject ||
			!strings.Contains(strings.Join(confirm.Spec.Notes, "\n"), "指出苗头性问题") {
			t.Fatalf("confirmation task %+v", confirm)
		}
		h.complete("batu", confirm.ID, map[string]any{"decision": "confirm"})
		got := h.waitCase(id, schemas.CaseClosed)
		if tk := got.State.Talk; tk == nil || !tk.Confirmed || len(tk.Records) != 1 || tk.Records[0].Talkers[1] != "陈静" {
			t.Fatalf("closed talk: %+v", got.State.Talk)
		}
		h.refusedAsRecused("batu reads their talk", h.do("GET", "/api/v1/cases/"+id, h.token("batu"), nil))

		// The cadre asks for a talk about themself, at the office that manages their unit.
		for field, bad := range map[string]map[string]any{
			"cadre_id":     {"initiated_by": "cadre", "cadre_id": "na.ren", "grounds": "g"},
			"initiated_by": {"initiated_by": "organization", "reason": "transfer", "grounds": "g"},
			"org_unit_id":  {"initiated_by": "cadre", "org_unit_id": "150000", "grounds": "g"},
		} {
			r := h.do("POST", route, h.token("batu"), bad)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) == 0 || p.Errors[0].Field != field {
				t.Fatalf("cadre's bad %s: %d %s", field, r.status, r.body)
			}
		}
		asked := h.start("batu", route, map[string]any{"initiated_by": "cadre", "grounds": "希望交流岗位，谈谈个人想法"})
		routing := h.waitTask("wu.gang", asked+".route")
		// The cadre is the case's subject: the routing is not theirs to see.
		if r := h.do("POST", "/api/v1/tasks/"+routing.ID+"/complete", h.token("batu"), map[string]any{"decision": "section"}); r.status != http.StatusNotFound {
			t.Fatalf("batu routes their own request: %d %s", r.status, r.body)
		}
		h.complete("wu.gang", routing.ID, map[string]any{"decision": "section",
			"form": map[string]any{"talk_date": time.Now().In(calendar.Location()).Format(time.DateOnly), "place": "干部科"}})
		h.complete("wu.gang", h.waitTask("wu.gang", asked+".talk-1").ID, map[string]any{"decision": "on_spot",
			"form": talkRecordForm(map[string]any{"talker_1": "吴刚", "answer": "组织上将统筹考虑交流意向"})})
		feedback := h.waitTask("batu", asked+".feedback")
		h.complete("batu", feedback.ID, map[string]any{"decision": "satisfied"})
		done := h.waitCase(asked, schemas.CaseClosed)
		if tk := done.State.Talk; done.Case.OrgUnitID != "150100" || done.Case.CreatedBy != "batu" || tk.Route != schemas.TalkRouteSection ||
			tk.Settlement != schemas.TalkSettleOnSpot || tk.Satisfaction != schemas.TalkSatisfied {
			t.Fatalf("cadre's talk: %+v %+v", done.Case, tk)
		}

		// The supervisor reads both in the cadre's file; the cadre reads neither.
		var file CadreFile
		h.do("GET", "/api/v1/officials/batu/file", h.token("bao.yin"), nil).json(t, &file)
		findings := map[string]string{}
		for _, e := range file.Entries {
			findings[e.CaseID] = e.Role + "：" + e.Finding + "｜" + e.Handling
		}
		if findings[id] != "约谈对象：组织约谈：苗头性问题｜谈话记录已本人确认" || findings[asked] != "约谈对象：本人申请约谈｜当场答复：满意" {
			t.Fatalf("file entries %v", findings)
		}
		h.do("GET", "/api/v1/officials/batu/file", h.token("batu"), nil).json(t, &file)
		for _, e := range file.Entries {
			if e.CaseID == id || e.CaseID == asked {
				t.Fatalf("the cadre's own file shows them %s", e.CaseID)
			}
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
