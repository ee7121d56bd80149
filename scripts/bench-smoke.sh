#!/usr/bin/env bash
# The benchmarks' stage of CI alone: installs what the benchmarks compare
# Tessera with, builds the workspace, then runs every benchmark's smoke mode
# and the benchmarks' own tests exactly as scripts/test.sh does (bench_smoke_stage
# in lib.sh). The last line is the total, "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +e

ensure_toolchain || { echo "0 passed, 1 failed"; exit 1; }
cd "$ROOT"
checks=()
check() { # name, command…: one check that passes or fails as a whole
  local name="$1"; shift
  log "$name"
  if "$@"; then checks+=("$name:passed"); else checks+=("$name:failed"); fi
}

engine_socket="${TESSERA_TEST_ENGINE_SOCKET:-/tmp/tessera-bench-engine-$$.sock}"
engine_pid=""
if ensure_podman && ensure_restic && engine_pid="$(start_podman "$engine_socket")" && build_workspace_image; then
  export TESSERA_TEST_ENGINE_SOCKET="$engine_socket"
else
  checks+=("container engine (Podman) for the benchmarks:failed")
fi
trap '[ -n "$engine_pid" ] && kill "$engine_pid" 2>/dev/null' EXIT
ensure_chromium || checks+=("Chromium for the portal benchmark:failed")
ensure_traefik || checks+=("Traefik for the edge benchmarks:failed")
ensure_redis || checks+=("redis-server for the route-source benchmark:failed")
ensure_oauth2_proxy || checks+=("oauth2-proxy for the edge-auth benchmark:failed")
ensure_postgres || checks+=("PostgreSQL for the Unleash benchmark:failed")
ensure_unleash || checks+=("unleash-server for the Unleash benchmark:failed")
check build pnpm -r run build

bench_smoke_stage

summary="$(mktemp -d)"
node "$ROOT/scripts/summarize-tests.mjs" "$summary" "${checks[@]}"
status=$?
rm -rf "$summary"
exit "$status"
