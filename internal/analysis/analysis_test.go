package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// bj is a Beijing wall-clock time.
func bj(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Location())
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func ptr[T any](v T) *T { return &v }

// seed is the known set of cases the figures are counted from by hand. Everything is written
// directly to the tables (the end-to-end test in api drives reports through the workflows).
type seed struct {
	t   *testing.T
	db  *gorm.DB
	seq *int
}

func (s seed) create(v any) {
	s.t.Helper()
	if err := s.db.Create(v).Error; err != nil {
		s.t.Fatalf("seed %T: %v", v, err)
	}
}

// kase writes a case; closed "" leaves it open.
func (s seed) kase(id string, kind schemas.CaseKind, unit, created, closed, outcome string, final *schemas.CaseState) {
	*s.seq++
	c := schemas.Case{ID: id, Kind: kind, Year: 2026, Seq: *s.seq, Title: id, OrgUnitID: unit, Status: schemas.CaseOpen,
		CreatedBy: "seed", CreatedAt: bj(s.t, created), UpdatedAt: bj(s.t, created), Outcome: outcome}
	if closed != "" {
		c.Status, c.ClosedAt = schemas.CaseClosed, ptr(bj(s.t, closed))
	}
	if final != nil {
		b, _ := json.Marshal(final)
		c.FinalState = string(b)
	}
	s.create(&c)
}

// report writes a 12380 report and its case; reporter names and phones are sealed columns
// the analysis never reads.
func (s seed) report(id, channel, subjectID, subjectName, subjectUnit, created, closed, triage, finding, handling string) {
	var final *schemas.CaseState
	if closed != "" {
		final = &schemas.CaseState{Report: &schemas.ReportState{Channel: channel, Triage: triage, Finding: finding, Handling: handling}}
	}
	s.kase(id, schemas.KindReport, "150100", created, closed, "", final)
	s.create(&schemas.Report{ID: id, OrgUnitID: "150100", Channel: channel, Signed: true, IdentitySealed: "sealed:" + id,
		SubjectID: subjectID, SubjectName: subjectName, SubjectUnit: subjectUnit, Content: "反映问题内容",
		Status: schemas.ReportReceived, CreatedBy: "he.ping", CreatedAt: bj(s.t, created), UpdatedAt: bj(s.t, created)})
	if triage != "" {
		s.audit(id, bj(s.t, created).Add(time.Hour), "report.triaged", map[string]string{"decision": triage})
	}
}

func (s seed) audit(caseID string, at time.Time, action string, detail any) {
	s.t.Helper()
	b, _ := json.Marshal(detail)
	err := s.db.Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, &schemas.AuditEvent{CaseID: caseID, At: at, Actor: "seed", Action: action, Detail: string(b),
			DedupKey: caseID + "/" + action + "/" + at.Format(time.RFC3339)})
	})
	if err != nil {
		s.t.Fatalf("audit: %v", err)
	}
}

// task writes a task; completed "" leaves it open.
func (s seed) task(caseID string, kind schemas.CaseKind, key, step, title, unit, created, due, completed, decision string, level int) {
	t := schemas.Task{ID: caseID + "." + key, CaseID: caseID, WorkflowID: caseID, CaseKind: kind, StepKey: key, Step: step, Title: title,
		OrgUnitID: unit, AssigneeRole: schemas.RoleSupervisor, Status: schemas.TaskOpen, DueAt: ptr(bj(s.t, due)),
		EscalationLevel: level, CreatedAt: bj(s.t, created), UpdatedAt: bj(s.t, created),
		Spec: schemas.TaskSpec{Decisions: []schemas.Decision{{Key: "proceed", Label: "同意任职"}, {Key: "refuse", Label: "不予任职"}}}}
	if completed != "" {
		t.Status, t.CompletedAt, t.Decision = schemas.TaskCompleted, ptr(bj(s.t, completed)), decision
	}
	s.create(&t)
}

func seedKnownCases(t *testing.T, db *gorm.DB) {
	s := seed{t, db, new(int)}
	s.create(&schemas.Official{ID: "li.si", Name: "李四", OrgUnitID: "150121-slj", Roles: schemas.Roles{schemas.RoleSupervisedCadre}})
	const R = schemas.KindReport
	// October 2026 (the period), 呼和浩特 subtree.
	s.report("report-2026-0001", "phone", "batu", "巴图", "", "2026-10-05 09:00", "2026-10-20 09:00", schemas.TriageVerify, schemas.FindingSubstantiated, schemas.HandleAdmonish)
	s.report("report-2026-0002", "letter", "batu", "巴图", "", "2026-10-08 09:00", "", schemas.TriageInquiry, "", "")
	s.report("report-2026-0003", "phone", "wuyun", "乌云", "", "2026-10-10 09:00", "2026-10-25 09:00", schemas.TriageVerify, schemas.FindingUnfounded, schemas.HandleNone)
	s.report("report-2026-0004", "web", "", "某某", "某某街道办", "2026-10-12 09:00", "", "", "", "")
	s.report("report-2026-0005", "phone", "na.ren", "娜仁", "", "2026-10-15 09:00", "2026-10-28 09:00", schemas.TriageTransfer, schemas.FindingPartly, schemas.HandleOrg)
	s.report("report-2026-0010", "sms", "li.si", "李四", "", "2026-10-18 09:00", "", "", "", "")
	// September 2026 (the previous period).
	s.report("report-2026-0006", "phone", "han.bo", "韩博", "", "2026-09-10 09:00", "2026-09-30 09:00", schemas.TriageFile, "", "")
	s.report("report-2026-0009", "phone", "li.si", "李四", "", "2026-09-20 09:00", "", "", "", "")
	// October 2025 (the same period last year) and before: outside the 12 months of the rules.
	s.report("report-2025-0007", "letter", "batu", "巴图", "", "2025-10-20 09:00", "2025-11-10 09:00", schemas.TriageVerify, schemas.FindingUnfounded, schemas.HandleNone)
	s.report("report-2025-0011", "phone", "han.bo", "韩博", "", "2025-09-15 09:00", "2025-09-30 09:00", schemas.TriageFile, "", "")
	// Outside the subtree (包头): counts nowhere.
	s.kase("report-2026-0008", R, "150200", "2026-10-06 09:00", "", "", nil)
	s.create(&schemas.Report{ID: "report-2026-0008", OrgUnitID: "150200", Channel: "phone", SubjectID: "batu", SubjectName: "巴图",
		Content: "反映问题内容", Status: "received", CreatedBy: "x", CreatedAt: bj(t, "2026-10-06 09:00"), UpdatedAt: bj(t, "2026-10-06 09:00")})
	s.task("report-2026-0008", R, "triage", "triage", "研判分流：巴图", "150200", "2026-10-06 09:00", "2026-10-07 09:00", "2026-10-20 09:00", "verify", 2)

	// Report steps.
	s.task("report-2026-0001", R, "triage", "triage", "研判分流：巴图", "150100", "2026-10-05 09:00", "2026-10-12 09:00", "2026-10-06 09:00", "verify", 0)
	s.task("report-2026-0001", R, "verify", "verify", "核查：巴图", "150100", "2026-10-06 10:00", "2026-10-15 10:00", "2026-10-19 10:00", "substantiated", 2)
	s.task("report-2026-0002", R, "triage", "triage", "研判分流：巴图", "150100", "2026-10-08 09:00", "2026-10-10 09:00", "", "", 1)
	s.task("report-2026-0003", R, "triage", "triage", "研判分流：乌云", "150100", "2026-10-10 09:00", "2026-10-17 09:00", "2026-10-11 15:00", "verify", 0)

	// Transfers to the lower offices.
	const T = schemas.KindTransfer
	s.kase("transfer-2026-0001", T, "150121", "2026-10-16 09:00", "", "", nil)
	s.task("transfer-2026-0001", T, "report-1", "report_back", "核查并上报：娜仁", "150121", "2026-10-16 09:00", "2026-10-23 09:00", "2026-10-27 09:00", "submit", 1)
	s.task("transfer-2026-0001", T, "review-1", "review_transfer", "审核下级核查结果：娜仁", "150100", "2026-10-27 09:00", "2026-10-30 09:00", "2026-10-28 09:00", schemas.ReviewReturn, 0)
	s.task("transfer-2026-0001", T, "report-2", "report_back", "核查并上报：娜仁", "150121", "2026-10-28 09:00", "2026-10-30 09:00", "", "", 0)
	s.kase("transfer-2026-0002", T, "150102", "2026-10-02 09:00", "", "", nil)
	s.task("transfer-2026-0002", T, "report-1", "report_back", "核查并上报：某某", "150102", "2026-10-02 09:00", "2026-10-20 09:00", "2026-10-10 09:00", "submit", 0)
	s.task("transfer-2026-0002", T, "review-1", "review_transfer", "审核下级核查结果：某某", "150100", "2026-10-10 09:00", "2026-10-17 09:00", "2026-10-12 09:00", schemas.ReviewAccept, 0)
	// One late report-back of 新城区 in March: once within 12 months is no warning.
	s.kase("transfer-2026-0003", T, "150102", "2026-03-01 09:00", "2026-03-20 09:00", "", nil)
	s.task("transfer-2026-0003", T, "report-1", "report_back", "核查并上报：某某", "150102", "2026-03-01 09:00", "2026-03-10 09:00", "2026-03-12 09:00", "submit", 1)

	// Publicity: two objections (one verified), two decisions.
	s.kase("publicity-2026-0001", schemas.KindPublicity, "150100", "2026-10-03 09:00", "", "", nil)
	s.audit("publicity-2026-0001", bj(t, "2026-10-09 09:00"), "publicity.objection_filed", map[string]any{"verified": false})
	s.audit("publicity-2026-0001", bj(t, "2026-10-10 09:00"), "publicity.objection_logged", map[string]any{"verified": true})
	s.task("publicity-2026-0001", schemas.KindPublicity, "decide-c1", "decide_candidate", "研究决定：甲", "150100", "2026-10-15 09:00", "2026-10-22 09:00", "2026-10-20 09:00", "proceed", 0)
	s.task("publicity-2026-0001", schemas.KindPublicity, "decide-c2", "decide_candidate", "研究决定：乙", "150100", "2026-10-15 09:00", "2026-10-22 09:00", "2026-10-21 09:00", "refuse", 0)

	// Inquiries and admonishments.
	s.kase("inquiry-2026-0001", schemas.KindInquiry, "150100", "2026-09-15 09:00", "2026-10-20 09:00", "予以了结：无问题", nil)
	s.kase("inquiry-2026-0002", schemas.KindInquiry, "150100", "2026-10-05 09:00", "", "", nil)
	s.kase("admonishment-2026-0001", schemas.KindAdmonishment, "150100", "2026-10-01 09:00", "2026-10-30 09:00", "诫勉谈话已完成", nil)
	s.kase("admonishment-2026-0000", schemas.KindAdmonishment, "150100", "2026-06-01 09:00", "2026-07-01 09:00", "", nil)

	// Restrictions: one in force on 1 November; one ended, one lifted, one outside the subtree.
	s.create(&schemas.Restriction{ID: "r1", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion, CaseID: "admonishment-2026-0001",
		StartsAt: bj(t, "2026-10-30 09:00"), EndsAt: bj(t, "2027-04-30 09:00"), CreatedAt: bj(t, "2026-10-30 09:00")})
	s.create(&schemas.Restriction{ID: "r2", OfficialID: "wuyun", Kind: schemas.RestrictionNoPromotion, CaseID: "admonishment-2026-0000",
		StartsAt: bj(t, "2026-04-15 09:00"), EndsAt: bj(t, "2026-10-15 09:00"), CreatedAt: bj(t, "2026-04-15 09:00")})
	s.create(&schemas.Restriction{ID: "r3", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion, CaseID: "admonishment-2026-0000",
		StartsAt: bj(t, "2026-06-01 09:00"), EndsAt: bj(t, "2026-12-01 09:00"), LiftedAt: ptr(bj(t, "2026-10-31 09:00")), CreatedAt: bj(t, "2026-06-01 09:00")})
	s.create(&schemas.Restriction{ID: "r4", OfficialID: "batu", Kind: schemas.RestrictionNoPromotion, CaseID: "report-2026-0008",
		StartsAt: bj(t, "2026-10-01 09:00"), EndsAt: bj(t, "2027-04-01 09:00"), CreatedAt: bj(t, "2026-10-01 09:00")})

	// Joint inspections of 呼和浩特市教育局: 用人 found issues twice, 进人 once.
	ji := func(id, created, closed string, yongren, jinren string) {
		s.kase(id, schemas.KindJointInspection, "150100", created, closed, "", &schemas.CaseState{JointInspection: &schemas.JointInspectionState{
			UnitID: "150100-jyj", Checks: []schemas.CheckResult{{Area: schemas.CheckYongren, Decision: yongren}, {Area: schemas.CheckJinren, Decision: jinren}}}})
	}
	ji("joint-inspection-2026-0001", "2026-03-01 09:00", "2026-05-01 09:00", schemas.InspectIssues, schemas.InspectNoIssues)
	ji("joint-inspection-2026-0002", "2026-08-01 09:00", "2026-10-10 09:00", schemas.InspectSeriousIssues, schemas.InspectIssues)
	// An analysis round and its step: not a supervision case, counted nowhere.
	s.kase("analysis-2026-0001", schemas.KindAnalysis, "150100", "2026-10-01 09:00", "2026-10-16 09:00", "已审定", nil)
	s.task("analysis-2026-0001", schemas.KindAnalysis, "draft-1", "draft_analysis", "撰写分析报告", "150100", "2026-10-01 09:00", "2026-10-15 09:00", "2026-10-16 09:00", "submit", 2)
}

func shown(n int) analysis.Cell { return analysis.Cell{N: n} }
func hidden(n int) analysis.Cell {
	return analysis.Cell{N: n, Suppressed: true}
}

func rows(kv ...any) []analysis.Row {
	var out []analysis.Row
	for i := 0; i < len(kv); i += 3 {
		out = append(out, analysis.Row{Key: kv[i].(string), Label: kv[i+1].(string), Count: kv[i+2].(analysis.Cell)})
	}
	return out
}

func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestCompileKnownCases checks every figure of the October 2026 report of 呼和浩特市委组织部
// against counts made by hand from the seed.
func TestCompileKnownCases(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, db *gorm.DB, _ string) {
		seedKnownCases(t, db)
		period, _ := analysis.ParseName("2026-10")
		asOf := bj(t, "2026-11-01 02:00")
		rep, err := analysis.Compile(context.Background(), db, analysis.Params{OrgUnitID: "150100", Period: period, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "period", rep.Period, analysis.Period{From: "2026-10-01", To: "2026-10-31"})
		check(t, "title", rep.Title, "呼和浩特市委组织部2026年10月干部监督工作分析报告")
		// Reports r1–r5 and r10; cases: those six, two transfers, the publicity, inquiry 2 and
		// admonishment 1 opened; r1, r3, r5, inquiry 1, admonishment 1 and inspection 2 closed.
		// Steps closed: 3 report, 4 transfer, 2 publicity; late: verify of r1 and the first
		// report-back of transfer 1; escalated: verify of r1.
		check(t, "headline", rep.Headline, analysis.Headline{Reports: shown(6), CasesOpened: 11, CasesClosed: 6, TasksClosed: 9, TasksLate: 2, TasksEscalated: 1})
		// September: r6, r9 and inquiry 1 opened, r6 closed.
		check(t, "previous", rep.Previous, analysis.Comparison{Period: analysis.Period{From: "2026-09-01", To: "2026-09-30"},
			Headline: analysis.Headline{Reports: hidden(2), CasesOpened: 3, CasesClosed: 1}})
		check(t, "last year", rep.LastYear, analysis.Comparison{Period: analysis.Period{From: "2025-10-01", To: "2025-10-31"},
			Headline: analysis.Headline{Reports: hidden(1), CasesOpened: 1}})

		check(t, "total", rep.Reports.Total, shown(6))
		check(t, "by channel", rep.Reports.ByChannel, rows("phone", "电话", shown(3), "letter", "来信", hidden(1), "visit", "来访", shown(0), "sms", "短信", hidden(1), "web", "网络", hidden(1)))
		check(t, "by type", rep.Reports.ByType, rows(
			"verify", "登记核查", hidden(2), "talk", "谈话提醒", shown(0), "inquiry", "函询", hidden(1), "file", "存档备查", shown(0),
			"transfer", "转下级办理", hidden(1), "publicity", "并入任前公示", shown(0), "forwarded", "不属于受理范围", shown(0), "pending", "尚未分流", hidden(2)))
		check(t, "by unit", rep.Reports.ByUnit, rows("150100-jyj", "呼和浩特市教育局", shown(3), "150121-slj", "土默特左旗水利局", hidden(2), "text:某某街道办", "某某街道办", hidden(1)))
		check(t, "by finding", rep.Reports.ByFinding, rows(
			"substantiated", "属实", hidden(1), "partly", "部分属实", hidden(1), "unfounded", "不属实", hidden(1),
			"unverifiable", "无法查实", shown(0), "open", "办理中", shown(3), "none", "未经核查办结", shown(0)))
		check(t, "by handling", rep.Reports.ByHandling, rows(
			"admonish", "诫勉", hidden(1), "inquiry", "函询", shown(0), "organizational", "组织处理", hidden(1), "refer_discipline", "移送纪委", shown(0), "none", "不作处理", hidden(1)))
		check(t, "by month", rep.Reports.ByMonth, rows("2026-10", "2026年10月", shown(6)))

		// Report: triage of r1 (24 h) and r3 (30 h) on time, verify of r1 late after a 督办
		// (312 h), triage of r2 open past its deadline; cases r1, r3 (360 h), r5 (312 h).
		// Transfer: report-backs of transfer 1 (late) and 2, reviews of both; the second
		// report-back of transfer 1 open past its deadline.
		check(t, "timeliness", rep.Timeliness, []analysis.Timeliness{
			{Kind: "publicity", KindTitle: "任前公示", Closed: 2, OnTime: 2},
			{Kind: "publicity", KindTitle: "任前公示", Step: "decide_candidate", StepTitle: "研究决定", Closed: 2, OnTime: 2, MedianHours: 120, P90Hours: 144},
			{Kind: "joint-inspection", KindTitle: "三责联检", MedianHours: 1680, P90Hours: 1680},
			{Kind: "admonishment", KindTitle: "诫勉谈话", MedianHours: 696, P90Hours: 696},
			{Kind: "inquiry", KindTitle: "函询", MedianHours: 840, P90Hours: 840},
			{Kind: "report", KindTitle: "12380举报受理查核", Closed: 3, OnTime: 2, Late: 1, Escalated: 1, OpenOverdue: 1, MedianHours: 360, P90Hours: 360},
			{Kind: "report", KindTitle: "12380举报受理查核", Step: "triage", StepTitle: "研判分流", Closed: 2, OnTime: 2, OpenOverdue: 1, MedianHours: 24, P90Hours: 30},
			{Kind: "report", KindTitle: "12380举报受理查核", Step: "verify", StepTitle: "核查", Closed: 1, Late: 1, Escalated: 1, MedianHours: 312, P90Hours: 312},
			{Kind: "transfer", KindTitle: "转办交办", Closed: 4, OnTime: 3, Late: 1, OpenOverdue: 1},
			{Kind: "transfer", KindTitle: "转办交办", Step: "report_back", StepTitle: "核查并上报", Closed: 2, OnTime: 1, Late: 1, OpenOverdue: 1, MedianHours: 192, P90Hours: 264},
			{Kind: "transfer", KindTitle: "转办交办", Step: "review_transfer", StepTitle: "审核下级核查结果", Closed: 2, OnTime: 2, MedianHours: 24, P90Hours: 48},
		})
		check(t, "transfers", rep.Transfers, []analysis.TransferOffice{
			{Office: analysis.OrgRef{ID: "150102", Name: "新城区委组织部"}, Received: 1, OnTime: 1},
			{Office: analysis.OrgRef{ID: "150121", Name: "土默特左旗委组织部"}, Received: 1, Late: 1, OpenOverdue: 1, Returned: 1},
		})
		check(t, "publicity", rep.Publicity, analysis.Publicity{Cases: 1, Objections: hidden(2), Verified: hidden(1),
			Decisions: rows("proceed", "同意任职", shown(1), "refuse", "不予任职", shown(1))})
		check(t, "inquiries", rep.Inquiries, analysis.Outcomes{Opened: 1, Closed: 1, Open: 1, ByOutcome: rows("予以了结", "予以了结", shown(1))})
		check(t, "admonishments", rep.Admonishments, analysis.Outcomes{Opened: 1, Closed: 1, Open: 0, ByOutcome: rows("诫勉谈话已完成", "诫勉谈话已完成", shown(1))})
		check(t, "restrictions", rep.Restrictions, analysis.Restrictions{InForce: 1, ByKind: rows("no_promotion", "不得提拔或重用", shown(1))})

		// Each rule: positive and negative. 巴图 (r1, r2; r7 is 13 months back) and 李四 (r9,
		// r10) are named twice; 乌云, 娜仁 once, 韩博 once within 12 months (r11 is older).
		// 教育局 had 3 reports after 0; 水利局 2 after 2 (not rising). 土左旗 was late twice
		// (a late report-back, one open past its deadline); 新城区 once. 用人 found issues in
		// two inspections of 教育局, 进人 in one.
		check(t, "warnings", rep.Warnings, []analysis.Warning{
			{Rule: "repeat_subject", Title: "干部被重复举报", SubjectID: "batu", Subject: "巴图", Detail: "近12个月被举报2次", Count: 2, Cases: []string{"report-2026-0001", "report-2026-0002"}},
			{Rule: "repeat_subject", Title: "干部被重复举报", SubjectID: "li.si", Subject: "李四", Detail: "近12个月被举报2次", Count: 2, Cases: []string{"report-2026-0009", "report-2026-0010"}},
			{Rule: "rising_unit", Title: "单位举报数量上升", SubjectID: "150100-jyj", Subject: "呼和浩特市教育局", Detail: "本期收到举报3件，上期0件", Count: 3, Cases: []string{"report-2026-0001", "report-2026-0002", "report-2026-0005"}},
			{Rule: "late_office", Title: "下级组织部门多次逾期", SubjectID: "150121", Subject: "土默特左旗委组织部", Detail: "近12个月2项任务逾期办结或逾期未办结", Count: 2, Cases: []string{"transfer-2026-0001"}},
			{Rule: "repeat_finding", Title: "检查中重复发现同类问题", SubjectID: "150100-jyj/yongren", Subject: "呼和浩特市教育局·用人检查", Detail: "近24个月2次三责联检发现同类问题", Count: 2, Cases: []string{"joint-inspection-2026-0001", "joint-inspection-2026-0002"}},
		})

		// The workbook holds the same tables; read back, withheld cells read "<3".
		raw, err := analysis.Workbook(rep, "教育系统举报集中。")
		if err != nil {
			t.Fatal(err)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = wb.Close() }()
		check(t, "sheets", wb.GetSheetList(), []string{analysis.SheetSummary, analysis.SheetReports, analysis.SheetTimeliness,
			analysis.SheetTransfers, analysis.SheetOther, analysis.SheetWarnings, analysis.SheetNarrative})
		for _, c := range []struct{ sheet, cell, want string }{
			{analysis.SheetSummary, "B7", "6"}, {analysis.SheetSummary, "C7", "<3"}, {analysis.SheetSummary, "B10", "9"},
			{analysis.SheetReports, "B1", "6"}, {analysis.SheetReports, "A4", "电话"}, {analysis.SheetReports, "B4", "3"}, {analysis.SheetReports, "B5", "<3"},
			{analysis.SheetTransfers, "A3", "土默特左旗委组织部"}, {analysis.SheetTransfers, "F3", "1"},
			{analysis.SheetOther, "B3", "<3"}, {analysis.SheetWarnings, "E2", "report-2026-0001、report-2026-0002"},
			{analysis.SheetNarrative, "A2", "教育系统举报集中。"},
		} {
			if got, _ := wb.GetCellValue(c.sheet, c.cell); got != c.want {
				t.Errorf("workbook %s!%s = %q, want %q", c.sheet, c.cell, got, c.want)
			}
		}

		// The reader's scope: without r2 (a reader who may not see it), 巴图 is named once
		// and 教育局 still rises (2 after 0).
		scoped, err := analysis.Compile(context.Background(), db, analysis.Params{OrgUnitID: "150100", Period: period, AsOf: asOf,
			Scope: func(q *gorm.DB) *gorm.DB { return q.Where("cases.id <> ?", "report-2026-0002") }})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "scoped total", scoped.Reports.Total, shown(5))
		for _, w := range scoped.Warnings {
			if w.SubjectID == "batu" {
				t.Errorf("warning from a case the reader may not see: %+v", w)
			}
		}
		// The county's own report sees neither the city's cases nor its transfers from above as
		// lower: its subtree is 土左旗 only.
		county, err := analysis.Compile(context.Background(), db, analysis.Params{OrgUnitID: "150121", Period: period, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		check(t, "county reports", county.Reports.Total, shown(0))
		check(t, "county transfers", county.Transfers, []analysis.TransferOffice{{Office: analysis.OrgRef{ID: "150121", Name: "土默特左旗委组织部"}, Received: 1, Late: 1, OpenOverdue: 1, Returned: 1}})
		check(t, "county warnings", county.Warnings, []analysis.Warning{})

		// While the period runs, "open past its deadline" is judged now: on 9 October the
		// triage of r2 (due the 10th) is not late yet.
		early, err := analysis.Compile(context.Background(), db, analysis.Params{OrgUnitID: "150100", Period: period, AsOf: bj(t, "2026-10-09 12:00")})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range early.Timeliness {
			if row.Kind == "report" && row.OpenOverdue != 0 {
				t.Errorf("open overdue before the deadline: %+v", row)
			}
		}
	})
}

func TestCellJSON(t *testing.T) {
	b, _ := json.Marshal([]analysis.Cell{{N: 1, Suppressed: true}, {N: 7}})
	var plain []any
	if err := json.Unmarshal(b, &plain); err != nil || !reflect.DeepEqual(plain, []any{"<3", 7.0}) {
		t.Fatalf("cells %s", b)
	}
	var back []analysis.Cell
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, []analysis.Cell{{Suppressed: true}, {N: 7}}) {
		t.Fatalf("read back %+v %v", back, err)
	}
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct{ name, from, to, prev, title string }{
		{"2026-10", "2026-10-01", "2026-10-31", "2026-09-01/2026-09-30", "2026年10月"},
		{"2026-Q1", "2026-01-01", "2026-03-31", "2025-10-01/2025-12-31", "2026年第1季度"},
		{"2026", "2026-01-01", "2026-12-31", "2025-01-01/2025-12-31", "2026年"},
	} {
		p, err := analysis.ParseName(c.name)
		if err != nil || p.From != c.from || p.To != c.to || p.Title() != c.title {
			t.Errorf("%s: %+v %q %v", c.name, p, p.Title(), err)
		}
		if got := p.Previous(); got.From+"/"+got.To != c.prev {
			t.Errorf("%s previous %+v", c.name, got)
		}
	}
	for _, bad := range []string{"", "26", "2026-13", "2026-Q5", "2026-1", "x-01"} {
		if _, err := analysis.ParseName(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	p, _ := analysis.NewPeriod("2026-10-05", "2026-10-14")
	if got := p.Previous(); got != (analysis.Period{From: "2026-09-25", To: "2026-10-04"}) {
		t.Errorf("days previous %+v", got)
	}
	if got := schemas.PreviousMonth(bj(t, "2026-11-01 00:30")); got != "2026-10" {
		t.Errorf("month before %s", got)
	}
	if analysis.QuarterOf("2026-09") != "2026-Q3" || analysis.QuarterOf("2026-10") != "" {
		t.Error("quarter of")
	}
	_ = fmt.Sprint()
}
