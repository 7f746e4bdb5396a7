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

// TestAppraisalEndToEnd opens the 述职述廉 round of 呼和浩特市委组织部 over real HTTP against a
// real Temporal dev server and worker, on each database: one case per cadre of its roster;
// 巴图 submits the report on his own task, the 测评 counts are checked, the grade is decided,
// the low support (优秀+称职 under two thirds) goes to the leader's review, which decides 诫勉:
// a linked admonishment starts, as does the feedback talk; the grade and the handling are in
// the cadre's file.
func TestAppraisalEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		const route = "/api/v1/cases/appraisal"
		if r := h.do("POST", route, h.token("batu"), map[string]any{"period": "2026"}); r.status != http.StatusForbidden {
			t.Fatalf("a cadre opens the round: %d %s", r.status, r.body)
		}
		if r := h.do("POST", route, h.token("bao.yin"), map[string]any{"period": "26"}); r.status != http.StatusUnprocessableEntity ||
			r.problem(t).Errors[0].Field != "period" {
			t.Fatalf("bad period: %d %s", r.status, r.body)
		}
		round := h.start("bao.yin", route, map[string]any{"period": "2026"})
		got := h.waitCase(round, schemas.CaseClosed)
		a := got.State.Appraisal
		if a == nil || a.Period != "2026" || a.Roster != 2 || len(a.Opened) != 2 || a.Opened[0].OfficialID != "batu" || a.Opened[1].OfficialID != "na.ren" {
			t.Fatalf("round: %+v", a)
		}
		id := a.Opened[0].CaseID
		if !strings.HasPrefix(id, "appraisal-cadre-") {
			t.Fatalf("cadre case %s", id)
		}

		report := h.waitTask("batu", id+".report")
		if report.AssigneeID == nil || *report.AssigneeID != "batu" || !report.ForSubject {
			t.Fatalf("report task %+v", report)
		}
		h.complete("batu", report.ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "一年来履职尽责、廉洁自律情况……"}})
		tally := h.waitTask("bao.yin", id+".tally")
		r := h.do("POST", "/api/v1/tasks/"+tally.ID+"/complete", h.token("bao.yin"), map[string]any{"decision": "submit",
			"form": map[string]any{"valid_ballots": "31", "excellent": "5", "competent": "10", "basic": "10", "incompetent": "5"}})
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "form.valid_ballots" {
			t.Fatalf("counts that do not add up: %d %s", r.status, r.body)
		}
		h.complete("bao.yin", tally.ID, map[string]any{"decision": "submit",
			"form": map[string]any{"valid_ballots": "30", "excellent": "5", "competent": "10", "basic": "10", "incompetent": "5"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".propose-grade").ID, map[string]any{"decision": "basic", "form": map[string]any{"reason": "考核组综合研判"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".decide-grade").ID, map[string]any{"decision": "basic"})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".review").ID, map[string]any{"decision": "admonish", "form": map[string]any{"reason": "群众认可度低"}})

		done := h.waitCase(id, schemas.CaseClosed)
		ac := done.State.AppraisalCadre
		if ac == nil || ac.Grade != schemas.GradeBasic || ac.Handling != schemas.AppraisalAdmonish || len(ac.Thresholds) != 1 ||
			ac.Tally == nil || ac.Tally.Total() != 30 || ac.AdmonishmentCaseID == "" || ac.TalkCaseID == "" || done.State.Outcome != "考核等次：基本称职；诫勉" {
			t.Fatalf("cadre case: %q %+v", done.State.Outcome, ac)
		}
		adm := h.waitCase(ac.AdmonishmentCaseID, schemas.CaseOpen)
		if adm.State.Admonishment == nil || adm.State.Admonishment.Source != schemas.AdmSourceAppraisal || adm.State.Admonishment.SourceCaseID != id {
			t.Fatalf("linked admonishment: %+v", adm.State.Admonishment)
		}
		fb := h.waitCase(ac.TalkCaseID, schemas.CaseOpen)
		if fb.State.Talk == nil || fb.State.Talk.Reason != schemas.TalkReasonAssessment || fb.State.Talk.ProposedBy != id {
			t.Fatalf("feedback talk: %+v", fb.State.Talk)
		}
		h.waitTask("bao.yin", ac.TalkCaseID+".talk-1")

		var file CadreFile
		h.do("GET", "/api/v1/officials/batu/file", h.token("bao.yin"), nil).json(t, &file)
		found := false
		for _, e := range file.Entries {
			if e.CaseID == id {
				found = e.Role == "述职述廉干部" && e.Finding == "2026年度考核等次：基本称职" && e.Handling == "诫勉"
			}
		}
		if !found {
			t.Fatalf("the file lacks the appraisal: %+v", file.Entries)
		}
		for _, other := range []string{a.Opened[1].CaseID, ac.AdmonishmentCaseID, ac.TalkCaseID} {
			h.cancel("bao.yin", other)
		}
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("audit trail: %+v %v", rep, err)
		}
		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), round)
		recordHistory(t, bin, dev.FrontendHostPort(), id)
	})
}
