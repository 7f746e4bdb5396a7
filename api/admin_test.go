package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// refused asserts a 403 problem of type slug with a Chinese title, naming field (when not "").
func refused(t *testing.T, r response, slug, field string) {
	t.Helper()
	if r.status != http.StatusForbidden {
		t.Fatalf("status %d, want 403 %s: %s", r.status, slug, r.body)
	}
	p := r.problem(t)
	if !strings.HasSuffix(p.Type, "/"+slug) {
		t.Errorf("problem type %q, want %s", p.Type, slug)
	}
	if !strings.ContainsFunc(p.Title, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Errorf("problem title %q is not Chinese", p.Title)
	}
	if field != "" && !slices.ContainsFunc(p.Errors, func(e FieldError) bool { return e.Field == field }) {
		t.Errorf("errors %+v do not name %s", p.Errors, field)
	}
}

// adminTrail reads GET /api/v1/admin/audit as token (all pages).
func adminTrail(t *testing.T, h *harness, token, query string) (rows []schemas.AuditEvent, verified bool) {
	t.Helper()
	cursor := ""
	for {
		r := h.do("GET", "/api/v1/admin/audit?limit=3"+query+cursor, token, nil)
		if r.status != http.StatusOK {
			t.Fatalf("admin trail: %d %s", r.status, r.body)
		}
		var page AdminAuditResponse
		r.json(t, &page)
		rows = append(rows, page.Items...)
		if page.NextCursor == "" {
			return rows, page.Verified
		}
		cursor = "&cursor=" + page.NextCursor
	}
}

func targets(rows []schemas.AuditEvent) []string {
	var out []string
	for _, row := range rows {
		var ch struct{ Target string }
		_ = json.Unmarshal([]byte(row.Detail), &ch)
		out = append(out, row.Action+" "+ch.Target)
	}
	return out
}

// TestAdminScope: an administrator of a city manages officials and org units only in the
// city's subtree, cannot change their own roles or org unit, and cannot replace the calendar;
// a county administrator cannot either; the root administrator can. Refused changes change
// nothing and write nothing to the admin trail.
func TestAdminScope(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		root := h.token("admin")
		for _, o := range []map[string]any{
			{"id": "city.admin", "name": "市管理员", "org_unit_id": "150100", "roles": []string{"admin"}},
			{"id": "county.admin", "name": "旗管理员", "org_unit_id": "150121", "roles": []string{"admin"}},
		} {
			if r := h.do("POST", "/api/v1/officials", root, o); r.status != http.StatusCreated {
				t.Fatalf("root admin creates %s: %d %s", o["id"], r.status, r.body)
			}
		}
		city, county := h.token("city.admin"), h.token("county.admin")
		official := func(id string) schemas.Official {
			t.Helper()
			var o schemas.Official
			if err := gdb.First(&o, "id = ?", id).Error; err != nil {
				t.Fatal(err)
			}
			return o
		}
		var trailBefore int64
		gdb.Model(&schemas.AuditEvent{}).Where("case_id = ?", audit.AdminTrail).Count(&trailBefore)

		// Outside the city's subtree: 包头 (150200) and the region's own office (150000).
		refused(t, h.do("POST", "/api/v1/officials", city,
			map[string]any{"id": "bt.one", "name": "包头人", "org_unit_id": "150200", "roles": []string{"leader"}}), "admin-scope", "org_unit_id")
		refused(t, h.do("PATCH", "/api/v1/officials/zhao.min", city, map[string]any{"roles": []string{"intake_clerk"}}), "admin-scope", "")
		refused(t, h.do("PATCH", "/api/v1/officials/wu.gang", city, map[string]any{"org_unit_id": "150200"}), "admin-scope", "org_unit_id")
		refused(t, h.do("POST", "/api/v1/org-units", city,
			map[string]any{"id": "150201", "parent_id": "150200", "name": "昆都仑区委组织部", "level": "county", "kind": "organization"}), "admin-scope", "parent_id")
		// The county administrator cannot reach up to the city.
		refused(t, h.do("PATCH", "/api/v1/officials/wu.gang", county, map[string]any{"name": "吴刚刚"}), "admin-scope", "")
		refused(t, h.do("POST", "/api/v1/officials", county,
			map[string]any{"id": "city.one", "name": "市里人", "org_unit_id": "150100", "roles": []string{"leader"}}), "admin-scope", "org_unit_id")

		// Not their own roles or org unit, even inside their subtree; the root's neither.
		refused(t, h.do("PATCH", "/api/v1/officials/city.admin", city, map[string]any{"roles": []string{"admin", "intake_clerk"}}), "admin-self", "roles")
		refused(t, h.do("PATCH", "/api/v1/officials/city.admin", city, map[string]any{"org_unit_id": "150102"}), "admin-self", "org_unit_id")
		refused(t, h.do("PATCH", "/api/v1/officials/admin", root, map[string]any{"roles": []string{"admin", "supervisor"}}), "admin-self", "roles")

		// The calendar is the root office's.
		days := map[string]any{"days": []map[string]string{{"date": "2027-10-01", "kind": "off", "name": "国庆节"}}}
		refused(t, h.do("PUT", "/api/v1/calendar/2027", city, days), "root-admin-only", "")
		refused(t, h.do("PUT", "/api/v1/calendar/2027", county, days), "root-admin-only", "")

		if o := official("wu.gang"); o.OrgUnitID != "150100" || o.Name != "吴刚" {
			t.Errorf("refused changes changed wu.gang: %+v", o)
		}
		if o := official("city.admin"); o.OrgUnitID != "150100" || !sameRoles(o.Roles, schemas.Roles{schemas.RoleAdmin}) {
			t.Errorf("refused changes changed city.admin: %+v", o)
		}
		var n int64
		gdb.Model(&schemas.OrgUnit{}).Where("id = ?", "150201").Count(&n)
		gdb.Model(&schemas.Official{}).Where("id IN ?", []string{"bt.one", "city.one"}).Count(&n)
		if n != 0 {
			t.Errorf("refused creations created %d rows", n)
		}
		var holidays int64
		gdb.Model(&schemas.Holiday{}).Where("date LIKE ?", "2027-%").Count(&holidays)
		if holidays != 0 {
			t.Errorf("a refused calendar left %d days of 2027", holidays)
		}
		var trailAfter int64
		gdb.Model(&schemas.AuditEvent{}).Where("case_id = ?", audit.AdminTrail).Count(&trailAfter)
		if trailAfter != trailBefore {
			t.Errorf("refused changes wrote %d admin trail rows", trailAfter-trailBefore)
		}

		// Inside the subtree the city administrator does manage; the root administrator does
		// the calendar; a no-op "change" of one's own roles is no change.
		for _, c := range []struct {
			method, path, token string
			body                any
			status              int
		}{
			{"POST", "/api/v1/officials", city, map[string]any{"id": "xc.one", "name": "新城人", "org_unit_id": "150102", "roles": []string{"leader"}}, 201},
			{"PATCH", "/api/v1/officials/wu.gang", city, map[string]any{"roles": []string{"cadre_section", "supervisor"}}, 200},
			{"POST", "/api/v1/org-units", city, map[string]any{"id": "150103", "parent_id": "150100", "name": "回民区委组织部", "level": "county", "kind": "organization"}, 201},
			{"PATCH", "/api/v1/officials/city.admin", city, map[string]any{"name": "市管理员甲", "roles": []string{"admin"}}, 200},
			{"PATCH", "/api/v1/officials/county.admin", city, map[string]any{"org_unit_id": "150102"}, 200},
			{"PUT", "/api/v1/calendar/2027", root, days, 200},
		} {
			if r := h.do(c.method, c.path, c.token, c.body); r.status != c.status {
				t.Fatalf("%s %s: %d %s", c.method, c.path, r.status, r.body)
			}
		}
		if o := official("county.admin"); o.OrgUnitID != "150102" {
			t.Errorf("county.admin not moved: %+v", o)
		}
	})
}

// TestAdminTrail: every change to officials, roles, org units and the calendar is on the admin
// trail with who made it and the record before and after; administrators read the part that
// concerns their subtree; the trail verifies, and a row rewritten and rehashed by someone
// without the audit key is caught and named.
func TestAdminTrail(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		root := h.token("admin")
		steps := []struct {
			method, path, token string
			body                any
		}{
			{"POST", "/api/v1/officials", root, map[string]any{"id": "city.admin", "name": "市管理员", "org_unit_id": "150100", "roles": []string{"admin"}}},
			{"POST", "/api/v1/officials", root, map[string]any{"id": "county.admin", "name": "旗管理员", "org_unit_id": "150121", "roles": []string{"admin"}}},
			{"PATCH", "/api/v1/officials/wu.gang", "city.admin", map[string]any{"roles": []string{"cadre_section", "intake_clerk"}}},
			{"POST", "/api/v1/org-units", "city.admin", map[string]any{"id": "150103", "parent_id": "150100", "name": "回民区委组织部", "level": "county", "kind": "organization"}},
			{"POST", "/api/v1/officials", root, map[string]any{"id": "bt.one", "name": "包头人", "org_unit_id": "150200", "roles": []string{"leader"}}},
			// A move out of the county: both the county's and 包头's administrators see it.
			{"PATCH", "/api/v1/officials/zhang.li", root, map[string]any{"org_unit_id": "150200", "disabled": true}},
			{"PUT", "/api/v1/calendar/2027", root, map[string]any{"days": []map[string]string{{"date": "2027-10-01", "kind": "off", "name": "国庆节"}}}},
		}
		for _, s := range steps {
			tok := s.token
			if tok != root {
				tok = h.token(s.token)
			}
			if r := h.do(s.method, s.path, tok, s.body); r.status/100 != 2 {
				t.Fatalf("%s %s: %d %s", s.method, s.path, r.status, r.body)
			}
		}

		all, verified := adminTrail(t, h, root, "")
		want := []string{
			"admin.calendar_replaced calendar/2027",
			"admin.official_updated official/zhang.li",
			"admin.official_created official/bt.one",
			"admin.org_unit_created org_unit/150103",
			"admin.official_updated official/wu.gang",
			"admin.official_created official/county.admin",
			"admin.official_created official/city.admin",
		}
		if got := targets(all); !verified || !slices.Equal(got, want) {
			t.Fatalf("root admin's trail (verified %v):\n%s\nwant\n%s", verified, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Who, what, before and after.
		wu := all[4]
		var ch struct {
			Before, After schemas.Official
		}
		if err := json.Unmarshal([]byte(wu.Detail), &ch); err != nil {
			t.Fatal(err)
		}
		if wu.Actor != "city.admin" || !sameRoles(ch.Before.Roles, schemas.Roles{schemas.RoleCadreSection}) ||
			!sameRoles(ch.After.Roles, schemas.Roles{schemas.RoleCadreSection, schemas.RoleIntakeClerk}) || wu.KeyID == "" {
			t.Errorf("role change row: actor %s key %q detail %s", wu.Actor, wu.KeyID, wu.Detail)
		}
		var cal struct {
			Before, After []map[string]string
		}
		if err := json.Unmarshal([]byte(all[0].Detail), &cal); err != nil || len(cal.Before) != 0 || len(cal.After) != 1 {
			t.Errorf("calendar row: %s %v", all[0].Detail, err)
		}

		// Scoped: the city administrator sees the city's rows, not 包头's nor the calendar.
		cityRows, _ := adminTrail(t, h, h.token("city.admin"), "")
		if got, want := targets(cityRows), []string{
			"admin.official_updated official/zhang.li",
			"admin.org_unit_created org_unit/150103",
			"admin.official_updated official/wu.gang",
			"admin.official_created official/county.admin",
			"admin.official_created official/city.admin",
		}; !slices.Equal(got, want) {
			t.Errorf("city admin's trail:\n%s", strings.Join(got, "\n"))
		}
		countyRows, _ := adminTrail(t, h, h.token("county.admin"), "&action=admin.official_updated")
		if got := targets(countyRows); !slices.Equal(got, []string{"admin.official_updated official/zhang.li"}) {
			t.Errorf("county admin's trail of updates: %v", got)
		}
		if rows, _ := adminTrail(t, h, root, "&actor=city.admin"); len(rows) != 2 {
			t.Errorf("rows by city.admin: %v", targets(rows))
		}
		for q, field := range map[string]string{"action=admin.everything": "action", "actor=%00x": "actor", "limit=0": "limit", "cursor=not-a-cursor!": "cursor"} {
			r := h.do("GET", "/api/v1/admin/audit?"+q, root, nil)
			if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != field {
				t.Errorf("?%s: %d %+v, want 422 naming %s", q, r.status, p.Errors, field)
			}
		}
		if r := h.do("GET", "/api/v1/admin/audit", h.token("bao.yin"), nil); r.status != http.StatusForbidden {
			t.Errorf("a supervisor reads the admin trail: %d", r.status)
		}

		ctx := context.Background()
		if rep, err := audit.Verify(ctx, gdb); err != nil || !rep.OK() || rep.Legacy != 0 {
			t.Fatalf("whole trail: %+v %v", rep, err)
		}
		if rep, err := audit.VerifyCase(ctx, gdb, audit.AdminTrail); err != nil || !rep.OK() || rep.Events != len(want) {
			t.Fatalf("admin trail: %+v %v", rep, err)
		}

		// A database admin grants wu.gang a role in the trail after the fact and recomputes
		// the plain SHA-256 chain from that row on: verify names the row.
		victim := all[4]
		var rows []schemas.AuditEvent
		if err := gdb.Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		caseHead, globalHead := map[string]string{}, ""
		for _, row := range rows {
			if row.ID >= victim.ID {
				if row.ID == victim.ID {
					row.Detail = strings.Replace(row.Detail, `"intake_clerk"`, `"supervisor"`, 1)
				}
				row.PrevHash, row.GlobalPrevHash = caseHead[row.CaseID], globalHead
				row.Hash = plainHash(row.PrevHash, &row)
				sum := sha256.Sum256([]byte(row.GlobalPrevHash + "\n" + row.Hash))
				row.GlobalHash = hex.EncodeToString(sum[:])
				if err := gdb.Exec("UPDATE audit_events SET detail = ?, prev_hash = ?, hash = ?, global_prev_hash = ?, global_hash = ? WHERE id = ?",
					row.Detail, row.PrevHash, row.Hash, row.GlobalPrevHash, row.GlobalHash, row.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			caseHead[row.CaseID], globalHead = row.Hash, row.GlobalHash
		}
		rep, err := audit.VerifyCase(ctx, gdb, audit.AdminTrail)
		if err != nil || rep.OK() || rep.Problems[0].EventID != victim.ID || !strings.Contains(rep.Problems[0].Reason, "hash mismatch") {
			t.Fatalf("rewritten admin row %d not named first: %+v %v", victim.ID, rep.Problems, err)
		}
		if _, verified := adminTrail(t, h, root, ""); verified {
			t.Error("GET /admin/audit says verified after the rewrite")
		}
	})
}

// plainHash is the unkeyed SHA-256 case-chain hash (the legacy format): all that someone
// without the audit key can compute.
func plainHash(prev string, ev *schemas.AuditEvent) string {
	var b strings.Builder
	for _, f := range []string{ev.CaseID, fmt.Sprint(ev.CaseSeq), ev.At.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"),
		ev.Actor, ev.Action, ev.TaskID, ev.Detail} {
		fmt.Fprintf(&b, "%d:%s,", len(f), f)
	}
	sum := sha256.Sum256([]byte(prev + "\n" + b.String()))
	return hex.EncodeToString(sum[:])
}
