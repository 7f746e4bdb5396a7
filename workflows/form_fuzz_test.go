package workflows

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jiandu/jiandu/schemas"
)

// fuzzSpecs are the specs the form fuzzer checks against: one with every field type, and the
// publicity steps' own.
var fuzzSpecs = []schemas.TaskSpec{
	{
		Decisions: []schemas.Decision{{Key: "approve", Label: "同意"}, {Key: "return", Label: "退回"}, {Key: "", Label: "空键"}},
		Form: []schemas.FormField{
			{Name: "text", Type: schemas.FieldText, Required: true, MaxLen: 5},
			{Name: "area", Type: schemas.FieldTextarea, RequiredFor: []string{"return"}, MaxLen: 20},
			{Name: "flag", Type: schemas.FieldBool, RequiredFor: []string{"approve"}},
			{Name: "pick", Type: schemas.FieldSelect, Options: []string{"甲", "乙"}},
			{Name: "day", Type: schemas.FieldDate},
			{Name: "free", Type: schemas.FieldText},
		},
	},
	{
		Decisions: []schemas.Decision{{Key: "submit", Label: "提交审批"}},
		Form: []schemas.FormField{
			{Name: "notice_text", Type: schemas.FieldTextarea, Required: true, MaxLen: 10000},
			{Name: "report_channels", Type: schemas.FieldTextarea, Required: true, MaxLen: 1000},
		},
	},
	{
		Decisions: []schemas.Decision{{Key: schemas.PubProceed}, {Key: schemas.PubRefuse}, {Key: schemas.PubSuspend}},
		Form: []schemas.FormField{
			{Name: "reason", Type: schemas.FieldTextarea, RequiredFor: []string{schemas.PubRefuse, schemas.PubSuspend}, MaxLen: 2000},
			{Name: "refer_to_discipline", Type: schemas.FieldBool},
		},
	},
	{}, // a step with no decisions accepts nothing
}

var isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// FuzzValidateForm checks the complete-task validator on any decision and any JSON form (the
// form reaches the workflow as JSON decoded into map[string]any): it never panics, every issue
// names the decision, the form or one of its fields, and whatever it accepts obeys the spec.
//
//	go test -run='^$' -fuzz='^FuzzValidateForm$' -fuzztime=10m ./workflows
func FuzzValidateForm(f *testing.F) {
	for _, s := range []struct {
		spec     uint8
		decision string
		form     string
	}{
		{0, "approve", `{"text":"短","flag":true,"pick":"甲","day":"2026-10-01"}`},
		{0, "return", `{"text":"短","area":"理由"}`},
		{0, "return", `{"text":"  ","area":""}`},
		{0, "approve", `{"text":"太长了太长了","flag":"yes","pick":"丙","day":"10/01/2026","extra":1}`},
		{0, "", `{"text":"x"}`},
		{0, "approve", `{"text":null,"flag":null}`},
		{1, "submit", `{"notice_text":"经研究……","report_channels":"12380"}`},
		{1, "submit", `{"notice_text":123,"report_channels":["a"]}`},
		{2, schemas.PubRefuse, `{"refer_to_discipline":false}`},
		{2, schemas.PubProceed, `{}`},
		{3, "anything", `null`},
	} {
		f.Add(s.spec, s.decision, []byte(s.form))
	}
	f.Fuzz(func(t *testing.T, which uint8, decision string, formJSON []byte) {
		var form map[string]any
		if err := json.Unmarshal(formJSON, &form); err != nil {
			t.Skip("not a JSON object")
		}
		spec := fuzzSpecs[int(which)%len(fuzzSpecs)]
		req := schemas.CompleteTaskRequest{TaskID: "t", Decision: decision, Form: form}
		issues := validateForm(spec, req, "2026-11-30")

		for _, is := range issues {
			name, isField := strings.CutPrefix(is.Field, "form.")
			known := slices.ContainsFunc(spec.Form, func(f schemas.FormField) bool { return f.Name == name })
			if is.Message == "" || !(is.Field == "decision" || is.Field == "form" || isField && known) {
				t.Fatalf("issue %+v names no part of the request", is)
			}
		}
		if len(issues) > 0 {
			return
		}
		// Accepted: check every rule of the spec.
		if !slices.ContainsFunc(spec.Decisions, func(d schemas.Decision) bool { return d.Key == decision }) {
			t.Fatalf("accepted decision %q, not one of %+v", decision, spec.Decisions)
		}
		for name := range form {
			if !slices.ContainsFunc(spec.Form, func(f schemas.FormField) bool { return f.Name == name }) {
				t.Fatalf("accepted unknown field %q", name)
			}
		}
		for _, fd := range spec.Form {
			v, present := form[fd.Name]
			required := fd.Required || slices.Contains(fd.RequiredFor, decision)
			if !present || v == nil {
				if required {
					t.Fatalf("accepted without required field %q (decision %q)", fd.Name, decision)
				}
				continue
			}
			if fd.Type == schemas.FieldBool {
				if _, ok := v.(bool); !ok {
					t.Fatalf("accepted %q = %#v for a bool field", fd.Name, v)
				}
				continue
			}
			s, ok := v.(string)
			switch {
			case !ok:
				t.Fatalf("accepted %q = %#v for a text field", fd.Name, v)
			case required && strings.TrimSpace(s) == "":
				t.Fatalf("accepted blank required field %q", fd.Name)
			case fd.MaxLen > 0 && utf8.RuneCountInString(s) > fd.MaxLen:
				t.Fatalf("accepted %q of %d characters, max %d", fd.Name, utf8.RuneCountInString(s), fd.MaxLen)
			case fd.Type == schemas.FieldDate && s != "" && !isoDate.MatchString(s):
				t.Fatalf("accepted date %q = %q", fd.Name, s)
			case fd.Type == schemas.FieldSelect && s != "" && !slices.Contains(fd.Options, s):
				t.Fatalf("accepted %q = %q, not one of %v", fd.Name, s, fd.Options)
			}
		}
	})
}
