package worker

import (
	"testing"

	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/schemas"
)

// Every registered process has its workflow here, under its workflow type, and nothing is
// registered twice or under a name no process or part uses.
func TestEveryProcessHasItsWorkflow(t *testing.T) {
	names := map[string]int{}
	for _, w := range Workflows() {
		if w.Func == nil {
			t.Errorf("workflow %s: no function", w.Name)
		}
		names[w.Name]++
	}
	parts := map[string]bool{schemas.JointInspectionCheckWorkflow: true, schemas.MattersCycleReportWorkflow: true, cycles.LauncherWorkflow: true}
	known := map[string]bool{}
	for _, p := range schemas.Processes() {
		known[p.WorkflowType] = true
		if names[p.WorkflowType] != 1 {
			t.Errorf("process %s: workflow type %s registered %d times, want once", p.Kind, p.WorkflowType, names[p.WorkflowType])
		}
	}
	for name, n := range names {
		if !known[name] && !parts[name] {
			t.Errorf("workflow %s is registered but no process or part names it", name)
		}
		if n > 1 {
			t.Errorf("workflow %s registered %d times", name, n)
		}
	}
}
