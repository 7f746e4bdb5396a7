package calendar

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Expected dates below were worked out by hand from the official 2025/2026
// schedules; every deadline is 23:59:59 Beijing time.

func seeded(t *testing.T) *Calendar {
	t.Helper()
	c, err := New(Seed())
	if err != nil {
		t.Fatalf("New(Seed()): %v", err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// wantEnd asserts got is exactly 23:59:59+08:00 on date, in Location().
func wantEnd(t *testing.T, got time.Time, date string) {
	t.Helper()
	if s, want := got.Format(time.RFC3339Nano), date+"T23:59:59+08:00"; s != want {
		t.Errorf("got %s, want %s", s, want)
	}
	if got.Location() != Location() {
		t.Errorf("got location %v, want %v", got.Location(), Location())
	}
}

func TestLocation(t *testing.T) {
	loc := Location()
	if loc.String() != "Asia/Shanghai" {
		t.Errorf("Location() = %q, want Asia/Shanghai (tzdata embedded)", loc)
	}
	for _, s := range []string{"2025-01-15T12:00:00Z", "2026-07-15T12:00:00Z"} {
		if _, off := at(t, s).In(loc).Zone(); off != 8*3600 {
			t.Errorf("offset at %s = %d, want 28800", s, off)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		// Notice published Wed 2026-09-23: Thu 24 works; 中秋节 25–27 off;
		// Mon 28–Wed 30 work; 国庆节 Oct 1–7 off; Thu 8, Fri 9 work;
		// Sat 10 is a make-up working day; Mon 12.
		{"mid-autumn n=0 is end of event day", "2026-09-23T10:00:00+08:00", 0, "2026-09-23"},
		{"mid-autumn n=1", "2026-09-23T10:00:00+08:00", 1, "2026-09-24"},
		{"mid-autumn n=2 skips 25-27", "2026-09-23T10:00:00+08:00", 2, "2026-09-28"},
		{"mid-autumn n=4", "2026-09-23T10:00:00+08:00", 4, "2026-09-30"},
		{"mid-autumn n=5 skips national day", "2026-09-23T10:00:00+08:00", 5, "2026-10-08"},
		{"mid-autumn n=6", "2026-09-23T10:00:00+08:00", 6, "2026-10-09"},
		{"mid-autumn n=7 make-up Sat 10-10", "2026-09-23T10:00:00+08:00", 7, "2026-10-10"},
		{"mid-autumn n=8", "2026-09-23T10:00:00+08:00", 8, "2026-10-12"},
		{"make-up Sun 09-20", "2026-09-18T09:00:00+08:00", 1, "2026-09-20"},
		{"after make-up Sun 09-20", "2026-09-18T09:00:00+08:00", 2, "2026-09-21"},

		// Spring Festival 2026: Sat 02-14 worked, 15–23 off, Sat 02-28 worked.
		{"make-up Sat 02-14", "2026-02-13T09:00:00+08:00", 1, "2026-02-14"},
		{"spring festival skipped", "2026-02-13T09:00:00+08:00", 2, "2026-02-24"},
		{"spring festival n=5", "2026-02-13T09:00:00+08:00", 5, "2026-02-27"},
		{"make-up Sat 02-28", "2026-02-13T09:00:00+08:00", 6, "2026-02-28"},
		{"after make-up Sat 02-28", "2026-02-13T09:00:00+08:00", 7, "2026-03-02"},
		{"event on make-up day does not count", "2026-02-14T09:00:00+08:00", 1, "2026-02-24"},
		{"event on holiday", "2026-02-15T09:00:00+08:00", 1, "2026-02-24"},
		{"event on holiday n=0", "2026-02-15T09:00:00+08:00", 0, "2026-02-15"},
		{"event on plain Sunday", "2026-03-01T09:00:00+08:00", 1, "2026-03-02"},

		// The event's own day never counts, whatever the clock time.
		{"event at local midnight", "2026-03-02T00:00:00+08:00", 1, "2026-03-03"},
		{"event at last second", "2026-03-02T23:59:59+08:00", 1, "2026-03-03"},

		// The Beijing date counts, not the UTC date.
		{"23:30 local = 15:30Z same UTC day", "2026-03-02T15:30:00Z", 1, "2026-03-03"},
		{"00:30 local = 16:30Z same UTC day", "2026-03-02T16:30:00Z", 1, "2026-03-04"},
		{"Fri 23:30 local", "2026-02-13T15:30:00Z", 1, "2026-02-14"},
		{"Sat 00:30 local (make-up day is the event day)", "2026-02-13T16:30:00Z", 1, "2026-02-24"},
		{"New York noon is Beijing Oct 1", "2026-09-30T12:00:00-04:00", 1, "2026-10-08"},

		// Across the year boundary: 2026 元旦 Jan 1–3 off, Sun Jan 4 worked.
		{"year boundary n=1", "2025-12-31T10:00:00+08:00", 1, "2026-01-04"},
		{"year boundary n=2", "2025-12-31T10:00:00+08:00", 2, "2026-01-05"},
		{"year boundary n=3", "2025-12-30T10:00:00+08:00", 3, "2026-01-05"},

		// 2025 Spring Festival: Sun 01-26 worked, 01-28..02-04 off, Sat 02-08 worked.
		{"2025 make-up Sun 01-26", "2025-01-24T10:00:00+08:00", 1, "2025-01-26"},
		{"2025 spring n=2", "2025-01-24T10:00:00+08:00", 2, "2025-01-27"},
		{"2025 spring n=3", "2025-01-24T10:00:00+08:00", 3, "2025-02-05"},
		{"2025 spring n=5", "2025-01-24T10:00:00+08:00", 5, "2025-02-07"},
		{"2025 make-up Sat 02-08", "2025-01-24T10:00:00+08:00", 6, "2025-02-08"},
		{"2025 spring n=7", "2025-01-24T10:00:00+08:00", 7, "2025-02-10"},
		// 2025 National Day/Mid-Autumn: Sun 09-28 worked, 10-01..08 off, Sat 10-11 worked.
		{"2025 make-up Sun 09-28", "2025-09-26T10:00:00+08:00", 1, "2025-09-28"},
		{"2025 national n=3", "2025-09-26T10:00:00+08:00", 3, "2025-09-30"},
		{"2025 national n=4", "2025-09-26T10:00:00+08:00", 4, "2025-10-09"},
		{"2025 make-up Sat 10-11", "2025-09-26T10:00:00+08:00", 6, "2025-10-11"},
		{"2025 national n=7", "2025-09-26T10:00:00+08:00", 7, "2025-10-13"},
		{"2025 qingming", "2025-04-03T10:00:00+08:00", 1, "2025-04-07"},
		{"2025 make-up Sun 04-27", "2025-04-25T10:00:00+08:00", 1, "2025-04-27"},
		{"2025 after make-up 04-27", "2025-04-25T10:00:00+08:00", 2, "2025-04-28"},
		{"2025 labour day", "2025-04-30T10:00:00+08:00", 1, "2025-05-06"},

		// Backwards, e.g. "remind 2 working days before the deadline".
		{"back from 10-08 n=-1", "2026-10-08T23:59:59+08:00", -1, "2026-09-30"},
		{"back from 10-08 n=-2", "2026-10-08T23:59:59+08:00", -2, "2026-09-29"},
		{"back from 10-08 n=-4 skips mid-autumn", "2026-10-08T23:59:59+08:00", -4, "2026-09-24"},
		{"back from 10-08 n=-5", "2026-10-08T23:59:59+08:00", -5, "2026-09-23"},
		{"back to make-up Sat 10-10", "2026-10-12T09:00:00+08:00", -1, "2026-10-10"},
		{"back past make-up Sat", "2026-10-12T09:00:00+08:00", -3, "2026-10-08"},
		{"back to make-up Sat 02-14", "2026-02-24T09:00:00+08:00", -1, "2026-02-14"},
		{"back past spring festival", "2026-02-24T09:00:00+08:00", -2, "2026-02-13"},
		{"back to make-up Sun 01-04", "2026-01-05T09:00:00+08:00", -1, "2026-01-04"},
		{"back across year boundary", "2026-01-05T09:00:00+08:00", -2, "2025-12-31"},
		{"back from make-up day across year", "2026-01-04T09:00:00+08:00", -1, "2025-12-31"},
		{"back uses Beijing date", "2026-01-04T16:30:00Z", -1, "2026-01-04"}, // local Mon 01-05 00:30
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantEnd(t, c.AddWorkingDays(at(t, tt.from), tt.n), tt.want)
		})
	}
}

// Invariants over two full years of event days: the result of n > 0 steps is
// a working day, and WorkingDaysBetween inverts AddWorkingDays.
func TestAddWorkingDaysInvariants(t *testing.T) {
	c := seeded(t)
	start := time.Date(2025, 1, 1, 9, 30, 0, 0, Location())
	for i := 0; i < 730; i++ {
		from := start.AddDate(0, 0, i)
		fromWorks := 0
		if c.IsWorkingDay(from) {
			fromWorks = 1
		}
		for n := 1; n <= 25; n++ {
			fwd := c.AddWorkingDays(from, n)
			if !c.IsWorkingDay(fwd) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, fwd)
			}
			if got := c.WorkingDaysBetween(from, fwd); got != n {
				t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(+%d)=%s) = %d", from, n, fwd, got)
			}
			back := c.AddWorkingDays(from, -n)
			if !c.IsWorkingDay(back) || !back.Before(from) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s", from, -n, back)
			}
			// (back, from] holds the n-1 working days strictly between, plus from itself if it works.
			if got := c.WorkingDaysBetween(back, from); got != n-1+fromWorks {
				t.Fatalf("WorkingDaysBetween(AddWorkingDays(%s, -%d)=%s, from) = %d", from, n, back, got)
			}
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		at   string
		want bool
	}{
		{"2026-02-13T12:00:00+08:00", true},  // Fri
		{"2026-02-14T12:00:00+08:00", true},  // Sat, make-up
		{"2026-02-15T12:00:00+08:00", false}, // Sun, 春节
		{"2026-02-16T12:00:00+08:00", false}, // Mon, 春节
		{"2026-02-21T12:00:00+08:00", false}, // Sat, 春节
		{"2026-02-23T12:00:00+08:00", false}, // Mon, 春节 last day
		{"2026-02-24T12:00:00+08:00", true},  // Tue
		{"2026-02-28T12:00:00+08:00", true},  // Sat, make-up
		{"2026-03-07T12:00:00+08:00", false}, // plain Sat
		{"2026-01-04T12:00:00+08:00", true},  // Sun, make-up
		{"2026-10-10T12:00:00+08:00", true},  // Sat, make-up
		{"2026-10-11T12:00:00+08:00", false}, // plain Sun
		{"2026-09-25T12:00:00+08:00", false}, // Fri, 中秋节
		{"2025-10-08T12:00:00+08:00", false}, // Wed, 国庆节 last day
		{"2025-10-11T12:00:00+08:00", true},  // Sat, make-up
		{"2025-01-01T12:00:00+08:00", false}, // Wed, 元旦
		{"2027-01-01T12:00:00+08:00", true},  // Fri in an uncovered year: weekday default
		{"2026-02-13T16:30:00Z", true},       // local Sat 02-14 00:30, make-up
		{"2026-02-14T16:30:00Z", false},      // local Sun 02-15 00:30, 春节
		{"2026-02-23T16:30:00Z", true},       // local Tue 02-24 00:30
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(at(t, tt.at)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestEndOfDay(t *testing.T) {
	c := seeded(t)
	tests := []struct{ at, want string }{
		{"2026-03-02T00:00:00+08:00", "2026-03-02"},
		{"2026-03-02T12:00:00.123456789+08:00", "2026-03-02"},
		{"2026-03-02T23:59:59.999999999+08:00", "2026-03-02"},
		{"2026-03-02T15:30:00Z", "2026-03-02"},
		{"2026-03-02T16:30:00Z", "2026-03-03"},
		{"2025-12-31T16:00:00Z", "2026-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) { wantEnd(t, c.EndOfDay(at(t, tt.at)), tt.want) })
	}
}

func TestAddDays(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-23T10:00:00+08:00", 10, "2026-10-03"}, // holidays do not matter
		{"2026-09-23T10:00:00+08:00", 0, "2026-09-23"},
		{"2026-09-23T10:00:00+08:00", -1, "2026-09-22"},
		{"2025-12-25T10:00:00+08:00", 10, "2026-01-04"},
		{"2026-02-28T10:00:00+08:00", 1, "2026-03-01"},
		{"2026-03-02T16:30:00Z", 1, "2026-03-04"}, // local 03-03 00:30
		{"2026-03-02T15:30:00Z", 1, "2026-03-03"}, // local 03-02 23:30
	}
	for _, tt := range tests {
		wantEnd(t, c.AddDays(at(t, tt.from), tt.n), tt.want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-09-23T10:00:00+08:00", "2026-10-08T23:59:59+08:00", 5},
		{"2026-09-23T10:00:00+08:00", "2026-10-12T00:00:00+08:00", 8},
		{"2026-02-13T10:00:00+08:00", "2026-03-02T10:00:00+08:00", 7},
		{"2025-12-31T10:00:00+08:00", "2026-01-05T10:00:00+08:00", 2},
		{"2026-03-02T08:00:00+08:00", "2026-03-02T18:00:00+08:00", 0}, // same day
		{"2026-03-05T08:00:00+08:00", "2026-03-02T18:00:00+08:00", 0}, // b before a
		{"2026-03-02T15:30:00Z", "2026-03-02T16:30:00Z", 1},           // local 03-02 -> 03-03
		// Whole years: 261 weekdays - 18 weekday holidays + 5 make-up = 248;
		// 2026: 261 - 19 + 6 = 248.
		{"2024-12-31T12:00:00+08:00", "2025-12-31T12:00:00+08:00", 248},
		{"2025-12-31T12:00:00+08:00", "2026-12-31T12:00:00+08:00", 248},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(at(t, tt.a), at(t, tt.b)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	c := seeded(t)
	for year, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: false} {
		if got := c.Covers(year); got != want {
			t.Errorf("Covers(%d) = %v, want %v", year, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	t.Run("empty calendar is plain Monday to Friday", func(t *testing.T) {
		c, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Covers(2026) {
			t.Error("empty calendar covers 2026")
		}
		if !c.IsWorkingDay(at(t, "2026-10-01T12:00:00+08:00")) {
			t.Error("Thu 2026-10-01 should be a working day without holidays entered")
		}
		wantEnd(t, c.AddWorkingDays(at(t, "2026-09-23T10:00:00+08:00"), 5), "2026-09-30")
	})

	t.Run("copies its input", func(t *testing.T) {
		days := []Day{{Date: "2026-10-01", Kind: Off, Name: "国庆节"}}
		c, err := New(days)
		if err != nil {
			t.Fatal(err)
		}
		days[0].Date, days[0].Kind = "2026-10-02", Workday
		if c.IsWorkingDay(at(t, "2026-10-01T12:00:00+08:00")) {
			t.Error("mutating the input changed the calendar")
		}
	})

	bad := []struct {
		name    string
		days    []Day
		mention []string
	}{
		{"duplicate date", []Day{{"2026-10-01", Off, "国庆节"}, {"2026-10-01", Workday, "x"}}, []string{"2026-10-01", "more than once"}},
		{"impossible date", []Day{{"2026-02-30", Off, ""}}, []string{"2026-02-30"}},
		{"unpadded date", []Day{{"2026-2-3", Off, ""}}, []string{"2026-2-3"}},
		{"slashes", []Day{{"2026/02/03", Off, ""}}, []string{"2026/02/03"}},
		{"trailing space", []Day{{"2026-02-03 ", Off, ""}}, []string{"2026-02-03 "}},
		{"empty date", []Day{{"", Off, ""}}, []string{`""`}},
		{"unknown kind", []Day{{"2026-10-01", "holiday", ""}}, []string{"2026-10-01", "holiday"}},
		{"empty kind", []Day{{"2026-10-01", "", ""}}, []string{"2026-10-01", "kind"}},
		{"all problems reported", []Day{{"2026-13-01", Off, ""}, {"2026-10-01", "x", ""}, {"2026-10-02", Off, ""}, {"2026-10-02", Off, ""}},
			[]string{"2026-13-01", "2026-10-01", "2026-10-02"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.days)
			if err == nil {
				t.Fatalf("New accepted %v", tt.days)
			}
			if c != nil {
				t.Error("New returned a calendar along with an error")
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestSeed(t *testing.T) {
	days := Seed()
	type key struct {
		year int
		kind DayKind
	}
	counts := map[key]int{}
	var makeUp []string
	for i, d := range days {
		if i > 0 && days[i-1].Date >= d.Date {
			t.Errorf("not sorted/unique at %s after %s", d.Date, days[i-1].Date)
		}
		date, err := time.Parse(dateLayout, d.Date)
		if err != nil {
			t.Fatalf("bad seed date %q", d.Date)
		}
		counts[key{date.Year(), d.Kind}]++
		if d.Name == "" {
			t.Errorf("%s has no name", d.Date)
		}
		if d.Kind == Workday {
			makeUp = append(makeUp, d.Date)
			if wd := date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("make-up day %s is a %s", d.Date, wd)
			}
			if !strings.HasSuffix(d.Name, "调休上班") {
				t.Errorf("make-up day %s named %q", d.Date, d.Name)
			}
		}
	}
	// 2025: 1+8+3+5+3+8 = 28 off; 2026: 3+9+3+5+3+3+7 = 33 off.
	want := map[key]int{{2025, Off}: 28, {2025, Workday}: 5, {2026, Off}: 33, {2026, Workday}: 6}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s: %d days, want %d", k.year, k.kind, counts[k], n)
		}
	}
	if len(days) != 72 {
		t.Errorf("len(Seed()) = %d, want 72", len(days))
	}
	wantMakeUp := "2025-01-26 2025-02-08 2025-04-27 2025-09-28 2025-10-11 " +
		"2026-01-04 2026-02-14 2026-02-28 2026-05-09 2026-09-20 2026-10-10"
	if got := strings.Join(makeUp, " "); got != wantMakeUp {
		t.Errorf("make-up days\n got %s\nwant %s", got, wantMakeUp)
	}

	byDate := map[string]Day{}
	for _, d := range days {
		byDate[d.Date] = d
	}
	names := map[string]string{
		"2025-01-01": "元旦",
		"2025-01-26": "春节调休上班",
		"2025-01-28": "春节",
		"2025-02-04": "春节",
		"2025-04-04": "清明节",
		"2025-05-05": "劳动节",
		"2025-05-31": "端午节",
		"2025-06-02": "端午节",
		"2025-10-08": "国庆节、中秋节",
		"2026-01-03": "元旦",
		"2026-01-04": "元旦调休上班",
		"2026-02-14": "春节调休上班",
		"2026-02-23": "春节",
		"2026-04-06": "清明节",
		"2026-05-09": "劳动节调休上班",
		"2026-06-19": "端午节",
		"2026-09-25": "中秋节",
		"2026-09-27": "中秋节",
		"2026-10-01": "国庆节",
		"2026-10-07": "国庆节",
		"2026-10-10": "国庆节调休上班",
	}
	for date, name := range names {
		if got := byDate[date].Name; got != name {
			t.Errorf("%s named %q, want %q", date, got, name)
		}
	}
	for _, date := range []string{"2025-12-31", "2026-01-05", "2026-02-24", "2026-09-24", "2026-09-28", "2026-10-08"} {
		if _, ok := byDate[date]; ok {
			t.Errorf("%s should not be in the seed", date)
		}
	}

	days[0].Name = "changed"
	if Seed()[0].Name == "changed" {
		t.Error("Seed returns shared storage")
	}
}

func TestPeriodAdd(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		from string
		p    Period
		want string // RFC 3339
	}{
		{"2026-09-23T10:00:00+08:00", Period{5, WorkingDays}, "2026-10-08T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{-2, WorkingDays}, "2026-09-21T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{10, Days}, "2026-10-03T23:59:59+08:00"},
		{"2026-09-23T10:15:30+08:00", Period{4, Hours}, "2026-09-23T14:15:30+08:00"},
		{"2026-09-30T22:00:00+08:00", Period{4, Hours}, "2026-10-01T02:00:00+08:00"}, // no holiday skipping
		{"2026-09-23T10:15:30.5+08:00", Period{0, Hours}, "2026-09-23T10:15:30.5+08:00"},
		{"2026-09-23T02:00:00Z", Period{24, Hours}, "2026-09-24T10:00:00+08:00"},
		{"2026-01-31T10:00:00+08:00", Period{1, Months}, "2026-02-28T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{3, Months}, "2026-12-23T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{-1, Months}, "2026-08-23T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{3650, Days}, "2036-09-20T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{120, Months}, "2036-09-23T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{-120, Months}, "2016-09-23T23:59:59+08:00"},
		{"2026-09-23T10:00:00+08:00", Period{87600, Hours}, "2036-09-20T10:00:00+08:00"},
		{"2026-09-30T22:00:00+08:00", Period{-12, Minutes}, "2026-09-30T21:48:00+08:00"},
		{"2026-09-30T22:00:00+08:00", Period{150, Minutes}, "2026-10-01T00:30:00+08:00"},
	}
	for _, tt := range tests {
		got, err := c.Add(at(t, tt.from), tt.p)
		if err != nil {
			t.Errorf("Add(%s, %v): %v", tt.from, tt.p, err)
			continue
		}
		if want := at(t, tt.want); !got.Equal(want) {
			t.Errorf("Add(%s, %v) = %s, want %s", tt.from, tt.p, got.Format(time.RFC3339Nano), tt.want)
		}
		if tt.p.Unit != Hours && tt.p.Unit != Minutes && got.Location() != Location() {
			t.Errorf("Add(%s, %v) location %v", tt.from, tt.p, got.Location())
		}
	}
	for _, u := range []Unit{"", "weeks", "Working_Days", "month", "MONTHS"} {
		if _, err := c.Add(at(t, "2026-09-23T10:00:00+08:00"), Period{1, u}); err == nil {
			t.Errorf("Add with unit %q: no error", u)
		}
	}
	// Beyond the bounds Validate enforces, Add refuses too (in either direction)
	// rather than walk millions of days.
	for _, p := range []Period{{3651, WorkingDays}, {-3651, WorkingDays}, {3651, Days}, {121, Months}, {-121, Months}, {87601, Hours}, {5256001, Minutes}, {1 << 40, WorkingDays}} {
		if _, err := c.Add(at(t, "2026-09-23T10:00:00+08:00"), p); err == nil {
			t.Errorf("Add(%#v): no error", p)
		}
	}
}

func TestAddMonths(t *testing.T) {
	c := seeded(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"plain", "2026-03-15T10:00:00+08:00", 1, "2026-04-15"},
		{"n=0 is end of event day", "2026-03-15T10:00:00+08:00", 0, "2026-03-15"},
		{"three months", "2026-03-15T10:00:00+08:00", 3, "2026-06-15"},
		{"Jan 31 clamps to Feb 28", "2026-01-31T10:00:00+08:00", 1, "2026-02-28"},
		{"Jan 31 clamps to Feb 29 in a leap year", "2028-01-31T10:00:00+08:00", 1, "2028-02-29"},
		{"Jan 31 + 2 keeps the 31st", "2026-01-31T10:00:00+08:00", 2, "2026-03-31"},
		{"Mar 31 clamps to Apr 30", "2026-03-31T10:00:00+08:00", 1, "2026-04-30"},
		{"Jan 30 clamps to Feb 28", "2026-01-30T10:00:00+08:00", 1, "2026-02-28"},
		{"Feb 28 stays the 28th", "2026-02-28T10:00:00+08:00", 1, "2026-03-28"},
		{"Nov 30 + 3 crosses the year and clamps", "2026-11-30T10:00:00+08:00", 3, "2027-02-28"},
		{"Dec 15 + 1 crosses the year", "2026-12-15T10:00:00+08:00", 1, "2027-01-15"},
		{"Feb 29 + 12 clamps", "2028-02-29T10:00:00+08:00", 12, "2029-02-28"},
		{"Feb 29 + 48 keeps the 29th", "2028-02-29T10:00:00+08:00", 48, "2032-02-29"},
		{"whole years", "2026-09-23T10:00:00+08:00", 24, "2028-09-23"},
		{"ten years", "2026-09-23T10:00:00+08:00", 120, "2036-09-23"},
		// Holidays do not move the date: 2026-10-01 is 国庆节.
		{"lands on a holiday", "2026-07-01T10:00:00+08:00", 3, "2026-10-01"},
		{"from a holiday", "2026-02-16T10:00:00+08:00", 1, "2026-03-16"},
		// Backwards.
		{"back one", "2026-03-31T10:00:00+08:00", -1, "2026-02-28"},
		{"back across the year", "2026-01-15T10:00:00+08:00", -1, "2025-12-15"},
		{"back across the year, clamped", "2026-03-31T10:00:00+08:00", -13, "2025-02-28"},
		{"back twelve", "2026-05-31T10:00:00+08:00", -12, "2025-05-31"},
		// The Beijing date counts, not the UTC date.
		{"local Jan 31 00:30 is 16:30Z on Jan 30", "2026-01-30T16:30:00Z", 1, "2026-02-28"},
		{"local Jan 30 23:30", "2026-01-30T15:30:00Z", 1, "2026-02-28"},
		{"local Mar 01 00:30", "2026-02-28T16:30:00Z", 1, "2026-04-01"},
		{"local Feb 28 23:30", "2026-02-28T15:30:00Z", 1, "2026-03-28"},
		{"New York Dec 31 evening is Beijing Jan 1", "2026-12-31T20:00:00-05:00", 1, "2027-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddMonths(at(t, tt.from), tt.n)
			wantEnd(t, got, tt.want)
			viaAdd, err := c.Add(at(t, tt.from), Period{tt.n, Months})
			if err != nil || !viaAdd.Equal(got) {
				t.Errorf("Add(Period{%d, Months}) = %s, %v; AddMonths = %s", tt.n, viaAdd, err, got)
			}
		})
	}
}

func TestWorkingDaysInYear(t *testing.T) {
	c := seeded(t)
	empty, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		cal  *Calendar
		year int
		want int
	}{
		{c, 2025, 248},     // 261 weekdays - 18 weekday holidays + 5 make-up days
		{c, 2026, 248},     // 261 - 19 + 6
		{c, 2027, 261},     // not covered: Monday to Friday (starts on a Friday)
		{c, 2028, 260},     // leap year starting on a Saturday
		{empty, 2026, 261}, // no holidays at all
	} {
		if got := tt.cal.WorkingDaysInYear(tt.year); got != tt.want {
			t.Errorf("WorkingDaysInYear(%d) = %d, want %d", tt.year, got, tt.want)
		}
		dec31 := time.Date(tt.year-1, 12, 31, 12, 0, 0, 0, Location())
		if between := tt.cal.WorkingDaysBetween(dec31, dec31.AddDate(1, 0, 0)); between != tt.want {
			t.Errorf("WorkingDaysBetween over %d = %d, want %d", tt.year, between, tt.want)
		}
	}
}

func TestPeriodString(t *testing.T) {
	tests := []struct {
		p    Period
		want string
	}{
		{Period{5, WorkingDays}, "5个工作日"},
		{Period{10, Days}, "10日"},
		{Period{4, Hours}, "4小时"},
		{Period{30, Minutes}, "30分钟"},
		{Period{3, Months}, "3个月"},
		{Period{1, Months}, "1个月"},
		{Period{0, WorkingDays}, "0个工作日"},
		{Period{3, "weeks"}, "3 weeks"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestPeriodValidate(t *testing.T) {
	for _, p := range []Period{
		{5, WorkingDays}, {0, WorkingDays}, {30, Days}, {4, Hours}, {3, Months}, {0, Months},
		{3650, WorkingDays}, {3650, Days}, {120, Months}, {87600, Hours}, {90, Minutes}, {5256000, Minutes},
	} {
		if err := p.Validate(); err != nil {
			t.Errorf("%#v.Validate() = %v", p, err)
		}
	}
	bad := []struct {
		p       Period
		mention []string
	}{
		{Period{-1, WorkingDays}, []string{"negative"}},
		{Period{-1, Hours}, []string{"negative"}},
		{Period{-1, Months}, []string{"negative"}},
		{Period{1, ""}, []string{"unknown period unit"}},
		{Period{1, "weeks"}, []string{"unknown period unit", "weeks", "months"}},
		{Period{1, "WORKING_DAYS"}, []string{"unknown period unit"}},
		{Period{1, "month"}, []string{"unknown period unit"}},
		{Period{3651, WorkingDays}, []string{"3651个工作日", "at most 3650"}},
		{Period{3651, Days}, []string{"3651日", "at most 3650"}},
		{Period{121, Months}, []string{"121个月", "at most 120"}},
		{Period{87601, Hours}, []string{"87601小时", "at most 87600"}},
		{Period{5256001, Minutes}, []string{"5256001分钟", "at most 5256000"}},
		{Period{-1, Minutes}, []string{"negative"}},
		{Period{1 << 40, WorkingDays}, []string{"at most 3650"}},
	}
	for _, tt := range bad {
		err := tt.p.Validate()
		if err == nil {
			t.Errorf("%#v.Validate() = nil, want error", tt.p)
			continue
		}
		for _, m := range tt.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%#v.Validate() = %q, does not mention %q", tt.p, err, m)
			}
		}
	}
}

func TestPeriodJSON(t *testing.T) {
	b, err := json.Marshal(Period{5, WorkingDays})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"n":5,"unit":"working_days"}` {
		t.Errorf("Marshal = %s", b)
	}
	var p Period
	if err := json.Unmarshal([]byte(`{"n":4,"unit":"hours"}`), &p); err != nil {
		t.Fatal(err)
	}
	if p != (Period{4, Hours}) {
		t.Errorf("Unmarshal = %#v", p)
	}
	if err := json.Unmarshal([]byte(`{"n":3,"unit":"months"}`), &p); err != nil {
		t.Fatal(err)
	}
	if p != (Period{3, Months}) || p.Validate() != nil {
		t.Errorf("Unmarshal months = %#v", p)
	}
}

func TestDateText(t *testing.T) {
	// 16:30 UTC on 14 Oct is already 15 Oct in Beijing.
	if got := DateText(time.Date(2026, 10, 14, 16, 30, 0, 0, time.UTC)); got != "2026年10月15日" {
		t.Fatalf("DateText = %q", got)
	}
}

// Clock hours run round the clock: a 48-hour window from the eve of National Day ends at the
// same minute two days later, on a holiday, and its 80% mark (9.6 hours before) falls to the
// minute too; nothing is rounded to the end of a day or moved off a weekend or holiday.
func TestClockHoursIgnoreTheCalendar(t *testing.T) {
	c := seeded(t)
	t0 := at(t, "2026-09-30T22:00:00+08:00") // Wed, the last working day before 国庆节
	for _, tt := range []struct {
		p    Period
		want string
	}{
		{Period{2, Hours}, "2026-10-01T00:00:00+08:00"},  // 国庆节
		{Period{5, Hours}, "2026-10-01T03:00:00+08:00"},  // 国庆节
		{Period{24, Hours}, "2026-10-01T22:00:00+08:00"}, // 国庆节
		{Period{48, Hours}, "2026-10-02T22:00:00+08:00"}, // 国庆节
		{Period{96, Hours}, "2026-10-04T22:00:00+08:00"}, // Sunday, 国庆节
	} {
		due, err := c.Add(t0, tt.p)
		if err != nil || !due.Equal(at(t, tt.want)) {
			t.Errorf("Add(T0, %s) = %s, %v; want %s", tt.p, due.Format(time.RFC3339), err, tt.want)
		}
		if c.IsWorkingDay(due) {
			t.Errorf("%s lands on %s, which should be a holiday or weekend for this test", tt.p, tt.want)
		}
	}
	due, _ := c.Add(t0, Period{48, Hours})
	if got, _ := c.Add(due, Period{-48 * 12, Minutes}); !got.Equal(at(t, "2026-10-02T12:24:00+08:00")) {
		t.Errorf("80%% of 48 hours = %s, want 2026-10-02T12:24:00+08:00", got.Format(time.RFC3339))
	}
}
