package api

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// Documents in the web inbox (issue 18): a task form's file fields and the case page's
// documents. A page never stores a file itself: it sends the browser's file to POST
// /api/v1/files through the same engine (call), as the official of the session, and a
// completion then references the id the API answered.

// maxWebFileFields is how many file fields one web form may carry (bodyLimit).
const maxWebFileFields = 3

var fileTypeTitles = map[string]string{
	"application/pdf": "PDF", "image/jpeg": "JPEG图片", "image/png": "PNG图片", "text/plain": "纯文本",
}

// fileSizeText says a size in bytes in Chinese units.
func fileSizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1<<10-1)>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// fileHint is the Chinese line under a file field: the accepted types and the size limit.
func fileHint(f schemas.FormField) string {
	types := "不限"
	if len(f.Accept) > 0 {
		names := make([]string, len(f.Accept))
		for i, a := range f.Accept {
			names[i] = a
			if t, ok := fileTypeTitles[a]; ok {
				names[i] = t
			}
		}
		types = strings.Join(names, "、")
	}
	max := f.MaxBytes
	if max == 0 {
		max = schemas.DefaultFileMaxBytes
	}
	return "允许的文件类型：" + types + "；大小不超过" + fileSizeText(max) + "。文件类型按内容识别，与文件名无关。"
}

// webUploadFile sends one file the browser posted to POST /api/v1/files with the text fields
// (case_id, supersedes). It answers the file, or the API's answer when it was refused.
func (s *Server) webUploadFile(c *gin.Context, fh *multipart.FileHeader, fields ...string) (*FileResponse, apiAnswer) {
	src, err := fh.Open()
	if err != nil {
		return nil, apiAnswer{status: http.StatusInternalServerError}
	}
	defer func() { _ = src.Close() }()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] != "" {
			_ = w.WriteField(fields[i], fields[i+1])
		}
	}
	fw, err := w.CreateFormFile("file", fh.Filename)
	if err == nil {
		_, err = io.Copy(fw, src)
	}
	if err != nil || w.Close() != nil {
		return nil, apiAnswer{status: http.StatusInternalServerError}
	}
	a := s.call(c, "POST", filesRoute, rawBody{contentType: w.FormDataContentType(), data: buf.Bytes()})
	if !a.ok() {
		return nil, a
	}
	var f FileResponse
	if err := a.decode(&f); err != nil {
		return nil, apiAnswer{status: http.StatusInternalServerError}
	}
	return &f, a
}

// postedFile is the file the browser posted under name, nil when none was chosen.
func postedFile(c *gin.Context, name string) *multipart.FileHeader {
	fh, err := c.FormFile(name)
	if err != nil || fh.Size == 0 && fh.Filename == "" {
		return nil
	}
	return fh
}

// uploadTaskFiles uploads the files chosen for a task form's file fields and puts their ids
// into the completion (and into entered, so a refused form keeps them). A report case's files
// go to the case at once, sealed (resolveFiles refuses a caseless upload there). Refusals are
// the upload's field messages under the form field.
func (s *Server) uploadTaskFiles(c *gin.Context, t *TaskResponse, in *CompleteTaskInput, entered map[string]string) (map[string]string, *apiAnswer) {
	errs := map[string]string{}
	caseID := ""
	if t.CaseKind == schemas.KindReport {
		caseID = t.CaseID
	}
	for _, f := range t.Spec.Form {
		if f.Type != schemas.FieldFile {
			continue
		}
		fh := postedFile(c, "file."+f.Name)
		if fh == nil {
			continue
		}
		up, a := s.webUploadFile(c, fh, "case_id", caseID)
		switch {
		case up != nil:
			in.Form[f.Name], entered["form."+f.Name] = up.ID, up.ID
			entered["name."+f.Name] = up.Name
		case a.status == http.StatusUnprocessableEntity || a.status == http.StatusRequestEntityTooLarge:
			p := a.problem()
			msg := p.Detail
			if fe := fieldErrors(p); fe["file"] != "" {
				msg = fe["file"]
			}
			errs["form."+f.Name] = "文件未能上传：" + msg
		default:
			return nil, &a
		}
	}
	return errs, nil
}

// webAddCaseFile is the case page's "add a document": POST /api/v1/files with the case (and
// the document it supersedes).
func (s *Server) webAddCaseFile(c *gin.Context) {
	id := c.Param("id")
	back := "/web/cases/" + url.PathEscape(id)
	fh := postedFile(c, "file")
	if fh == nil {
		c.Redirect(http.StatusSeeOther, back+"?msg="+url.QueryEscape("请先选择要添加的文件。"))
		return
	}
	up, a := s.webUploadFile(c, fh, "case_id", id, "supersedes", strings.TrimSpace(c.PostForm("supersedes")))
	if up == nil {
		if a.status == http.StatusUnprocessableEntity {
			p := a.problem()
			msg := p.Detail
			for _, fe := range p.Errors {
				msg += "：" + fe.Message
			}
			s.errorPage(c, a.status, "文件未能添加："+msg)
			return
		}
		s.failed(c, a)
		return
	}
	c.Redirect(http.StatusSeeOther, back+"?msg="+url.QueryEscape("已添加文件："+up.Name)+"#files")
}
