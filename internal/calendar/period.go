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
	// Months counts calendar months ("3个月内") and ends at the end of a day:
	// the same day of the month, or the month's last day if it is shorter.
	Months Unit = "months"
	// Minutes is an exact duration like Hours, for the rungs of a ladder measured in clock hours
	// (a reminder at 80% of a one-hour window is 12 minutes before its deadline).
	Minutes Unit = "minutes"
)

// maxN is the largest N each unit accepts: ten years of days or months,
// 87600 hours, 5256000 minutes. Beyond that a period is a typing error, and a huge count of
// working days would keep a deadline activity busy for nothing.
var maxN = map[Unit]int{
	WorkingDays: 3650,
	Days:        3650,
	Months:      120,
	Hours:       87600,
	Minutes:     5256000,
}

// Period is a time limit such as "5 working days after the notice", carried
// in workflow inputs as JSON, e.g. {"n":5,"unit":"working_days"}.
type Period struct {
	N    int  `json:"n"`
	Unit Unit `json:"unit"`
}

// Validate rejects an unknown unit, a negative N and an N above the unit's
// bound (3650 working days or days, 120 months, 87600 hours, 5256000 minutes). Call it where a
// Period enters the system (API, workflow start) so bad input fails early
// rather than when the deadline is computed.
func (p Period) Validate() error {
	limit, ok := maxN[p.Unit]
	if !ok {
		return fmt.Errorf("calendar: unknown period unit %q (want %q, %q, %q, %q or %q)", p.Unit, WorkingDays, Days, Months, Hours, Minutes)
	}
	if p.N < 0 {
		return fmt.Errorf("calendar: period %s: n must not be negative", p)
	}
	if p.N > limit {
		return fmt.Errorf("calendar: period %s: n must be at most %d for unit %q", p, limit, p.Unit)
	}
	return nil
}

// String renders the period as it appears in Chinese documents:
// "5个工作日", "10日", "3个月", "4小时", "30分钟".
func (p Period) String() string {
	switch p.Unit {
	case WorkingDays:
		return fmt.Sprintf("%d个工作日", p.N)
	case Days:
		return fmt.Sprintf("%d日", p.N)
	case Months:
		return fmt.Sprintf("%d个月", p.N)
	case Hours:
		return fmt.Sprintf("%d小时", p.N)
	case Minutes:
		return fmt.Sprintf("%d分钟", p.N)
	default:
		return fmt.Sprintf("%d %s", p.N, p.Unit)
	}
}

// Add returns the deadline p after from: working days, days and months end
// at 23:59:59 Beijing time (see AddWorkingDays, AddDays, AddMonths); hours
// and minutes are added exactly, without rounding to the end of a day, and
// count every hour of weekends and holidays alike. A negative N
// counts backwards. An unknown unit is an error, and so is |N| above the
// bound Validate enforces (so a bad input cannot spin the working-day loop).
func (c *Calendar) Add(from time.Time, p Period) (time.Time, error) {
	limit, ok := maxN[p.Unit]
	if !ok {
		return time.Time{}, fmt.Errorf("calendar: unknown period unit %q", p.Unit)
	}
	if p.N > limit || p.N < -limit {
		return time.Time{}, fmt.Errorf("calendar: period %s: |n| must be at most %d for unit %q", p, limit, p.Unit)
	}
	switch p.Unit {
	case WorkingDays:
		return c.AddWorkingDays(from, p.N), nil
	case Days:
		return c.AddDays(from, p.N), nil
	case Months:
		return c.AddMonths(from, p.N), nil
	case Minutes:
		return from.Add(time.Duration(p.N) * time.Minute), nil
	default: // Hours
		return from.Add(time.Duration(p.N) * time.Hour), nil
	}
}
