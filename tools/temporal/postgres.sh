#!/bin/sh
# Runs the Temporal server pinned in tools/temporal on the local Postgres (make temporal-postgres):
# creates the persistence and visibility databases if missing, sets up or upgrades their schema
# with temporal-sql-tool from the server module's schema files, starts the server with
# tools/temporal/config/development.yaml, registers the namespace, and stays in the foreground
# until interrupted. The environment variables are listed in that config file; JIANDU_TEMPORAL_BIN
# is the Temporal CLI used to register the namespace (default .data/bin/temporal).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${TEMPORAL_PG_BIN_DIR:-$root/.data/bin}
server=$bin/temporal-server
sqltool=$bin/temporal-sql-tool
cli=${JIANDU_TEMPORAL_BIN:-$bin/temporal}
port=${TEMPORAL_PG_PORT:-7633}
namespace=${TEMPORAL_PG_NAMESPACE:-default}
db=${TEMPORAL_PG_DB:-temporal_pg}
vdb=${TEMPORAL_PG_VISIBILITY_DB:-temporal_pg_visibility}

schema=$(cd "$here" && go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12

sql() {
	SQL_PASSWORD=${TEMPORAL_PG_DB_PASSWORD:-} "$sqltool" --plugin postgres12 \
		--ep "${TEMPORAL_PG_DB_HOST:-127.0.0.1}" -p "${TEMPORAL_PG_DB_PORT:-5432}" \
		-u "${TEMPORAL_PG_DB_USER:-postgres}" "$@"
}

# schema DATABASE DIR: the database and its schema at the server's version. update-schema only
# applies the versions the database does not have yet; a database without version tables gets
# them first (setup-schema -v 0.0 must not run twice: it would reset the recorded version).
schema() {
	out=$(sql --db "$1" create-database 2>&1) || case $out in
		*"already exists"*) ;;
		*) echo "$out" >&2; exit 1 ;;
	esac
	if ! sql --db "$1" update-schema -d "$schema/$2/versioned" >/dev/null 2>&1; then
		quiet sql --db "$1" setup-schema -v 0.0
		quiet sql --db "$1" update-schema -d "$schema/$2/versioned"
	fi
	echo "database $1: schema up to date ($schema/$2/versioned)"
}

# quiet runs a command and shows its output only when it fails.
quiet() {
	out=$("$@" 2>&1) || {
		echo "$out" >&2
		exit 1
	}
}
schema "$db" temporal
schema "$vdb" visibility

echo "starting Temporal server $("$server" --version 2>/dev/null | awk '{print $NF}') on 127.0.0.1:$port (persistence $db, visibility $vdb)"
"$server" --root "$here" --config config --env development --allow-no-auth start &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exit 0' INT TERM

# Register the namespace once the frontend answers (it is kept in the database: a restart finds it).
i=0
until "$cli" operator namespace describe --address "127.0.0.1:$port" --namespace "$namespace" >/dev/null 2>&1; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "the Temporal server exited" >&2
		exit 1
	fi
	"$cli" operator namespace create --address "127.0.0.1:$port" --namespace "$namespace" --retention 72h >/dev/null 2>&1 || true
	i=$((i + 1))
	if [ "$i" -gt 120 ]; then
		echo "namespace $namespace not registered after 2 minutes" >&2
		kill "$pid"
		exit 1
	fi
	sleep 1
done
echo "Temporal on Postgres is ready: 127.0.0.1:$port, namespace $namespace (jiandu bench -temporal 127.0.0.1:$port)"
wait "$pid"
