package selection

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Quorum: two thirds of the members present, counted exactly (no rounding): for every meeting
// size, the smallest attendance that may decide is ⌈2m/3⌉.
func TestQuorumIsTwoThirdsOfMembers(t *testing.T) {
	for m := 1; m <= 45; m++ {
		least := (2*m + 2) / 3 // ⌈2m/3⌉
		for p := 0; p <= m; p++ {
			ok := Meeting{Members: m, Present: p}.CheckQuorum() == ""
			if ok != (p >= least) {
				t.Fatalf("members %d, present %d: quorum %v, want %v (least %d)", m, p, ok, p >= least, least)
			}
		}
	}
	for _, bad := range []Meeting{{0, 0}, {-1, 0}, {5, 6}, {5, -1}} {
		if bad.CheckQuorum() == "" {
			t.Errorf("%+v: accepted", bad)
		}
	}
	if msg := (Meeting{Members: 9, Present: 5}).CheckQuorum(); !strings.Contains(msg, "三分之二") {
		t.Errorf("the refusal does not say why: %q", msg)
	}
}

// A candidate passes with more than half of all members agreeing, whoever else was absent.
func TestMajorityIsOfAllMembers(t *testing.T) {
	for m := 1; m <= 45; m++ {
		need := m/2 + 1
		for p := (2*m + 2) / 3; p <= m; p++ {
			meeting := Meeting{Members: m, Present: p}
			for a := 0; a <= p; a++ {
				got := meeting.Passes(Tally{Agree: a, Disagree: p - a})
				if got != (a >= need) {
					t.Fatalf("members %d present %d agree %d: passes %v, want %v", m, p, a, got, a >= need)
				}
			}
		}
	}
	// No quorum: not even unanimity passes.
	if (Meeting{Members: 9, Present: 5}).Passes(Tally{Agree: 5}) {
		t.Error("a meeting without quorum passed a candidate")
	}
	// More votes than members present is not a record of a meeting.
	m := Meeting{Members: 9, Present: 7}
	if m.CheckTally(Tally{Agree: 6, Disagree: 1, Defer: 1}) == "" || m.Passes(Tally{Agree: 8}) {
		t.Error("a tally larger than the attendance was accepted")
	}
	if m.CheckTally(Tally{Agree: -1}) == "" {
		t.Error("a negative tally was accepted")
	}
}

// A reconsideration needs more than half of all members agreeing to it, at a meeting with
// quorum, out of those present.
func TestReconsiderationNeedsMoreThanHalfOfMembers(t *testing.T) {
	for m := 1; m <= 45; m++ {
		for p := 0; p <= m; p++ {
			meeting := Meeting{Members: m, Present: p}
			for c := 0; c <= m; c++ {
				want := meeting.CheckQuorum() == "" && c <= p && c >= m/2+1
				if got := meeting.MayReconsider(c); got != want {
					t.Fatalf("members %d present %d consent %d: %v, want %v", m, p, c, got, want)
				}
			}
		}
	}
	if (Meeting{Members: 9, Present: 7}).MayReconsider(-1) {
		t.Error("a negative consent was accepted")
	}
}

func TestStageOrder(t *testing.T) {
	all := []Stage{StageMotion, StageRecommend, StageInspect, StageDecide, StagePublicity, StageAppointment}
	for i := range all {
		if gaps := CheckOrder(all[:i+1]); len(gaps) != 0 {
			t.Errorf("regular selection up to %s: %v", all[i], gaps)
		}
	}
	cases := []struct {
		done []Stage
		want []Stage // the stages the gaps are about
	}{
		{[]Stage{StageMotion, StageInspect}, []Stage{StageRecommend}},
		{[]Stage{StageDecide}, []Stage{StageMotion, StageRecommend, StageInspect}},
		{[]Stage{StageMotion, StageInspect, StageRecommend}, []Stage{StageRecommend}},
		{[]Stage{StageMotion, StageMotion}, []Stage{StageMotion}},
		{[]Stage{StageMotion, "vote-buying"}, []Stage{"vote-buying"}},
	}
	for _, c := range cases {
		var got []Stage
		for _, g := range CheckOrder(c.done) {
			if g.Message == "" {
				t.Errorf("%v: a gap without a message", c.done)
			}
			got = append(got, g.Stage)
		}
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("%v: gaps about %v, want %v", c.done, got, c.want)
		}
	}
}

func TestRecommendationIsValidForOneYear(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	rec := day("2025-12-01")
	for s, want := range map[string]bool{
		"2025-11-30": false, "2025-12-01": true, "2026-06-01": true, "2026-12-01": true, "2026-12-02": false,
	} {
		if got := RecommendationValid(rec, day(s)); got != want {
			t.Errorf("recommended 2025-12-01, used %s: valid %v, want %v", s, got, want)
		}
	}
}
