package schemas

import "time"

// File is one document (issue 18): its bytes are in the blob store (internal/files) under
// their SHA-256; this row says what it is, where it belongs and who added it. A file is never
// removed: a new version names the one it supersedes.
type File struct {
	ID     string `json:"id" gorm:"primaryKey"`
	SHA256 string `json:"sha256" gorm:"column:sha256"`
	Size   int64  `json:"size"`
	// ContentType is detected from the content, never taken from the name.
	ContentType string `json:"content_type"`
	Name        string `json:"name"` // the name it was uploaded with, shown only
	// CaseID is the case it is attached to: set when it is uploaded to the case, or when a
	// completion that references it closes its task (TaskID, Field). Nil while the file is only
	// its uploader's.
	CaseID     *string   `json:"case_id,omitempty"`
	TaskID     *string   `json:"task_id,omitempty"`
	Field      string    `json:"field,omitempty"`
	AddedBy    string    `json:"added_by"`
	AddedAt    time.Time `json:"added_at"`
	Supersedes *string   `json:"supersedes,omitempty"`
	// ReportID is the 12380 report it is material of; Sealed: its blob is sealed with the
	// reporter keys.
	ReportID *string `json:"report_id,omitempty"`
	Sealed   bool    `json:"sealed,omitempty"`
}

// FileRef is a file as a completion references it and the workflow history holds it: ids,
// hash and what the kernel's rule checks (never the contents or the name). The API reads it
// from the files table; the workflow checks it (workflows.validateFiles).
type FileRef struct {
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	AddedBy     string `json:"added_by"`
	CaseID      string `json:"case_id,omitempty"`
	Field       string `json:"field,omitempty"` // set by the kernel when the completion is accepted
}

// Ref is the file as a completion references it.
func (f *File) Ref() FileRef {
	r := FileRef{ID: f.ID, SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType, AddedBy: f.AddedBy}
	if f.CaseID != nil {
		r.CaseID = *f.CaseID
	}
	return r
}

// ScanTypes are the types of a signed paper document's scan or photo.
var ScanTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// DefaultFileMaxBytes is a file field's size limit when the field names none.
const DefaultFileMaxBytes = 20 << 20
