package files

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// Problem is a file whose blob or record does not match what the audit trail holds.
type Problem struct {
	FileID string `json:"file_id"`
	CaseID string `json:"case_id,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	return fmt.Sprintf("file %s (case %s): %s", p.FileID, p.CaseID, p.Reason)
}

// Verify checks every file (of one case when caseID is set): its blob still has the SHA-256
// its row records, and a file of a case has that SHA-256 in the audit event that attached it
// (file.added, file.superseded, or the task.completed that referenced it), so neither a
// swapped blob nor a rewritten row goes unnoticed. It returns how many files it checked.
func Verify(ctx context.Context, db *gorm.DB, store *Store, caseID string) (int, []Problem, error) {
	var rows []schemas.File
	q := db.WithContext(ctx).Order("id")
	if caseID != "" {
		q = q.Where("case_id = ?", caseID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return 0, nil, err
	}
	var problems []Problem
	for _, f := range rows {
		p := Problem{FileID: f.ID}
		if f.CaseID != nil {
			p.CaseID = *f.CaseID
			hashes, err := trailHashes(ctx, db, *f.CaseID, f.ID)
			if err != nil {
				return 0, nil, err
			}
			switch {
			case len(hashes) == 0:
				p.Reason = "no audit event attached it"
				problems = append(problems, p)
			case !allEqual(hashes, f.SHA256):
				p.Reason = "its row says SHA-256 " + f.SHA256 + ", the audit trail " + hashes[0]
				problems = append(problems, p)
			}
		}
		why, err := store.Check(ctx, f.SHA256, f.Sealed)
		if err != nil {
			return 0, nil, fmt.Errorf("file %s: %w", f.ID, err)
		}
		if why != "" {
			p.Reason = "blob " + Key(f.SHA256, f.Sealed) + ": " + why
			problems = append(problems, p)
		}
	}
	return len(rows), problems, nil
}

// trailHashes are the SHA-256 the case's audit events record for the file.
func trailHashes(ctx context.Context, db *gorm.DB, caseID, fileID string) ([]string, error) {
	var details []string
	if err := db.WithContext(ctx).Model(&schemas.AuditEvent{}).Where("case_id = ? AND detail LIKE ?", caseID, "%"+fileID+"%").
		Order("case_seq").Pluck("detail", &details).Error; err != nil {
		return nil, err
	}
	var hashes []string
	for _, d := range details {
		var ev struct {
			FileID string            `json:"file_id"`
			SHA256 string            `json:"sha256"`
			Files  []schemas.FileRef `json:"files"`
		}
		if json.Unmarshal([]byte(d), &ev) != nil {
			continue
		}
		if ev.FileID == fileID {
			hashes = append(hashes, ev.SHA256)
		}
		for _, r := range ev.Files {
			if r.ID == fileID {
				hashes = append(hashes, r.SHA256)
			}
		}
	}
	return hashes, nil
}

func allEqual(list []string, s string) bool {
	for _, x := range list {
		if x != s {
			return false
		}
	}
	return true
}
