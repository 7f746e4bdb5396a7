package audit

// Internals for the external tests (package audit_test, which imports testenv, which imports
// audit).
var (
	EventHash  = eventHash
	GlobalHash = globalHash
	Canonical  = canonical
	RowHashes  = rowHashes
)

// SetBatchSize sets how many rows Verify reads per query and returns the previous value.
func SetBatchSize(n int) int {
	old := batchSize
	batchSize = n
	return old
}
