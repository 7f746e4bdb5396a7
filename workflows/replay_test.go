package workflows_test

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/worker"
)

// e2ePayloadKey is the fixed test key of api/report_e2e_test.go (e2eReporterKey), under which
// the report and transfer histories were recorded.
const e2ePayloadKey = "e2e:wGIaqrYIdxQodFZXXGxHmPQp/mwNAdmOiaxYyXa2TZQ="

// TestReplayRecordedHistories replays every history recorded from the end-to-end runs
// (make record-histories) against today's workflow code: a change that breaks determinism for
// running cases fails here, and needs a workflow.GetVersion patch.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/")
	}
	// Histories recorded with payload encryption on (api/report_e2e_test.go) need its key;
	// the codec passes plain payloads through, so the others replay as before.
	ring, err := secrets.Parse(e2ePayloadKey)
	if err != nil {
		t.Fatal(err)
	}
	replayer, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: codec.DataConverter(ring)})
	if err != nil {
		t.Fatal(err)
	}
	worker.RegisterWorkflows(replayer)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
