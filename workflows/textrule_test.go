package workflows

import (
	"strings"
	"testing"

	"github.com/jiandu/jiandu/schemas"
)

// TestFormTextRule: a step form's text obeys the one text rule in the kernel too: no control
// characters, a required field is not satisfied by invisible characters, and every text field
// has a maximum (the step's, or schemas.DefaultFormTextMax).
func TestFormTextRule(t *testing.T) {
	spec := schemas.TaskSpec{
		Decisions: []schemas.Decision{{Key: "approve", Label: "同意"}},
		Form: []schemas.FormField{
			{Name: "opinion", Label: "意见", Type: schemas.FieldTextarea, Required: true, MaxLen: 100},
			{Name: "note", Label: "备注", Type: schemas.FieldText},
		},
	}
	for _, c := range []struct {
		name  string
		form  map[string]any
		field string // "" when valid
	}{
		{"valid", map[string]any{"opinion": "同意\n\t下一步"}, ""},
		{"NUL", map[string]any{"opinion": "同意\x00"}, "form.opinion"},
		{"escape in an optional field", map[string]any{"opinion": "同意", "note": "\x1b[2J"}, "form.note"},
		{"invisible only", map[string]any{"opinion": "\u200b\u202e\u2060\u3000"}, "form.opinion"},
		{"over the step's maximum", map[string]any{"opinion": strings.Repeat("长", 101)}, "form.opinion"},
		{"over the default maximum", map[string]any{"opinion": "同意", "note": strings.Repeat("长", schemas.DefaultFormTextMax+1)}, "form.note"},
	} {
		issues := validateForm(spec, schemas.CompleteTaskRequest{Decision: DecisionApprove, Form: c.form}, "2026-11-30")
		switch {
		case c.field == "" && len(issues) > 0:
			t.Errorf("%s: refused: %+v", c.name, issues)
		case c.field != "" && (len(issues) != 1 || issues[0].Field != c.field):
			t.Errorf("%s: issues %+v, want one on %s", c.name, issues, c.field)
		}
	}
}
