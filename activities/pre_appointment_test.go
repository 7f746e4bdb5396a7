package activities_test

import (
	"encoding/json"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestReportsAbout: the report cases naming an official that P10 considers — open, or closed
// since the given time, never cancelled nor about someone else — with their finding from the
// final state, and specific unless cleared (closed unfounded, or closed as vague).
func TestReportsAbout(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		a := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		env.RegisterActivity(a)
		day := func(s string) time.Time {
			ts, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		final := func(triage, finding string) string {
			b, _ := json.Marshal(schemas.CaseState{Report: &schemas.ReportState{Triage: triage, Finding: finding}})
			return string(b)
		}
		for i, r := range []struct {
			id, subject string
			status      schemas.CaseStatus
			closed      string
			final       string
		}{
			{"report-2026-0001", "batu", schemas.CaseOpen, "", ""},
			{"report-2025-0001", "batu", schemas.CaseClosed, "2025-06-01", final(schemas.TriageVerify, schemas.FindingPartly)},
			{"report-2025-0002", "batu", schemas.CaseClosed, "2025-07-01", final(schemas.TriageVerify, schemas.FindingUnfounded)},
			{"report-2025-0003", "batu", schemas.CaseClosed, "2025-08-01", final(schemas.TriageFile, "")},
			{"report-2025-0004", "batu", schemas.CaseCancelled, "2025-09-01", ""},
			{"report-2020-0001", "batu", schemas.CaseClosed, "2020-06-01", final(schemas.TriageVerify, schemas.FindingSubstantiated)},
			{"report-2026-0002", "na.ren", schemas.CaseOpen, "", ""},
		} {
			c := schemas.Case{ID: r.id, Kind: schemas.KindReport, Year: 2000 + i, Seq: 1, Status: r.status, OrgUnitID: "150100",
				CreatedAt: day("2020-01-01").AddDate(0, i, 0), FinalState: r.final}
			if r.closed != "" {
				at := day(r.closed)
				c.ClosedAt = &at
			}
			if err := gdb.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
			if err := gdb.Create(&schemas.Report{ID: r.id, OrgUnitID: "150100", SubjectID: r.subject, CreatedAt: c.CreatedAt}).Error; err != nil {
				t.Fatal(err)
			}
		}
		v, err := env.ExecuteActivity(a.ReportsAbout, activities.ReportsAboutRequest{OfficialID: "batu", Since: day("2023-11-30")})
		if err != nil {
			t.Fatal(err)
		}
		var got []schemas.ReportAbout
		if err := v.Get(&got); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"report-2026-0001": true, "report-2025-0001": true, "report-2025-0002": false, "report-2025-0003": false}
		if len(got) != len(want) {
			t.Fatalf("got %+v", got)
		}
		for _, r := range got {
			if specific, ok := want[r.CaseID]; !ok || r.Specific != specific {
				t.Errorf("%s: specific %v (listed %v)", r.CaseID, r.Specific, ok)
			}
		}
		if got[1].CaseID != "report-2025-0001" || got[1].Finding != schemas.FindingPartly || got[1].ClosedAt == nil {
			t.Errorf("closed report %+v", got[1])
		}
	})
}
