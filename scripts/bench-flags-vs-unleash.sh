#!/usr/bin/env bash
# Feature flags side by side (bench/flags-vs-unleash): Tessera against
# unleash-server (from npm, on Debian's PostgreSQL) for the same 200 flags,
# in one run, after checking that both give equivalent truth maps.
# `--smoke` runs it small, for CI; `--test` runs the equivalence test instead.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_postgres
ensure_unleash
cd "$ROOT"
pnpm -r --filter @tessera/contracts --filter @tessera/platform-api run build >&2
export FERRETDB_BIN PG_BIN_DIR UNLEASH_SERVER_DIR
if [ "${1:-}" = "--test" ]; then exec node --test bench/flags-vs-unleash/equivalence.test.mjs; fi
node bench/flags-vs-unleash/run.mjs "$@"
