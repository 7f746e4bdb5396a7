package analysis

import "testing"

// TestSecondarySuppression: with the total shown, one withheld cell would be the total less
// the others; the smallest shown cell above zero is withheld with it.
func TestSecondarySuppression(t *testing.T) {
	rows := []Row{{Key: "a", Count: Cell{N: 5}}, {Key: "b", Count: Cell{N: 1}}, {Key: "c", Count: Cell{N: 4}}, {Key: "d", Count: Cell{N: 0}}}
	suppress(rows, true)
	want := []bool{false, true, true, false}
	for i, r := range rows {
		if r.Count.Suppressed != want[i] {
			t.Errorf("%s: suppressed %v", r.Key, r.Count.Suppressed)
		}
	}
	// Two withheld cells hide each other; a withheld total leaves nothing to subtract from.
	rows = []Row{{Key: "a", Count: Cell{N: 5}}, {Key: "b", Count: Cell{N: 1}}, {Key: "c", Count: Cell{N: 2}}}
	suppress(rows, true)
	if rows[0].Count.Suppressed || !rows[1].Count.Suppressed || !rows[2].Count.Suppressed {
		t.Errorf("two withheld: %+v", rows)
	}
	rows = []Row{{Key: "a", Count: Cell{N: 1}}, {Key: "b", Count: Cell{N: 0}}}
	suppress(rows, false)
	if !rows[0].Count.Suppressed || rows[1].Count.Suppressed {
		t.Errorf("total withheld: %+v", rows)
	}
}
