#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from the Go module pinned in
# tools/temporal-server/ (Go module proxy), into $TEMPORAL_SERVER_BIN_DIR
# (default: .tools/temporal-server/bin), and copies the server's PostgreSQL schema files next to
# them (../schema/postgresql/v12). Skips the build when all of it exists.
#
#   bash scripts/cluster/build-server.sh        # build if missing, print the binaries' paths
#
# Env: TEMPORAL_SERVER_BIN_DIR (output folder), GOCACHE (Go build cache; default .tools/go-build
# under CI=true so a CI cache of .tools/ keeps it), BUILD_NICE (nice level, default 10).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN_DIR="${TEMPORAL_SERVER_BIN_DIR:-$ROOT/.tools/temporal-server/bin}"
MODULE="$ROOT/tools/temporal-server"
if [[ "${CI:-}" == "true" && -z "${GOCACHE:-}" ]]; then export GOCACHE="$ROOT/.tools/go-build"; fi
mkdir -p "$BIN_DIR"

SCHEMA_DIR="$BIN_DIR/../schema"
if [[ -x "$BIN_DIR/temporal-server" && -x "$BIN_DIR/temporal-sql-tool" && -d "$SCHEMA_DIR/postgresql" ]]; then
  echo "temporal-server: $BIN_DIR/temporal-server (already built)"
  echo "temporal-sql-tool: $BIN_DIR/temporal-sql-tool (already built)"
  echo "schema: $SCHEMA_DIR/postgresql/v12"
  exit 0
fi
command -v go >/dev/null || { echo "go is not installed: the Temporal server is built from its Go module" >&2; exit 1; }

start=$(date +%s)
cd "$MODULE"
nice -n "${BUILD_NICE:-10}" go build -trimpath -buildvcs=false -o "$BIN_DIR/temporal-server" go.temporal.io/server/cmd/server
nice -n "${BUILD_NICE:-10}" go build -trimpath -buildvcs=false -o "$BIN_DIR/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
# The PostgreSQL schema files ship in the server module: keep a copy next to the binaries.
rm -rf "$SCHEMA_DIR" && mkdir -p "$SCHEMA_DIR"
cp -r "$(go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql" "$SCHEMA_DIR/"
chmod -R u+w "$SCHEMA_DIR"
echo "built the Temporal server in $(( $(date +%s) - start )) s"
echo "schema: $SCHEMA_DIR/postgresql/v12"
echo "temporal-server: $BIN_DIR/temporal-server"
echo "temporal-sql-tool: $BIN_DIR/temporal-sql-tool"
