package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/internal/text"
)

// Problem is an RFC 9457 problem document, the body of every error Jiandu answers with.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// FieldError names one offending field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemKind is a stable problem type with its status and Chinese title.
type problemKind struct {
	slug   string
	status int
	title  string
}

var (
	probBadRequest      = problemKind{"bad-request", http.StatusBadRequest, "请求格式错误"}
	probUnauthorized    = problemKind{"unauthorized", http.StatusUnauthorized, "未认证或认证已失效"}
	probForbidden       = problemKind{"forbidden", http.StatusForbidden, "无权执行此操作"}
	probNotFound        = problemKind{"not-found", http.StatusNotFound, "资源不存在"}
	probMethod          = problemKind{"method-not-allowed", http.StatusMethodNotAllowed, "不支持的请求方法"}
	probConflict        = problemKind{"conflict", http.StatusConflict, "状态冲突"}
	probTooLarge        = problemKind{"payload-too-large", http.StatusRequestEntityTooLarge, "请求体过大"}
	probMediaType       = problemKind{"unsupported-media-type", http.StatusUnsupportedMediaType, "不支持的内容类型"}
	probValidation      = problemKind{"validation", http.StatusUnprocessableEntity, "请求内容未通过校验"}
	probRecused         = problemKind{"recused", http.StatusForbidden, "回避：您是本案当事人"}
	probInternal        = problemKind{"internal", http.StatusInternalServerError, "服务内部错误"}
	probUnavailable     = problemKind{"unavailable", http.StatusServiceUnavailable, "服务暂不可用，请稍后重试"}
	problemContentType  = "application/problem+json"
	problemTypeBase     = "https://jiandu.dev/problems/"
	retryAfterSeconds   = "5"
	maxFieldErrorsShown = 20
)

// abort answers with a problem document and stops the handler chain.
func abort(c *gin.Context, k problemKind, detail string, fields ...FieldError) {
	if len(fields) > maxFieldErrorsShown {
		fields = fields[:maxFieldErrorsShown]
	}
	p := Problem{
		Type:      problemTypeBase + k.slug,
		Title:     k.title,
		Status:    k.status,
		Detail:    detail,
		Instance:  c.Request.URL.Path,
		RequestID: c.GetString(ctxRequestID),
		Errors:    fields,
	}
	if k.status == http.StatusServiceUnavailable {
		c.Header("Retry-After", retryAfterSeconds)
	}
	body, _ := json.Marshal(p)
	c.Abort()
	c.Data(k.status, problemContentType, body)
}

// bindJSON decodes the request body into v strictly (no unknown fields, one JSON value) and
// answers 400/413/415 itself when it cannot. It reports whether the handler may go on.
func bindJSON(c *gin.Context, v any) bool {
	ct := c.ContentType()
	if ct != "application/json" {
		abort(c, probMediaType, fmt.Sprintf("Content-Type %q: want application/json", ct))
		return false
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errors.New("unexpected data after the JSON value")
			}
		}
	}
	if err == nil {
		// The one text rule, with the limits openapi.yaml documents for this route.
		var generic any
		if json.Unmarshal(raw, &generic) == nil {
			return checkBodyText(c, generic)
		}
		return true
	}
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		abort(c, probTooLarge, fmt.Sprintf("body exceeds %d bytes", tooLarge.Limit))
	case errors.Is(err, io.EOF):
		abort(c, probBadRequest, "request body is empty: want a JSON object")
	case errors.As(err, &syntax):
		abort(c, probBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF):
		abort(c, probBadRequest, "malformed JSON: body ends in the middle of a value")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		abort(c, probBadRequest, fmt.Sprintf("field %s: want %s, got JSON %s", field, typ.Type, typ.Value),
			FieldError{Field: field, Message: fmt.Sprintf("want %s, got %s", typ.Type, typ.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		abort(c, probBadRequest, fmt.Sprintf("unknown field %q", field),
			FieldError{Field: field, Message: "unknown field"})
	default:
		abort(c, probBadRequest, "malformed JSON: "+err.Error())
	}
	return false
}

// sortFieldErrors orders field errors by field so answers are stable.
func sortFieldErrors(errs []FieldError) {
	slices.SortStableFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
}

// textIssue appends an error when the trimmed text v is longer than max characters or has
// fewer than min visible ones (white space, zero-width and bidi characters do not count).
func textIssue(errs []FieldError, field, v string, min, max int) []FieldError {
	if n := utf8.RuneCountInString(strings.TrimSpace(v)); text.Visible(v) < min || n > max {
		if min > 0 {
			return append(errs, FieldError{field, fmt.Sprintf("required, %d-%d characters", min, max)})
		}
		return append(errs, FieldError{field, fmt.Sprintf("at most %d characters", max)})
	}
	return errs
}
