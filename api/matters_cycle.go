package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/spotcheck"
	"github.com/jiandu/jiandu/schemas"
)

// MattersCycleStartInput starts an organization department's annual personal-matters
// reporting cycle (POST /api/v1/cases/matters-cycle) for a year; a schedule starts the same
// workflow on 1 December (schemas.Cycles).
type MattersCycleStartInput struct {
	Title     string `json:"title"`
	OrgUnitID string `json:"org_unit_id"`
	Year      string `json:"year"`
	Percent   string `json:"percent"`
	Priority  string `json:"priority"`
}

// startMattersCycle starts the cycle of the caller's organization department (supervisors).
func (s *Server) startMattersCycle(c *gin.Context) error {
	var in MattersCycleStartInput
	if err := bindStart(c, schemas.KindMattersCycle, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	errs = textIssue(errs, "title", in.Title, 0, 200)
	period, errs, err := s.roundPeriod(errs, schemas.KindMattersCycle, "year", "报告年度", in.Year)
	if err != nil {
		return err
	}
	year, _ := strconv.Atoi(period)
	percent := schemas.DefaultDrawPercent
	if v := strings.TrimSpace(in.Percent); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 100 {
			errs = append(errs, FieldError{"percent", "随机抽查比例须为1至100之间的整数（百分比）"})
		}
		percent = p
	}
	priority, errs := parsePriority(errs, in.Priority)
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalid(schemas.KindMattersCycle.Title()+"的发起内容未通过校验", errs...)
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = fmt.Sprintf("%d年度领导干部个人有关事项报告（%s）", year, unit.Name)
	}
	p := principal(c)
	return s.startCase(c, caseStart{
		Kind: schemas.KindMattersCycle, Title: title, OrgUnit: *unit, Period: period,
		Details: fmt.Sprintf("**报告年度**：%d｜**报告截止**：%d年1月31日｜**随机抽查比例**：%d%%", year, year+1, percent),
		Input: func(id string) any {
			return schemas.MattersCycleInput{
				CycleStart: schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: period, CreatedBy: p.ID},
				Title:      title, Priority: priority, Percent: percent,
			}
		},
	})
}

// mattersCycleForm is the cycle's start form in the web inbox (api/web_start.go).
var mattersCycleForm = []startField{
	{Name: "title", Label: "标题", Type: "text", Hint: "不填则为“年度领导干部个人有关事项报告（本部门）”"},
	{Name: "year", Label: "报告年度", Type: "text", Hint: "四位年份，不填则为今年；报告截止次年1月31日"},
	{Name: "percent", Label: "随机抽查比例（%）", Type: "text", Hint: "1至100，不填则为10"},
	priorityField,
}

// MattersUnitDrawCheck is one unit's recorded draw and whether it redoes.
type MattersUnitDrawCheck struct {
	schemas.MattersUnitDraw
	// Count is ⌈roster × percent / 100⌉, the number the rule draws.
	Count    int    `json:"count"`
	Verified bool   `json:"verified"`
	Problem  string `json:"problem,omitempty"`
}

// MattersDrawResponse is a cycle's recorded draw, read from its audit trail, redone.
type MattersDrawResponse struct {
	CaseID  string                 `json:"case_id"`
	Year    int                    `json:"year"`
	Percent int                    `json:"percent"`
	Seed    string                 `json:"seed"`
	DrawnAt time.Time              `json:"drawn_at"`
	Rule    string                 `json:"rule"`
	Units   []MattersUnitDrawCheck `json:"units"`
	// AuditEventID is the trail event the draw was read from; AuditVerified whether the case's
	// hash chain verifies (the record was not altered).
	AuditEventID  int64 `json:"audit_event_id"`
	AuditVerified bool  `json:"audit_verified"`
	// Verified: the trail verifies and every unit's draw redoes from the seed.
	Verified bool `json:"verified"`
}

const mattersDrawRule = "对每个单位名单中的每名干部，以种子为密钥计算 HMAC-SHA256(单位编号 + \"\\n\" + 干部账号)，" +
	"按十六进制值升序排列，取前 ⌈名单人数 × 比例 ÷ 100⌉ 人（internal/spotcheck）。" +
	"可用 printf '%s\\n%s' 单位编号 干部账号 | openssl dgst -sha256 -hmac 种子 复核。"

// mattersDraw answers a cycle's draw (GET /api/v1/cases/{id}/matters-draw): the seed, each
// unit's roster and list as the audit trail recorded them, and the draw redone
// (spotcheck.Verify), so anyone who may read the case can check it.
func (s *Server) mattersDraw(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	if row.Kind != schemas.KindMattersCycle {
		return problem(probNotFound, "案件 "+row.ID+" 不是个人有关事项年度报告，没有随机抽取")
	}
	ctx := c.Request.Context()
	var ev schemas.AuditEvent
	err = s.db.WithContext(ctx).Where("case_id = ? AND action = ?", row.ID, "matters.draw").Order("case_seq").First(&ev).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return problem(probNotFound, "案件 "+row.ID+" 尚未进行随机抽取")
	case err != nil:
		return unavailable("load draw", err)
	}
	var d schemas.MattersDraw
	if err := json.Unmarshal([]byte(ev.Detail), &d); err != nil {
		return fmt.Errorf("draw of %s: %w", row.ID, err)
	}
	rep, err := audit.VerifyCase(ctx, s.db, row.ID)
	if err != nil {
		return unavailable("verify audit trail", err)
	}
	resp := MattersDrawResponse{
		CaseID: row.ID, Year: d.Year, Percent: d.Percent, Seed: d.Seed, DrawnAt: d.DrawnAt.UTC(), Rule: mattersDrawRule,
		Units: []MattersUnitDrawCheck{}, AuditEventID: ev.ID, AuditVerified: rep.OK(),
	}
	resp.Verified = resp.AuditVerified
	for _, u := range d.Units {
		u.Roster, u.Drawn = nonNil(u.Roster), nonNil(u.Drawn)
		check := MattersUnitDrawCheck{MattersUnitDraw: u, Count: spotcheck.Count(len(u.Roster), d.Percent), Verified: true}
		err := spotcheck.Verify(spotcheck.Draw{Seed: d.Seed, UnitID: u.UnitID, Percent: d.Percent, Roster: len(u.Roster), Drawn: u.Drawn}, u.Roster)
		if err != nil {
			check.Verified, check.Problem = false, "按记录的种子重新抽取，结果与记录不一致"
			resp.Verified = false
		}
		resp.Units = append(resp.Units, check)
	}
	return reply(c, http.StatusOK, resp)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
