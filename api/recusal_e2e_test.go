package api

import (
	"net/http"
	"strings"
	"time"

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
