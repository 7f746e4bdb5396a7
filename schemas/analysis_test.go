package schemas

import (
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// TestAnalysisCycle: the analysis report's cycle opens every month on the 1st, about the month
// just ended (in Beijing time), with the CycleStart in its input.
func TestAnalysisCycle(t *testing.T) {
	var c *Cycle
	for _, cy := range Cycles() {
		if cy.Kind == KindAnalysis {
			c = &cy
		}
	}
	if c == nil || c.Months != nil || c.Day != 1 || !KindAnalysis.Valid() {
		t.Fatalf("cycle %+v", c)
	}
	for at, want := range map[string]string{"2026-11-01 00:05": "2026-10", "2026-01-01 08:00": "2025-12", "2026-03-01 00:00": "2026-02"} {
		ts, _ := time.ParseInLocation("2006-01-02 15:04", at, calendar.Location())
		if got := c.Period(ts.UTC()); got != want {
			t.Errorf("%s: %s, want %s", at, got, want)
		}
	}
	in, ok := c.Input(CycleStart{CaseID: "analysis-2026-0001", OrgUnitID: "150100", Period: "2026-10", CreatedBy: "system"}).(AnalysisInput)
	if !ok || in.CaseID != "analysis-2026-0001" || in.Period != "2026-10" {
		t.Fatalf("input %+v", in)
	}
}
