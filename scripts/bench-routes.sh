#!/usr/bin/env bash
# Benchmark of the shared route source (bench/routes): Traefik's Redis KV
# provider against its HTTP provider, each read by 2 Traefik instances.
# `scripts/bench-routes.sh --smoke` runs it small (20 routes, 2 changes, no
# outage, no targets) in a few seconds, for CI. The full run takes about 10 minutes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_pnpm
install_dependencies
ensure_traefik
ensure_redis
cd "$ROOT"
TRAEFIK_BIN="$TRAEFIK_BIN" TRAEFIK_VERSION="$TRAEFIK_VERSION" REDIS_SERVER_BIN="$REDIS_SERVER_BIN" \
  REDIS_VERSION="$("$REDIS_SERVER_BIN" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')" \
  node bench/routes/run.mjs "$@"
