package api

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"

	"github.com/jiandu/jiandu/internal/text"
)

// The one input-cleaning rule (internal/text) applied at the edge, in one place for every
// route: bindJSON runs cleanBody on every body it decodes, and cleanParams runs on the path and
// query parameters of every /api/v1 and /public/v1 route. Limits come from openapi.yaml itself
// (maxLength, minLength, required), so the document is the rule and cannot drift from it.
//
// A body that breaks the rule is answered 422 at once, every offending field named, before the
// handler sees it: no handler can forget the rule, and nothing of such a body is stored or
// sent to Temporal. (The handler's own checks of the other fields answer once the text is
// clean.)

const textDetail = "请求中的文本未通过校验：含有控制字符、超出长度或只含不可见字符"

// checkBodyText applies the rule to a decoded body: a 422 naming every field that breaks it.
func checkBodyText(c *gin.Context, body any) error {
	if apiDocErr != nil {
		return apiDocErr // an answer of 500: the embedded document is broken (TestAPIDocParses)
	}
	if errs := cleanBody(requestSchema(c.Request.Method, c.FullPath()), body); len(errs) > 0 {
		return invalid(textDetail, errs...)
	}
	return nil
}

// apiDoc is openapi.yaml, parsed once; apiDocErr says why it could not be (then every body is
// refused with a 500 rather than let through unchecked).
var apiDoc, apiDocErr = parseAPIDoc(openapiSpec)

func parseAPIDoc(spec []byte) (map[string]any, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("parse the embedded openapi.yaml: %w", err)
	}
	return doc, nil
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openapiPath turns a gin route ("/tasks/:id") into its OpenAPI path ("/tasks/{id}").
func openapiPath(route string) string { return ginParam.ReplaceAllString(route, "{$1}") }

// requestSchema is the JSON schema of the body of an operation, nil when it has none.
func requestSchema(method, route string) map[string]any {
	paths, _ := apiDoc["paths"].(map[string]any)
	ops, _ := paths[openapiPath(route)].(map[string]any)
	op, _ := ops[strings.ToLower(method)].(map[string]any)
	body, _ := op["requestBody"].(map[string]any)
	content, _ := body["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	return schema
}

// resolve follows $ref (keeping the keys written beside it, such as required) to a schema.
func resolve(s map[string]any) map[string]any {
	for range 10 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		target := apiDoc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			target, _ = target[part].(map[string]any)
		}
		merged := map[string]any{}
		for k, v := range target {
			merged[k] = v
		}
		for k, v := range s {
			if k != "$ref" {
				merged[k] = v
			}
		}
		s = merged
	}
	return s
}

func schemaInt(s map[string]any, key string) int {
	switch v := s[key].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// cleanBody checks every string of a decoded JSON body (values and object keys, at any depth)
// against the rule and the limits its schema documents. A required string needs at least one
// visible character; minLength counts visible characters only. (An empty one is left to the
// handler, which answers it with the body's other problems.)
func cleanBody(schema map[string]any, body any) []FieldError {
	var errs []FieldError
	var walk func(path string, v any, s map[string]any, required bool)
	walk = func(path string, v any, s map[string]any, required bool) {
		s = resolve(s)
		switch v := v.(type) {
		case string:
			min := schemaInt(s, "minLength")
			if required && min == 0 {
				min = 1
			}
			if strings.TrimSpace(v) == "" {
				// Empty (or plain white space) is an ordinary omission: the handler's own
				// checks name it together with the body's other problems.
				min = 0
			}
			if msg := text.Check(v, min, schemaInt(s, "maxLength")); msg != "" {
				errs = append(errs, FieldError{Field: fieldName(path), Message: msg})
			}
		case map[string]any:
			props, _ := s["properties"].(map[string]any)
			extra, _ := s["additionalProperties"].(map[string]any)
			var req []any
			req, _ = s["required"].([]any)
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				child := join(path, k)
				if msg := text.Check(k, 0, 0); msg != "" {
					errs = append(errs, FieldError{Field: fieldName(path), Message: "字段名" + msg})
					continue
				}
				cs, ok := props[k].(map[string]any)
				if !ok {
					cs = extra
				}
				walk(child, v[k], cs, slices.Contains(req, any(k)))
			}
		case []any:
			items, _ := s["items"].(map[string]any)
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x, items, false)
			}
		}
	}
	walk("", body, schema, false)
	sortFieldErrors(errs)
	return errs
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldName(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

// cleanParams refuses a path or query parameter that breaks the rule, before any handler
// reads it (and before it can reach the database).
func (s *Server) cleanParams(c *gin.Context) error {
	var errs []FieldError
	for _, p := range c.Params {
		if msg := text.Check(p.Value, 0, 0); msg != "" {
			errs = append(errs, FieldError{Field: p.Key, Message: msg})
		}
	}
	for k, vs := range c.Request.URL.Query() {
		if msg := text.Check(k, 0, 0); msg != "" {
			errs = append(errs, FieldError{Field: "(query)", Message: "参数名" + msg})
			continue
		}
		for _, v := range vs {
			if msg := text.Check(v, 0, 0); msg != "" {
				errs = append(errs, FieldError{Field: k, Message: msg})
				break
			}
		}
	}
	if len(errs) > 0 {
		return invalid("请求参数含有控制字符", errs...)
	}
	c.Next()
	return nil
}
