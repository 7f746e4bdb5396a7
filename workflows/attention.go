package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/schemas"
)

// versionAttention guards the path a case takes when an activity fails for good (it did not
// exist before: activities retried forever). Recorded only on that path.
const versionAttention = "needs-attention"

// permanentFailure reports whether an activity failed with an error that no retry can fix
// (activities.NonRetryable: the database refused the data).
func permanentFailure(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == schemas.ErrTypePermanent
}

// needsAttention is what exec does when an activity failed for good: the case is marked as
// needing a person (the state that the query and every update answer with, the Temporal UI's
// current details, and the case row, which the API's needing-attention metric counts), and an
// error of type schemas.ErrTypeNeedsAttention is returned. A task action waiting on the write
// answers with it (the API: 409); the case's run ends with it and finish holds the case open
// until someone cancels it; the guarded updates refuse everything else.
func (c *caseRun) needsAttention(ctx workflow.Context, summary string, cause error) error {
	if workflow.GetVersion(ctx, versionAttention, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return cause
	}
	if c.state.Attention == "" {
		reason := summary + "：数据库拒绝写入，已停止重试。请核查后撤销案件，必要时重新发起。"
		// The row is marked first, so that whoever hears of it finds it there. Recorded even
		// when the case is being cancelled, with a few retries (this write carries nothing of
		// the refused data).
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		actx := workflow.WithActivityOptions(dctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			Summary:             "标记案件需要人工处理",
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 5,
			},
		})
		err := workflow.ExecuteActivity(actx, acts.MarkAttention, activities.AttentionRequest{
			Case: c.caseRef(), OrgUnitID: c.state.OrgUnitID, CreatedBy: c.createdBy, Priority: c.state.Priority,
			Reason: reason, At: workflow.Now(ctx),
		}).Get(actx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Error("could not mark the case row as needing attention", "error", err)
		}
		if c.state.Attention == "" {
			c.state.Attention = reason
			c.refresh(ctx)
		}
	}
	return temporal.NewNonRetryableApplicationError(c.state.Attention, schemas.ErrTypeNeedsAttention, cause)
}

// holdForAttention keeps a case that needs a person open (and cancellable) instead of letting
// its run fail: it waits until the case is cancelled and returns the cancellation, so finish
// closes the case as cancelled.
func (c *caseRun) holdForAttention(runErr error) error {
	if runErr == nil || c.state.Attention == "" || temporal.IsCanceledError(runErr) || c.runCtx == nil {
		return runErr
	}
	if err := workflow.Await(c.runCtx, func() bool { return false }); err != nil {
		return err
	}
	return runErr
}
