package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// testFileLimit is the upload limit of the test servers.
const testFileLimit = 64 << 10

// testFiles is a local (fileblob) store in a temporary directory, as `jiandu dev` has.
func testFiles(t testing.TB) FilesDeps {
	t.Helper()
	store, err := files.Open(context.Background(), files.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return FilesDeps{Store: store, MaxBytes: testFileLimit, PublicMaxBytes: testFileLimit}
}

// multipartBody is a multipart/form-data body with a file part and text fields.
func multipartBody(t *testing.T, name string, content []byte, fields ...string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

func (h *harness) upload(as, name string, content []byte, fields ...string) response {
	h.t.Helper()
	body, ctype := multipartBody(h.t, name, content, fields...)
	return h.do("POST", "/api/v1/files", h.token(as), body, "Content-Type", ctype)
}

var samplePDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n签字的书面答复")

// TestFilesEndToEnd: the cadre's signed answer to an inquiry letter, uploaded and referenced
// in the completion of their own step, over real HTTP with a real Temporal dev server and
// worker on each database, with the local blob store: the kernel refuses a wrong type and
// another official's upload (422), the upload limit is 422, an allowed official downloads it
// as an attachment, an outsider and the case's subject get 404, documents are added to the
// case outside a step and superseded, and a swapped blob is found by the check `jiandu audit
// verify` runs.
func TestFilesEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, _ := startStack(t, gdb)
		r := h.do("POST", "/api/v1/cases/inquiry", h.token("bao.yin"), map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"})
		if r.status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		var started StartedCase
		r.json(t, &started)
		id := started.ID
		h.complete("bao.yin", h.waitTask("bao.yin", id+".draft-1").ID,
			map[string]any{"decision": "submit", "form": map[string]any{"questions": "请说明在外兼职取酬情况。"}})
		h.complete("chen.jing", h.waitTask("chen.jing", id+".approve-1").ID, map[string]any{"decision": "approve"})
		answer := h.waitTask("batu", id+".answer-1")

		// Uploads: the type comes from the content, not the name; the limit is 422 on "file".
		var txt, pdf, other FileResponse
		if r := h.upload("batu", "答复.pdf", []byte("只是文字，不是PDF")); r.status != http.StatusCreated {
			t.Fatalf("upload text: %d %s", r.status, r.body)
		} else {
			r.json(t, &txt)
		}
		if txt.ContentType != "text/plain" || txt.CaseID != nil || len(txt.SHA256) != 64 {
			t.Fatalf("text upload %+v", txt)
		}
		if r := h.upload("batu", "scan.bin", samplePDF); r.status != http.StatusCreated {
			t.Fatalf("upload pdf: %d %s", r.status, r.body)
		} else {
			r.json(t, &pdf)
		}
		if pdf.ContentType != "application/pdf" || pdf.AddedBy != "batu" || pdf.AddedByName == "" {
			t.Fatalf("pdf upload %+v", pdf)
		}
		r = h.upload("batu", "big.pdf", append(append([]byte{}, samplePDF...), make([]byte, testFileLimit)...))
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "file" {
			t.Fatalf("over the limit: %d %s", r.status, r.body)
		}
		if r := h.upload("bao.yin", "other.pdf", append([]byte("%PDF-1.7\n"), "另一份"...)); r.status != http.StatusCreated {
			t.Fatalf("upload by another: %d %s", r.status, r.body)
		} else {
			r.json(t, &other)
		}

		// The kernel's rule: the type must be accepted, the file the actor's own.
		form := func(fileID string) map[string]any {
			return map[string]any{"decision": "submit", "form": map[string]any{"answer": "本人未在外兼职取酬。", "signed_answer": fileID}}
		}
		for name, c := range map[string]struct{ id, want string }{
			"wrong type":   {txt.ID, "文件类型须为"},
			"another's":    {other.ID, "不存在或不可引用"},
			"no such file": {"file-000000000000000000000000", "不存在或不可引用"},
		} {
			r := h.do("POST", "/api/v1/tasks/"+answer.ID+"/complete", h.token("batu"), form(c.id))
			p := r.problem(t)
			if r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "form.signed_answer" || !strings.Contains(p.Errors[0].Message, c.want) {
				t.Fatalf("%s: %d %s", name, r.status, r.body)
			}
		}
		h.complete("batu", answer.ID, form(pdf.ID))

		// Attached to the case with its task; the hash is in the task.completed event.
		var row schemas.File
		if err := gdb.First(&row, "id = ?", pdf.ID).Error; err != nil || row.CaseID == nil || *row.CaseID != id ||
			row.TaskID == nil || *row.TaskID != answer.ID || row.Field != "signed_answer" {
			t.Fatalf("attached row %+v (%v)", row, err)
		}
		var ev schemas.AuditEvent
		if err := gdb.Where("case_id = ? AND action = ? AND task_id = ?", id, "task.completed", answer.ID).First(&ev).Error; err != nil ||
			!strings.Contains(ev.Detail, pdf.SHA256) || strings.Contains(ev.Detail, "签字的书面答复") {
			t.Fatalf("task.completed %q (%v)", ev.Detail, err)
		}

		// Downloads: the case's readers; not an outsider, not the case's subject (回避).
		r = h.do("GET", "/api/v1/files/"+pdf.ID+"/content", h.token("bao.yin"), nil)
		if r.status != http.StatusOK || !bytes.Equal(r.body, samplePDF) ||
			!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") ||
			r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %v", r.status, r.header)
		}
		for _, who := range []string{"hu.jun", "batu"} {
			for _, path := range []string{"/api/v1/files/" + pdf.ID + "/content", "/api/v1/files/" + pdf.ID} {
				if r := h.do("GET", path, h.token(who), nil); r.status != http.StatusNotFound {
					t.Fatalf("%s reads %s: %d %s", who, path, r.status, r.body)
				}
			}
		}
		// Another's unattached upload is not there for anyone else.
		if r := h.do("GET", "/api/v1/files/"+other.ID, h.token("batu"), nil); r.status != http.StatusNotFound {
			t.Fatalf("another's upload: %d %s", r.status, r.body)
		}

		// Outside a step: the case's supervisor adds a document and supersedes it; an outsider
		// cannot; nothing is removed.
		var added, newer FileResponse
		if r := h.upload("bao.yin", "情况说明.pdf", append([]byte("%PDF-1.5\n"), "情况说明"...), "case_id", id); r.status != http.StatusCreated {
			t.Fatalf("add to case: %d %s", r.status, r.body)
		} else {
			r.json(t, &added)
		}
		if r := h.upload("bao.yin", "情况说明（修订）.pdf", append([]byte("%PDF-1.5\n"), "情况说明修订"...), "case_id", id, "supersedes", added.ID); r.status != http.StatusCreated {
			t.Fatalf("supersede: %d %s", r.status, r.body)
		} else {
			r.json(t, &newer)
		}
		if newer.Supersedes == nil || *newer.Supersedes != added.ID {
			t.Fatalf("superseding file %+v", newer)
		}
		r = h.upload("hu.jun", "x.pdf", samplePDF, "case_id", id)
		if p := r.problem(t); r.status != http.StatusUnprocessableEntity || p.Errors[0].Field != "case_id" {
			t.Fatalf("outsider adds: %d %s", r.status, r.body)
		}
		if r := h.upload("batu", "x.pdf", samplePDF, "case_id", id); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("subject adds: %d %s", r.status, r.body)
		}
		r = h.do("GET", "/api/v1/cases/"+id+"/files", h.token("bao.yin"), nil)
		var list struct{ Items []FileResponse }
		r.json(t, &list)
		if r.status != http.StatusOK || len(list.Items) != 3 || list.Items[0].ID != pdf.ID || list.Items[0].AddedBy != "batu" ||
			list.Items[2].ID != newer.ID || list.Items[2].AddedByName == "" {
			t.Fatalf("case files: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/api/v1/cases/"+id+"/files", h.token("batu"), nil); r.status != http.StatusForbidden {
			t.Fatalf("subject lists the case's files: %d %s", r.status, r.body)
		}

		// Tampering: the check `jiandu audit verify` runs finds a swapped blob, and a row
		// rewritten to match it.
		store := h.srv.files.Store
		if _, problems, err := files.Verify(context.Background(), gdb, store, id); err != nil || len(problems) != 0 {
			t.Fatalf("intact files: %v %v", problems, err)
		}
		ctx := context.Background()
		if err := store.Bucket().WriteAll(ctx, files.Key(pdf.SHA256, false), []byte("%PDF-1.4\n伪造"), nil); err != nil {
			t.Fatal(err)
		}
		_, problems, err := files.Verify(ctx, gdb, store, id)
		if err != nil || len(problems) != 1 || problems[0].FileID != pdf.ID || !strings.Contains(problems[0].Reason, "content has SHA-256") {
			t.Fatalf("swapped blob: %v %v", problems, err)
		}
		forged, err := store.Put(ctx, []byte("%PDF-1.4\n伪造"), false)
		if err != nil {
			t.Fatal(err)
		}
		gdb.Model(&schemas.File{}).Where("id = ?", pdf.ID).Update("sha256", forged.SHA256)
		_, problems, _ = files.Verify(ctx, gdb, store, id)
		if raw, _ := json.Marshal(problems); len(problems) != 1 || !strings.Contains(problems[0].Reason, "the audit trail "+pdf.SHA256) {
			t.Fatalf("rewritten row: %s", raw)
		}
	})
}
