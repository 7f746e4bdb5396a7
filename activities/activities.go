// Package activities holds the side effects that workflows ask for: task and case rows, audit
// events, notifications and deadlines, all against the database through gorm.
package activities

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/schemas"
)

// Activities holds the dependencies of every activity. Workflows call its methods through a
// typed nil pointer (var a *Activities), which names the activity without running it.
type Activities struct {
	DB     *gorm.DB
	Logger *slog.Logger
	// TimeScale > 1 compresses every deadline by that factor (JIANDU_TIME_SCALE): a demo or an
	// end-to-end test sees 5 working days pass in seconds. Production leaves it 0.
	TimeScale float64
	// Cycles are the periodic processes LaunchCycle starts; nil: every registered cycle
	// (cycles.Registered). Tests add a cycle of their own.
	Cycles []cycles.Cycle
	// CaseState, when set, answers the state of a running case instead of a query to its
	// workflow (a test without a Temporal server); nil in production.
	CaseState func(ctx context.Context, id string) (schemas.CaseState, error)
}

// compress applies TimeScale to a time computed from from. A period that counts from a moment
// already past (the day of a talk) is compressed from now, so it does not end before it begins.
func (a *Activities) compress(from, t time.Time) time.Time {
	if a.TimeScale <= 1 {
		return t
	}
	anchor := from
	if now := time.Now(); now.After(anchor) && now.Sub(anchor) > time.Minute {
		anchor = now
	}
	return anchor.Add(time.Duration(float64(t.Sub(from)) / a.TimeScale))
}
