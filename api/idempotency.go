package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/schemas"
)

// idempotency refuses an Idempotency-Key that the official already sent with a different
// request (another route or another body): 422, and nothing is done. Without the check the
// second request would silently get the first one's answer. The first request's fingerprint is
// kept for good, like the update ids and case numbers derived from the key.
func (s *Server) idempotency(c *gin.Context) error {
	if c.Request.Method == http.MethodGet || c.GetHeader("Idempotency-Key") == "" {
		c.Next()
		return nil
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return problem(probTooLarge, "请求体超过上限")
		}
		return problem(probBadRequest, "无法读取请求体")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	fingerprint := requestFingerprint(c.Request.Method, c.Request.URL.Path, body)

	ctx := c.Request.Context()
	official := principal(c).ID
	row := schemas.IdempotencyKey{OfficialID: official, Key: key, RequestHash: fingerprint, CreatedAt: time.Now().UTC()}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return unavailable("record idempotency key", err)
	}
	var first schemas.IdempotencyKey
	if err := s.db.WithContext(ctx).Take(&first, "official_id = ? AND key = ?", official, key).Error; err != nil {
		return unavailable("read idempotency key", err)
	}
	if first.RequestHash != fingerprint {
		return invalid("此幂等键已用于内容不同的请求",
			FieldError{"Idempotency-Key", "此幂等键已用于另一请求（不同的接口或内容），请为新请求使用新的幂等键"})
	}
	c.Next()
	return nil
}

// requestFingerprint hashes the method, the path and the body; a JSON body is hashed in a
// canonical form (keys sorted, no insignificant white space), so a client that re-encodes the
// same request is still recognised.
func requestFingerprint(method, path string, body []byte) string {
	var v any
	if json.Unmarshal(body, &v) == nil {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
