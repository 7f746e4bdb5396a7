package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// e2eReporterKey seals reporter identity and encrypts the payloads of these runs. It is fixed
// so that the histories recorded from them replay (workflows/replay_test.go holds the same key).
const e2eReporterKey = "e2e:wGIaqrYIdxQodFZXXGxHmPQp/mwNAdmOiaxYyXa2TZQ="

// The reporters' identities: none of these may appear in a history, a log line, a notification
// or an audit row.
var reporterSecrets = []string{"郝秘真", "13987654321", "金桥开发区保密路88号", "15800001111", "赛罕区匿名小区7号"}

// syncBuffer collects the process logs of the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReportEndToEnd drives 12380 reports over real HTTP against a real dev server and worker
// with payload encryption on: an anonymous web report followed to its feedback by query code;
// wrong secrets, guessed codes and a flood refused; a signed report transferred down that
// climbs the P7 ladder to the superior, who takes it over. Then it checks that no reporter
// identity reached the histories, the logs, notifications or audit rows.
func TestReportEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ring, err := secrets.Parse(e2eReporterKey)
		if err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		log := slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
		dev := testenv.Temporal(t)
		tc, err := client.Dial(client.Options{
			HostPort: dev.FrontendHostPort(), Namespace: "default",
			DataConverter: codec.DataConverter(ring), Logger: sdklog.NewStructuredLogger(log),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tc.Close)
		queue := "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")
		// A million-fold: a working day passes in about 0.1 s, so the 60-working-day report-back
		// and its ladder run out in seconds.
		w := worker.New(tc, queue, &activities.Activities{DB: gdb, Logger: log, TimeScale: 1e6})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		h := newHarness(t, gdb, tc)
		h.srv = New(Deps{DB: gdb, Temporal: tc, Keys: testKeys, Logger: log, Registry: metrics.NewRegistry(), MaxBodyBytes: 1 << 20, TaskQueue: queue,
			Reports: ReportDeps{ReporterKeys: ring, PayloadCodec: codec.New(ring),
				SubmitLimit: RateLimit{Burst: 3, Per: time.Hour}, LookupLimit: RateLimit{Burst: 500, Per: time.Minute}}})
		h = newServerFor(t, h)

		// --- an anonymous web report, followed by query code ---
		web := map[string]any{
			"org_unit_id": "150100", "subject_name": "巴图", "subject_unit": "呼和浩特市教育局",
			"content":  "反映巴图在学校基建项目中违规插手工程招标。",
			"reporter": map[string]any{"phone": "15800001111", "address": "赛罕区匿名小区7号"},
		}
		r := h.do("POST", "/public/v1/reports", "", web)
		if r.status != http.StatusCreated {
			t.Fatalf("web report: %d %s", r.status, r.body)
		}
		var receipt PublicReportReceipt
		r.json(t, &receipt)
		status := func(code, secret string) response {
			return h.do("GET", "/public/v1/reports/"+code, "", nil, secretHeader, secret)
		}
		if r := status(receipt.QueryCode, receipt.Secret); r.status != http.StatusOK || !strings.Contains(string(r.body), schemas.ReportReceived) {
			t.Fatalf("status: %d %s", r.status, r.body)
		}
		wrong := status(receipt.QueryCode, "WRONGSECRET12345")
		guessed := status("ABCDEFGHJKMN", receipt.Secret)
		if wrong.status != http.StatusNotFound || guessed.status != http.StatusNotFound || wrong.problem(t).Detail != guessed.problem(t).Detail {
			t.Fatalf("wrong secret %d %s, guessed code %d %s", wrong.status, wrong.body, guessed.status, guessed.body)
		}
		if r := h.do("POST", "/public/v1/reports/"+receipt.QueryCode+"/material", "", map[string]any{"text": "补充：招标时间为2026年5月。"}, secretHeader, "nope"); r.status != http.StatusNotFound {
			t.Fatalf("material with a wrong secret: %d", r.status)
		}
		if r := h.do("POST", "/public/v1/reports/"+receipt.QueryCode+"/material", "", map[string]any{"text": "补充：招标时间为2026年5月。"}, secretHeader, receipt.Secret); r.status != http.StatusCreated {
			t.Fatalf("material: %d %s", r.status, r.body)
		}
		var row schemas.Report
		gdb.First(&row, "query_code = ?", receipt.QueryCode)
		id1 := row.ID
		if row.IdentitySealed == "" || strings.Contains(row.IdentitySealed, "1580") || row.Signed || row.SecretHash == "" || strings.Contains(row.SecretHash, receipt.Secret) {
			t.Fatalf("stored report %+v", row)
		}
		// A flood from one address: the bucket (3) is spent after two more.
		var refused response
		for i := 0; i < 4; i++ {
			refused = h.do("POST", "/public/v1/reports", "", web)
		}
		if refused.status != http.StatusTooManyRequests || refused.header.Get("Retry-After") == "" {
			t.Fatalf("flood: %d %s", refused.status, refused.body)
		}

		h.complete("he.ping", h.waitTask("he.ping", id1+".accept").ID, map[string]any{"decision": "accept"})
		h.complete("bao.yin", h.waitTask("bao.yin", id1+".triage-1").ID, map[string]any{"decision": "verify", "form": map[string]any{"opinion": "线索具体，登记核查"}})
		// The investigator reads the report and its material, but not the reporter.
		var asInvestigator, asClerk ReportResponse
		h.do("GET", "/api/v1/reports/"+id1, h.token("ma.lin"), nil).json(t, &asInvestigator)
		h.do("GET", "/api/v1/reports/"+id1, h.token("he.ping"), nil).json(t, &asClerk)
		if asInvestigator.Reporter != nil || len(asInvestigator.Materials) != 1 || asClerk.Reporter == nil || asClerk.Reporter.Phone != "15800001111" {
			t.Fatalf("investigator sees %+v; clerk sees %+v", asInvestigator.Reporter, asClerk.Reporter)
		}
		if r := h.do("GET", "/api/v1/reports/"+id1, h.token("hu.jun"), nil); r.status != http.StatusNotFound {
			t.Fatalf("county supervisor reads the report: %d", r.status)
		}
		h.complete("ma.lin", h.waitTask("ma.lin", id1+".verify-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "经核查，招标程序合规。"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id1+".finding").ID, map[string]any{"decision": "unfounded", "form": map[string]any{"opinion": "反映不属实"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id1+".clarify").ID, map[string]any{"decision": "clarified", "form": map[string]any{"how": "在教育局干部大会上澄清"}})
		h.complete("he.ping", h.waitTask("he.ping", id1+".feedback").ID, map[string]any{"decision": "sent", "form": map[string]any{"feedback": "经核查，您反映的问题不属实。感谢您的监督。"}})
		var followed PublicReportStatus
		waitFor(t, 30*time.Second, "feedback readable by query code", func() bool {
			status(receipt.QueryCode, receipt.Secret).json(t, &followed)
			return followed.Status == schemas.ReportConcluded
		})
		if followed.Feedback != "经核查，您反映的问题不属实。感谢您的监督。" || followed.StatusTitle != "已办结" {
			t.Fatalf("followed %+v", followed)
		}

		// --- a signed phone report, transferred down, escalating to the superior ---
		phone := map[string]any{
			"channel": "phone", "subject_id": "wuyun", "subject_unit": "土默特左旗水利局", "content": "反映乌云在水利项目中收受好处。",
			"reporter": map[string]any{"name": "郝秘真", "phone": "13987654321", "address": "金桥开发区保密路88号"},
		}
		if r := h.do("POST", "/api/v1/reports", h.token("ma.lin"), phone); r.status != http.StatusForbidden {
			t.Fatalf("investigator registers: %d", r.status)
		}
		r = h.do("POST", "/api/v1/reports", h.token("he.ping"), phone, "Idempotency-Key", "call-1")
		if r.status != http.StatusCreated {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		var reg struct{ ID string }
		r.json(t, &reg)
		id2 := reg.ID
		h.complete("he.ping", h.waitTask("he.ping", id2+".accept").ID, map[string]any{"decision": "accept"})
		h.complete("bao.yin", h.waitTask("bao.yin", id2+".triage-1").ID, map[string]any{"decision": "transfer",
			"form": map[string]any{"opinion": "属旗县管理干部", "transfer_to": "150121", "instructions": "核查乌云收受好处问题，60个工作日内上报。"}})
		var transferID string
		waitFor(t, 30*time.Second, "the transfer case starts", func() bool {
			var got CaseResponse
			h.do("GET", "/api/v1/cases/"+id2, h.token("bao.yin"), nil).json(t, &got)
			if got.State.Report != nil {
				transferID = got.State.Report.TransferCaseID
			}
			return transferID != ""
		})
		// The county holds it; nobody reports back: 催办, 督办 with the county leader's task, then
		// the city's supervision office, which takes it over.
		reportBack := h.waitTask("hu.jun", transferID+".report-back-1")
		// The county sees what to verify: the instructions on its task, the report's content on
		// the case page; never who reported it.
		if len(reportBack.Spec.Notes) == 0 || !strings.Contains(reportBack.Spec.Notes[0], "核查乌云收受好处问题") {
			t.Fatalf("the county's task does not carry the instructions: %+v", reportBack.Spec.Notes)
		}
		seen := h.do("GET", "/api/v1/cases/"+transferID, h.token("hu.jun"), nil)
		var lower CaseResponse
		seen.json(t, &lower)
		if seen.status != http.StatusOK || lower.Report == nil || lower.Report.Content != "反映乌云在水利项目中收受好处。" ||
			lower.State.Transfer.Instructions == "" {
			t.Fatalf("the county's view of the transfer: %d %s", seen.status, seen.body)
		}
		for _, secret := range []string{"郝秘真", "13987654321", "保密路"} {
			if strings.Contains(string(seen.body), secret) {
				t.Fatalf("the county's view of the transfer shows the reporter (%s)", secret)
			}
		}
		escalated := h.waitTask("bao.yin", transferID+".report-back-1-escalated")
		h.complete("bao.yin", escalated.ID, map[string]any{"decision": "take_over", "form": map[string]any{"note": "逾期未报，提级办理"}})
		h.waitCase(transferID, schemas.CaseClosed)
		var duban schemas.Task
		if err := gdb.First(&duban, "id = ?", transferID+".report-back-1-duban").Error; err != nil {
			t.Fatalf("no 督办 task for the county leader: %v", err)
		}
		var urged int64
		gdb.Model(&schemas.Notification{}).Where("task_id = ? AND kind = ?", transferID+".report-back-1", "urge").Count(&urged)
		if urged == 0 {
			t.Error("no 催办 to the county office")
		}
		h.complete("ma.lin", h.waitTask("ma.lin", id2+".verify-1").ID, map[string]any{"decision": "submit", "form": map[string]any{"report": "部分属实"}})
		h.complete("bao.yin", h.waitTask("bao.yin", id2+".finding").ID, map[string]any{"decision": "partly", "form": map[string]any{"handling": "organizational", "opinion": "部分属实，组织处理"}})
		h.complete("he.ping", h.waitTask("he.ping", id2+".feedback").ID, map[string]any{"decision": "sent", "form": map[string]any{"feedback": "已电话反馈"}})
		if got := h.waitCase(id2, schemas.CaseClosed); got.State.Outcome != "部分属实；组织处理" || got.State.Report.TransferOutcome != schemas.TransferTakenOver {
			t.Fatalf("report %q %+v", got.State.Outcome, got.State.Report)
		}

		// --- the codec endpoint: the engine view, supervisors of the root office only ---
		for _, who := range []string{"ma.lin", "bao.yin", "he.ping", "hu.jun", "zhao.min"} {
			if r := h.do("POST", "/codec/decode", h.token(who), `{"payloads":[]}`); r.status != http.StatusForbidden {
				t.Fatalf("%s decodes: %d", who, r.status)
			}
		}
		var me MeResponse
		if h.do("GET", "/api/v1/me", h.token("bao.yin"), nil).json(t, &me); me.EngineView {
			t.Fatal("a city supervisor is shown the engine view")
		}
		if h.do("GET", "/api/v1/me", h.token("wang.jian"), nil).json(t, &me); !me.EngineView {
			t.Fatal("the root office's supervisor is not shown the engine view")
		}
		if r := h.do("POST", "/codec/decode", "", `{"payloads":[]}`); r.status != http.StatusUnauthorized {
			t.Fatalf("anonymous decode: %d", r.status)
		}
		if r := h.do("OPTIONS", "/codec/decode", "", nil, "Origin", "http://localhost:8233", "Access-Control-Request-Method", "POST"); r.status != http.StatusNoContent ||
			r.header.Get("Access-Control-Allow-Origin") != "http://localhost:8233" {
			t.Fatalf("preflight: %d %v", r.status, r.header)
		}
		if r := h.do("OPTIONS", "/codec/decode", "", nil, "Origin", "http://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("another origin allowed")
		}

		// --- nothing identifies the reporters: histories (raw and decoded), logs, rows ---
		bin, err := devstack.TemporalBinary(context.Background(), testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{id1, id2, transferID} {
			rawJSON, err := exec.Command(bin, "workflow", "show", "--address", dev.FrontendHostPort(), "--workflow-id", id, "--output", "json").Output()
			if err != nil {
				t.Fatalf("workflow show %s: %v", id, err)
			}
			raw := historyText(t, rawJSON)
			// Workflow inputs carry "case_id"; encrypted, no payload shows a field name.
			if strings.Contains(raw, `"case_id"`) || strings.Contains(raw, "乌云") {
				t.Errorf("%s: payloads are not encrypted", id)
			}
			decodedJSON, err := exec.Command(bin, "workflow", "show", "--address", dev.FrontendHostPort(), "--workflow-id", id, "--output", "json",
				"--codec-endpoint", h.url+"/codec", "--codec-auth", "Bearer "+h.token("wang.jian")).Output()
			if err != nil {
				t.Fatalf("workflow show %s through the codec: %v", id, err)
			}
			decoded := historyText(t, decodedJSON)
			if !strings.Contains(decoded, `"case_id"`) {
				t.Errorf("%s: the codec endpoint did not decode the history", id)
			}
			for _, secret := range reporterSecrets {
				if strings.Contains(raw, secret) || strings.Contains(decoded, secret) {
					t.Errorf("%s: history holds reporter data %q", id, secret)
				}
			}
		}
		out := logs.String()
		if !strings.Contains(out, "http request") {
			t.Fatal("no logs captured")
		}
		for _, secret := range reporterSecrets {
			if strings.Contains(out, secret) {
				t.Errorf("logs hold reporter data %q", secret)
			}
			for _, table := range []string{"audit_events", "notifications", "tasks", "cases"} {
				var n int64
				col := map[string]string{"audit_events": "detail", "notifications": "body", "tasks": "spec", "cases": "title"}[table]
				gdb.Table(table).Where(col+" LIKE ?", "%"+secret+"%").Count(&n)
				if n > 0 {
					t.Errorf("%s holds reporter data %q", table, secret)
				}
			}
		}
		var reads int64
		gdb.Model(&schemas.AuditEvent{}).Where("case_id = ? AND action = ?", id1, "report.identity_read").Count(&reads)
		if reads != 1 {
			t.Errorf("%d identity reads audited, want 1", reads)
		}
		recordHistory(t, bin, dev.FrontendHostPort(), id2)
		recordHistory(t, bin, dev.FrontendHostPort(), transferID)
	})
}

// historyText is an exported history with every payload's data decoded from base64 beside the
// JSON itself, so that a search finds what the payloads say.
func historyText(t *testing.T, exported []byte) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(exported, &doc); err != nil {
		t.Fatalf("exported history: %v", err)
	}
	var b strings.Builder
	b.Write(exported)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if data, ok := x["data"].(string); ok {
				if raw, err := base64.StdEncoding.DecodeString(data); err == nil {
					b.WriteString("\n")
					b.Write(raw)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return b.String()
}
