package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestAuditVerifyFiles: `jiandu audit verify` checks the documents' blobs (JIANDU_BLOB_URL)
// against the SHA-256 the audit trail recorded when each was attached, and fails on a swapped
// blob.
func TestAuditVerifyFiles(t *testing.T) {
	bin := buildJiandu(t)
	testenv.ForEachDialect(t, func(t *testing.T, gdb *gorm.DB, url string) {
		dir := t.TempDir()
		env := []string{"JIANDU_BLOB_URL=file://" + dir}
		ctx := context.Background()
		store, err := files.Open(ctx, files.Config{URL: "file://" + dir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		b, err := store.Put(ctx, []byte("%PDF-1.4\n交接清单"), false)
		if err != nil {
			t.Fatal(err)
		}
		caseID := "departure_audit-2026-0001"
		f := schemas.File{ID: files.NewID(), SHA256: b.SHA256, Size: b.Size, ContentType: b.ContentType, Name: "清单.pdf",
			CaseID: &caseID, AddedBy: "wu.gang", AddedAt: time.Now().UTC()}
		ev := schemas.AuditEvent{CaseID: caseID, At: f.AddedAt, Actor: "wu.gang", Action: "file.added",
			Detail: fmt.Sprintf(`{"file_id":%q,"sha256":%q}`, f.ID, f.SHA256), DedupKey: "file/" + f.ID}
		if err := gdb.Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&f).Error; err != nil {
				return err
			}
			return audit.Append(tx, &ev)
		}); err != nil {
			t.Fatal(err)
		}
		if out, code := runAuditCmd(t, bin, url, env, "verify"); code != 0 || !strings.Contains(out, "files intact: 1") {
			t.Fatalf("intact: exit %d\n%s", code, out)
		}
		if err := store.Bucket().WriteAll(ctx, files.Key(b.SHA256, false), []byte("%PDF-1.4\n伪造清单"), nil); err != nil {
			t.Fatal(err)
		}
		out, code := runAuditCmd(t, bin, url, env, "verify", "-case", caseID)
		if code == 0 || !strings.Contains(out, "file "+f.ID) || !strings.Contains(out, "content has SHA-256") {
			t.Fatalf("swapped blob: exit %d\n%s", code, out)
		}
	})
}
