//go:build tools

// Package temporal pins the Temporal CLI that Jiandu uses as its local dev server.
// It has its own go.mod because the CLI's server pins an older go.temporal.io/api than the SDK
// the main module uses.
package temporal

import _ "github.com/temporalio/cli/cmd/temporal"
