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
func (s *Server) listNotifications(c *gin.Context) error {
	p := principal(c)
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	q := s.db.WithContext(c.Request.Context()).Where("official_id = ?", p.ID)
	switch v := c.Query("unread"); v {
	case "true":
		q = q.Where("read_at IS NULL")
	case "", "false":
	default:
		return invalid("参数unread无效", FieldError{"unread", "是否只看未读须为true或false"})
	}
	var cur notificationCursor
	has, err := decodeCursor(c, &cur)
	if err != nil {
		return err
	}
	if has {
		if cur.ID <= 0 {
			return errBadCursor
		}
		q = q.Where("id < ?", cur.ID)
	}
	items := []schemas.Notification{}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&items).Error; err != nil {
		return unavailable("list notifications", err)
	}
	resp := gin.H{}
	if len(items) > limit {
		items = items[:limit]
		resp["next_cursor"] = encodeCursor(notificationCursor{ID: items[limit-1].ID})
	}
	resp["items"] = items
	return reply(c, http.StatusOK, resp)
}

// markNotificationRead marks one of the caller's notifications read. Marking it again keeps the
// first read_at. Another official's notification is 404, so ids reveal nothing.
func (s *Server) markNotificationRead(c *gin.Context) error {
	p := principal(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return invalid("通知编号格式错误", FieldError{"id", "通知编号须为正整数"})
	}
	db := s.db.WithContext(c.Request.Context())
	err = db.Model(&schemas.Notification{}).
		Where("id = ? AND official_id = ? AND read_at IS NULL", id, p.ID).
		Update("read_at", time.Now().UTC().Truncate(time.Microsecond)).Error
	if err != nil {
		return unavailable("mark notification read", err)
	}
	var n schemas.Notification
	err = db.Where("id = ? AND official_id = ?", id, p.ID).First(&n).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return problem(probNotFound, "通知 "+c.Param("id")+" 不存在")
	case err != nil:
		return unavailable("load notification", err)
	}
	return reply(c, http.StatusOK, n)
}
