package calendar

import (
	"slices"
	"strings"
	"time"
)

// The State Council's official holiday notices (国务院办公厅关于部分节假日安排的通知)
// for 2025 and 2026, kept as ranges so they can be checked against the notices
// at a glance.
var (
	seedOff = []struct{ name, from, to string }{
		{"元旦", "2025-01-01", "2025-01-01"},
		{"春节", "2025-01-28", "2025-02-04"},
		{"清明节", "2025-04-04", "2025-04-06"},
		{"劳动节", "2025-05-01", "2025-05-05"},
		{"端午节", "2025-05-31", "2025-06-02"},
		{"国庆节、中秋节", "2025-10-01", "2025-10-08"},

		{"元旦", "2026-01-01", "2026-01-03"},
		{"春节", "2026-02-15", "2026-02-23"},
		{"清明节", "2026-04-04", "2026-04-06"},
		{"劳动节", "2026-05-01", "2026-05-05"},
		{"端午节", "2026-06-19", "2026-06-21"},
		{"中秋节", "2026-09-25", "2026-09-27"},
		{"国庆节", "2026-10-01", "2026-10-07"},
	}
	seedWorkday = []struct{ holiday, date string }{
		{"春节", "2025-01-26"},
		{"春节", "2025-02-08"},
		{"劳动节", "2025-04-27"},
		{"国庆节、中秋节", "2025-09-28"},
		{"国庆节、中秋节", "2025-10-11"},

		{"元旦", "2026-01-04"},
		{"春节", "2026-02-14"},
		{"春节", "2026-02-28"},
		{"劳动节", "2026-05-09"},
		{"国庆节", "2026-09-20"},
		{"国庆节", "2026-10-10"},
	}
)

// Seed returns the official 2025 and 2026 schedules, one Day per date,
// sorted by date, for loading into an empty calendar table. Each call
// returns a fresh slice.
func Seed() []Day {
	var days []Day
	for _, r := range seedOff {
		from, _ := time.Parse(dateLayout, r.from)
		to, _ := time.Parse(dateLayout, r.to)
		for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
			days = append(days, Day{Date: t.Format(dateLayout), Kind: Off, Name: r.name})
		}
	}
	for _, w := range seedWorkday {
		days = append(days, Day{Date: w.date, Kind: Workday, Name: w.holiday + "调休上班"})
	}
	// YYYY-MM-DD sorts chronologically as a string.
	slices.SortFunc(days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
	return days
}
