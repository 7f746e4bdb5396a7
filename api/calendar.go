package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Bounds of PUT /api/v1/calendar/{year}.
const (
	calendarMinYear     = 2000
	calendarMaxYear     = 2100
	calendarMaxDays     = 366
	calendarMaxNameLen  = 32      // characters, not bytes
	calendarAdvisoryKey = 7272741 // Postgres advisory lock that serializes calendar writes
)

var calendarYearParam = regexp.MustCompile(`^[0-9]{4}$`)

// CalendarResponse is GET and PUT /api/v1/calendar/{year}: the entered exceptions of one year
// sorted by date, and the working days they leave.
type CalendarResponse struct {
	Year        int            `json:"year"`
	Days        []calendar.Day `json:"days"`
	WorkingDays int            `json:"working_days"`
	Entered     bool           `json:"entered"` // whether any day of the year is entered
}

// CalendarInput is the body of PUT /api/v1/calendar/{year}. Days is required; an empty list
// clears the year (it then counts Monday to Friday).
type CalendarInput struct {
	Days *[]calendar.Day `json:"days"`
}

// calendarYear reads :year, answering 422 naming "year" when it is not a year in range.
func calendarYear(c *gin.Context) (int, error) {
	raw := c.Param("year")
	year, err := strconv.Atoi(raw)
	if !calendarYearParam.MatchString(raw) || err != nil || year < calendarMinYear || year > calendarMaxYear {
		msg := fmt.Sprintf("年份须为%d至%d之间的四位数", calendarMinYear, calendarMaxYear)
		return 0, invalid(fmt.Sprintf("年份%q无效", raw), FieldError{Field: "year", Message: msg})
	}
	return year, nil
}

// yearRange is the first and last YYYY-MM-DD of year; dates compare as strings.
func yearRange(year int) (string, string) {
	return fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
}

// loadCalendarYear reads one year of the holidays table through db (a transaction or not).
func loadCalendarYear(db *gorm.DB, year int) (CalendarResponse, error) {
	from, to := yearRange(year)
	var rows []schemas.Holiday
	if err := db.Where("date >= ? AND date <= ?", from, to).Order("date").Find(&rows).Error; err != nil {
		return CalendarResponse{}, fmt.Errorf("load holidays of %d: %w", year, err)
	}
	days := make([]calendar.Day, len(rows))
	for i, r := range rows {
		days[i] = calendar.Day{Date: r.Date, Kind: calendar.DayKind(r.Kind), Name: r.Name}
	}
	cal, err := calendar.New(days)
	if err != nil {
		return CalendarResponse{}, fmt.Errorf("holidays table, year %d: %w", year, err)
	}
	return CalendarResponse{Year: year, Days: days, WorkingDays: cal.WorkingDaysInYear(year), Entered: len(days) > 0}, nil
}

// getCalendar answers one year of the working-day calendar to any official.
func (s *Server) getCalendar(c *gin.Context) error {
	year, err := calendarYear(c)
	if err != nil {
		return err
	}
	// The request's context, not c: gin recycles c for the next request while the SQLite
	// driver may still be watching the context's Done channel.
	res, err := loadCalendarYear(s.db.WithContext(c.Request.Context()), year)
	if err != nil {
		return unavailable("load calendar", err)
	}
	return reply(c, http.StatusOK, res)
}

// weekdayNames are the Chinese names of the days of the week.
var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// validateCalendarDays checks a year's entries, one FieldError per offending field, in the
// order of the entries. The checks are those of calendar.New plus: the date lies in year, a
// name of at most 32 characters, at most 366 entries, and no "workday" on a date that is
// already a working day (Monday to Friday).
func validateCalendarDays(year int, days *[]calendar.Day) []FieldError {
	if days == nil {
		return []FieldError{{"days", "必填：该年的全部条目（空数组表示清空该年）"}}
	}
	if n := len(*days); n > calendarMaxDays {
		return []FieldError{{"days", fmt.Sprintf("共%d条，最多%d条", n, calendarMaxDays)}}
	}
	var errs []FieldError
	seen := make(map[string]int, len(*days))
	for i, d := range *days {
		field := func(name string) string { return fmt.Sprintf("days[%d].%s", i, name) }
		t, err := time.Parse("2006-01-02", d.Date)
		switch {
		case err != nil:
			errs = append(errs, FieldError{field("date"), fmt.Sprintf("%q不是有效日期，应为YYYY-MM-DD", d.Date)})
		case t.Year() != year:
			errs = append(errs, FieldError{field("date"), fmt.Sprintf("%s不在%d年内", d.Date, year)})
		default:
			if j, dup := seen[d.Date]; dup {
				errs = append(errs, FieldError{field("date"), fmt.Sprintf("%s重复录入（另见days[%d]）", d.Date, j)})
			} else {
				seen[d.Date] = i
			}
		}
		switch d.Kind {
		case calendar.Off:
		case calendar.Workday:
			if err == nil {
				if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
					errs = append(errs, FieldError{field("kind"), fmt.Sprintf(
						"%s是%s，本就是工作日：%q只用于调休上班的周六、周日", d.Date, weekdayNames[wd], calendar.Workday)})
				}
			}
		default:
			errs = append(errs, FieldError{field("kind"), fmt.Sprintf("%q无效，应为%q（放假）或%q（调休上班）", d.Kind, calendar.Off, calendar.Workday)})
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(d.Name)); n > calendarMaxNameLen {
			errs = append(errs, FieldError{field("name"), fmt.Sprintf("共%d个字符，不得超过%d个", n, calendarMaxNameLen)})
		}
	}
	return errs
}

// putCalendar replaces one year of the calendar (an administrator of the root org unit: the
// calendar is region-wide). Deadlines already computed keep their values: workflows record
// them in history through the ComputeDeadline activity.
func (s *Server) putCalendar(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	if p := principal(c); p.OrgUnit.ParentID != nil {
		return problem(probRootOnly, "工作日历适用于全区，只有根单位的管理员可以修改")
	}
	year, err := calendarYear(c)
	if err != nil {
		return err
	}
	var in CalendarInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if errs := validateCalendarDays(year, in.Days); len(errs) > 0 {
		return invalid(fmt.Sprintf("%d年工作日历有%d处错误", year, len(errs)), errs...)
	}
	rows := make([]schemas.Holiday, len(*in.Days))
	var off, workday int
	for i, d := range *in.Days {
		rows[i] = schemas.Holiday{Date: d.Date, Kind: string(d.Kind), Name: strings.TrimSpace(d.Name)}
		if d.Kind == calendar.Off {
			off++
		} else {
			workday++
		}
	}
	from, to := yearRange(year)
	var (
		res      CalendarResponse
		replaced int64
	)
	err = s.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			// Two admins saving the same year at once: the second waits and then replaces
			// the first's rows, instead of failing on their primary keys.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, calendarAdvisoryKey).Error; err != nil {
				return err
			}
		}
		before, err := loadCalendarYear(tx, year)
		if err != nil {
			return err
		}
		del := tx.Where("date >= ? AND date <= ?", from, to).Delete(&schemas.Holiday{})
		if del.Error != nil {
			return fmt.Errorf("delete holidays of %d: %w", year, del.Error)
		}
		replaced = del.RowsAffected
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return fmt.Errorf("insert holidays of %d: %w", year, err)
			}
		}
		if res, err = loadCalendarYear(tx, year); err != nil {
			return err
		}
		return appendAdminAudit(tx, c, adminCalendarSet, []string{principal(c).OrgUnit.Path},
			AdminChange{Target: fmt.Sprintf("calendar/%d", year), Before: before.Days, After: res.Days})
	})
	if err != nil {
		return unavailable("save calendar", err)
	}
	s.log.InfoContext(c.Request.Context(), "calendar year replaced",
		"request_id", c.GetString(ctxRequestID), "official", principal(c).ID, "year", year,
		"count", len(rows), "off", off, "workday", workday, "replaced", replaced,
		"working_days", res.WorkingDays)
	return reply(c, http.StatusOK, res)
}
