package schemas_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

func TestMigrateTwice(t *testing.T) {
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		// ForEachDialect migrated once already.
		if err := schemas.Migrate(gdb); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v, err := schemas.AppliedVersion(gdb)
		if err != nil || v != schemas.LatestVersion() {
			t.Fatalf("applied version %d (%v), want %d", v, err, schemas.LatestVersion())
		}
		var applied int64
		gdb.Table("schema_migrations").Count(&applied)
		if applied != int64(schemas.MigrationCount()) {
			t.Fatalf("%d rows in schema_migrations, want one per migration", applied)
		}
		var holidays int64
		gdb.Model(&schemas.Holiday{}).Count(&holidays)
		if holidays != 72 {
			t.Fatalf("%d holidays seeded, want the 72 days of the 2025 and 2026 schedules", holidays)
		}
		for _, table := range []string{"org_units", "officials", "cases", "case_sequences", "tasks", "audit_events", "notifications", "holidays"} {
			if !gdb.Migrator().HasTable(table) {
				t.Errorf("table %s missing", table)
			}
		}
	})
}

func TestCaseIDRoundTrip(t *testing.T) {
	id := schemas.CaseID(schemas.KindDepartureAudit, 2026, 42)
	if id != "departure-audit-2026-0042" {
		t.Fatalf("CaseID = %q", id)
	}
	kind, year, seq, err := schemas.ParseCaseID(id)
	if err != nil || kind != schemas.KindDepartureAudit || year != 2026 || seq != 42 {
		t.Fatalf("ParseCaseID(%q) = %q %d %d %v", id, kind, year, seq, err)
	}
	for _, bad := range []string{"", "publicity", "publicity-2026", "nothing-2026-0001", "publicity-26-0001", "publicity-2026-x", "publicity-2026-0000"} {
		if _, _, _, err := schemas.ParseCaseID(bad); err == nil {
			t.Errorf("ParseCaseID(%q) accepted", bad)
		}
	}
}

func TestRolesColumn(t *testing.T) {
	rs := schemas.Roles{schemas.RoleSupervisor, schemas.RoleLeader}
	v, _ := rs.Value()
	if v != ",supervisor,leader," {
		t.Fatalf("Value = %q", v)
	}
	var back schemas.Roles
	if err := back.Scan(v); err != nil || len(back) != 2 || !back.Has(schemas.RoleLeader) || back.Has(schemas.RoleAdmin) {
		t.Fatalf("Scan = %v %v", back, err)
	}
	if err := (schemas.Roles{"king"}).Validate(); err == nil {
		t.Fatal("unknown role validated")
	}
}
