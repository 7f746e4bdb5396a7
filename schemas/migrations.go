package schemas

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
)

// A migration is one forward-only step of the schema. Statements are written once for both
// dialects; {{id}} and {{time}} stand for the column types that differ.
type migration struct {
	version int
	name    string
	sql     []string
	apply   func(tx *gorm.DB) error // data steps that SQL alone cannot say; runs after sql
}

// Never edit a migration that has shipped: add a new one.
var migrations = []migration{
	{1, "initial schema", []string{
		`CREATE TABLE org_units (
			id TEXT PRIMARY KEY,
			parent_id TEXT REFERENCES org_units(id),
			name TEXT NOT NULL,
			level TEXT NOT NULL,
			kind TEXT NOT NULL,
			path TEXT NOT NULL
		)`,
		`CREATE INDEX org_units_path ON org_units (path)`,
		`CREATE TABLE officials (
			id TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			org_unit_id TEXT NOT NULL REFERENCES org_units(id),
			roles TEXT NOT NULL DEFAULT '',
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL
		)`,
		`CREATE INDEX officials_org_unit ON officials (org_unit_id)`,
		`CREATE TABLE case_sequences (
			kind TEXT NOT NULL,
			year INTEGER NOT NULL,
			last INTEGER NOT NULL,
			PRIMARY KEY (kind, year)
		)`,
		`CREATE TABLE cases (
			id TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			year INTEGER NOT NULL,
			seq INTEGER NOT NULL,
			title TEXT NOT NULL,
			org_unit_id TEXT NOT NULL REFERENCES org_units(id),
			status TEXT NOT NULL,
			stage TEXT NOT NULL DEFAULT '',
			outcome TEXT NOT NULL DEFAULT '',
			created_by TEXT NOT NULL,
			created_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL,
			closed_at {{time}},
			UNIQUE (kind, year, seq)
		)`,
		`CREATE INDEX cases_list ON cases (kind, status, created_at)`,
		`CREATE INDEX cases_org_unit ON cases (org_unit_id, created_at)`,
		`CREATE TABLE tasks (
			id TEXT PRIMARY KEY,
			case_id TEXT NOT NULL REFERENCES cases(id),
			case_kind TEXT NOT NULL,
			step_key TEXT NOT NULL,
			step TEXT NOT NULL,
			title TEXT NOT NULL,
			org_unit_id TEXT NOT NULL REFERENCES org_units(id),
			assignee_role TEXT NOT NULL DEFAULT '',
			assignee_id TEXT,
			claimed_by TEXT,
			priority INTEGER NOT NULL DEFAULT 0,
			status TEXT NOT NULL,
			due_at {{time}},
			overdue BOOLEAN NOT NULL DEFAULT FALSE,
			escalation_level INTEGER NOT NULL DEFAULT 0,
			decision TEXT NOT NULL DEFAULT '',
			completed_by TEXT,
			completed_at {{time}},
			created_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL,
			UNIQUE (case_id, step_key)
		)`,
		`CREATE INDEX tasks_assignee ON tasks (assignee_id, status, priority, due_at)`,
		`CREATE INDEX tasks_role_org ON tasks (assignee_role, org_unit_id, status, priority, due_at)`,
		`CREATE INDEX tasks_claimed ON tasks (claimed_by, status)`,
		`CREATE TABLE audit_events (
			id {{id}},
			case_id TEXT NOT NULL,
			case_seq INTEGER NOT NULL,
			at {{time}} NOT NULL,
			actor TEXT NOT NULL,
			action TEXT NOT NULL,
			task_id TEXT NOT NULL DEFAULT '',
			detail TEXT NOT NULL DEFAULT '',
			prev_hash TEXT NOT NULL,
			hash TEXT NOT NULL,
			global_prev_hash TEXT NOT NULL,
			global_hash TEXT NOT NULL,
			dedup_key TEXT NOT NULL UNIQUE,
			UNIQUE (case_id, case_seq)
		)`,
		`CREATE TABLE notifications (
			id {{id}},
			official_id TEXT NOT NULL,
			case_id TEXT NOT NULL DEFAULT '',
			task_id TEXT NOT NULL DEFAULT '',
			kind TEXT NOT NULL,
			title TEXT NOT NULL,
			body TEXT NOT NULL,
			dedup_key TEXT NOT NULL UNIQUE,
			created_at {{time}} NOT NULL,
			read_at {{time}},
			delivered_at {{time}},
			attempts INTEGER NOT NULL DEFAULT 0,
			next_attempt_at {{time}},
			last_error TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX notifications_official ON notifications (official_id, created_at)`,
		`CREATE INDEX notifications_pending ON notifications (delivered_at, next_attempt_at)`,
		`CREATE TABLE holidays (
			date TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			name TEXT NOT NULL DEFAULT ''
		)`,
	}, nil},
	{2, "official holiday schedules 2025-2026", nil, seedHolidays},
	{3, "task specs, case priority, idempotent case starts", []string{
		`ALTER TABLE tasks ADD COLUMN spec TEXT NOT NULL DEFAULT '{}'`,
		`ALTER TABLE tasks ADD COLUMN comment TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE cases ADD COLUMN priority INTEGER NOT NULL DEFAULT 0`,
		`CREATE TABLE case_requests (
			idempotency_key TEXT PRIMARY KEY,
			official_id TEXT NOT NULL,
			case_id TEXT NOT NULL,
			created_at {{time}} NOT NULL
		)`,
	}, nil},
	{4, "tasks remember the workflow that holds them (child workflows)", []string{
		`ALTER TABLE tasks ADD COLUMN workflow_id TEXT NOT NULL DEFAULT ''`,
	}, nil},
	{5, "restrictions on officials (诫勉 influence periods)", []string{
		`CREATE TABLE restrictions (
			id TEXT PRIMARY KEY,
			official_id TEXT NOT NULL,
			kind TEXT NOT NULL,
			case_id TEXT NOT NULL,
			reason TEXT NOT NULL DEFAULT '',
			starts_at {{time}} NOT NULL,
			ends_at {{time}} NOT NULL,
			lifted_at {{time}},
			created_at {{time}} NOT NULL
		)`,
		`CREATE INDEX restrictions_official ON restrictions (official_id, ends_at)`,
	}, nil},
	{6, "12380 reports: reporter identity sealed at rest, query codes, material", []string{
		`CREATE TABLE reports (
			id TEXT PRIMARY KEY,
			org_unit_id TEXT NOT NULL REFERENCES org_units(id),
			channel TEXT NOT NULL,
			signed BOOLEAN NOT NULL DEFAULT FALSE,
			key_id TEXT NOT NULL DEFAULT '',
			identity_sealed TEXT NOT NULL DEFAULT '',
			subject_id TEXT NOT NULL DEFAULT '',
			subject_name TEXT NOT NULL,
			subject_unit TEXT NOT NULL DEFAULT '',
			subject_post TEXT NOT NULL DEFAULT '',
			content TEXT NOT NULL,
			query_code TEXT UNIQUE,
			secret_salt TEXT NOT NULL DEFAULT '',
			secret_hash TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			feedback TEXT NOT NULL DEFAULT '',
			feedback_at {{time}},
			created_by TEXT NOT NULL,
			created_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL
		)`,
		`CREATE INDEX reports_org_unit ON reports (org_unit_id, created_at)`,
		`CREATE TABLE report_materials (
			id {{id}},
			report_id TEXT NOT NULL REFERENCES reports(id),
			source TEXT NOT NULL,
			text TEXT NOT NULL,
			created_at {{time}} NOT NULL
		)`,
		`CREATE INDEX report_materials_report ON report_materials (report_id, id)`,
	}, nil},
	// The inbox (GET /api/v1/tasks, docs/BENCHMARKS.md): "mine" ORs four arms and each needs
	// an index for a bitmap OR; completed_by had none, so Postgres scanned all 1M tasks.
	{7, "inbox: index completed tasks by official", []string{
		`CREATE INDEX tasks_completed_by ON tasks (completed_by, status)`,
	}, nil},
	{8, "inbox: index tasks in inbox order, for supervisors' subtree lists", []string{
		`CREATE INDEX tasks_inbox_order ON tasks (status, priority DESC, due_at, id)`,
	}, nil},
	{9, "recusal: the subjects of each case, steps addressed to the subject", []string{
		`CREATE TABLE case_subjects (
			case_id TEXT NOT NULL,
			official_id TEXT NOT NULL,
			added_by TEXT NOT NULL,
			reason TEXT NOT NULL DEFAULT '',
			created_at {{time}} NOT NULL,
			PRIMARY KEY (case_id, official_id)
		)`,
		`CREATE INDEX case_subjects_official ON case_subjects (official_id, case_id)`,
		`ALTER TABLE tasks ADD COLUMN for_subject BOOLEAN NOT NULL DEFAULT FALSE`,
	}, nil},
	// internal/audit: keyed (HMAC) chains; rows before this have key_id '' and verify as
	// legacy. scope is the org-unit paths an admin-trail row concerns, for scoped reading.
	{10, "audit: keyed hash chains (key_id), admin trail scope", []string{
		`ALTER TABLE audit_events ADD COLUMN key_id TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE audit_events ADD COLUMN scope TEXT NOT NULL DEFAULT ''`,
	}, nil},
	{11, "cases: why a case needs a person (a write the database refused for good)", []string{
		`ALTER TABLE cases ADD COLUMN attention TEXT NOT NULL DEFAULT ''`,
	}, nil},
	// 9, 10 and 11 are taken by work on other branches; versions need not be contiguous.
	{12, "web: local accounts with passwords, server-side sessions", []string{
		`CREATE TABLE web_accounts (
			official_id TEXT PRIMARY KEY REFERENCES officials(id),
			password_hash TEXT NOT NULL,
			must_change BOOLEAN NOT NULL DEFAULT TRUE,
			failed_attempts INTEGER NOT NULL DEFAULT 0,
			locked_until {{time}},
			password_set_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL
		)`,
		`CREATE TABLE web_sessions (
			id_hash TEXT PRIMARY KEY,
			official_id TEXT NOT NULL REFERENCES officials(id),
			csrf_token TEXT NOT NULL,
			grants TEXT NOT NULL,
			created_at {{time}} NOT NULL,
			last_seen_at {{time}} NOT NULL,
			expires_at {{time}} NOT NULL
		)`,
		`CREATE INDEX web_sessions_official ON web_sessions (official_id)`,
	}, nil},
	// Issue 11: a closed case is read from its row once Temporal has dropped its workflow; a
	// reused Idempotency-Key must come with the same request; deadlines computed without a
	// holiday schedule are flagged, and the gap reported once per year.
	{13, "closed cases readable forever, idempotency keys, calendar gaps", []string{
		`ALTER TABLE cases ADD COLUMN final_state TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE idempotency_keys (
			official_id TEXT NOT NULL,
			key TEXT NOT NULL,
			request_hash TEXT NOT NULL,
			created_at {{time}} NOT NULL,
			PRIMARY KEY (official_id, key)
		)`,
		`ALTER TABLE tasks ADD COLUMN calendar_incomplete BOOLEAN NOT NULL DEFAULT FALSE`,
		`CREATE TABLE calendar_gaps (
			year INTEGER PRIMARY KEY,
			reported_at {{time}} NOT NULL
		)`,
	}, nil},
	// Issue 19: one open joint inspection per leader and period, claimed when the case starts.
	{14, "joint inspection periods", []string{
		`CREATE TABLE joint_inspection_periods (
			case_id TEXT PRIMARY KEY,
			leader_id TEXT NOT NULL,
			period_from TEXT NOT NULL,
			period_to TEXT NOT NULL,
			created_at {{time}} NOT NULL
		)`,
		`CREATE INDEX joint_inspection_periods_leader ON joint_inspection_periods (leader_id)`,
	}, nil},
	// Issue 17: analysis reports as compiled, so a later correction does not change one sent up.
	{15, "analysis report snapshots", []string{
		`CREATE TABLE analysis_snapshots (
			id TEXT PRIMARY KEY,
			case_id TEXT NOT NULL,
			org_unit_id TEXT NOT NULL REFERENCES org_units(id),
			period TEXT NOT NULL,
			period_from TEXT NOT NULL,
			period_to TEXT NOT NULL,
			title TEXT NOT NULL,
			figures TEXT NOT NULL,
			narrative TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			compiled_at {{time}} NOT NULL,
			approved_by TEXT NOT NULL DEFAULT '',
			approved_at {{time}}
		)`,
		`CREATE INDEX analysis_snapshots_org_unit ON analysis_snapshots (org_unit_id, period_from)`,
	}, nil},
	// Issue 18: documents on tasks and cases; the bytes are in the blob store (internal/files).
	{16, "files: documents on tasks and cases", []string{
		`CREATE TABLE files (
			id TEXT PRIMARY KEY,
			sha256 TEXT NOT NULL,
			size BIGINT NOT NULL,
			content_type TEXT NOT NULL,
			name TEXT NOT NULL DEFAULT '',
			case_id TEXT,
			task_id TEXT,
			field TEXT NOT NULL DEFAULT '',
			added_by TEXT NOT NULL,
			added_at {{time}} NOT NULL,
			supersedes TEXT REFERENCES files(id),
			report_id TEXT,
			sealed BOOLEAN NOT NULL DEFAULT FALSE
		)`,
		`CREATE INDEX files_case ON files (case_id)`,
		`CREATE INDEX files_report ON files (report_id)`,
		`CREATE INDEX files_added_by ON files (added_by)`,
	}, nil},
}

// seedHolidays loads the State Council schedules that ship with the calendar package; later
// years are entered by administrators (PUT /api/v1/calendar/{year}).
func seedHolidays(tx *gorm.DB) error {
	for _, d := range calendar.Seed() {
		h := Holiday{Date: d.Date, Kind: string(d.Kind), Name: d.Name}
		if err := tx.Create(&h).Error; err != nil {
			return fmt.Errorf("holiday %s: %w", d.Date, err)
		}
	}
	return nil
}

// MigrationCount is how many migrations there are (versions need not be contiguous while
// branches that each add one are merged).
func MigrationCount() int { return len(migrations) }

// LatestVersion is the schema version that Migrate brings a database to.
func LatestVersion() int { return migrations[len(migrations)-1].version }

// Migrate applies, in order and each in its own transaction, the migrations that the database
// has not seen. Running it again, or from several processes at once on Postgres, is safe.
func Migrate(db *gorm.DB) error {
	dialect := db.Dialector.Name()
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at ` + columnType(dialect, "{{time}}") + ` NOT NULL)`).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range migrations {
		err := db.Transaction(func(tx *gorm.DB) error {
			if dialect == "postgres" {
				// Serializes concurrent migrators; released at commit.
				if err := tx.Exec(`SELECT pg_advisory_xact_lock(727274)`).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Table("schema_migrations").Where("version = ?", m.version).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range m.sql {
				if err := tx.Exec(columnType(dialect, stmt)).Error; err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			if m.apply != nil {
				if err := m.apply(tx); err != nil {
					return err
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC()).Error
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// AppliedVersion is the highest migration the database has, 0 for none.
func AppliedVersion(db *gorm.DB) (int, error) {
	var v *int
	if err := db.Raw(`SELECT MAX(version) FROM schema_migrations`).Scan(&v).Error; err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func columnType(dialect, stmt string) string {
	id, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "DATETIME"
	if dialect == "postgres" {
		id, ts = "BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"
	}
	return strings.NewReplacer("{{id}}", id, "{{time}}", ts).Replace(stmt)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
