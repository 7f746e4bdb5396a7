package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Params say what to compile.
type Params struct {
	OrgUnitID string
	Period    Period
	// AsOf is when the figures are read (stored as the report's as_of).
	AsOf time.Time
	// Scope restricts a query on cases to those the reader may see (the API's case rule and
	// recusal); nil for every case of the subtree (the stored report of an office).
	Scope func(*gorm.DB) *gorm.DB
}

// Windows of the early-warning rules.
const (
	WarningMonths       = 12 // repeat subject, late office
	InspectionMonths    = 24 // repeat finding: inspections are rarer than reports
	RepeatThreshold     = 2  // reports about a cadre, late steps of an office, findings of a kind
	RisingMinimum       = 2  // a unit's reports in the period, at least, to count as rising
	escalatedLevel      = 2  // tasks.escalation_level of a 督办 or a report upward
	unitUnknown         = "unknown"
	pendingKey, noneKey = "pending", "none"
)

// Labels of the breakdowns, in the order the report shows them.
var (
	channelLabels = []Row{{Key: "phone", Label: "电话"}, {Key: "letter", Label: "来信"}, {Key: "visit", Label: "来访"}, {Key: "sms", Label: "短信"}, {Key: "web", Label: "网络"}}
	typeLabels    = []Row{
		{Key: schemas.TriageVerify, Label: "登记核查"}, {Key: schemas.TriageTalk, Label: "谈话提醒"}, {Key: schemas.TriageInquiry, Label: "函询"},
		{Key: schemas.TriageFile, Label: "存档备查"}, {Key: schemas.TriageTransfer, Label: "转下级办理"}, {Key: schemas.TriagePublicity, Label: "并入任前公示"},
		{Key: "forwarded", Label: "不属于受理范围"}, {Key: pendingKey, Label: "尚未分流"},
	}
	findingLabels = []Row{
		{Key: schemas.FindingSubstantiated, Label: "属实"}, {Key: schemas.FindingPartly, Label: "部分属实"}, {Key: schemas.FindingUnfounded, Label: "不属实"},
		{Key: schemas.FindingUnverifiable, Label: "无法查实"}, {Key: "open", Label: "办理中"}, {Key: noneKey, Label: "未经核查办结"},
	}
	handlingLabels = []Row{
		{Key: schemas.HandleAdmonish, Label: "诫勉"}, {Key: schemas.HandleInquiry, Label: "函询"}, {Key: schemas.HandleOrg, Label: "组织处理"},
		{Key: schemas.HandleDiscipline, Label: "移送纪委"}, {Key: schemas.HandleNone, Label: "不作处理"},
	}
)

type caseRow struct {
	ID         string
	Kind       string
	OrgUnitID  string
	Status     string
	Outcome    string
	CreatedAt  time.Time
	ClosedAt   *time.Time
	FinalState string
}

type reportRow struct {
	ID          string
	Channel     string
	SubjectID   string
	SubjectName string
	SubjectUnit string
	CreatedAt   time.Time
}

type auditRow struct {
	ID     int64
	CaseID string
	At     time.Time
	Action string
	Detail string
}

type span struct{ start, end time.Time }

func (s span) has(t time.Time) bool { return !t.Before(s.start) && t.Before(s.end) }

func (s span) hasPtr(t *time.Time) bool { return t != nil && s.has(*t) }

// data is what one compilation reads.
type data struct {
	unit     schemas.OrgUnit
	units    map[string]schemas.OrgUnit
	cases    map[string]*caseRow
	tasks    []schemas.Task
	reports  []reportRow
	audits   []auditRow
	subjects map[string]string // official id → org unit id
	// cutoff is when "open past its deadline" is judged: the period's end, or now when the
	// period has not ended.
	cutoff time.Time
}

// Compile reads the figures of p.
func Compile(ctx context.Context, db *gorm.DB, p Params) (*Report, error) {
	db = db.WithContext(ctx)
	d := data{units: map[string]schemas.OrgUnit{}, cases: map[string]*caseRow{}, subjects: map[string]string{}}
	var units []schemas.OrgUnit
	if err := db.Find(&units).Error; err != nil {
		return nil, fmt.Errorf("org units: %w", err)
	}
	for _, u := range units {
		d.units[u.ID] = u
	}
	unit, ok := d.units[p.OrgUnitID]
	if !ok {
		return nil, fmt.Errorf("org unit %q: %w", p.OrgUnitID, gorm.ErrRecordNotFound)
	}
	d.unit = unit
	cur := spanOf(p.Period)
	d.cutoff = cur.end
	if !p.AsOf.IsZero() && p.AsOf.Before(cur.end) {
		d.cutoff = p.AsOf.UTC()
	}
	prev, lastYear := spanOf(p.Period.Previous()), spanOf(p.Period.LastYear())
	// Cases from the earliest window any figure looks at (the inspections' 24 months); their
	// steps and reports from the earliest of the periods compared and the 12 months of the
	// rules, so that a region's report does not read two years of steps.
	earliest := minTime(prev.start, lastYear.start, cur.end.AddDate(0, -InspectionMonths, 0))
	recentSteps := minTime(prev.start, lastYear.start, cur.end.AddDate(0, -WarningMonths, 0))

	scoped := func() *gorm.DB {
		// The analysis rounds themselves are not supervision cases: they count nowhere.
		q := db.Model(&schemas.Case{}).Where("cases.org_unit_id IN (?) AND cases.kind <> ?",
			db.Model(&schemas.OrgUnit{}).Select("id").Where("path LIKE ?", unit.Path+"%"), schemas.KindAnalysis)
		if p.Scope != nil {
			q = p.Scope(q)
		}
		return q
	}
	recent := func() *gorm.DB {
		return scoped().Where("cases.created_at < ? AND (cases.created_at >= ? OR cases.closed_at IS NULL OR cases.closed_at >= ?)", cur.end, earliest, earliest)
	}
	var rows []caseRow
	err := recent().Select(`cases.id, cases.kind, cases.org_unit_id, cases.status, cases.outcome, cases.created_at, cases.closed_at,
		CASE WHEN cases.kind IN (?, ?) THEN cases.final_state ELSE '' END AS final_state`, schemas.KindReport, schemas.KindJointInspection).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	for i := range rows {
		d.cases[rows[i].ID] = &rows[i]
	}
	ids := func() *gorm.DB { return recent().Select("cases.id") }
	if err := db.Where("case_id IN (?)", ids()).Where("completed_at IS NULL OR completed_at >= ?", recentSteps).
		Order("id").Find(&d.tasks).Error; err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	// The sealed identity columns are never selected.
	if err := db.Model(&schemas.Report{}).Select("id, channel, subject_id, subject_name, subject_unit, created_at").
		Where("id IN (?) AND created_at >= ?", ids(), recentSteps).Order("id").Scan(&d.reports).Error; err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	if err := db.Model(&schemas.AuditEvent{}).Select("id, case_id, at, action, detail").
		Where("case_id IN (?) AND at >= ?", ids(), recentSteps).
		Where("action IN ?", []string{"report.triaged", "report.forwarded", "publicity.objection_filed", "publicity.objection_logged"}).
		Order("id").Scan(&d.audits).Error; err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var subjectIDs []string
	for _, r := range d.reports {
		if r.SubjectID != "" && !slices.Contains(subjectIDs, r.SubjectID) {
			subjectIDs = append(subjectIDs, r.SubjectID)
		}
	}
	if len(subjectIDs) > 0 {
		var offs []schemas.Official
		if err := db.Select("id, org_unit_id").Where("id IN ?", subjectIDs).Find(&offs).Error; err != nil {
			return nil, fmt.Errorf("officials: %w", err)
		}
		for _, o := range offs {
			d.subjects[o.ID] = o.OrgUnitID
		}
	}
	var restr []schemas.Restriction
	if err := db.Where("case_id IN (?)", scoped().Select("cases.id")).
		Where("starts_at < ? AND ends_at >= ? AND (lifted_at IS NULL OR lifted_at >= ?)", d.cutoff, d.cutoff, d.cutoff).
		Order("id").Find(&restr).Error; err != nil {
		return nil, fmt.Errorf("restrictions: %w", err)
	}

	rep := &Report{
		OrgUnit: OrgRef{ID: unit.ID, Name: unit.Name}, Period: p.Period,
		Title: unit.Name + p.Period.Title() + "干部监督工作分析报告", AsOf: p.AsOf.UTC(),
		Headline: d.headline(cur),
		Previous: Comparison{Period: p.Period.Previous(), Headline: d.headline(prev)},
		LastYear: Comparison{Period: p.Period.LastYear(), Headline: d.headline(lastYear)},
	}
	rep.Reports = d.reportTables(p.Period, cur)
	rep.Timeliness = d.timeliness(cur)
	rep.Transfers = d.transfers(cur)
	rep.Publicity = d.publicity(cur)
	rep.Inquiries = d.outcomes(schemas.KindInquiry, cur)
	rep.Admonishments = d.outcomes(schemas.KindAdmonishment, cur)
	rep.Restrictions = restrictionFigures(restr)
	rep.Warnings = d.warnings(cur, prev)
	return rep, nil
}

func spanOf(p Period) span {
	s, e := p.Bounds()
	return span{s.UTC(), e.UTC()}
}

func minTime(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.Before(m) {
			m = t
		}
	}
	return m
}

func (d *data) headline(s span) Headline {
	var h Headline
	for _, r := range d.reports {
		if s.has(r.CreatedAt) {
			h.Reports.N++
		}
	}
	h.Reports = suppressCell(h.Reports.N)
	for _, c := range d.cases {
		if s.has(c.CreatedAt) {
			h.CasesOpened++
		}
		if c.Status == string(schemas.CaseClosed) && s.hasPtr(c.ClosedAt) {
			h.CasesClosed++
		}
	}
	for _, t := range d.tasks {
		if t.Status != schemas.TaskCompleted || !s.hasPtr(t.CompletedAt) {
			continue
		}
		h.TasksClosed++
		if late(t) {
			h.TasksLate++
		}
		if t.EscalationLevel >= escalatedLevel {
			h.TasksEscalated++
		}
	}
	return h
}

// late: completed after its deadline.
func late(t schemas.Task) bool {
	return t.DueAt != nil && t.CompletedAt != nil && t.CompletedAt.After(*t.DueAt)
}

// overdueAt: open at end past its deadline (opened before end, not ended before it).
func overdueAt(t schemas.Task, end time.Time) bool {
	return t.DueAt != nil && t.DueAt.Before(end) && t.CreatedAt.Before(end) && (t.CompletedAt == nil || !t.CompletedAt.Before(end))
}

// stateOf parses a stored final state; the zero state when there is none.
func stateOf(c *caseRow) schemas.CaseState {
	var st schemas.CaseState
	if c != nil && c.FinalState != "" {
		_ = json.Unmarshal([]byte(c.FinalState), &st)
	}
	return st
}

// unitOf is the key and name of the reported cadre's unit.
func (d *data) unitOf(r reportRow) (key, name string) {
	if u, ok := d.units[d.subjects[r.SubjectID]]; ok && r.SubjectID != "" {
		return u.ID, u.Name
	}
	if t := strings.TrimSpace(r.SubjectUnit); t != "" {
		return "text:" + t, t
	}
	return unitUnknown, "未注明单位"
}

func (d *data) reportTables(p Period, cur span) Reports {
	counts := map[string]map[string]int{"channel": {}, "type": {}, "unit": {}, "finding": {}, "handling": {}, "month": {}}
	unitNames := map[string]string{}
	types := map[string]string{}
	for _, a := range d.audits {
		switch a.Action {
		case "report.triaged":
			var det struct{ Decision string }
			_ = json.Unmarshal([]byte(a.Detail), &det)
			types[a.CaseID] = det.Decision
		case "report.forwarded":
			types[a.CaseID] = "forwarded"
		}
	}
	var out Reports
	for _, r := range d.reports {
		if !cur.has(r.CreatedAt) {
			continue
		}
		out.Total.N++
		counts["channel"][r.Channel]++
		t := types[r.ID]
		if t == "" {
			t = pendingKey
		}
		counts["type"][t]++
		k, name := d.unitOf(r)
		unitNames[k] = name
		counts["unit"][k]++
		c := d.cases[r.ID]
		st := stateOf(c)
		switch {
		case c == nil || c.Status == string(schemas.CaseOpen):
			counts["finding"]["open"]++
		case st.Report != nil && st.Report.Finding != "":
			counts["finding"][st.Report.Finding]++
		default:
			counts["finding"][noneKey]++
		}
		if st.Report != nil && st.Report.Handling != "" {
			counts["handling"][st.Report.Handling]++
		}
		counts["month"][r.CreatedAt.In(calendar.Location()).Format("2006-01")]++
	}
	out.Total = suppressCell(out.Total.N)
	out.ByChannel = fixedRows(channelLabels, counts["channel"])
	out.ByType = fixedRows(typeLabels, counts["type"])
	out.ByFinding = fixedRows(findingLabels, counts["finding"])
	out.ByHandling = fixedRows(handlingLabels, counts["handling"])
	for k, n := range counts["unit"] {
		out.ByUnit = append(out.ByUnit, Row{Key: k, Label: unitNames[k], Count: Cell{N: n}})
	}
	sort.Slice(out.ByUnit, func(i, j int) bool {
		a, b := out.ByUnit[i], out.ByUnit[j]
		return a.Count.N > b.Count.N || a.Count.N == b.Count.N && a.Key < b.Key
	})
	s, e := p.Bounds()
	for m := time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, calendar.Location()); m.Before(e); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		out.ByMonth = append(out.ByMonth, Row{Key: k, Label: fmt.Sprintf("%d年%d月", m.Year(), m.Month()), Count: Cell{N: counts["month"][k]}})
	}
	for _, rows := range [][]Row{out.ByChannel, out.ByType, out.ByUnit, out.ByFinding, out.ByHandling, out.ByMonth} {
		suppress(rows, !out.Total.Suppressed)
	}
	return out
}

func fixedRows(labels []Row, counts map[string]int) []Row {
	out := make([]Row, 0, len(labels))
	for _, l := range labels {
		out = append(out, Row{Key: l.Key, Label: l.Label, Count: Cell{N: counts[l.Key]}})
	}
	return out
}

func suppressCell(n int) Cell { return Cell{N: n, Suppressed: n > 0 && n < SuppressBelow} }

// suppress withholds the cells of one or two reports. When the total is shown and exactly
// one cell of a breakdown is withheld, the total less the others would give it away, so the
// smallest shown cell above zero is withheld too (secondary suppression).
func suppress(rows []Row, totalShown bool) {
	withheld := 0
	for i := range rows {
		rows[i].Count = suppressCell(rows[i].Count.N)
		if rows[i].Count.Suppressed {
			withheld++
		}
	}
	if withheld != 1 || !totalShown {
		return
	}
	least := -1
	for i, r := range rows {
		if !r.Count.Suppressed && r.Count.N > 0 && (least < 0 || r.Count.N < rows[least].Count.N) {
			least = i
		}
	}
	if least >= 0 {
		rows[least].Count.Suppressed = true
	}
}

// stepTitle is a task's title without the subject after "：".
func stepTitle(title string) string {
	if i := strings.Index(title, "："); i >= 0 {
		return title[:i]
	}
	return title
}

func quantiles(hours []float64) (median, p90 float64) {
	if len(hours) == 0 {
		return 0, 0
	}
	sort.Float64s(hours)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(hours)))) - 1
		return math.Round(hours[max(i, 0)]*10) / 10
	}
	return at(0.5), at(0.9)
}

func (d *data) timeliness(cur span) []Timeliness {
	type key struct{ kind, step string }
	rows := map[key]*Timeliness{}
	hours := map[key][]float64{}
	get := func(k key) *Timeliness {
		if rows[k] == nil {
			rows[k] = &Timeliness{Kind: k.kind, KindTitle: schemas.CaseKind(k.kind).Title(), Step: k.step}
		}
		return rows[k]
	}
	for _, t := range d.tasks {
		closed := t.Status == schemas.TaskCompleted && cur.hasPtr(t.CompletedAt)
		overdue := overdueAt(t, d.cutoff)
		if !closed && !overdue {
			continue
		}
		for _, k := range []key{{string(t.CaseKind), ""}, {string(t.CaseKind), t.Step}} {
			r := get(k)
			if k.step != "" && r.StepTitle == "" {
				r.StepTitle = stepTitle(t.Title)
			}
			if overdue {
				r.OpenOverdue++
			}
			if !closed {
				continue
			}
			r.Closed++
			if late(t) {
				r.Late++
			} else {
				r.OnTime++
			}
			if t.EscalationLevel >= escalatedLevel {
				r.Escalated++
			}
			if k.step != "" {
				hours[k] = append(hours[k], t.CompletedAt.Sub(t.CreatedAt).Hours())
			}
		}
	}
	for _, c := range d.cases {
		if c.Status == string(schemas.CaseClosed) && cur.hasPtr(c.ClosedAt) {
			k := key{c.Kind, ""}
			get(k)
			hours[k] = append(hours[k], c.ClosedAt.Sub(c.CreatedAt).Hours())
		}
	}
	out := make([]Timeliness, 0, len(rows))
	for k, r := range rows {
		r.MedianHours, r.P90Hours = quantiles(hours[k])
		out = append(out, *r)
	}
	order := map[string]int{}
	for i, p := range schemas.Processes() {
		order[string(p.Kind)] = i
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return order[a.Kind] < order[b.Kind] || order[a.Kind] == order[b.Kind] && a.Kind < b.Kind
		}
		return a.Step < b.Step
	})
	return out
}

// Steps of the transfer process the report counts (workflows/transfer.go).
const (
	stepReportBack = "report_back"
	stepReview     = "review_transfer"
	stepEscalated  = "escalated_transfer"
)

func (d *data) transfers(cur span) []TransferOffice {
	offices := map[string]*TransferOffice{}
	get := func(id string) *TransferOffice {
		if offices[id] == nil {
			offices[id] = &TransferOffice{Office: OrgRef{ID: id, Name: d.units[id].Name}}
		}
		return offices[id]
	}
	for _, c := range d.cases {
		if c.Kind == string(schemas.KindTransfer) && cur.has(c.CreatedAt) {
			get(c.OrgUnitID).Received++
		}
	}
	for _, t := range d.tasks {
		c := d.cases[t.CaseID]
		if t.CaseKind != schemas.KindTransfer || c == nil {
			continue
		}
		closed := t.Status == schemas.TaskCompleted && cur.hasPtr(t.CompletedAt)
		switch {
		case t.Step == stepReportBack && closed && late(t):
			get(c.OrgUnitID).Late++
		case t.Step == stepReportBack && closed:
			get(c.OrgUnitID).OnTime++
		case t.Step == stepReportBack && overdueAt(t, d.cutoff):
			get(c.OrgUnitID).OpenOverdue++
		case (t.Step == stepReview || t.Step == stepEscalated) && closed && t.Decision == schemas.ReviewTakeOver:
			get(c.OrgUnitID).TakenOver++
		case t.Step == stepReview && closed && t.Decision == schemas.ReviewReturn:
			get(c.OrgUnitID).Returned++
		}
	}
	out := make([]TransferOffice, 0, len(offices))
	for _, o := range offices {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Office.ID < out[j].Office.ID })
	return out
}

func (d *data) publicity(cur span) Publicity {
	var p Publicity
	for _, c := range d.cases {
		if c.Kind == string(schemas.KindPublicity) && cur.has(c.CreatedAt) {
			p.Cases++
		}
	}
	for _, a := range d.audits {
		if strings.HasPrefix(a.Action, "publicity.objection_") && cur.has(a.At) {
			p.Objections.N++
			var det struct{ Verified bool }
			_ = json.Unmarshal([]byte(a.Detail), &det)
			if det.Verified {
				p.Verified.N++
			}
		}
	}
	p.Objections, p.Verified = suppressCell(p.Objections.N), suppressCell(p.Verified.N)
	counts, labels := map[string]int{}, map[string]string{}
	var keys []string
	for _, t := range d.tasks {
		if t.CaseKind != schemas.KindPublicity || (t.Step != "decide_candidate" && t.Step != "redecide_candidate") ||
			t.Status != schemas.TaskCompleted || !cur.hasPtr(t.CompletedAt) {
			continue
		}
		if counts[t.Decision] == 0 {
			keys = append(keys, t.Decision)
		}
		counts[t.Decision]++
		labels[t.Decision] = decisionLabel(t.Spec, t.Decision)
	}
	sort.Strings(keys)
	p.Decisions = []Row{}
	for _, k := range keys {
		p.Decisions = append(p.Decisions, Row{Key: k, Label: labels[k], Count: Cell{N: counts[k]}})
	}
	return p
}

func decisionLabel(spec schemas.TaskSpec, key string) string {
	for _, d := range spec.Decisions {
		if d.Key == key {
			return d.Label
		}
	}
	return key
}

func (d *data) outcomes(kind schemas.CaseKind, cur span) Outcomes {
	o := Outcomes{ByOutcome: []Row{}}
	counts := map[string]int{}
	for _, c := range d.cases {
		if c.Kind != string(kind) {
			continue
		}
		if cur.has(c.CreatedAt) {
			o.Opened++
		}
		if c.CreatedAt.Before(cur.end) && c.Status != string(schemas.CaseCancelled) && (c.ClosedAt == nil || !c.ClosedAt.Before(cur.end)) {
			o.Open++
		}
		if c.Status == string(schemas.CaseClosed) && cur.hasPtr(c.ClosedAt) {
			o.Closed++
			counts[stepTitle(c.Outcome)]++
		}
	}
	for k, n := range counts {
		o.ByOutcome = append(o.ByOutcome, Row{Key: k, Label: k, Count: Cell{N: n}})
	}
	sort.Slice(o.ByOutcome, func(i, j int) bool { return o.ByOutcome[i].Key < o.ByOutcome[j].Key })
	return o
}

var restrictionKinds = map[string]string{schemas.RestrictionNoPromotion: "不得提拔或重用"}

func restrictionFigures(rs []schemas.Restriction) Restrictions {
	out := Restrictions{InForce: len(rs), ByKind: []Row{}}
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Kind]++
	}
	for k, n := range counts {
		label := restrictionKinds[k]
		if label == "" {
			label = k
		}
		out.ByKind = append(out.ByKind, Row{Key: k, Label: label, Count: Cell{N: n}})
	}
	sort.Slice(out.ByKind, func(i, j int) bool { return out.ByKind[i].Key < out.ByKind[j].Key })
	return out
}
