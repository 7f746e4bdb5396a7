package audit_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// seedCases is the interleaving of the seeded trail: three cases, the last row of case A
// (index 8) in the middle of the trail, the last row of the trail in case C.
var seedCases = []string{"A", "B", "A", "C", "B", "A", "C", "B", "A", "C", "B", "C"}

var cst = time.FixedZone("CST", 8*3600)

// seed appends one event per seedCases entry, each in its own transaction, and returns them
// as audit.Append left them.
func seed(t *testing.T, gdb *gorm.DB) []schemas.AuditEvent {
	t.Helper()
	base := time.Date(2026, 3, 1, 9, 0, 0, 123456789, cst) // sub-µs, not UTC: audit.Append normalizes
	evs := make([]schemas.AuditEvent, len(seedCases))
	for i, c := range seedCases {
		evs[i] = schemas.AuditEvent{
			CaseID:   "JD-" + c,
			At:       base.Add(time.Duration(i)*time.Minute + time.Duration(i)*time.Nanosecond),
			Actor:    "official." + strings.ToLower(c),
			Action:   "task.completed",
			TaskID:   fmt.Sprintf("task-%d", i),
			Detail:   fmt.Sprintf(`{"decision":"同意","n":%d,"note":"a\nb<&>"}`, i),
			DedupKey: fmt.Sprintf("seed-%d", i),
		}
		if i%4 == 0 {
			evs[i].TaskID = "" // optional fields empty sometimes
		}
		if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Append(tx, &evs[i]) }); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return evs
}

func verify(t *testing.T, gdb *gorm.DB) audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), gdb)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

func count(t *testing.T, gdb *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := gdb.Model(&schemas.AuditEvent{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func exec(t *testing.T, gdb *gorm.DB, sql string, args ...any) {
	t.Helper()
	res := gdb.Exec(sql, args...)
	if res.Error != nil {
		t.Fatalf("%s: %v", sql, res.Error)
	}
	if res.RowsAffected == 0 {
		t.Fatalf("%s: no row affected", sql)
	}
}

func withBatchSize(t *testing.T, n int) {
	old := audit.SetBatchSize(n)
	t.Cleanup(func() { audit.SetBatchSize(old) })
}

func TestAppendAndVerify(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		ctx := context.Background()
		if r := verify(t, gdb); !r.OK() || r.Events != 0 || r.Cases != 0 || r.Head != "" {
			t.Fatalf("empty trail: %+v", r)
		}
		evs := seed(t, gdb)

		// The fields audit.Append fills.
		seqs := map[string]int{}
		lastHash := map[string]string{}
		for i, ev := range evs {
			seqs[ev.CaseID]++
			if ev.ID == 0 || ev.CaseSeq != seqs[ev.CaseID] || ev.PrevHash != lastHash[ev.CaseID] {
				t.Errorf("event %d: id %d seq %d prev %q, want seq %d prev %q", i, ev.ID, ev.CaseSeq, ev.PrevHash,
					seqs[ev.CaseID], lastHash[ev.CaseID])
			}
			lastHash[ev.CaseID] = ev.Hash
			wantGlobalPrev := ""
			if i > 0 {
				wantGlobalPrev = evs[i-1].GlobalHash
				if ev.ID <= evs[i-1].ID {
					t.Errorf("event %d: id %d not after %d", i, ev.ID, evs[i-1].ID)
				}
			}
			if ev.GlobalPrevHash != wantGlobalPrev || len(ev.Hash) != 64 || len(ev.GlobalHash) != 64 {
				t.Errorf("event %d: global prev %q hash %q global %q", i, ev.GlobalPrevHash, ev.Hash, ev.GlobalHash)
			}
			if ev.At.Location() != time.UTC || ev.At.Nanosecond()%1000 != 0 {
				t.Errorf("event %d: At %v not UTC µs", i, ev.At)
			}
		}

		// Rows read back (time through the driver included) hash to what was stored.
		var rows []schemas.AuditEvent
		if err := gdb.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(evs) {
			t.Fatalf("%d rows, want %d", len(rows), len(evs))
		}
		for i, row := range rows {
			if !row.At.Equal(evs[i].At) {
				t.Errorf("row %d: At read back %v, appended %v", row.ID, row.At, evs[i].At)
			}
			if row.KeyID != audit.ActiveKeys().CurrentID() {
				t.Errorf("row %d: key_id %q, want the current key %q", row.ID, row.KeyID, audit.ActiveKeys().CurrentID())
			}
			if got, _, _ := audit.RowHashes(audit.ActiveKeys(), &row); got != row.Hash || row.Hash != evs[i].Hash {
				t.Errorf("row %d: read back hashes to %s, stored %s, appended %s", row.ID, got, row.Hash, evs[i].Hash)
			}
			if row.Detail != evs[i].Detail || row.TaskID != evs[i].TaskID {
				t.Errorf("row %d: content changed on the way: %+v", row.ID, row)
			}
		}

		for _, bs := range []int{1000, 5, 4, 1} { // 4 and 1 divide 12: a full last batch
			withBatchSize(t, bs)
			r := verify(t, gdb)
			if !r.OK() || r.Events != 12 || r.Cases != 3 || r.Head != evs[11].GlobalHash {
				t.Fatalf("batch %d: verify %+v", bs, r)
			}
			for c, n := range map[string]int{"JD-A": 4, "JD-B": 4, "JD-C": 4, "JD-none": 0} {
				r, err := audit.VerifyCase(ctx, gdb, c)
				if err != nil || !r.OK() || r.Events != n || r.Cases != min(n, 1) || r.Head != lastHash[c] {
					t.Fatalf("batch %d: verify case %s: %+v %v", bs, c, r, err)
				}
			}
		}

		// A retried append with the same DedupKey adds nothing and reports the stored row.
		retry := schemas.AuditEvent{CaseID: "JD-B", At: time.Now(), Actor: "someone.else", Action: "task.completed",
			Detail: "different", DedupKey: "seed-4"}
		if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Append(tx, &retry) }); err != nil {
			t.Fatalf("retry: %v", err)
		}
		want := evs[4]
		if retry.ID != want.ID || retry.CaseSeq != want.CaseSeq || retry.Hash != want.Hash ||
			retry.PrevHash != want.PrevHash || retry.GlobalHash != want.GlobalHash ||
			retry.GlobalPrevHash != want.GlobalPrevHash || !retry.At.Equal(want.At) || retry.Detail != want.Detail {
			t.Errorf("retry got %+v, want stored %+v", retry, want)
		}
		if n := count(t, gdb); n != 12 {
			t.Fatalf("%d rows after retry, want 12", n)
		}

		// audit.Append also works outside a transaction, and chains on.
		more := schemas.AuditEvent{CaseID: "JD-A", At: time.Now(), Actor: "x", Action: "case.closed", DedupKey: "more"}
		if err := audit.Append(gdb, &more); err != nil {
			t.Fatal(err)
		}
		if more.CaseSeq != 5 || more.PrevHash != evs[8].Hash || more.GlobalPrevHash != evs[11].GlobalHash {
			t.Errorf("append outside tx: %+v", more)
		}
		if r := verify(t, gdb); !r.OK() || r.Events != 13 {
			t.Fatalf("verify: %+v", r)
		}
	})
}

func TestAppendRejects(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		ok := schemas.AuditEvent{CaseID: "c", At: time.Now(), Actor: "a", Action: "x", DedupKey: "k"}
		for name, mut := range map[string]func(*schemas.AuditEvent){
			"no dedup key": func(e *schemas.AuditEvent) { e.DedupKey = "" },
			"no case":      func(e *schemas.AuditEvent) { e.CaseID = "" },
			"no actor":     func(e *schemas.AuditEvent) { e.Actor = "" },
			"bad utf8":     func(e *schemas.AuditEvent) { e.Detail = "a\xffb" },
			"nul":          func(e *schemas.AuditEvent) { e.Detail = "a\x00b" },
		} {
			ev := ok
			mut(&ev)
			if err := audit.Append(gdb, &ev); err == nil {
				t.Errorf("%s: append succeeded", name)
			}
		}
		if n := count(t, gdb); n != 0 {
			t.Fatalf("%d rows after rejected appends", n)
		}
		zero := ok
		zero.At = time.Time{}
		if err := audit.Append(gdb, &zero); err != nil || zero.At.IsZero() {
			t.Fatalf("zero At: %v %v", zero.At, err)
		}
	})
}

// want is a problem a tampered trail must report: the event (by seed index), a reason, and the
// case when it is not the seeded event's (a row moved to that id).
type want struct {
	idx    int
	reason string
	caseID string
}

func TestTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent)
		want   []want
		check  func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent, r audit.Report)
	}{{
		name: "edit detail",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "UPDATE audit_events SET detail = ? WHERE id = ?", `{"decision":"驳回"}`, evs[4].ID)
		},
		want: []want{{4, "hash mismatch", ""}},
	}, {
		name: "edit time by one microsecond",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "UPDATE audit_events SET at = ? WHERE id = ?", evs[7].At.Add(time.Microsecond), evs[7].ID)
		},
		want: []want{{7, "hash mismatch", ""}},
	}, {
		// A database admin without the audit key rewrites a row and recomputes the plain
		// SHA-256 chain from it to the end of the trail, as the chains were before they were
		// keyed: every link holds, but the rewritten row's hash is not its HMAC.
		name: "rewrite detail and rehash the chain without the key",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			rehashFrom(t, gdb, evs[4].ID, func(ev *schemas.AuditEvent) {
				if ev.ID == evs[4].ID {
					ev.Detail = `{"decision":"驳回"}`
				}
			})
		},
		want: []want{{4, "hash mismatch", ""}},
		check: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent, r audit.Report) {
			// Every rehashed row is named; rows before the rewrite are not.
			for _, p := range r.Problems {
				if p.EventID < evs[4].ID {
					t.Errorf("untouched row reported: %v", p)
				}
				if strings.Contains(p.Reason, "chain break") {
					t.Errorf("the rehashed chain should link: %v", p)
				}
			}
		},
	}, {
		// The same, turning the row into a legacy (unkeyed) one so that plain SHA-256 is what
		// verify checks it with.
		name: "rewrite a row as a legacy row and rehash the chain",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			rehashFrom(t, gdb, evs[4].ID, func(ev *schemas.AuditEvent) {
				ev.KeyID = ""
				if ev.ID == evs[4].ID {
					ev.Detail = "forged"
				}
			})
		},
		want: []want{{4, "unkeyed row after keyed rows", ""}, {11, "unkeyed row after keyed rows", ""}},
	}, {
		name: "rewrite a row under a made-up key id",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "UPDATE audit_events SET key_id = ? WHERE id = ?", "mallory", evs[4].ID)
		},
		want: []want{{4, `audit key "mallory"`, ""}},
	}, {
		name: "delete a middle row",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "DELETE FROM audit_events WHERE id = ?", evs[4].ID) // B seq 2
		},
		want: []want{{7, "case_seq gap", ""}, {5, "global chain break", ""}},
	}, {
		name: "delete the first row",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "DELETE FROM audit_events WHERE id = ?", evs[0].ID)
		},
		want: []want{{2, "case_seq gap", ""}, {1, "first row", ""}},
	}, {
		name: "delete the last row of a case",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "DELETE FROM audit_events WHERE id = ?", evs[8].ID) // A seq 4, A's last
		},
		want: []want{{9, "global chain break", ""}},
		check: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent, r audit.Report) {
			// The case chain alone cannot tell.
			cr, err := audit.VerifyCase(context.Background(), gdb, "JD-A")
			if err != nil || !cr.OK() || cr.Events != 3 {
				t.Errorf("verify case A: %+v %v", cr, err)
			}
		},
	}, {
		name: "swap two rows' detail",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "UPDATE audit_events SET detail = ? WHERE id = ?", evs[6].Detail, evs[3].ID)
			exec(t, gdb, "UPDATE audit_events SET detail = ? WHERE id = ?", evs[3].Detail, evs[6].ID)
		},
		want: []want{{3, "hash mismatch", ""}, {6, "hash mismatch", ""}},
	}, {
		name: "reorder two rows",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			// Swap the ids of A seq 3 and C seq 2: each case chain is still in order.
			exec(t, gdb, "UPDATE audit_events SET id = ? WHERE id = ?", -1, evs[5].ID)
			exec(t, gdb, "UPDATE audit_events SET id = ? WHERE id = ?", evs[5].ID, evs[6].ID)
			exec(t, gdb, "UPDATE audit_events SET id = ? WHERE id = ?", evs[6].ID, -1)
		},
		want: []want{{5, "global chain break", "JD-C"}, {6, "global chain break", "JD-A"}, {7, "global chain break", ""}},
	}, {
		name: "insert a forged row",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			prev := evs[2] // after A seq 2, as A seq 3 would be
			forged := schemas.AuditEvent{CaseID: "JD-A", CaseSeq: 3, At: prev.At.Add(time.Second), Actor: "mallory",
				Action: "task.completed", PrevHash: prev.Hash, DedupKey: "forged"}
			forged.Hash = audit.EventHash(forged.PrevHash, &forged)
			forged.GlobalPrevHash = prev.GlobalHash
			forged.GlobalHash = audit.GlobalHash(forged.GlobalPrevHash, forged.Hash)
			// Make room for it: the real A seq 3.. move up one.
			for _, i := range []int{8, 5} {
				exec(t, gdb, "UPDATE audit_events SET case_seq = case_seq + 10 WHERE id = ?", evs[i].ID)
			}
			exec(t, gdb, "UPDATE audit_events SET case_seq = 4 WHERE id = ?", evs[5].ID)
			exec(t, gdb, "UPDATE audit_events SET case_seq = 5 WHERE id = ?", evs[8].ID)
			if err := gdb.Create(&forged).Error; err != nil {
				t.Fatal(err)
			}
		},
		want: []want{{5, "hash mismatch", ""}, {8, "hash mismatch", ""}},
		check: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent, r audit.Report) {
			found := false
			for _, p := range r.Problems {
				if p.CaseID == "JD-A" && p.CaseSeq == 3 && strings.Contains(p.Reason, "global chain break") {
					found = true
				}
			}
			if !found {
				t.Errorf("the forged row at the end of the trail is not reported: %v", r.Problems)
			}
		},
	}, {
		name: "delete the newest row of the trail",
		tamper: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent) {
			exec(t, gdb, "DELETE FROM audit_events WHERE id = ?", evs[11].ID)
		},
		// The chains cannot show this; only the head moving back does.
		check: func(t *testing.T, gdb *gorm.DB, evs []schemas.AuditEvent, r audit.Report) {
			if r.Head != evs[10].GlobalHash {
				t.Errorf("head %s, want %s", r.Head, evs[10].GlobalHash)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
				evs := seed(t, gdb)
				before := verify(t, gdb)
				if !before.OK() {
					t.Fatalf("before tampering: %+v", before)
				}
				tt.tamper(t, gdb, evs)
				for _, bs := range []int{1000, 2} {
					withBatchSize(t, bs)
					r := verify(t, gdb)
					if len(tt.want) > 0 && r.OK() {
						t.Fatalf("batch %d: tampering not detected: %+v", bs, r)
					}
					if len(tt.want) == 0 && r.Head == before.Head {
						t.Fatalf("batch %d: head unchanged", bs)
					}
					for _, w := range tt.want {
						id, caseID := evs[w.idx].ID, evs[w.idx].CaseID
						if w.caseID != "" {
							caseID = w.caseID
						}
						if !hasProblem(r, id, caseID, w.reason) {
							t.Errorf("batch %d: no %q problem for event %d (case %s):\n%s", bs, w.reason, id, caseID,
								problems(r))
						}
					}
					if tt.check != nil {
						tt.check(t, gdb, evs, r)
					}
					t.Logf("batch %d:\n%s", bs, problems(r))
				}
			})
		})
	}
}

// rehashFrom rewrites every row from id on, in id order, with edit applied and both chains
// recomputed with plain SHA-256 (all a database admin without the audit key can do), writing
// each row as legacy when edit clears its key_id and keeping its key_id otherwise.
func rehashFrom(t *testing.T, gdb *gorm.DB, id int64, edit func(*schemas.AuditEvent)) {
	t.Helper()
	var rows []schemas.AuditEvent
	if err := gdb.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	caseHead := map[string]string{}
	globalHead := ""
	for i := range rows {
		ev := &rows[i]
		if ev.ID >= id {
			edit(ev)
			ev.PrevHash = caseHead[ev.CaseID]
			ev.GlobalPrevHash = globalHead
			plain := *ev
			plain.KeyID = "" // the seven legacy fields: what an attacker can recompute
			ev.Hash = audit.EventHash(ev.PrevHash, &plain)
			ev.GlobalHash = audit.GlobalHash(ev.GlobalPrevHash, ev.Hash)
			exec(t, gdb, "UPDATE audit_events SET detail = ?, key_id = ?, prev_hash = ?, hash = ?, global_prev_hash = ?, global_hash = ? WHERE id = ?",
				ev.Detail, ev.KeyID, ev.PrevHash, ev.Hash, ev.GlobalPrevHash, ev.GlobalHash, ev.ID)
		}
		caseHead[ev.CaseID] = ev.Hash
		globalHead = ev.GlobalHash
	}
}

func hasProblem(r audit.Report, id int64, caseID, reason string) bool {
	for _, p := range r.Problems {
		if p.EventID == id && p.CaseID == caseID && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

func problems(r audit.Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintln(&b, p)
	}
	return b.String()
}

func TestConcurrentAppends(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					ev := schemas.AuditEvent{
						CaseID:   fmt.Sprintf("JD-%d", rand.IntN(5)),
						At:       time.Now(),
						Actor:    fmt.Sprintf("worker-%d", w),
						Action:   "task.completed",
						Detail:   fmt.Sprintf("%d/%d", w, i),
						DedupKey: fmt.Sprintf("w%d-%d", w, i),
					}
					if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Append(tx, &ev) }); err != nil {
						errs <- fmt.Errorf("worker %d event %d: %w", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		r := verify(t, gdb)
		if !r.OK() || r.Events != workers*each {
			t.Fatalf("verify: events %d cases %d\n%s", r.Events, r.Cases, problems(r))
		}
		if n := count(t, gdb); n != workers*each {
			t.Fatalf("%d rows, want %d", n, workers*each)
		}
	})
}

// TestConcurrentRetries has every worker append the same events, as retried activities would:
// each lands once.
func TestConcurrentRetries(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		const workers, keys = 8, 5
		var wg sync.WaitGroup
		hashes := make([][keys]string, workers)
		errs := make(chan error, workers*keys)
		for w := range workers {
			wg.Go(func() {
				for k := range keys {
					ev := schemas.AuditEvent{CaseID: fmt.Sprintf("JD-%d", k%2), At: time.Now(), Actor: "worker",
						Action: "task.completed", DedupKey: fmt.Sprintf("key-%d", k)}
					if err := gdb.Transaction(func(tx *gorm.DB) error { return audit.Append(tx, &ev) }); err != nil {
						errs <- err
					}
					hashes[w][k] = ev.Hash
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := count(t, gdb); n != keys {
			t.Fatalf("%d rows, want %d", n, keys)
		}
		for w := 1; w < workers; w++ {
			if hashes[w] != hashes[0] {
				t.Errorf("worker %d saw hashes %v, worker 0 %v", w, hashes[w], hashes[0])
			}
		}
		if r := verify(t, gdb); !r.OK() || r.Events != keys {
			t.Fatalf("verify: %+v", r)
		}
	})
}

// TestCanonicalUnambiguous: moving bytes between fields changes the hash.
func TestCanonicalUnambiguous(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	a := schemas.AuditEvent{CaseID: "c", CaseSeq: 1, At: at, Actor: "ab", Action: "c", Detail: ""}
	b := schemas.AuditEvent{CaseID: "c", CaseSeq: 1, At: at, Actor: "a", Action: "bc", Detail: ""}
	c := schemas.AuditEvent{CaseID: "c", CaseSeq: 1, At: at, Actor: "a", Action: "b", TaskID: "", Detail: "c"}
	if audit.EventHash("", &a) == audit.EventHash("", &b) || audit.EventHash("", &b) == audit.EventHash("", &c) {
		t.Fatal("field boundaries are ambiguous")
	}
	// The same instant in another zone, or with sub-µs noise, hashes the same.
	d := a
	d.At = at.In(cst).Add(999 * time.Nanosecond)
	if audit.EventHash("p", &a) != audit.EventHash("p", &d) {
		t.Fatal("hash depends on zone or sub-microsecond digits")
	}
	if got, want := string(audit.Canonical(&a)), "1:c,1:1,27:2026-01-02T03:04:05.000006Z,2:ab,1:c,0:,0:,"; got != want {
		t.Fatalf("canonical = %q, want %q", got, want)
	}
}

// appendLegacy writes a row as the chains were written before they were keyed: no key_id,
// plain SHA-256 hashes.
func appendLegacy(t *testing.T, gdb *gorm.DB, ev schemas.AuditEvent) schemas.AuditEvent {
	t.Helper()
	var last []schemas.AuditEvent
	if err := gdb.Where("case_id = ?", ev.CaseID).Order("case_seq DESC").Limit(1).Find(&last).Error; err != nil {
		t.Fatal(err)
	}
	var lastGlobal []schemas.AuditEvent
	if err := gdb.Order("id DESC").Limit(1).Find(&lastGlobal).Error; err != nil {
		t.Fatal(err)
	}
	ev.CaseSeq = 1
	if len(last) == 1 {
		ev.CaseSeq, ev.PrevHash = last[0].CaseSeq+1, last[0].Hash
	}
	if len(lastGlobal) == 1 {
		ev.GlobalPrevHash = lastGlobal[0].GlobalHash
	}
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	ev.Hash = audit.EventHash(ev.PrevHash, &ev)
	ev.GlobalHash = audit.GlobalHash(ev.GlobalPrevHash, ev.Hash)
	if err := gdb.Create(&ev).Error; err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestKeysLegacyAndRotation: rows from before the chains were keyed verify as legacy; a key
// rotation keeps old rows verifiable while their key is listed; a row whose key is gone, or any
// unkeyed row under NoLegacy, is named.
func TestKeysLegacyAndRotation(t *testing.T) {
	orig := audit.ActiveKeys()
	t.Cleanup(func() { audit.UseKeys(orig) })
	k0, _ := secrets.NewKey("k0")
	k1, _ := secrets.NewKey("k1")
	ring := func(spec string) *audit.Keys {
		k, err := audit.ParseKeys(spec)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		ctx := context.Background()
		at := time.Now()
		var legacy []schemas.AuditEvent
		for i := range 3 {
			legacy = append(legacy, appendLegacy(t, gdb, schemas.AuditEvent{CaseID: fmt.Sprintf("JD-%d", i%2),
				At: at, Actor: "old", Action: "task.completed", Detail: fmt.Sprint(i), DedupKey: fmt.Sprintf("legacy-%d", i)}))
		}
		add := func(caseID, key string) schemas.AuditEvent {
			ev := schemas.AuditEvent{CaseID: caseID, At: time.Now(), Actor: "new", Action: "task.completed", DedupKey: key}
			if err := audit.Append(gdb, &ev); err != nil {
				t.Fatal(err)
			}
			return ev
		}
		audit.UseKeys(ring(k0))
		a := add("JD-0", "a")
		audit.UseKeys(ring(k1 + "," + k0)) // rotation: k1 current, k0 still verifies
		b := add("JD-1", "b")
		if a.KeyID != "k0" || b.KeyID != "k1" {
			t.Fatalf("key ids %q %q, want k0 k1", a.KeyID, b.KeyID)
		}

		r := verify(t, gdb)
		if !r.OK() || r.Events != 5 || r.Legacy != 3 || r.LastLegacyID != legacy[2].ID {
			t.Fatalf("legacy then keyed rows: %+v", r)
		}
		if cr, err := audit.VerifyCase(ctx, gdb, "JD-0"); err != nil || !cr.OK() || cr.Legacy != 2 {
			t.Fatalf("case JD-0: %+v %v", cr, err)
		}

		// Without k0, the row it wrote cannot be checked, and says so.
		r, err := audit.VerifyWith(ctx, gdb, ring(k1), audit.Options{})
		if err != nil || !hasProblem(r, a.ID, "JD-0", `audit key "k0"`) || len(r.Problems) != 1 {
			t.Fatalf("k0 dropped: %v\n%s", err, problems(r))
		}
		// A trail that must be keyed throughout names its unkeyed rows.
		r, err = audit.VerifyWith(ctx, gdb, ring(k1+","+k0), audit.Options{NoLegacy: true})
		if err != nil || len(r.Problems) != 3 || !hasProblem(r, legacy[1].ID, "JD-1", "unkeyed row") {
			t.Fatalf("no legacy: %v\n%s", err, problems(r))
		}

		// No key, no append.
		audit.UseKeys(nil)
		ev := schemas.AuditEvent{CaseID: "JD-0", At: time.Now(), Actor: "x", Action: "y", DedupKey: "nokey"}
		if err := audit.Append(gdb, &ev); !errors.Is(err, audit.ErrNoKeys) {
			t.Fatalf("append without a key: %v", err)
		}
		audit.UseKeys(orig)
	})
}
