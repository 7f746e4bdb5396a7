// Package calendar computes supervision deadlines on the Chinese working-day
// calendar: Monday to Friday, minus public holidays, plus the weekend days
// that are worked to make up for them (调休上班).
//
// All day arithmetic happens in Asia/Shanghai, because a notice published at
// 23:30 Beijing time belongs to that Beijing day whatever the server's zone
// is. A deadline is the end of a day, 23:59:59 local time.
package calendar

import (
	"errors"
	"fmt"
	"time"

	// Embedded so Asia/Shanghai loads on minimal containers without tzdata.
	_ "time/tzdata"
)

// DayKind says how an entered date deviates from the Monday–Friday default.
type DayKind string

const (
	// Off is a public holiday (it may fall on a weekday or a weekend).
	Off DayKind = "off"
	// Workday is a make-up working day, normally a Saturday or Sunday.
	Workday DayKind = "workday"
)

// Day is one entered calendar date. Dates not entered follow the
// Monday–Friday default, so only the official exceptions need storing.
type Day struct {
	Date string  `json:"date"` // YYYY-MM-DD, Beijing date
	Kind DayKind `json:"kind"`
	Name string  `json:"name"` // e.g. "春节" or "春节调休上班"; informational
}

const dateLayout = "2006-01-02"

var location = loadLocation()

func loadLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	// Unreachable with time/tzdata embedded; China has had no DST since
	// 1991, so a fixed +08:00 is equivalent for every date we handle.
	return time.FixedZone("CST", 8*3600)
}

// Location returns Asia/Shanghai, the zone in which days are counted.
func Location() *time.Location { return location }

// day is a civil date in Beijing, as days since 1970-01-01. An integer makes
// stepping and map keys trivial and keeps clock times out of day arithmetic.
type day int64

func civil(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dayOf(t time.Time) day {
	y, m, d := t.In(location).Date()
	return civil(y, m, d)
}

func (d day) utc() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d day) end() time.Time {
	y, m, dd := d.utc().Date()
	return time.Date(y, m, dd, 23, 59, 59, 0, location)
}

// Calendar answers working-day questions from a fixed set of entered days.
// It is immutable after New, so one value can be shared by concurrent
// workflows and activities.
type Calendar struct {
	kinds map[day]DayKind
	years map[int]bool
}

// New builds a Calendar from entered days. It reports every malformed date,
// unknown kind and duplicated date (naming the date) so that an administrator
// can fix a whole import at once. Kinds are not checked against the weekday:
// off days span weekends, and a redundant weekday "workday" is harmless.
func New(days []Day) (*Calendar, error) {
	c := &Calendar{kinds: make(map[day]DayKind, len(days)), years: make(map[int]bool)}
	var errs []error
	for _, d := range days {
		t, err := time.Parse(dateLayout, d.Date)
		if err != nil {
			errs = append(errs, fmt.Errorf("calendar: invalid date %q (want YYYY-MM-DD)", d.Date))
			continue
		}
		if d.Kind != Off && d.Kind != Workday {
			errs = append(errs, fmt.Errorf("calendar: %s: unknown kind %q (want %q or %q)", d.Date, d.Kind, Off, Workday))
			continue
		}
		k := civil(t.Date())
		if _, dup := c.kinds[k]; dup {
			errs = append(errs, fmt.Errorf("calendar: %s: entered more than once", d.Date))
			continue
		}
		c.kinds[k] = d.Kind
		c.years[t.Year()] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func (c *Calendar) working(d day) bool {
	if k, ok := c.kinds[d]; ok {
		return k == Workday
	}
	wd := d.utc().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkingDay reports whether t's Beijing date is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.working(dayOf(t)) }

// DateText writes t's Beijing date as Chinese text ("2026年10月14日"), for notices and
// notification bodies.
func DateText(t time.Time) string { return t.In(Location()).Format("2006年1月2日") }

// EndOfDay returns 23:59:59 Beijing time on t's Beijing date.
func (c *Calendar) EndOfDay(t time.Time) time.Time { return dayOf(t).end() }

// AddWorkingDays returns the end of the nth working day after from's
// Beijing date; from's own date never counts, even if it is a working day.
// n == 0 gives the end of from's date. n < 0 counts backwards and gives the
// end of the |n|th working day before from's date (e.g. "remind 2 working
// days before the deadline").
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := dayOf(from)
	step := day(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += step
		if c.working(d) {
			n--
		}
	}
	return d.end()
}

// AddDays returns the end of the date n calendar days after from's Beijing
// date (n may be negative). Holidays do not matter here.
func (c *Calendar) AddDays(from time.Time, n int) time.Time {
	return (dayOf(from) + day(n)).end()
}

// AddMonths returns the end of the date n months after from's Beijing date
// (n may be negative): the same day of the month, or the target month's last
// day when it is shorter, so Jan 31 + 1 month is Feb 28 (Feb 29 in a leap
// year). Holidays do not matter here, as with AddDays.
func (c *Calendar) AddMonths(from time.Time, n int) time.Time {
	y, m, d := dayOf(from).utc().Date()
	// time.Date normalizes the month; day 1 cannot overflow into the next.
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	ty, tm, _ := first.Date()
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return civil(ty, tm, d).end()
}

// WorkingDaysInYear counts the working days of a calendar year, e.g. 248 for
// 2026 with the official schedule entered; for a year not covered it counts
// Monday to Friday.
func (c *Calendar) WorkingDaysInYear(year int) int {
	n := 0
	for d, last := civil(year, time.January, 1), civil(year, time.December, 31); d <= last; d++ {
		if c.working(d) {
			n++
		}
	}
	return n
}

// WorkingDaysBetween counts the working days d with a's date < d <= b's date
// (Beijing dates), matching AddWorkingDays: for n >= 0,
// WorkingDaysBetween(t, AddWorkingDays(t, n)) == n. It is 0 if b's date is
// not after a's.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	n := 0
	for d, last := dayOf(a)+1, dayOf(b); d <= last; d++ {
		if c.working(d) {
			n++
		}
	}
	return n
}

// Covers reports whether any day of the given year was entered. Results that
// land in an uncovered year silently ignore that year's holidays, so callers
// should warn that its schedule has not been entered yet.
func (c *Calendar) Covers(year int) bool { return c.years[year] }
