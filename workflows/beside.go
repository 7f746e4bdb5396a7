package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
)

// versionBesideDone guards finish's wait for the background steps and the open tasks of a case
// whose main line has ended. Recorded only when something is still running at that moment.
const versionBesideDone = "finish-awaits-background"

// beside runs a background step beside the main line (a 督办 task, a verification, a side task
// of a transfer), named for the logs. The case counts it while it runs (running), a failure is
// logged with the workflow logger, and finish waits until every background step has ended.
func (c *caseRun) beside(ctx workflow.Context, name string, step func(workflow.Context) error) {
	if c.besides == nil {
		c.besides = map[string]int{}
	}
	c.besides[name]++
	c.busy++
	workflow.Go(ctx, func(gctx workflow.Context) {
		defer func() { c.besides[name]--; c.busy-- }()
		err := step(gctx)
		if err != nil && gctx.Err() == nil && !errors.Is(err, errAbandoned) && !temporal.IsCanceledError(err) {
			workflow.GetLogger(gctx).Error("background step failed", "case", c.state.ID, "step", name, "error", err)
		}
	})
}

// running counts the background steps named name that have not ended.
func (c *caseRun) running(name string) int {
	return c.besides[name]
}

// settled: no background step runs and every task of the case is closed or withdrawn.
func (c *caseRun) settled() bool {
	if c.busy > 0 {
		return false
	}
	for _, t := range c.tasks {
		if t.view.Status == schemas.TaskOpen {
			return false
		}
	}
	return true
}

// awaitSettled holds a case whose main line has ended until it is settled, so that an
// escalation that fired as the case ended cannot leave an open task row. It ends early, with
// the error finish then handles, when the case is cancelled or needs attention meanwhile.
func (c *caseRun) awaitSettled(ctx workflow.Context) error {
	if c.settled() || workflow.GetVersion(ctx, versionBesideDone, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	workflow.GetLogger(ctx).Info("case waits for its background steps", "case", c.state.ID)
	cancelled := func() bool { return c.runCtx != nil && c.runCtx.Err() != nil }
	if err := workflow.Await(ctx, func() bool { return c.settled() || cancelled() || c.state.Attention != "" }); err != nil {
		return err
	}
	switch {
	case cancelled():
		return c.runCtx.Err()
	case c.state.Attention != "" && !c.settled():
		return temporal.NewNonRetryableApplicationError(c.state.Attention, schemas.ErrTypeNeedsAttention, nil)
	}
	return nil
}
