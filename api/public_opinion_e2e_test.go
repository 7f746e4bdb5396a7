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
	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestPublicOpinionEndToEnd registers a 重大 item of public opinion (P11) over real HTTP against
// a real Temporal dev server and worker, on each database, in real time (no compression): its
// limits are clock hours from the first sighting, so the task views carry exact deadlines. The
// item was first seen 2 hours less 8 seconds ago: the grading's deadline passes during the test
// and its overdue rung fires on the second, reaching the leader. The steps are then completed
// promptly through the final clarification and the review.
func TestPublicOpinionEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStackAtScale(t, gdb, 1)
		t0 := time.Now().Add(-2*time.Hour + 8*time.Second).Truncate(time.Second).UTC()
		body := map[string]any{
			"source": "微博", "link": "https://weibo.example/123", "capture": "网帖称某局长带病提拔。",
			"first_seen_at": t0.Format(time.RFC3339), "subject_id": "batu",
		}

		// Bad input: a sighting in the future, an unknown linked case; a cadre section may not register.
		bad := map[string]any{"source": "微博", "link": "x", "capture": "y", "first_seen_at": time.Now().Add(time.Hour).Format(time.RFC3339), "linked_case_id": "publicity-2026-9999"}
		r := h.do("POST", "/api/v1/cases/public-opinion", h.token("bao.yin"), bad)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 2 ||
			p.Errors[0].Field != "first_seen_at" || p.Errors[1].Field != "linked_case_id" {
			t.Fatalf("bad registration: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/cases/public-opinion", h.token("wu.gang"), body); r.status != http.StatusForbidden {
			t.Fatalf("cadre section registers: %d %s", r.status, r.body)
		}

		id := h.start("bao.yin", "/api/v1/cases/public-opinion", body)
		if !strings.HasPrefix(id, "public-opinion-") {
			t.Fatalf("started %s", id)
		}
		grade := h.waitTask("bao.yin", id+".grade")
		if !grade.DueAt.Equal(t0.Add(2 * time.Hour)) {
			t.Fatalf("grading due %s, want T0+2h = %s", grade.DueAt, t0.Add(2*time.Hour))
		}
		// The subject (巴图) is recused from the case.
		if r := h.do("GET", "/api/v1/cases/"+id, h.token("batu"), nil); r.status == http.StatusOK {
			t.Fatalf("the subject reads the case: %d", r.status)
		}
		// The overdue rung fires at T0+2h; the supervisors hold the step, so their leader is told.
		waitFor(t, 30*time.Second, "grading overdue", func() bool {
			r := h.do("GET", "/api/v1/tasks/"+grade.ID, h.token("bao.yin"), nil)
			var tv TaskResponse
			r.json(t, &tv)
			return tv.Overdue
		})
		var ev schemas.AuditEvent
		if err := gdb.Where("case_id = ? AND action = ? AND task_id = ?", id, "task.overdue", grade.ID).First(&ev).Error; err != nil {
			t.Fatal(err)
		}
		if d := ev.At.Sub(t0.Add(2 * time.Hour)); d < 0 || d > 3*time.Second {
			t.Errorf("overdue fired at %s, want T0+2h = %s", ev.At, t0.Add(2*time.Hour))
		}
		var n int64
		gdb.Model(&schemas.Notification{}).Where("official_id = ? AND kind = ? AND task_id = ?", "chen.jing", notify.KindOverdue, grade.ID).Count(&n)
		if n != 1 {
			t.Errorf("the leader was told of the late grading %d times", n)
		}

		before := time.Now()
		h.complete("bao.yin", grade.ID, map[string]any{"decision": schemas.OpinionMajor, "form": map[string]any{"reason": "涉及干部选拔任用"}})
		leader := h.waitTask("chen.jing", id+".leader")
		if leader.DueAt.Before(before.Add(time.Hour).Truncate(time.Second)) || leader.DueAt.After(time.Now().Add(time.Hour)) {
			t.Errorf("leader due %s, want 1 hour after the grade", leader.DueAt)
		}
		h.complete("chen.jing", leader.ID, map[string]any{"decision": "acknowledge", "form": map[string]any{"instructions": "第一时间核实回应"}})

		for _, step := range []struct{ official, task string }{{"bao.yin", id + ".info-draft-1"}, {"chen.jing", id + ".info-approve-1"}} {
			tv := h.waitTask(step.official, step.task)
			if !tv.DueAt.Equal(t0.Add(5 * time.Hour)) {
				t.Errorf("%s due %s, want T0+5h", step.task, tv.DueAt)
			}
			if step.official == "bao.yin" {
				h.complete("bao.yin", tv.ID, map[string]any{"decision": "submit", "form": map[string]any{"text": "关于网传信息的情况说明", "channel": "官方微信公众号"}})
			} else {
				h.complete("chen.jing", tv.ID, map[string]any{"decision": "approve"})
			}
		}
		facts := h.waitTask("bao.yin", id+".facts-1")
		briefing := h.waitTask("bao.yin", id+".briefing")
		if !facts.DueAt.Equal(t0.Add(24*time.Hour)) || !briefing.DueAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("facts due %s, briefing due %s, want T0+24h", facts.DueAt, briefing.DueAt)
		}
		h.complete("bao.yin", facts.ID, map[string]any{"decision": schemas.FindingUnfounded, "form": map[string]any{"facts": "任职程序合规，网帖不实。"}})
		h.complete("bao.yin", briefing.ID, map[string]any{"decision": "press_conference", "form": map[string]any{"partners": "市委宣传部、市委网信办", "summary": "通报核查情况"}})
		follow := h.waitTask("bao.yin", id+".follow-1")
		h.complete("bao.yin", follow.ID, map[string]any{"decision": "final", "form": map[string]any{"text": "经核查，网传信息不实，特此澄清。"}})
		review := h.waitTask("bao.yin", id+".review")
		if hh, mm, ss := review.DueAt.In(time.FixedZone("CST", 8*3600)).Clock(); hh != 23 || mm != 59 || ss != 59 {
			t.Errorf("review due %s, want the end of a working day", review.DueAt)
		}
		h.complete("bao.yin", review.ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "复盘报告。"}})

		got := h.waitCase(id, schemas.CaseClosed)
		po := got.State.PublicOpinion
		if po == nil || po.Grade != schemas.OpinionMajor || !po.Clarified || got.State.Outcome != "重大舆情，反映不属实，已澄清" ||
			len(po.Deadlines) != 4 || !po.FirstSeenAt.Equal(t0) {
			t.Fatalf("state %+v outcome %q", po, got.State.Outcome)
		}
		for _, d := range po.Deadlines {
			if d.DoneAt == nil {
				t.Errorf("deadline %s not met", d.Key)
			}
			if want := map[string]time.Duration{"grade": 2 * time.Hour, "info": 5 * time.Hour, "briefing": 24 * time.Hour}[d.Key]; want != 0 && !d.DueAt.Equal(t0.Add(want)) {
				t.Errorf("deadline %s due %s, want T0+%s", d.Key, d.DueAt, want)
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
