package schemas

// Limits that keep a case's workflow history bounded, and the errors that report them.

const (
	// DefaultFormTextMax caps a step form's text field that sets no MaxLen of its own.
	DefaultFormTextMax = 5000

	// ErrTypeHistoryBudget (409) refuses an update that would take the case's workflow history
	// past its budget (workflows/budget.go).
	ErrTypeHistoryBudget = "HistoryBudget"
	// ErrTypeNeedsAttention (409) answers an action that the case could not record: the
	// database refused a write for good, and the case now waits for a person (CaseState.Attention).
	ErrTypeNeedsAttention = "NeedsAttention"
	// ErrTypePermanent marks an activity error that no retry can fix (activities/permanent.go).
	ErrTypePermanent = "PermanentDatabaseError"
)
