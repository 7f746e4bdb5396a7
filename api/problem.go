package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/jiandu/jiandu/internal/db"
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

// problemKind is a stable problem type: its slug (the last segment of its type URI), status,
// Chinese title, and for its page (GET /problems/<slug>) what it means and what to do.
type problemKind struct {
	slug    string
	status  int
	title   string
	meaning string
	action  string
}

// The problem kinds Jiandu answers with; problemKinds lists every one (their pages are served).
var (
	probBadRequest = problemKind{"bad-request", http.StatusBadRequest, "请求格式错误",
		"请求体不是合法的JSON，或含有未定义的字段、类型不符的值。", "按接口文档修正请求体后重新提交。"}
	probUnauthorized = problemKind{"unauthorized", http.StatusUnauthorized, "未认证或认证已失效",
		"请求未携带有效的访问令牌或会话，或账号已停用。", "重新登录或申请新的访问令牌后再试。"}
	probForbidden = problemKind{"forbidden", http.StatusForbidden, "无权执行此操作",
		"您的角色或所属单位不允许执行此操作。", "如确需办理，请联系有权限的同志或系统管理员。"}
	probNotFound = problemKind{"not-found", http.StatusNotFound, "资源不存在",
		"所请求的案件、待办、人员或页面不存在，或您无权查看。", "核对编号或地址；如认为应当可见，请联系系统管理员。"}
	probMethod = problemKind{"method-not-allowed", http.StatusMethodNotAllowed, "不支持的请求方法",
		"该地址不支持此请求方法。", "按接口文档使用正确的请求方法。"}
	probConflict = problemKind{"conflict", http.StatusConflict, "状态冲突",
		"请求与案件或数据的当前状态冲突，例如案件已办结、待办已被他人办理或编号已被占用。", "刷新后查看最新状态，再决定是否重新提交。"}
	probTooLarge = problemKind{"payload-too-large", http.StatusRequestEntityTooLarge, "请求体过大",
		"请求体超过了服务允许的大小上限。", "精简内容（如分次补充材料）后重新提交。"}
	probMediaType = problemKind{"unsupported-media-type", http.StatusUnsupportedMediaType, "不支持的内容类型",
		"请求的Content-Type不是接口要求的类型。", "以Content-Type: application/json提交JSON请求体。"}
	probValidation = problemKind{"validation", http.StatusUnprocessableEntity, "请求内容未通过校验",
		"请求中有字段缺失、格式不符或取值不允许；errors逐项列出了字段和原因。", "按各字段的提示修改后重新提交。"}
	probRecused = problemKind{"recused", http.StatusForbidden, "回避：您是本案当事人",
		"您是本案的当事人，依回避规定不能查阅或办理本案（本人需办理的环节除外）；此次请求已记入案件办理记录。", "由其他同志办理本案。"}
	probTooMany = problemKind{"too-many-requests", http.StatusTooManyRequests, "请求过于频繁，请稍后再试",
		"同一地址在短时间内提交了过多请求。", "按Retry-After头所示的秒数等待后再试。"}
	probAdminScope = problemKind{"admin-scope", http.StatusForbidden, "超出本单位管理范围",
		"管理员只能管理本单位及下级单位的人员和机构。", "请上级单位的管理员办理。"}
	probAdminSelf = problemKind{"admin-self", http.StatusForbidden, "不能修改本人的角色或所属单位",
		"管理员不能修改自己的角色或所属单位。", "请另一位有权限的管理员办理。"}
	probRootOnly = problemKind{"root-admin-only", http.StatusForbidden, "仅限根单位管理员操作",
		"此操作影响全区，只有根单位的管理员可以执行。", "请根单位的管理员办理。"}
	probHistoryBudget = problemKind{"history-budget", http.StatusConflict, "案件办理记录已达上限",
		"案件的办理记录已达到上限，不能再接受新的操作。", "请联系系统管理员处理该案件。"}
	probNeedsAttention = problemKind{"needs-attention", http.StatusConflict, "案件需要人工处理",
		"案件处于需要人工处理的状态，暂不能接受此操作。", "请联系系统管理员查看并处理该案件。"}
	probInternal = problemKind{"internal", http.StatusInternalServerError, "服务内部错误",
		"服务在处理请求时发生了意外错误，详情已记入日志。", "请稍后重试；如反复出现，请将request_id告知系统管理员。"}
	probUnavailable = problemKind{"unavailable", http.StatusServiceUnavailable, "服务暂不可用，请稍后重试",
		"数据库或工作流引擎暂时无法响应，请求未被执行。", "按Retry-After头所示的秒数等待后重试。"}
)

// problemKinds is every problem kind, in the order their pages list them.
var problemKinds = []problemKind{
	probBadRequest, probUnauthorized, probForbidden, probRecused, probAdminScope, probAdminSelf, probRootOnly,
	probNotFound, probMethod, probConflict, probHistoryBudget, probNeedsAttention, probTooLarge, probMediaType,
	probValidation, probTooMany, probInternal, probUnavailable,
}

const (
	problemContentType = "application/problem+json"
	// problemTypePath is where problem pages are served; a problem's type is this path plus its
	// slug, a URI reference relative to the API's own address (RFC 9457, section 3.1.1), so it
	// resolves wherever the API is deployed.
	problemTypePath     = "/problems/"
	retryAfterSeconds   = "5"
	maxFieldErrorsShown = 20
)

// typeURI is the problem type of k.
func (k problemKind) typeURI() string { return problemTypePath + k.slug }

// problemError is the error a handler returns to answer with a problem of a kind: its detail
// and the offending fields. Every other error is classified by (*Server).fail.
type problemError struct {
	kind   problemKind
	detail string
	fields []FieldError
}

func (e *problemError) Error() string { return e.kind.slug + ": " + e.detail }

// problem is the error that answers with a problem of kind k.
func problem(k problemKind, detail string, fields ...FieldError) error {
	return &problemError{kind: k, detail: detail, fields: fields}
}

// invalid is a 422 naming the offending fields, in field order.
func invalid(detail string, fields ...FieldError) error {
	sortFieldErrors(fields)
	return problem(probValidation, detail, fields...)
}

// dependencyError is a failed dependency (the database, Temporal, the key ring): 503.
type dependencyError struct {
	what string
	err  error
}

func (e *dependencyError) Error() string { return e.what + ": " + e.err.Error() }
func (e *dependencyError) Unwrap() error { return e.err }

// unavailable marks err, met while doing what, as a failed dependency: the client gets 503
// with Retry-After, the log gets the cause.
func unavailable(what string, err error) error { return &dependencyError{what: what, err: err} }

// handle adapts a handler that returns an error into a gin handler: the one place where errors
// become problems.
func (s *Server) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.fail(c, err)
		}
	}
}

// reply writes v as a handler's JSON answer.
func reply(c *gin.Context, status int, v any) error {
	c.JSON(status, v)
	return nil
}

// fail answers err as a problem and stops the handler chain. A problemError answers as it
// says; a failed dependency (dependencyError, db.ErrBusy, Temporal unavailable, a deadline)
// is 503 with Retry-After; anything else is a 500. The causes of both go to the log only.
func (s *Server) fail(c *gin.Context, err error) {
	var (
		pe        *problemError
		dep       *dependencyError
		down      *serviceerror.Unavailable
		exhausted *serviceerror.ResourceExhausted
		deadline  *serviceerror.DeadlineExceeded
	)
	switch {
	case errors.As(err, &pe):
		writeProblem(c, pe.kind, pe.detail, pe.fields...)
	case errors.As(err, &dep) || errors.Is(err, db.ErrBusy) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.As(err, &down) || errors.As(err, &exhausted) ||
		errors.As(err, &deadline):
		s.log.ErrorContext(c.Request.Context(), "dependency failed", "request_id", c.GetString(ctxRequestID),
			"path", c.Request.URL.Path, "err", err)
		writeProblem(c, probUnavailable, "服务暂时无法完成请求（数据库或工作流引擎无响应），请稍后重试")
	default:
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", c.GetString(ctxRequestID),
			"path", c.Request.URL.Path, "err", err)
		writeProblem(c, probInternal, "请求 "+c.GetString(ctxRequestID)+" 处理失败")
	}
}

// writeProblem writes a problem document and stops the handler chain; only fail calls it.
func writeProblem(c *gin.Context, k problemKind, detail string, fields ...FieldError) {
	if len(fields) > maxFieldErrorsShown {
		fields = fields[:maxFieldErrorsShown]
	}
	p := Problem{
		Type:      k.typeURI(),
		Title:     k.title,
		Status:    k.status,
		Detail:    detail,
		Instance:  c.Request.URL.Path,
		RequestID: c.GetString(ctxRequestID),
		Errors:    fields,
	}
	if k.status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", retryAfterSeconds)
	}
	body, _ := json.Marshal(p)
	c.Abort()
	c.Data(k.status, problemContentType, body)
}

// bindJSON decodes the request body into v strictly (no unknown fields, one JSON value); it
// returns the 400/413/415/422 problem when it cannot.
func bindJSON(c *gin.Context, v any) error {
	ct := c.ContentType()
	if ct != "application/json" {
		return problem(probMediaType, fmt.Sprintf("Content-Type为%q，应为application/json", ct))
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errTrailingData
			}
		}
	}
	if err == nil {
		// The one text rule, with the limits openapi.yaml documents for this route.
		var generic any
		if json.Unmarshal(raw, &generic) == nil {
			return checkBodyText(c, generic)
		}
		return nil
	}
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return problem(probTooLarge, fmt.Sprintf("请求体超过%d字节的上限", tooLarge.Limit))
	case errors.Is(err, io.EOF):
		return problem(probBadRequest, "请求体为空，应为一个JSON对象")
	case errors.As(err, &syntax):
		return problem(probBadRequest, fmt.Sprintf("JSON格式错误（第%d字节）", syntax.Offset))
	case errors.Is(err, errTrailingData):
		return problem(probBadRequest, "JSON值之后还有多余内容：请求体应只有一个JSON对象")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem(probBadRequest, "JSON格式错误：请求体在一个值的中间结束")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		want, ok := jsonTypeNames[typ.Type.Kind()]
		if !ok {
			want = "数字"
		}
		msg := "类型不符：应为" + want
		return problem(probBadRequest, "字段"+field+msg, FieldError{Field: field, Message: msg})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem(probBadRequest, fmt.Sprintf("未定义的字段%q", field), FieldError{Field: field, Message: "接口未定义此字段"})
	default:
		return problem(probBadRequest, "JSON格式错误")
	}
}

var errTrailingData = errors.New("data after the JSON value")

// jsonTypeNames name, in Chinese, the JSON type each Go kind decodes from; the rest are numbers.
var jsonTypeNames = map[reflect.Kind]string{
	reflect.String: "字符串", reflect.Bool: "布尔值", reflect.Slice: "数组", reflect.Array: "数组",
	reflect.Map: "对象", reflect.Struct: "对象", reflect.Interface: "任意值",
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
			return append(errs, FieldError{field, fmt.Sprintf("必填，%d至%d个字符", min, max)})
		}
		return append(errs, FieldError{field, fmt.Sprintf("不得超过%d个字符", max)})
	}
	return errs
}

// ProblemPage is what the page of a problem kind shows.
type ProblemPage struct {
	Type, Title, Meaning, Action string
	Status                       int
}

// problemPage is GET /problems/{slug}: the Chinese page a problem's type URI resolves to.
func (s *Server) problemPage(c *gin.Context) {
	for _, k := range problemKinds {
		if k.slug == c.Param("slug") {
			s.render(c, http.StatusOK, "problem", page{Title: k.title, Data: ProblemPage{
				Type: k.typeURI(), Title: k.title, Meaning: k.meaning, Action: k.action, Status: k.status,
			}})
			return
		}
	}
	s.errorPage(c, http.StatusNotFound, "没有这种问题类型。")
}
