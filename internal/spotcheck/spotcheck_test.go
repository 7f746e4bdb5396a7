package spotcheck

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func roster(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("c-%04d", i+1)
	}
	return ids
}

// The key is the documented HMAC, so the draw can be redone without Jiandu (value from
// `printf '150100\nc-0042' | openssl dgst -sha256 -hmac 2026-draw-seed`).
func TestKeyIsTheDocumentedHMAC(t *testing.T) {
	const want = "08b6c93c5c52f7f00baa3dde3a4a2bae19586b0ec8a33d3c051e60274a197132"
	if got := Key("2026-draw-seed", "150100", "c-0042"); got != want {
		t.Fatalf("Key = %s, want %s", got, want)
	}
}

// Same seed, unit and roster (in any order): the same list; the proportion is a floor.
func TestDrawIsReproducibleAndHonoursTheProportion(t *testing.T) {
	shuffle := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 9, 10, 11, 57, 100, 333} {
		for _, pct := range []int{1, 5, 10, 33, 50, 100} {
			ids := roster(n)
			d, err := Select("seed-a", "150100", ids, pct)
			if err != nil {
				t.Fatal(err)
			}
			want := (n*pct + 99) / 100 // ⌈n·pct/100⌉
			if len(d.Drawn) != want || d.Roster != n {
				t.Fatalf("n=%d pct=%d: drew %d of %d, want %d", n, pct, len(d.Drawn), d.Roster, want)
			}
			if want > 0 && len(d.Drawn)*100 < n*pct {
				t.Fatalf("n=%d pct=%d: %d drawn is below the proportion", n, pct, len(d.Drawn))
			}
			seen := map[string]bool{}
			for _, id := range d.Drawn {
				if seen[id] || !slices.Contains(ids, id) {
					t.Fatalf("n=%d pct=%d: %s drawn twice or not on the roster", n, pct, id)
				}
				seen[id] = true
			}
			shuffled := slices.Clone(ids)
			shuffle.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, _ := Select("seed-a", "150100", shuffled, pct)
			if !slices.Equal(again.Drawn, d.Drawn) {
				t.Fatalf("n=%d pct=%d: the roster's order changed the draw: %v vs %v", n, pct, d.Drawn, again.Drawn)
			}
			if err := Verify(d, shuffled); err != nil {
				t.Fatalf("n=%d pct=%d: %v", n, pct, err)
			}
		}
	}
}

// Another seed or another unit draws another list; a tampered record does not verify.
func TestDrawDependsOnSeedAndUnit(t *testing.T) {
	ids := roster(100)
	base, _ := Select("seed-0", "150100", ids, 10)
	same := 0
	for i := 1; i <= 20; i++ {
		d, _ := Select(fmt.Sprintf("seed-%d", i), "150100", ids, 10)
		if slices.Equal(d.Drawn, base.Drawn) {
			same++
		}
	}
	otherUnit, _ := Select("seed-0", "150200", ids, 10)
	if same > 0 || slices.Equal(otherUnit.Drawn, base.Drawn) {
		t.Fatalf("draws repeat across seeds (%d of 20) or units", same)
	}
	tampered := base
	tampered.Drawn = append([]string{"c-9999"}, base.Drawn[1:]...)
	if err := Verify(tampered, ids); err == nil || !strings.Contains(err.Error(), "does not redo") {
		t.Fatalf("a tampered draw verified: %v", err)
	}
	if err := Verify(base, ids[1:]); err == nil {
		t.Fatal("a draw verified against a different roster")
	}
}

// Every cadre is about equally likely to be drawn: over 4000 seeds a roster of 20 at 10%
// (2 drawn) picks each about 400 times.
func TestDrawIsFair(t *testing.T) {
	ids := roster(20)
	counts := map[string]int{}
	const seeds = 4000
	for i := 0; i < seeds; i++ {
		d, _ := Select(fmt.Sprintf("fair-%d", i), "150100", ids, 10)
		for _, id := range d.Drawn {
			counts[id]++
		}
	}
	for _, id := range ids {
		if c := counts[id]; c < 320 || c > 480 { // expected 400, σ ≈ 19
			t.Errorf("%s drawn %d times of %d, want about 400", id, c, seeds)
		}
	}
}

func TestBadDrawsAreRefused(t *testing.T) {
	for name, f := range map[string]func() error{
		"empty seed":      func() error { _, err := Select(" ", "u", roster(3), 10); return err },
		"percent 0":       func() error { _, err := Select("s", "u", roster(3), 0); return err },
		"percent 101":     func() error { _, err := Select("s", "u", roster(3), 101); return err },
		"duplicate cadre": func() error { _, err := Select("s", "u", []string{"a", "b", "a"}, 10); return err },
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s1, err1 := NewSeed()
	s2, err2 := NewSeed()
	if err1 != nil || err2 != nil || len(s1) != 32 || s1 == s2 {
		t.Fatalf("NewSeed: %q %v, %q %v", s1, err1, s2, err2)
	}
}
