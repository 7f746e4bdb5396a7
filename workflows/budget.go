package workflows

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/schemas"
)

// A case's workflow history is bounded: every update a person can repeat (task actions,
// objections) is checked against a budget in its validator, and refused with
// schemas.ErrTypeHistoryBudget (the API: 409) when accepting it could take the history past
// the budget. The budget sits below Temporal's warning thresholds (10,240 events, 10 MB), far
// below its limits (51,200 events, 50 MB, when Temporal terminates the workflow), so no sequence
// of valid requests reaches them, and it leaves room for the case to be cancelled.
// Cancel-case is not budgeted: it is accepted once per case.
//
// The case state is bounded too: every update answers with it (and the query returns it), and
// Temporal refuses a payload over 2 MB, so an update that would grow the
// state past stateBudgetBytes is refused as well.
var (
	historyBudgetEvents = 9000
	historyBudgetBytes  = 8 << 20
	stateBudgetBytes    = 1 << 20
)

const (
	// eventsPerUpdate is what one accepted update may add: accepted and completed events, its
	// activity (scheduled, started, completed) and workflow tasks, with room for a step it ends.
	eventsPerUpdate = 30
	// copiesPerUpdate: an update's argument is stored when accepted and again as activity
	// input (a completion's form is the close-task input); its result is stored when completed.
	copiesPerUpdate = 3
)

// guarded wraps an update's validator: a case that needs a person refuses every update but
// cancel-case, and an update that the history budget cannot take is refused.
func guarded[R any](c *caseRun, validate func(R) error) func(R) error {
	return func(req R) error {
		if c.state.Attention != "" {
			return rejection(schemas.ErrTypeNeedsAttention, c.state.Attention)
		}
		if err := validate(req); err != nil {
			return err
		}
		return c.checkBudget(req)
	}
}

// checkBudget refuses an update whose payloads (its argument, stored more than once, and an
// answer the size of the case state) would take the history past the budget, or whose argument
// would grow the case state past its own.
func (c *caseRun) checkBudget(req any) error {
	info := workflow.GetInfo(c.rootCtx)
	reqSize, stateSize := payloadSize(req), payloadSize(c.snapshot())
	if info.GetCurrentHistoryLength()+eventsPerUpdate > historyBudgetEvents ||
		info.GetCurrentHistorySize()+reqSize*copiesPerUpdate+stateSize > historyBudgetBytes ||
		stateSize+reqSize > stateBudgetBytes {
		return rejection(schemas.ErrTypeHistoryBudget, "本案件的办理记录已接近系统上限，不再接受新的办理、认领、转交或登记；如需继续，请撤销本案件后重新发起")
	}
	return nil
}

func payloadSize(v any) int {
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		return 0
	}
	return len(p.GetData())
}
