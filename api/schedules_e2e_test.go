package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// The test cycle: a workflow of this file's own (not a product process) that answers its input,
// registered on the test worker only. Its rounds are 4-second periods, so that a schedule firing
// every 2 seconds fires twice per round.
const (
	testCycleKind     schemas.CaseKind = "test-cycle"
	testCycleWorkflow                  = "TestCycleRound"
	testCyclePeriod                    = 4 * time.Second
)

func testCycleRound(_ workflow.Context, in schemas.CycleStart) (schemas.CycleStart, error) {
	return in, nil
}

var testCycle = cycles.Cycle{
	Cycle: schemas.Cycle{
		Kind: testCycleKind, Day: 1,
		Period: func(t time.Time) string { return t.Truncate(testCyclePeriod).Format("20060102T150405") },
		Input:  func(s schemas.CycleStart) any { return s },
	},
	Title: "测试周期", WorkflowType: testCycleWorkflow,
}

// startCycleStack runs a worker (with the test cycle's workflow registered when list holds it)
// and the API, both reading list as the cycle registry.
func startCycleStack(t *testing.T, gdb *gorm.DB, list []cycles.Cycle) (*harness, *testsuite.DevServer, string) {
	t.Helper()
	dev := testenv.Temporal(t)
	queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
	w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t), TimeScale: e2eTimeScale, Cycles: list})
	if slices.ContainsFunc(list, func(c cycles.Cycle) bool { return c.Kind == testCycleKind }) {
		w.RegisterWorkflowWithOptions(testCycleRound, workflow.RegisterOptions{Name: testCycleWorkflow})
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	h := newHarness(t, gdb, dev.Client())
	h.srv = New(Deps{DB: gdb, Temporal: dev.Client(), Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
		MaxBodyBytes: 1 << 20, TaskQueue: queue, Cycles: list})
	return newServerFor(t, h), dev, queue
}

// listWorkflows lists the closed and open workflows of a type (Temporal's visibility).
func listWorkflows(t *testing.T, tc client.Client, workflowType string) []string {
	t.Helper()
	res, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = '%s'", workflowType),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range res.Executions {
		ids = append(ids, e.Execution.WorkflowId)
	}
	slices.Sort(ids)
	return ids
}

// rounds reads what the schedule's launchers and the test cycle's cases did: the case each
// completed launcher answered, and each case's input.
func rounds(t *testing.T, tc client.Client) (launched map[string]activities.Launched, cases map[string]schemas.CycleStart) {
	t.Helper()
	ctx := context.Background()
	// The cases first: a case's launcher started before it, so listing the launchers after
	// sees it, once visibility has caught up (the schedule keeps starting new ones meanwhile).
	cases = map[string]schemas.CycleStart{}
	for _, id := range listWorkflows(t, tc, testCycleWorkflow) {
		var in schemas.CycleStart
		if err := tc.GetWorkflow(ctx, id, "").Get(ctx, &in); err != nil {
			t.Fatalf("case %s: %v", id, err)
		}
		cases[id] = in
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		launched = map[string]activities.Launched{}
		made := map[string]bool{}
		for _, id := range listWorkflows(t, tc, cycles.LauncherWorkflow) {
			var out activities.Launched
			if err := tc.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil {
				t.Fatalf("launcher %s: %v", id, err)
			}
			launched[id] = out
			made[out.CaseID] = true
		}
		all := true
		for id := range cases {
			all = all && made[id]
		}
		if all || time.Now().After(deadline) {
			return launched, cases
		}
	}
}

var testCaseNo = regexp.MustCompile(`^test-cycle-\d{4}-\d{4}$`)

// TestCycleSchedule: `jiandu migrate`'s Ensure creates one schedule per organization department
// for the cycle and, run again, updates them (a paused one stays paused). Compressed to an
// interval of 2 seconds, the schedule of 市委组织部 starts the launcher every 2 seconds; each
// launcher numbers its round's case (test-cycle-<year>-NNNN) and starts it with CaseStart
// (org unit, period of the scheduled time, created by system) and the case's search
// attributes; the two launchers of one 4-second period start one case between them. The admin
// routes list the schedules, pause one (no round starts while paused), trigger a round by hand
// and unpause it, each with a note in the admin trail; a non-administrator is refused.
func TestCycleSchedule(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
		list := []cycles.Cycle{testCycle}
		h, dev, queue := startCycleStack(t, gdb, list)
		tc := dev.Client()
		var depts int64
		if err := gdb.Model(&schemas.OrgUnit{}).Where("kind = ?", schemas.OrgKindOrganization).Count(&depts).Error; err != nil {
			t.Fatal(err)
		}
		policy := cycles.Policy{Catchup: time.Hour}
		res, err := cycles.Ensure(ctx, tc, gdb, list, queue, policy)
		if err != nil || res.Created != int(depts) || res.Updated != 0 {
			t.Fatalf("first ensure: %+v %v (want %d created)", res, err, depts)
		}
		// A paused schedule stays paused, with its note, through the next migrate.
		paused := tc.ScheduleClient().GetHandle(ctx, cycles.ScheduleID(testCycleKind, "150121"))
		if err := paused.Pause(ctx, client.SchedulePauseOptions{Note: "旗里暂缓"}); err != nil {
			t.Fatal(err)
		}
		if res, err = cycles.Ensure(ctx, tc, gdb, list, queue, policy); err != nil || res.Created != 0 || res.Updated != int(depts) {
			t.Fatalf("second ensure: %+v %v", res, err)
		}
		d, err := paused.Describe(ctx)
		if err != nil || !d.Schedule.State.Paused || d.Schedule.State.Note != "旗里暂缓" {
			t.Fatalf("paused schedule after ensure: %+v %v", d.Schedule.State, err)
		}
		if d.Schedule.Policy.CatchupWindow != time.Hour || d.Schedule.Policy.Overlap != cycles.Overlap {
			t.Fatalf("policies %+v", d.Schedule.Policy)
		}
		active, err := tc.ScheduleClient().GetHandle(ctx, cycles.ScheduleID(testCycleKind, "150100")).Describe(ctx)
		if err != nil || len(active.Info.NextActionTimes) == 0 {
			t.Fatalf("active schedule: %+v %v", active, err)
		}
		if b := active.Info.NextActionTimes[0].In(cst); b.Day() != 1 || b.Hour() != 8 || b.Minute() != 0 || b.Second() != 0 {
			t.Fatalf("next round %s, want the 1st at 08:00 Beijing time", b)
		}

		// The admin list: every organization department's schedule, with next run and state.
		r := h.do("GET", "/api/v1/admin/schedules", h.token("admin"), nil)
		var listed struct{ Items []Schedule }
		r.json(t, &listed)
		if r.status != http.StatusOK || len(listed.Items) != int(depts) {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		for _, s := range listed.Items {
			wantPaused := s.OrgUnitID == "150121"
			if !s.Exists || s.Paused != wantPaused || (s.NextRun == nil) != wantPaused || s.Title != "测试周期" {
				t.Errorf("listed %+v", s)
			}
		}
		if r := h.do("GET", "/api/v1/admin/schedules", h.token("wu.gang"), nil); r.status != http.StatusForbidden {
			t.Fatalf("non-admin list: %d", r.status)
		}
		// An administrator of 土默特左旗 sees and steers only the schedules of its subtree (the
		// banner's department and the township's).
		if r := h.do("POST", "/api/v1/officials", h.token("admin"), map[string]any{
			"id": "admin.tmz", "name": "旗管理员", "org_unit_id": "150121", "roles": []string{"admin"}}); r.status != http.StatusCreated {
			t.Fatalf("create a banner administrator: %d %s", r.status, r.body)
		}
		r = h.do("GET", "/api/v1/admin/schedules", h.token("admin.tmz"), nil)
		r.json(t, &listed)
		var ids []string
		for _, s := range listed.Items {
			ids = append(ids, s.ID)
		}
		if want := []string{"cycle-test-cycle-150121", "cycle-test-cycle-150121100"}; !slices.Equal(ids, want) {
			t.Fatalf("banner administrator's schedules %v, want %v", ids, want)
		}
		if r := h.do("POST", "/api/v1/admin/schedules/cycle-test-cycle-150100/pause", h.token("admin.tmz"), ScheduleNote{"x"}); r.status != http.StatusNotFound {
			t.Fatalf("pause above the administrator's subtree: %d %s", r.status, r.body)
		}

		// Compress the schedule of 150100 to every 2 seconds.
		id := cycles.ScheduleID(testCycleKind, "150100")
		sh := tc.ScheduleClient().GetHandle(ctx, id)
		err = sh.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 2 * time.Second}}}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		var launched map[string]activities.Launched
		var cases map[string]schemas.CycleStart
		waitFor(t, 60*time.Second, "three rounds", func() bool {
			launched, cases = rounds(t, tc)
			return len(cases) >= 3
		})
		checkRounds(t, launched, cases)

		// Pause through the API: no round starts while paused.
		if r := h.do("POST", "/api/v1/admin/schedules/"+id+"/pause", h.token("wu.gang"), ScheduleNote{"x"}); r.status != http.StatusForbidden {
			t.Fatalf("non-admin pause: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/admin/schedules/"+id+"/pause", h.token("admin"), ScheduleNote{""}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("pause without a note: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/admin/schedules/cycle-test-cycle-nowhere/pause", h.token("admin"), ScheduleNote{"x"}); r.status != http.StatusNotFound {
			t.Fatalf("pause of an unknown schedule: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/v1/admin/schedules/"+id+"/pause", h.token("admin"), ScheduleNote{"年度工作调整，暂停发起"})
		var s Schedule
		r.json(t, &s)
		if r.status != http.StatusOK || !s.Paused || s.Note != "年度工作调整，暂停发起" || s.NextRun != nil {
			t.Fatalf("pause: %d %s", r.status, r.body)
		}
		time.Sleep(3 * time.Second) // a launcher started just before the pause ends
		launched, cases = rounds(t, tc)
		before := len(launched)
		time.Sleep(6 * time.Second) // three rounds' worth
		if launched, cases = rounds(t, tc); len(launched) != before {
			t.Fatalf("%d launchers while paused (%d before)", len(launched), before)
		}
		checkRounds(t, launched, cases)

		// Trigger a round by hand while paused: one more case, of the current period.
		r = h.do("POST", "/api/v1/admin/schedules/"+id+"/trigger", h.token("admin"), ScheduleNote{"补发本轮"})
		if r.status != http.StatusAccepted {
			t.Fatalf("trigger: %d %s", r.status, r.body)
		}
		nCases := len(cases)
		waitFor(t, 30*time.Second, "the triggered round", func() bool {
			launched, cases = rounds(t, tc)
			return len(cases) == nCases+1 && len(launched) == before+1
		})
		checkRounds(t, launched, cases)

		// Unpause: rounds start again.
		r = h.do("POST", "/api/v1/admin/schedules/"+id+"/unpause", h.token("admin"), ScheduleNote{"恢复"})
		r.json(t, &s)
		if r.status != http.StatusOK || s.Paused || s.NextRun == nil {
			t.Fatalf("unpause: %d %s", r.status, r.body)
		}
		nCases = len(cases)
		waitFor(t, 30*time.Second, "a round after unpausing", func() bool {
			launched, cases = rounds(t, tc)
			return len(cases) > nCases
		})
		if err := sh.Pause(ctx, client.SchedulePauseOptions{}); err != nil { // stop before the checks
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		launched, cases = rounds(t, tc)
		checkRounds(t, launched, cases)

		// The admin trail has each change with its note.
		for action, note := range map[string]string{audit.AdminSchedulePaused: "年度工作调整，暂停发起",
			audit.AdminScheduleTriggered: "补发本轮", audit.AdminScheduleUnpaused: "恢复"} {
			r := h.do("GET", "/api/v1/admin/audit?action="+action, h.token("admin"), nil)
			var trail AdminAuditResponse
			r.json(t, &trail)
			if r.status != http.StatusOK || len(trail.Items) != 1 || !trail.Verified ||
				!strings.Contains(trail.Items[0].Detail, note) || !strings.Contains(trail.Items[0].Detail, "schedule/"+id) ||
				trail.Items[0].Actor != "admin" {
				t.Errorf("%s trail: %d %s", action, r.status, r.body)
			}
		}

		bin, err := devstack.TemporalBinary(ctx, testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		launchers := slices.Sorted(maps.Keys(launched))
		recordHistoryAs(t, bin, dev.FrontendHostPort(), launchers[0], "cycle-launcher")
	})
}

// checkRounds: every launcher answered a case with a case number; every case started is one
// a launcher answered, with its period and org unit, created by the system; no two cases are
// of one period; and the launchers of one period share its case.
func checkRounds(t *testing.T, launched map[string]activities.Launched, cases map[string]schemas.CycleStart) {
	t.Helper()
	byPeriod := map[string]string{}
	for lid, l := range launched {
		// The schedule names each launcher <schedule id>-<nominal time>: the launcher read that
		// time (TemporalScheduledStartTime), not its own start time, and derived the period from it.
		nominal, err := time.Parse(time.RFC3339, strings.TrimPrefix(lid, cycles.ScheduleID(testCycleKind, "150100")+"-"))
		if err != nil || !l.ScheduledAt.Equal(nominal) || l.Period != cycles.Period(testCycle, nominal) || !testCaseNo.MatchString(l.CaseID) {
			t.Errorf("launcher %s answered %+v (%v)", lid, l, err)
		}
		if prev, ok := byPeriod[l.Period]; ok && prev != l.CaseID {
			t.Errorf("period %s has two cases: %s and %s", l.Period, prev, l.CaseID)
		}
		byPeriod[l.Period] = l.CaseID
	}
	periods := map[string]bool{}
	for id, in := range cases {
		if in.CaseID != id || in.OrgUnitID != "150100" || in.CreatedBy != "system" || byPeriod[in.Period] != id {
			t.Errorf("case %s started with %+v (launchers: %v)", id, in, byPeriod)
		}
		if periods[in.Period] {
			t.Errorf("two cases of period %s", in.Period)
		}
		periods[in.Period] = true
	}
	// A launcher listed after the cases may have started a newer round's case.
	if len(cases) > len(byPeriod) {
		t.Errorf("%d cases for %d periods launched", len(cases), len(byPeriod))
	}
}

// TestEveryCycleStartsItsCase: for every registered periodic process (schemas.Cycles), its
// workflow is registered on the worker, and its schedule at 市委组织部, created as `jiandu
// migrate` creates it and triggered through the admin route, starts a case of that kind with
// a case number of that kind, which the case list shows.
func TestEveryCycleStartsItsCase(t *testing.T) {
	list := cycles.Registered()
	if len(list) == 0 {
		t.Log("no cycle is registered in schemas.Cycles")
		return
	}
	registered := map[string]bool{}
	for _, w := range worker.Workflows() {
		registered[w.Name] = true
	}
	for _, c := range list {
		if err := cycles.Validate(c); err != nil {
			t.Error(err)
		}
		if !registered[c.WorkflowType] {
			t.Errorf("cycle %s: workflow type %q is not registered on the worker (worker.Workflows)", c.Kind, c.WorkflowType)
		}
	}
	if t.Failed() {
		return
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
			if _, err := cycles.EnsureOne(ctx, tc, c, unit, queue, cycles.Policy{}); err != nil {
				t.Fatal(err)
			}
			id := cycles.ScheduleID(c.Kind, unit.ID)
			if r := h.do("POST", "/api/v1/admin/schedules/"+id+"/trigger", h.token("admin"), ScheduleNote{"测试发起"}); r.status != http.StatusAccepted {
				t.Fatalf("%s: trigger: %d %s", c.Kind, r.status, r.body)
			}
			waitFor(t, 60*time.Second, "a "+string(c.Kind)+" case", func() bool {
				r := h.do("GET", "/api/v1/cases?kind="+string(c.Kind)+"&org_unit=150100", h.token("admin"), nil)
				var page struct{ Items []schemas.Case }
				r.json(t, &page)
				for _, row := range page.Items {
					if kind, _, _, err := schemas.ParseCaseID(row.ID); err == nil && kind == c.Kind && row.CreatedBy == "system" {
						return true
					}
				}
				return false
			})
		}
	})
}
