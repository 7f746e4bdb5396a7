// Package docs holds the project's documents and the tests that keep them true to the code.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// repoFiles returns the repository's files (relative to its root) whose names end in one of exts,
// test files excluded, with their contents.
func repoFiles(t *testing.T, exts ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir // .data, .git, .ci's caches
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") || !slices.Contains(exts, filepath.Ext(path)) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(path[3:])] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("walk the repository: %v", err)
	}
	return files
}

// domainSteps reads DOMAIN.md: the steps ("1." ... at the start of a line) of each process
// section ("## P<n> ...").
func domainSteps(t *testing.T) (string, map[int]map[int]bool) {
	t.Helper()
	b, err := os.ReadFile("DOMAIN.md")
	if err != nil {
		t.Fatalf("read DOMAIN.md: %v", err)
	}
	section := regexp.MustCompile(`^## P(\d+) `)
	step := regexp.MustCompile(`^(\d+)\. `)
	steps := map[int]map[int]bool{}
	current := 0
	for _, line := range strings.Split(string(b), "\n") {
		if m := section.FindStringSubmatch(line); m != nil {
			current, _ = strconv.Atoi(m[1])
			steps[current] = map[int]bool{}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			current = 0
			continue
		}
		if m := step.FindStringSubmatch(line); m != nil && current != 0 {
			n, _ := strconv.Atoi(m[1])
			steps[current][n] = true
		}
	}
	return string(b), steps
}

// Every "DOMAIN.md P<n> step <k>" and "P<n> of DOMAIN.md" in the code names a process and a
// step that DOMAIN.md has.
func TestCitationsOfDomainExist(t *testing.T) {
	_, steps := domainSteps(t)
	if len(steps) < 7 {
		t.Fatalf("DOMAIN.md has %d process sections, want P1–P7 at least", len(steps))
	}
	cites := []*regexp.Regexp{
		regexp.MustCompile(`DOMAIN\.md,? (P\d+)`),
		regexp.MustCompile(`(P\d+) of DOMAIN\.md`),
		regexp.MustCompile(`(P\d+) step (\d+)`), // the steps cited, in whatever sentence
	}
	checked := 0
	for path, body := range repoFiles(t, ".go", ".yaml", ".md") {
		if strings.HasPrefix(path, "docs/DOMAIN.md") {
			continue
		}
		for _, re := range cites {
			for _, m := range re.FindAllStringSubmatch(body, -1) {
				n, _ := strconv.Atoi(m[1][1:])
				proc, ok := steps[n]
				if !ok {
					t.Errorf("%s cites %s: DOMAIN.md has no section %s", path, m[0], m[1])
					continue
				}
				if len(m) > 2 && m[2] != "" {
					k, _ := strconv.Atoi(m[2])
					if !proc[k] {
						t.Errorf("%s cites %s: DOMAIN.md's %s has no step %d", path, m[0], m[1], k)
					}
				}
				checked++
			}
		}
	}
	if checked < 10 {
		t.Errorf("found %d citations of DOMAIN.md in the code, want the code's 10 or more: is the pattern broken?", checked)
	}
}

// The holiday table of DOMAIN.md is the calendar the code seeds.
func TestHolidayTableIsTheSeededCalendar(t *testing.T) {
	doc, _ := domainSteps(t)
	row := regexp.MustCompile(`(?m)^\s*\| (\d{4}) \| ([^|]+) \| ([^|]+) \|`)
	docOff, docWork := map[string]bool{}, map[string]bool{}
	rows := 0
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		year, _ := strconv.Atoi(m[1])
		for _, r := range strings.Split(m[2], ";") {
			for _, d := range dayRange(t, year, r) {
				docOff[d] = true
			}
		}
		for _, r := range strings.Split(m[3], ",") {
			for _, d := range dayRange(t, year, r) {
				docWork[d] = true
			}
		}
		rows++
	}
	if rows == 0 {
		t.Fatal("DOMAIN.md has no holiday table rows (| year | days off | make-up working days |)")
	}
	seedOff, seedWork := map[string]bool{}, map[string]bool{}
	for _, d := range calendar.Seed() {
		if d.Kind == calendar.Off {
			seedOff[d.Date] = true
		} else {
			seedWork[d.Date] = true
		}
	}
	compareDays(t, "days off", docOff, seedOff)
	compareDays(t, "make-up working days", docWork, seedWork)
}

func compareDays(t *testing.T, what string, doc, seed map[string]bool) {
	t.Helper()
	for d := range doc {
		if !seed[d] {
			t.Errorf("%s: DOMAIN.md has %s, internal/calendar/seed.go does not", what, d)
		}
	}
	for d := range seed {
		if !doc[d] {
			t.Errorf("%s: internal/calendar/seed.go has %s, DOMAIN.md does not", what, d)
		}
	}
}

// dayRange reads "1 Jan", "1–3 Jan" or "28 Jan–4 Feb" of year as dates (YYYY-MM-DD).
func dayRange(t *testing.T, year int, s string) []string {
	t.Helper()
	s = strings.TrimSpace(s)
	from, to, isRange := strings.Cut(s, "–")
	if !isRange {
		to = from
	}
	toDay := parseDay(t, year, to, "")
	fromDay := parseDay(t, year, from, toDay.Format("Jan"))
	var days []string
	for d := fromDay; !d.After(toDay); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	if len(days) == 0 || len(days) > 15 {
		t.Errorf("DOMAIN.md holiday table: cannot read %q", s)
	}
	return days
}

// parseDay reads "3 Jan", or "3" with month taken from monthOf.
func parseDay(t *testing.T, year int, s, month string) time.Time {
	t.Helper()
	s = strings.TrimSpace(s)
	if !strings.Contains(s, " ") {
		s += " " + month
	}
	d, err := time.Parse("2 Jan 2006", s+" "+strconv.Itoa(year))
	if err != nil {
		t.Errorf("DOMAIN.md holiday table: cannot read the day %q: %v", s, err)
	}
	return d
}

// The default ladder DOMAIN.md describes is schemas.DefaultLadder.
func TestDefaultLadderIsDOMAINs(t *testing.T) {
	doc, _ := domainSteps(t)
	start := strings.Index(doc, "Every human step has a reminder ladder.")
	if start < 0 {
		t.Fatal("DOMAIN.md does not describe the default ladder")
	}
	para := doc[start:]
	para = para[:strings.Index(para, "\n\n")]
	offsets := regexp.MustCompile(`(\d+)\s+working days\s+(before|after)`)
	var doc2 []int
	for _, m := range offsets.FindAllStringSubmatch(para, -1) {
		n, _ := strconv.Atoi(m[1])
		if m[2] == "before" {
			n = -n
		}
		doc2 = append(doc2, n)
	}
	if strings.Contains(para, "at the deadline") {
		doc2 = append(doc2, 0)
	}
	slices.Sort(doc2)
	var code []int
	for _, r := range schemas.DefaultLadder() {
		if r.Offset.Unit != calendar.WorkingDays {
			t.Errorf("default ladder rung %v: DOMAIN.md counts in working days", r)
		}
		code = append(code, r.Offset.N)
	}
	slices.Sort(code)
	if !slices.Equal(doc2, code) {
		t.Errorf("default ladder: DOMAIN.md says rungs at %v working days from the deadline, schemas.DefaultLadder has %v", doc2, code)
	}
}

// Every JIANDU_* variable the code reads is documented in README.md.
func TestEveryConfigurationVariableIsInTheREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	name := regexp.MustCompile(`"(JIANDU_[A-Z0-9_]+)"`)
	seen := map[string]bool{}
	for path, body := range repoFiles(t, ".go") {
		for _, m := range name.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			if !strings.Contains(string(readme), m[1]) {
				t.Errorf("%s reads %s; README.md does not document it", path, m[1])
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("found %d JIANDU_* variables in the code, want the 20 or more of internal/config: is the pattern broken?", len(seen))
	}
}

// Every registered process is in README.md's process table, by its workflow ids
// ("`<kind>-2026-0001`").
func TestEveryProcessIsInTheREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	for _, p := range schemas.Processes() {
		if !strings.Contains(string(readme), "`"+string(p.Kind)+"-20") {
			t.Errorf("README.md's process table has no row with the workflow ids of %s (%s)", p.Kind, p.Title)
		}
	}
}

// Every screenshot in docs/screenshots/ is shown or linked from README.md.
func TestEveryScreenshotIsInTheREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	shots, err := filepath.Glob("screenshots/*.png")
	if err != nil || len(shots) == 0 {
		t.Fatalf("no screenshots in docs/screenshots (%v)", err)
	}
	for _, s := range shots {
		if !strings.Contains(string(readme), "docs/"+s) {
			t.Errorf("README.md does not show docs/%s", s)
		}
	}
}
