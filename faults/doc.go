// Package faults holds Jiandu's fault tests: they run the real binary as separate `jiandu api`
// and `jiandu worker` processes against a real Temporal dev server (on a SQLite file, on a
// fixed port, so it can be restarted) and Postgres, drive a batch of publicity cases and of
// 12380 reports transferred down to a county (转办: a report case and a transfer case each)
// over REST as the officials would (internal/bench's driver, retrying with the same
// Idempotency-Keys), and break something in the middle:
//
//   - the worker is SIGKILLed and a new one started;
//   - the API is SIGKILLed and a new one started on the same address, while clients retry;
//   - the Temporal dev server is stopped and started again on its SQLite file;
//   - the database becomes unreachable for a while (the processes reach Postgres through a TCP
//     proxy in the test, which is cut): the API answers 503 with Retry-After, activities retry.
//
// After each, every case must be closed and every task completed exactly once, counted where
// it happens: one accepted complete-task update in the Temporal history of the workflow that
// holds the task for each completed task, none for a cancelled one, none for a task the
// database does not know, no task left open. `jiandu audit verify` must pass too.
//
// They take a few minutes, so they run only with JIANDU_FAULT_TESTS=1 and a Postgres database
// in JIANDU_TEST_DATABASE_URL:
//
//	JIANDU_FAULT_TESTS=1 JIANDU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -count=1 -v ./faults
//
// (`make test-faults`, which CI runs.)
package faults
