#!/usr/bin/env bash
# Benchmark of platform-api's flag evaluation (bench/flags). `--smoke` runs it small, as CI does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
pnpm -r --filter @tessera/contracts --filter @tessera/platform-api run build >&2
FERRETDB_BIN="$FERRETDB_BIN" node bench/flags/run.mjs "$@"
