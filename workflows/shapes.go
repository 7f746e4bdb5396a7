package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
)

// Decision keys of the steps: each is declared once here, and the steps' specs, the
// comparisons of a Completion's decision and the tests use these names. Keys a process shares
// with the API (findings, review outcomes) are in schemas.
const (
	DecisionSubmit           = "submit"
	DecisionApprove          = "approve"
	DecisionReturn           = "return"
	DecisionReject           = "reject"
	DecisionRefuse           = "refuse"
	DecisionAccept           = "accept"
	DecisionConfirm          = "confirm"
	DecisionDispute          = "dispute"
	DecisionHeld             = "held"
	DecisionSign             = "sign"
	DecisionScheduled        = "scheduled"
	DecisionCorrected        = "corrected"
	DecisionNotCorrected     = "not_corrected"
	DecisionOrderTalk        = "order_talk"
	DecisionKeepUrging       = "keep_urging"
	DecisionOutOfScope       = "out_of_scope"
	DecisionRequestExtension = "request_extension"
	DecisionPropose          = "propose"
	DecisionNotNeeded        = "not_needed"
	DecisionAcknowledge      = "acknowledge"
	DecisionReceived         = "received"
	DecisionClarified        = "clarified"
	DecisionTalkDone         = "done"
	DecisionSent             = "sent"
	DecisionSubmitDraft      = "submit_draft"
	DecisionSupervised       = "supervised"
	DecisionKeepSupervising  = "keep_supervising"
	DecisionMismatch         = "mismatch"
)

// inParallel runs the branches side by side, each in its own coroutine (started in order), and
// waits for all of them: the first error, or the context's when it was cancelled.
func inParallel(ctx workflow.Context, branches ...func(workflow.Context) error) error {
	var firstErr error
	wg := workflow.NewWaitGroup(ctx)
	for _, branch := range branches {
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			if err := branch(gctx); err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait(ctx)
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// approvalLoop is the draft → approve shape: each round someone drafts, someone approves or
// returns the draft, until it is approved.
type approvalLoop struct {
	// draft is round's draft step; last and returned are the previous round's draft and its
	// return (zero in round 1), for notes on what to change.
	draft func(round int, last, returned Completion) StepSpec
	// approve is round's approval step; approvalSpec builds the usual one.
	approve func(round int) StepSpec
	// approved is the decision that ends the loop; default DecisionApprove.
	approved string
}

// draftAndApprove runs the loop and answers the approved draft and its approval.
func (c *caseRun) draftAndApprove(ctx workflow.Context, l approvalLoop) (draft, approval Completion, err error) {
	if l.approved == "" {
		l.approved = DecisionApprove
	}
	for round := 1; ; round++ {
		if draft, err = c.humanStep(ctx, l.draft(round, draft, approval)); err != nil {
			return draft, approval, err
		}
		if approval, err = c.humanStep(ctx, l.approve(round)); err != nil || approval.Decision == l.approved {
			return draft, approval, err
		}
	}
}

// approvalSpec is the usual approval: approve (labelled approveLabel) or return for changes
// with an opinion.
func approvalSpec(approveLabel string) schemas.TaskSpec {
	return schemas.TaskSpec{
		Decisions: []schemas.Decision{{Key: DecisionApprove, Label: approveLabel}, {Key: DecisionReturn, Label: "退回修改"}},
		Form:      []schemas.FormField{{Name: "opinion", Label: "审批意见", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionReturn}, MaxLen: 2000}},
	}
}

// submitDecisions is a drafting step's one decision.
func submitDecisions(label string) []schemas.Decision {
	return []schemas.Decision{{Key: DecisionSubmit, Label: label}}
}
