package api

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The step tables of api/openapi.yaml ("| `approve_notice` 审批任前公示 … | `approve` 同意发布,
// `return` 退回修改 | …") tell clients what each step takes. The workflows declare the steps; the
// tables are checked against every task the end-to-end tests see: each decision a task offers
// must be in a table row that names the task's step and lists "`key` label". TestMain fails
// the package when one is not.

// seenDecisions holds "step\x00key\x00label" of every decision offered by a task in a response.
var seenDecisions sync.Map

// recordDecisions notes the decisions of every task in a JSON body.
func recordDecisions(body []byte) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if step, ok := x["step"].(string); ok {
				if spec, ok := x["spec"].(map[string]any); ok {
					ds, _ := spec["decisions"].([]any)
					for _, d := range ds {
						if m, ok := d.(map[string]any); ok {
							key, _ := m["key"].(string)
							label, _ := m["label"].(string)
							seenDecisions.Store(step+"\x00"+key+"\x00"+label, true)
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

// undocumentedDecisions lists the decisions seen that no step-table row of spec documents.
func undocumentedDecisions(spec string, seen []string) []string {
	var rows []string
	for _, line := range strings.Split(spec, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "|") && strings.Count(l, "`") >= 4 {
			rows = append(rows, l)
		}
	}
	var missing []string
	for _, s := range seen {
		parts := strings.SplitN(s, "\x00", 3)
		step, key, label := parts[0], parts[1], parts[2]
		// The label ends where the cell or the list goes on: "`return` 退回" is not "`return` 退回修改".
		decision := regexp.MustCompile("`" + regexp.QuoteMeta(key) + "` " + regexp.QuoteMeta(label) + `\s*([,，;；|(（]|$)`)
		documented := slices.ContainsFunc(rows, func(r string) bool {
			return strings.Contains(r, "`"+step+"`") && decision.MatchString(r)
		})
		if !documented {
			missing = append(missing, fmt.Sprintf("step %s: decision `%s` %s", step, key, label))
		}
	}
	slices.Sort(missing)
	return missing
}

// checkStepTables is what TestMain runs after the tests: the decisions seen against the tables.
func checkStepTables() []string {
	var seen []string
	seenDecisions.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
	return undocumentedDecisions(string(openapiSpec), seen)
}

// The comparison finds a decision a table lacks, and accepts one it has, whatever the layout.
func TestStepTablesCheckCanFail(t *testing.T) {
	spec := "" +
		"        | `approve_notice` 审批 (3 working days) | leader | `approve` 同意发布, `return` 退回修改 | `opinion` |\n" +
		"        | `draft-N` | `draft_letter` 起草 | supervisor | `submit` 提交 | `letter`* |\n"
	seen := []string{
		"approve_notice\x00approve\x00同意发布",
		"draft_letter\x00submit\x00提交",
		"approve_notice\x00reject\x00不同意", // not in the table
		"approve_notice\x00return\x00退回",  // the label differs
		"verify\x00found\x00属实",           // no row for the step
	}
	got := undocumentedDecisions(spec, seen)
	if len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), "reject") || !strings.Contains(strings.Join(got, "\n"), "verify") {
		t.Fatalf("undocumented = %q, want the reject, the changed label and the verify decisions", got)
	}
	recordDecisions([]byte(`{"tasks":[{"step":"zz_test_step","spec":{"decisions":[{"key":"k","label":"标签"}]}}]}`))
	if _, ok := seenDecisions.LoadAndDelete("zz_test_step\x00k\x00标签"); !ok {
		t.Fatal("recordDecisions did not see the task's decision")
	}
}
