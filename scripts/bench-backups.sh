#!/usr/bin/env bash
# Tenant backups (bench/backups): a backup and a restore of a 200 MB workspace
# volume, then a second backup after changing 1 %, through the backup helper on
# a real engine with real restic. --smoke for CI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
pnpm -r run build >&2
ensure_podman || exit 1
ensure_restic || exit 1
socket="/tmp/tessera-bench-engine-$$.sock"
engine_pid="$(start_podman "$socket")" || exit 1
trap '[ -n "$engine_pid" ] && kill "$engine_pid"' EXIT
CONTAINER_ENGINE_SOCKET="$socket" node bench/backups/run.mjs "$@"
