package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/jiandu/jiandu/internal/temporalconn"
	"github.com/jiandu/jiandu/schemas"
)

// dialExternal connects to a running Temporal (o.Temporal). Without o.Namespace it registers a
// namespace of its own for the run, "bench-<run>" (one day of retention): a case's number is its
// workflow id and the numbering starts again in every fresh Jiandu database, so in a namespace
// that outlives the database a new case would get the id of an old, closed one (and the API, by
// the SDK's default, answers a start on an existing id with that old run).
func dialExternal(ctx context.Context, o Options, run string) (client.Client, string, error) {
	ns := o.Namespace
	fresh := ns == ""
	if fresh {
		ns = "bench-" + run
	}
	conn, err := temporalconn.Connection(o.Compression)
	if err != nil {
		return nil, "", err
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: o.Temporal, Namespace: ns, ConnectionOptions: conn,
		Logger: sdklog.NewStructuredLogger(o.Logger.With("component", "temporal")),
	})
	if err != nil {
		return nil, "", fmt.Errorf("temporal at %s: %w", o.Temporal, err)
	}
	if !fresh {
		return tc, ns, temporalconn.EnsureSearchAttributes(ctx, tc, ns)
	}
	_, err = tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        ns,
		Description:                      "jiandu bench run " + run,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	if err != nil {
		tc.Close()
		return nil, "", fmt.Errorf("register namespace %s: %w", ns, err)
	}
	// The services learn of a new namespace, and of its search attributes, when they refresh
	// their namespace cache (every 10 s by default): retry until a query on a custom search
	// attribute is accepted.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		err = temporalconn.EnsureSearchAttributes(ctx, tc, ns)
		if err == nil {
			_, err = tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: ns, PageSize: 1, Query: schemas.SACaseKind.GetName() + " = 'publicity'",
			})
		}
		if err == nil {
			return tc, ns, nil
		}
		var notFound *serviceerror.NamespaceNotFound
		var invalid *serviceerror.InvalidArgument
		var unavailable *serviceerror.Unavailable
		if !errors.As(err, &notFound) && !errors.As(err, &invalid) && !errors.As(err, &unavailable) {
			tc.Close()
			return nil, "", fmt.Errorf("namespace %s: %w", ns, err)
		}
		if serr := sleep(ctx, time.Second); serr != nil {
			tc.Close()
			return nil, "", fmt.Errorf("namespace %s not ready: %w", ns, err)
		}
	}
}
