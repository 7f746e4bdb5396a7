package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// webAPI sends a JSON request to the REST API with the web client's session and CSRF token.
func webAPI(t *testing.T, w *webClient, method, path string, body any) (int, string) {
	t.Helper()
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = nil
	}
	res, out := w.api(method, path, string(raw), w.csrf("/web/"))
	return res.StatusCode, out
}

// webWaitTask waits until the web client's official sees the task.
func webWaitTask(t *testing.T, w *webClient, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if res, _ := w.get("/api/v1/tasks/" + id); res.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s never appeared", id)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestBrowserDocuments is issue 18 in the web inbox, in a real browser against a real dev
// server: the cadre answering an inquiry letter meets the upload control of the signed answer
// (accepted types and size limit in Chinese), picks a text file first (the kernel refuses its
// type and the form comes back with the message), then the PDF scan, and completes the step;
// the supervisor sees the scan on the case page with who added it and when, downloads it, adds
// a document with the case page's form and replaces it with a new version (marked 已被替换).
func TestBrowserDocuments(t *testing.T) {
	chromium(t)
	gdb := testenv.Open(t, testenv.DatabaseURL(t, "sqlite"))
	if err := schemas.Migrate(gdb); err != nil {
		t.Fatal(err)
	}
	seedDemo(t, gdb)
	st := startWebStack(t, gdb)
	for _, id := range []string{"bao.yin", "chen.jing", "batu"} {
		setPassword(t, gdb, id, "browser-"+id, false)
	}
	base := st.base

	// The letter is drafted and approved over the REST API with the web sessions.
	sup := newWebClient(t, base)
	sup.login("bao.yin", "browser-bao.yin")
	status, body := webAPI(t, sup, "POST", "/api/v1/cases/inquiry", map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"})
	if status != http.StatusCreated {
		t.Fatalf("start: %d %s", status, body)
	}
	var started StartedCase
	_ = json.Unmarshal([]byte(body), &started)
	id := started.ID
	webWaitTask(t, sup, id+".draft-1")
	if status, body := webAPI(t, sup, "POST", "/api/v1/tasks/"+id+".draft-1/complete",
		map[string]any{"decision": "submit", "form": map[string]any{"questions": "请说明在外兼职取酬情况。"}}); status != http.StatusOK {
		t.Fatalf("draft: %d %s", status, body)
	}
	leader := newWebClient(t, base)
	leader.login("chen.jing", "browser-chen.jing")
	webWaitTask(t, leader, id+".approve-1")
	if status, body := webAPI(t, leader, "POST", "/api/v1/tasks/"+id+".approve-1/complete", map[string]any{"decision": "approve"}); status != http.StatusOK {
		t.Fatalf("approve: %d %s", status, body)
	}

	dir := t.TempDir()
	scan, text := filepath.Join(dir, "签字答复.pdf"), filepath.Join(dir, "答复.pdf")
	if err := os.WriteFile(scan, samplePDF, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte("只是文字，不是PDF"), 0o600); err != nil {
		t.Fatal(err)
	}

	// --- the cadre answers with the signed scan ---
	ctx := browser(t)
	login(t, ctx, base, "batu", "browser-batu")
	answer := id + ".answer-1"
	waitText(t, ctx, base+"/web/tasks/"+answer, "签字的书面答复", 60*time.Second)
	var hint string
	run(t, ctx, "read the upload hint", chromedp.WaitVisible("#f-form-signed_answer", chromedp.ByID), chromedp.Text("#hint-f-form-signed_answer", &hint, chromedp.ByID))
	if !strings.Contains(hint, "PDF、JPEG图片、PNG图片") || !strings.Contains(hint, "20 MB") {
		t.Fatalf("upload hint %q", hint)
	}
	run(t, ctx, "answer with a text file",
		chromedp.Click("#decision-submit", chromedp.ByID),
		chromedp.SetValue("#f-form-answer", "本人未在外兼职取酬。", chromedp.ByID),
		chromedp.SetUploadFiles("#f-form-signed_answer", []string{text}, chromedp.ByID),
		chromedp.Click("#task-submit", chromedp.ByID),
		chromedp.WaitVisible("#err-f-form-signed_answer", chromedp.ByID),
	)
	var typeErr string
	run(t, ctx, "read the type message", chromedp.Text("#err-f-form-signed_answer", &typeErr, chromedp.ByID))
	if !strings.Contains(typeErr, "文件类型须为") || !strings.Contains(typeErr, "text/plain") {
		t.Fatalf("wrong type message %q", typeErr)
	}
	run(t, ctx, "choose the scan", chromedp.SetUploadFiles("#f-form-signed_answer", []string{scan}, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("f-form-answer").scrollIntoView({block: "start"})`, nil))
	screenshot(t, ctx, "task-upload.png")
	run(t, ctx, "answer with the scan",
		chromedp.Click("#task-submit", chromedp.ByID),
		chromedp.WaitVisible("#inbox", chromedp.ByID),
	)
	var done schemas.Task
	if err := gdb.Take(&done, "id = ?", answer).Error; err != nil || done.Status != schemas.TaskCompleted {
		t.Fatalf("answer task after the browser: %+v %v", done, err)
	}
	var row schemas.File
	if err := gdb.Take(&row, "case_id = ? AND field = ?", id, "signed_answer").Error; err != nil ||
		row.Name != "签字答复.pdf" || row.ContentType != "application/pdf" || row.AddedBy != "batu" || row.TaskID == nil || *row.TaskID != answer {
		t.Fatalf("the scan's row %+v %v", row, err)
	}
	logout(t, ctx, base)

	// --- the supervisor reads it on the case page, adds a document and replaces it ---
	login(t, ctx, base, "bao.yin", "browser-bao.yin")
	page := waitText(t, ctx, base+"/web/cases/"+id, "签字答复.pdf", 30*time.Second)
	for _, want := range []string{"巴图", "事项 " + answer, "有效"} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page lacks %q:\n%s", want, page)
		}
	}
	var href string
	var ok bool
	run(t, ctx, "the download link", chromedp.AttributeValue(`#file-`+row.ID+` a[download]`, "href", &href, &ok, chromedp.ByQuery))
	if res, got := sup.get(href); res.StatusCode != http.StatusOK || !bytes.Equal([]byte(got), samplePDF) ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download %s: %d %v", href, res.StatusCode, res.Header)
	}
	note := filepath.Join(dir, "情况说明.pdf")
	if err := os.WriteFile(note, append([]byte("%PDF-1.5\n"), "情况说明"...), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "add a document",
		chromedp.SetUploadFiles("#add-file-input", []string{note}, chromedp.ByID),
		chromedp.Click("#add-file-submit", chromedp.ByID),
		chromedp.WaitVisible(`//div[@class="flash" and contains(., "已添加文件")]`, chromedp.BySearch),
	)
	var added schemas.File
	if err := gdb.Take(&added, "case_id = ? AND name = ?", id, "情况说明.pdf").Error; err != nil || added.AddedBy != "bao.yin" || added.TaskID != nil {
		t.Fatalf("added document %+v %v", added, err)
	}
	if err := os.WriteFile(note, append([]byte("%PDF-1.5\n"), "情况说明（修订）"...), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "replace it",
		chromedp.SetUploadFiles("#add-file-input", []string{note}, chromedp.ByID),
		chromedp.SetValue("#add-file-supersedes", added.ID, chromedp.ByID),
		chromedp.Click("#add-file-submit", chromedp.ByID),
		chromedp.WaitVisible(`#case-files tr:nth-child(3)`, chromedp.ByQuery),
	)
	var superseded string
	run(t, ctx, "read the replaced row", chromedp.Text("#file-"+added.ID, &superseded, chromedp.ByID))
	if !strings.Contains(superseded, "已被替换") {
		t.Fatalf("replaced document row %q", superseded)
	}
	run(t, ctx, "scroll to the documents", chromedp.ScrollIntoView("#files", chromedp.ByID))
	screenshot(t, ctx, "case-files.png")
}
