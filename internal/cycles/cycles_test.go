package cycles

import (
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// testCycle is an annual cycle opening on 1 March about the year before, and a monthly one
// opening on the 5th about the month just ended.
func testCycles() (annual, monthly Cycle) {
	annual = Cycle{Cycle: schemas.Cycle{
		Kind: "annual-x", Months: []int{3}, Day: 1,
		Period: func(t time.Time) string { return fmt.Sprint(t.Year() - 1) },
		Input:  func(s schemas.CycleStart) any { return s },
	}, Title: "年度", WorkflowType: "AnnualX"}
	monthly = Cycle{Cycle: schemas.Cycle{
		Kind: "monthly-x", Day: 5,
		Period: func(t time.Time) string { return t.AddDate(0, -1, 0).Format("2006-01") },
		Input:  func(s schemas.CycleStart) any { return s },
	}, Title: "月度", WorkflowType: "MonthlyX"}
	return annual, monthly
}

func TestSpec(t *testing.T) {
	annual, monthly := testCycles()
	s := Spec(annual)
	if s.TimeZoneName != "Asia/Shanghai" || len(s.Calendars) != 1 || len(s.Intervals) != 0 {
		t.Fatalf("spec %+v", s)
	}
	cal := s.Calendars[0]
	want := client.ScheduleCalendarSpec{
		Second: []client.ScheduleRange{{}}, Minute: []client.ScheduleRange{{}}, Hour: []client.ScheduleRange{{Start: 8}},
		DayOfMonth: []client.ScheduleRange{{Start: 1}}, Month: []client.ScheduleRange{{Start: 3}}, Comment: "年度",
	}
	if fmt.Sprint(cal) != fmt.Sprint(want) {
		t.Fatalf("annual calendar %+v, want %+v", cal, want)
	}
	// Nil months: every month.
	if m := Spec(monthly).Calendars[0].Month; len(m) != 1 || m[0] != (client.ScheduleRange{Start: 1, End: 12}) {
		t.Fatalf("monthly months %+v", m)
	}
	two := annual
	two.Months = []int{1, 7}
	if m := Spec(two).Calendars[0].Month; len(m) != 2 || m[0].Start != 1 || m[1].Start != 7 || m[0].End != 0 {
		t.Fatalf("two months %+v", m)
	}
}

// The period is read in Beijing time: 1 March 08:00 Beijing is still 28 February in UTC.
func TestPeriod(t *testing.T) {
	annual, monthly := testCycles()
	at := time.Date(2027, 3, 1, 8, 0, 0, 0, calendar.Location())
	if p := Period(annual, at.UTC()); p != "2026" {
		t.Fatalf("annual period %q", p)
	}
	// A round opening 1 January 00:30 Beijing (31 December 16:30 UTC) is about the new year's
	// previous month, December.
	newYear := time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	if p := Period(monthly, newYear); p != "2026-12" {
		t.Fatalf("monthly period at %s: %q", newYear, p)
	}
	if p := Period(monthly, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)); p != "2026-11" {
		t.Fatalf("monthly period %q", p)
	}
}

func TestScheduleIDs(t *testing.T) {
	annual, monthly := testCycles()
	list := []Cycle{annual, monthly}
	id := ScheduleID(monthly.Kind, "150121")
	if id != "cycle-monthly-x-150121" {
		t.Fatalf("id %q", id)
	}
	c, org, ok := ParseScheduleID(list, id)
	if !ok || c.Kind != monthly.Kind || org != "150121" {
		t.Fatalf("parse %q: %v %q %v", id, c.Kind, org, ok)
	}
	// The longest kind that fits wins.
	longer := monthly
	longer.Kind = "monthly-x-y"
	if c, org, ok := ParseScheduleID(append(list, longer), "cycle-monthly-x-y-150100"); !ok || c.Kind != longer.Kind || org != "150100" {
		t.Fatalf("longest kind: %v %q %v", c.Kind, org, ok)
	}
	for _, bad := range []string{"cycle-monthly-x-", "cycle-other-150100", "monthly-x-150100", ""} {
		if _, _, ok := ParseScheduleID(list, bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestOptions(t *testing.T) {
	annual, _ := testCycles()
	unit := schemas.OrgUnit{ID: "150100", Name: "呼和浩特市委组织部"}
	o := Options(annual, unit, "jiandu", Policy{Catchup: 48 * time.Hour})
	a, ok := o.Action.(*client.ScheduleWorkflowAction)
	if !ok || o.ID != "cycle-annual-x-150100" || a.Workflow != LauncherWorkflow || a.TaskQueue != "jiandu" || a.ID != o.ID {
		t.Fatalf("options %+v action %+v", o, o.Action)
	}
	if len(a.Args) != 1 || a.Args[0] != (Launch{Kind: annual.Kind, OrgUnitID: "150100"}) {
		t.Fatalf("args %+v", a.Args)
	}
	if o.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL || o.CatchupWindow != 48*time.Hour || o.Paused {
		t.Fatalf("policies %v %v", o.Overlap, o.CatchupWindow)
	}
	if !strings.Contains(a.StaticSummary, "呼和浩特市委组织部") {
		t.Fatalf("summary %q", a.StaticSummary)
	}
	if d := Options(annual, unit, "q", Policy{}).CatchupWindow; d != DefaultCatchup {
		t.Fatalf("default catch-up %s", d)
	}
	if d := Options(annual, unit, "q", Policy{Catchup: time.Second}).CatchupWindow; d != MinCatchup {
		t.Fatalf("catch-up below Temporal's minimum: %s", d)
	}
}

func TestValidate(t *testing.T) {
	annual, monthly := testCycles()
	for _, c := range []Cycle{annual, monthly} {
		if err := Validate(c); err != nil {
			t.Fatal(err)
		}
	}
	for name, mutate := range map[string]func(*Cycle){
		"day 29":         func(c *Cycle) { c.Day = 29 },
		"day 0":          func(c *Cycle) { c.Day = 0 },
		"month 13":       func(c *Cycle) { c.Months = []int{13} },
		"no period":      func(c *Cycle) { c.Period = nil },
		"no input":       func(c *Cycle) { c.Input = nil },
		"not registered": func(c *Cycle) { c.WorkflowType = "" },
	} {
		c := annual
		mutate(&c)
		if Validate(c) == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

// Every registered cycle is a valid registration of a registered process, once.
func TestRegisteredCycles(t *testing.T) {
	seen := map[schemas.CaseKind]bool{}
	for _, c := range Registered() {
		if err := Validate(c); err != nil {
			t.Error(err)
		}
		if seen[c.Kind] {
			t.Errorf("cycle %s registered twice", c.Kind)
		}
		seen[c.Kind] = true
		if p := c.Period(time.Date(2026, 7, 1, 8, 0, 0, 0, calendar.Location())); p == "" {
			t.Errorf("cycle %s: empty period", c.Kind)
		}
	}
}
