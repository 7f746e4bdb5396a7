package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/worker"
	"github.com/jiandu/jiandu/workflows"
)

// e2ePayloadKey is the fixed test key of api/report_e2e_test.go (e2eReporterKey), under which
// the report and transfer histories were recorded.
const e2ePayloadKey = "e2e:wGIaqrYIdxQodFZXXGxHmPQp/mwNAdmOiaxYyXa2TZQ="

// TestReplayRecordedHistories replays every history recorded from the end-to-end runs
// (make record-histories) against today's workflow code: a change that breaks determinism for
// running cases fails here, and needs a workflow.GetVersion patch.
func TestReplayRecordedHistories(t *testing.T) {
	// testdata/*.json are the latest recordings; testdata/<date>/ keep earlier ones, so that
	// cases started under older code keep replaying after a re-recording.
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	older, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, older...)
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
		name, _ := filepath.Rel("testdata", f)
		t.Run(name, func(t *testing.T) {
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// TestReplayCatchesAChangedWorkflow shows the replay test can fail: the publicity workflow with
// one command more at its start (a timer before anything else), registered under the same
// name, does not replay its recorded history.
func TestReplayCatchesAChangedWorkflow(t *testing.T) {
	changed := func(ctx workflow.Context, in schemas.PublicityInput) (schemas.CaseState, error) {
		if err := workflow.Sleep(ctx, time.Second); err != nil {
			return schemas.CaseState{}, err
		}
		return workflows.Publicity(ctx, in)
	}
	replayer := sdkworker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: schemas.KindPublicity.WorkflowType()})
	err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "publicity-e2e-sqlite.json"))
	if err == nil || !strings.Contains(err.Error(), "TMPRL1100") { // the SDK's nondeterminism error
		t.Fatalf("a changed workflow replayed its old history: %v", err)
	}
}
