// Package audit keeps the audit trail: append-only rows of audit_events, each hash-chained to
// the previous row of its case (prev_hash, hash) and to the previous row of the whole trail in
// id order (global_prev_hash, global_hash), so that an edited, deleted, inserted or reordered
// row shows up when the trail is verified.
//
// Hashes are lowercase hex SHA-256:
//
//	hash        = sha256(prev_hash + "\n" + canonical(row))
//	global_hash = sha256(global_prev_hash + "\n" + hash)
//
// canonical(row) is the concatenation of netstrings (len(field) in decimal, ":", field, ",")
// of case_id, case_seq (decimal), at (UTC, RFC 3339 with nanoseconds, trailing zeros dropped),
// actor, action, task_id and detail, in that order. The first row of a case has prev_hash "";
// the first row of the trail has global_prev_hash "".
//
// The chains prove that rows were not changed relative to each other. They cannot tell that
// the newest rows of the whole trail were cut off: keep Report.Head somewhere else (a log, a
// ticket) to notice that.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// advisoryLockKey is the Postgres advisory lock that serializes appends: "jiandu" then 0x0001.
const advisoryLockKey int64 = 0x6a69616e64750001

// batchSize is how many rows Verify reads per query (a variable so tests can shrink it).
var batchSize = 1000

// Append adds ev to the trail inside the caller's transaction tx. The caller sets CaseID, At,
// Actor, Action, TaskID, Detail and DedupKey; Append fills CaseSeq (1-based per case),
// PrevHash/Hash (chain per case), GlobalPrevHash/GlobalHash (one chain over all rows in id
// order) and ID, and inserts. At is stored truncated to microseconds in UTC (a zero At becomes
// the current time).
//
// It is idempotent on DedupKey: if a row with that DedupKey exists, Append returns nil and
// sets *ev to that stored row (activities are retried, and a retry must not add a second row).
//
// On Postgres, Append takes a transaction-level advisory lock that is held until tx commits or
// rolls back, so appends from all processes serialize: commit soon after appending. Call it in
// a READ COMMITTED transaction (the default), so that the rows read under the lock are the
// latest committed ones. If tx is not a transaction, Append runs in a transaction of its own.
func Append(tx *gorm.DB, ev *schemas.AuditEvent) error {
	if ev == nil {
		return errors.New("audit: nil event")
	}
	if err := validate(ev); err != nil {
		return err
	}
	if committer, ok := tx.Statement.ConnPool.(gorm.TxCommitter); !ok || committer == nil {
		return tx.Transaction(func(tx *gorm.DB) error { return appendTx(tx, ev) })
	}
	return appendTx(tx, ev)
}

func appendTx(tx *gorm.DB, ev *schemas.AuditEvent) error {
	if tx.Dialector.Name() == "postgres" {
		// Held until commit: no other append can read the chain heads until this row is
		// committed, so the chains cannot fork and ids follow chain order.
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", advisoryLockKey).Error; err != nil {
			return fmt.Errorf("audit: lock trail: %w", err)
		}
	}
	// SQLite (internal/db opens it with one connection) serializes writers by itself.

	var existing []schemas.AuditEvent
	if err := tx.Where("dedup_key = ?", ev.DedupKey).Limit(1).Find(&existing).Error; err != nil {
		return fmt.Errorf("audit: look up dedup key: %w", err)
	}
	if len(existing) == 1 {
		*ev = existing[0]
		ev.At = ev.At.UTC()
		return nil
	}

	var lastCase []schemas.AuditEvent
	if err := tx.Select("id", "case_seq", "hash").Where("case_id = ?", ev.CaseID).
		Order("case_seq DESC").Limit(1).Find(&lastCase).Error; err != nil {
		return fmt.Errorf("audit: read case chain head: %w", err)
	}
	var lastGlobal []schemas.AuditEvent
	if err := tx.Select("id", "global_hash").Order("id DESC").Limit(1).Find(&lastGlobal).Error; err != nil {
		return fmt.Errorf("audit: read global chain head: %w", err)
	}

	ev.ID = 0
	ev.At = normTime(ev.At)
	ev.CaseSeq, ev.PrevHash = 1, ""
	if len(lastCase) == 1 {
		ev.CaseSeq, ev.PrevHash = lastCase[0].CaseSeq+1, lastCase[0].Hash
	}
	ev.GlobalPrevHash = ""
	if len(lastGlobal) == 1 {
		ev.GlobalPrevHash = lastGlobal[0].GlobalHash
	}
	ev.Hash = eventHash(ev.PrevHash, ev)
	ev.GlobalHash = globalHash(ev.GlobalPrevHash, ev.Hash)
	if err := tx.Create(ev).Error; err != nil {
		return fmt.Errorf("audit: insert event: %w", err)
	}
	return nil
}

func validate(ev *schemas.AuditEvent) error {
	switch {
	case ev.CaseID == "":
		return errors.New("audit: event has no CaseID")
	case ev.Actor == "":
		return errors.New("audit: event has no Actor")
	case ev.Action == "":
		return errors.New("audit: event has no Action")
	case ev.DedupKey == "":
		// dedup_key is UNIQUE: an empty key would silently swallow every later keyless event.
		return errors.New("audit: event has no DedupKey")
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	// Postgres TEXT rejects invalid UTF-8 and NUL; refuse them on SQLite too, so a trail is
	// the same on both and a hash never depends on how a driver mangles bytes.
	for name, s := range map[string]string{
		"CaseID": ev.CaseID, "Actor": ev.Actor, "Action": ev.Action, "TaskID": ev.TaskID,
		"Detail": ev.Detail, "DedupKey": ev.DedupKey,
	} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("audit: event %s is not valid UTF-8 text", name)
		}
	}
	return nil
}

// normTime is the form of At that is stored and hashed: UTC, whole microseconds (what a
// Postgres timestamptz keeps).
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// canonical is the unambiguous encoding of the hashed fields of ev.
func canonical(ev *schemas.AuditEvent) []byte {
	fields := [...]string{
		ev.CaseID,
		strconv.Itoa(ev.CaseSeq),
		normTime(ev.At).Format(time.RFC3339Nano),
		ev.Actor,
		ev.Action,
		ev.TaskID,
		ev.Detail,
	}
	n := 0
	for _, f := range fields {
		n += len(f) + 22
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ',')
	}
	return b
}

// eventHash is the case-chain hash of ev given the hash of the case's previous row.
func eventHash(prevHash string, ev *schemas.AuditEvent) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write([]byte{'\n'})
	h.Write(canonical(ev))
	return hex.EncodeToString(h.Sum(nil))
}

// globalHash is the global-chain hash of a row whose case-chain hash is hash.
func globalHash(globalPrevHash, hash string) string {
	sum := sha256.Sum256([]byte(globalPrevHash + "\n" + hash))
	return hex.EncodeToString(sum[:])
}

// Problem is one break found by Verify.
type Problem struct {
	EventID int64  `json:"event_id"` // id of the row where the break shows
	CaseID  string `json:"case_id"`  // that row's case
	CaseSeq int    `json:"case_seq"` // that row's case_seq
	Reason  string `json:"reason"`
}

func (p Problem) String() string {
	return fmt.Sprintf("event %d (case %s, seq %d): %s", p.EventID, p.CaseID, p.CaseSeq, p.Reason)
}

// Report summarizes a verification.
type Report struct {
	Events   int       `json:"events"` // rows read
	Cases    int       `json:"cases"`  // distinct cases among them
	Problems []Problem `json:"problems,omitempty"`
	// Head is the hash of the last row read: global_hash for Verify, hash for VerifyCase.
	// Chains cannot show that their newest rows were removed; comparing Head with a value
	// recorded earlier can.
	Head string `json:"head"`
}

// OK reports whether the verification found no problem.
func (r Report) OK() bool { return len(r.Problems) == 0 }

type chainState struct {
	id   int64
	seq  int
	hash string
}

// checkCase checks row against the previous row of its case (zero state: none yet) and adds
// what is wrong to r.
func checkCase(r *Report, prev chainState, row *schemas.AuditEvent) {
	problem := func(format string, args ...any) {
		r.Problems = append(r.Problems, Problem{EventID: row.ID, CaseID: row.CaseID, CaseSeq: row.CaseSeq,
			Reason: fmt.Sprintf(format, args...)})
	}
	if got := eventHash(row.PrevHash, row); got != row.Hash {
		problem("hash mismatch: the row's content was changed after it was written")
	}
	if got := globalHash(row.GlobalPrevHash, row.Hash); got != row.GlobalHash {
		problem("global_hash mismatch: the row's hashes were changed after it was written")
	}
	want := prev.seq + 1
	switch {
	case row.CaseSeq > want:
		problem("case_seq gap: expected %d, so %d row(s) of the case are missing", want, row.CaseSeq-want)
	case row.CaseSeq < want && prev.seq == 0:
		problem("case_seq %d but this is the case's first row", row.CaseSeq)
	case row.CaseSeq < want:
		problem("case_seq out of order: follows case_seq %d (event %d)", prev.seq, prev.id)
	case row.PrevHash != prev.hash && prev.seq == 0:
		problem("case chain break: the case's first row has a non-empty prev_hash")
	case row.PrevHash != prev.hash:
		problem("case chain break: prev_hash is not the hash of case_seq %d (event %d)", prev.seq, prev.id)
	}
}

// Verify re-reads the whole trail in id order, streaming it in batches, and checks every row's
// hashes, each case chain (case_seq 1..n without gaps, prev_hash = hash of the case's previous
// row) and the global chain (global_prev_hash = global_hash of the previous row in id order).
// An edited row shows as a hash mismatch; a deleted row as a case_seq gap and a global chain
// break on the rows after it; a reordered or inserted row as chain breaks.
func Verify(ctx context.Context, db *gorm.DB) (Report, error) {
	var r Report
	cases := map[string]chainState{}
	var prev chainState // previous row of the trail: id and global_hash
	first := true
	for {
		var batch []schemas.AuditEvent
		q := db.WithContext(ctx).Order("id").Limit(batchSize)
		if !first {
			q = q.Where("id > ?", prev.id)
		}
		if err := q.Find(&batch).Error; err != nil {
			return r, fmt.Errorf("audit: read trail: %w", err)
		}
		for i := range batch {
			row := &batch[i]
			checkCase(&r, cases[row.CaseID], row)
			if row.GlobalPrevHash != prev.hash {
				reason := "global chain break: global_prev_hash is not the global_hash of the previous row (event " +
					strconv.FormatInt(prev.id, 10) + "): a row was deleted, inserted or moved here"
				if first {
					reason = "global chain break: the trail's first row has a non-empty global_prev_hash: earlier rows were deleted"
				}
				r.Problems = append(r.Problems, Problem{EventID: row.ID, CaseID: row.CaseID, CaseSeq: row.CaseSeq, Reason: reason})
			}
			cases[row.CaseID] = chainState{id: row.ID, seq: row.CaseSeq, hash: row.Hash}
			prev = chainState{id: row.ID, hash: row.GlobalHash}
			first = false
			r.Events++
		}
		if len(batch) < batchSize {
			break
		}
	}
	r.Cases = len(cases)
	r.Head = prev.hash
	return r, nil
}

// VerifyCase checks one case's chain only: every row's hashes, case_seq 1..n without gaps and
// prev_hash links, in case_seq order. It cannot see the global chain, so it misses a deleted
// newest row of the case; Verify catches that (unless the row was the newest of the trail).
func VerifyCase(ctx context.Context, db *gorm.DB, caseID string) (Report, error) {
	var r Report
	var prev chainState
	for {
		var batch []schemas.AuditEvent
		q := db.WithContext(ctx).Where("case_id = ?", caseID).Order("case_seq").Limit(batchSize)
		if r.Events > 0 {
			q = q.Where("case_seq > ?", prev.seq)
		}
		if err := q.Find(&batch).Error; err != nil {
			return r, fmt.Errorf("audit: read case %s: %w", caseID, err)
		}
		for i := range batch {
			row := &batch[i]
			checkCase(&r, prev, row)
			prev = chainState{id: row.ID, seq: row.CaseSeq, hash: row.Hash}
			r.Events++
		}
		if len(batch) < batchSize {
			break
		}
	}
	if r.Events > 0 {
		r.Cases = 1
	}
	r.Head = prev.hash
	return r, nil
}
