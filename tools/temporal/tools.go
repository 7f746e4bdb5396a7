//go:build tools

// Package temporal pins the Temporal CLI that Jiandu uses as its local dev server, and the
// Temporal server and its SQL schema tool (temporal-sql-tool) for running Temporal on Postgres
// (make temporal-postgres). The server version is the one the CLI pins (go.temporal.io/server
// in go.mod), so the dev server and the Postgres server run the same code.
// It has its own go.mod because the CLI's server pins an older go.temporal.io/api than the SDK
// the main module uses.
package temporal

import (
	_ "github.com/temporalio/cli/cmd/temporal"
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)
