package schemas

import (
	"slices"
	"testing"
)

// TestProcessRegistrations: every process is registered once, with a title, a workflow type and
// roles that may cancel it (a kind cannot be started or cancelled by an accident of a missing
// entry); every role is a known role, and the rule is the row: an official of the case's office
// holding a listed role, nobody else and nobody elsewhere.
func TestProcessRegistrations(t *testing.T) {
	kinds, types := map[CaseKind]bool{}, map[string]bool{}
	for _, p := range Processes() {
		if kinds[p.Kind] || types[p.WorkflowType] {
			t.Errorf("%s: registered twice (kind or workflow type %s)", p.Kind, p.WorkflowType)
		}
		kinds[p.Kind], types[p.WorkflowType] = true, true
		if p.Title == "" || p.WorkflowType == "" || len(p.Cancel) == 0 {
			t.Errorf("%s: title %q, workflow type %q, %d roles may cancel it", p.Kind, p.Title, p.WorkflowType, len(p.Cancel))
		}
		if !p.Kind.Valid() || p.Kind.Title() != p.Title || p.Kind.WorkflowType() != p.WorkflowType {
			t.Errorf("%s: lookups disagree with the registration", p.Kind)
		}
		if _, _, _, err := ParseCaseID(CaseID(p.Kind, 2026, 1)); err != nil {
			t.Errorf("%s: its case ids do not parse: %v", p.Kind, err)
		}
		for _, r := range slices.Concat(p.Start, p.Cancel) {
			if !r.Valid() {
				t.Errorf("%s: unknown role %q", p.Kind, r)
			}
		}
		for _, r := range AllRoles {
			here := Actor{ID: "x", Roles: Roles{r}, OrgUnitID: "150100"}
			elsewhere := Actor{ID: "x", Roles: Roles{r}, OrgUnitID: "150200"}
			if got, want := p.Kind.MayStart(here, "150100"), slices.Contains(p.Start, r); got != want {
				t.Errorf("%s: role %s may start: %v, want %v", p.Kind, r, got, want)
			}
			if got, want := p.Kind.MayCancel(here, "150100"), slices.Contains(p.Cancel, r); got != want {
				t.Errorf("%s: role %s may cancel: %v, want %v", p.Kind, r, got, want)
			}
			if p.Kind.MayStart(elsewhere, "150100") || p.Kind.MayCancel(elsewhere, "150100") {
				t.Errorf("%s: role %s of another office may start or cancel", p.Kind, r)
			}
		}
	}
	if len(kinds) < 7 {
		t.Errorf("%d processes registered, want the seven of P1–P7 at least", len(kinds))
	}
	unknown := CaseKind("no-such-process")
	if unknown.Valid() || unknown.MayStart(Actor{Roles: AllRoles, OrgUnitID: "1"}, "1") || unknown.WorkflowType() != "" {
		t.Error("an unregistered kind is valid or may be started")
	}
}
