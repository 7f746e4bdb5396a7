package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// The reporters of the two reports transferred down below.
var timelinessReporters = []ReporterInput{
	{Name: "图雅举报", Phone: "13847100011", Address: "赛罕区保密街7号"},
	{Name: "敖登举报", Phone: "13847100012", Unit: "某某水务公司"},
}

// TestAnalysisTimelinessEndToEnd drives, over real HTTP on a time-compressed stack (deadlines
// ÷ e2eTimeScale: 5 working days ≈ 6 s) on each database, the figures TestAnalysisEndToEnd
// leaves to rows written directly: two 12380 reports transferred down to the county (one
// report-back on time then returned and re-done late; one left until the 督办 rung fired, then
// done late and escalated); a publicity with three objections (one verified) and its two
// decisions; an inquiry ending in 诫勉, whose admonishment reaches its influence period (a
// restriction in force), and a second admonishment the leader refuses. The live report is
// read twice: while one lower-office step is late (no "repeatedly late" warning) and after
// the second (the warning). Each figure is checked against counts made here from what the
// test did and from the task and case rows read back; no reporter identity may appear.
func TestAnalysisTimelinessEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ring, err := secrets.Parse(e2eReporterKey)
		if err != nil {
			t.Fatal(err)
		}
		dev := testenv.Temporal(t)
		queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
		w := worker.New(dev.Client(), queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t), TimeScale: e2eTimeScale})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		h := newHarness(t, gdb, dev.Client())
		h.srv = New(Deps{DB: gdb, Temporal: dev.Client(), Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
			MaxBodyBytes: 1 << 20, TaskQueue: queue, Reports: ReportDeps{ReporterKeys: ring}})
		h = newServerFor(t, h)

		step := func(official, task, decision string, form map[string]any) {
			t.Helper()
			h.complete(official, h.waitTask(official, task).ID, map[string]any{"decision": decision, "form": form})
		}
		row := func(id string) schemas.Task {
			t.Helper()
			var tk schemas.Task
			if err := gdb.First(&tk, "id = ?", id).Error; err != nil {
				t.Fatalf("task %s: %v", id, err)
			}
			return tk
		}
		// waitRow waits (beyond waitTask's minute: a 60-working-day deadline is ~75 s here)
		// until the task row satisfies cond.
		waitRow := func(id, what string, cond func(schemas.Task) bool) {
			t.Helper()
			waitFor(t, 4*time.Minute, id+" "+what, func() bool {
				var tk schemas.Task
				return gdb.First(&tk, "id = ?", id).Error == nil && cond(tk)
			})
		}

		// Two signed reports about 乌云, transferred down to the county (土默特左旗).
		transfer := func(rep ReporterInput) (string, string) {
			t.Helper()
			r := h.do("POST", "/api/v1/reports", h.token("he.ping"), map[string]any{
				"channel": "phone", "reporter": rep, "subject_id": "wuyun", "subject_unit": "土默特左旗水利局",
				"content": "反映乌云在水利项目中收受好处。",
			})
			if r.status != http.StatusCreated {
				t.Fatalf("file a report: %d %s", r.status, r.body)
			}
			var out struct{ ID string }
			r.json(t, &out)
			step("he.ping", out.ID+".accept", "accept", nil)
			step("bao.yin", out.ID+".triage-1", schemas.TriageTransfer, map[string]any{
				"opinion": "属旗县管理干部", "transfer_to": "150121", "instructions": "核查乌云收受好处问题，按期上报。"})
			var tr string
			waitFor(t, 30*time.Second, "the transfer of "+out.ID, func() bool {
				var got CaseResponse
				h.do("GET", "/api/v1/cases/"+out.ID, h.token("bao.yin"), nil).json(t, &got)
				if got.State.Report != nil {
					tr = got.State.Report.TransferCaseID
				}
				return tr != ""
			})
			return out.ID, tr
		}
		_, t1 := transfer(timelinessReporters[0]) // reported back after the 督办 rung: late, escalated
		_, t2 := transfer(timelinessReporters[1]) // on time, returned, round 2 late
		back := map[string]any{"report": "经核查，反映部分属实。"}
		step("hu.jun", t2+".report-back-1", schemas.FindingPartly, back)
		step("bao.yin", t2+".review-1", schemas.ReviewReturn, map[string]any{"note": "请补充核查项目资金流向。"})

		// A publicity of two candidates: a signed objection (verified), two anonymous ones
		// (logged only); 张三 proceeds, 李四 is refused.
		pub := h.start("wu.gang", "/api/v1/cases/publicity", map[string]any{"title": "关于张三、李四同志任职前公示",
			"candidates": []map[string]any{
				{"name": "张三", "gender": "男", "birth_date": "1978-03", "education": "大学", "current_post": "市教育局副局长", "proposed_post": "市教育局局长"},
				{"name": "李四", "gender": "女", "birth_date": "1982-11", "education": "研究生", "current_post": "市教育局办公室主任", "proposed_post": "市教育局副局长"},
			}})
		step("wu.gang", pub+".draft-1", "submit", map[string]any{"notice_text": "经市委研究，拟任命张三、李四同志……", "report_channels": "12380"})
		step("chen.jing", pub+".approve-1", "approve", nil)
		var verifyTask string
		for i, o := range []map[string]any{
			{"candidate_id": "c2", "signed": true, "channel": "phone", "summary": "反映其在干部招聘中违规操作"},
			{"candidate_id": "c1", "signed": false, "channel": "letter", "summary": "反映其工作作风简单粗暴"},
			{"candidate_id": "c2", "signed": false, "channel": "web", "summary": "反映其群众口碑一般"},
		} {
			r := h.do("POST", "/api/v1/cases/"+pub+"/objections", h.token("he.ping"), o)
			if r.status != http.StatusCreated {
				t.Fatalf("objection %d: %d %s", i, r.status, r.body)
			}
			var ob schemas.Objection
			r.json(t, &ob)
			if (ob.TaskID != "") != (i == 0) {
				t.Fatalf("objection %d: verification task %q", i, ob.TaskID)
			}
			if i == 0 {
				verifyTask = ob.TaskID
			}
		}
		step("ma.lin", verifyTask, schemas.FindingSubstantiated, map[string]any{"report": "经核查，反映问题属实。"})
		step("chen.jing", pub+".decide-c1", "proceed", nil)
		step("chen.jing", pub+".decide-c2", "refuse", map[string]any{"reason": "反映问题属实", "refer_to_discipline": false})
		h.waitCase(pub, schemas.CaseClosed)

		// An inquiry letter to 巴图 ending in 诫勉; the admonishment reaches its influence
		// period (a restriction on promotion in force).
		inq := h.start("bao.yin", "/api/v1/cases/inquiry", map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"})
		step("bao.yin", inq+".draft-1", "submit", map[string]any{"questions": "请说明在外兼职取酬情况。"})
		step("chen.jing", inq+".approve-1", "approve", nil)
		step("batu", inq+".answer-1", "submit", map[string]any{"answer": "本人未在外兼职取酬。"})
		step("zheng.yi", inq+".sign-1", "sign", map[string]any{"opinion": "同意报送。"})
		step("bao.yin", inq+".assess-1", "admonish", map[string]any{"answer_finding": "untrue", "opinion": "答复不如实，建议诫勉。"})
		inqState := h.waitCase(inq, schemas.CaseClosed)
		adm := inqState.State.Inquiry.LinkedCaseID
		step("chen.jing", adm+".approve", "approve", nil)
		today := time.Now().In(cst).Format(time.DateOnly)
		step("bao.yin", adm+".schedule", "scheduled", map[string]any{"talk_date": today, "talk_time": "09:30", "place": "市委组织部会议室", "attendees": "包音、郑毅"})
		step("bao.yin", adm+".record-1", "held", map[string]any{"talk_date": today, "record": "指出问题，提出整改要求。"})
		step("batu", adm+".confirm-1", "confirm", nil)
		step("batu", adm+".measures", "submit", map[string]any{"measures": "辞去兼职，退还报酬。"})
		waitFor(t, 30*time.Second, adm+" in its influence period", func() bool {
			var n int64
			gdb.Model(&schemas.Restriction{}).Where("case_id = ?", adm).Count(&n)
			return n == 1
		})
		// A second admonishment, of 娜仁, refused by the leader.
		adm2 := h.start("bao.yin", "/api/v1/cases/admonishment", map[string]any{"cadre_id": "na.ren", "grounds": "工作纪律松弛，情节较轻"})
		step("chen.jing", adm2+".approve", "reject", map[string]any{"opinion": "情节轻微，批评教育即可。"})
		h.waitCase(adm2, schemas.CaseClosed)

		// The period: yesterday to tomorrow (Beijing).
		now := time.Now().In(calendar.Location())
		from, to := now.AddDate(0, 0, -1).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
		query := "?org_unit=150100&from=" + from + "&to=" + to
		period, err := analysis.NewPeriod(from, to)
		if err != nil {
			t.Fatal(err)
		}
		pStart, pEnd := period.Bounds()
		in := func(at *time.Time) bool { return at != nil && !at.Before(pStart) && at.Before(pEnd) }
		read := func() analysis.Report {
			t.Helper()
			r := h.do("GET", "/api/v1/analysis"+query, h.token("bao.yin"), nil)
			if r.status != http.StatusOK {
				t.Fatalf("analysis: %d %s", r.status, r.body)
			}
			noAnalysisReporterIn(t, string(r.body), timelinessReporters)
			var rep analysis.Report
			r.json(t, &rep)
			return rep
		}
		check := func(what string, got, want any) {
			t.Helper()
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("%s:\n got %s\nwant %s", what, g, w)
			}
		}
		// lateOffice is the county's "repeatedly late" warning, if any.
		lateOffice := func(rep analysis.Report) *analysis.Warning {
			for _, w := range rep.Warnings {
				if w.Rule == analysis.RuleLateOffice {
					return &w
				}
			}
			return nil
		}

		// Round 2 of t2 (30 working days) runs out first: the urge rung marks it overdue. The
		// county has one late step: no warning yet.
		r2 := t2 + ".report-back-2"
		waitRow(r2, "overdue", func(tk schemas.Task) bool { return tk.Overdue && tk.EscalationLevel >= 1 })
		if tk := row(t1 + ".report-back-1"); tk.Status != schemas.TaskOpen || tk.Overdue {
			t.Fatalf("t1's report-back is already late when t2's round 2 is: %+v", tk)
		}
		first := read()
		if w := lateOffice(first); w != nil {
			t.Errorf("one late step of the county warns: %+v", w)
		}
		check("transfers, one open late", first.Transfers, []analysis.TransferOffice{{Office: analysis.OrgRef{ID: "150121", Name: "土默特左旗委组织部"},
			Received: 2, OnTime: 1, OpenOverdue: 1, Returned: 1}})
		step("hu.jun", r2, schemas.FindingPartly, map[string]any{"report": "补充核查：资金流向已查明，部分属实。"})
		step("bao.yin", t2+".review-2", schemas.ReviewAccept, map[string]any{"note": "同意"})

		// t1 is left until the 督办 rung (5 working days past its deadline) opens the county
		// leader's 督办 task; then the county reports back, late and escalated.
		waitRow(t1+".report-back-1-duban", "opened", func(schemas.Task) bool { return true })
		step("hu.jun", t1+".report-back-1", schemas.FindingUnfounded, back)
		step("bao.yin", t1+".review-1", schemas.ReviewAccept, map[string]any{"note": "同意"})
		for _, id := range []string{t1, t2} {
			h.waitCase(id, schemas.CaseClosed)
		}
		// The steps as the test drove them.
		onTime, late1, late2 := row(t2+".report-back-1"), row(t1+".report-back-1"), row(r2)
		if onTime.CompletedAt.After(*onTime.DueAt) || onTime.Overdue || !late1.CompletedAt.After(*late1.DueAt) || late1.EscalationLevel < 2 ||
			!late2.CompletedAt.After(*late2.DueAt) || !late2.Overdue {
			t.Fatalf("the steps did not run as driven: %+v / %+v / %+v", onTime, late1, late2)
		}
		if duban := row(t1 + ".report-back-1-duban"); duban.OrgUnitID != "150121" {
			t.Fatalf("督办 at %s", duban.OrgUnitID)
		}

		rep := read()
		asOf := rep.AsOf

		// Transfers by hand: the county received t1 and t2; report-backs: t2 round 1 on time,
		// t2 round 2 and t1 late; t2 returned once; none taken over, none open.
		check("transfers", rep.Transfers, []analysis.TransferOffice{{Office: analysis.OrgRef{ID: "150121", Name: "土默特左旗委组织部"},
			Received: 2, OnTime: 1, Late: 2, Returned: 1}})
		// The county was late twice (t2 round 2, t1): warned, with both cases.
		if w := lateOffice(rep); w == nil || w.SubjectID != "150121" || w.Count != 2 || !sameSet(w.Cases, []string{t1, t2}) {
			t.Errorf("late office warning %+v in %+v", w, rep.Warnings)
		}
		// Publicity by hand: one case; three objections (shown), one verified ("<3"); 张三
		// proceeds, 李四 is refused.
		check("publicity", rep.Publicity, analysis.Publicity{Cases: 1, Objections: analysis.Cell{N: 3}, Verified: analysis.Cell{Suppressed: true},
			Decisions: []analysis.Row{{Key: "proceed", Label: decisionLabelOf(t, gdb, pub+".decide-c1"), Count: analysis.Cell{N: 1}},
				{Key: "refuse", Label: decisionLabelOf(t, gdb, pub+".decide-c2"), Count: analysis.Cell{N: 1}}}})
		// Inquiries: one, closed with 诫勉. Admonishments: adm open (influence period), adm2
		// closed refused.
		check("inquiries", rep.Inquiries, analysis.Outcomes{Opened: 1, Closed: 1,
			ByOutcome: []analysis.Row{{Key: inqState.State.Outcome, Label: inqState.State.Outcome, Count: analysis.Cell{N: 1}}}})
		if !strings.HasPrefix(inqState.State.Outcome, "诫勉（"+adm+"）") {
			t.Errorf("inquiry outcome %q", inqState.State.Outcome)
		}
		check("admonishments", rep.Admonishments, analysis.Outcomes{Opened: 2, Closed: 1, Open: 1,
			ByOutcome: []analysis.Row{{Key: "不予诫勉", Label: "不予诫勉", Count: analysis.Cell{N: 1}}}})
		// Restrictions: the one of adm, if still in force when the report was read (its end
		// is compressed too).
		var restr schemas.Restriction
		if err := gdb.First(&restr, "case_id = ?", adm).Error; err != nil {
			t.Fatal(err)
		}
		if !restr.EndsAt.After(asOf) || restr.LiftedAt != nil {
			t.Fatalf("the restriction ended before the report was read (%s, read %s): the test ran too slowly", restr.EndsAt, asOf)
		}
		check("restrictions", rep.Restrictions, analysis.Restrictions{InForce: 1,
			ByKind: []analysis.Row{{Key: restr.Kind, Label: "不得提拔或重用", Count: analysis.Cell{N: 1}}}})

		// Timeliness by hand from the rows: every task of the league's subtree (the analysis
		// rounds aside) closed in the period, on time or late against its due time, escalated
		// when a 督办 or report upward reached it; open past its due time when read; hours to
		// close per step and, per process, of the cases closed in the period.
		var league schemas.OrgUnit
		gdb.First(&league, "id = ?", "150100")
		var cases []schemas.Case
		gdb.Where("org_unit_id IN (?) AND kind <> ?", gdb.Model(&schemas.OrgUnit{}).Select("id").Where("path LIKE ?", league.Path+"%"),
			schemas.KindAnalysis).Find(&cases)
		kindOf := map[string]string{}
		var caseIDs []string
		for _, c := range cases {
			kindOf[c.ID] = string(c.Kind)
			caseIDs = append(caseIDs, c.ID)
		}
		for _, id := range []string{t1, t2, pub, inq, adm, adm2} {
			if kindOf[id] == "" {
				t.Fatalf("case %s not in the league's subtree (%v)", id, caseIDs)
			}
		}
		var tasks []schemas.Task
		gdb.Where("case_id IN ?", caseIDs).Find(&tasks)
		type key struct{ kind, step string }
		want := map[key]*analysis.Timeliness{}
		hours := map[key][]float64{}
		get := func(k key) *analysis.Timeliness {
			if want[k] == nil {
				want[k] = &analysis.Timeliness{Kind: k.kind, Step: k.step}
			}
			return want[k]
		}
		sawLate, sawEscalated, sawOnTime := 0, 0, 0
		for _, tk := range tasks {
			closed := tk.Status == schemas.TaskCompleted && in(tk.CompletedAt) && !tk.CompletedAt.After(asOf)
			openLate := tk.DueAt != nil && tk.DueAt.Before(asOf) && tk.CreatedAt.Before(asOf) && (tk.CompletedAt == nil || !tk.CompletedAt.Before(asOf))
			if !closed && !openLate {
				continue
			}
			isLate := closed && tk.DueAt != nil && tk.CompletedAt.After(*tk.DueAt)
			for _, k := range []key{{kindOf[tk.CaseID], ""}, {kindOf[tk.CaseID], tk.Step}} {
				r := get(k)
				if openLate {
					r.OpenOverdue++
				}
				if !closed {
					continue
				}
				r.Closed++
				if isLate {
					r.Late++
				} else {
					r.OnTime++
				}
				if tk.EscalationLevel >= 2 {
					r.Escalated++
				}
				if k.step != "" {
					hours[k] = append(hours[k], tk.CompletedAt.Sub(tk.CreatedAt).Hours())
				}
			}
			if closed && isLate {
				sawLate++
			} else if closed {
				sawOnTime++
			}
			if closed && tk.EscalationLevel >= 2 {
				sawEscalated++
			}
		}
		for _, c := range cases {
			if c.Status == schemas.CaseClosed && in(c.ClosedAt) {
				k := key{string(c.Kind), ""}
				get(k)
				hours[k] = append(hours[k], c.ClosedAt.Sub(c.CreatedAt).Hours())
			}
		}
		for k, r := range want {
			r.MedianHours, r.P90Hours = nearestRank(hours[k], 0.5), nearestRank(hours[k], 0.9)
		}
		got := map[key]analysis.Timeliness{}
		for _, r := range rep.Timeliness {
			r.KindTitle, r.StepTitle = "", ""
			got[key{r.Kind, r.Step}] = r
		}
		if len(got) != len(want) {
			t.Errorf("timeliness rows: got %d, want %d", len(got), len(want))
		}
		for k, w := range want {
			check("timeliness "+k.kind+"/"+k.step, got[k], *w)
		}
		// What the test drove is in it: the late and escalated report-backs, the on-time one.
		if tr := got[key{string(schemas.KindTransfer), "report_back"}]; tr.Closed != 3 || tr.OnTime != 1 || tr.Late != 2 || tr.Escalated < 1 {
			t.Errorf("report-back timeliness %+v", tr)
		}
		check("headline lateness", []int{rep.Headline.TasksLate, rep.Headline.TasksEscalated, rep.Headline.TasksClosed},
			[]int{sawLate, sawEscalated, sawLate + sawOnTime})
		if sawEscalated < 1 || sawLate < 2 {
			t.Errorf("by hand: %d late, %d escalated", sawLate, sawEscalated)
		}
		check("reports", rep.Reports.Total, analysis.Cell{Suppressed: true})
	})
}

// noAnalysisReporterIn fails when body shows any identity of reporters.
func noAnalysisReporterIn(t *testing.T, body string, reporters []ReporterInput) {
	t.Helper()
	for _, r := range reporters {
		for _, s := range []string{r.Name, r.Phone, r.Address, r.Unit} {
			if s != "" && strings.Contains(body, s) {
				t.Fatalf("the report shows a reporter's %q", s)
			}
		}
	}
}

// nearestRank is the q-quantile of hours by the nearest-rank rule, to 0.1 h; 0 of none.
func nearestRank(hours []float64, q float64) float64 {
	if len(hours) == 0 {
		return 0
	}
	s := slices.Clone(hours)
	sort.Float64s(s)
	i := max(int(math.Ceil(q*float64(len(s))))-1, 0)
	return math.Round(s[i]*10) / 10
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// decisionLabelOf is the label the task offered for the decision taken on it.
func decisionLabelOf(t *testing.T, gdb *gorm.DB, taskID string) string {
	t.Helper()
	var tk schemas.Task
	if err := gdb.First(&tk, "id = ?", taskID).Error; err != nil {
		t.Fatal(err)
	}
	for _, d := range tk.Spec.Decisions {
		if d.Key == tk.Decision {
			return d.Label
		}
	}
	t.Fatalf("%s: decision %q not offered", taskID, tk.Decision)
	return ""
}
