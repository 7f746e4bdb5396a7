package analysis

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// The charts of the report page: SVG drawn on the server, so the page reads without script,
// prints, and shows the same figures as its tables. A withheld cell draws no bar and reads
// "<3".

const (
	chartWidth  = 640
	labelWidth  = 170
	barHeight   = 22
	barGap      = 8
	chartTop    = 34
	valueMargin = 50
)

// BarChart draws rows as horizontal bars.
func BarChart(id, title string, rows []Row) template.HTML {
	most := 0
	for _, r := range rows {
		if !r.Count.Suppressed && r.Count.N > most {
			most = r.Count.N
		}
	}
	var b strings.Builder
	height := chartTop + len(rows)*(barHeight+barGap) + 10
	open(&b, id, title, height)
	span := chartWidth - labelWidth - valueMargin
	for i, r := range rows {
		y := chartTop + i*(barHeight+barGap)
		w := 0
		if !r.Count.Suppressed && most > 0 {
			w = r.Count.N * span / most
		}
		label(&b, y, r.Label)
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d" fill="#2f5d8a"><title>%s：%s</title></rect>`,
			labelWidth, y, w, barHeight, esc(r.Label), r.Count.Text())
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#222">%s</text>`, labelWidth+w+6, y+barHeight-6, esc(r.Count.Text()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text is escaped above
}

// TimelinessChart draws, per process, the steps closed on time and late as one stacked bar.
func TimelinessChart(id string, rows []Timeliness) template.HTML {
	var procs []Timeliness
	most := 0
	for _, t := range rows {
		if t.Step == "" && t.Closed+t.OpenOverdue > 0 {
			procs = append(procs, t)
			most = max(most, t.Closed+t.OpenOverdue)
		}
	}
	var b strings.Builder
	height := chartTop + len(procs)*(barHeight+barGap) + 30
	open(&b, id, "各业务环节办理时效（按期 / 逾期 / 期末逾期未办）", height)
	span := chartWidth - labelWidth - valueMargin
	for i, t := range procs {
		y := chartTop + i*(barHeight+barGap)
		label(&b, y, t.KindTitle)
		x := labelWidth
		for _, part := range []struct {
			n          int
			fill, name string
		}{{t.OnTime, "#3a7d44", "按期"}, {t.Late, "#c0392b", "逾期"}, {t.OpenOverdue, "#e67e22", "期末逾期未办"}} {
			w := part.n * span / most
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s：%d</title></rect>`,
				x, y, w, barHeight, part.fill, esc(t.KindTitle), part.name, part.n)
			x += w
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#222">%d/%d/%d</text>`, x+6, y+barHeight-6, t.OnTime, t.Late, t.OpenOverdue)
	}
	y := chartTop + len(procs)*(barHeight+barGap) + 8
	for i, l := range []struct{ fill, name string }{{"#3a7d44", "按期"}, {"#c0392b", "逾期"}, {"#e67e22", "期末逾期未办"}} {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			labelWidth+i*120, y, l.fill, labelWidth+i*120+16, y+11, l.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text is escaped above
}

func open(b *strings.Builder, id, title string, height int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" aria-labelledby="%s-title" viewBox="0 0 %d %d" width="%d" height="%d">`,
		esc(id), esc(id), chartWidth, height, chartWidth, height)
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`, esc(id), esc(title))
	fmt.Fprintf(b, `<text x="0" y="18" font-size="15" font-weight="bold" fill="#222">%s</text>`, esc(title))
}

func label(b *strings.Builder, y int, text string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" text-anchor="end" fill="#222">%s</text>`, labelWidth-8, y+barHeight-6, esc(text))
}

func esc(s string) string { return html.EscapeString(s) }
