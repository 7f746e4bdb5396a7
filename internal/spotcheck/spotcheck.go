// Package spotcheck draws the random spot checks of the annual personal-matters reports (个人有关
// 事项报告 随机抽查, DOMAIN.md P8 step 4) so that anyone holding the recorded seed can redo the
// draw and get the same list.
//
// The rule, simple enough to redo by hand: for every cadre on a unit's roster, compute
// HMAC-SHA256 keyed by the seed over "<unit id>\n<cadre id>"; order the roster by that value
// (hex, ascending) and take the first ⌈roster × percent / 100⌉. The draw depends only on the
// seed, the unit and the set of cadre ids: not on the roster's order, the machine, or the Go
// version. A unit's draw does not change when another unit's roster does.
package spotcheck

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Draw is a recorded draw of one unit: what was drawn from what, and how.
type Draw struct {
	Seed    string   `json:"seed"`
	UnitID  string   `json:"unit_id"`
	Percent int      `json:"percent"`
	Roster  int      `json:"roster"` // how many cadres the unit's roster held
	Drawn   []string `json:"drawn"`  // the cadre ids drawn, in draw order
}

// NewSeed returns a fresh random seed (128 bits, hex) to record with a draw.
func NewSeed() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("spot-check seed: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Count is how many of a roster of n a draw of percent takes: ⌈n × percent / 100⌉, so the
// proportion is a floor the office never falls below (a unit of 3 at 10% has 1 checked).
func Count(n, percent int) int {
	return (n*percent + 99) / 100
}

// Select draws percent of roster (cadre ids) for unitID with seed. It rejects an empty seed, a
// percent outside 1–100 and a roster that names a cadre twice: each would make the draw
// something other than what the record says.
func Select(seed, unitID string, roster []string, percent int) (Draw, error) {
	if strings.TrimSpace(seed) == "" {
		return Draw{}, errors.New("spot-check draw: empty seed")
	}
	if percent < 1 || percent > 100 {
		return Draw{}, fmt.Errorf("spot-check draw: percent %d outside 1–100", percent)
	}
	type ranked struct{ id, key string }
	keyed := make([]ranked, 0, len(roster))
	seen := make(map[string]bool, len(roster))
	for _, id := range roster {
		if seen[id] {
			return Draw{}, fmt.Errorf("spot-check draw: cadre %q is on unit %s's roster twice", id, unitID)
		}
		seen[id] = true
		keyed = append(keyed, ranked{id, Key(seed, unitID, id)})
	}
	slices.SortFunc(keyed, func(a, b ranked) int { return strings.Compare(a.key, b.key) })
	n := Count(len(roster), percent)
	drawn := make([]string, n)
	for i := range drawn {
		drawn[i] = keyed[i].id
	}
	return Draw{Seed: seed, UnitID: unitID, Percent: percent, Roster: len(roster), Drawn: drawn}, nil
}

// Key is a cadre's place in the draw: hex(HMAC-SHA256(seed, unitID + "\n" + cadreID)). With
// openssl: printf '%s\n%s' UNIT CADRE | openssl dgst -sha256 -hmac SEED.
func Key(seed, unitID, cadreID string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte(unitID + "\n" + cadreID))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify redoes a recorded draw against the roster and says whether it stands.
func Verify(d Draw, roster []string) error {
	again, err := Select(d.Seed, d.UnitID, roster, d.Percent)
	if err != nil {
		return err
	}
	if again.Roster != d.Roster || !slices.Equal(again.Drawn, d.Drawn) {
		return fmt.Errorf("spot-check draw of unit %s does not redo: recorded %v of %d, the seed gives %v of %d",
			d.UnitID, d.Drawn, d.Roster, again.Drawn, again.Roster)
	}
	return nil
}
