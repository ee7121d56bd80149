#!/usr/bin/env bash
# The second command: installs what the tests need, then runs lint, typecheck
# and the unit, integration and e2e tests of every package, and every
# benchmark's smoke mode. The last line is the total: "N passed, N failed".
# Exits non-zero when anything failed.
#
# Once everything is built, lanes run side by side (docs/development.md#tests),
# so that no core waits while a test waits on a process, an engine or a browser:
#   host     the tests of the packages and services, on the host's Podman;
#   apps     the two apps' browser tests;
#   checks   lint, then typecheck, and after them
#   bench    every benchmark's smoke mode, then the test harness's own tests.
# apps and bench each run in a network namespace of their own with a Podman of
# their own (storage, networks, addresses), so that workspaces of different
# lanes, which carry the same slugs, never meet. Without root (no network
# namespaces) the lanes run one after the other.
#
#   scripts/test.sh                 everything
#   scripts/test.sh --lane apps     one lane alone (host, apps, checks or bench), after the installs and the build
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +e

only_lane=""
[ "${1:-}" = "--lane" ] && only_lane="${2:-}"
case "$only_lane" in "" | checks | host | apps | bench) ;; *) log "unknown lane: $only_lane (checks, host, apps or bench)"; exit 2 ;; esac

cd "$ROOT"
REPORTS="$ROOT/reports"
CHECKS="$REPORTS/checks.txt"
# Written once the apps are built (build_apps).
APPS_BUILT="$REPORTS/apps-built"
# The nodes' tests on a Swarm (platform-api's swarm-nodes.e2e, the console's nodes-swarm.e2e): the bench lane runs them.
SWARM_NODE_TESTS='swarm-nodes\.e2e|nodes-swarm\.e2e'

# One check that passes or fails as a whole, recorded in a file so that lanes
# running as other processes add to the same total.
record() { printf '%s:%s\n' "$1" "$2" >>"$CHECKS"; }
check() { # name, command…
  local name="$1"; shift
  log "$name"
  if "$@"; then record "$name" passed; else record "$name" failed; fi
}

# A package's tests, each writing a Jest-format JSON report, under a ceiling so
# one hung suite cannot keep the run from its summary.
# A report name and Jest arguments may follow: a lane that runs only some of a
# package's files names them (--testPathPatterns) and its own report.
package_tests() { # package folder, [report name, Jest arguments…]
  local dir="$1" name status
  name="${2:-$(basename "$dir")}"
  shift; [ $# -gt 0 ] && shift
  node -e 'process.exit(require(process.argv[1]).scripts?.["test:ci"] ? 0 : 1)' "$ROOT/$dir/package.json" || return 0
  log "tests: $name"
  (cd "$ROOT/$dir" && TESSERA_REPORT="$REPORTS/$name.json" timeout --kill-after=30s "${TESSERA_SUITE_TIMEOUT:-60m}" pnpm run test:ci "$@")
  status=$?
  [ "$status" -eq 124 ] && record "tests of $name (stopped after ${TESSERA_SUITE_TIMEOUT:-60m})" failed
  [ -f "$REPORTS/$name.json" ] || record "tests of $name (no report: the runner crashed)" failed
  [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && run_failed_files_again "$dir" "$name"
  return 0
}

# A run of three lanes side by side keeps both cores busy for half an hour, and
# a test that waits on a process, an engine or a browser has failed under that
# load and passed alone. So a package's failed files, when there are at most
# three, run once more, alone and whole (their beforeAll too), into
# <name>.again.json. The summary counts that second run, and names each such
# file as FLAKY with its first run's failures, so that it is seen and mended.
# More than three failed files are not a load problem: they stand.
run_failed_files_again() { # package folder, report name
  local dir="$1" name="$2" files
  [ -f "$REPORTS/$name.json" ] || return 0
  mapfile -t files < <(node -e 'const r = require(process.argv[1]); for (const s of r.testResults ?? []) if (s.status === "failed") console.log(s.name);' "$REPORTS/$name.json")
  [ "${#files[@]}" -ge 1 ] && [ "${#files[@]}" -le 3 ] || return 0
  log "tests: $name, the ${#files[@]} failed file(s) once more, alone: ${files[*]##*/}"
  (cd "$ROOT/$dir" && TESSERA_REPORT="$REPORTS/$name.again.json" timeout --kill-after=30s 15m pnpm run test:ci --runTestsByPath "${files[@]}")
  [ -f "$REPORTS/$name.again.json" ] || record "tests of $name, failed files run again (no report: the runner crashed)" failed
}

# The apps' build, in a lane of a run side by side (lane_apps); at once when
# everything was built before the lanes.
build_apps() {
  [ -e "$APPS_BUILT" ] && return 0
  check "build of the apps" pnpm -r --filter './apps/**' run build
  : >"$APPS_BUILT"
}
wait_for_apps_build() {
  local waited=0
  while [ ! -e "$APPS_BUILT" ] && [ "$waited" -lt 1800 ]; do sleep 2; waited=$((waited + 2)); done
}

lane_checks() {
  check lint pnpm lint
  # nuxt typecheck writes the app's .nuxt folder, as nuxt build does: not both at once.
  wait_for_apps_build
  check typecheck pnpm typecheck
}

# The host's Podman: the provisioning tests' engine.
lane_host() {
  local socket="${TESSERA_TEST_ENGINE_SOCKET:-/tmp/tessera-test-engine-$$.sock}" pid="" dir
  if pid="$(start_podman "$socket")" && build_workspace_image; then
    export TESSERA_TEST_ENGINE_SOCKET="$socket"
  else
    record "container engine (Podman) for the provisioning tests" failed
  fi
  for dir in packages/* services/*; do
    # The harness's own tests start Docker daemons of their own: the bench lane runs them (below).
    [ "$dir" = packages/testing ] && continue
    # So are the Swarm tests of the nodes (SWARM_NODE_TESTS).
    if [ "$dir" = services/platform-api ]; then package_tests "$dir" platform-api "--testPathIgnorePatterns=$SWARM_NODE_TESTS"; continue; fi
    [ -f "$dir/package.json" ] && package_tests "$dir"
  done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  return 0
}

# A Podman whose storage, network definitions and state live in a folder of
# this run's (own_engine), removed afterwards (drop_own_engine), for a lane
# whose workspaces must never meet another lane's.
own_engine() { # what it is for
  OWN_ENGINE_DATA="$(mktemp -d /var/tmp/tessera-lane-engine.XXXXXX)" OWN_ENGINE_PID=""
  PODMAN=(podman --root "$OWN_ENGINE_DATA/storage" --runroot "$OWN_ENGINE_DATA/run" --tmpdir "$OWN_ENGINE_DATA/tmp" --network-config-dir "$OWN_ENGINE_DATA/networks")
  if OWN_ENGINE_PID="$(start_podman "$OWN_ENGINE_DATA/podman.sock")" && build_workspace_image; then
    export TESSERA_TEST_ENGINE_SOCKET="$OWN_ENGINE_DATA/podman.sock"
  else
    record "container engine (Podman) for $1" failed
  fi
}
drop_own_engine() {
  "${PODMAN[@]}" rm --all --force --time 0 >/dev/null 2>&1
  "${PODMAN[@]}" system reset --force >/dev/null 2>&1
  [ -n "$OWN_ENGINE_PID" ] && kill "$OWN_ENGINE_PID" 2>/dev/null
  # Podman leaves its overlay folder mounted on itself: unmount what is under the folder, deepest first.
  awk -v dir="$OWN_ENGINE_DATA/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$OWN_ENGINE_DATA"
}

lane_apps() {
  local dir
  build_apps
  own_engine "the apps' tests"
  for dir in apps/*; do
    if [ "$dir" = apps/operator ]; then package_tests "$dir" operator "--testPathIgnorePatterns=$SWARM_NODE_TESTS"; continue; fi
    [ -f "$dir/package.json" ] && package_tests "$dir"
  done
  drop_own_engine
  return 0
}

# Every benchmark in its smoke mode (a second or two of each measurement at
# small sizes, no targets), and the benchmarks' own tests, so none stops
# starting unnoticed (docs/benchmarks.md).
# Then the tests that start Docker daemons of their own (in network
# namespaces of their own) and need neither this lane's Podman nor the host's
# network: the test harness's own (packages/testing: Docker Engine and a
# 3-node Swarm), and the nodes' API and console tests on a Swarm
# (SWARM_NODE_TESTS, 380 s in the run of 2 December): here rather than in the
# host and apps lanes, the longest, so that the lanes end closer together.
lane_bench() {
  # bench/portal, bench/edge and bench/edge-auth run the built apps.
  wait_for_apps_build
  own_engine "the benchmarks"
  bench_smoke_stage
  drop_own_engine
  package_tests packages/testing
  package_tests services/platform-api platform-api-swarm-nodes "--testPathPatterns=$SWARM_NODE_TESTS"
  package_tests apps/operator operator-swarm-nodes "--testPathPatterns=$SWARM_NODE_TESTS"
  return 0
}

if [ -n "${TESSERA_IN_LANE:-}" ]; then # this process is one lane of a run (below)
  "lane_$only_lane"
  exit 0
fi

ensure_toolchain || { echo "0 passed, 1 failed"; exit 1; }
rm -rf "$REPORTS" && mkdir -p "$REPORTS" && : >"$CHECKS"

ensure_podman || record "Podman for the provisioning tests" failed
ensure_restic || record "restic for the backup tests" failed
# Docker Engine from Debian, for the Docker Engine and Swarm harness in packages/testing
# (its daemons run in network namespaces of their own; none in the host's).
ensure_docker || record "Docker Engine (docker.io) for the Docker and Swarm tests" failed
# The browser the apps' tests drive (Debian's Chromium, through playwright-core).
ensure_chromium || record "Chromium for the browser tests" failed
# The real reverse proxy the edge tests put in front of the workspaces.
ensure_traefik || record "Traefik for the edge tests" failed
ensure_compose_check || record "the compose-file check" failed
# The real SMTP server the notification tests send to and read back (MAILPIT_BIN).
ensure_mailpit || record "Mailpit for the notification tests" failed
# The S3-compatible server the S3 path of workspace backups is tested against (GOFAKES3_BIN).
ensure_gofakes3 || record "gofakes3 for the S3 backup tests" failed
# The real DNS server the custom-domain tests publish their TXT records on.
ensure_dnsmasq || record "dnsmasq for the custom-domain tests" failed
# What the benchmarks compare Tessera with, for their smoke stage.
ensure_redis || record "redis-server for the route-source benchmark" failed
ensure_oauth2_proxy || record "oauth2-proxy for the edge-auth benchmark" failed
ensure_postgres || record "PostgreSQL for the Unleash benchmark" failed
ensure_unleash || record "unleash-server for the Unleash benchmark" failed

# dev-idp, platform-api and the apps run as built processes in the tests, as
# they do for real. Side by side, the apps are built at the start of their own
# lane (nuxt build is mostly one core's work, and the host lane needs no app),
# and the lanes that read their build wait for it (wait_for_apps_build).
if [ -z "$only_lane" ] && [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && command -v nsenter >/dev/null; then
  check build pnpm -r --filter '!./apps/**' run build
else
  check build pnpm -r run build
  : >"$APPS_BUILT"
fi

# Runs a lane as a process of its own, its output in reports/lane-<name>.log,
# printed whole when it ends; with "own-network", in a network namespace of
# its own (nsenter, not `ip netns exec`, which mounts a sysfs of its own and
# hides the cgroups Podman needs).
run_lane() { # name, "own-network" or ""
  local name="$1" ns="" log_file="$REPORTS/lane-$1.log" started=$SECONDS command=(env TESSERA_IN_LANE=1 bash "$ROOT/scripts/test.sh" --lane "$1")
  if [ "$2" = own-network ]; then
    ns="tessera-ci-$1-$$"
    if ! { ip netns add "$ns" && ip netns exec "$ns" ip link set lo up; }; then
      record "a network namespace for the $1 lane" failed
      return 1
    fi
    command=(nsenter "--net=/run/netns/$ns" "${command[@]}")
  fi
  "${command[@]}" >"$log_file" 2>&1
  [ -n "$ns" ] && ip netns delete "$ns"
  printf '\n===== lane %s (%s s) =====\n' "$name" "$((SECONDS - started))"
  cat "$log_file"
}

if [ -n "$only_lane" ]; then
  TESSERA_IN_LANE=1 "lane_$only_lane"
elif [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && command -v nsenter >/dev/null; then
  log "lanes side by side: host; apps; checks, then bench (each printed whole when it ends)"
  run_lane host "" &
  run_lane apps own-network &
  { run_lane checks ""; run_lane bench own-network; } &
  wait
else
  log "no network namespaces without root: the lanes run one after the other"
  TESSERA_IN_LANE=1 lane_checks
  TESSERA_IN_LANE=1 lane_host
  TESSERA_IN_LANE=1 lane_apps
  TESSERA_IN_LANE=1 lane_bench
fi

mapfile -t checks <"$CHECKS"
node "$ROOT/scripts/summarize-tests.mjs" "$REPORTS" "${checks[@]}"
