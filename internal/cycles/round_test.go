package cycles

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// A round's key names its three parts, holds no "/" (every other case_requests key does: a
// request's "<official>/<key>", a linked case's "<workflow id>/<key>"), and distinct rounds
// have distinct keys; a part holding ":" or "/" (which could alias another round) is refused.
func TestRoundKey(t *testing.T) {
	r := Round{Kind: schemas.KindMattersCycle, OrgUnitID: "150100", Period: "2026"}
	if got := r.Key(); got != "round:matters-cycle:150100:2026" {
		t.Fatalf("key %q", got)
	}
	seen := map[string]Round{}
	for _, c := range Registered() {
		for _, org := range []string{"150100", "150102", "1501-00"} {
			for _, p := range []string{"2025", "2026", "2026-07", "2026-Q3"} {
				r := Round{Kind: c.Kind, OrgUnitID: org, Period: p}
				if err := r.Validate(); err != nil {
					t.Fatalf("%+v: %v", r, err)
				}
				k := r.Key()
				if strings.Contains(k, "/") {
					t.Fatalf("key %q holds a slash: it could meet a request's key", k)
				}
				if prev, dup := seen[k]; dup {
					t.Fatalf("rounds %+v and %+v share key %q", prev, r, k)
				}
				seen[k] = r
			}
		}
	}
	for _, bad := range []Round{
		{Kind: schemas.KindAppraisal, OrgUnitID: "150100"},
		{Kind: schemas.KindAppraisal, Period: "2026"},
		{OrgUnitID: "150100", Period: "2026"},
		{Kind: schemas.KindAppraisal, OrgUnitID: "150100:2026", Period: "2026"},
		{Kind: schemas.KindAppraisal, OrgUnitID: "150100", Period: "2026/x"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

// Claim numbers a round once: again, by someone else, it gets the same case; another period,
// office or kind another; a request key (which always holds "/") never meets a round's.
func TestClaim(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
		r := Round{Kind: schemas.KindAppraisal, OrgUnitID: "150100", Period: "2026"}
		a, fresh, err := Claim(ctx, gdb, r, "wu.gang")
		if err != nil || !fresh {
			t.Fatalf("first claim %q %v %v", a, fresh, err)
		}
		b, fresh, err := Claim(ctx, gdb, r, "system")
		if err != nil || fresh || b != a {
			t.Fatalf("second claim %q %v %v (first %q)", b, fresh, err, a)
		}
		others := []Round{
			{Kind: schemas.KindAppraisal, OrgUnitID: "150100", Period: "2025"},
			{Kind: schemas.KindAppraisal, OrgUnitID: "150102", Period: "2026"},
			{Kind: schemas.KindEvaluation, OrgUnitID: "150100", Period: "2026"},
		}
		for _, o := range others {
			id, fresh, err := Claim(ctx, gdb, o, "wu.gang")
			if err != nil || !fresh || id == a {
				t.Fatalf("%+v: %q %v %v", o, id, fresh, err)
			}
		}
		// An official named like the key's prefix, with an Idempotency-Key spelling the rest.
		id, fresh, err := caseno.Claim(ctx, gdb, schemas.KindAppraisal, "round/appraisal:150100:2026", "round")
		if err != nil || !fresh || id == a {
			t.Fatalf("request key met the round's: %q %v %v", id, fresh, err)
		}
		if _, _, err := Claim(ctx, gdb, Round{Kind: schemas.KindAppraisal, OrgUnitID: "1:2", Period: "2026"}, "x"); err == nil {
			t.Fatal("a bad round was claimed")
		}
	})
}

func TestEnded(t *testing.T) {
	if !Ended(fmt.Errorf("start: %w", serviceerror.NewWorkflowExecutionAlreadyStarted("closed", "", ""))) {
		t.Error("already started not recognised")
	}
	if Ended(fmt.Errorf("down")) || Ended(nil) {
		t.Error("other errors taken for ended")
	}
}

// A start request's period: empty is the period of a round opening now; otherwise the shape of
// the cycle's periods, years 2000 to now.
func TestParsePeriod(t *testing.T) {
	annual, monthly := testCycles()
	quarterly := annual
	quarterly.Period = func(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3) }
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, calendar.Location())
	for _, tc := range []struct {
		c      Cycle
		in     string
		want   string
		wantOK bool
	}{
		{annual, "", "2025", true},
		{annual, " 2024 ", "2024", true},
		{annual, "2026", "2026", true},
		{annual, "2027", "", false},
		{annual, "1999", "", false},
		{annual, "+202", "", false},
		{annual, "20x6", "", false},
		{annual, "2026-07", "", false},
		{monthly, "", "2026-10", true},
		{monthly, "2026-07", "2026-07", true},
		{monthly, "2026-13", "", false},
		{monthly, "2026-+1", "", false},
		{monthly, "2026", "", false},
		{monthly, "2026-Q3", "", false},
		{quarterly, "", "2026-Q4", true},
		{quarterly, "2025-Q1", "2025-Q1", true},
		{quarterly, "2025-Q5", "", false},
		{quarterly, "2025-07", "", false},
	} {
		got, err := ParsePeriod(tc.c, tc.in, now)
		if (err == nil) != tc.wantOK || got != tc.want {
			t.Errorf("%s %q: %q %v", tc.c.Kind, tc.in, got, err)
		}
	}
	if _, err := ParsePeriod(annual, "x", now); err == nil || err.Error() != "2000至2026之间的四位年份" {
		t.Errorf("annual shape message: %v", err)
	}
}
