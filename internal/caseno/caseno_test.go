package caseno_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

func TestNext(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
		year := time.Now().In(calendar.Location()).Year()
		want := func(kind schemas.CaseKind, seq int) string { return schemas.CaseID(kind, year, seq) }
		for i := 1; i <= 3; i++ {
			id, err := caseno.Next(ctx, gdb, schemas.KindPublicity, "", "wu.gang")
			if err != nil || id != want(schemas.KindPublicity, i) {
				t.Fatalf("#%d: %q %v", i, id, err)
			}
		}
		// Numbering is per kind.
		if id, _ := caseno.Next(ctx, gdb, schemas.KindInquiry, "", "bao.yin"); id != want(schemas.KindInquiry, 1) {
			t.Fatalf("first inquiry %q", id)
		}
		// A repeated request key gets the same number.
		a, _ := caseno.Next(ctx, gdb, schemas.KindPublicity, "wu.gang/k1", "wu.gang")
		b, _ := caseno.Next(ctx, gdb, schemas.KindPublicity, "wu.gang/k1", "wu.gang")
		if a != want(schemas.KindPublicity, 4) || b != a {
			t.Fatalf("idempotent numbering: %q then %q", a, b)
		}
		// Concurrent starts never share a number.
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, err := caseno.Next(ctx, gdb, schemas.KindReport, fmt.Sprintf("k%d", i), "he.ping")
				mu.Lock()
				defer mu.Unlock()
				if err != nil || seen[id] {
					t.Errorf("concurrent numbering: %q %v (seen before: %v)", id, err, seen[id])
				}
				seen[id] = true
			}()
		}
		wg.Wait()
		if len(seen) != 20 {
			t.Fatalf("%d distinct numbers for 20 starts", len(seen))
		}
	})
}

// Concurrent claims under one key agree on one number, only one of them fresh, and the losers'
// drawn numbers are given back (the next number follows without a gap).
func TestClaimConcurrentSameKey(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
		year := time.Now().In(calendar.Location()).Year()
		const n = 8
		ids := make([]string, n)
		fresh := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], fresh[i], errs[i] = caseno.Claim(ctx, gdb, schemas.KindAppraisal, "round:appraisal:150100:2026", "system")
			}()
		}
		wg.Wait()
		nFresh := 0
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("claim #%d: %q %v (first %q)", i, ids[i], errs[i], ids[0])
			}
			if fresh[i] {
				nFresh++
			}
		}
		if nFresh != 1 || ids[0] != schemas.CaseID(schemas.KindAppraisal, year, 1) {
			t.Fatalf("%d fresh claims, id %q", nFresh, ids[0])
		}
		if id, fresh, _ := caseno.Claim(ctx, gdb, schemas.KindAppraisal, "round:appraisal:150100:2026", "x"); fresh || id != ids[0] {
			t.Fatalf("later claim: %q fresh %v", id, fresh)
		}
		if id, _ := caseno.Next(ctx, gdb, schemas.KindAppraisal, "", "x"); id != schemas.CaseID(schemas.KindAppraisal, year, 2) {
			t.Fatalf("next number after the claims: %q", id)
		}
	})
}
