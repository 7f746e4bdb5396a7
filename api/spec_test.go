package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/jiandu/jiandu/internal/calendar"
)

// specRouter finds the operation of a request in api/openapi.yaml, loaded once per test binary.
var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapiSpec)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // match on paths only, whatever the test server's address
	return gorillamux.NewRouter(doc)
})

// validatedResponses counts the answers checkAgainstSpec validated (TestMain reports it).
var validatedResponses atomic.Int64

// TestMain runs the package's tests in Beijing local time, as the API runs in an office in
// China (TZ=Asia/Shanghai): a time that leaves the API without being made UTC then shows as
// +08:00, and the time check of checkAgainstSpec catches it.
func TestMain(m *testing.M) {
	time.Local = calendar.Location()
	code := m.Run()
	if n := validatedResponses.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "api: %d responses validated against openapi.yaml (status, headers, body, times)\n", n)
	}
	if missing := checkStepTables(); len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: api/openapi.yaml's step tables lack decisions the workflows offer (api/steptables_test.go):\n  %s\n",
			strings.Join(missing, "\n  "))
		code = 1
	}
	os.Exit(code)
}

// checkAgainstSpec fails t unless an answer of the API is what api/openapi.yaml documents for
// its operation: a documented status, the documented headers, a body of the documented schema,
// and every time in the body in the API's one form (apiTime). Every request the test harness
// sends goes through it, so the document cannot drift from the code.
func checkAgainstSpec(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := specViolation(req, status, header, body); err != nil {
		t.Errorf("%s %s answered %d, not as api/openapi.yaml documents: %v", req.Method, req.URL.Path, status, err)
	}
}

// specViolation is what is wrong with an answer of a documented operation (nil if nothing is, or
// if the route is not documented: a 404 walk, the web pages).
func specViolation(req *http.Request, status int, header http.Header, body []byte) error {
	router, err := specRouter()
	if err != nil {
		return fmt.Errorf("load openapi.yaml: %w", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return nil
	}
	validatedResponses.Add(1)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s; body %.300s", strings.Join(specErrors(err), "; "), body)
	}
	if strings.Contains(header.Get("Content-Type"), "json") {
		recordDecisions(body)
		if bad := badTimes(body); len(bad) > 0 {
			return fmt.Errorf("times not in the API's form (RFC 3339, UTC): %s", strings.Join(bad, ", "))
		}
	}
	return nil
}

// specErrors says briefly what each of the errors of a validation is: where in the body, and
// why (kin-openapi's own messages quote the whole schema).
func specErrors(err error) []string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, specErrors(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []string{"/" + strings.Join(se.JSONPointer(), "/") + ": " + se.Reason}
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err != nil {
		if inner := specErrors(re.Err); len(inner) > 0 {
			return inner
		}
		return []string{re.Reason + ": " + re.Err.Error()}
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return []string{msg}
}

// looksLikeTime is a string that begins like a time of day on a date: anything a client would
// parse as a time.
var looksLikeTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`)

// apiTime is the one form of a time in the API: RFC 3339 in UTC ("Z"), fractions of a second
// optional. Dates without a time of day (a calendar day, a birth month) are not times.
var apiTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$`)

// badTimes lists the time values of a JSON body that are not in the API's form, with their
// paths.
func badTimes(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var bad []string
	var walk func(string, any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if !looksLikeTime.MatchString(v) {
				return
			}
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil || !apiTime.MatchString(v) {
				bad = append(bad, fmt.Sprintf("%s=%q", path, v))
			}
		case map[string]any:
			for k, x := range v {
				if k == "detail" {
					continue // an audit event's detail is shown as recorded (see openapi.yaml)
				}
				walk(path+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		}
	}
	walk("", v)
	return bad
}

// TestSpecCheckCanFail shows that checkAgainstSpec's check catches a wrong answer: a null where
// the document says array, a missing required property, a wrong type, an undocumented status, a
// time in another zone; and passes a right one.
func TestSpecCheckCanFail(t *testing.T) {
	req := func() *http.Request { return httptestRequest(t, "GET", "/api/v1/notifications") }
	jsonHeader := http.Header{"Content-Type": []string{"application/json; charset=utf-8"}}
	good := `{"items":[{"id":1,"official_id":"wu.gang","kind":"assigned","title":"新任务","body":"起草","case_id":"publicity-2026-0001","created_at":"2026-11-02T01:00:00Z"}],"next_cursor":""}`
	if err := specViolation(req(), 200, jsonHeader, []byte(good)); err != nil {
		t.Fatalf("a right answer is refused: %v", err)
	}
	wrong := map[string]struct {
		status int
		body   string
	}{
		"null for a list":     {200, `{"items":null}`},
		"no items":            {200, `{}`},
		"a number for a text": {200, `{"items":[{"id":1,"official_id":"wu.gang","kind":"assigned","title":7,"created_at":"2026-11-02T01:00:00Z"}]}`},
		"undocumented status": {418, `{}`},
		"a time at +08:00":    {200, `{"items":[{"id":1,"official_id":"wu.gang","kind":"assigned","title":"新任务","body":"起草","case_id":"x","created_at":"2026-11-02T09:00:00+08:00"}]}`},
		"a time without zone": {200, `{"items":[{"id":1,"official_id":"wu.gang","kind":"assigned","title":"新任务","body":"起草","case_id":"x","created_at":"2026-11-02 09:00:00"}]}`},
	}
	for name, w := range wrong {
		if err := specViolation(req(), w.status, jsonHeader, []byte(w.body)); err == nil {
			t.Errorf("%s: %s passes the check", name, w.body)
		}
	}
}

func httptestRequest(t *testing.T, method, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://jiandu.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
