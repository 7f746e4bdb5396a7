package api

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/schemas"
)

// The periodic analysis report (定期分析报告, issue 17): the figures across the cases of an
// organization department's subtree for a period, live (GET /api/v1/analysis, its workbook)
// or as a round of the AnalysisReport process stored them (GET /api/v1/analysis/reports).
//
// Who reads it: the supervisors and leaders of the department or of a department above it (an
// upper office reads the reports of the lower ones). What they read is scoped like a case
// list: a live report counts only the cases the reader may see (visibleCases) and never those
// they are a subject of (回避); a stored report keeps the office's figures as compiled, and its
// early warnings list only the cases the reader may see, never a warning about the reader.
// No reporter identity is read: the sealed column is never selected.

// analysisReaders are the roles that read analysis reports.
var analysisReaders = []schemas.Role{schemas.RoleSupervisor, schemas.RoleLeader}

// maxAnalysisDays bounds a live report's period.
const maxAnalysisDays = 366

// xlsxType is the media type of the workbooks.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// AnalysisStartInput is the body of POST /api/v1/cases/analysis: a round started by request.
type AnalysisStartInput struct {
	OrgUnitID string `json:"org_unit_id"`
	Period    string `json:"period"`
}

var analysisForm = []startField{
	{Name: "period", Label: "分析期间", Type: "text", Required: true, Hint: "月份如2026-10，季度如2026-Q3，年度如2026"},
}

// startAnalysis starts a round of the analysis report for the caller's department.
func (s *Server) startAnalysis(c *gin.Context) error {
	var in AnalysisStartInput
	if err := bindStart(c, schemas.KindAnalysis, &in, &in.OrgUnitID); err != nil {
		return err
	}
	var errs []FieldError
	unit, errs, err := s.organization(c, errs, in.OrgUnitID)
	if err != nil {
		return err
	}
	in.Period = strings.TrimSpace(in.Period)
	period, perr := analysis.ParseName(in.Period)
	if start, _ := period.Bounds(); perr != nil {
		errs = append(errs, FieldError{"period", "期间须为月份（2026-10）、季度（2026-Q3）或年度（2026）"})
	} else if start.After(time.Now()) {
		errs = append(errs, FieldError{"period", "该期间尚未开始"})
	}
	if len(errs) > 0 {
		return invalid("分析报告参数未通过校验", errs...)
	}
	by := principal(c).ID
	return s.startCase(c, caseStart{
		Kind: schemas.KindAnalysis, Title: period.Title() + "干部监督工作分析报告", OrgUnit: *unit,
		Details: "**期间**：" + period.From + " 至 " + period.To,
		// The round is the period asked for: a month (as the monthly schedule's), a quarter or
		// a year (analysis.ParseName); one case per office and period either way.
		Period: in.Period,
		Input: func(id string) any {
			return schemas.AnalysisInput{CycleStart: schemas.CycleStart{CaseID: id, OrgUnitID: unit.ID, Period: in.Period, CreatedBy: by}}
		},
	})
}

// analysisReader refuses anyone but the supervisors and leaders.
func analysisReader(c *gin.Context) error {
	if !principal(c).Roles.HasAny(analysisReaders) {
		return problem(probForbidden, "分析报告由干部监督机构和部领导查阅")
	}
	return nil
}

// analysisParams reads ?org_unit=&from=&to= (the caller's department and the month just
// ended by default).
func (s *Server) analysisParams(c *gin.Context) (schemas.OrgUnit, analysis.Period, error) {
	var unit schemas.OrgUnit
	if err := analysisReader(c); err != nil {
		return unit, analysis.Period{}, err
	}
	p := principal(c)
	var errs []FieldError
	id := c.Query("org_unit")
	if id == "" {
		id = p.OrgUnitID
	}
	err := s.db.WithContext(c.Request.Context()).First(&unit, "id = ?", id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		errs = append(errs, FieldError{"org_unit", "单位不存在"})
	case err != nil:
		return unit, analysis.Period{}, unavailable("load org unit", err)
	case !p.InSubtree(unit.Path):
		return unit, analysis.Period{}, problem(probForbidden, "只能查阅本单位及下级单位的分析报告")
	case unit.Kind != schemas.OrgKindOrganization:
		errs = append(errs, FieldError{"org_unit", "须为组织部门"})
	}
	from, to := c.Query("from"), c.Query("to")
	var period analysis.Period
	if from == "" && to == "" {
		period, _ = analysis.ParseName(schemas.PreviousMonth(time.Now()))
	} else {
		for _, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
			if _, err := time.Parse("2006-01-02", f.v); err != nil {
				errs = append(errs, FieldError{f.name, "须为YYYY-MM-DD格式的日期"})
			}
		}
		if len(errs) == 0 {
			var perr error
			period, perr = analysis.NewPeriod(from, to)
			switch {
			case perr != nil:
				errs = append(errs, FieldError{"to", "结束日期不得早于开始日期"})
			case period.Days() > maxAnalysisDays:
				errs = append(errs, FieldError{"to", "期间不得超过一年"})
			}
		}
	}
	if len(errs) > 0 {
		return unit, period, invalid("分析报告参数未通过校验", errs...)
	}
	return unit, period, nil
}

// readerScope restricts a case query to the cases the reader may see, recusal applied.
func (s *Server) readerScope(c *gin.Context) (func(*gorm.DB) *gorm.DB, error) {
	p := principal(c)
	recused, err := s.subjectCases(c, p.ID)
	if err != nil {
		return nil, err
	}
	return func(q *gorm.DB) *gorm.DB {
		q = s.visibleCases(q, p)
		if len(recused) > 0 {
			q = q.Where("cases.id NOT IN ?", recused) // 回避
		}
		return q
	}, nil
}

// liveAnalysis compiles the report the request asks for, as the reader may see it.
func (s *Server) liveAnalysis(c *gin.Context) (*analysis.Report, error) {
	unit, period, err := s.analysisParams(c)
	if err != nil {
		return nil, err
	}
	scope, err := s.readerScope(c)
	if err != nil {
		return nil, err
	}
	rep, err := analysis.Compile(c.Request.Context(), s.db, analysis.Params{OrgUnitID: unit.ID, Period: period, AsOf: time.Now(), Scope: scope})
	if err != nil {
		return nil, unavailable("compile the analysis", err)
	}
	return rep, nil
}

// getAnalysis is GET /api/v1/analysis.
func (s *Server) getAnalysis(c *gin.Context) error {
	rep, err := s.liveAnalysis(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, rep)
}

// getAnalysisWorkbook is GET /api/v1/analysis/workbook.
func (s *Server) getAnalysisWorkbook(c *gin.Context) error {
	rep, err := s.liveAnalysis(c)
	if err != nil {
		return err
	}
	return sendWorkbook(c, rep, "", "analysis-"+rep.OrgUnit.ID+"-"+rep.Period.From+"-"+rep.Period.To)
}

func sendWorkbook(c *gin.Context, rep *analysis.Report, narrative, name string) error {
	b, err := analysis.Workbook(rep, narrative)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	c.Data(http.StatusOK, xlsxType, b)
	return nil
}

// AnalysisSnapshotItem is a stored report in a list.
type AnalysisSnapshotItem struct {
	schemas.AnalysisSnapshot
	OrgUnitName string `json:"org_unit_name"`
}

// StoredAnalysis is GET /api/v1/analysis/reports/{id}: the stored report, its figures as
// compiled, its approved analysis.
type StoredAnalysis struct {
	AnalysisSnapshotItem
	Report analysis.Report `json:"report"`
}

// maxAnalysisList bounds the list of stored reports (a year of monthly and quarterly rounds of
// a league and its counties is far fewer).
const maxAnalysisList = 500

// listAnalysisReports is GET /api/v1/analysis/reports: the stored reports of the reader's
// department and the departments below it, newest period first.
func (s *Server) listAnalysisReports(c *gin.Context) error {
	if err := analysisReader(c); err != nil {
		return err
	}
	p := principal(c)
	q := s.db.WithContext(c.Request.Context()).Model(&schemas.AnalysisSnapshot{}).
		Select("analysis_snapshots.*, org_units.name AS org_unit_name").
		Joins("JOIN org_units ON org_units.id = analysis_snapshots.org_unit_id").
		Where("org_units.path LIKE ?", p.OrgUnit.Path+"%")
	if id := c.Query("org_unit"); id != "" {
		q = q.Where("analysis_snapshots.org_unit_id = ?", id)
	}
	items := []AnalysisSnapshotItem{}
	if err := q.Order("analysis_snapshots.period_from DESC, analysis_snapshots.id DESC").Limit(maxAnalysisList).Scan(&items).Error; err != nil {
		return unavailable("list analysis reports", err)
	}
	for i := range items {
		items[i].CompiledAt = items[i].CompiledAt.UTC()
		if items[i].ApprovedAt != nil {
			items[i].ApprovedAt = new(items[i].ApprovedAt.UTC())
		}
	}
	return reply(c, http.StatusOK, gin.H{"items": items})
}

// storedAnalysis loads a stored report the reader may read (404 otherwise), its warnings
// filtered for the reader.
func (s *Server) storedAnalysis(c *gin.Context) (*StoredAnalysis, error) {
	if err := analysisReader(c); err != nil {
		return nil, err
	}
	p := principal(c)
	ctx := c.Request.Context()
	var out StoredAnalysis
	err := s.db.WithContext(ctx).Model(&schemas.AnalysisSnapshot{}).
		Select("analysis_snapshots.*, org_units.name AS org_unit_name").
		Joins("JOIN org_units ON org_units.id = analysis_snapshots.org_unit_id").
		Where("analysis_snapshots.id = ? AND org_units.path LIKE ?", c.Param("id"), p.OrgUnit.Path+"%").
		Take(&out.AnalysisSnapshotItem).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, problem(probNotFound, "分析报告 "+c.Param("id")+" 不存在")
	case err != nil:
		return nil, unavailable("load analysis report", err)
	}
	out.CompiledAt = out.CompiledAt.UTC()
	if out.ApprovedAt != nil {
		out.ApprovedAt = new(out.ApprovedAt.UTC())
	}
	if err := json.Unmarshal([]byte(out.Figures), &out.Report); err != nil {
		return nil, err
	}
	var ids []string
	for _, w := range out.Report.Warnings {
		ids = append(ids, w.Cases...)
	}
	visible := map[string]bool{}
	if len(ids) > 0 {
		scope, err := s.readerScope(c)
		if err != nil {
			return nil, err
		}
		var seen []string
		if err := scope(s.db.WithContext(ctx).Model(&schemas.Case{})).Where("cases.id IN ?", ids).Pluck("cases.id", &seen).Error; err != nil {
			return nil, unavailable("check the warnings' cases", err)
		}
		for _, id := range seen {
			visible[id] = true
		}
	}
	out.Report.Warnings = analysis.ForReader(out.Report.Warnings, p.ID, func(id string) bool { return visible[id] })
	return &out, nil
}

// getAnalysisReport is GET /api/v1/analysis/reports/{id}.
func (s *Server) getAnalysisReport(c *gin.Context) error {
	out, err := s.storedAnalysis(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// getAnalysisReportWorkbook is GET /api/v1/analysis/reports/{id}/workbook.
func (s *Server) getAnalysisReportWorkbook(c *gin.Context) error {
	out, err := s.storedAnalysis(c)
	if err != nil {
		return err
	}
	return sendWorkbook(c, &out.Report, out.Narrative, out.ID)
}

// analysisPage is what the report page shows.
type analysisPage struct {
	Report   *analysis.Report
	Stored   *StoredAnalysis
	Headline [][4]string
	Charts   []template.HTML
	Tables   []analysisTable
	Workbook string
}

type analysisTable struct {
	ID, Title string
	Rows      []analysis.Row
}

func newAnalysisPage(rep *analysis.Report, stored *StoredAnalysis, workbook string) analysisPage {
	r := rep.Reports
	return analysisPage{
		Report: rep, Stored: stored, Headline: analysis.HeadlineRows(rep), Workbook: workbook,
		Charts: []template.HTML{
			analysis.BarChart("chart-month", "各月收到举报（件）", r.ByMonth),
			analysis.BarChart("chart-channel", "举报渠道（件）", r.ByChannel),
			analysis.BarChart("chart-type", "办理方式（件）", r.ByType),
			analysis.TimelinessChart("chart-timeliness", rep.Timeliness),
		},
		Tables: []analysisTable{
			{"channel", "按渠道", r.ByChannel}, {"type", "按办理方式", r.ByType}, {"unit", "按被反映人单位", r.ByUnit},
			{"finding", "按核查结果", r.ByFinding}, {"handling", "按处理方式", r.ByHandling}, {"month", "按月份", r.ByMonth},
		},
	}
}

// webAnalysis is the live report page: GET /api/v1/analysis with the page's query.
func (s *Server) webAnalysis(c *gin.Context) {
	q := url.Values{}
	for _, k := range []string{"org_unit", "from", "to"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	a := s.call(c, "GET", "/api/v1/analysis?"+q.Encode(), nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var rep analysis.Report
	if err := a.decode(&rep); err != nil {
		s.failed(c, apiAnswer{status: http.StatusInternalServerError})
		return
	}
	q = url.Values{"org_unit": {rep.OrgUnit.ID}, "from": {rep.Period.From}, "to": {rep.Period.To}}
	s.render(c, http.StatusOK, "analysis", page{Title: rep.Title, Nav: "analysis", Data: newAnalysisPage(&rep, nil, "/api/v1/analysis/workbook?"+q.Encode())})
}

// webAnalysisReports lists the stored reports.
func (s *Server) webAnalysisReports(c *gin.Context) {
	a := s.call(c, "GET", "/api/v1/analysis/reports", nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var out struct {
		Items []AnalysisSnapshotItem `json:"items"`
	}
	if err := a.decode(&out); err != nil {
		s.failed(c, apiAnswer{status: http.StatusInternalServerError})
		return
	}
	s.render(c, http.StatusOK, "analysis_list", page{Title: "分析报告", Nav: "analysis", Data: out.Items})
}

// webAnalysisReport shows a stored report.
func (s *Server) webAnalysisReport(c *gin.Context) {
	id := url.PathEscape(c.Param("id"))
	a := s.call(c, "GET", "/api/v1/analysis/reports/"+id, nil)
	if !a.ok() {
		s.failed(c, a)
		return
	}
	var out StoredAnalysis
	if err := a.decode(&out); err != nil {
		s.failed(c, apiAnswer{status: http.StatusInternalServerError})
		return
	}
	s.render(c, http.StatusOK, "analysis", page{Title: out.Title, Nav: "analysis",
		Data: newAnalysisPage(&out.Report, &out, "/api/v1/analysis/reports/"+id+"/workbook")})
}
