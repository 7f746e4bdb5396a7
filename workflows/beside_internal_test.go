package workflows

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
)

// errorLog keeps what the workflow logger reports as errors.
type errorLog struct {
	mu     sync.Mutex
	errors []string
}

func (l *errorLog) Debug(string, ...any) {}
func (l *errorLog) Info(string, ...any)  {}
func (l *errorLog) Warn(string, ...any)  {}
func (l *errorLog) Error(msg string, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, fmt.Sprint(append([]any{msg}, kv...)...))
}

// besideProbe starts background steps that fail, are abandoned and take an hour; it answers how
// many were running while the long one ran, and how many once the case had settled.
func besideProbe(ctx workflow.Context) ([2]int, error) {
	c := &caseRun{state: schemas.CaseState{ID: "probe-2026-0001"}}
	c.beside(ctx, "fails", func(workflow.Context) error { return errors.New("boom") })
	c.beside(ctx, "abandoned", func(workflow.Context) error { return errAbandoned })
	c.beside(ctx, "sleeps", func(g workflow.Context) error { return workflow.Sleep(g, time.Hour) })
	during := c.running("fails") + c.running("abandoned") + c.running("sleeps")
	if err := workflow.Await(ctx, c.settled); err != nil {
		return [2]int{}, err
	}
	return [2]int{during, c.running("sleeps")}, nil
}

// A background step is counted until it ends, and its failure is logged (once, naming the step),
// while a step withdrawn because its reason went away is not a failure.
func TestBesideCountsAndLogsFailures(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	log := &errorLog{}
	suite.SetLogger(log)
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(besideProbe)
	env.ExecuteWorkflow(besideProbe)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var got [2]int
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got != [2]int{3, 0} {
		t.Errorf("running: %d while started, %d once settled; want 3 and 0", got[0], got[1])
	}
	if len(log.errors) != 1 || !containsAll(log.errors[0], "background step failed", "fails", "boom") {
		t.Errorf("error log %q, want one entry for the failed step", log.errors)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
