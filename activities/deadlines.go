package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// DeadlineRequest asks for the end of a period counted from an event.
type DeadlineRequest struct {
	From   time.Time       `json:"from"`
	Period calendar.Period `json:"period"`
}

// ComputeDeadline works out a due time on the working-day calendar in the database. It runs as
// an activity so that the result is recorded in history: editing the calendar later changes
// new deadlines, never the replay of running workflows.
func (a *Activities) ComputeDeadline(ctx context.Context, req DeadlineRequest) (time.Time, error) {
	plan, err := a.PlanStep(ctx, PlanRequest{From: req.From, Period: req.Period})
	return plan.DueAt, err
}

// Calendar loads the working-day calendar from the holidays table.
func (a *Activities) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	var rows []schemas.Holiday
	if err := a.DB.WithContext(ctx).Order("date").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load holidays: %w", err)
	}
	days := make([]calendar.Day, len(rows))
	for i, r := range rows {
		days[i] = calendar.Day{Date: r.Date, Kind: calendar.DayKind(r.Kind), Name: r.Name}
	}
	cal, err := calendar.New(days)
	if err != nil {
		return nil, fmt.Errorf("holidays table: %w", err)
	}
	return cal, nil
}
