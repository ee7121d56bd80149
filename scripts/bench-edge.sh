#!/usr/bin/env bash
# Benchmark of the edge (bench/edge): what Traefik + forwardAuth add, and wake time. `--smoke` runs it small, as CI does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_traefik
cd "$ROOT"
pnpm -r run build >&2
socket="/tmp/tessera-bench-engine-$$.sock"
ensure_podman && engine_pid="$(start_podman "$socket")" && build_workspace_image
trap '[ -n "${engine_pid:-}" ] && kill "$engine_pid" 2>/dev/null' EXIT
TESSERA_TEST_ENGINE_SOCKET="$socket" FERRETDB_BIN="$FERRETDB_BIN" TRAEFIK_BIN="$TRAEFIK_BIN" node bench/edge/run.mjs "$@"
