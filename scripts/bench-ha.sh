#!/usr/bin/env bash
# Kill under load (bench/ha): 2 API processes on one database and 2 Traefiks
# reading the routes from them under steady reads and writes; one API process
# and one Traefik are killed and started again. `--smoke` runs it for 6 s, as
# CI does. The full run takes about a minute (BENCH_SECONDS=60).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_traefik
cd "$ROOT"
pnpm -r --filter @tessera/contracts --filter @tessera/platform-api run build >&2
FERRETDB_BIN="$FERRETDB_BIN" TRAEFIK_BIN="$TRAEFIK_BIN" TRAEFIK_VERSION="$TRAEFIK_VERSION" node bench/ha/run.mjs "$@"
