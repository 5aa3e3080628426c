#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from the Go module pinned in
# tools/temporal-server/ (Go module proxy), into $TEMPORAL_SERVER_BIN_DIR
# (default: .tools/temporal-server/bin). Skips the build when both binaries exist.
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

if [[ -x "$BIN_DIR/temporal-server" && -x "$BIN_DIR/temporal-sql-tool" ]]; then
  echo "temporal-server: $BIN_DIR/temporal-server (already built)"
  echo "temporal-sql-tool: $BIN_DIR/temporal-sql-tool (already built)"
  exit 0
fi
command -v go >/dev/null || { echo "go is not installed: the Temporal server is built from its Go module" >&2; exit 1; }

start=$(date +%s)
cd "$MODULE"
nice -n "${BUILD_NICE:-10}" go build -trimpath -o "$BIN_DIR/temporal-server" go.temporal.io/server/cmd/server
nice -n "${BUILD_NICE:-10}" go build -trimpath -o "$BIN_DIR/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
echo "built the Temporal server in $(( $(date +%s) - start )) s"
echo "temporal-server: $BIN_DIR/temporal-server"
echo "temporal-sql-tool: $BIN_DIR/temporal-sql-tool"
