package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/demo"
	"github.com/jiandu/jiandu/internal/devstack"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
)

// chromium finds the browser the browser tests drive: JIANDU_CHROMIUM, or Debian's chromium.
func chromium(t *testing.T) string {
	if p := os.Getenv("JIANDU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found (apt-get install chromium, or set JIANDU_CHROMIUM): browser tests skipped")
	return ""
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// webStack is the whole stack for a browser: a Temporal dev server with its UI under
// /temporal and payload encryption, a worker, and the API (web inbox, /temporal/ proxy, /codec)
// over real HTTP.
type webStack struct {
	base string
	db   *gorm.DB
}

func startWebStack(t *testing.T, gdb *gorm.DB) *webStack {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts a Temporal dev server with its UI")
	}
	ring, err := secrets.Parse(e2eReporterKey)
	if err != nil {
		t.Fatal(err)
	}
	// The API's address comes first: the UI calls its /codec from the browser, same origin.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	uiPort := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := devstack.TemporalBinary(ctx, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := devstack.Start(ctx, devstack.Options{
		Binary: bin, Namespace: "default", UIPort: uiPort, UIPublicPath: "/temporal",
		UICodecEndpoint: base + "/codec", Output: os.Stderr, Logger: testenv.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Stop() })
	if err := temporalconn.EnsureSearchAttributes(ctx, dev.Client(), "default"); err != nil {
		t.Fatal(err)
	}
	tc, err := client.Dial(client.Options{HostPort: dev.FrontendHostPort(), Namespace: "default", DataConverter: codec.DataConverter(ring), Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	queue := "web-" + strings.ReplaceAll(t.Name(), "/", "-")
	w := worker.New(tc, queue, &activities.Activities{DB: gdb, Logger: testenv.Logger(t)})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	store, err := files.Open(ctx, files.Config{DataDir: t.TempDir()}, ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	srv := New(Deps{
		DB: gdb, Temporal: tc, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(), MaxBodyBytes: 1 << 20, TaskQueue: queue,
		Files:   FilesDeps{Store: store, MaxBytes: testFileLimit},
		Reports: ReportDeps{ReporterKeys: ring, PayloadCodec: codec.New(ring)},
		Web:     WebDeps{TemporalUIURL: fmt.Sprintf("http://127.0.0.1:%d", uiPort), Namespace: "default"},
	})
	ts := httptest.NewUnstartedServer(srv.Handler())
	_ = ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &webStack{base: base, db: gdb}
}

// browser is one headless chromium at 1366x768.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1366, 768),
		chromedp.Flag("lang", "zh-CN"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(cancelT)
	if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(1366, 768, 1, false)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var url, body string
		_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &body))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, url, body)
	}
}

// screenshot saves the viewport to $JIANDU_SCREENSHOTS/name when that is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("JIANDU_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	run(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pageText is the visible text of the page.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	var s string
	run(t, ctx, "read the page", chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &s))
	return s
}

// waitText reloads url until its text holds want.
func waitText(t *testing.T, ctx context.Context, url, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		run(t, ctx, "open "+url, chromedp.Navigate(url))
		text := pageText(t, ctx)
		if strings.Contains(text, want) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q on %s; the page says:\n%s", want, url, text)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// login signs in with the keyboard: type, Tab, type, Enter.
func login(t *testing.T, ctx context.Context, base, id, password string) {
	t.Helper()
	run(t, ctx, "log in as "+id,
		chromedp.Navigate(base+"/web/login"),
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.SendKeys("#username", id+kb.Tab, chromedp.ByID),
		chromedp.SendKeys("#password", password+kb.Enter, chromedp.ByID),
		chromedp.WaitVisible("#logout", chromedp.ByID),
	)
}

func logout(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "log out", chromedp.Navigate(base+"/web/"), chromedp.Click("#logout", chromedp.ByID), chromedp.WaitVisible("#username", chromedp.ByID))
}

// TestBrowserPublicityFromTheInbox is the front door end to end, in a real browser against a
// real dev server: the cadre section starts a publicity case from the web and meets Chinese
// validation messages on a bad start form and a bad task form; the leader approves it from the
// inbox; a root-office supervisor opens the case in the proxied Temporal UI and reads its
// Chinese summary (decoded through /codec with the session, not ciphertext); a county
// supervisor gets 403 there. The root supervisor also reads a cadre's supervision file.
func TestBrowserPublicityFromTheInbox(t *testing.T) {
	chromium(t)
	gdb := testenv.Open(t, testenv.DatabaseURL(t, "sqlite"))
	if err := schemas.Migrate(gdb); err != nil {
		t.Fatal(err)
	}
	seedDemo(t, gdb)
	st := startWebStack(t, gdb)
	for _, id := range []string{"wu.gang", "chen.jing", "wang.jian", "hu.jun"} {
		setPassword(t, gdb, id, "browser-"+id, false)
	}
	ctx := browser(t)
	base := st.base

	// --- the cadre section starts a publicity case ---
	login(t, ctx, base, "wu.gang", "browser-wu.gang")
	run(t, ctx, "open the start form", chromedp.Navigate(base+"/web/start/publicity"), chromedp.WaitVisible("#publicity-form", chromedp.ByID))
	// A bad form: no title, no candidate, a birth date that is no month.
	run(t, ctx, "submit a bad start form",
		chromedp.SetValue("#f-candidates-0-birth_date", "1980年", chromedp.ByID),
		chromedp.SetValue("#f-candidates-0-name", "张三", chromedp.ByID),
		chromedp.Click("#publicity-submit", chromedp.ByID),
		chromedp.WaitVisible("#form-error", chromedp.ByID),
	)
	var titleErr, birthErr string
	run(t, ctx, "read the validation messages",
		chromedp.Text("#err-f-title", &titleErr, chromedp.ByID),
		chromedp.Text("#err-f-candidates-0-birth_date", &birthErr, chromedp.ByID),
	)
	if titleErr != "必填，1至200个字符" || !strings.Contains(birthErr, "出生年月须为YYYY-MM格式") {
		t.Fatalf("start form messages: title %q, birth date %q", titleErr, birthErr)
	}
	title := "关于张三同志任职前公示（网页）"
	run(t, ctx, "submit the start form",
		chromedp.SetValue("#f-title", title, chromedp.ByID),
		chromedp.SetValue("#f-candidates-0-birth_date", "1980-05", chromedp.ByID),
		chromedp.SetValue("#f-candidates-0-current_post", "市教育局副局长", chromedp.ByID),
		chromedp.SetValue("#f-candidates-0-proposed_post", "市教育局局长", chromedp.ByID),
		chromedp.Click("#publicity-submit", chromedp.ByID),
		chromedp.WaitVisible("#case-id", chromedp.ByID),
	)
	var caseID string
	run(t, ctx, "read the case id", chromedp.Text("#case-id", &caseID, chromedp.ByID))
	if !strings.HasPrefix(caseID, "publicity-") {
		t.Fatalf("case id %q", caseID)
	}
	var row schemas.Case
	if err := gdb.Take(&row, "id = ?", caseID).Error; err != nil || row.Title != title || row.CreatedBy != "wu.gang" {
		t.Fatalf("case row %+v %v", row, err)
	}

	// The draft task: a bad form first (the notice left empty), then the real one.
	draft := caseID + ".draft-1"
	waitText(t, ctx, base+"/web/", title, 60*time.Second)
	run(t, ctx, "open the draft task", chromedp.Navigate(base+"/web/tasks/"+draft), chromedp.WaitVisible("#task-form", chromedp.ByID))
	run(t, ctx, "submit the draft without the notice",
		chromedp.Click("#decision-submit", chromedp.ByID),
		chromedp.SetValue("#f-form-report_channels", "电话：0471-12380", chromedp.ByID),
		chromedp.Click("#task-submit", chromedp.ByID),
		chromedp.WaitVisible("#err-f-form-notice_text", chromedp.ByID),
	)
	var noticeErr string
	run(t, ctx, "read the task validation", chromedp.Text("#err-f-form-notice_text", &noticeErr, chromedp.ByID))
	if noticeErr != "必填" {
		t.Fatalf("task form message %q", noticeErr)
	}
	screenshot(t, ctx, "task-form.png")
	run(t, ctx, "submit the draft",
		chromedp.SetValue("#f-form-notice_text", "经市委研究，拟任命张三同志为市教育局局长，现予公示。", chromedp.ByID),
		chromedp.Click("#task-submit", chromedp.ByID),
		chromedp.WaitVisible("#inbox", chromedp.ByID),
	)
	if text := pageText(t, ctx); !strings.Contains(text, "已办理") {
		t.Fatalf("after the draft:\n%s", text)
	}
	logout(t, ctx, base)

	// --- the leader approves it from the inbox ---
	login(t, ctx, base, "chen.jing", "browser-chen.jing")
	approve := caseID + ".approve-1"
	waitText(t, ctx, base+"/web/", title, 60*time.Second)
	screenshot(t, ctx, "inbox.png")
	run(t, ctx, "phone width", emulation.SetDeviceMetricsOverride(390, 844, 2, true))
	run(t, ctx, "inbox at phone width", chromedp.Navigate(base+"/web/"), chromedp.WaitVisible("#inbox", chromedp.ByID))
	screenshot(t, ctx, "inbox-phone.png")
	run(t, ctx, "back to 1366x768", emulation.SetDeviceMetricsOverride(1366, 768, 1, false))
	// Claim it (the leaders of the unit no longer see it), hand it back, then approve.
	run(t, ctx, "claim the approval from the inbox",
		chromedp.Navigate(base+"/web/"),
		chromedp.Click(`a[href="/web/tasks/`+approve+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#task-form", chromedp.ByID),
		chromedp.Click("#claim", chromedp.ByID),
		chromedp.WaitVisible("#unclaim", chromedp.ByID),
	)
	var claimed schemas.Task
	if err := gdb.Take(&claimed, "id = ?", approve).Error; err != nil || claimed.ClaimedBy == nil || *claimed.ClaimedBy != "chen.jing" {
		t.Fatalf("after claim: %+v %v", claimed, err)
	}
	run(t, ctx, "unclaim", chromedp.Click("#unclaim", chromedp.ByID), chromedp.WaitVisible("#claim", chromedp.ByID))
	if err := gdb.Take(&claimed, "id = ?", approve).Error; err != nil || claimed.ClaimedBy != nil {
		t.Fatalf("after unclaim: %+v %v", claimed, err)
	}
	run(t, ctx, "approve",
		chromedp.WaitVisible("#task-form", chromedp.ByID),
		chromedp.Click("#decision-approve", chromedp.ByID),
		chromedp.Click("#task-submit", chromedp.ByID),
		chromedp.WaitVisible("#inbox", chromedp.ByID),
	)
	var task schemas.Task
	if err := gdb.Take(&task, "id = ?", approve).Error; err != nil || task.Status != schemas.TaskCompleted || task.Decision != "approve" ||
		task.CompletedBy == nil || *task.CompletedBy != "chen.jing" {
		t.Fatalf("approve task after the browser: %+v %v", task, err)
	}
	text := waitText(t, ctx, base+"/web/cases/"+caseID, "公示", 30*time.Second)
	if !strings.Contains(text, "审计记录") || !strings.Contains(text, "哈希链校验通过") {
		t.Fatalf("case page:\n%s", text)
	}
	screenshot(t, ctx, "case.png")
	logout(t, ctx, base)

	// --- a root-office supervisor reads the case in the Temporal UI, decoded ---
	login(t, ctx, base, "wang.jian", "browser-wang.jian")
	waitText(t, ctx, base+"/web/cases/"+caseID, "在流程引擎中查看", 10*time.Second)
	run(t, ctx, "follow the link to the Temporal UI", chromedp.Click(`//a[text()="在流程引擎中查看"]`, chromedp.BySearch))
	deadline := time.Now().Add(90 * time.Second)
	for {
		text = pageText(t, ctx)
		if strings.Contains(text, title) {
			break
		}
		if time.Now().After(deadline) {
			var url string
			_ = chromedp.Run(ctx, chromedp.Location(&url))
			t.Fatalf("the Temporal UI at %s never showed the Chinese summary %q:\n%s", url, title, text)
		}
		time.Sleep(time.Second)
	}
	var url string
	run(t, ctx, "where", chromedp.Location(&url))
	if !strings.HasPrefix(url, base+"/temporal/namespaces/default/workflows/"+caseID) {
		t.Fatalf("the UI is at %s", url)
	}
	time.Sleep(time.Second) // let the page settle for the picture
	screenshot(t, ctx, "temporal-ui.png")

	// --- the same supervisor reads a cadre's supervision file ---
	seed := seedCadreFile(t, gdb)
	text = waitText(t, ctx, base+"/web/officials/batu/file", "干部监督档案：巴图", 10*time.Second)
	for _, want := range []string{"诫勉对象", "被反映人", "认定：属实", "诫勉影响期", seed.admonishment} {
		if !strings.Contains(text, want) {
			t.Fatalf("file page lacks %q:\n%s", want, text)
		}
	}
	noReporter(t, "the file page", text)
	screenshot(t, ctx, "cadre-file.png")
	logout(t, ctx, base)

	// --- a county supervisor: 403 ---
	login(t, ctx, base, "hu.jun", "browser-hu.jun")
	run(t, ctx, "county supervisor opens the UI", chromedp.Navigate(base+"/temporal/namespaces/default/workflows/"+caseID))
	if text := pageText(t, ctx); !strings.Contains(text, "无权访问") || strings.Contains(text, title) {
		t.Fatalf("county supervisor in the Temporal UI:\n%s", text)
	}

	// The same over plain HTTP: the status codes, and no session at all.
	w := newWebClient(t, base)
	if res, _ := w.get("/temporal/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/web/login?next=") {
		t.Fatalf("no session: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	w.login("hu.jun", "browser-hu.jun")
	if res, body := w.get("/temporal/"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "无权访问") {
		t.Fatalf("county supervisor: %d", res.StatusCode)
	}
	w = newWebClient(t, base)
	w.login("wang.jian", "browser-wang.jian")
	if res, _ := w.get("/temporal/"); res.StatusCode != http.StatusOK {
		t.Fatalf("root supervisor: %d", res.StatusCode)
	}
	// The UI may read only.
	if res, _ := w.post("/temporal/api/v1/namespaces/default/workflows/"+caseID+"/terminate", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a write through the proxy: %d", res.StatusCode)
	}
}

func seedDemo(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	if err := demo.Seed(gdb); err != nil {
		t.Fatal(err)
	}
}
