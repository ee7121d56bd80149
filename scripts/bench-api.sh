#!/usr/bin/env bash
# Benchmark of platform-api's hot reads (bench/api). `--smoke` runs it small, as CI does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
pnpm -r --filter @tessera/contracts --filter @tessera/platform-api run build >&2
FERRETDB_BIN="$FERRETDB_BIN" node bench/api/run.mjs "$@"
