package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// seedInbox writes the task projection directly: these tests are about how the inbox reads
// it, not about how workflows write it (the end-to-end tests cover that).
func seedInbox(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	now := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	for i, org := range []string{"150100", "150100", "150121"} {
		c := schemas.Case{ID: schemas.CaseID(schemas.KindPublicity, 2026, i+1), Kind: schemas.KindPublicity, Year: 2026, Seq: i + 1,
			Title: fmt.Sprintf("案件%d", i+1), OrgUnitID: org, Status: schemas.CaseOpen, CreatedBy: "wu.gang",
			CreatedAt: now.Add(time.Duration(i) * time.Hour), UpdatedAt: now}
		if err := gdb.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
	}
	str := func(s string) *string { return &s }
	due := func(days int) *time.Time { d := now.Add(time.Duration(days) * 24 * time.Hour); return &d }
	tasks := []schemas.Task{
		{ID: "publicity-2026-0001.v1", CaseID: "publicity-2026-0001", DueAt: due(5)},
		{ID: "publicity-2026-0001.v2", CaseID: "publicity-2026-0001", DueAt: due(2), Overdue: true},
		{ID: "publicity-2026-0002.v1", CaseID: "publicity-2026-0002", DueAt: due(9), Priority: schemas.PriorityUrgent},
		{ID: "publicity-2026-0002.v2", CaseID: "publicity-2026-0002", DueAt: due(1), ClaimedBy: str("ma.lin")},
		{ID: "publicity-2026-0002.v3", CaseID: "publicity-2026-0002", DueAt: due(1), ClaimedBy: str("someone.else")},
		{ID: "publicity-2026-0002.v4", CaseID: "publicity-2026-0002", DueAt: due(3), Status: schemas.TaskCompleted, CompletedBy: str("ma.lin")},
		{ID: "publicity-2026-0003.v1", CaseID: "publicity-2026-0003", DueAt: due(4), OrgUnitID: "150121"},
		{ID: "publicity-2026-0001.a1", CaseID: "publicity-2026-0001", DueAt: due(6), AssigneeID: str("batu"), AssigneeRole: ""},
	}
	for _, tk := range tasks {
		if tk.OrgUnitID == "" {
			tk.OrgUnitID = "150100"
		}
		if tk.Status == "" {
			tk.Status = schemas.TaskOpen
		}
		if tk.AssigneeID == nil {
			tk.AssigneeRole = schemas.RoleInvestigator
		}
		tk.CaseKind, tk.Step, tk.Title, tk.StepKey = schemas.KindPublicity, "verify_objection", "核查："+tk.ID, tk.ID
		tk.CreatedAt, tk.UpdatedAt = now, now
		if err := gdb.Create(&tk).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func ids(t *testing.T, r response) ([]string, string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var page struct {
		Items      []TaskResponse `json:"items"`
		NextCursor string         `json:"next_cursor"`
	}
	r.json(t, &page)
	out := make([]string, len(page.Items))
	for i, it := range page.Items {
		out[i] = it.ID
	}
	return out, page.NextCursor
}

func TestInbox(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		seedInbox(t, gdb)
		h := newHarness(t, gdb, nil)
		malin := h.token("ma.lin")
		list := func(tok, query string) []string {
			got, _ := ids(t, h.do("GET", "/api/v1/tasks"+query, tok, nil))
			return got
		}
		// Mine: urgent first, then by due time; tasks claimed by someone else, named to someone
		// else, or at another org unit are not mine.
		want := "publicity-2026-0002.v1,publicity-2026-0002.v2,publicity-2026-0001.v2,publicity-2026-0001.v1"
		if got := strings.Join(list(malin, ""), ","); got != want {
			t.Fatalf("ma.lin's inbox:\n got %s\nwant %s", got, want)
		}
		// The same list, a page of one at a time.
		var walked []string
		cursor := ""
		for range 10 {
			q := "?limit=1"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			page, next := ids(t, h.do("GET", "/api/v1/tasks"+q, malin, nil))
			walked = append(walked, page...)
			if cursor = next; cursor == "" {
				break
			}
		}
		if strings.Join(walked, ",") != want {
			t.Fatalf("paged inbox: %v", walked)
		}
		for q, w := range map[string]string{
			"?overdue=true":                                  "publicity-2026-0001.v2",
			"?due_before=2026-11-05":                         "publicity-2026-0002.v2,publicity-2026-0001.v2",
			"?status=completed":                              "publicity-2026-0002.v4",
			"?kind=publicity&org_unit=150121":                "",
			"?due_before=2026-11-05T00:00:00Z&overdue=false": "publicity-2026-0002.v2",
		} {
			if got := strings.Join(list(malin, q), ","); got != w {
				t.Errorf("%s: got %s, want %s", q, got, w)
			}
		}
		// The cadre sees their own named task only.
		if got := strings.Join(list(h.token("batu"), ""), ","); got != "publicity-2026-0001.a1" {
			t.Errorf("batu's inbox: %s", got)
		}
		// Supervisors see their subtree; the county's supervisor sees only the county.
		if got := len(list(h.token("bao.yin"), "?scope=org")); got != 7 {
			t.Errorf("bao.yin sees %d open tasks of the subtree, want 7", got)
		}
		if got := strings.Join(list(h.token("hu.jun"), "?scope=org"), ","); got != "publicity-2026-0003.v1" {
			t.Errorf("hu.jun's subtree: %s", got)
		}
		if r := h.do("GET", "/api/v1/tasks?scope=org", malin, nil); r.status != http.StatusForbidden {
			t.Errorf("investigator scope=org: %d", r.status)
		}
		for _, bad := range []string{"?limit=0", "?limit=x", "?cursor=not-a-cursor!", "?status=done", "?overdue=maybe", "?due_before=tomorrow", "?kind=nothing", "?scope=all"} {
			r := h.do("GET", "/api/v1/tasks"+bad, malin, nil)
			if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
				t.Errorf("%s: %d", bad, r.status)
			} else {
				r.problem(t)
			}
		}
		// An Idempotency-Key too long to be one is refused before anything is sent.
		r := h.do("POST", "/api/v1/tasks/publicity-2026-0001.v1/claim", malin, nil, "Idempotency-Key", strings.Repeat("k", 201))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "Idempotency-Key" {
			t.Errorf("long Idempotency-Key: %d %s", r.status, r.body)
		}
		// Someone else's task reads as missing.
		if r := h.do("GET", "/api/v1/tasks/publicity-2026-0002.v3", malin, nil); r.status != http.StatusNotFound {
			t.Errorf("someone else's claimed task: %d", r.status)
		}
		if r := h.do("GET", "/api/v1/tasks/publicity-2026-0003.v1", h.token("bao.yin"), nil); r.status != http.StatusOK {
			t.Errorf("supervisor reads a subtree task: %d", r.status)
		}

		// Cases: the city's supervisor sees all three, newest first; the county's sees its own.
		var page struct{ Items []schemas.Case }
		h.do("GET", "/api/v1/cases", h.token("bao.yin"), nil).json(t, &page)
		if len(page.Items) != 3 || page.Items[0].ID != "publicity-2026-0003" {
			t.Errorf("bao.yin's cases: %+v", page.Items)
		}
		h.do("GET", "/api/v1/cases", h.token("hu.jun"), nil).json(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != "publicity-2026-0003" {
			t.Errorf("hu.jun's cases: %+v", page.Items)
		}
		// batu holds a task in case 1, so sees it, and nothing else.
		h.do("GET", "/api/v1/cases", h.token("batu"), nil).json(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != "publicity-2026-0001" {
			t.Errorf("batu's cases: %+v", page.Items)
		}
	})
}
