package api

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// PublicOpinionStartInput is the body of POST /api/v1/cases/public-opinion: an item of public
// opinion as the monitoring registers it (DOMAIN.md P11 step 1).
type PublicOpinionStartInput struct {
	Title     string `json:"title"`
	OrgUnitID string `json:"org_unit_id"`
	Source    string `json:"source"`
	Link      string `json:"link"`
	Capture   string `json:"capture"`
	// FirstSeenAt is RFC 3339, or "2006-01-02 15:04" in Beijing time (the web form).
	FirstSeenAt  string `json:"first_seen_at"`
	SubjectID    string `json:"subject_id"`
	SubjectName  string `json:"subject_name"`
	LinkedCaseID string `json:"linked_case_id"`
	Priority     string `json:"priority"`
}

// opinionLinkKinds are the cases an item may belong to already: a publicity (P1), an
// admonishment (P4), an inquiry (P5).
var opinionLinkKinds = []schemas.CaseKind{schemas.KindPublicity, schemas.KindAdmonishment, schemas.KindInquiry}

// opinionLookback is how long before its registration an item may have been first seen [policy]:
// the monitoring scans twice a day, so an older first sighting is a typing error.
const opinionLookback = 7 * 24 * time.Hour

// parseFirstSeen reads the first sighting: RFC 3339, or a Beijing wall time to the minute.
func parseFirstSeen(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", v, calendar.Location()); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// startPublicOpinion registers an item of public opinion (舆情, P11): its limits count in clock
// hours from its first sighting.
func (s *Server) startPublicOpinion(c *gin.Context) error {
	p := principal(c)
	var in PublicOpinionStartInput
	if err := bindStart(c, schemas.KindPublicOpinion, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	errs = textIssue(errs, "source", in.Source, 1, 200)
	errs = textIssue(errs, "link", in.Link, 1, 2000)
	errs = textIssue(errs, "capture", in.Capture, 1, 10000)
	errs = textIssue(errs, "subject_name", in.SubjectName, 0, 50)
	now := time.Now()
	seen, ok := parseFirstSeen(in.FirstSeenAt)
	switch {
	case !ok:
		errs = append(errs, FieldError{"first_seen_at", "首次发现时间须为RFC 3339时间或“2006-01-02 15:04”（北京时间）"})
	case seen.After(now.Add(5 * time.Minute)):
		errs = append(errs, FieldError{"first_seen_at", "首次发现时间不能晚于当前时间"})
	case seen.Before(now.Add(-opinionLookback)):
		errs = append(errs, FieldError{"first_seen_at", "首次发现时间不能早于7日前"})
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	subjectName, subjectUnitID := strings.TrimSpace(in.SubjectName), ""
	if in.SubjectID != "" && unit != nil {
		o, _, e, err := s.officialIn(c, errs, "subject_id", in.SubjectID, unit, "")
		if err != nil {
			return err
		}
		if errs = e; o != nil {
			subjectUnitID = o.OrgUnitID
			if subjectName == "" {
				subjectName = o.Name
			}
		}
	}
	linked := strings.TrimSpace(in.LinkedCaseID)
	if linked != "" {
		var row schemas.Case
		err := s.visibleCases(s.db.WithContext(c.Request.Context()).Model(&schemas.Case{}).Select("cases.*"), p).
			Where("cases.id = ?", linked).Take(&row).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			errs = append(errs, FieldError{"linked_case_id", "关联案件不存在"})
		case err != nil:
			return unavailable("load the linked case", err)
		case !slices.Contains(opinionLinkKinds, row.Kind):
			errs = append(errs, FieldError{"linked_case_id", "关联案件须为任前公示、诫勉谈话或函询案件"})
		}
	}
	if len(errs) > 0 {
		return invalid("舆情登记内容未通过校验", errs...)
	}
	lower, err := s.lowerOffices(c, *unit)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = "舆情：" + strings.TrimSpace(in.Source)
		if subjectName != "" {
			title += "反映" + subjectName
		}
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindPublicOpinion, Title: title, OrgUnit: *unit,
		Details: fmt.Sprintf("**来源**：%s｜**首次发现**：%s", strings.TrimSpace(in.Source), seen.In(calendar.Location()).Format("2006-01-02 15:04")),
		Input: func(id string) any {
			return schemas.PublicOpinionInput{
				CaseID: id, Title: title, OrgUnitID: unit.ID, CreatedBy: p.ID, Priority: priority,
				Source: strings.TrimSpace(in.Source), Link: strings.TrimSpace(in.Link), Capture: strings.TrimSpace(in.Capture),
				FirstSeenAt: seen.UTC(), SubjectID: in.SubjectID, SubjectName: subjectName, SubjectUnitID: subjectUnitID,
				LinkedCaseID: linked, LowerOffices: lower,
			}
		},
	})
}

// publicOpinionForm is the process's start form in the web inbox (api/web_start.go).
var publicOpinionForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Hint: "不填则为“舆情：来源”"},
	{Name: "source", Label: "来源（网站、账号、媒体）", Type: "text", Required: true},
	{Name: "link", Label: "链接", Type: "text", Required: true},
	{Name: "capture", Label: "内容摘录", Type: "textarea", Required: true},
	{Name: "first_seen_at", Label: "首次发现时间", Type: "text", Required: true, Hint: "北京时间，如 2026-09-30 22:00；各项时限自此按小时连续计算（含节假日）"},
	{Name: "subject_id", Label: "涉及干部（账号）", Type: "official", Role: schemas.RoleSupervisedCadre},
	{Name: "subject_name", Label: "涉及干部姓名", Type: "text", Hint: "非本系统人员时填写"},
	{Name: "linked_case_id", Label: "关联案件编号", Type: "text", Hint: "已有任前公示、诫勉谈话或函询案件时填写"},
	priorityField,
}
