package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestCycleRoundOnce: one round per office and period (cycles.Claim), for every registered
// cycle through its own start route and its schedule, on each database. 呼和浩特 starts the
// current period's round by hand (201) and then the schedule is triggered: the launcher answers
// the same case. Two concurrent hand starts of the previous period give one case (201 and 200
// with it); the same period at 土默特左旗 is another case. Once the round has ended
// (cancelled), a hand start is refused with 409 naming the period and the case, and a trigger
// starts nothing new.
func TestCycleRoundOnce(t *testing.T) {
	list := cycles.Registered()
	n := 0
	for _, c := range list {
		if _, ok := starters[c.Kind]; ok {
			n++
		}
	}
	if n < 2 {
		t.Skipf("%d registered cycles have a start route", n)
	}
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
		h, dev, queue := startCycleStack(t, gdb, nil) // the registry as it is
		tc := dev.Client()
		var unit schemas.OrgUnit
		if err := gdb.First(&unit, "id = ?", "150100").Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			st, ok := starters[c.Kind]
			if !ok {
				continue
			}
			t.Run(string(c.Kind), func(t *testing.T) {
				h := h.with(t)
				route := "/api/v1" + st.path
				field := "period" // the start's period field: "year" where the form names it so
				if slices.ContainsFunc(st.form, func(f startField) bool { return f.Name == "year" }) {
					field = "year"
				}
				now := time.Now()
				period, earlier := cycles.Period(c, now), cycles.Period(c, now.AddDate(-1, 0, 0))
				start := func(official, p string) response {
					return h.do("POST", route, h.token(official), map[string]any{field: p})
				}
				caseOf := func(r response) string {
					var sc StartedCase
					r.json(t, &sc)
					return sc.ID
				}

				// By hand, then by the schedule: one case.
				a := h.start("bao.yin", route, map[string]any{field: period})
				if _, err := cycles.EnsureOne(ctx, tc, c, unit, queue, cycles.Policy{}); err != nil {
					t.Fatal(err)
				}
				sid := cycles.ScheduleID(c.Kind, unit.ID)
				if got := triggerRound(t, h, tc, sid); got.CaseID != a || got.Period != period {
					t.Fatalf("the schedule's round of %s: %+v, the hand start's case %s", period, got, a)
				}

				// Two concurrent hand starts of one round: one case.
				rs := make([]response, 2)
				var wg sync.WaitGroup
				for i := range rs {
					wg.Add(1)
					go func() { defer wg.Done(); rs[i] = start("bao.yin", earlier) }()
				}
				wg.Wait()
				// The second answers the case (200), or — a round whose case ends by itself at once,
				// as 述职述廉 does once it has opened its cadres' cases — 409 naming it.
				slices.SortFunc(rs, func(x, y response) int { return x.status - y.status })
				b := caseOf(rs[1])
				if rs[1].status != http.StatusCreated || b == a || b == "" ||
					!(rs[0].status == http.StatusOK && caseOf(rs[0]) == b ||
						rs[0].status == http.StatusConflict && strings.Contains(rs[0].problem(t).Detail, b)) {
					t.Fatalf("concurrent starts of %s: %d %s / %d %s", earlier, rs[0].status, rs[0].body, rs[1].status, rs[1].body)
				}

				// Another office, same period: another case.
				if other := h.start("hu.jun", route, map[string]any{field: period}); other == a || other == b {
					t.Fatalf("土默特左旗's round is %s", other)
				}

				// The round ends: a new start is refused, the schedule starts nothing.
				// (By the first official who may: a round's subjects do not see it.)
				// (409: it has ended by itself already.)
				for _, o := range []string{"bao.yin", "chen.jing", "wang.jian", "zhao.min"} {
					r := h.do("POST", "/api/v1/cases/"+a+"/cancel", h.token(o), CancelInput{Reason: "测试：本轮结束"})
					if r.status == http.StatusOK || r.status == http.StatusConflict {
						break
					}
					if r.status != http.StatusNotFound && r.status != http.StatusForbidden || o == "zhao.min" {
						t.Fatalf("%s cancels %s: %d %s", o, a, r.status, r.body)
					}
				}
				waitFor(t, 30*time.Second, a+" ended", func() bool {
					var row schemas.Case
					return gdb.Select("status").Take(&row, "id = ?", a).Error == nil && row.Status != schemas.CaseOpen
				})
				r := start("bao.yin", period)
				if p := r.problem(t); r.status != http.StatusConflict || !strings.Contains(p.Detail, a) || !strings.Contains(p.Detail, period) {
					t.Fatalf("start of the ended round: %d %s", r.status, r.body)
				}
				if got := triggerRound(t, h, tc, sid); got.CaseID != a {
					t.Fatalf("the schedule after the round ended: %+v", got)
				}
				var ids []string
				gdb.Model(&schemas.Case{}).Where("kind = ? AND org_unit_id = ?", c.Kind, unit.ID).Order("id").Pluck("id", &ids)
				if want := []string{a, b}; !slices.Equal(ids, want) && !slices.Equal(ids, []string{b, a}) {
					t.Fatalf("cases of %s at %s: %v, want %v", c.Kind, unit.ID, ids, want)
				}
			})
		}
	})
}

// triggerRound triggers schedule sid through the admin route and answers what its new launcher
// did once it has ended.
func triggerRound(t *testing.T, h *harness, tc client.Client, sid string) activities.Launched {
	t.Helper()
	launchers := func() []string {
		return slices.DeleteFunc(listWorkflows(t, tc, cycles.LauncherWorkflow), func(id string) bool { return !strings.HasPrefix(id, sid+"-") })
	}
	before := launchers()
	if len(before) > 0 {
		time.Sleep(1100 * time.Millisecond) // a trigger's launcher id holds its time in seconds
	}
	if r := h.do("POST", "/api/v1/admin/schedules/"+sid+"/trigger", h.token("admin"), ScheduleNote{"测试发起"}); r.status != http.StatusAccepted {
		t.Fatalf("trigger %s: %d %s", sid, r.status, r.body)
	}
	var id string
	waitFor(t, 60*time.Second, "the launcher of "+sid, func() bool {
		for _, l := range launchers() {
			if !slices.Contains(before, l) {
				id = l
				return true
			}
		}
		return false
	})
	var out activities.Launched
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tc.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil {
		t.Fatalf("launcher %s: %v", id, err)
	}
	return out
}
