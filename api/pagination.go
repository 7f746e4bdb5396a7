package api

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"
)

// pageLimit reads ?limit= (default 50, at most 200).
func pageLimit(c *gin.Context) (int, bool) {
	s := c.Query("limit")
	if s == "" {
		return 50, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		abort(c, probValidation, "limit must be 1-200", FieldError{"limit", "an integer from 1 to 200"})
		return 0, false
	}
	return n, true
}

// decodeCursor reads ?cursor= into v; the cursor is opaque to clients.
func decodeCursor(c *gin.Context, v any) (bool, bool) {
	s := c.Query("cursor")
	if s == "" {
		return false, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		abort(c, probValidation, "malformed cursor", FieldError{"cursor", "use next_cursor from a previous page"})
		return false, false
	}
	return true, true
}

func encodeCursor(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}
