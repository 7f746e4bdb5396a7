package calendar

import (
	"fmt"
	"time"
)

// Unit is the unit of a Period.
type Unit string

const (
	// WorkingDays counts working days and ends at the end of a day.
	WorkingDays Unit = "working_days"
	// Days counts calendar days and ends at the end of a day.
	Days Unit = "days"
	// Hours is an exact duration, for urgent matters that run round the clock.
	Hours Unit = "hours"
)

// Period is a time limit such as "5 working days after the notice", carried
// in workflow inputs as JSON, e.g. {"n":5,"unit":"working_days"}.
type Period struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// Validate rejects an unknown unit or a negative N. Call it where a Period
// enters the system (API, workflow start) so bad input fails early rather
// than when the deadline is computed.
func (p Period) Validate() error {
	switch p.Unit {
	case WorkingDays, Days, Hours:
	default:
		return fmt.Errorf("calendar: unknown period unit %q (want %q, %q or %q)", p.Unit, WorkingDays, Days, Hours)
	}
	if p.N < 0 {
		return fmt.Errorf("calendar: period %s: n must not be negative", p)
	}
	return nil
}

// String renders the period as it appears in Chinese documents:
// "5个工作日", "10日", "4小时".
func (p Period) String() string {
	switch p.Unit {
	case WorkingDays:
		return fmt.Sprintf("%d个工作日", p.N)
	case Days:
		return fmt.Sprintf("%d日", p.N)
	case Hours:
		return fmt.Sprintf("%d小时", p.N)
	default:
		return fmt.Sprintf("%d %s", p.N, p.Unit)
	}
}

// Add returns the deadline p after from: working days and days end at
// 23:59:59 Beijing time (see AddWorkingDays, AddDays); hours are added
// exactly, without rounding to the end of a day. A negative N counts
// backwards. Only an unknown unit is an error.
func (c *Calendar) Add(from time.Time, p Period) (time.Time, error) {
	switch p.Unit {
	case WorkingDays:
		return c.AddWorkingDays(from, p.N), nil
	case Days:
		return c.AddDays(from, p.N), nil
	case Hours:
		return from.Add(time.Duration(p.N) * time.Hour), nil
	default:
		return time.Time{}, fmt.Errorf("calendar: unknown period unit %q", p.Unit)
	}
}
