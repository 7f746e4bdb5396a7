package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/schemas"
)

// notificationCursor is the last notification of a page; the next page holds older ids.
type notificationCursor struct {
	ID int64 `json:"id"`
}

// listNotifications is the calling official's own notifications, newest (highest id) first:
// ?unread=true keeps the unread ones; ?limit= and ?cursor= page through them.
func (s *Server) listNotifications(c *gin.Context) {
	p := principal(c)
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	q := s.db.WithContext(c.Request.Context()).Where("official_id = ?", p.ID)
	switch v := c.Query("unread"); v {
	case "true":
		q = q.Where("read_at IS NULL")
	case "", "false":
	default:
		abort(c, probValidation, "unread must be true or false", FieldError{"unread", "true or false"})
		return
	}
	var cur notificationCursor
	has, ok := decodeCursor(c, &cur)
	if !ok {
		return
	}
	if has {
		if cur.ID <= 0 {
			abort(c, probValidation, "malformed cursor", FieldError{"cursor", "use next_cursor from a previous page"})
			return
		}
		q = q.Where("id < ?", cur.ID)
	}
	items := []schemas.Notification{}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&items).Error; err != nil {
		s.unavailable(c, "list notifications", err)
		return
	}
	resp := gin.H{}
	if len(items) > limit {
		items = items[:limit]
		resp["next_cursor"] = encodeCursor(notificationCursor{ID: items[limit-1].ID})
	}
	resp["items"] = items
	c.JSON(http.StatusOK, resp)
}

// markNotificationRead marks one of the caller's notifications read. Marking it again keeps the
// first read_at. Another official's notification is 404, so ids reveal nothing.
func (s *Server) markNotificationRead(c *gin.Context) {
	p := principal(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		abort(c, probValidation, "malformed notification id", FieldError{"id", "a positive integer"})
		return
	}
	db := s.db.WithContext(c.Request.Context())
	err = db.Model(&schemas.Notification{}).
		Where("id = ? AND official_id = ? AND read_at IS NULL", id, p.ID).
		Update("read_at", time.Now().UTC().Truncate(time.Microsecond)).Error
	if err != nil {
		s.unavailable(c, "mark notification read", err)
		return
	}
	var n schemas.Notification
	err = db.Where("id = ? AND official_id = ?", id, p.ID).First(&n).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		abort(c, probNotFound, "no notification "+c.Param("id"))
		return
	case err != nil:
		s.unavailable(c, "load notification", err)
		return
	}
	c.JSON(http.StatusOK, n)
}
