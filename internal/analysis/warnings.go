package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jiandu/jiandu/schemas"
)

// warnings applies the early-warning rules (苗头性问题) to what the reader may see:
//
//   - repeat_subject: an official of Jiandu named in RepeatThreshold or more reports received
//     within the WarningMonths before the period's end;
//   - rising_unit: a cadre's unit with at least RisingMinimum reports in the period and more
//     than in the previous period;
//   - late_office: an organization department below the office, holding RepeatThreshold or
//     more steps that closed late or were open past their deadline, within the WarningMonths
//     before the period's end;
//   - repeat_finding: the same check (用人, 进人, 用编) of the same unit finding issues in
//     RepeatThreshold or more joint inspections closed within the InspectionMonths before the
//     period's end.
func (d *data) warnings(cur, prev span) []Warning {
	out := []Warning{}
	year := span{cur.end.AddDate(0, -WarningMonths, 0), cur.end}

	type group struct {
		name  string
		cases []string
	}
	add := func(m map[string]*group, key, name, caseID string) {
		if m[key] == nil {
			m[key] = &group{name: name}
		}
		if !slices.Contains(m[key].cases, caseID) {
			m[key].cases = append(m[key].cases, caseID)
		}
	}
	sorted := func(m map[string]*group) []string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}

	subjects := map[string]*group{}
	for _, r := range d.reports {
		if r.SubjectID != "" && year.has(r.CreatedAt) {
			add(subjects, r.SubjectID, r.SubjectName, r.ID)
		}
	}
	for _, k := range sorted(subjects) {
		if g := subjects[k]; len(g.cases) >= RepeatThreshold {
			out = append(out, Warning{Rule: RuleRepeatSubject, SubjectID: k, Subject: g.name, Count: len(g.cases), Cases: g.cases,
				Detail: fmt.Sprintf("近%d个月被举报%d次", WarningMonths, len(g.cases))})
		}
	}

	now, before := map[string]*group{}, map[string]int{}
	for _, r := range d.reports {
		k, name := d.unitOf(r)
		switch {
		case k == unitUnknown:
		case cur.has(r.CreatedAt):
			add(now, k, name, r.ID)
		case prev.has(r.CreatedAt):
			before[k]++
		}
	}
	for _, k := range sorted(now) {
		if g := now[k]; len(g.cases) >= RisingMinimum && len(g.cases) > before[k] {
			out = append(out, Warning{Rule: RuleRisingUnit, SubjectID: k, Subject: g.name, Count: len(g.cases), Cases: g.cases,
				Detail: fmt.Sprintf("本期收到举报%d件，上期%d件", len(g.cases), before[k])})
		}
	}

	offices := map[string]*group{}
	counts := map[string]int{}
	for _, t := range d.tasks {
		u, ok := d.units[t.OrgUnitID]
		if !ok || u.Kind != schemas.OrgKindOrganization || u.ID == d.unit.ID || !strings.HasPrefix(u.Path, d.unit.Path) {
			continue
		}
		closedLate := t.Status == schemas.TaskCompleted && year.hasPtr(t.CompletedAt) && late(t)
		openLate := overdueAt(t, d.cutoff) && year.hasPtr(t.DueAt)
		if closedLate || openLate {
			add(offices, u.ID, u.Name, t.CaseID)
			counts[u.ID]++
		}
	}
	for _, k := range sorted(offices) {
		if g := offices[k]; counts[k] >= RepeatThreshold {
			out = append(out, Warning{Rule: RuleLateOffice, SubjectID: k, Subject: g.name, Count: counts[k], Cases: g.cases,
				Detail: fmt.Sprintf("近%d个月%d项任务逾期办结或逾期未办结", WarningMonths, counts[k])})
		}
	}

	findings := map[string]*group{}
	window := span{cur.end.AddDate(0, -InspectionMonths, 0), cur.end}
	for _, c := range d.cases {
		if c.Kind != string(schemas.KindJointInspection) || c.Status != string(schemas.CaseClosed) || !window.hasPtr(c.ClosedAt) {
			continue
		}
		ji := stateOf(c).JointInspection
		if ji == nil {
			continue
		}
		for _, ch := range ji.Checks {
			if ch.Decision == schemas.InspectIssues || ch.Decision == schemas.InspectSeriousIssues {
				add(findings, ji.UnitID+"/"+string(ch.Area), d.units[ji.UnitID].Name+"·"+ch.Area.Title(), c.ID)
			}
		}
	}
	for _, k := range sorted(findings) {
		if g := findings[k]; len(g.cases) >= RepeatThreshold {
			sort.Strings(g.cases)
			out = append(out, Warning{Rule: RuleRepeatFinding, SubjectID: k, Subject: g.name, Count: len(g.cases), Cases: g.cases,
				Detail: fmt.Sprintf("近%d个月%d次三责联检发现同类问题", InspectionMonths, len(g.cases))})
		}
	}
	for i := range out {
		out[i].Title = RuleTitles[out[i].Rule]
	}
	return out
}

// ForReader keeps of a stored report's warnings what a reader may see: the cases visible says
// they may see, never a warning about the reader themself (回避), and no warning left without
// a case.
func ForReader(ws []Warning, readerID string, visible func(caseID string) bool) []Warning {
	out := []Warning{}
	for _, w := range ws {
		if w.Rule == RuleRepeatSubject && w.SubjectID == readerID {
			continue
		}
		var cases []string
		for _, id := range w.Cases {
			if visible(id) {
				cases = append(cases, id)
			}
		}
		if len(cases) == 0 {
			continue
		}
		w.Cases = cases
		out = append(out, w)
	}
	return out
}
