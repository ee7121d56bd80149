#!/usr/bin/env bash
# What the HTTP framework costs (bench/api-frameworks): Node's http alone, Nest
# on Express and Nest on Fastify, beside platform-api's own reads, in one run.
# `--smoke` runs it small, as CI does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
pnpm -r --filter @tessera/contracts --filter @tessera/platform-api run build >&2
FERRETDB_BIN="$FERRETDB_BIN" node bench/api-frameworks/run.mjs "$@"
