// Package cycles runs the periodic processes (schemas.Cycles) from Temporal Schedules: one
// schedule per cycle per organization department, id "cycle-<kind>-<org unit>", on the cycle's
// calendar at 08:00 Beijing time. A schedule starts the short CycleLauncher workflow
// (workflows/cycle_launcher.go), whose LaunchCycle activity numbers the round's case and starts
// its workflow as a start request does (api.startCase; both through casestart).
//
// Rules (docs/ARCHITECTURE.md, "Periodic processes"):
//   - One round per office and period (round.go): the launcher, like every start request of a
//     cycle kind, numbers the case with Claim under the round's identity (kind, org unit,
//     period), so a retried, duplicated, caught-up or triggered action, or a hand start, for a
//     round that already has its case starts nothing new (Temporal's USE_EXISTING on the case
//     id, or the closed case refusing a duplicate).
//   - Catch-up: a round missed while Temporal was down runs when it is back within the
//     catch-up window (JIANDU_CYCLE_CATCHUP, default 7 days); older missed rounds are dropped
//     and an administrator triggers them by hand. A paused schedule catches nothing up.
//   - Overlap: ALLOW_ALL. Launchers are independent and idempotent per period: a launcher
//     still retrying (the database down) never holds back or drops the next round's.
package cycles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// LauncherWorkflow is the workflow type every cycle schedule starts.
const LauncherWorkflow = "CycleLauncher"

// Hour is the hour (Beijing time) a round opens at on its day.
const Hour = 8

// DefaultCatchup is the catch-up window when JIANDU_CYCLE_CATCHUP is not set.
const DefaultCatchup = 7 * 24 * time.Hour

// MinCatchup is Temporal's smallest catch-up window.
const MinCatchup = 10 * time.Second

// Cycle is a registered periodic process with what its schedule and its launcher need of the
// process's registration.
type Cycle struct {
	schemas.Cycle
	Title        string // the process's Chinese name
	WorkflowType string
}

// Registered lists every periodic process of schemas.Cycles with its process registration.
func Registered() []Cycle {
	var out []Cycle
	for _, c := range schemas.Cycles() {
		p := c.Kind.Process()
		out = append(out, Cycle{Cycle: c, Title: p.Title, WorkflowType: p.WorkflowType})
	}
	return out
}

// Find is the cycle of kind in list.
func Find(list []Cycle, kind schemas.CaseKind) (Cycle, bool) {
	i := slices.IndexFunc(list, func(c Cycle) bool { return c.Kind == kind })
	if i < 0 {
		return Cycle{}, false
	}
	return list[i], true
}

// Validate checks a cycle's registration: a title and workflow type, a day every month has
// (1–28), months 1–12, and the Period and Input functions.
func Validate(c Cycle) error {
	switch {
	case c.Kind == "" || c.Title == "" || c.WorkflowType == "":
		return fmt.Errorf("cycle %q: not a registered process (no title or workflow type)", c.Kind)
	case c.Day < 1 || c.Day > 28:
		return fmt.Errorf("cycle %s: day %d is not 1–28 (every month must have it)", c.Kind, c.Day)
	case c.Period == nil || c.Input == nil:
		return fmt.Errorf("cycle %s: Period and Input are required", c.Kind)
	}
	for _, m := range c.Months {
		if m < 1 || m > 12 {
			return fmt.Errorf("cycle %s: month %d is not 1–12", c.Kind, m)
		}
	}
	return nil
}

// Launch is the CycleLauncher workflow's input, fixed in the schedule's action.
type Launch struct {
	Kind      schemas.CaseKind `json:"kind"`
	OrgUnitID string           `json:"org_unit_id"`
}

// ScheduleID is the id of the schedule of kind at an organization department.
func ScheduleID(kind schemas.CaseKind, orgUnitID string) string {
	return "cycle-" + string(kind) + "-" + orgUnitID
}

// ParseScheduleID finds the cycle and org unit a schedule id names among list (the longest
// kind that fits, as kinds may hold hyphens).
func ParseScheduleID(list []Cycle, id string) (Cycle, string, bool) {
	var found Cycle
	var unit string
	for _, c := range list {
		org, ok := strings.CutPrefix(id, "cycle-"+string(c.Kind)+"-")
		if ok && org != "" && len(c.Kind) > len(found.Kind) {
			found, unit = c, org
		}
	}
	return found, unit, found.Kind != ""
}

// Spec is the schedule spec of c: at 08:00 Beijing time on c's day of each of c's months.
func Spec(c Cycle) client.ScheduleSpec {
	months := []client.ScheduleRange{{Start: 1, End: 12}}
	if len(c.Months) > 0 {
		months = nil
		for _, m := range c.Months {
			months = append(months, client.ScheduleRange{Start: m})
		}
	}
	return client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Second:     []client.ScheduleRange{{Start: 0}},
			Minute:     []client.ScheduleRange{{Start: 0}},
			Hour:       []client.ScheduleRange{{Start: Hour}},
			DayOfMonth: []client.ScheduleRange{{Start: c.Day}},
			Month:      months,
			Comment:    c.Title,
		}},
		TimeZoneName: calendar.Location().String(),
	}
}

// Period names the period of a round of c scheduled at t, read in Beijing time.
func Period(c Cycle, t time.Time) string {
	return c.Period(t.In(calendar.Location()))
}

// Policy is how every cycle schedule behaves.
type Policy struct {
	// Catchup is the catch-up window (JIANDU_CYCLE_CATCHUP).
	Catchup time.Duration
}

// Overlap is the overlap policy of every cycle schedule (see the package comment).
const Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL

func (p Policy) catchup() time.Duration {
	if p.Catchup <= 0 {
		return DefaultCatchup
	}
	return max(p.Catchup, MinCatchup)
}

// Action is the action of the schedule of c at unit: start the launcher on taskQueue.
func Action(c Cycle, unit schemas.OrgUnit, taskQueue string) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:        ScheduleID(c.Kind, unit.ID), // the server appends the scheduled time
		Workflow:  LauncherWorkflow,
		Args:      []any{Launch{Kind: c.Kind, OrgUnitID: unit.ID}},
		TaskQueue: taskQueue,
		// A launcher whose activity cannot succeed in a day (the database down that long) ends;
		// the next round or a trigger runs again, idempotently.
		WorkflowExecutionTimeout: 24 * time.Hour,
		StaticSummary:            fmt.Sprintf("定时发起｜%s｜%s", c.Title, unit.Name),
	}
}

// Options are the options that create the schedule of c at unit.
func Options(c Cycle, unit schemas.OrgUnit, taskQueue string, p Policy) client.ScheduleOptions {
	return client.ScheduleOptions{
		ID:            ScheduleID(c.Kind, unit.ID),
		Spec:          Spec(c),
		Action:        Action(c, unit, taskQueue),
		Overlap:       Overlap,
		CatchupWindow: p.catchup(),
		Memo:          map[string]any{"kind": string(c.Kind), "org_unit": unit.ID, "title": c.Title + "｜" + unit.Name},
	}
}

// Result counts what Ensure did.
type Result struct {
	Created, Updated int
}

// Ensure creates the schedule of every cycle in list at every organization department, or
// brings an existing one's spec, action and policies up to date. It leaves a schedule's state
// as it is: a paused schedule stays paused, with its note. It can run on every deployment
// (`jiandu migrate`).
func Ensure(ctx context.Context, tc client.Client, db *gorm.DB, list []Cycle, taskQueue string, p Policy) (Result, error) {
	var res Result
	for _, c := range list {
		if err := Validate(c); err != nil {
			return res, err
		}
	}
	if len(list) == 0 {
		return res, nil
	}
	var units []schemas.OrgUnit
	if err := db.WithContext(ctx).Where("kind = ?", schemas.OrgKindOrganization).Order("path").Find(&units).Error; err != nil {
		return res, fmt.Errorf("list organization departments: %w", err)
	}
	for _, c := range list {
		for _, u := range units {
			created, err := EnsureOne(ctx, tc, c, u, taskQueue, p)
			if err != nil {
				return res, err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
	}
	return res, nil
}

// EnsureOne creates or updates the schedule of c at unit; it says whether it created it.
func EnsureOne(ctx context.Context, tc client.Client, c Cycle, unit schemas.OrgUnit, taskQueue string, p Policy) (bool, error) {
	opts := Options(c, unit, taskQueue, p)
	_, err := tc.ScheduleClient().Create(ctx, opts)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, fmt.Errorf("create schedule %s: %w", opts.ID, err)
	}
	h := tc.ScheduleClient().GetHandle(ctx, opts.ID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			spec := opts.Spec
			s.Spec = &spec
			s.Action = opts.Action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = opts.Overlap
			s.Policy.CatchupWindow = opts.CatchupWindow
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return false, fmt.Errorf("update schedule %s: %w", opts.ID, err)
	}
	return false, nil
}
