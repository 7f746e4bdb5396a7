package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// TestFilesPublicChannelAndTransfer is 12380 material over real HTTP with a real Temporal dev
// server and worker on each database, with the local blob store: the reporter's web upload is
// stored sealed (the raw blob is not the plaintext, no plain blob exists), a text file is 422,
// the per-report cap is 409 and the address's bucket 429. The report is transferred down (P7):
// the county reads the report's material through its transfer case and downloads it, with no
// reporter identity anywhere in what it gets; the county's report-back document is listed on
// the upper report case. Last, a report case's step refuses a caseless upload (it is stored in
// the clear), so 12380 material is sealed whichever way it arrives.
func TestFilesPublicChannelAndTransfer(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		ctx := context.Background()
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
		store, err := files.Open(ctx, files.Config{DataDir: t.TempDir()}, ring)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		h := newHarness(t, gdb, dev.Client())
		h.srv = New(Deps{DB: gdb, Temporal: dev.Client(), Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
			MaxBodyBytes: 1 << 20, TaskQueue: queue,
			Files:   FilesDeps{Store: store, MaxBytes: testFileLimit, PublicMaxBytes: testFileLimit, PublicMaxFiles: 2},
			Reports: ReportDeps{ReporterKeys: ring, SubmitLimit: RateLimit{Burst: 6, Per: time.Hour}}})
		h = newServerFor(t, h)

		reporter := map[string]any{"phone": "15800002222", "address": "赛罕区保密巷9号", "name": "匿名者甲"}
		r := h.do("POST", "/public/v1/reports", "", map[string]any{
			"org_unit_id": "150100", "subject_name": "乌云", "subject_unit": "土默特左旗水利局",
			"content": "反映乌云在水利项目中收受好处。", "reporter": reporter,
		})
		if r.status != http.StatusCreated {
			t.Fatalf("web report: %d %s", r.status, r.body)
		}
		var receipt PublicReportReceipt
		r.json(t, &receipt)
		var report schemas.Report
		if err := gdb.First(&report, "query_code = ?", receipt.QueryCode).Error; err != nil {
			t.Fatal(err)
		}
		publicUpload := func(name string, content []byte) response {
			body, ctype := multipartBody(t, name, content)
			return h.do("POST", "/public/v1/reports/"+receipt.QueryCode+"/files", "", body, "Content-Type", ctype, secretHeader, receipt.Secret)
		}

		// A text file: 422 on file (2nd request of the bucket).
		if r := publicUpload("说明.txt", []byte("只是文字")); r.status != http.StatusUnprocessableEntity || r.problem(t).Errors[0].Field != "file" {
			t.Fatalf("text file: %d %s", r.status, r.body)
		}
		// Two scans: received and sealed at rest.
		evidence := append([]byte("%PDF-1.4\n"), "收受好处的转账凭证：乌云 20万元"...)
		photo := append([]byte("\x89PNG\r\n\x1a\n"), "现场照片"...)
		for _, f := range []struct {
			name string
			data []byte
		}{{"凭证.pdf", evidence}, {"照片.png", photo}} {
			if r := publicUpload(f.name, f.data); r.status != http.StatusCreated {
				t.Fatalf("upload %s: %d %s", f.name, r.status, r.body)
			}
		}
		var stored schemas.File
		if err := gdb.First(&stored, "report_id = ? AND name = ?", report.ID, "凭证.pdf").Error; err != nil ||
			!stored.Sealed || stored.CaseID == nil || *stored.CaseID != report.ID || stored.AddedBy != "public" || stored.ContentType != "application/pdf" {
			t.Fatalf("stored row %+v (%v)", stored, err)
		}
		raw, err := store.Bucket().ReadAll(ctx, files.Key(stored.SHA256, true))
		if err != nil || bytes.Contains(raw, []byte("收受好处")) || bytes.Contains(raw, []byte("%PDF")) {
			t.Fatalf("the sealed blob holds the plaintext (%v):\n%q", err, raw)
		}
		if ok, _ := store.Bucket().Exists(ctx, files.Key(stored.SHA256, false)); ok {
			t.Fatal("a plain blob of the reporter's file exists")
		}
		// The cap (2 files) is 409; then the address's bucket (6) is spent: 429.
		if r := publicUpload("第三份.pdf", samplePDF); r.status != http.StatusConflict {
			t.Fatalf("over the cap: %d %s", r.status, r.body)
		}
		if r := publicUpload("第四份.pdf", samplePDF); r.status != http.StatusConflict {
			t.Fatalf("over the cap again: %d %s", r.status, r.body)
		}
		if r := publicUpload("第五份.pdf", samplePDF); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("flood: %d %s", r.status, r.body)
		}

		// --- transferred down to the county (P7) ---
		id := report.ID
		h.complete("he.ping", h.waitTask("he.ping", id+".accept").ID, map[string]any{"decision": "accept"})
		h.complete("bao.yin", h.waitTask("bao.yin", id+".triage-1").ID, map[string]any{"decision": "transfer",
			"form": map[string]any{"opinion": "属旗县管理干部", "transfer_to": "150121", "instructions": "核查乌云收受好处问题，60个工作日内上报。"}})
		var transferID string
		waitFor(t, 30*time.Second, "the transfer case starts", func() bool {
			var got CaseResponse
			h.do("GET", "/api/v1/cases/"+id, h.token("bao.yin"), nil).json(t, &got)
			if got.State.Report != nil {
				transferID = got.State.Report.TransferCaseID
			}
			return transferID != ""
		})
		reportBack := h.waitTask("hu.jun", transferID+".report-back-1")
		noIdentity := func(what string, body []byte) {
			t.Helper()
			for _, v := range reporter {
				if bytes.Contains(body, []byte(v.(string))) {
					t.Fatalf("%s shows the reporter's %q: %s", what, v, body)
				}
			}
		}
		r = h.do("GET", "/api/v1/cases/"+transferID+"/files", h.token("hu.jun"), nil)
		var list struct{ Items []FileResponse }
		r.json(t, &list)
		if r.status != http.StatusOK || len(list.Items) != 2 || list.Items[0].ID != stored.ID {
			t.Fatalf("the county's documents: %d %s", r.status, r.body)
		}
		noIdentity("the county's list", r.body)
		for _, path := range []string{"/api/v1/files/" + stored.ID, "/api/v1/files/" + stored.ID + "/content"} {
			r := h.do("GET", path, h.token("hu.jun"), nil)
			if r.status != http.StatusOK {
				t.Fatalf("the county reads %s: %d %s", path, r.status, r.body)
			}
			noIdentity(path, r.body)
			if strings.HasSuffix(path, "/content") && !bytes.Equal(r.body, evidence) {
				t.Fatalf("the county's download is not the material: %q", r.body)
			}
		}
		if r := h.do("GET", "/api/v1/reports/"+id, h.token("hu.jun"), nil); r.status != http.StatusNotFound {
			t.Fatalf("the county reads the report: %d", r.status)
		}

		// The county reports back with a document; it is listed on the report case above.
		var note FileResponse
		if r := h.upload("hu.jun", "核查笔录.pdf", append([]byte("%PDF-1.6\n"), "谈话笔录"...)); r.status != http.StatusCreated {
			t.Fatalf("county upload: %d %s", r.status, r.body)
		} else {
			r.json(t, &note)
		}
		h.complete("hu.jun", reportBack.ID, map[string]any{"decision": schemas.FindingPartly,
			"form": map[string]any{"report": "经核查，部分属实。", "documents": note.ID}})
		r = h.do("GET", "/api/v1/cases/"+id+"/files", h.token("bao.yin"), nil)
		list.Items = nil
		r.json(t, &list)
		var up *FileResponse
		for i := range list.Items {
			if list.Items[i].ID == note.ID {
				up = &list.Items[i]
			}
		}
		if r.status != http.StatusOK || len(list.Items) != 3 || up == nil || up.CaseID == nil || *up.CaseID != transferID || up.AddedBy != "hu.jun" {
			t.Fatalf("the report case's documents: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/api/v1/files/"+note.ID+"/content", h.token("bao.yin"), nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte("谈话笔录")) {
			t.Fatalf("the city downloads the report-back document: %d", r.status)
		}

		// A report case's step refuses a caseless (plain) upload; a sealed file of the case, or
		// a caseless upload on another kind of case, passes to the kernel's rule.
		var caseless FileResponse
		h.upload("bao.yin", "补充.pdf", samplePDF).json(t, &caseless)
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/", nil)
		step := &TaskResponse{Task: schemas.Task{CaseID: id, CaseKind: schemas.KindReport, Spec: schemas.TaskSpec{Form: []schemas.FormField{
			{Name: "evidence", Type: schemas.FieldFile}}}}}
		_, err = h.srv.resolveFiles(c, step, map[string]any{"evidence": caseless.ID})
		var pe *problemError
		if !errors.As(err, &pe) || pe.kind.status != http.StatusUnprocessableEntity || len(pe.fields) != 1 || pe.fields[0].Field != "form.evidence" ||
			!strings.Contains(pe.fields[0].Message, "加密保存") {
			t.Fatalf("a caseless upload on a report step: %v", err)
		}
		if refs, err := h.srv.resolveFiles(c, step, map[string]any{"evidence": stored.ID}); err != nil || len(refs) != 1 {
			t.Fatalf("the report's sealed file: %v %v", refs, err)
		}
		step.CaseKind = schemas.KindInquiry
		if refs, err := h.srv.resolveFiles(c, step, map[string]any{"evidence": caseless.ID}); err != nil || len(refs) != 1 {
			t.Fatalf("a caseless upload elsewhere: %v %v", refs, err)
		}
	})
}
