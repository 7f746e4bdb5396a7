package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestSelectionEndToEnd drives a whole selection (P13) over real HTTP against a real Temporal
// dev server and worker, on each database: 动议, 民主推荐 (with an irregularity flagged and
// resolved), 考察 with its pre-appointment checks (P10, a linked case, each candidate's P8
// check a linked case of that one), 讨论决定, 任前公示 (P1, a linked case), 任职 and the 纪实
// review. 巴图's personal-matters check ends 瞒报, so P10 finds him 不宜 and every later step
// refuses him: the meeting cannot pass him, the publicity does not name him, the appointment
// refuses him. 娜仁 is clean and is appointed on probation, and found competent at the
// end-of-trial assessment. A personal-matters check finding her 瞒报 while on probation opens the
// 倒查 of the selection still running; a report about her later found 属实 opens another.
func TestSelectionEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, dev := startStack(t, gdb)
		today := time.Now().In(cst).Format(time.DateOnly)
		id := h.start("wu.gang", "/api/v1/cases/selection", map[string]any{"posts": "呼和浩特市教育局副局长1名", "candidates": []map[string]any{
			{"official_id": "batu", "proposed_post": "市教育局副局长"},
			{"official_id": "na.ren", "proposed_post": "市教育局副局长", "current_post": "市教育局基教科科长"},
		}})
		if !strings.HasPrefix(id, "selection-") {
			t.Fatalf("started %s", id)
		}

		// 1. 动议.
		h.complete("wu.gang", h.waitTask("wu.gang", id+".motion-1").ID, map[string]any{"decision": "submit", "form": map[string]any{
			"proposer": "市委组织部部务会", "motion_date": today, "vacancy": "副局长空缺1名，未超职数", "quota_ok": true,
			"analysis": "班子结构需要", "method": "组织推荐", "minutes": "书记、副书记酝酿同意"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".motion-approve-1").ID, map[string]any{"decision": "approve"})

		// 2. 民主推荐, during which a supervisor flags an irregularity; the nominee and the cadre
		// section may not.
		recommend := h.waitTask("wu.gang", id+".recommend")
		flag := map[string]any{"description": "谈话推荐范围未包括下属单位主要负责人"}
		if r := h.do("POST", "/api/v1/cases/"+id+"/irregularities", h.token("batu"), flag); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("a nominee flags: %d %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/cases/"+id+"/irregularities", h.token("wu.gang"), flag); r.status != http.StatusForbidden {
			t.Fatalf("the cadre section flags: %d %s", r.status, r.body)
		}
		r := h.do("POST", "/api/v1/cases/"+id+"/irregularities", h.token("bao.yin"), flag)
		var irr schemas.SelectionIrregularity
		r.json(t, &irr)
		if r.status != http.StatusCreated || irr.ID != "i1" || irr.Stage != "recommend" || irr.RaisedBy != "bao.yin" {
			t.Fatalf("flag: %d %s", r.status, r.body)
		}
		h.complete("wu.gang", recommend.ID, map[string]any{"decision": "submit", "form": map[string]any{
			"recommend_date": today, "talks": "谈话调研推荐30人", "expected": "30", "attended": "28",
			"ballots_issued": "28", "ballots_returned": "28", "ballots_valid": "27", "votes_c1": "15", "votes_c2": "20"}})
		// Halted: 考察 does not open until the resolution is approved.
		time.Sleep(time.Second)
		if got := h.waitCase(id, schemas.CaseOpen).State.Selection; !got.Halted || slices.Contains(got.Stages, "inspect") {
			t.Fatalf("not halted: %+v", got)
		}
		h.complete("bao.yin", h.waitTask("bao.yin", id+".irregularity-i1-propose-1").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"resolution": "补充谈话推荐下属单位主要负责人，结果并入推荐材料"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".irregularity-i1-approve-1").ID, map[string]any{"decision": "approve"})

		// 3. 考察, and the pre-appointment checks: 巴图's ends 瞒报.
		h.complete("wu.gang", h.waitTask("wu.gang", id+".inspect-fix").ID, map[string]any{"decision": "submit", "form": map[string]any{
			"team": "王军、李梅", "plan": "民主测评、个别谈话", "inspect_c1": true, "inspect_c2": true}})
		pre := selectionLink(h, id, func(s *schemas.SelectionState) string {
			if s.Inspection == nil {
				return ""
			}
			return s.Inspection.PreCaseID
		})
		for _, c := range []string{"c1", "c2"} {
			h.complete("wu.gang", h.waitTask("wu.gang", id+"."+c+"-inspection").ID, map[string]any{"decision": "submit", "form": map[string]any{
				"evaluation": "民主测评优秀率85%", "report": "工作实绩突出", "signatures": "王军、李梅"}})
		}
		checkA, checkB := mattersCaseID(h, pre, "c1"), mattersCaseID(h, pre, "c2")
		for _, c := range []string{"c1", "c2"} {
			h.complete("wu.gang", h.waitTask("wu.gang", pre+"."+c+"-file").ID, map[string]any{"decision": schemas.FileClean})
			h.complete("gao.feng", h.waitTask("gao.feng", pre+"."+c+"-discipline").ID, map[string]any{"decision": schemas.DisciplineOK})
		}
		for _, check := range []string{checkA, checkB} {
			for _, ag := range schemas.MattersAgencies {
				h.complete("ma.lin", h.waitTask("ma.lin", check+".agency-"+ag.Key).ID,
					map[string]any{"decision": "submit", "form": map[string]any{"reply": "已反馈"}})
			}
		}
		h.complete("ma.lin", h.waitTask("ma.lin", checkB+".compare").ID, map[string]any{"decision": string(schemas.FindingConsistent)})
		h.complete("ma.lin", h.waitTask("ma.lin", checkA+".compare").ID, map[string]any{"decision": "mismatch",
			"form": map[string]any{"differences": "未报告持有的企业股权"}})
		h.complete("batu", h.waitTask("batu", checkA+".explain").ID, map[string]any{"decision": "submit", "form": map[string]any{"explanation": "忘记报告。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", checkA+".propose-1").ID, map[string]any{"decision": string(schemas.FindingConcealed),
			"form": map[string]any{"opinion": "隐瞒持股，认定瞒报", "handling": "取消考察对象资格"}})
		h.complete("chen.jing", h.waitTask("chen.jing", checkA+".approve-1").ID, map[string]any{"decision": "approve"})
		for _, c := range []string{"c1", "c2"} {
			h.complete("zheng.yi", h.waitTask("zheng.yi", pre+"."+c+"-integrity").ID, map[string]any{"decision": "sign", "form": map[string]any{
				"opinion": "该同志廉洁自律情况良好。", "secretary": "郑毅", "discipline_secretary": "任杰"}})
		}
		h.complete("bao.yin", h.waitTask("bao.yin", pre+".c1-decide").ID, map[string]any{"decision": schemas.PreUnfit, "form": map[string]any{"reason": "个人有关事项认定瞒报"}})
		h.complete("bao.yin", h.waitTask("bao.yin", pre+".c2-decide").ID, map[string]any{"decision": schemas.PrePass})

		// 4. 讨论决定: passing 巴图 is refused, naming the field; so is a meeting without quorum.
		decide := h.waitTask("wu.gang", id+".decide")
		meeting := func(present, c1Result string) map[string]any {
			return map[string]any{"decision": "record", "form": map[string]any{
				"meeting_date": today, "members": "11", "present": present, "minutes": "逐一表决，书记最后表态",
				"agree_c1": "6", "disagree_c1": "3", "defer_c1": "0", "result_c1": c1Result,
				"agree_c2": "9", "disagree_c2": "0", "defer_c2": "0", "result_c2": schemas.SelectionPassed}}
		}
		r = h.do("POST", "/api/v1/tasks/"+decide.ID+"/complete", h.token("wu.gang"), meeting("9", schemas.SelectionPassed))
		if p := r.problem(t); r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "form.result_c1" || !strings.Contains(p.Errors[0].Message, "巴图") {
			t.Fatalf("passing the blocked candidate: %d %s", r.status, r.body)
		}
		r = h.do("POST", "/api/v1/tasks/"+decide.ID+"/complete", h.token("wu.gang"), meeting("7", schemas.SelectionNotPassed))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "form.present" || !strings.Contains(p.Errors[0].Message, "三分之二") {
			t.Fatalf("a decision without quorum: %d %s", r.status, r.body)
		}
		h.complete("wu.gang", decide.ID, meeting("9", schemas.SelectionNotPassed))

		// 5. 任前公示: the publicity names 娜仁 alone.
		pub := selectionLink(h, id, func(s *schemas.SelectionState) string { return s.PublicityCaseID })
		h.complete("wu.gang", h.waitTask("wu.gang", pub+".draft-1").ID, map[string]any{"decision": "submit",
			"form": map[string]any{"notice_text": "拟任命娜仁同志为市教育局副局长", "report_channels": "12380"}})
		h.complete("chen.jing", h.waitTask("chen.jing", pub+".approve-1").ID, map[string]any{"decision": "approve"})
		if got := h.waitCase(pub, schemas.CaseOpen).State.Publicity; got == nil || len(got.Candidates) != 1 || got.Candidates[0].OfficialID != "na.ren" {
			t.Fatalf("the publicity's candidates: %+v", got)
		}
		// Nor may 巴图 be put up for publicity on his own: the 瞒报 finding barred his promotion.
		r = h.do("POST", "/api/v1/cases/publicity", h.token("wu.gang"), map[string]any{"title": "巴图同志任前公示", "candidates": []map[string]any{
			{"name": "巴图", "current_post": "科长", "proposed_post": "市教育局副局长", "official_id": "batu"}}})
		if p := r.problem(t); r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "candidates[0].official_id" {
			t.Fatalf("a publicity of the blocked candidate: %d %s", r.status, r.body)
		}
		h.complete("chen.jing", h.waitTaskFor(120*time.Second, "chen.jing", pub+".decide-c2").ID, map[string]any{"decision": schemas.PubProceed})

		// 6. 任职: appointing 巴图 is refused.
		appoint := h.waitTask("wu.gang", id+".appoint")
		form := map[string]any{"talk_date": today, "talker": "陈静", "appoint_c2": true, "talk_c2": "提出廉洁自律要求", "probation_c2": true}
		form["appoint_c1"], form["talk_c1"] = true, "提出要求"
		r = h.do("POST", "/api/v1/tasks/"+appoint.ID+"/complete", h.token("wu.gang"), map[string]any{"decision": "appoint", "form": form})
		if p := r.problem(t); r.status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "form.appoint_c1" {
			t.Fatalf("appointing the blocked candidate: %d %s", r.status, r.body)
		}
		delete(form, "appoint_c1")
		delete(form, "talk_c1")
		h.complete("wu.gang", appoint.ID, map[string]any{"decision": "appoint", "form": form})

		// The supervisor's 纪实 review finds nothing missing.
		h.complete("bao.yin", h.waitTask("bao.yin", id+".review").ID, map[string]any{"decision": "complete"})

		// 娜仁 is on probation: her end-of-trial assessment opens on a durable timer at the start
		// of the day 11 months after the talk — under the e2e's time compression that moment has
		// passed at once (the dates are tested in workflows at fixed dates). She may not assess
		// herself; the cadre section finds her competent.
		trial := h.waitTask("wu.gang", id+".c2-trial")
		if r := h.do("POST", "/api/v1/tasks/"+trial.ID+"/complete", h.token("na.ren"), map[string]any{"decision": "competent", "form": map[string]any{"assessment": "胜任"}}); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("the appointee assesses herself: %d %s", r.status, r.body)
		}
		// While she is on probation, a personal-matters check finds 娜仁 瞒报: the system opens
		// the 倒查 of the selection itself, linked to the check — the selection still running
		// (its state asked of its workflow), at the superior office, its signers recused.
		check := h.start("bao.yin", "/api/v1/cases/matters-check", map[string]any{"cadre_id": "na.ren", "reason": "reported", "grounds": "巡察反映其隐瞒持股"})
		for _, ag := range schemas.MattersAgencies {
			h.complete("ma.lin", h.waitTask("ma.lin", check+".agency-"+ag.Key).ID, map[string]any{"decision": "submit", "form": map[string]any{"reply": "已反馈"}})
		}
		h.complete("ma.lin", h.waitTask("ma.lin", check+".compare").ID, map[string]any{"decision": "mismatch", "form": map[string]any{"differences": "未报告持有的企业股权"}})
		h.complete("na.ren", h.waitTask("na.ren", check+".explain").ID, map[string]any{"decision": "submit", "form": map[string]any{"explanation": "忘记报告。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", check+".propose-1").ID, map[string]any{"decision": string(schemas.FindingConcealed),
			"form": map[string]any{"opinion": "隐瞒持股，认定瞒报", "handling": "调离岗位"}})
		h.complete("chen.jing", h.waitTask("chen.jing", check+".approve-1").ID, map[string]any{"decision": "approve"})
		outcome := h.waitCase(check, schemas.CaseClosed).State.Outcome
		i := strings.Index(outcome, "选拔任用倒查（")
		if i < 0 {
			t.Fatalf("the check opened no review: %q", outcome)
		}
		autoID := strings.TrimSuffix(outcome[i+len("选拔任用倒查（"):], "）")
		auto := h.waitCaseAs("wang.jian", autoID, schemas.CaseOpen).State.SelectionReview
		if auto == nil || auto.SelectionCaseID != id || auto.OfficialID != "na.ren" || auto.Trigger != schemas.ReviewTriggerMattersCheck ||
			auto.SourceCaseID != check || len(auto.Stages) != 7 || auto.Stages[2].Missed == "" {
			t.Fatalf("the automatic review %s: %+v", autoID, auto)
		}
		h.waitTask("wang.jian", autoID+".propose-1")
		if got := h.waitCase(id, schemas.CaseOpen); got.State.Stage == "closed" {
			t.Fatalf("the selection ended before the check: %+v", got.Case)
		}

		h.complete("wu.gang", trial.ID, map[string]any{"decision": "competent", "form": map[string]any{"assessment": "民主测评优秀，实绩突出"}})

		got := h.waitCase(id, schemas.CaseClosed)
		if got.State.Outcome != "巴图：任前核查不宜；娜仁：试用期满考核胜任，正式任职" || got.State.Selection == nil {
			t.Fatalf("closed case: %q %+v", got.State.Outcome, got.State.Selection)
		}
		sel := got.State.Selection
		if want := []string{"motion", "recommend", "inspect", "decide", "publicity", "appointment"}; !slices.Equal(sel.Stages, want) ||
			len(sel.Review.Gaps) != 0 || len(sel.Irregularities) != 1 || sel.Irregularities[0].ResolvedBy != "chen.jing" || sel.Halted {
			t.Fatalf("record: %v %+v %+v", sel.Stages, sel.Review, sel.Irregularities)
		}
		var batu, naren *schemas.SelectionCandidateState
		for _, cs := range sel.Candidates {
			if cs.OfficialID == "batu" {
				batu = cs
			} else {
				naren = cs
			}
		}
		if batu.PreAppointment != schemas.PreUnfit || batu.Blocked == "" || batu.Appointed || batu.Publicity != "" ||
			naren.PreAppointment != schemas.PrePass || !naren.Appointed || naren.Publicity != schemas.PubProceed || !naren.Probation || naren.CurrentPost != "市教育局基教科科长" ||
			naren.TrialOn == "" || naren.Trial == nil || naren.Trial.Result != schemas.SelectionCompetent || naren.Trial.By != "wu.gang" {
			t.Fatalf("candidates: %+v %+v", batu, naren)
		}
		if m := h.waitCase(checkA, schemas.CaseClosed).State.MattersCheck; m == nil || m.Finding != schemas.FindingConcealed {
			t.Fatalf("巴图's check: %+v", m)
		}
		h.waitCase(pre, schemas.CaseClosed)
		h.waitCase(pub, schemas.CaseClosed)
		if rep, err := audit.Verify(context.Background(), gdb); err != nil || !rep.OK() {
			t.Fatalf("audit trail: %+v %v", rep, err)
		}

		// 倒查: 娜仁 later proves 带病提拔 (a report about her found 属实). A supervisor opens the
		// review of the selection; 巴图, never appointed by it, cannot be its subject.
		review := map[string]any{"selection_case_id": id, "cadre_id": "batu", "trigger": "report", "grounds": "举报反映违规经商问题查核属实"}
		r = h.do("POST", "/api/v1/cases/selection-review", h.token("bao.yin"), review)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "cadre_id" {
			t.Fatalf("a review of one not appointed: %d %s", r.status, r.body)
		}
		if r = h.do("POST", "/api/v1/cases/selection-review", h.token("wu.gang"), review); r.status != http.StatusForbidden {
			t.Fatalf("the cadre section opens a review: %d %s", r.status, r.body)
		}
		review["cadre_id"] = "na.ren"
		reviewID := h.start("bao.yin", "/api/v1/cases/selection-review", review)
		if !strings.HasPrefix(reviewID, "selection-review-") {
			t.Fatalf("started %s", reviewID)
		}
		// Everyone who signed the selection is a subject of its review (回避): 包音 (who reviewed
		// its 纪实 and opened the review), 陈静 (who approved it), 吴刚 (who recorded it). The
		// review runs at the superior office: its supervisor proposes, its leader approves. The
		// signers may neither read the review nor act on its steps (which are not even theirs to
		// see: 404, or 403 refused as recused).
		propose := h.waitTask("wang.jian", reviewID+".propose-1")
		proposal := map[string]any{"decision": "propose", "form": map[string]any{
			"findings": "任前公示期间未核实有关反映", "persons": "吴刚", "accountability": "对吴刚进行批评教育"}}
		for _, signer := range []string{"bao.yin", "wu.gang", "chen.jing"} {
			if r := h.do("GET", "/api/v1/cases/"+reviewID, h.token(signer), nil); r.status != http.StatusForbidden {
				t.Fatalf("the signer %s reads the review: %d %s", signer, r.status, r.body)
			}
			if r := h.do("POST", "/api/v1/tasks/"+propose.ID+"/complete", h.token(signer), proposal); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
				t.Fatalf("the signer %s proposes: %d %s", signer, r.status, r.body)
			}
		}
		h.complete("wang.jian", propose.ID, proposal)
		approve := h.waitTask("zhao.min", reviewID+".approve-1")
		if r := h.do("POST", "/api/v1/tasks/"+approve.ID+"/complete", h.token("chen.jing"), map[string]any{"decision": "approve"}); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("the selection's approver approves its review: %d %s", r.status, r.body)
		}
		h.complete("zhao.min", approve.ID, map[string]any{"decision": "approve"})
		closed := h.waitCaseAs("wang.jian", reviewID, schemas.CaseClosed).State
		rev := closed.SelectionReview
		if rev == nil || rev.OfficialID != "na.ren" || rev.ProposedBy != "wang.jian" || rev.ApprovedBy != "zhao.min" || rev.OfficeID != "150000" || len(rev.Stages) != 7 {
			t.Fatalf("review: %+v", rev)
		}
		for _, signer := range []string{"na.ren", "bao.yin", "wu.gang", "chen.jing"} {
			if !slices.Contains(closed.Subjects, signer) {
				t.Fatalf("%s is no subject of the review: %v", signer, closed.Subjects)
			}
		}
		if st := rev.Stages[2]; st.Stage != "inspect" || st.Missed == "" || !slices.Contains(st.Signed, "wu.gang") {
			t.Fatalf("the review's 考察: %+v", st)
		}
		if st := rev.Stages[5]; st.Stage != "appointment" || !slices.Equal(st.Signed, []string{"wu.gang"}) {
			t.Fatalf("the review's 任职: %+v", st)
		}

		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id)
		recordHistory(t, bin, dev.FrontendHostPort(), reviewID)
	})
}

// waitCaseAs is waitCase read by official: 包音, who reads the other cases, signed the selection
// and is recused from its 倒查.
func (h *harness) waitCaseAs(official, id string, status schemas.CaseStatus) CaseResponse {
	h.t.Helper()
	var got CaseResponse
	waitFor(h.t, 60*time.Second, id+" "+string(status), func() bool {
		r := h.do("GET", "/api/v1/cases/"+id, h.token(official), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &got)
		return got.Case.Status == status && got.State.Status == status
	})
	return got
}

// selectionLink waits until the selection names a linked case, and answers it.
func selectionLink(h *harness, id string, link func(*schemas.SelectionState) string) string {
	h.t.Helper()
	var caseID string
	waitFor(h.t, 60*time.Second, id+" links its case", func() bool {
		var got CaseResponse
		r := h.do("GET", "/api/v1/cases/"+id, h.token("wu.gang"), nil)
		if r.status != http.StatusOK {
			return false
		}
		r.json(h.t, &got)
		if got.State.Selection != nil {
			caseID = link(got.State.Selection)
		}
		return caseID != ""
	})
	return caseID
}
