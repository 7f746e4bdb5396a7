package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/casestart"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/schemas"
)

// LaunchRequest asks for the case of one round of a cycle at an organization department.
type LaunchRequest struct {
	Kind        schemas.CaseKind `json:"kind"`
	OrgUnitID   string           `json:"org_unit_id"`
	ScheduleID  string           `json:"schedule_id"`
	ScheduledAt time.Time        `json:"scheduled_at"` // the round's nominal time
}

// Launched is the round's case.
type Launched struct {
	CaseID      string    `json:"case_id"`
	Period      string    `json:"period"`
	ScheduledAt time.Time `json:"scheduled_at"` // the nominal time the period was derived from
}

// cycleList is the registry the launcher reads: Activities.Cycles, else every registered cycle.
func (a *Activities) cycleList() []cycles.Cycle {
	if a.Cycles != nil {
		return a.Cycles
	}
	return cycles.Registered()
}

// LaunchCycle numbers the case of the round (kind, org unit, period) with cycles.Claim, as a
// start request does (a retry, a duplicated action, a second trigger in the same period or a
// round an official already started by hand gets the same number), and starts its workflow
// (casestart), with CreatedBy "system". The period is the cycle's Period of the scheduled time
// in Beijing time. A round whose case is running is used as is; one whose case has already run
// and ended starts nothing.
func (a *Activities) LaunchCycle(ctx context.Context, req LaunchRequest) (Launched, error) {
	c, ok := cycles.Find(a.cycleList(), req.Kind)
	if !ok {
		return Launched{}, brokenInvariant(fmt.Errorf("launch cycle: no cycle %q is registered", req.Kind))
	}
	var unit schemas.OrgUnit
	err := a.DB.WithContext(ctx).First(&unit, "id = ?", req.OrgUnitID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Launched{}, brokenInvariant(fmt.Errorf("launch cycle: no org unit %q", req.OrgUnitID))
	case err != nil:
		return Launched{}, err
	case unit.Kind != schemas.OrgKindOrganization:
		return Launched{}, brokenInvariant(fmt.Errorf("launch cycle: org unit %q is not an organization department", req.OrgUnitID))
	}
	period := cycles.Period(c, req.ScheduledAt)
	round := cycles.Round{Kind: c.Kind, OrgUnitID: unit.ID, Period: period}
	if err := round.Validate(); err != nil {
		return Launched{}, brokenInvariant(fmt.Errorf("launch cycle: %w", err)) // no retry makes a period valid
	}
	id, _, err := cycles.Claim(ctx, a.DB, round, "system")
	if err != nil {
		return Launched{}, NonRetryable(err)
	}
	in := schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: period, CreatedBy: "system"}
	_, err = casestart.Execute(ctx, activity.GetClient(ctx), activity.GetInfo(ctx).TaskQueue, id, c.WorkflowType, casestart.Case{
		Kind: c.Kind, Title: period, OrgUnit: unit,
		Details: fmt.Sprintf("**周期**：%s\n**发起**：定时计划 %s（计划时间 %s）", period, req.ScheduleID,
			req.ScheduledAt.In(calendar.Location()).Format("2006-01-02 15:04")),
	}, c.Input(in))
	if err != nil && !cycles.Ended(err) {
		return Launched{}, fmt.Errorf("start %s: %w", id, err)
	}
	return Launched{CaseID: id, Period: period, ScheduledAt: req.ScheduledAt}, nil
}
