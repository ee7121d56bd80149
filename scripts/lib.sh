# Shared helpers for the two commands (scripts/dev.sh, scripts/test.sh).
# Installs only what is missing, into version-keyed folders under $TESSERA_TOOLS
# (default: .tools/ in the checkout), never into node_modules.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA_TOOLS="${TESSERA_TOOLS:-$ROOT/.tools}"
NODE_VERSION="22.23.3"
PNPM_VERSION="10.34.8"
FERRETDB_VERSION="v1.24.2"

log() { printf '\033[1;34m[tessera]\033[0m %s\n' "$*" >&2; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Installs an npm-registry package into $TESSERA_TOOLS/<package>-<version>
# unless it is there, and puts its binaries first on PATH.
ensure_npm_tool() { # package, version
  local dir="$TESSERA_TOOLS/$1-$2"
  if [ ! -x "$dir/node_modules/.bin/$1" ]; then
    log "installing $1 $2 into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$1@$2" >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

# Node 22 or newer first on PATH: the system one when new enough, else a
# project-local copy from the npm registry's `node` package.
ensure_node() {
  if command -v node >/dev/null && [ "$(node_major)" -ge 22 ]; then return; fi
  ensure_npm_tool node "$NODE_VERSION"
}

ensure_pnpm() {
  ensure_npm_tool pnpm "$PNPM_VERSION"
}

# FerretDB v1 built from its module source. `go install …@version` is refused
# here (the proxy will not list the module's versions for the deprecation
# check), and the module zip lacks build/version/version.txt, which the binary
# embeds; so we copy the source, write that file and `go build`.
ensure_ferretdb() {
  local dir="$TESSERA_TOOLS/ferretdb-$FERRETDB_VERSION"
  export FERRETDB_BIN="$dir/ferretdb"
  [ -x "$FERRETDB_BIN" ] && return 0
  # A failure returns (never exits), so the second command still prints its total line.
  command -v go >/dev/null || { log "Go is needed to build FerretDB"; return 1; }
  log "building FerretDB $FERRETDB_VERSION into $dir (about a minute, once)"
  local module="github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  local src work status=0
  src="$(GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -n "$src" ] || { log "could not download $module"; return 1; }
  work="$(mktemp -d)"
  cp -r "$src/." "$work/" && chmod -R u+w "$work" || status=1
  [ "$status" -eq 0 ] && echo "$FERRETDB_VERSION" > "$work/build/version/version.txt" || status=1
  mkdir -p "$dir"
  # Only a build that succeeded becomes the binary.
  [ "$status" -eq 0 ] && (cd "$work" && go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) || status=1
  [ "$status" -eq 0 ] && mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN" || { rm -f "$FERRETDB_BIN.tmp"; log "building FerretDB failed"; }
  rm -rf "$work"
  return "$status"
}

# A Go program from one of the wrapper modules in tools/, built once into
# .tools/<name>-<version>/<name>; prints its path. Returns non-zero without Go.
build_go_tool() { # name, version, tools/ folder, package, [ldflags]
  local name="$1" version="$2" module="$ROOT/tools/$3" package="$4" ldflags="${5:-}"
  local binary="$TESSERA_TOOLS/$name-$version/$name"
  if [ ! -x "$binary" ]; then
    command -v go >/dev/null || { log "Go is needed to build $name"; return 1; }
    log "building $name $version into ${binary%/*} (once)"
    mkdir -p "${binary%/*}"
    (cd "$module" && GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$binary.tmp" "$package") >&2 || return 1
    mv "$binary.tmp" "$binary"
  fi
  echo "$binary"
}

# Traefik, for the edge tests and benchmarks: built from the module proxy
# through the wrapper module in tools/traefik (it carries Traefik's replace
# directives). The first build takes several minutes. Built without cgo, so
# the binary is static and an image of its own (a Swarm edge) needs no libc.
TRAEFIK_VERSION=v3.6.12
ensure_traefik() {
  TRAEFIK_BIN="$(CGO_ENABLED=0 build_go_tool traefik "$TRAEFIK_VERSION" traefik github.com/traefik/traefik/v3/cmd/traefik \
    "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION")" || return 1
  export TRAEFIK_BIN
}

# A Go program installed with `go install <package>@<version>` from the Go
# module proxy (no wrapper module: its module has no replace directives),
# static (no cgo), built once into $TESSERA_TOOLS/<name>-<version>/<name>;
# prints its path. Returns non-zero without Go.
go_install_tool() { # name, version, package, [ldflags]
  local name="$1" version="$2" package="$3" ldflags="${4:--s -w}"
  local dir="$TESSERA_TOOLS/$1-$2"
  if [ ! -x "$dir/$name" ]; then
    command -v go >/dev/null || { log "Go is needed to build $name"; return 1; }
    log "building $name $version into $dir (once)"
    rm -rf "$dir/.build" && mkdir -p "$dir/.build"
    (cd "$dir" && CGO_ENABLED=0 GOBIN="$dir/.build" go install -trimpath -ldflags "$ldflags" "$package@$version") >&2 || return 1
    # The one binary go install wrote, whatever the package's last path element (oauth2-proxy/v7 writes oauth2-proxy).
    mv "$dir/.build/"* "$dir/$name" && rmdir "$dir/.build"
  fi
  echo "$dir/$name"
}

# oauth2-proxy, the forwardAuth service bench/edge-auth compares Tessera's edge
# with; about a minute on a warm Go cache, several on a cold one.
OAUTH2_PROXY_VERSION=v7.15.6
ensure_oauth2_proxy() {
  OAUTH2_PROXY_BIN="$(go_install_tool oauth2-proxy "$OAUTH2_PROXY_VERSION" github.com/oauth2-proxy/oauth2-proxy/v7 \
    "-s -w -X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$OAUTH2_PROXY_VERSION")" || return 1
  export OAUTH2_PROXY_BIN OAUTH2_PROXY_VERSION
}

# Mailpit, the SMTP server tests and scripts/dev.sh send notification email to
# (read back through its JSON API, /api/v1/messages); about 1.5 min cold. Its
# web UI is not in the module; the API and SMTP are. MAILPIT_BIN set
# beforehand is used as it is.
MAILPIT_VERSION=v1.33.1
ensure_mailpit() {
  if [ -n "${MAILPIT_BIN:-}" ] && [ -x "$MAILPIT_BIN" ]; then export MAILPIT_BIN; return 0; fi
  MAILPIT_BIN="$(go_install_tool mailpit "$MAILPIT_VERSION" github.com/axllent/mailpit \
    "-s -w -X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION")" || return 1
  export MAILPIT_BIN MAILPIT_VERSION
}

# gofakes3, the S3-compatible server the S3 path of workspace backups is
# tested against (restic's s3: backend, from the backup helper); about 5
# minutes on a cold Go cache here. GOFAKES3_BIN set beforehand is used as it is.
GOFAKES3_VERSION=v1.2.0
ensure_gofakes3() {
  if [ -n "${GOFAKES3_BIN:-}" ] && [ -x "$GOFAKES3_BIN" ]; then export GOFAKES3_BIN; return 0; fi
  GOFAKES3_BIN="$(go_install_tool gofakes3 "$GOFAKES3_VERSION" github.com/johannesboyne/gofakes3/cmd/gofakes3)" || return 1
  export GOFAKES3_BIN
}

# The compose-file check: the Compose Specification's loader and schema
# (compose-go), as `docker compose config` uses them, from tools/compose-check.
COMPOSE_GO_VERSION=v2.9.1
ensure_compose_check() {
  COMPOSE_CHECK_BIN="$(build_go_tool compose-check "$COMPOSE_GO_VERSION" compose-check .)" || return 1
  export COMPOSE_CHECK_BIN
}

# The local container engine: Podman's Docker-compatible API on a unix socket.
# Installs Podman from Debian's packages when missing and we are root; when it
# cannot be had, says why and returns non-zero (the workspace step then skips).
export CONTAINERS_CONF="$ROOT/scripts/podman/containers.conf"
WORKSPACE_IMAGE="${WORKSPACE_IMAGE:-localhost/tessera-workspace:busybox-1}"

ensure_podman() {
  # catatonit: the init process Podman runs in a container created with Init (every workspace is).
  if ! command -v podman >/dev/null || [ ! -x /bin/busybox ] || [ ! -x /usr/libexec/podman/catatonit ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      log "Podman is not installed and cannot be installed here (needs root and apt-get)"; return 1
    fi
    log "installing Podman, runc, catatonit and busybox-static from Debian's packages"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc busybox-static catatonit >&2 || return 1
  fi
}

# Docker Engine from Debian's docker.io, for the Docker Engine and Swarm test
# harness (packages/testing/src/docker-engine.ts, swarm.ts). The harness runs
# each dockerd in a network namespace of its own; a dockerd in the host's
# namespace would set the host's iptables FORWARD policy to DROP and break
# Podman's networks. So the package's maintainer scripts may not start one
# (policy-rc.d answers 101), and none that the install started is left running.
# Returns non-zero, with a line saying why, when Docker cannot be had.
ensure_docker() {
  if command -v dockerd >/dev/null && command -v nsenter >/dev/null && command -v ip >/dev/null && [ -x /bin/busybox ]; then
    warn_host_dockerd; return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "Docker Engine is not installed and cannot be installed here (needs root and apt-get)"; return 1
  fi
  log "installing Docker Engine (docker.io), iproute2, util-linux (nsenter) and busybox-static (the workspace image) from Debian's packages"
  local policy=/usr/sbin/policy-rc.d ours="" status=0 before
  before="$(host_daemon_pids)"
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\n# Tessera: no service starts while Docker installs\nexit 101\n' >"$policy" && chmod +x "$policy" && ours=1; fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iproute2 util-linux busybox-static; } >&2 || status=$?
  [ -n "$ours" ] && rm -f "$policy"
  stop_host_daemons_started_since "$before"
  if [ "$status" -ne 0 ] || ! command -v dockerd >/dev/null; then
    log "could not install Docker Engine (apt-get install docker.io exited with $status)"; return 1
  fi
  warn_host_dockerd
}

# A dockerd of someone else's in the host's namespace is left alone, but said.
warn_host_dockerd() {
  local pid
  for pid in $(host_daemon_pids); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && log "note: a dockerd (pid $pid) runs in the host's network namespace; it manages the host's iptables (FORWARD policy DROP), which can cut Podman's networks off"
  done
  return 0
}

# Pids of dockerd and containerd running in this shell's network namespace.
host_daemon_pids() {
  local pid namespace; namespace="$(readlink /proc/self/ns/net)"
  for pid in $(pgrep -x dockerd; pgrep -x containerd); do
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$namespace" ] && echo "$pid"
  done
  return 0
}

# Stops a dockerd or containerd in the host's network namespace that was not
# there before (the list of pids in $1): one that a package's scripts started.
stop_host_daemons_started_since() { # pids that were running before
  local pid
  for pid in $(host_daemon_pids); do
    case " $(echo $1) " in *" $pid "*) continue ;; esac
    log "stopping $(cat "/proc/$pid/comm" 2>/dev/null) (pid $pid) that the install started in the host's network namespace"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  return 0
}

# Debian's redis-server (7.0), a route source Traefik's Redis KV provider reads
# (bench/routes). Only the binary is used: the package's own service is not
# started here (no init system), and the benchmark runs its servers on free ports.
ensure_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      log "redis-server is not installed and cannot be installed here (needs root and apt-get)"; return 1
    fi
    log "installing redis-server from Debian's packages"
    # Other work on the machine may hold the dpkg lock for a while: wait for it.
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends redis-server >&2 || return 1
  fi
  REDIS_SERVER_BIN="$(command -v redis-server)"
  export REDIS_SERVER_BIN
}

# Debian's PostgreSQL, the database unleash-server needs (bench/flags-vs-unleash).
# Only the binaries are used: the benchmark runs a throwaway cluster of its own
# on a free port (initdb into a temporary folder). The package's scripts create
# a "main" cluster; none may start it here (policy-rc.d answers 101 while it
# installs). Exports PG_BIN_DIR (initdb, postgres, pg_isready).
ensure_postgres() {
  PG_BIN_DIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$PG_BIN_DIR" ] || [ ! -x "$PG_BIN_DIR/initdb" ] || [ ! -x "$PG_BIN_DIR/pg_isready" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      log "PostgreSQL is not installed and cannot be installed here (needs root and apt-get)"; return 1
    fi
    log "installing PostgreSQL from Debian's packages (no cluster is started)"
    local policy=/usr/sbin/policy-rc.d ours="" status=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\n# Tessera: no service starts while PostgreSQL installs\nexit 101\n' >"$policy" && chmod +x "$policy" && ours=1; fi
    { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql; } >&2 || status=$?
    [ -n "$ours" ] && rm -f "$policy"
    [ "$status" -eq 0 ] || { log "could not install PostgreSQL (apt-get exited with $status)"; return 1; }
    PG_BIN_DIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
  export PG_BIN_DIR
}

# unleash-server from the npm registry into .tools/unleash-server-<version>/
# (a few minutes, once: some 430 packages), for bench/flags-vs-unleash, which
# starts it as a process. Installed beside its final folder, then moved, so a
# broken install is never taken for a whole one. Exports UNLEASH_SERVER_DIR.
UNLEASH_VERSION=8.2.0
ensure_unleash() {
  local dir="$TESSERA_TOOLS/unleash-server-$UNLEASH_VERSION"
  if [ ! -f "$dir/node_modules/unleash-server/package.json" ]; then
    log "installing unleash-server $UNLEASH_VERSION into $dir (a few minutes, once)"
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    npm install --prefix "$dir.partial" --no-audit --no-fund --loglevel=error "unleash-server@$UNLEASH_VERSION" >&2 || return 1
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  export UNLEASH_SERVER_DIR="$dir"
}

# Debian's Chromium, which the portal's browser tests drive through playwright-core.
ensure_chromium() {
  command -v chromium >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "Chromium is not installed and cannot be installed here (needs root and apt-get)"; return 1
  fi
  log "installing Chromium from Debian's packages"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || return 1
}

# Debian's dnsmasq (the binary alone, no service), the real DNS server the
# custom-domain tests publish TXT records on.
ensure_dnsmasq() {
  if command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "dnsmasq is not installed and cannot be installed here (needs root and apt-get)"; return 1
  fi
  log "installing dnsmasq-base from Debian's packages"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base >&2 || return 1
}

# The podman command the scripts run: plain podman (its default storage) for
# the tests; scripts/dev.sh gives the first command's engine storage of its own.
PODMAN=(podman)

# Starts `podman system service` on $1 unless something answers there; prints its pid (empty if it was running).
start_podman() {
  local socket="$1"
  if curl -fsS --unix-socket "$socket" http://engine/_ping >/dev/null 2>&1; then return 0; fi
  mkdir -p "$(dirname "$socket")"
  "${PODMAN[@]}" system service --time=0 "unix://$socket" >"${2:-/dev/null}" 2>&1 &
  local pid=$!
  for _ in $(seq 1 50); do
    if curl -fsS --unix-socket "$socket" http://engine/_ping >/dev/null 2>&1; then echo "$pid"; return 0; fi
    sleep 0.2
  done
  log "Podman's API did not come up on $socket"; kill "$pid" 2>/dev/null; return 1
}

# The workspace image's root filesystem as a tarball at $1: busybox's httpd
# serving a page, run as a non-root user. The same tarball is imported into
# Podman (build_workspace_image) and into every Docker daemon of the test
# harness (packages/testing: `docker import` with USER 65534:65534).
workspace_rootfs_tarball() { # output file
  local output="$1" rootfs status
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs"/{bin,srv,etc,tmp,data}
  if ! cp /bin/busybox "$rootfs/bin/busybox"; then
    log "no /bin/busybox (Debian's busybox-static) for the workspace image"; rm -rf "$rootfs"; return 1
  fi
  ln -s busybox "$rootfs/bin/sh"
  # The data volume is copied up from /data: the workspace user must own it.
  chown 65534:65534 "$rootfs/data"
  printf '<!doctype html><title>Tessera workspace</title><h1>Your Tessera workspace is running</h1>\n' >"$rootfs/srv/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -cf "$output" .
  status=$?
  rm -rf "$rootfs"
  return $status
}

# The workspace image in Podman, from workspace_rootfs_tarball.
build_workspace_image() {
  if "${PODMAN[@]}" image exists "$WORKSPACE_IMAGE" 2>/dev/null; then return 0; fi
  log "building $WORKSPACE_IMAGE from Debian's busybox"
  local tarball status
  tarball="$(mktemp --suffix=.tar)"
  workspace_rootfs_tarball "$tarball" && "${PODMAN[@]}" import --change 'USER 65534:65534' "$tarball" "$WORKSPACE_IMAGE" >/dev/null
  status=$?
  rm -f "$tarball"
  return $status
}

# Debian's restic (0.14), the backup tool of tenant backups. It runs inside the
# backup helper's image (build_backup_image), never on the host's data.
ensure_restic() {
  command -v restic >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "restic is not installed and cannot be installed here (needs root and apt-get)"; return 1
  fi
  log "installing restic from Debian's packages"
  apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq restic >&2 || return 1
}

# The backup helper's image in Podman (BACKUP_IMAGE): busybox, restic and the
# libraries restic is linked against (Debian's is linked dynamically against
# glibc), as packages/testing/src/backup-image.ts builds it for the tests.
BACKUP_IMAGE="${BACKUP_IMAGE:-localhost/tessera-backup:restic-0.14-1}"
build_backup_image() {
  if "${PODMAN[@]}" image exists "$BACKUP_IMAGE" 2>/dev/null; then return 0; fi
  ensure_restic || return 1
  log "building $BACKUP_IMAGE from Debian's busybox and restic"
  local rootfs status library restic
  restic="$(command -v restic)"
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs"/{bin,etc,tmp,data,repo}
  cp /bin/busybox "$rootfs/bin/busybox" && ln -s busybox "$rootfs/bin/sh" && cp "$restic" "$rootfs/bin/restic" || { rm -rf "$rootfs"; return 1; }
  for library in $(ldd "$restic" 2>/dev/null | grep -o '/[^ ]*'); do
    [ -e "$library" ] && mkdir -p "$rootfs$(dirname "$library")" && cp "$library" "$rootfs$library"
  done
  if [ -e /etc/ssl/certs/ca-certificates.crt ]; then mkdir -p "$rootfs/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"; fi
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -cf "$rootfs.tar" . && "${PODMAN[@]}" import "$rootfs.tar" "$BACKUP_IMAGE" >/dev/null
  status=$?
  rm -rf "$rootfs" "$rootfs.tar"
  return $status
}

# The benchmarks (bench/<name>/run.mjs), each of which has a smoke mode.
bench_names() {
  local dir
  for dir in "$ROOT"/bench/*/; do [ -f "$dir/run.mjs" ] && basename "$dir"; done
  return 0
}

# Runs a command in a process group of its own, for at most
# BENCH_SMOKE_TIMEOUT seconds (default 240); whatever it started and left
# behind is ended with that group. Returns the command's status.
in_own_process_group() { # command…
  local pid status=0
  setsid timeout --kill-after=10 "${BENCH_SMOKE_TIMEOUT:-240}" "$@" &
  pid=$!
  wait "$pid" || status=$?
  kill -TERM -- "-$pid" 2>/dev/null || true
  return "$status"
}

# One benchmark's smoke mode: `node bench/<name>/run.mjs --smoke`, a second or
# two of each measurement at small sizes, no targets; non-zero when anything
# fails to start or answer. It needs the built workspace and the tools its
# benchmark reads from the environment (scripts/test.sh sets them).
bench_smoke() { # name
  in_own_process_group node "$ROOT/bench/$1/run.mjs" --smoke
}

# The benchmarks' stage of CI (scripts/test.sh; alone: scripts/bench-smoke.sh):
# every benchmark's smoke mode, then the benchmarks' own tests, each one check
# through the caller's `check` (name, command…), each in a process group of its
# own. Logs the seconds each took and the whole stage's.
# A check (the caller's check function) that, when it fails, is tried once
# more: a smoke on a machine that three lanes keep busy has failed on load
# alone. A second try that passes is recorded as passed and named FLAKY, so
# that it is seen and mended; a second failure stands.
check_twice() { # name, command…
  local name="$1"; shift
  if "$@"; then check "$name" true; return 0; fi
  log "$name failed; once more"
  if "$@"; then check "$name (FLAKY: failed on the first try, passed on the second)" true; else check "$name" false; fi
}

bench_smoke_stage() {
  local started=$SECONDS at bench test
  export CONTAINER_ENGINE_SOCKET="${TESSERA_TEST_ENGINE_SOCKET:-}" TRAEFIK_VERSION OAUTH2_PROXY_VERSION
  for bench in $(bench_names); do
    at=$SECONDS
    check_twice "benchmark smoke: $bench" bench_smoke "$bench"
    log "benchmark smoke: $bench took $((SECONDS - at)) s"
  done
  for test in "$ROOT"/bench/*/*.test.mjs; do
    at=$SECONDS
    check_twice "benchmark test: ${test#"$ROOT/"}" in_own_process_group node --test "$test"
    log "benchmark test: ${test#"$ROOT/"} took $((SECONDS - at)) s"
  done
  log "benchmark smoke stage: $((SECONDS - started)) s"
}

install_dependencies() {
  log "installing dependencies (pnpm install)"
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
}

ensure_toolchain() {
  ensure_node && ensure_pnpm && ensure_ferretdb && install_dependencies
}
