#!/usr/bin/env bash
# The usage sampler at 500 workspaces (bench/usage): the cost of a pass and its
# effect on the API's latency and on reconcile, on a real engine. --smoke for CI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
pnpm -r run build >&2
ensure_podman || exit 1
socket="/tmp/tessera-bench-engine-$$.sock"
engine_pid="$(start_podman "$socket")" || exit 1
build_workspace_image || exit 1
trap '[ -n "$engine_pid" ] && kill "$engine_pid"' EXIT
CONTAINER_ENGINE_SOCKET="$socket" FERRETDB_BIN="$FERRETDB_BIN" node bench/usage/run.mjs "$@"
