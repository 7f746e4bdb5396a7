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
