package workflows

import (
	"strings"
	"testing"

	"github.com/jiandu/jiandu/schemas"
)

// TestFileReferenceRule: the kernel's rule for a file field (validateFiles): the file exists,
// is the actor's own unattached upload or already this case's, has an accepted type and fits
// the field's limit; the accepted references are what closeTask attaches.
func TestFileReferenceRule(t *testing.T) {
	spec := schemas.TaskSpec{Form: []schemas.FormField{
		{Name: "scan", Type: schemas.FieldFile, Accept: schemas.ScanTypes, MaxBytes: 1000},
		{Name: "any", Type: schemas.FieldFile},
	}}
	sha := strings.Repeat("a", 64)
	refs := []schemas.FileRef{
		{ID: "f-mine", SHA256: sha, Size: 10, ContentType: "application/pdf", AddedBy: "batu"},
		{ID: "f-case", SHA256: sha, Size: 10, ContentType: "image/png", AddedBy: "bao.yin", CaseID: "inquiry-2026-0001"},
		{ID: "f-other-case", SHA256: sha, Size: 10, ContentType: "application/pdf", AddedBy: "batu", CaseID: "inquiry-2026-0002"},
		{ID: "f-theirs", SHA256: sha, Size: 10, ContentType: "application/pdf", AddedBy: "bao.yin"},
		{ID: "f-text", SHA256: sha, Size: 10, ContentType: "text/plain", AddedBy: "batu"},
		{ID: "f-big", SHA256: sha, Size: 1001, ContentType: "application/pdf", AddedBy: "batu"},
		{ID: "f-huge", SHA256: sha, Size: schemas.DefaultFileMaxBytes + 1, ContentType: "text/plain", AddedBy: "batu"},
	}
	for _, c := range []struct {
		field, id, want string
	}{
		{"scan", "f-mine", ""},
		{"scan", "f-case", ""},
		{"scan", "f-other-case", "不存在或不可引用"},
		{"scan", "f-theirs", "不存在或不可引用"},
		{"scan", "f-unknown", "不存在或不可引用"},
		{"scan", "f-text", "文件类型须为application/pdf、image/jpeg、image/png"},
		{"scan", "f-big", "不得超过1000字节"},
		{"any", "f-text", ""},
		{"any", "f-huge", "不得超过20971520字节"},
	} {
		req := schemas.CompleteTaskRequest{Actor: schemas.Actor{ID: "batu"}, Form: map[string]any{c.field: c.id}, Files: refs}
		issues := validateFiles(spec, req, "inquiry-2026-0001")
		switch {
		case c.want == "" && len(issues) != 0:
			t.Errorf("%s=%s refused: %v", c.field, c.id, issues)
		case c.want != "" && (len(issues) != 1 || issues[0].Field != "form."+c.field || !strings.Contains(issues[0].Message, c.want)):
			t.Errorf("%s=%s: %v, want %q", c.field, c.id, issues, c.want)
		}
	}
	req := schemas.CompleteTaskRequest{Actor: schemas.Actor{ID: "batu"}, Form: map[string]any{"scan": "f-mine", "any": "f-case"}, Files: refs}
	got := referencedFiles(spec, &req)
	if len(got) != 2 || got[0].ID != "f-mine" || got[0].Field != "scan" || got[1].Field != "any" {
		t.Fatalf("referenced %+v", got)
	}
}
