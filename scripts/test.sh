#!/usr/bin/env bash
# The second command: installs what the tests need, then runs lint, typecheck
# and the unit, integration and e2e tests of every package. The last line is
# the total: "N passed, N failed". Exits non-zero when anything failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +e

ensure_toolchain || { echo "0 passed, 1 failed"; exit 1; }
cd "$ROOT"
REPORTS="$ROOT/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

checks=()
check() { # name, command…: one check that passes or fails as a whole
  local name="$1"; shift
  log "$name"
  if "$@"; then checks+=("$name:passed"); else checks+=("$name:failed"); fi
}

# The container engine the provisioning tests run against (Podman's Docker API).
engine_socket="${TESSERA_TEST_ENGINE_SOCKET:-/tmp/tessera-test-engine-$$.sock}"
engine_pid=""
if ensure_podman && ensure_restic && engine_pid="$(start_podman "$engine_socket")" && build_workspace_image; then
  export TESSERA_TEST_ENGINE_SOCKET="$engine_socket"
else
  checks+=("container engine (Podman) for the provisioning tests:failed")
fi
trap '[ -n "$engine_pid" ] && kill "$engine_pid" 2>/dev/null' EXIT
# Docker Engine from Debian, for the Docker Engine and Swarm harness in packages/testing
# (its daemons run in network namespaces of their own; none in the host's).
ensure_docker || checks+=("Docker Engine (docker.io) for the Docker and Swarm tests:failed")
# The browser the portal's tests drive (Debian's Chromium, through playwright-core).
ensure_chromium || checks+=("Chromium for the browser tests:failed")
# The real reverse proxy the edge tests put in front of the workspaces.
ensure_traefik || checks+=("Traefik for the edge tests:failed")
ensure_compose_check || checks+=("the compose-file check:failed")
# The real SMTP server the notification tests send to and read back (MAILPIT_BIN).
ensure_mailpit || checks+=("Mailpit for the notification tests:failed")
# The S3-compatible server the S3 path of workspace backups is tested against (GOFAKES3_BIN).
ensure_gofakes3 || checks+=("gofakes3 for the S3 backup tests:failed")
# The real DNS server the custom-domain tests publish their TXT records on.
ensure_dnsmasq || checks+=("dnsmasq for the custom-domain tests:failed")
# What the benchmarks compare Tessera with, for their smoke stage below.
ensure_redis || checks+=("redis-server for the route-source benchmark:failed")
ensure_oauth2_proxy || checks+=("oauth2-proxy for the edge-auth benchmark:failed")
ensure_postgres || checks+=("PostgreSQL for the Unleash benchmark:failed")
ensure_unleash || checks+=("unleash-server for the Unleash benchmark:failed")

check lint pnpm lint
check typecheck pnpm typecheck
# dev-idp runs as a built process in the tests, as it does for real.
check build pnpm -r run build

# Each package with a `test:ci` script writes a Jest-format JSON report.
for dir in packages/* services/* apps/*; do
  [ -f "$dir/package.json" ] || continue
  node -e 'process.exit(require(process.argv[1]).scripts?.["test:ci"] ? 0 : 1)' "$ROOT/$dir/package.json" || continue
  name="$(basename "$dir")"
  log "tests: $name"
  # A ceiling per package, so one hung suite cannot keep the run from its summary.
  (cd "$dir" && TESSERA_REPORT="$REPORTS/$name.json" timeout --kill-after=30s "${TESSERA_SUITE_TIMEOUT:-20m}" pnpm run test:ci)
  status=$?
  [ "$status" -eq 124 ] && checks+=("tests of $name (stopped after ${TESSERA_SUITE_TIMEOUT:-20m}):failed")
  [ -f "$REPORTS/$name.json" ] || checks+=("tests of $name (no report: the runner crashed):failed")
done

# Every benchmark in its smoke mode (a second or two of each measurement at
# small sizes, no targets), and the benchmarks' own tests, so none stops
# starting unnoticed (docs/benchmarks.md). Each is one check; each runs in a
# process group of its own, ended with it.
bench_smoke_stage

node "$ROOT/scripts/summarize-tests.mjs" "$REPORTS" "${checks[@]}"
