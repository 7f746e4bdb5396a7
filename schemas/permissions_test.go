package schemas

import (
	"slices"
	"testing"
)

// TestCaseRights: every kind of case has its row (a new kind cannot be started or cancelled by
// an accident of a missing entry), every role in it is a known role, and the rule is the row:
// an official of the case's office holding a listed role, nobody else and nobody elsewhere.
func TestCaseRights(t *testing.T) {
	for kind := range kindTitles {
		rights, ok := caseRights[kind]
		if !ok || len(rights.Cancel) == 0 {
			t.Errorf("%s: no roles may cancel it", kind)
		}
		for _, r := range slices.Concat(rights.Start, rights.Cancel) {
			if !r.Valid() {
				t.Errorf("%s: unknown role %q", kind, r)
			}
		}
		for _, r := range AllRoles {
			here := Actor{ID: "x", Roles: Roles{r}, OrgUnitID: "150100"}
			elsewhere := Actor{ID: "x", Roles: Roles{r}, OrgUnitID: "150200"}
			if got, want := kind.MayStart(here, "150100"), slices.Contains(rights.Start, r); got != want {
				t.Errorf("%s: role %s may start: %v, want %v", kind, r, got, want)
			}
			if got, want := kind.MayCancel(here, "150100"), slices.Contains(rights.Cancel, r); got != want {
				t.Errorf("%s: role %s may cancel: %v, want %v", kind, r, got, want)
			}
			if kind.MayStart(elsewhere, "150100") || kind.MayCancel(elsewhere, "150100") {
				t.Errorf("%s: role %s of another office may start or cancel", kind, r)
			}
		}
	}
	for kind := range caseRights {
		if !kind.Valid() {
			t.Errorf("rights for unknown kind %q", kind)
		}
	}
}
