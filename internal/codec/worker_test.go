package codec_test

import (
	"context"
	"testing"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
)

func echo(ctx workflow.Context, s string) (string, error) { return "收到：" + s, nil }

// TestUndecryptablePayloadRetriesTheWorkflowTask: a worker without the key of a workflow's
// input fails the workflow task, again and again, and the workflow keeps running; once a worker
// with the key (a rotated ring that still lists the old key) polls, the workflow completes.
// Before, the workflow itself failed on the first attempt: the case was gone.
func TestUndecryptablePayloadRetriesTheWorkflowTask(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Temporal dev server")
	}
	dev := testenv.Temporal(t)
	ring := func(spec string) *secrets.KeyRing {
		r, err := secrets.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	oldKey, _ := secrets.NewKey("k1")
	newKey, _ := secrets.NewKey("k2")
	clientWith := func(spec string) client.Client {
		c, err := client.NewClientFromExisting(dev.Client(), client.Options{Namespace: "default", DataConverter: codec.DataConverter(ring(spec))})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	starter := clientWith(oldKey)
	run, err := starter.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-echo", TaskQueue: "codec"}, echo, "举报材料")
	if err != nil {
		t.Fatal(err)
	}

	// A worker that only has the new key.
	w := worker.New(clientWith(newKey), "codec", worker.Options{})
	w.RegisterWorkflow(echo)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		desc, err := starter.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
		if err != nil {
			t.Fatal(err)
		}
		d := desc.RawResponse
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("workflow is %s after a worker failed to decrypt its input, want it running", st)
		}
		if d.GetPendingWorkflowTask().GetAttempt() >= 2 {
			break // the task failed and is being retried
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retried workflow task: %+v", d.GetPendingWorkflowTask())
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.Stop()

	// The rotated worker (new key first, old key kept) finishes it.
	w = worker.New(clientWith(newKey+","+oldKey), "codec", worker.Options{})
	w.RegisterWorkflow(echo)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got string
	rotated := clientWith(newKey + "," + oldKey)
	if err := rotated.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &got); err != nil || got != "收到：举报材料" {
		t.Fatalf("after rotation: %q %v", got, err)
	}
}
