package schemas

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// TestInAPIForm: every nil list at any depth becomes [], every time UTC, and nothing else
// changes.
func TestInAPIForm(t *testing.T) {
	at := time.Date(2026, 12, 3, 23, 59, 59, 0, calendar.Location())
	st := CaseState{
		ID:        "publicity-2026-0001",
		Tasks:     []TaskView{{ID: "t1", DueAt: at}},
		Publicity: &PublicityState{PeriodEnd: &at, Candidates: []CandidateState{{}}},
	}
	InAPIForm(&st)
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	for _, bad := range []string{"null", "+08:00"} {
		if strings.Contains(got, bad) {
			t.Errorf("%s left in %s", bad, got)
		}
	}
	for _, want := range []string{`"due_at":"2026-12-03T15:59:59Z"`, `"period_end":"2026-12-03T15:59:59Z"`, `"objections":[]`, `"decisions":[]`, `"form":[]`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s missing from %s", want, got)
		}
	}
	if !st.Tasks[0].DueAt.Equal(at) {
		t.Errorf("the instant changed: %v", st.Tasks[0].DueAt)
	}
	InAPIForm(nil) // no panic on nothing
	var none *CaseState
	InAPIForm(none)
}
