// Package audit keeps the audit trail: append-only rows of audit_events, each hash-chained to
// the previous row of its case (prev_hash, hash) and to the previous row of the whole trail in
// id order (global_prev_hash, global_hash), so that an edited, deleted, inserted or reordered
// row shows up when the trail is verified. The admin trail (changes to officials, roles, org
// units and the calendar) is the case chain named AdminTrail.
//
// The chains are keyed: hashes are lowercase hex HMAC-SHA256 under a key that is not in the
// database (JIANDU_AUDIT_KEYS, see UseKeys), so someone who can write the database cannot
// rewrite a row and recompute the chain. Each row records the id of the key it was written
// with (key_id); new rows use the current key, and Verify checks each row with the key it
// names, so keys can be rotated by putting a new key first and keeping the old ones listed.
//
//	hash        = HMAC(key, "jiandu-audit-v2\n" + prev_hash + "\n" + canonical(row))
//	global_hash = HMAC(key, global_prev_hash + "\n" + hash)
//
// canonical(row) is the concatenation of netstrings (len(field) in decimal, ":", field, ",")
// of case_id, case_seq (decimal), at (UTC, RFC 3339 with nanoseconds, trailing zeros dropped),
// actor, action, task_id, detail, key_id and scope, in that order. The first row of a case has
// prev_hash ""; the first row of the trail has global_prev_hash "".
//
// Legacy rows, written before the chains were keyed, have key_id "" and plain SHA-256 hashes
// over the first seven fields:
//
//	hash        = sha256(prev_hash + "\n" + canonical7(row))
//	global_hash = sha256(global_prev_hash + "\n" + hash)
//
// Verify still accepts them and counts them (Report.Legacy); an unkeyed row after a keyed one
// is a problem (a keyed row rewritten as a legacy one).
//
// The chains prove that rows were not changed relative to each other. They cannot tell that
// the newest rows of the whole trail were cut off: keep Report.Head somewhere else (a log, a
// ticket) to notice that.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/schemas"
)

// AdminTrail is the case_id of the admin trail: one chain of every change an administrator
// (or `jiandu bootstrap`) made to officials, roles, org units and the calendar.
const AdminTrail = "admin"

// Actions of the admin trail, and the actor of the rows `jiandu bootstrap` writes.
const (
	AdminOfficialCreated = "admin.official_created"
	AdminOfficialUpdated = "admin.official_updated"
	AdminOrgUnitCreated  = "admin.org_unit_created"
	AdminCalendarSet     = "admin.calendar_replaced"
	// A cycle schedule paused, unpaused or triggered (api/schedules.go).
	AdminSchedulePaused    = "admin.schedule_paused"
	AdminScheduleUnpaused  = "admin.schedule_unpaused"
	AdminScheduleTriggered = "admin.schedule_triggered"
	BootstrapActor         = "jiandu-bootstrap"
)

// AdminChange is the detail of an admin trail row: what changed, as it was and as it is.
type AdminChange struct {
	Target string `json:"target"` // "official/<id>", "org_unit/<id>", "calendar/<year>"
	Before any    `json:"before"` // null when created
	After  any    `json:"after"`
}

// AppendAdmin appends one row to the admin trail in tx: actor made change (action, e.g.
// "admin.official_updated"). scope lists the paths of the org units the change concerns (an
// official's unit before and after a move): the administrators of any of them, or above, read
// the row.
func AppendAdmin(tx *gorm.DB, actor, action string, scope []string, change AdminChange) error {
	detail, err := json.Marshal(change)
	if err != nil {
		return fmt.Errorf("audit: admin change detail: %w", err)
	}
	var paths []string
	for _, p := range scope {
		if p != "" && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	return Append(tx, &schemas.AuditEvent{
		CaseID: AdminTrail, At: time.Now().UTC(), Actor: actor, Action: action,
		Detail: string(detail), Scope: strings.Join(paths, " "),
		DedupKey: "admin/" + hex.EncodeToString(b[:]),
	})
}

// Keys are the HMAC-SHA256 keys of the chains by id; the first is current.
type Keys struct {
	current string
	keys    map[string][]byte
}

// ParseKeys reads JIANDU_AUDIT_KEYS, a key ring "kid1:base64key,kid0:base64key" written like
// the other key rings (secrets.ParseKeys): 32 random bytes per key, the first current.
func ParseKeys(spec string) (*Keys, error) {
	list, err := secrets.ParseKeys(spec)
	if err != nil {
		return nil, err
	}
	k := &Keys{current: list[0].ID, keys: make(map[string][]byte, len(list))}
	for _, e := range list {
		k.keys[e.ID] = e.Bytes
	}
	return k, nil
}

// CurrentID is the id of the key new rows are written with.
func (k *Keys) CurrentID() string { return k.current }

var active atomic.Pointer[Keys]

// UseKeys sets the keys this process writes and verifies the trail with. The api, worker and
// operator commands call it at start from JIANDU_AUDIT_KEYS; until it is called Append fails.
func UseKeys(k *Keys) { active.Store(k) }

// ActiveKeys returns the keys set by UseKeys, nil if none.
func ActiveKeys() *Keys { return active.Load() }

// ErrNoKeys is returned by Append when no audit key is configured.
var ErrNoKeys = errors.New("audit: no audit key configured (set JIANDU_AUDIT_KEYS)")

// advisoryLockKey is the Postgres advisory lock that serializes appends: "jiandu" then 0x0001.
const advisoryLockKey int64 = 0x6a69616e64750001

// batchSize is how many rows Verify reads per query (a variable so tests can shrink it).
var batchSize = 1000

// Append adds ev to the trail inside the caller's transaction tx. The caller sets CaseID, At,
// Actor, Action, TaskID, Detail, Scope (admin trail only) and DedupKey; Append fills KeyID (the
// current key of UseKeys), CaseSeq (1-based per case),
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
	keys := ActiveKeys()
	if keys == nil {
		return ErrNoKeys
	}
	if committer, ok := tx.Statement.ConnPool.(gorm.TxCommitter); !ok || committer == nil {
		return tx.Transaction(func(tx *gorm.DB) error { return appendTx(tx, keys, ev) })
	}
	return appendTx(tx, keys, ev)
}

func appendTx(tx *gorm.DB, keys *Keys, ev *schemas.AuditEvent) error {
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
	ev.KeyID = keys.current
	key := keys.keys[ev.KeyID]
	ev.Hash = keyedEventHash(key, ev.PrevHash, ev)
	ev.GlobalHash = keyedGlobalHash(key, ev.GlobalPrevHash, ev.Hash)
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
		"Detail": ev.Detail, "DedupKey": ev.DedupKey, "Scope": ev.Scope,
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

// canonical is the unambiguous encoding of the hashed fields of ev: the seven fields of a
// legacy row, and key_id and scope too for a keyed one.
func canonical(ev *schemas.AuditEvent) []byte {
	fields := []string{
		ev.CaseID,
		strconv.Itoa(ev.CaseSeq),
		normTime(ev.At).Format(time.RFC3339Nano),
		ev.Actor,
		ev.Action,
		ev.TaskID,
		ev.Detail,
	}
	if ev.KeyID != "" {
		fields = append(fields, ev.KeyID, ev.Scope)
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

// eventHash is the legacy (unkeyed, key_id "") case-chain hash of ev given the hash of the
// case's previous row.
func eventHash(prevHash string, ev *schemas.AuditEvent) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write([]byte{'\n'})
	h.Write(canonical(ev))
	return hex.EncodeToString(h.Sum(nil))
}

// globalHash is the legacy global-chain hash of a row whose case-chain hash is hash.
func globalHash(globalPrevHash, hash string) string {
	sum := sha256.Sum256([]byte(globalPrevHash + "\n" + hash))
	return hex.EncodeToString(sum[:])
}

// keyedEventHash is the case-chain hash of a keyed row under its key.
func keyedEventHash(key []byte, prevHash string, ev *schemas.AuditEvent) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("jiandu-audit-v2\n"))
	m.Write([]byte(prevHash))
	m.Write([]byte{'\n'})
	m.Write(canonical(ev))
	return hex.EncodeToString(m.Sum(nil))
}

// keyedGlobalHash is the global-chain hash of a keyed row whose case-chain hash is hash.
func keyedGlobalHash(key []byte, globalPrevHash, hash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(globalPrevHash + "\n" + hash))
	return hex.EncodeToString(m.Sum(nil))
}

// rowHashes recomputes row's hash and global_hash from its stored fields: with the key it
// names, or plain SHA-256 for a legacy row. ok is false when keys lacks the row's key.
func rowHashes(keys *Keys, row *schemas.AuditEvent) (hash, global string, ok bool) {
	if row.KeyID == "" {
		h := eventHash(row.PrevHash, row)
		return h, globalHash(row.GlobalPrevHash, row.Hash), true
	}
	if keys == nil {
		return "", "", false
	}
	key, found := keys.keys[row.KeyID]
	if !found {
		return "", "", false
	}
	return keyedEventHash(key, row.PrevHash, row), keyedGlobalHash(key, row.GlobalPrevHash, row.Hash), true
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
	Events int `json:"events"` // rows read
	Cases  int `json:"cases"`  // distinct cases (chains) among them, the admin trail included
	// Legacy counts the rows written before the chains were keyed (key_id ""): they are
	// checked with plain SHA-256, which someone with write access to the database can forge.
	Legacy       int       `json:"legacy"`
	LastLegacyID int64     `json:"last_legacy_id,omitempty"` // id of the last legacy row read
	Problems     []Problem `json:"problems,omitempty"`
	// Head is the hash of the last row read: global_hash for Verify, hash for VerifyCase.
	// Chains cannot show that their newest rows were removed; comparing Head with a value
	// recorded earlier can.
	Head string `json:"head"`
}

// OK reports whether the verification found no problem.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Options tune a verification.
type Options struct {
	// NoLegacy makes every unkeyed row a problem: for a trail that was keyed from its start
	// (every deployment made after the chains were keyed), where an unkeyed row can only be a
	// forgery.
	NoLegacy bool
}

type chainState struct {
	id    int64
	seq   int
	hash  string
	keyed bool // a keyed row was seen in this chain
}

// checkRow checks row against the previous row of its case (zero state: none yet) and adds
// what is wrong to r.
func checkRow(r *Report, keys *Keys, opts Options, prev chainState, row *schemas.AuditEvent) {
	problem := func(format string, args ...any) {
		r.Problems = append(r.Problems, Problem{EventID: row.ID, CaseID: row.CaseID, CaseSeq: row.CaseSeq,
			Reason: fmt.Sprintf(format, args...)})
	}
	if row.KeyID == "" {
		r.Legacy++
		r.LastLegacyID = row.ID
		switch {
		case opts.NoLegacy:
			problem("unkeyed row (no key_id) in a trail that must be keyed throughout: it was rewritten without the audit key")
		case prev.keyed:
			problem("unkeyed row after keyed rows: a keyed row was rewritten as a legacy one")
		}
	}
	hash, global, ok := rowHashes(keys, row)
	if !ok {
		problem("written with audit key %q, which is not among the configured keys (JIANDU_AUDIT_KEYS): cannot be checked", row.KeyID)
	} else {
		if hash != row.Hash {
			if row.KeyID != "" {
				problem("hash mismatch: the row's content or hash was changed after it was written (not the HMAC of its content under audit key %q)", row.KeyID)
			} else {
				problem("hash mismatch: the row's content was changed after it was written")
			}
		}
		if global != row.GlobalHash {
			problem("global_hash mismatch: the row's hashes were changed after it was written")
		}
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

// Verify is VerifyWith with the keys of UseKeys and no options.
func Verify(ctx context.Context, db *gorm.DB) (Report, error) {
	return VerifyWith(ctx, db, ActiveKeys(), Options{})
}

// VerifyWith re-reads the whole trail in id order, streaming it in batches, and checks every
// row's hashes (with the key the row names; plain SHA-256 for a legacy row), each case chain
// (case_seq 1..n without gaps, prev_hash = hash of the case's previous row) and the global
// chain (global_prev_hash = global_hash of the previous row in id order). An edited row shows
// as a hash mismatch, even when its hashes were recomputed without the key; a deleted row as a
// case_seq gap and a global chain break on the rows after it; a reordered or inserted row as
// chain breaks; a keyed row turned into a legacy one as an unkeyed row after keyed rows.
func VerifyWith(ctx context.Context, db *gorm.DB, keys *Keys, opts Options) (Report, error) {
	var r Report
	cases := map[string]chainState{}
	var prev chainState // previous row of the trail: id, global_hash, whether any row was keyed
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
			cs := cases[row.CaseID]
			// Any keyed row earlier in the trail, of whatever case, rules out a later legacy row.
			cs.keyed = cs.keyed || prev.keyed
			checkRow(&r, keys, opts, cs, row)
			if row.GlobalPrevHash != prev.hash {
				reason := "global chain break: global_prev_hash is not the global_hash of the previous row (event " +
					strconv.FormatInt(prev.id, 10) + "): a row was deleted, inserted or moved here"
				if first {
					reason = "global chain break: the trail's first row has a non-empty global_prev_hash: earlier rows were deleted"
				}
				r.Problems = append(r.Problems, Problem{EventID: row.ID, CaseID: row.CaseID, CaseSeq: row.CaseSeq, Reason: reason})
			}
			keyed := prev.keyed || row.KeyID != ""
			cases[row.CaseID] = chainState{id: row.ID, seq: row.CaseSeq, hash: row.Hash, keyed: keyed}
			prev = chainState{id: row.ID, hash: row.GlobalHash, keyed: keyed}
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

// VerifyCase is VerifyCaseWith with the keys of UseKeys and no options.
func VerifyCase(ctx context.Context, db *gorm.DB, caseID string) (Report, error) {
	return VerifyCaseWith(ctx, db, caseID, ActiveKeys(), Options{})
}

// VerifyCaseWith checks one case's chain only (AdminTrail for the admin trail): every row's
// hashes, case_seq 1..n without gaps and prev_hash links, in case_seq order. It cannot see
// the global chain, so it misses a deleted newest row of the case; Verify catches that (unless
// the row was the newest of the trail).
func VerifyCaseWith(ctx context.Context, db *gorm.DB, caseID string, keys *Keys, opts Options) (Report, error) {
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
			checkRow(&r, keys, opts, prev, row)
			prev = chainState{id: row.ID, seq: row.CaseSeq, hash: row.Hash, keyed: prev.keyed || row.KeyID != ""}
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
