package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// restrict records an admonishment's no-promotion period on an official, as the admonishment
// workflow does.
func restrict(r *run, official string, from, to time.Time) {
	r.t.Helper()
	err := r.db.Create(&schemas.Restriction{
		ID: "admonishment-2026-0009/" + schemas.RestrictionNoPromotion, OfficialID: official, Kind: schemas.RestrictionNoPromotion,
		CaseID: "admonishment-2026-0009", Reason: "诫勉影响期", StartsAt: from.UTC(), EndsAt: to.UTC(), CreatedAt: from.UTC(),
	}).Error
	if err != nil {
		r.t.Fatal(err)
	}
}

// TestPublicityRestrictedCandidate: a candidate in an admonishment's influence period cannot be
// decided "proceed" or "proceed with reminder" (a conflict naming the restriction and its end);
// the decision task says why; "refuse" goes through. A candidate without a restriction is free.
func TestPublicityRestrictedCandidate(t *testing.T) {
	r := newRun(t, "publicity-2026-0041", mustTime(t, "2026-11-02 09:00:00"))
	restrict(r, "batu", mustTime(t, "2026-10-01 00:00:00"), mustTime(t, "2027-04-01 00:00:00"))
	in := publicityInput(r.caseID, "巴图", "张三")
	in.Candidates[0].OfficialID = "batu"
	draftAndApprove(r, "2026-11-02")
	r.at("2026-11-10 09:30", func() {
		var task schemas.Task
		r.db.First(&task, "id = ?", r.caseID+".decide-c1")
		if len(task.Spec.Notes) == 0 || !strings.Contains(task.Spec.Notes[0], "2027年4月1日") {
			t.Errorf("decision task of the restricted candidate does not say why: %q", task.Spec.Notes)
		}
		for _, d := range []string{schemas.PubProceed, schemas.PubProceedWithReminder} {
			r.reject("restricted "+d, schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
				TaskID: r.caseID + ".decide-c1", Actor: r.actor("chen.jing"), Decision: d,
			}, schemas.ErrTypeConflict)
		}
	})
	r.at("2026-11-10 10:00", func() {
		r.complete("decide-c1", "chen.jing", schemas.PubRefuse, map[string]any{"reason": "处于诫勉影响期"})
		r.complete("decide-c2", "chen.jing", schemas.PubProceed, nil)
	})
	r.env.ExecuteWorkflow(workflows.Publicity, in)
	if s := r.state(); s.Outcome != "巴图：不予任职；张三：不影响任职" {
		t.Fatalf("outcome %q", s.Outcome)
	}
	if msg := r.rejections["reject:restricted proceed"]; msg == nil || !strings.Contains(msg.Error(), "2027年4月1日") {
		t.Fatalf("rejection does not name the restriction's end: %v", msg)
	}
}

// TestPublicityUnresolvedReportOnlySuspends: a report found "unverifiable" leaves only
// suspension (中组发〔2000〕18号); the re-decision within 3 months is free again.
func TestPublicityUnresolvedReportOnlySuspends(t *testing.T) {
	r := newRun(t, "publicity-2026-0042", mustTime(t, "2026-11-02 09:00:00"))
	draftAndApprove(r, "2026-11-02")
	r.at("2026-11-03 10:00", func() {
		r.update("objection", schemas.UpdateFileObjection, schemas.ObjectionRequest{
			Actor: r.actor("he.ping"), CandidateID: "c1", Signed: true, Channel: "phone", Summary: "反映其收受礼金",
		})
	})
	r.at("2026-11-06 10:00", func() {
		r.complete("verify-o1", "ma.lin", schemas.FindingUnverifiable, map[string]any{"report": "因时间所限未能查清"})
	})
	r.at("2026-11-10 09:30", func() {
		for _, d := range []string{schemas.PubProceed, schemas.PubProceedWithReminder, schemas.PubRefuse} {
			r.reject("unresolved "+d, schemas.UpdateCompleteTask, schemas.CompleteTaskRequest{
				TaskID: r.caseID + ".decide-c1", Actor: r.actor("chen.jing"), Decision: d, Form: map[string]any{"reason": "x"},
			}, schemas.ErrTypeConflict)
		}
	})
	r.at("2026-11-10 10:00", func() {
		r.complete("decide-c1", "chen.jing", schemas.PubSuspend, map[string]any{"reason": "反映问题尚未查清"})
	})
	r.at("2026-12-01 10:00", func() { r.complete("redecide-c1", "chen.jing", schemas.PubProceed, nil) })
	r.env.ExecuteWorkflow(workflows.Publicity, publicityInput(r.caseID, "张三"))
	if s := r.state(); s.Outcome != "张三：不影响任职" {
		t.Fatalf("outcome %q", s.Outcome)
	}
}
