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
  [ -x "$FERRETDB_BIN" ] && return
  command -v go >/dev/null || { log "Go is needed to build FerretDB"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION into $dir (about a minute, once)"
  local module="github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  local src
  src="$(GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  local work; work="$(mktemp -d)"
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" > "$work/build/version/version.txt"
  mkdir -p "$dir"
  (cd "$work" && go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb)
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$work"
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
# directives). The first build takes several minutes.
TRAEFIK_VERSION=v3.6.12
ensure_traefik() {
  TRAEFIK_BIN="$(build_go_tool traefik "$TRAEFIK_VERSION" traefik github.com/traefik/traefik/v3/cmd/traefik \
    "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION")" || return 1
  export TRAEFIK_BIN
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

# Debian's Chromium, which the portal's browser tests drive through playwright-core.
ensure_chromium() {
  command -v chromium >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "Chromium is not installed and cannot be installed here (needs root and apt-get)"; return 1
  fi
  log "installing Chromium from Debian's packages"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || return 1
}

# Starts `podman system service` on $1 unless something answers there; prints its pid (empty if it was running).
start_podman() {
  local socket="$1"
  if curl -fsS --unix-socket "$socket" http://engine/_ping >/dev/null 2>&1; then return 0; fi
  mkdir -p "$(dirname "$socket")"
  podman system service --time=0 "unix://$socket" >"${2:-/dev/null}" 2>&1 &
  local pid=$!
  for _ in $(seq 1 50); do
    if curl -fsS --unix-socket "$socket" http://engine/_ping >/dev/null 2>&1; then echo "$pid"; return 0; fi
    sleep 0.2
  done
  log "Podman's API did not come up on $socket"; kill "$pid" 2>/dev/null; return 1
}

# The workspace image: busybox's httpd serving a page, as a non-root user.
build_workspace_image() {
  if podman image exists "$WORKSPACE_IMAGE" 2>/dev/null; then return 0; fi
  log "building $WORKSPACE_IMAGE from Debian's busybox"
  local rootfs; rootfs="$(mktemp -d)"
  mkdir -p "$rootfs"/{bin,srv,etc,tmp,data}
  cp /bin/busybox "$rootfs/bin/busybox" && ln -s busybox "$rootfs/bin/sh"
  # The data volume is copied up from /data: the workspace user must own it.
  chown 65534:65534 "$rootfs/data"
  printf '<!doctype html><title>Tessera workspace</title><h1>Your Tessera workspace is running</h1>\n' >"$rootfs/srv/index.html"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | podman import --change 'USER 65534:65534' - "$WORKSPACE_IMAGE" >/dev/null
  local status=$?
  rm -rf "$rootfs"
  return $status
}

install_dependencies() {
  log "installing dependencies (pnpm install)"
  (cd "$ROOT" && pnpm install --frozen-lockfile --reporter=append-only >&2)
}

ensure_toolchain() {
  ensure_node
  ensure_pnpm
  ensure_ferretdb
  install_dependencies
}
