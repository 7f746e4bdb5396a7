package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// engineViewer is the supervisor of the root org unit: he supervises every task, so the
// reassignment probe can try any hop.
const engineViewer = "wang.jian"

// probeReassign runs the reassignment chain on a task about to be completed by official, so
// that every step every end-to-end test passes through is tried (not a hand-picked example):
//
//   - a step addressed to the case's subject by name cannot be reassigned at all (403);
//   - otherwise the root office's supervisor first hands it to official (who holds the step's
//     role in its org scope: accepted, whoever holds it now), then tries to hand it on to
//     himself, to an official without the step's role, and to one with the role outside the
//     step's org unit: each refused with 422 naming "to", and the task stays with official.
func (h *harness) probeReassign(official, taskID string) {
	h.t.Helper()
	var task schemas.Task
	if err := h.db.First(&task, "id = ?", taskID).Error; err != nil || task.Status != schemas.TaskOpen {
		return
	}
	var unit schemas.OrgUnit
	if err := h.db.First(&unit, "id = ?", task.OrgUnitID).Error; err != nil {
		h.t.Fatal(err)
	}
	reassign := func(to, reason string) response {
		var r response
		// 409 while the workflow has not yet learned where the task's org unit sits.
		waitFor(h.t, 10*time.Second, "reassign "+taskID, func() bool {
			r = h.do("POST", "/api/v1/tasks/"+taskID+"/reassign", h.token(engineViewer), map[string]any{"to": to, "reason": reason})
			return r.status != http.StatusConflict
		})
		return r
	}
	if task.ForSubject && task.AssigneeID != nil {
		r := reassign(official, "代为办理")
		if r.status != http.StatusForbidden || !strings.Contains(r.problem(h.t).Detail, "不能转交") {
			h.t.Fatalf("the subject's own step %s was reassigned: %d %s", taskID, r.status, r.body)
		}
		h.probed = append(h.probed, task.CaseKind.Title()+"/"+task.StepKey+"（当事人本人办理，不可转交）")
		h.t.Logf("reassignment probed: %s", h.probed[len(h.probed)-1])
		return
	}
	if !task.ForSubject && (task.AssigneeID == nil || *task.AssigneeID != official) {
		if r := reassign(official, "交由"+official+"办理"); r.status != http.StatusOK {
			h.t.Fatalf("reassign %s to %s, who holds its role in scope: %d %s", taskID, official, r.status, r.body)
		}
	}
	type hop struct{ to, why string }
	var hops []hop
	inScope := func(o schemas.Official) bool {
		var u schemas.OrgUnit
		h.db.First(&u, "id = ?", o.OrgUnitID)
		return strings.HasPrefix(u.Path, unit.Path)
	}
	var all []schemas.Official
	h.db.Order("id").Find(&all, "disabled = ?", false)
	var self schemas.Official
	h.db.First(&self, "id = ?", engineViewer)
	if (task.AssigneeRole != "" && !self.Roles.Has(task.AssigneeRole)) || !inScope(self) {
		hops = append(hops, hop{engineViewer, "oneself"})
	}
	if task.AssigneeRole != "" {
		for _, o := range all {
			if !o.Roles.Has(task.AssigneeRole) && o.ID != official {
				hops = append(hops, hop{o.ID, "角色"})
				break
			}
		}
	}
	outside := ""
	for _, o := range all {
		if (task.AssigneeRole == "" || o.Roles.Has(task.AssigneeRole)) && !inScope(o) {
			outside = o.ID
			break
		}
	}
	if outside == "" && unit.ParentID != nil {
		// Nobody holds the role elsewhere: a holder in another city.
		outside = "probe." + string(task.AssigneeRole)
		h.db.Create(&schemas.Official{ID: outside, Name: "探针", OrgUnitID: "150200", Roles: schemas.Roles{task.AssigneeRole}})
	}
	if outside != "" {
		hops = append(hops, hop{outside, "所属单位"})
	}
	for _, hp := range hops {
		r := reassign(hp.to, "再转交")
		if r.status != http.StatusUnprocessableEntity {
			h.t.Fatalf("%s handed on to %s (%s): %d %s", taskID, hp.to, hp.why, r.status, r.body)
		}
		if p := r.problem(h.t); len(p.Errors) == 0 || p.Errors[0].Field != "to" || (hp.why != "oneself" && !strings.Contains(p.Detail, hp.why)) {
			h.t.Fatalf("%s handed on to %s (%s): %+v", taskID, hp.to, hp.why, p)
		}
	}
	h.probed = append(h.probed, task.CaseKind.Title()+"/"+task.StepKey)
	h.t.Logf("reassignment probed: %s (%d refused hops)", h.probed[len(h.probed)-1], len(hops))
}

// settled sends a request again while the workflow answers that the task is still opening
// (409 until it has learned where the task's org unit sits).
func (h *harness) settled(method, path, token string, body any) response {
	h.t.Helper()
	var r response
	waitFor(h.t, 10*time.Second, method+" "+path+" once the task has opened", func() bool {
		r = h.do(method, path, token, body)
		return r.status != http.StatusConflict || !strings.Contains(string(r.body), "任务正在开启")
	})
	return r
}

// refusedAsRecused checks a 403 recused problem.
func (h *harness) refusedAsRecused(what string, r response) {
	h.t.Helper()
	if r.status != http.StatusForbidden {
		h.t.Fatalf("%s: %d %s, want 403 recused", what, r.status, r.body)
	}
	if p := r.problem(h.t); p.Type != probRecused.typeURI() || !strings.HasPrefix(p.Title, "回避") {
		h.t.Fatalf("%s: problem %+v, want the recused type", what, p)
	}
}

// assertRecused: the subject cannot read the case, its trail or (for a report) the report,
// finds it in no list, cannot cancel it, and — on a task of the case they could otherwise
// take by role — cannot read, claim, complete or be handed it. Each refusal is audited.
func (h *harness) assertRecused(subject, caseID, taskID string) {
	h.t.Helper()
	var before int64
	h.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND actor = ? AND action = ?", caseID, subject, "recusal.refused").Count(&before)
	tok := h.token(subject)
	refusals := int64(0)
	refused := func(what string, r response) {
		h.t.Helper()
		h.refusedAsRecused(subject+" "+what+" "+caseID, r)
		refusals++
	}
	refused("reads", h.do("GET", "/api/v1/cases/"+caseID, tok, nil))
	refused("reads the trail of", h.do("GET", "/api/v1/cases/"+caseID+"/audit", tok, nil))
	refused("cancels", h.do("POST", "/api/v1/cases/"+caseID+"/cancel", tok, map[string]any{"reason": "撤销"}))
	if strings.HasPrefix(caseID, string(schemas.KindReport)+"-") {
		refused("reads the report", h.do("GET", "/api/v1/reports/"+caseID, tok, nil))
	}
	var list struct{ Items []schemas.Case }
	h.do("GET", "/api/v1/cases?limit=200", tok, nil).json(h.t, &list)
	for _, c := range list.Items {
		if c.ID == caseID {
			h.t.Fatalf("%s lists their own case %s", subject, caseID)
		}
	}
	if taskID != "" {
		var inbox struct{ Items []TaskResponse }
		h.do("GET", "/api/v1/tasks?limit=200", tok, nil).json(h.t, &inbox)
		for _, t := range inbox.Items {
			if t.CaseID == caseID {
				h.t.Fatalf("%s's inbox holds %s of their own case", subject, t.ID)
			}
		}
		refused("reads task", h.do("GET", "/api/v1/tasks/"+taskID, tok, nil))
		refused("claims", h.do("POST", "/api/v1/tasks/"+taskID+"/claim", tok, nil))
		refused("completes", h.do("POST", "/api/v1/tasks/"+taskID+"/complete", tok, map[string]any{"decision": "approve"}))
		h.refusedAsRecused("handed to "+subject, h.settled("POST", "/api/v1/tasks/"+taskID+"/reassign", h.token(engineViewer),
			map[string]any{"to": subject, "reason": "交其办理"}))
		refusals++
	}
	var after int64
	h.db.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", caseID, "recusal.refused").Where("actor = ? OR actor = ?", subject, engineViewer).Count(&after)
	if after-before < refusals {
		h.t.Fatalf("%d of %d refusals of %s on %s audited", after-before, refusals, subject, caseID)
	}
}

// start starts a case and returns its id.
func (h *harness) start(official, route string, body map[string]any) string {
	h.t.Helper()
	r := h.do("POST", route, h.token(official), body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("start %s: %d %s", route, r.status, r.body)
	}
	var started StartedCase
	r.json(h.t, &started)
	waitFor(h.t, 30*time.Second, started.ID+" recorded", func() bool {
		var n int64
		h.db.Model(&schemas.Case{}).Where("id = ?", started.ID).Count(&n)
		return n == 1
	})
	return started.ID
}

// with is the harness for a subtest.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

func (h *harness) cancel(official, caseID string) {
	h.t.Helper()
	if r := h.do("POST", "/api/v1/cases/"+caseID+"/cancel", h.token(official), map[string]any{"reason": "测试结束"}); r.status != http.StatusOK {
		h.t.Fatalf("%s cancels %s: %d %s", official, caseID, r.status, r.body)
	}
}

// addSubject makes official a subject of the case, as a supervisor does when a report names them.
func (h *harness) addSubject(by, caseID, official string) {
	h.t.Helper()
	r := h.do("POST", "/api/v1/cases/"+caseID+"/subjects", h.token(by), map[string]any{"official_id": official, "reason": "举报同时反映其问题"})
	var st schemas.CaseState
	if r.status != http.StatusOK {
		h.t.Fatalf("add subject %s to %s: %d %s", official, caseID, r.status, r.body)
	}
	r.json(h.t, &st)
	if !slices.Contains(st.Subjects, official) {
		h.t.Fatalf("subjects of %s: %v", caseID, st.Subjects)
	}
}

// TestRecusalEndToEnd: in every process, a subject of the case cannot act on, claim, be
// handed, cancel or read it; the steps addressed to them are theirs, cannot be reassigned, and
// a supervisor may extend their deadline.
func TestRecusalEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, _ := startStack(t, gdb)

		t.Run("publicity", func(t *testing.T) {
			h := h.with(t)
			// The leader who would approve the notice is a candidate.
			id := h.start("wu.gang", "/api/v1/cases/publicity", map[string]any{"title": "关于陈静同志任职前公示", "candidates": []map[string]any{
				{"name": "陈静", "official_id": "chen.jing", "current_post": "副部长", "proposed_post": "部长"}}})
			h.complete("wu.gang", h.waitTask("wu.gang", id+".draft-1").ID, map[string]any{"decision": "submit",
				"form": map[string]any{"notice_text": "拟任命陈静同志……", "report_channels": "12380"}})
			waitOpen(t, gdb, id+".approve-1")
			h.assertRecused("chen.jing", id, id+".approve-1")
			h.cancel("wu.gang", id)
		})

		t.Run("departure-audit", func(t *testing.T) {
			h := h.with(t)
			id := h.start("bao.yin", "/api/v1/cases/departure-audit", map[string]any{"cadre_id": "batu", "post": "副局长",
				"departure_date": time.Now().In(cst).Format(time.DateOnly), "successor_id": "na.ren"})
			list := h.waitTask("batu", id+".handover-list") // the cadre sees their own step
			if !list.ForSubject {
				t.Fatalf("handover list %+v is not the subject's step", list)
			}
			r := h.settled("POST", "/api/v1/tasks/"+list.ID+"/reassign", h.token("bao.yin"), map[string]any{"to": "na.ren", "reason": "代为填写"})
			if r.status != http.StatusForbidden || r.problem(t).Type != probForbidden.typeURI() {
				t.Fatalf("the cadre's handover list reassigned: %d %s", r.status, r.body)
			}
			extend := map[string]any{"working_days": 3, "reason": "本人住院，申请延期"}
			if r := h.settled("POST", "/api/v1/tasks/"+list.ID+"/extend", h.token("batu"), extend); r.status != http.StatusForbidden {
				t.Fatalf("the cadre extends their own deadline: %d %s", r.status, r.body)
			}
			if r := h.settled("POST", "/api/v1/tasks/"+list.ID+"/extend", h.token("bao.yin"), map[string]any{"working_days": 3, "reason": strings.Repeat("长", 501)}); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("extension with a 501-character reason: %d %s", r.status, r.body)
			}
			if r := h.settled("POST", "/api/v1/tasks/"+list.ID+"/extend", h.token("bao.yin"), extend); r.status != http.StatusOK {
				t.Fatalf("supervisor extends: %d %s", r.status, r.body)
			}
			var after schemas.Task
			gdb.First(&after, "id = ?", list.ID)
			if after.DueAt == nil || !after.DueAt.After(*list.DueAt) {
				t.Fatalf("deadline %v, was %v", after.DueAt, list.DueAt)
			}
			var ev schemas.AuditEvent
			if err := gdb.Where("case_id = ? AND action = ? AND actor = ?", id, "task.extended", "bao.yin").First(&ev).Error; err != nil || !strings.Contains(ev.Detail, "本人住院") {
				t.Fatalf("extension audit %+v %v", ev, err)
			}
			h.assertRecused("batu", id, "")
			// A report names the city's leader too: she may no longer cancel it.
			h.addSubject("bao.yin", id, "chen.jing")
			h.assertRecused("chen.jing", id, "")
			h.cancel("bao.yin", id)
		})

		t.Run("joint-inspection", func(t *testing.T) {
			h := h.with(t)
			id := h.start("bao.yin", "/api/v1/cases/joint-inspection", map[string]any{"leader_id": "zheng.yi", "period_from": "2024-01-01", "period_to": "2026-06-30"})
			// The self-inspection is the inspected leader's own step.
			self := h.waitTask("zheng.yi", id+".self-inspection")
			h.assertRecused("zheng.yi", id, "")
			h.complete("zheng.yi", self.ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "自查报告"}})
			h.cancel("bao.yin", id)
		})

		t.Run("inquiry", func(t *testing.T) {
			h := h.with(t)
			id := h.start("bao.yin", "/api/v1/cases/inquiry", map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"})
			h.addSubject("bao.yin", id, "chen.jing")
			h.complete("bao.yin", h.waitTask("bao.yin", id+".draft-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"questions": "请说明。"}})
			waitOpen(t, gdb, id+".approve-1")
			h.assertRecused("chen.jing", id, id+".approve-1")
			h.cancel("bao.yin", id)
		})

		t.Run("admonishment", func(t *testing.T) {
			h := h.with(t)
			id := h.start("bao.yin", "/api/v1/cases/admonishment", map[string]any{"cadre_id": "batu", "grounds": "违规兼职取酬，情节较轻"})
			h.addSubject("bao.yin", id, "chen.jing")
			waitOpen(t, gdb, id+".approve")
			h.assertRecused("chen.jing", id, id+".approve")
			h.cancel("bao.yin", id)
		})

		report := func(subject string) string {
			r := h.do("POST", "/api/v1/reports", h.token("he.ping"), map[string]any{"channel": "phone", "subject_id": subject, "content": "反映其在项目招标中违规插手。"})
			if r.status != http.StatusCreated {
				t.Fatalf("register: %d %s", r.status, r.body)
			}
			var reg struct{ ID string }
			r.json(t, &reg)
			h.complete("he.ping", h.waitTask("he.ping", reg.ID+".accept").ID, map[string]any{"decision": "accept"})
			return reg.ID
		}

		t.Run("report", func(t *testing.T) {
			h := h.with(t)
			// The investigator is reported.
			id := report("ma.lin")
			h.complete("bao.yin", h.waitTask("bao.yin", id+".triage-1").ID, map[string]any{"decision": "verify", "form": map[string]any{"opinion": "登记核查"}})
			waitOpen(t, gdb, id+".verify-1")
			h.assertRecused("ma.lin", id, id+".verify-1")
			h.cancel("bao.yin", id)
		})

		t.Run("transfer", func(t *testing.T) {
			h := h.with(t)
			// The county's supervisor is reported; the transfer to his county inherits him.
			id := report("hu.jun")
			h.complete("bao.yin", h.waitTask("bao.yin", id+".triage-1").ID, map[string]any{"decision": "transfer",
				"form": map[string]any{"opinion": "属旗县管理干部", "transfer_to": "150121", "instructions": "核查后上报。"}})
			var transferID string
			waitFor(t, 30*time.Second, "the transfer case starts", func() bool {
				var got CaseResponse
				h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil).json(t, &got)
				if got.State.Report != nil {
					transferID = got.State.Report.TransferCaseID
				}
				return transferID != ""
			})
			waitOpen(t, gdb, transferID+".report-back-1")
			h.assertRecused("hu.jun", transferID, transferID+".report-back-1")
			h.cancel("bao.yin", transferID)
			h.cancel("bao.yin", id)
		})
	})
}

func waitOpen(t *testing.T, gdb *gorm.DB, taskID string) {
	t.Helper()
	waitFor(t, 30*time.Second, taskID+" opens", func() bool {
		var n int64
		gdb.Model(&schemas.Task{}).Where("id = ? AND status = ?", taskID, schemas.TaskOpen).Count(&n)
		return n == 1
	})
}
