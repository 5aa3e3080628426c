#!/usr/bin/env bash
# `npm run test:cluster`: the multi-shard suite (test/cluster/) against a real Temporal server
# built from its Go module, on a throw-away local PostgreSQL (Debian's postgresql package).
# 1. builds the server and temporal-sql-tool if missing (scripts/cluster/build-server.sh);
# 2. installs PostgreSQL with apt-get when it is missing and we are root;
# 3. runs vitest with test/cluster/vitest.config.ts and prints the duration.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
start=$(date +%s)
bash scripts/cluster/build-server.sh
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null && [[ -z "${PG_BIN_DIR:-}" ]]; then
  if [[ "$(id -u)" == "0" ]]; then
    echo "installing PostgreSQL (apt-get install postgresql)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is missing: apt-get install -y postgresql (or set PG_BIN_DIR)" >&2
    exit 1
  fi
fi
status=0
npx vitest run --config test/cluster/vitest.config.ts "$@" || status=$?
echo "test:cluster took $(( $(date +%s) - start )) s (exit $status)"
exit "$status"
