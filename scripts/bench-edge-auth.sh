#!/usr/bin/env bash
# Edge authentication side by side (bench/edge-auth): Tessera's forwardAuth
# against oauth2-proxy (built from the Go module proxy) in front of the same
# workspace and Traefik, in one run. `--smoke` runs it small, for CI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_traefik
ensure_oauth2_proxy
cd "$ROOT"
pnpm -r run build >&2
socket="/tmp/tessera-bench-engine-$$.sock"
ensure_podman && engine_pid="$(start_podman "$socket")" && build_workspace_image
trap '[ -n "${engine_pid:-}" ] && kill "$engine_pid" 2>/dev/null' EXIT
TESSERA_TEST_ENGINE_SOCKET="$socket" FERRETDB_BIN="$FERRETDB_BIN" TRAEFIK_BIN="$TRAEFIK_BIN" OAUTH2_PROXY_BIN="$OAUTH2_PROXY_BIN" OAUTH2_PROXY_VERSION="$OAUTH2_PROXY_VERSION" \
  node bench/edge-auth/run.mjs "$@"
