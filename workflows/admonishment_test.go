package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

func admonishmentInput(caseID string) schemas.AdmonishmentInput {
	return schemas.AdmonishmentInput{
		CaseID: caseID, Title: "诫勉：巴图", OrgUnitID: "150100", CreatedBy: "bao.yin",
		CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
		Grounds: "违规兼职取酬", Source: schemas.AdmSourceDirect,
	}
}

var talkForm = map[string]any{"talk_date": "2026-11-12", "talk_time": "09:30", "place": "市委组织部3楼会议室", "attendees": "包音、郑毅"}

// restricted says whether batu may not be promoted at the workflow's current time.
func (r *run) restricted() bool {
	r.t.Helper()
	ok, _, err := restrictions.PromotionAllowed(context.Background(), r.db, "batu", r.env.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	return !ok
}

// expectRestricted checks the restriction at a time.
func (r *run) expectRestricted(at string, want bool) {
	r.at(at, func() {
		if got := r.restricted(); got != want {
			r.t.Errorf("at %s restricted = %v, want %v", at, got, want)
		}
	})
}

// runAdmonishment drives admonishment id (started on or before 5 Nov 2026) to its end: the
// talk on 12 Nov starts the influence period, which ends with 12 May 2027; the review finds
// the cadre corrected.
func runAdmonishment(r *run, id string) {
	r.at("2026-11-06 10:00", func() { r.completeIn(id, "approve", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-09 10:00", func() { r.completeIn(id, "schedule", "bao.yin", workflows.DecisionScheduled, talkForm) })
	r.expectRestricted("2026-11-12 15:00", false)
	r.at("2026-11-12 16:00", func() {
		r.completeIn(id, "record-1", "bao.yin", workflows.DecisionHeld, map[string]any{"talk_date": "2026-11-12", "record": "指出其违规兼职取酬问题，听取说明，要求整改。"})
	})
	r.expectRestricted("2026-11-12 17:00", true)
	r.at("2026-11-13 10:00", func() { r.completeIn(id, "confirm-1", "batu", workflows.DecisionConfirm, nil) })
	r.at("2026-11-20 10:00", func() {
		r.completeIn(id, "measures", "batu", workflows.DecisionSubmit, map[string]any{"measures": "辞去兼职，退还报酬，深刻检查。"})
	})
	r.expectRestricted("2027-03-01 10:00", true)
	r.expectRestricted("2027-05-12 23:00", true)
	r.expectRestricted("2027-05-13 09:00", false)
	r.at("2027-05-14 10:00", func() {
		r.completeIn(id, "review", "bao.yin", workflows.DecisionCorrected, map[string]any{"findings": "已辞去兼职，整改到位。"})
	})
}

func TestAdmonishmentToTheEndOfTheInfluencePeriod(t *testing.T) {
	r := newRun(t, "admonishment-2026-0001", mustTime(t, "2026-11-05 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	runAdmonishment(r, r.caseID)
	r.at("2026-11-09 09:00", func() {
		// Scheduling needs a date in form, a place and the attendees.
		r.reject("bad date", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".schedule", Actor: r.actor("bao.yin"), Decision: workflows.DecisionScheduled,
			Form: map[string]any{"talk_date": "12 Nov", "place": "x", "attendees": "y"},
		}, schemas.ErrTypeInvalid)
	})
	r.at("2026-11-13 09:00", func() {
		r.reject("principal confirms the cadre's record", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".confirm-1", Actor: r.actor("zheng.yi"), Decision: workflows.DecisionConfirm,
		}, schemas.ErrTypeForbidden)
	})
	r.env.ExecuteWorkflow(workflows.Admonishment, admonishmentInput(r.caseID))

	s := r.state()
	a := s.Admonishment
	if s.Outcome != "诫勉；影响期满，已整改" || a.Corrected == nil || !*a.Corrected || a.Talk == nil || a.Talk.Place == "" {
		t.Fatalf("outcome %q state %+v", s.Outcome, a)
	}
	if got := a.InfluenceEnd.In(cst); !got.Equal(mustTime(t, "2027-05-12 23:59:59")) {
		t.Fatalf("influence period ends %s", got)
	}
	if got := r.auditAt("task.opened", "review"); !got.Equal(mustTime(t, "2027-05-12 23:59:59")) {
		t.Fatalf("review opened at %s", got)
	}
	// The cadre and the principal were told of the talk.
	var told int64
	r.db.Model(&schemas.Notification{}).Where("official_id IN ? AND title LIKE ?", []string{"batu", "zheng.yi"}, "诫勉谈话通知%").Count(&told)
	if told != 2 {
		t.Fatalf("talk notice sent to %d of the cadre and the principal", told)
	}
	var row schemas.Restriction
	if err := r.db.First(&row, "case_id = ?", r.caseID).Error; err != nil || row.OfficialID != "batu" || row.LiftedAt != nil {
		t.Fatalf("restriction row %+v %v", row, err)
	}
	r.verifyAudit()
}

func TestAdmonishmentRejected(t *testing.T) {
	r := newRun(t, "admonishment-2026-0002", mustTime(t, "2026-11-05 09:00:00"))
	r.at("2026-11-05 10:00", func() {
		r.reject("reject without opinion", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".approve", Actor: r.actor("chen.jing"), Decision: workflows.DecisionReject,
		}, schemas.ErrTypeInvalid)
		r.reject("supervisor approves", schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
			TaskID: r.caseID + ".approve", Actor: r.actor("bao.yin"), Decision: workflows.DecisionApprove,
		}, schemas.ErrTypeForbidden)
	})
	r.at("2026-11-05 11:00", func() {
		r.complete("approve", "chen.jing", workflows.DecisionReject, map[string]any{"opinion": "事实不清"})
	})
	r.env.ExecuteWorkflow(workflows.Admonishment, admonishmentInput(r.caseID))
	if s := r.state(); s.Status != schemas.CaseClosed || s.Outcome != "不予诫勉" {
		t.Fatalf("status %s outcome %q", s.Status, s.Outcome)
	}
	var n int64
	r.db.Model(&schemas.Restriction{}).Count(&n)
	if n != 0 {
		t.Fatal("a rejected admonishment restricted the cadre")
	}
}

// TestAdmonishmentDisputedRecordNotCorrected: the cadre disputes the first record, the
// supervisor amends it; at the end the cadre has not corrected and further handling is
// proposed to the leader.
func TestAdmonishmentDisputedRecordNotCorrected(t *testing.T) {
	r := newRun(t, "admonishment-2026-0003", mustTime(t, "2026-11-05 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-11-05 10:00", func() { r.complete("approve", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-05 11:00", func() { r.complete("schedule", "bao.yin", workflows.DecisionScheduled, talkForm) })
	r.at("2026-11-12 16:00", func() {
		r.complete("record-1", "bao.yin", workflows.DecisionHeld, map[string]any{"talk_date": "2026-11-12", "record": "记录"})
	})
	r.at("2026-11-13 10:00", func() {
		r.complete("confirm-1", "batu", workflows.DecisionDispute, map[string]any{"objection": "记录中我的说明不完整"})
	})
	r.at("2026-11-13 15:00", func() {
		var amend schemas.Task
		r.db.First(&amend, "id = ?", r.caseID+".record-2")
		if notes := strings.Join(amend.Spec.Notes, "\n"); !strings.Contains(notes, "记录中我的说明不完整") || !strings.Contains(notes, "有异议的记录：记录") {
			t.Errorf("amended record's notes %q: want the objection and the disputed record", notes)
		}
		r.complete("record-2", "bao.yin", workflows.DecisionHeld, map[string]any{"talk_date": "2026-11-12", "record": "记录（补充本人说明）", "cadre_statement": "……"})
	})
	r.at("2026-11-16 10:00", func() { r.complete("confirm-2", "batu", workflows.DecisionConfirm, nil) })
	r.at("2026-11-17 10:00", func() { r.complete("measures", "batu", workflows.DecisionSubmit, map[string]any{"measures": "整改"}) })
	r.at("2027-05-14 10:00", func() {
		r.complete("review", "bao.yin", workflows.DecisionNotCorrected, map[string]any{"findings": "仍在兼职", "proposal": "建议给予组织处理"})
	})
	r.env.ExecuteWorkflow(workflows.Admonishment, admonishmentInput(r.caseID))
	s := r.state()
	if s.Outcome != "诫勉；未整改，建议进一步处理" || s.Admonishment.Corrected == nil || *s.Admonishment.Corrected {
		t.Fatalf("outcome %q", s.Outcome)
	}
	// The period counts from the day of the talk the first record gives.
	if got := s.Admonishment.InfluenceStart.In(cst); !got.Equal(mustTime(t, "2026-11-12 00:00:00")) {
		t.Fatalf("influence period starts %s", got)
	}
	var told int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "chen.jing", "诫勉后未整改%").Count(&told)
	if told != 1 {
		t.Fatal("the leader was not told of the proposal")
	}
	r.verifyAudit()
}

// TestAdmonishmentRepeatFlaggedAndCancelLifts: an admonishment proposed while the cadre is in
// an earlier influence period is flagged to the supervisor; cancelling it after the talk lifts
// its own restriction.
func TestAdmonishmentRepeatFlaggedAndCancelLifts(t *testing.T) {
	r := newRun(t, "admonishment-2026-0005", mustTime(t, "2026-11-05 09:00:00"))
	earlier := schemas.Restriction{
		ID: "admonishment-2026-0004/" + schemas.RestrictionNoPromotion, OfficialID: "batu", Kind: schemas.RestrictionNoPromotion,
		CaseID: "admonishment-2026-0004", StartsAt: mustTime(t, "2026-08-01 10:00:00").UTC(), EndsAt: mustTime(t, "2027-02-01 23:59:59").UTC(),
		CreatedAt: mustTime(t, "2026-08-01 10:00:00").UTC(),
	}
	if err := r.db.Create(&earlier).Error; err != nil {
		t.Fatal(err)
	}
	r.at("2026-11-05 10:00", func() { r.complete("approve", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-05 11:00", func() { r.complete("schedule", "bao.yin", workflows.DecisionScheduled, talkForm) })
	r.at("2026-11-12 16:00", func() {
		r.complete("record-1", "bao.yin", workflows.DecisionHeld, map[string]any{"talk_date": "2026-11-12", "record": "记录"})
	})
	r.at("2026-11-13 10:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "已另案处理"})
	})
	r.env.ExecuteWorkflow(workflows.Admonishment, admonishmentInput(r.caseID))
	s := r.state()
	if s.Status != schemas.CaseCancelled || len(s.Admonishment.RepeatOf) != 1 || s.Admonishment.RepeatOf[0] != earlier.CaseID {
		t.Fatalf("status %s state %+v", s.Status, s.Admonishment)
	}
	var flagged int64
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND title LIKE ?", "bao.yin", "影响期内再次诫勉%").Count(&flagged)
	if flagged != 1 {
		t.Fatal("the supervisor was not told of the repeat")
	}
	var ev schemas.AuditEvent
	if err := r.db.Where("case_id = ? AND action = ?", r.caseID, "admonishment.repeat_in_influence_period").First(&ev).Error; err != nil || !strings.Contains(ev.Detail, earlier.CaseID) {
		t.Fatalf("repeat not audited: %v", err)
	}
	var own schemas.Restriction
	r.db.First(&own, "case_id = ?", r.caseID)
	if own.LiftedAt == nil {
		t.Fatal("the cancelled case's restriction was not lifted")
	}
	// The earlier one still holds.
	rows, err := restrictions.Active(context.Background(), r.db, "batu", mustTime(t, "2026-12-01 10:00:00"))
	if err != nil || len(rows) != 1 || rows[0].CaseID != earlier.CaseID {
		t.Fatalf("active restrictions %+v %v", rows, err)
	}
	r.verifyAudit()
}

// TestAdmonishmentTalkDate: the influence period runs from the day of the talk, not from when
// the record is typed in. A record may not give a day before the scheduled one, nor a day still
// to come; a record entered four days after the talk starts the period on the talk's day.
func TestAdmonishmentTalkDate(t *testing.T) {
	r := newRun(t, "admonishment-2026-0005", mustTime(t, "2026-11-05 09:00:00"))
	r.env.SetTestTimeout(time.Minute)
	r.at("2026-11-05 10:00", func() { r.complete("approve", "chen.jing", workflows.DecisionApprove, nil) })
	r.at("2026-11-05 11:00", func() { r.complete("schedule", "bao.yin", workflows.DecisionScheduled, talkForm) })
	record := func(day string) schemas.CompleteTaskRequest {
		return schemas.CompleteTaskRequest{TaskID: r.caseID + ".record-1", Actor: r.actor("bao.yin"), Decision: workflows.DecisionHeld,
			Form: map[string]any{"talk_date": day, "record": "记录"}}
	}
	r.at("2026-11-10 10:00", func() {
		r.reject("talk before the scheduled day", schemas.UpdateCompleteTask, record("2026-11-10"), schemas.ErrTypeInvalid)
		r.reject("talk in the future", schemas.UpdateCompleteTask, record("2026-11-12"), schemas.ErrTypeInvalid)
		r.reject("talk long ago", schemas.UpdateCompleteTask, record("2020-01-01"), schemas.ErrTypeInvalid)
	})
	r.at("2026-11-16 10:00", func() {
		r.complete("record-1", "bao.yin", workflows.DecisionHeld, map[string]any{"talk_date": "2026-11-12", "record": "记录"})
	})
	r.at("2026-11-16 11:00", func() {
		if !r.restricted() {
			t.Error("not restricted after the record")
		}
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("chen.jing"), Reason: "测试结束"})
	})
	r.env.ExecuteWorkflow(workflows.Admonishment, admonishmentInput(r.caseID))
	s := r.state()
	if got := s.Admonishment.InfluenceStart.In(cst); !got.Equal(mustTime(t, "2026-11-12 00:00:00")) {
		t.Fatalf("influence period starts %s, want the talk's day", got)
	}
	if got := s.Admonishment.InfluenceEnd.In(cst); !got.Equal(mustTime(t, "2027-05-12 23:59:59")) {
		t.Fatalf("influence period ends %s", got)
	}
	var row schemas.Restriction
	if err := r.db.First(&row, "case_id = ?", r.caseID).Error; err != nil || !row.StartsAt.Equal(mustTime(t, "2026-11-12 00:00:00")) {
		t.Fatalf("restriction row %+v %v", row, err)
	}
}
