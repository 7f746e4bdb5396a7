// Package analysis compiles the periodic analysis report (定期分析报告, issue 17): the figures
// across the cases of an org unit and its subtree for a period, their change against the
// previous period and the same period last year, and the early warnings (苗头性问题). It reads
// the case, task, report, audit and restriction tables and nothing else; it never reads a
// reporter's identity (the sealed column of reports is not selected).
package analysis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// Period is a span of whole days in Beijing time, From and To inclusive (YYYY-MM-DD).
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

const dateLayout = "2006-01-02"

// NewPeriod checks two dates and makes a period of them.
func NewPeriod(from, to string) (Period, error) {
	f, err := time.ParseInLocation(dateLayout, from, calendar.Location())
	if err != nil {
		return Period{}, fmt.Errorf("from: %w", err)
	}
	t, err := time.ParseInLocation(dateLayout, to, calendar.Location())
	if err != nil {
		return Period{}, fmt.Errorf("to: %w", err)
	}
	if t.Before(f) {
		return Period{}, fmt.Errorf("to before from")
	}
	return Period{From: from, To: to}, nil
}

// Bounds are the period's instants: [start, end).
func (p Period) Bounds() (start, end time.Time) {
	start, _ = time.ParseInLocation(dateLayout, p.From, calendar.Location())
	to, _ := time.ParseInLocation(dateLayout, p.To, calendar.Location())
	return start, to.AddDate(0, 0, 1)
}

// Days is how many days the period spans.
func (p Period) Days() int {
	s, e := p.Bounds()
	return int(e.Sub(s).Hours()/24 + 0.5)
}

// months is the number of whole calendar months the period spans, 0 when it is not a run of
// whole months.
func (p Period) months() int {
	s, e := p.Bounds()
	if s.Day() != 1 || e.Day() != 1 {
		return 0
	}
	return (e.Year()-s.Year())*12 + int(e.Month()) - int(s.Month())
}

func periodOf(s, e time.Time) Period {
	return Period{From: s.Format(dateLayout), To: e.AddDate(0, 0, -1).Format(dateLayout)}
}

// Previous is the period just before p of the same length: the previous month (quarter, year)
// for a run of whole months, else the same number of days.
func (p Period) Previous() Period {
	s, _ := p.Bounds()
	if n := p.months(); n > 0 {
		return periodOf(s.AddDate(0, -n, 0), s)
	}
	return periodOf(s.AddDate(0, 0, -p.Days()), s)
}

// LastYear is p one year earlier.
func (p Period) LastYear() Period {
	s, e := p.Bounds()
	return periodOf(s.AddDate(-1, 0, 0), e.AddDate(-1, 0, 0))
}

// Title is the period in Chinese: 2026年10月, 2026年第3季度, 2026年, or the dates.
func (p Period) Title() string {
	s, _ := p.Bounds()
	switch p.months() {
	case 1:
		return fmt.Sprintf("%d年%d月", s.Year(), s.Month())
	case 3:
		if (s.Month()-1)%3 == 0 {
			return fmt.Sprintf("%d年第%d季度", s.Year(), (s.Month()-1)/3+1)
		}
	case 12:
		if s.Month() == 1 {
			return fmt.Sprintf("%d年", s.Year())
		}
	}
	return p.From + "至" + p.To
}

// ParseName reads a named period: "2026" (a year), "2026-Q3" (a quarter), "2026-07" (a month),
// as schemas.CycleStart names them.
func ParseName(name string) (Period, error) {
	bad := fmt.Errorf("period %q: want 2026, 2026-Q3 or 2026-07", name)
	y, rest, _ := strings.Cut(name, "-")
	year, err := strconv.Atoi(y)
	if err != nil || len(y) != 4 || year < 1990 {
		return Period{}, bad
	}
	first := func(m, n int) Period {
		s := time.Date(year, time.Month(m), 1, 0, 0, 0, 0, calendar.Location())
		return periodOf(s, s.AddDate(0, n, 0))
	}
	switch {
	case rest == "" && !strings.Contains(name, "-"):
		return first(1, 12), nil
	case len(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4':
		return first(int(rest[1]-'1')*3+1, 3), nil
	case len(rest) == 2:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 {
			return Period{}, bad
		}
		return first(m, 1), nil
	}
	return Period{}, bad
}

// QuarterOf names the quarter a month ("2026-09") ends, "" when the month ends none.
func QuarterOf(month string) string {
	p, err := ParseName(month)
	if err != nil || p.months() != 1 {
		return ""
	}
	s, _ := p.Bounds()
	if s.Month()%3 != 0 {
		return ""
	}
	return fmt.Sprintf("%d-Q%d", s.Year(), s.Month()/3)
}

func location() *time.Location { return calendar.Location() }
