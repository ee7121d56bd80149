#!/usr/bin/env bash
# Benchmark of what the portal's server routes add to a read (bench/portal). `--smoke` runs it small, as CI does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_chromium
cd "$ROOT"
pnpm -r run build >&2
FERRETDB_BIN="$FERRETDB_BIN" node bench/portal/run.mjs "$@"
