# Jiandu: `make run` starts the dev stack, `make test` runs the whole suite.

GO            ?= go
TEMPORAL_BIN  := .data/bin/temporal
JIANDU_BIN    := .data/bin/jiandu
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

.PHONY: run test test-short test-stress lint temporal build record-histories

## run: Temporal dev server (UI :8233), worker and API (:8080) with demo data; Ctrl-C stops all
run: temporal build
	$(JIANDU_BIN) dev

## test: every test, on SQLite, and on Postgres too when JIANDU_TEST_DATABASE_URL is set.
## A package still running after TEST_TIMEOUT fails with every goroutine's stack in the log.
TEST_TIMEOUT ?= 30m
test: temporal
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## test-short: the fast tier, no dev servers and no binaries built (under a minute)
test-short:
	$(GO) test -short -count=1 -timeout 5m ./...

## test-stress: the deadlock regression tests many times over, and the pool-saturation test
STRESS_COUNT ?= 50
test-stress: temporal
	$(GO) test -count=$(STRESS_COUNT) -timeout 10m -run '^(TestConcurrentDispatchersDeliverEachOnce)$$' ./internal/notify
	$(GO) test -count=$(STRESS_COUNT) -timeout 10m -run '^TestSaturatedPoolNeverDeadlocks$$' ./internal/db
	$(GO) test -count=3 -timeout 10m -run '^(TestPoolSaturationEndToEnd|TestBusyDatabaseAnswers503)$$' ./api

## lint: gofmt, go vet, staticcheck, workflowcheck on the workflows, and the OpenAPI document
## through a real validator (kin-openapi) plus operationId and tags on every operation
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(WORKFLOWCHECK) ./workflows/...
	$(GO) run ./tools/openapilint api/openapi.yaml

## screenshots: re-take docs/screenshots/ from the browser test (needs chromium; then commit them)
.PHONY: screenshots
screenshots: temporal
	JIANDU_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestBrowser' ./api

## record-histories: re-record workflows/testdata from the end-to-end tests (then commit them)
record-histories: temporal
	JIANDU_RECORD_HISTORIES=1 $(GO) test -count=1 -run 'EndToEnd' ./api

build:
	$(GO) build -ldflags "-X main.commit=$$(git rev-parse HEAD 2>/dev/null)$$(git diff --quiet HEAD 2>/dev/null || echo +modified)" -o $(JIANDU_BIN) ./cmd/jiandu

.PHONY: fuzz test-faults bench
FUZZTIME ?= 10s

## fuzz: every Fuzz target of api/ and workflows/ for FUZZTIME each (CI: 10s; by hand: make fuzz FUZZTIME=10m)
fuzz:
	@set -e; for pkg in ./api ./workflows; do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

## test-faults: kill the worker, the API, Temporal and the database mid-batch (needs JIANDU_TEST_DATABASE_URL)
test-faults: temporal
	JIANDU_FAULT_TESTS=1 $(GO) test -count=1 -timeout 20m -v ./faults

## bench: jiandu bench with its own dev stack (docs/BENCHMARKS.md)
bench: temporal build
	$(JIANDU_BIN) bench

## temporal: the Temporal CLI pinned in tools/temporal (first build takes minutes, then cached)
temporal: $(TEMPORAL_BIN)

$(TEMPORAL_BIN): tools/temporal/go.mod tools/temporal/go.sum
	@echo "Building the Temporal CLI pinned in tools/temporal into $@: the first time takes about"
	@echo "10 minutes on a 2-core machine (module downloads included); later runs reuse it."
	@mkdir -p $(dir $@)
	cd tools/temporal && $(GO) build -o ../../$@ github.com/temporalio/cli/cmd/temporal

.PHONY: temporal-server temporal-postgres
TEMPORAL_SERVER_BIN := .data/bin/temporal-server
TEMPORAL_SQL_BIN    := .data/bin/temporal-sql-tool

## temporal-server: the Temporal server and temporal-sql-tool at the version the CLI pins (tools/temporal)
temporal-server: $(TEMPORAL_SERVER_BIN) $(TEMPORAL_SQL_BIN)

$(TEMPORAL_SERVER_BIN): tools/temporal/go.mod tools/temporal/go.sum
	@echo "Building the Temporal server pinned in tools/temporal into $@: the first time takes many"
	@echo "minutes on a 2-core machine (shared with the CLI's build cache); later runs reuse it."
	@mkdir -p $(dir $@)
	cd tools/temporal && $(GO) build -o ../../$@ go.temporal.io/server/cmd/server

$(TEMPORAL_SQL_BIN): tools/temporal/go.mod tools/temporal/go.sum
	@mkdir -p $(dir $@)
	cd tools/temporal && $(GO) build -o ../../$@ go.temporal.io/server/cmd/tools/sql

## temporal-postgres: Temporal server on the local Postgres (127.0.0.1:5432, user postgres), frontend
## on 127.0.0.1:$$TEMPORAL_PG_PORT (7633), namespace default; databases temporal_pg and
## temporal_pg_visibility (TEMPORAL_PG_DB, TEMPORAL_PG_VISIBILITY_DB). Ctrl-C stops it.
## Then: jiandu bench -temporal 127.0.0.1:7633 (docs/BENCHMARKS.md)
temporal-postgres: temporal temporal-server
	JIANDU_TEMPORAL_BIN=$${JIANDU_TEMPORAL_BIN:-$(CURDIR)/$(TEMPORAL_BIN)} tools/temporal/postgres.sh
