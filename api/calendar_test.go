package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// holidayRows is the whole holidays table in date order, to prove a refused PUT changed nothing.
func holidayRows(t *testing.T, gdb *gorm.DB) []schemas.Holiday {
	t.Helper()
	var rows []schemas.Holiday
	if err := gdb.Order("date").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func getCalendarYear(t *testing.T, h *harness, tok string, year int) CalendarResponse {
	t.Helper()
	r := h.do("GET", fmt.Sprintf("/api/v1/calendar/%d", year), tok, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET calendar %d: %d %s", year, r.status, r.body)
	}
	var res CalendarResponse
	r.json(t, &res)
	return res
}

// workingDaysIn counts a year's working days with the calendar package on its own.
func workingDaysIn(t *testing.T, days []calendar.Day, year int) int {
	t.Helper()
	cal, err := calendar.New(days)
	if err != nil {
		t.Fatal(err)
	}
	dec31 := time.Date(year-1, 12, 31, 12, 0, 0, 0, calendar.Location())
	return cal.WorkingDaysBetween(dec31, dec31.AddDate(1, 0, 0))
}

func TestGetCalendar(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		// Any official may read it; bao.yin is a supervisor, wuyun a supervised cadre.
		for _, who := range []string{"bao.yin", "wuyun", "admin"} {
			res := getCalendarYear(t, h, h.token(who), 2026)
			if res.Year != 2026 || !res.Entered {
				t.Fatalf("%s: year %d entered %v", who, res.Year, res.Entered)
			}
			kinds := map[calendar.DayKind]int{}
			for i, d := range res.Days {
				kinds[d.Kind]++
				if !strings.HasPrefix(d.Date, "2026-") {
					t.Errorf("%s in the 2026 calendar", d.Date)
				}
				if i > 0 && res.Days[i-1].Date >= d.Date {
					t.Errorf("not sorted at %s after %s", d.Date, res.Days[i-1].Date)
				}
			}
			if kinds[calendar.Off] != 33 || kinds[calendar.Workday] != 6 || len(res.Days) != 39 {
				t.Errorf("2026: %d off, %d workday, %d in all; want 33, 6, 39", kinds[calendar.Off], kinds[calendar.Workday], len(res.Days))
			}
			var want []calendar.Day
			for _, d := range calendar.Seed() {
				if strings.HasPrefix(d.Date, "2026-") {
					want = append(want, d)
				}
			}
			if !slices.Equal(res.Days, want) {
				t.Errorf("2026 days differ from the seed:\n got %v\nwant %v", res.Days, want)
			}
			if wd := workingDaysIn(t, calendar.Seed(), 2026); res.WorkingDays != wd || wd != 248 {
				t.Errorf("2026 working days %d; the calendar package counts %d (want 248)", res.WorkingDays, wd)
			}
		}

		// 2025 is seeded too; 2030 is not: no entries, Monday to Friday.
		if res := getCalendarYear(t, h, h.token("bao.yin"), 2025); len(res.Days) != 33 || res.WorkingDays != 248 || !res.Entered {
			t.Errorf("2025: %d days, %d working days, entered %v", len(res.Days), res.WorkingDays, res.Entered)
		}
		r := h.do("GET", "/api/v1/calendar/2030", h.token("bao.yin"), nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"days":[]`) {
			t.Fatalf("2030 should answer an empty list, not null: %d %s", r.status, r.body)
		}
		var empty CalendarResponse
		r.json(t, &empty)
		if empty.Year != 2030 || empty.Entered || len(empty.Days) != 0 || empty.WorkingDays != workingDaysIn(t, nil, 2030) || empty.WorkingDays != 261 {
			t.Errorf("2030: %+v", empty)
		}

		// Not signed in: 401. A bad year: 422 naming year.
		if r := h.do("GET", "/api/v1/calendar/2026", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d %s", r.status, r.body)
		}
		for _, y := range []string{"abc", "1999", "2101", "20261", "+2026", "0", "-2026", "2026.0"} {
			r := h.do("GET", "/api/v1/calendar/"+y, h.token("bao.yin"), nil)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("GET year %q: %d %s", y, r.status, r.body)
				continue
			}
			if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "year" {
				t.Errorf("GET year %q: errors %+v", y, p.Errors)
			}
		}
		for _, y := range []string{"2000", "2100"} {
			if r := h.do("GET", "/api/v1/calendar/"+y, h.token("bao.yin"), nil); r.status != http.StatusOK {
				t.Errorf("GET year %s: %d %s", y, r.status, r.body)
			}
		}
	})
}

func TestPutCalendar(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		admin, supervisor := h.token("admin"), h.token("bao.yin")
		acts := activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		deadline := func(from string, p calendar.Period) string {
			t.Helper()
			f, err := time.Parse(time.RFC3339, from)
			if err != nil {
				t.Fatal(err)
			}
			due, err := acts.ComputeDeadline(t.Context(), activities.DeadlineRequest{From: f, Period: p})
			if err != nil {
				t.Fatalf("ComputeDeadline(%s, %v): %v", from, p, err)
			}
			return due.Format(time.RFC3339)
		}
		// Thu 2026-12-31 + 1 working day, with 2027 not entered: Fri 2027-01-01.
		if got := deadline("2026-12-31T10:00:00+08:00", calendar.Period{N: 1, Unit: calendar.WorkingDays}); got != "2027-01-01T23:59:59+08:00" {
			t.Fatalf("before entering 2027: %s", got)
		}

		days2027 := []calendar.Day{
			// Out of order on purpose: the answer sorts them.
			{Date: "2027-02-06", Kind: calendar.Workday, Name: "春节调休上班"}, // Sat
			{Date: "2027-01-01", Kind: calendar.Off, Name: "元旦"},         // Fri
			{Date: "2027-01-02", Kind: calendar.Off, Name: "元旦"},         // Sat: off on a weekend is fine
			{Date: "2027-01-03", Kind: calendar.Off, Name: "元旦"},         // Sun
			{Date: "2027-02-08", Kind: calendar.Off, Name: "  春节  "},     // Mon; name trimmed
			{Date: "2027-02-09", Kind: calendar.Off, Name: strings.Repeat("春", 32)},
			{Date: "2027-02-10", Kind: calendar.Off},
		}

		// A supervisor may read but not write; a valid body does not help.
		before := holidayRows(t, gdb)
		r := h.do("PUT", "/api/v1/calendar/2027", supervisor, map[string]any{"days": days2027})
		if r.status != http.StatusForbidden || !strings.HasSuffix(r.problem(t).Type, "/forbidden") {
			t.Fatalf("supervisor PUT: %d %s", r.status, r.body)
		}
		if r := h.do("PUT", "/api/v1/calendar/2027", "", map[string]any{"days": days2027}); r.status != http.StatusUnauthorized {
			t.Fatalf("anonymous PUT: %d %s", r.status, r.body)
		}
		if after := holidayRows(t, gdb); !slices.Equal(before, after) {
			t.Fatal("a refused PUT changed the holidays table")
		}

		r = h.do("PUT", "/api/v1/calendar/2027", admin, map[string]any{"days": days2027})
		if r.status != http.StatusOK {
			t.Fatalf("admin PUT: %d %s", r.status, r.body)
		}
		var put CalendarResponse
		r.json(t, &put)
		want := slices.Clone(days2027)
		want[4].Name = "春节"
		slices.SortFunc(want, func(a, b calendar.Day) int { return strings.Compare(a.Date, b.Date) })
		wantWorking := workingDaysIn(t, want, 2027)
		if wantWorking != 261-4+1 { // Jan 1, Feb 8, 9, 10 are weekdays off; Feb 6 is worked
			t.Fatalf("calendar package counts %d working days in 2027", wantWorking)
		}
		if put.Year != 2027 || !put.Entered || !slices.Equal(put.Days, want) || put.WorkingDays != wantWorking {
			t.Fatalf("PUT answered %+v\nwant days %v, %d working days", put, want, wantWorking)
		}
		if got := getCalendarYear(t, h, supervisor, 2027); !slices.Equal(got.Days, want) || got.WorkingDays != wantWorking || !got.Entered {
			t.Fatalf("GET after PUT: %+v", got)
		}
		// Other years are untouched.
		var other []schemas.Holiday
		for _, row := range holidayRows(t, gdb) {
			if !strings.HasPrefix(row.Date, "2027-") {
				other = append(other, row)
			}
		}
		if !slices.Equal(other, before) {
			t.Fatal("PUT 2027 changed other years")
		}

		// New deadlines follow the new entries at once.
		for _, tt := range []struct {
			from string
			p    calendar.Period
			want string
		}{
			{"2026-12-31T10:00:00+08:00", calendar.Period{N: 1, Unit: calendar.WorkingDays}, "2027-01-04T23:59:59+08:00"},
			{"2027-02-05T10:00:00+08:00", calendar.Period{N: 1, Unit: calendar.WorkingDays}, "2027-02-06T23:59:59+08:00"}, // make-up Sat
			{"2027-02-05T10:00:00+08:00", calendar.Period{N: 2, Unit: calendar.WorkingDays}, "2027-02-11T23:59:59+08:00"},
			{"2027-02-11T10:00:00+08:00", calendar.Period{N: -1, Unit: calendar.WorkingDays}, "2027-02-06T23:59:59+08:00"},
			{"2027-01-31T10:00:00+08:00", calendar.Period{N: 1, Unit: calendar.Months}, "2027-02-28T23:59:59+08:00"},
		} {
			if got := deadline(tt.from, tt.p); got != tt.want {
				t.Errorf("ComputeDeadline(%s, %v) = %s, want %s", tt.from, tt.p, got, tt.want)
			}
		}

		// A second PUT replaces the year wholesale, and an empty list clears it.
		r = h.do("PUT", "/api/v1/calendar/2027", admin, map[string]any{"days": []calendar.Day{{Date: "2027-10-01", Kind: calendar.Off, Name: "国庆节"}}})
		if r.status != http.StatusOK {
			t.Fatalf("second PUT: %d %s", r.status, r.body)
		}
		if got := getCalendarYear(t, h, admin, 2027); len(got.Days) != 1 || got.Days[0].Date != "2027-10-01" || got.WorkingDays != 260 {
			t.Fatalf("after second PUT: %+v", got)
		}
		if got := deadline("2026-12-31T10:00:00+08:00", calendar.Period{N: 1, Unit: calendar.WorkingDays}); got != "2027-01-01T23:59:59+08:00" {
			t.Errorf("after replacing 2027: %s", got)
		}
		r = h.do("PUT", "/api/v1/calendar/2027", admin, `{"days": []}`)
		if r.status != http.StatusOK {
			t.Fatalf("clearing PUT: %d %s", r.status, r.body)
		}
		var cleared CalendarResponse
		r.json(t, &cleared)
		if cleared.Entered || len(cleared.Days) != 0 || cleared.WorkingDays != 261 || !strings.Contains(string(r.body), `"days":[]`) {
			t.Fatalf("after clearing: %s", r.body)
		}
		if after := holidayRows(t, gdb); !slices.Equal(after, before) {
			t.Fatal("clearing 2027 did not bring the table back to the seed")
		}

		// A seeded year can be replaced too.
		r = h.do("PUT", "/api/v1/calendar/2026", admin, map[string]any{"days": []calendar.Day{{Date: "2026-10-01", Kind: calendar.Off, Name: "国庆节"}}})
		if r.status != http.StatusOK {
			t.Fatalf("PUT 2026: %d %s", r.status, r.body)
		}
		if got := getCalendarYear(t, h, admin, 2026); len(got.Days) != 1 || got.WorkingDays != 260 {
			t.Fatalf("2026 after PUT: %+v", got)
		}
		if got := getCalendarYear(t, h, admin, 2025); len(got.Days) != 33 {
			t.Fatalf("PUT 2026 touched 2025: %d days", len(got.Days))
		}
	})
}

func TestPutCalendarInvalid(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		// A body limit large enough for 367 entries (the harness allows 4096 bytes).
		var logs lockedBuffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		srv := New(Deps{DB: gdb, Keys: testKeys, Logger: logger, Registry: metrics.NewRegistry(), MaxBodyBytes: 1 << 20})
		h := newServer(t, srv.Handler())
		admin := h.token("admin")
		before := holidayRows(t, gdb)

		var tooMany []calendar.Day
		for d := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC); len(tooMany) < 366; d = d.AddDate(0, 0, 1) {
			tooMany = append(tooMany, calendar.Day{Date: d.Format("2006-01-02"), Kind: calendar.Off, Name: "x"})
		}
		tooMany = append(tooMany, calendar.Day{Date: "2028-12-31", Kind: calendar.Off}) // 367th (2028 is leap: all 366 dates used)

		off := func(date string) calendar.Day { return calendar.Day{Date: date, Kind: calendar.Off, Name: "节"} }
		cases := []struct {
			name   string
			year   string
			body   any
			status int
			fields []string // in order
		}{
			{"year not a number", "abc", map[string]any{"days": []calendar.Day{off("2027-01-01")}}, 422, []string{"year"}},
			{"year too early", "1999", map[string]any{"days": []calendar.Day{off("1999-01-01")}}, 422, []string{"year"}},
			{"year too late", "2101", map[string]any{"days": []calendar.Day{off("2101-01-01")}}, 422, []string{"year"}},
			{"year with sign", "+2027", map[string]any{"days": []calendar.Day{off("2027-01-01")}}, 422, []string{"year"}},
			{"days missing", "2027", `{}`, 422, []string{"days"}},
			{"days null", "2027", `{"days": null}`, 422, []string{"days"}},
			{"too many days", "2028", map[string]any{"days": tooMany}, 422, []string{"days"}},
			{"unpadded date", "2027", map[string]any{"days": []calendar.Day{off("2027-01-01"), off("2027-1-2")}}, 422, []string{"days[1].date"}},
			{"impossible date", "2027", map[string]any{"days": []calendar.Day{off("2027-02-29")}}, 422, []string{"days[0].date"}},
			{"datetime", "2027", map[string]any{"days": []calendar.Day{off("2027-01-01T00:00:00Z")}}, 422, []string{"days[0].date"}},
			{"empty date", "2027", map[string]any{"days": []calendar.Day{off("")}}, 422, []string{"days[0].date"}},
			{"date in another year", "2027", map[string]any{"days": []calendar.Day{off("2027-01-01"), off("2027-01-02"), off("2028-01-01")}}, 422, []string{"days[2].date"}},
			{"duplicate date", "2027", map[string]any{"days": []calendar.Day{off("2027-01-01"), off("2027-01-02"), off("2027-01-01")}}, 422, []string{"days[2].date"}},
			{"unknown kind", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-01", Kind: "holiday"}}}, 422, []string{"days[0].kind"}},
			{"empty kind", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-01"}}}, 422, []string{"days[0].kind"}},
			{"kind in capitals", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-01", Kind: "OFF"}}}, 422, []string{"days[0].kind"}},
			{"workday on a Monday", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-04", Kind: calendar.Workday, Name: "调休上班"}}}, 422, []string{"days[0].kind"}},
			{"workday on a Friday", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-08", Kind: calendar.Workday}}}, 422, []string{"days[0].kind"}},
			{"name too long", "2027", map[string]any{"days": []calendar.Day{{Date: "2027-01-01", Kind: calendar.Off, Name: strings.Repeat("节", 33)}}}, 422, []string{"days[0].name"}},
			{"every problem at once", "2027", map[string]any{"days": []calendar.Day{
				off("2027-01-01"),
				{Date: "2026-12-31", Kind: "x", Name: "元旦"},
				off("2027-01-01"),
				{Date: "2027-01-05", Kind: calendar.Workday},
				{Date: "2027-01-09", Kind: calendar.Workday}, // Sat: fine
			}}, 422, []string{"days[1].date", "days[1].kind", "days[2].date", "days[3].kind"}},
			// Text that breaks the rule is answered first, alone (api/clean.go).
			{"text answered first", "2027", map[string]any{"days": []calendar.Day{{Date: "2026-12-31", Kind: "x", Name: strings.Repeat("a", 40)}}}, 422, []string{"days[0].name"}},
			{"malformed JSON", "2027", `{"days": [`, 400, nil},
			{"unknown field", "2027", `{"days": [], "note": "x"}`, 400, []string{"note"}},
			{"unknown field in a day", "2027", `{"days": [{"date": "2027-01-01", "kind": "off", "extra": 1}]}`, 400, []string{"extra"}},
			{"wrong type", "2027", `{"days": [{"date": 20270101, "kind": "off"}]}`, 400, nil},
			{"days not a list", "2027", `{"days": {"date": "2027-01-01"}}`, 400, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("PUT", "/api/v1/calendar/"+tc.year, admin, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				p := r.problem(t)
				if tc.fields != nil {
					var got []string
					for _, e := range p.Errors {
						got = append(got, e.Field)
						if e.Message == "" {
							t.Errorf("no message for %s", e.Field)
						}
					}
					if !slices.Equal(got, tc.fields) {
						t.Errorf("fields %v, want %v (%s)", got, tc.fields, r.body)
					}
				}
				if after := holidayRows(t, gdb); !slices.Equal(before, after) {
					t.Fatalf("a refused PUT changed the holidays table: %d rows -> %d", len(before), len(after))
				}
			})
		}

		// Exactly 366 entries is allowed (a leap year, every date off).
		r := h.do("PUT", "/api/v1/calendar/2028", admin, map[string]any{"days": tooMany[:366]})
		if r.status != http.StatusOK {
			t.Fatalf("366 entries: %d %s", r.status, r.body)
		}
		var res CalendarResponse
		r.json(t, &res)
		if len(res.Days) != 366 || res.WorkingDays != 0 {
			t.Fatalf("366 entries: %d days, %d working days", len(res.Days), res.WorkingDays)
		}

		// Exactly one audit line, for the one PUT that changed something, naming who and what.
		var audit []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if rec["msg"] == "calendar year replaced" {
				audit = append(audit, rec)
			}
		}
		if len(audit) != 1 {
			t.Fatalf("%d audit lines, want 1:\n%s", len(audit), logs.String())
		}
		for k, v := range map[string]any{"official": "admin", "year": 2028.0, "count": 366.0, "off": 366.0, "workday": 0.0, "replaced": 0.0} {
			if audit[0][k] != v {
				t.Errorf("audit line %s = %v, want %v: %v", k, audit[0][k], v, audit[0])
			}
		}
		if audit[0]["level"] != "INFO" || audit[0]["request_id"] == "" {
			t.Errorf("audit line %v", audit[0])
		}
	})
}

// lockedBuffer collects log output that server goroutines write while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
