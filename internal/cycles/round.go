package cycles

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/schemas"
)

// Round is one round of a periodic process: its kind, the organization department that runs
// it and its period. It is the round's identity: one case per round, whoever starts it (an
// official by hand, the schedule) and however often.
type Round struct {
	Kind      schemas.CaseKind
	OrgUnitID string
	Period    string
}

// Key is the idempotency key the round's case is numbered under (caseno.Claim):
// "round:<kind>:<org unit>:<period>". It holds no "/", and every other key of the
// case_requests table does (a request's "<official>/<Idempotency-Key>", a linked case's
// "<workflow id>/<key>", a report's "<official>/report/<key>"), so the two key spaces never
// meet; and no part holds ":" (Validate), so two rounds never share a key.
func (r Round) Key() string {
	return "round:" + string(r.Kind) + ":" + r.OrgUnitID + ":" + r.Period
}

// Validate checks that every part of the round is set and holds neither ":" nor "/".
func (r Round) Validate() error {
	for name, v := range map[string]string{"kind": string(r.Kind), "org unit": r.OrgUnitID, "period": r.Period} {
		if v == "" || strings.ContainsAny(v, ":/") {
			return fmt.Errorf("round %s: bad %s %q", r.Key(), name, v)
		}
	}
	return nil
}

// Claim numbers the round's case: the first claim of a round numbers it (fresh), every later
// or concurrent one gets the same number. by is who claims it (an official's id, "system").
// Every start of a cycle's round claims its number here — a start request (api.startCase) and
// the schedule's launcher (activities.LaunchCycle) — and then starts the case's workflow under
// that number (casestart): a running case is used as is, an ended one refuses (Ended).
func Claim(ctx context.Context, db *gorm.DB, r Round, by string) (id string, fresh bool, err error) {
	if err := r.Validate(); err != nil {
		return "", false, err
	}
	return caseno.Claim(ctx, db, r.Kind, r.Key(), by)
}

// Ended reports whether err is a start refused because the round's case has already run and
// ended (casestart's REJECT_DUPLICATE on the case number).
func Ended(err error) bool {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &started)
}

// ParsePeriod reads the period a start request names for a round of c, at now: empty is the
// period of a round opening now (c.Period); otherwise it must have the shape of c's periods
// ("2026", "2026-07", "2026-Q3") with a year from 2000 to now's year. The error is the
// expected shape, for the caller's field message.
func ParsePeriod(c Cycle, v string, now time.Time) (string, error) {
	v = strings.TrimSpace(v)
	current := Period(c, now)
	if v == "" {
		return current, nil
	}
	year := now.Year()
	y, err := strconv.Atoi(v[:min(4, len(v))])
	ok := len(v) == len(current) && len(v) >= 4 && strings.Trim(v[:4], "0123456789") == "" &&
		err == nil && y >= 2000 && y <= year
	switch {
	case !ok, len(v) == 4:
	case strings.HasPrefix(current[4:], "-Q"):
		ok = len(v) == 7 && v[4:6] == "-Q" && v[6] >= '1' && v[6] <= '4'
	default:
		_, err := time.Parse("2006-01", v)
		ok = err == nil
	}
	if !ok {
		return "", periodShape(current, year)
	}
	return v, nil
}

// periodShape describes the periods shaped like example, years 2000 to year.
func periodShape(example string, year int) error {
	switch {
	case len(example) == 4:
		return fmt.Errorf("2000至%d之间的四位年份", year)
	case strings.Contains(example, "Q"):
		return fmt.Errorf("形如%s的季度（2000至%d年）", example, year)
	}
	return fmt.Errorf("形如%s的月份（2000至%d年）", example, year)
}
