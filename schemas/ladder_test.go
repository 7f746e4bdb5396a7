package schemas_test

import (
	"testing"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// The clock ladder of a window: reminders at 50% and 80% of it, overdue at the deadline, 督办
// 2 hours after, all in minutes relative to the deadline.
func TestClockLadder(t *testing.T) {
	for _, tt := range []struct {
		window           calendar.Period
		remind1, remind2 int
	}{
		{calendar.Period{N: 1, Unit: calendar.Hours}, -30, -12},
		{calendar.Period{N: 2, Unit: calendar.Hours}, -60, -24},
		{calendar.Period{N: 5, Unit: calendar.Hours}, -150, -60},
		{calendar.Period{N: 48, Unit: calendar.Hours}, -1440, -576},
		{calendar.Period{N: 90, Unit: calendar.Minutes}, -45, -18},
	} {
		m := func(n int) calendar.Period { return calendar.Period{N: n, Unit: calendar.Minutes} }
		want := schemas.Ladder{
			{Offset: m(tt.remind1), Action: schemas.RungRemind}, {Offset: m(tt.remind2), Action: schemas.RungRemind},
			{Offset: m(0), Action: schemas.RungOverdue}, {Offset: m(120), Action: schemas.RungEscalate},
		}
		got := schemas.ClockLadder(tt.window)
		if len(got) != len(want) {
			t.Fatalf("ClockLadder(%s) = %v", tt.window, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("ClockLadder(%s)[%d] = %v, want %v", tt.window, i, got[i], want[i])
			}
		}
	}
}
