package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/schemas"
)

// The cycle schedules (internal/cycles) seen and steered by administrators: each organization
// department's schedule of each periodic process, in the administrator's subtree. Pausing,
// unpausing and triggering take a note and are written to the admin trail; the change is made
// in Temporal first, then recorded (a failed record answers 503 and the retried request makes
// the same change again and records it).

// Schedule is one cycle schedule as an administrator sees it.
type Schedule struct {
	ID          string           `json:"id"`
	Kind        schemas.CaseKind `json:"kind"`
	Title       string           `json:"title"` // the process's Chinese name
	OrgUnitID   string           `json:"org_unit_id"`
	OrgUnitName string           `json:"org_unit_name"`
	// Exists is false while `jiandu migrate` has not created the schedule.
	Exists  bool       `json:"exists"`
	Paused  bool       `json:"paused"`
	Note    string     `json:"note"` // the note of the last pause or unpause
	NextRun *time.Time `json:"next_run,omitempty"`
	LastRun *time.Time `json:"last_run,omitempty"` // the nominal time of the latest round started
}

// ScheduleNote is the body of a pause, unpause or trigger.
type ScheduleNote struct {
	Note string `json:"note"`
}

// cycleList is the registry the schedule routes read: Deps.Cycles, else every registered cycle.
func (s *Server) cycleList() []cycles.Cycle {
	if s.cycles != nil {
		return s.cycles
	}
	return cycles.Registered()
}

// listSchedules lists the cycle schedules of the organization departments in the caller's
// subtree (administrators), by process then org unit path.
func (s *Server) listSchedules(c *gin.Context) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	items := []Schedule{}
	list := s.cycleList()
	if len(list) == 0 {
		return reply(c, http.StatusOK, gin.H{"items": items})
	}
	var units []schemas.OrgUnit
	err := s.db.WithContext(c.Request.Context()).Where("kind = ? AND path LIKE ? ESCAPE '\\'",
		schemas.OrgKindOrganization, escapeLike(principal(c).OrgUnit.Path)+"%").Order("path").Find(&units).Error
	if err != nil {
		return unavailable("list organization departments", err)
	}
	for _, cy := range list {
		for _, u := range units {
			v, err := s.describeSchedule(c, cy, u)
			if err != nil {
				return err
			}
			items = append(items, v)
		}
	}
	return reply(c, http.StatusOK, gin.H{"items": items})
}

// describeSchedule reads the schedule of cy at u from Temporal.
func (s *Server) describeSchedule(c *gin.Context, cy cycles.Cycle, u schemas.OrgUnit) (Schedule, error) {
	v := Schedule{ID: cycles.ScheduleID(cy.Kind, u.ID), Kind: cy.Kind, Title: cy.Title, OrgUnitID: u.ID, OrgUnitName: u.Name}
	d, err := s.temporal.ScheduleClient().GetHandle(c.Request.Context(), v.ID).Describe(c.Request.Context())
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		return v, nil
	case err != nil:
		return v, unavailable("describe schedule", err)
	}
	v.Exists = true
	if st := d.Schedule.State; st != nil {
		v.Paused, v.Note = st.Paused, st.Note
	}
	if len(d.Info.NextActionTimes) > 0 && !v.Paused {
		t := d.Info.NextActionTimes[0].UTC()
		v.NextRun = &t
	}
	if n := len(d.Info.RecentActions); n > 0 {
		t := d.Info.RecentActions[n-1].ScheduleTime.UTC()
		v.LastRun = &t
	}
	return v, nil
}

// scheduleFor reads the schedule the path names, in the caller's subtree (administrators);
// any other is 404.
func (s *Server) scheduleFor(c *gin.Context) (Schedule, cycles.Cycle, schemas.OrgUnit, error) {
	var u schemas.OrgUnit
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return Schedule{}, cycles.Cycle{}, u, err
	}
	notFound := problem(probNotFound, "没有此定时计划："+c.Param("id"))
	cy, org, ok := cycles.ParseScheduleID(s.cycleList(), c.Param("id"))
	if !ok {
		return Schedule{}, cy, u, notFound
	}
	err := s.db.WithContext(c.Request.Context()).First(&u, "id = ?", org).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Schedule{}, cy, u, notFound
	case err != nil:
		return Schedule{}, cy, u, unavailable("load org unit", err)
	case u.Kind != schemas.OrgKindOrganization || !strings.HasPrefix(u.Path, principal(c).OrgUnit.Path):
		return Schedule{}, cy, u, notFound
	}
	v, err := s.describeSchedule(c, cy, u)
	if err == nil && !v.Exists {
		err = problem(probNotFound, "定时计划"+v.ID+"尚未创建（由 jiandu migrate 创建）")
	}
	return v, cy, u, err
}

// pauseSchedule pauses a cycle schedule with a note: no round starts until it is unpaused, and
// the rounds it would have started are not caught up.
func (s *Server) pauseSchedule(c *gin.Context) error {
	return s.steerSchedule(c, audit.AdminSchedulePaused, func(h client.ScheduleHandle, note string) error {
		return h.Pause(c.Request.Context(), client.SchedulePauseOptions{Note: note})
	})
}

// unpauseSchedule resumes a paused cycle schedule with a note.
func (s *Server) unpauseSchedule(c *gin.Context) error {
	return s.steerSchedule(c, audit.AdminScheduleUnpaused, func(h client.ScheduleHandle, note string) error {
		return h.Unpause(c.Request.Context(), client.ScheduleUnpauseOptions{Note: note})
	})
}

// triggerSchedule starts a round now: the round of the current period, or nothing new when
// that period's case already exists (the launcher numbers a round once per period).
func (s *Server) triggerSchedule(c *gin.Context) error {
	return s.steerSchedule(c, audit.AdminScheduleTriggered, func(h client.ScheduleHandle, _ string) error {
		return h.Trigger(c.Request.Context(), client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL})
	})
}

// steerSchedule makes one change to the schedule the path names, records it in the admin trail
// and answers the schedule as it is now.
func (s *Server) steerSchedule(c *gin.Context, action string, change func(client.ScheduleHandle, string) error) error {
	if err := requireRole(c, schemas.RoleAdmin); err != nil {
		return err
	}
	var in ScheduleNote
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if errs := textIssue(nil, "note", in.Note, 1, schemas.MaxReasonRunes); len(errs) > 0 {
		return invalid("说明未通过校验", errs...)
	}
	before, cy, u, err := s.scheduleFor(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := change(s.temporal.ScheduleClient().GetHandle(ctx, before.ID), in.Note); err != nil {
		return unavailable("change schedule", err)
	}
	paused := before.Paused
	switch action {
	case audit.AdminSchedulePaused:
		paused = true
	case audit.AdminScheduleUnpaused:
		paused = false
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return appendAdminAudit(tx, c, action, []string{u.Path}, AdminChange{
			Target: "schedule/" + before.ID,
			Before: gin.H{"paused": before.Paused, "note": before.Note},
			After:  gin.H{"paused": paused, "note": in.Note}, // the note given with this change
		})
	})
	if err != nil {
		return unavailable("record schedule change", err)
	}
	s.log.InfoContext(ctx, "cycle schedule changed", "request_id", c.GetString(ctxRequestID),
		"official", principal(c).ID, "schedule", before.ID, "action", action)
	now, err := s.describeSchedule(c, cy, u)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if action == audit.AdminScheduleTriggered {
		status = http.StatusAccepted
	}
	return reply(c, status, now)
}
