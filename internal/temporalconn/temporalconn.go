// Package temporalconn connects jiandu processes to Temporal and registers the search
// attributes every case uses.
package temporalconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/schemas"
)

// Options say where Temporal is and how the client reports.
type Options struct {
	Address   string
	Namespace string
	Logger    *slog.Logger
	Metrics   client.MetricsHandler
	// PayloadKeys (JIANDU_PAYLOAD_KEYS), when set, encrypts every payload this client writes
	// (internal/codec); api and worker must share it.
	PayloadKeys string
	// Compression (JIANDU_TEMPORAL_COMPRESSION) is the gRPC request compression: "gzip" (the
	// SDK's default, "" too) or "none".
	Compression string
}

// Connection returns the connection options for a gRPC compression setting: "gzip" or "" keeps
// the SDK's gzip, "none" sends requests uncompressed (cheaper in CPU when Temporal is near:
// docs/BENCHMARKS.md).
func Connection(compression string) (client.ConnectionOptions, error) {
	switch compression {
	case "", "gzip":
		return client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionGzip{}}, nil
	case "none":
		return client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}, nil
	}
	return client.ConnectionOptions{}, fmt.Errorf("temporal compression %q: want gzip or none", compression)
}

// Dial returns a lazy client: it connects on first use, so an api process starts (and reports
// not-ready) while Temporal is down instead of failing to start.
func Dial(o Options) (client.Client, error) {
	conn, err := Connection(o.Compression)
	if err != nil {
		return nil, err
	}
	opts := client.Options{
		HostPort:          o.Address,
		Namespace:         o.Namespace,
		MetricsHandler:    o.Metrics,
		ConnectionOptions: conn,
	}
	if o.Logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(o.Logger.With("component", "temporal"))
	}
	if o.PayloadKeys != "" {
		ring, err := secrets.Parse(o.PayloadKeys)
		if err != nil {
			return nil, fmt.Errorf("payload keys: %w", err)
		}
		opts.DataConverter = codec.DataConverter(ring)
	}
	c, err := client.NewLazyClient(opts)
	if err != nil {
		return nil, fmt.Errorf("temporal client for %s: %w", o.Address, err)
	}
	return c, nil
}

// EnsureSearchAttributes registers Jiandu's custom search attributes in namespace, adding only
// the missing ones, so it can run on every start.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	want := schemas.SearchAttributes()
	missing := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enums.IndexedValueType{}}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing.SearchAttributes[name] = want[name]
		case got != want[name]:
			return fmt.Errorf("search attribute %s is registered as %s, Jiandu needs %s", name, got, want[name])
		}
	}
	if len(missing.SearchAttributes) == 0 {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, missing); err != nil {
		var exists *serviceerror.AlreadyExists
		if errors.As(err, &exists) {
			return nil // another process registered them first
		}
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
