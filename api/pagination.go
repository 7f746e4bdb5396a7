package api

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"
)

// pageLimit reads ?limit= (default 50, at most 200).
func pageLimit(c *gin.Context) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		return 0, invalid("参数limit须为1至200的整数", FieldError{"limit", "每页条数须为1至200的整数"})
	}
	return n, nil
}

// errBadCursor is the answer to a cursor no page gave out.
var errBadCursor = invalid("参数cursor格式错误", FieldError{"cursor", "翻页游标无效，请使用上一页返回的next_cursor"})

// decodeCursor reads ?cursor= into v; the cursor is opaque to clients.
func decodeCursor(c *gin.Context, v any) (bool, error) {
	s := c.Query("cursor")
	if s == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		return false, errBadCursor
	}
	return true, nil
}

func encodeCursor(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}
