package analysis

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook, in order.
const (
	SheetSummary      = "概况"
	SheetReports      = "举报受理"
	SheetTimeliness   = "办理时效"
	SheetTransfers    = "转办交办"
	SheetOther        = "公示函询诫勉"
	SheetWarnings     = "苗头性问题预警"
	SheetNarrative    = "分析"
	workbookTimestamp = "2006-01-02 15:04:05"
)

// Workbook is the report as an XLSX workbook: the same tables as the page and the JSON, a
// withheld cell as the text "<3". narrative, when not empty, is the approved analysis.
func Workbook(rep *Report, narrative string) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	w := &book{f: f}
	w.sheet(SheetSummary)
	w.row(rep.Title)
	w.row("单位", rep.OrgUnit.Name)
	w.row("期间", rep.Period.From+" 至 "+rep.Period.To)
	w.row("数据截至", rep.AsOf.In(location()).Format(workbookTimestamp))
	w.row()
	w.row("指标", "本期", "上期（"+rep.Previous.Period.From+"至"+rep.Previous.Period.To+"）", "去年同期（"+rep.LastYear.Period.From+"至"+rep.LastYear.Period.To+"）")
	for _, h := range headlineRows {
		w.row(h.label, h.get(rep.Headline), h.get(rep.Previous.Headline), h.get(rep.LastYear.Headline))
	}
	w.row()
	w.row("现行限制（期末）", rep.Restrictions.InForce)
	for _, r := range rep.Restrictions.ByKind {
		w.row("  "+r.Label, r.Count)
	}

	w.sheet(SheetReports)
	w.row("收到举报", rep.Reports.Total)
	for _, t := range []struct {
		title string
		rows  []Row
	}{
		{"按渠道", rep.Reports.ByChannel}, {"按办理方式", rep.Reports.ByType}, {"按被反映人单位", rep.Reports.ByUnit},
		{"按核查结果", rep.Reports.ByFinding}, {"按处理方式", rep.Reports.ByHandling}, {"按月份", rep.Reports.ByMonth},
	} {
		w.row()
		w.row(t.title, "件数")
		for _, r := range t.rows {
			w.row(r.Label, r.Count)
		}
	}

	w.sheet(SheetTimeliness)
	w.row("业务", "环节", "办结", "按期", "逾期", "督办", "期末逾期未办", "用时中位数（小时）", "用时P90（小时）")
	for _, t := range rep.Timeliness {
		step := "（全流程）"
		if t.Step != "" {
			step = t.StepTitle
		}
		w.row(t.KindTitle, step, t.Closed, t.OnTime, t.Late, t.Escalated, t.OpenOverdue, t.MedianHours, t.P90Hours)
	}

	w.sheet(SheetTransfers)
	w.row("下级组织部门", "收到转办", "按期上报", "逾期上报", "期末逾期未报", "退回重查", "提级办理")
	for _, o := range rep.Transfers {
		w.row(o.Office.Name, o.Received, o.OnTime, o.Late, o.OpenOverdue, o.Returned, o.TakenOver)
	}

	w.sheet(SheetOther)
	w.row("任前公示", "件数")
	w.row("新发起公示", rep.Publicity.Cases)
	w.row("收到反映", rep.Publicity.Objections)
	w.row("其中核查", rep.Publicity.Verified)
	for _, r := range rep.Publicity.Decisions {
		w.row("决定："+r.Label, r.Count)
	}
	for _, o := range []struct {
		title string
		o     Outcomes
	}{{"函询", rep.Inquiries}, {"诫勉", rep.Admonishments}} {
		w.row()
		w.row(o.title, "件数")
		w.row("新发起", o.o.Opened)
		w.row("办结", o.o.Closed)
		w.row("期末在办", o.o.Open)
		for _, r := range o.o.ByOutcome {
			w.row("结果："+r.Label, r.Count)
		}
	}

	w.sheet(SheetWarnings)
	w.row("预警规则", "对象", "情况", "数量", "涉及案件")
	for _, wn := range rep.Warnings {
		w.row(wn.Title, wn.Subject, wn.Detail, wn.Count, joinCases(wn.Cases))
	}
	if narrative != "" {
		w.sheet(SheetNarrative)
		w.row("苗头性、倾向性问题分析及建议")
		w.row(narrative)
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type book struct {
	f    *excelize.File
	name string
	n    int
	err  error
}

func (b *book) sheet(name string) {
	if b.err != nil {
		return
	}
	if _, err := b.f.NewSheet(name); err != nil {
		b.err = err
	}
	b.name, b.n = name, 0
}

// row writes the next row; a Cell is written as its number, or "<3".
func (b *book) row(vals ...any) {
	b.n++
	if b.err != nil || len(vals) == 0 {
		return
	}
	out := make([]any, len(vals))
	for i, v := range vals {
		if c, ok := v.(Cell); ok {
			if c.Suppressed {
				v = c.Text()
			} else {
				v = c.N
			}
		}
		out[i] = v
	}
	if err := b.f.SetSheetRow(b.name, fmt.Sprintf("A%d", b.n), &out); err != nil {
		b.err = err
	}
}

func joinCases(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += "、"
		}
		s += id
	}
	return s
}

// headlineRows are the compared figures with their Chinese names.
var headlineRows = []struct {
	label string
	get   func(Headline) any
}{
	{"收到举报（件）", func(h Headline) any { return h.Reports }},
	{"新发起案件", func(h Headline) any { return h.CasesOpened }},
	{"办结案件", func(h Headline) any { return h.CasesClosed }},
	{"办结任务", func(h Headline) any { return h.TasksClosed }},
	{"其中逾期办结", func(h Headline) any { return h.TasksLate }},
	{"其中经督办", func(h Headline) any { return h.TasksEscalated }},
}

// HeadlineRows are the compared figures' names and values, for the page.
func HeadlineRows(rep *Report) [][4]string {
	text := func(v any) string {
		if c, ok := v.(Cell); ok {
			return c.Text()
		}
		return fmt.Sprint(v)
	}
	out := make([][4]string, 0, len(headlineRows))
	for _, h := range headlineRows {
		out = append(out, [4]string{h.label, text(h.get(rep.Headline)), text(h.get(rep.Previous.Headline)), text(h.get(rep.LastYear.Headline))})
	}
	return out
}
