package activities_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

func TestRestrictions(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		a := &activities.Activities{DB: gdb, Logger: testenv.Logger(t)}
		env.RegisterActivity(a)
		at := func(s string) time.Time {
			ts, err := time.ParseInLocation(time.DateTime, s, calendar.Location())
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		req := activities.RestrictionRequest{
			CaseID: "admonishment-2026-0001", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion,
			Reason: "诫勉影响期", StartsAt: at("2026-11-12 16:00:00"), EndsAt: at("2027-05-12 23:59:59"), At: at("2026-11-12 16:00:00"),
		}
		// Recording twice (a retried activity) keeps one row and one audit event.
		for range 2 {
			if _, err := env.ExecuteActivity(a.RecordRestriction, req); err != nil {
				t.Fatal(err)
			}
		}
		var rows, events int64
		gdb.Model(&schemas.Restriction{}).Count(&rows)
		gdb.Model(&schemas.AuditEvent{}).Where("action = ?", "restriction.recorded").Count(&events)
		if rows != 1 || events != 1 {
			t.Fatalf("%d rows, %d audit events", rows, events)
		}
		ctx := context.Background()
		for when, want := range map[string]bool{
			"2026-11-12 15:59:59": true, "2026-11-12 16:00:00": false, "2027-05-12 23:59:58": false, "2027-05-13 00:00:00": true,
		} {
			ok, blocking, err := restrictions.PromotionAllowed(ctx, gdb, "batu", at(when))
			if err != nil || ok != want || (!ok && (len(blocking) != 1 || blocking[0].CaseID != req.CaseID)) {
				t.Errorf("at %s: allowed %v %+v %v, want %v", when, ok, blocking, err, want)
			}
		}
		if ok, _, _ := restrictions.PromotionAllowed(ctx, gdb, "wuyun", at("2026-12-01 10:00:00")); !ok {
			t.Error("another cadre is restricted")
		}
		// As an activity, for workflows.
		v, err := env.ExecuteActivity(a.CheckRestrictions, activities.CheckRestrictionsRequest{OfficialID: "batu", At: at("2026-12-01 10:00:00")})
		var active []schemas.Restriction
		if err != nil || v.Get(&active) != nil || len(active) != 1 || !active[0].Active(at("2026-12-01 10:00:00")) {
			t.Fatalf("check: %+v %v", active, err)
		}
		// Lifting ends it at once.
		req.At = at("2026-12-01 11:00:00")
		if _, err := env.ExecuteActivity(a.LiftRestriction, req); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := restrictions.PromotionAllowed(ctx, gdb, "batu", at("2026-12-01 12:00:00")); !ok {
			t.Error("lifted restriction still holds")
		}
	})
}
