package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/text"
	"github.com/jiandu/jiandu/schemas"
)

// Documents (issue 18): uploads, downloads and a case's documents. The bytes are in the blob
// store (internal/files), content-addressed by SHA-256; the files table says what each is.
// Which file a completion may reference is the kernel's rule (workflows.validateFiles); the
// API only reads the referenced files' rows into the update (resolveFiles).

// FilesDeps configure documents.
type FilesDeps struct {
	Store *files.Store // nil: documents are off (uploads answer 503)
	// MaxBytes caps one upload (JIANDU_FILE_MAX_BYTES; default 20 MiB).
	MaxBytes int64
	// PublicMaxBytes caps one upload of the 12380 web channel, PublicMaxFiles the files per
	// report (defaults 10 MiB and 10).
	PublicMaxBytes int64
	PublicMaxFiles int
}

const (
	filesRoute       = "/api/v1/files"
	publicFilesRoute = "/public/v1/reports/:code/files"
	// multipartSlack is what a multipart body may carry beyond the file itself.
	multipartSlack = 64 << 10
)

func newFilesConfig(d FilesDeps) FilesDeps {
	if d.MaxBytes <= 0 {
		d.MaxBytes = schemas.DefaultFileMaxBytes
	}
	if d.PublicMaxBytes <= 0 {
		d.PublicMaxBytes = 10 << 20
	}
	if d.PublicMaxFiles <= 0 {
		d.PublicMaxFiles = 10
	}
	return d
}

// bodyLimit is the body cap of a route: uploads take their file's limit.
func (s *Server) bodyLimit(c *gin.Context) int64 {
	switch c.FullPath() {
	case filesRoute:
		return s.files.MaxBytes + multipartSlack
	case publicFilesRoute:
		return s.files.PublicMaxBytes + multipartSlack
	}
	if c.Request.Method != http.MethodPost {
		return s.maxBody
	}
	switch c.FullPath() {
	case "/web/tasks/:id": // a task form with its file fields (api/web_files.go)
		return maxWebFileFields*s.files.MaxBytes + multipartSlack
	case "/web/cases/:id/files":
		return s.files.MaxBytes + multipartSlack
	}
	return s.maxBody
}

// upload is a multipart upload read: the file and the small text fields.
type upload struct {
	name   string
	data   []byte
	fields map[string]string
}

// readUpload reads a multipart body with one "file" part of at most max bytes and the named
// text fields (200 characters each). Refusals are 422 naming the field.
func readUpload(c *gin.Context, max int64, names ...string) (*upload, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, problem(probMediaType, "请以multipart/form-data上传文件")
	}
	up := &upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("上传内容无法读取", FieldError{"file", "multipart内容不完整或超过上限"})
		}
		name := part.FormName()
		switch {
		case name == "file" && up.data == nil:
			data, tooLarge, err := files.ReadLimited(part, max)
			if tooLarge {
				return nil, invalid("文件过大", FieldError{"file", fmt.Sprintf("文件不得超过%d字节", max)})
			}
			if err != nil {
				return nil, invalid("上传内容无法读取", FieldError{"file", "文件内容不完整或超过上限"})
			}
			up.name, up.data = part.FileName(), data
		case contains(names, name):
			v, tooLarge, err := files.ReadLimited(part, 800)
			if err != nil || tooLarge || !utf8.Valid(v) || text.Check(string(v), 0, 200) != "" {
				return nil, invalid("上传内容未通过校验", FieldError{name, "须为不超过200个字符的文本"})
			}
			up.fields[name] = strings.TrimSpace(string(v))
		default:
			return nil, invalid("上传内容未通过校验", FieldError{name, "未知字段；可用字段：file、" + strings.Join(names, "、")})
		}
	}
	switch {
	case up.data == nil:
		return nil, invalid("没有文件", FieldError{"file", "必填：请选择要上传的文件"})
	case len(up.data) == 0:
		return nil, invalid("文件为空", FieldError{"file", "文件不得为空"})
	}
	if n := up.name; utf8.RuneCountInString(n) > 200 || text.Check(n, 0, 200) != "" {
		up.name = "未命名文件"
	}
	return up, nil
}

// FileResponse is a file's metadata, with the name of who added it.
type FileResponse struct {
	schemas.File
	AddedByName string `json:"added_by_name"`
}

// uploadFile is POST /api/v1/files: the file is the uploader's until a completion references
// it, or, with case_id, the case's at once (those who may act on the case; supersedes names the
// case's file this one replaces). Its type is detected from its content.
func (s *Server) uploadFile(c *gin.Context) error {
	if s.files.Store == nil {
		return unavailable("files", errors.New("no blob store configured"))
	}
	up, err := readUpload(c, s.files.MaxBytes, "case_id", "supersedes")
	if err != nil {
		return err
	}
	p := principal(c)
	row := schemas.File{ID: files.NewID(), Name: up.name, AddedBy: p.ID, AddedAt: time.Now().UTC()}
	var kase *schemas.Case
	if id := up.fields["case_id"]; id != "" {
		if kase, err = s.caseToActOn(c, id); err != nil {
			return err
		}
		row.CaseID = &kase.ID
		if kase.Kind == schemas.KindReport {
			row.ReportID, row.Sealed = &kase.ID, true // 12380 material: sealed at rest
		}
	}
	if sup := up.fields["supersedes"]; sup != "" {
		if kase == nil {
			return invalid("缺少案件", FieldError{"case_id", "替换本案文件时须指明案件"})
		}
		var old schemas.File
		err := s.db.WithContext(c.Request.Context()).Take(&old, "id = ? AND case_id = ?", sup, kase.ID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return invalid("被替换的文件不存在", FieldError{"supersedes", "须为本案已有的文件"})
		case err != nil:
			return unavailable("load file", err)
		}
		row.Supersedes = &old.ID
	}
	b, err := s.files.Store.Put(c.Request.Context(), up.data, row.Sealed)
	if err != nil {
		return unavailable("store file", err)
	}
	row.SHA256, row.Size, row.ContentType = b.SHA256, b.Size, b.ContentType
	err = s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if kase == nil {
			return nil
		}
		return appendFileEvent(tx, c.GetString(ctxRequestID), &row)
	})
	if err != nil {
		return unavailable("record file", err)
	}
	return reply(c, http.StatusCreated, FileResponse{File: row, AddedByName: p.Name})
}

// appendFileEvent writes file.added (or file.superseded) with the file's SHA-256 on its case's
// trail, so a swapped blob shows in `jiandu audit verify`.
func appendFileEvent(tx *gorm.DB, requestID string, f *schemas.File) error {
	action := "file.added"
	detail := map[string]any{"file_id": f.ID, "sha256": f.SHA256, "size": f.Size, "content_type": f.ContentType}
	if f.Supersedes != nil {
		action, detail["supersedes"] = "file.superseded", *f.Supersedes
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	ev := schemas.AuditEvent{CaseID: *f.CaseID, At: f.AddedAt, Actor: f.AddedBy, Action: action,
		Detail: string(raw), DedupKey: "file/" + f.ID + "/" + requestID}
	return audit.Append(tx, &ev)
}

// caseToActOn loads a case the official may add documents to: one they may read (not a
// subject) where they hold or held a task, or one in a supervisor's subtree.
func (s *Server) caseToActOn(c *gin.Context, id string) (*schemas.Case, error) {
	p := principal(c)
	row, err := s.loadCaseByID(c, id)
	var pe *problemError
	if errors.As(err, &pe) {
		return nil, invalid("案件不存在", FieldError{"case_id", "案件 " + id + " 不存在"})
	}
	if err != nil {
		return nil, err
	}
	var n int64
	if err := s.db.WithContext(c.Request.Context()).Model(&schemas.Task{}).
		Where("case_id = ?", row.ID).Where(mineClause(s.db, p, true)).Count(&n).Error; err != nil {
		return nil, unavailable("check tasks", err)
	}
	var unit schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).Take(&unit, "id = ?", row.OrgUnitID).Error; err != nil {
		return nil, unavailable("load org unit", err)
	}
	if n == 0 && !(p.Roles.Has(schemas.RoleSupervisor) && p.InSubtree(unit.Path)) {
		return nil, problem(probForbidden, "只有办理本案的人员和本单位及上级的干部监督人员可以向本案添加文件")
	}
	return row, nil
}

// loadFileFor reads a file the official may read: a case's file as the case (its read rules,
// recusal included: a subject gets 404 like anyone else who may not read it), an unattached
// upload by its uploader only.
func (s *Server) loadFileFor(c *gin.Context) (*schemas.File, error) {
	var f schemas.File
	err := s.db.WithContext(c.Request.Context()).Take(&f, "id = ?", c.Param("id")).Error
	notFound := problem(probNotFound, "文件 "+c.Param("id")+" 不存在")
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, notFound
	case err != nil:
		return nil, unavailable("load file", err)
	}
	if f.CaseID == nil {
		if f.AddedBy != principal(c).ID {
			return nil, notFound
		}
		return &f, nil
	}
	_, err = s.loadCaseByID(c, *f.CaseID)
	var pe *problemError
	if errors.As(err, &pe) && f.ReportID != nil {
		// 转办 (P7): the lower office reads the report's material through its transfer case.
		transfers, terr := s.linkedCases(c, *f.CaseID)
		if terr != nil {
			return nil, terr
		}
		for _, t := range transfers {
			if _, terr := s.loadCaseByID(c, t); terr == nil {
				return &f, nil
			}
		}
	}
	if errors.As(err, &pe) {
		return nil, notFound // recused or not visible: the file does not exist for them
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// linkedCases are the transfer cases (转办, P7) a report case started, from its trail's
// case.linked events.
func (s *Server) linkedCases(c *gin.Context, caseID string) ([]string, error) {
	var details []string
	if err := s.db.WithContext(c.Request.Context()).Model(&schemas.AuditEvent{}).
		Where("case_id = ? AND action = ?", caseID, "case.linked").Order("case_seq").Pluck("detail", &details).Error; err != nil {
		return nil, unavailable("load linked cases", err)
	}
	var ids []string
	for _, d := range details {
		var l struct {
			LinkedCase string `json:"linked_case"`
			Kind       string `json:"kind"`
		}
		if json.Unmarshal([]byte(d), &l) == nil && l.Kind == string(schemas.KindTransfer) {
			ids = append(ids, l.LinkedCase)
		}
	}
	return ids, nil
}

// parentReport is the report case that started a transfer case, "" if none.
func (s *Server) parentReport(c *gin.Context, transferID string) (string, error) {
	var ids []string
	if err := s.db.WithContext(c.Request.Context()).Model(&schemas.AuditEvent{}).
		Where("action = ? AND detail LIKE ?", "case.linked", `%"linked_case":"`+transferID+`"%`).Pluck("case_id", &ids).Error; err != nil {
		return "", unavailable("load parent case", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// getFile is GET /api/v1/files/{id}: the file's metadata.
func (s *Server) getFile(c *gin.Context) error {
	f, err := s.loadFileFor(c)
	if err != nil {
		return err
	}
	var name string
	if err := s.db.WithContext(c.Request.Context()).Model(&schemas.Official{}).Where("id = ?", f.AddedBy).Pluck("name", &name).Error; err != nil {
		return unavailable("load official", err)
	}
	return reply(c, http.StatusOK, FileResponse{File: *f, AddedByName: name})
}

// downloadFile is GET /api/v1/files/{id}/content: always an attachment, never sniffed.
func (s *Server) downloadFile(c *gin.Context) error {
	f, err := s.loadFileFor(c)
	if err != nil {
		return err
	}
	if s.files.Store == nil {
		return unavailable("files", errors.New("no blob store configured"))
	}
	data, err := s.files.Store.Get(c.Request.Context(), f.SHA256, f.Sealed)
	if err != nil {
		return unavailable("read file", err)
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	if c.Writer.Header().Get("Content-Disposition") == "" {
		c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, f.ContentType, data)
	return nil
}

// caseFileRows lists the documents of a case, oldest first, with who added them.
func (s *Server) caseFileRows(c *gin.Context, caseID string) ([]FileResponse, error) {
	rows := []FileResponse{}
	err := s.db.WithContext(c.Request.Context()).Model(&schemas.File{}).
		Select("files.*, officials.name AS added_by_name").
		Joins("LEFT JOIN officials ON officials.id = files.added_by").
		Where("files.case_id = ?", caseID).Order("files.added_at, files.id").Scan(&rows).Error
	if err != nil {
		return nil, unavailable("list files", err)
	}
	for i := range rows {
		if rows[i].AddedBy == "public" {
			rows[i].AddedByName = "举报人（网络举报）"
		}
	}
	schemas.InAPIForm(&rows)
	return rows, nil
}

// caseFiles is GET /api/v1/cases/{id}/files: every document of the case, superseded ones
// included (they are never removed).
func (s *Server) caseFiles(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	rows, err := s.caseFileRows(c, row.ID)
	if err != nil {
		return err
	}
	// 转办 (P7): a transfer case carries its report's material down, a report case the
	// lower offices' documents up.
	var linked []string
	switch row.Kind {
	case schemas.KindTransfer:
		parent, err := s.parentReport(c, row.ID)
		if err != nil {
			return err
		}
		if parent != "" {
			linked = []string{parent}
		}
	case schemas.KindReport:
		if linked, err = s.linkedCases(c, row.ID); err != nil {
			return err
		}
	}
	for _, id := range linked {
		more, err := s.caseFileRows(c, id)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
	}
	return reply(c, http.StatusOK, gin.H{"items": rows})
}

// resolveFiles reads the files a completion's file fields name into the update, for the
// kernel's rule (workflows.validateFiles). An unknown id is left out: the kernel refuses it.
//
// 12380 material is sealed at rest whichever way it arrives: a file only becomes a report
// case's by an upload to the case (POST /api/v1/files with case_id, the public route), both of
// which seal it. A caseless upload is stored in the clear, so a report case's step refuses to
// reference one (422 on the field) rather than attach plaintext to the report; the web inbox
// uploads a report task's files to the case for that reason (webUploadFile).
func (s *Server) resolveFiles(c *gin.Context, t *TaskResponse, form map[string]any) ([]schemas.FileRef, error) {
	var ids []string
	field := map[string]string{}
	for _, f := range t.Spec.Form {
		if id, ok := form[f.Name].(string); ok && f.Type == schemas.FieldFile && id != "" {
			ids = append(ids, id)
			field[id] = f.Name
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []schemas.File
	if err := s.db.WithContext(c.Request.Context()).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, unavailable("load files", err)
	}
	refs := make([]schemas.FileRef, len(rows))
	var issues []FieldError
	for i := range rows {
		refs[i] = rows[i].Ref()
		if t.CaseKind == schemas.KindReport && rows[i].CaseID == nil && !rows[i].Sealed {
			issues = append(issues, FieldError{"form." + field[rows[i].ID],
				"举报材料须加密保存：请将文件上传至本案（上传时指明case_id）后再引用"})
		}
	}
	if len(issues) > 0 {
		return nil, invalid("举报案件的文件须加密保存", issues...)
	}
	return refs, nil
}

// publicFileTypes are the types the 12380 web channel accepts, detected from the content:
// scans and photos of documents.
var (
	publicFileTypes      = schemas.ScanTypes
	publicFileTypeTitles = []string{"PDF", "JPEG图片", "PNG图片"}
)

// publicReportFile is POST /public/v1/reports/{code}/files: the reporter adds a file to their
// report (rate-limited per address like the material route, capped in size and count), sealed
// with the reporter keys.
func (s *Server) publicReportFile(c *gin.Context) error {
	row, err := s.followed(c)
	if err != nil {
		return err
	}
	if s.files.Store == nil || s.reports.ReporterKeys == nil {
		return unavailable("files", errors.New("no blob store or reporter keys configured"))
	}
	up, err := readUpload(c, s.files.PublicMaxBytes)
	if err != nil {
		return err
	}
	if t := files.Detect(up.data); !contains(publicFileTypes, t) {
		return invalid("文件类型不被接受", FieldError{"file", "只接受" + strings.Join(publicFileTypeTitles, "、") + "文件，此文件为" + t})
	}
	ctx := c.Request.Context()
	var n int64
	if err := s.db.WithContext(ctx).Model(&schemas.File{}).Where("report_id = ? AND added_by = ?", row.ID, "public").Count(&n).Error; err != nil {
		return unavailable("count files", err)
	}
	if n >= int64(s.files.PublicMaxFiles) {
		return problem(probConflict, fmt.Sprintf("每件举报最多上传%d个文件", s.files.PublicMaxFiles))
	}
	b, err := s.files.Store.Put(ctx, up.data, true)
	if err != nil {
		return unavailable("store file", err)
	}
	f := schemas.File{ID: files.NewID(), SHA256: b.SHA256, Size: b.Size, ContentType: b.ContentType, Name: up.name,
		CaseID: &row.ID, ReportID: &row.ID, Sealed: true, AddedBy: "public", AddedAt: time.Now().UTC()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&f).Error; err != nil {
			return err
		}
		return appendFileEvent(tx, c.GetString(ctxRequestID), &f)
	})
	if err != nil {
		return unavailable("record file", err)
	}
	return reply(c, http.StatusCreated, gin.H{"status": "received", "message": "文件已收到。", "sha256": f.SHA256})
}
