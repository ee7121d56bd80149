#!/usr/bin/env bash
# The first command: sets up what is missing, then runs the platform on
# embedded defaults with demo data and prints the URLs. Ctrl-C stops it all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_toolchain
cd "$ROOT"

# Optional overrides: a .env beside this README (see .env.example).
if [ -f .env ]; then set -a; source .env; set +a; fi

DB_PORT="${TESSERA_DB_PORT:-27017}"
API_PORT="${PORT:-3000}"
IDP_PORT="${DEV_IDP_PORT:-9000}"
IDP_ORIGIN="${DEV_IDP_ORIGIN:-http://localhost:$IDP_PORT}"
IDP_ADMIN_TOKEN="${DEV_IDP_ADMIN_TOKEN:-tessera-dev-admin-token}"
DEMO_PASSWORD="${DEV_IDP_DEMO_PASSWORD:-tessera-demo}"
DATA="$ROOT/.data"
mkdir -p "$DATA/ferretdb" "$DATA/logs"

pids=()   # our children, waited on
others=() # started in a subshell (the engine), only killed
stop_all() {
  trap - INT TERM EXIT
  log "stopping"
  for pid in "${pids[@]}" "${others[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop_all INT TERM EXIT

local_secret() { # name, bytes, [base64]: a random secret kept in .data/secrets, made on first use
  local file="$DATA/secrets/$1"
  if [ ! -s "$file" ]; then
    mkdir -p "$DATA/secrets" && chmod 700 "$DATA/secrets"
    if [ "${3:-}" = base64 ]; then head -c "$2" /dev/urandom | base64 -w0 >"$file"; else head -c "$2" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' >"$file"; fi
  fi
  cat "$file"
}

wait_for() { # url, name: until the url answers, while the last process started lives
  local pid="${pids[-1]}"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { log "$2 exited: see $DATA/logs/$2.log (is its port taken?)"; exit 1; }
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.3
  done
  log "$2 did not come up: see $DATA/logs/$2.log"; exit 1
}

log "building"
pnpm -r run build >&2

log "starting FerretDB on 127.0.0.1:$DB_PORT (data in .data/ferretdb)"
"$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$DATA/ferretdb/" --state-dir="$DATA/ferretdb" \
  --listen-addr="127.0.0.1:$DB_PORT" --debug-addr=127.0.0.1:0 --telemetry=disable --log-level=WARN \
  >"$DATA/logs/ferretdb.log" 2>&1 &
pids+=($!)

ENGINE_SOCKET="${CONTAINER_ENGINE_SOCKET:-$DATA/podman/podman.sock}"
# The first command's engine keeps its own storage, network definitions and
# address pool under .data/podman: the tests' containers live in Podman's
# default storage and carry the same slugs (default, northwind…) for other
# tenants, and the two must never meet.
PODMAN=(env CONTAINERS_CONF="$ROOT/scripts/podman/containers-dev.conf" podman
  --root "$DATA/podman/storage" --runroot "$DATA/podman/run" --network-config-dir "$DATA/podman/networks")
engine_note="Podman's Docker API on $ENGINE_SOCKET; workspace image $WORKSPACE_IMAGE"
if ensure_podman && engine_pid="$(start_podman "$ENGINE_SOCKET" "$DATA/logs/podman.log")" && build_workspace_image; then
  [ -n "$engine_pid" ] && others+=("$engine_pid")
  # The backup helper's image (restic inside a short-lived container: docs/backups.md).
  build_backup_image || log "the backup helper's image could not be built: backups will fail until it is"
else
  engine_note="none could be started (see above): the workspace step records skipped"
  ENGINE_SOCKET=""
fi

# The edge: Traefik (the build the tests use) on a local port, reading the route
# files platform-api writes. Chromium resolves *.localhost to loopback, so
# http://<slug>.localhost:$EDGE_PORT/ opens a workspace with no hosts file.
EDGE_PORT="${EDGE_PORT:-8088}"
EDGE_PING_PORT="${EDGE_PING_PORT:-8089}"
EDGE_DIR="${TRAEFIK_DYNAMIC_DIR:-$DATA/traefik/dynamic}"
mkdir -p "$EDGE_DIR"
edge_note="http://<slug>.localhost:$EDGE_PORT/ (Traefik; routes in ${EDGE_DIR#$ROOT/})"
EDGE_PING_URL=""
if ensure_traefik; then
  log "starting the edge (Traefik) on :$EDGE_PORT"
  "$TRAEFIK_BIN" --entryPoints.websecure.address="${APPS_HOST:-0.0.0.0}:$EDGE_PORT" \
    --entryPoints.ping.address="127.0.0.1:$EDGE_PING_PORT" --ping=true --ping.entryPoint=ping \
    --providers.file.directory="$EDGE_DIR" --providers.file.watch=true --log.level=WARN \
    --global.checkNewVersion=false --global.sendAnonymousUsage=false \
    >"$DATA/logs/traefik.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$EDGE_PING_PORT/ping" traefik
  EDGE_PING_URL="http://127.0.0.1:$EDGE_PING_PORT/ping"
else
  edge_note="none: Traefik could not be built (see above); route files are still written to ${EDGE_DIR#$ROOT/}"
fi

# Mailpit: the SMTP server notification email goes to in development, read
# through its JSON API (its web UI is not in the Go module).
MAILPIT_HTTP_PORT="${MAILPIT_HTTP_PORT:-8025}"
MAILPIT_SMTP_PORT="${MAILPIT_SMTP_PORT:-1025}"
mail_note="none: Mailpit could not be built (see above)"
DEV_SMTP_URL=""
if ensure_mailpit; then
  log "starting Mailpit (SMTP 127.0.0.1:$MAILPIT_SMTP_PORT, API :$MAILPIT_HTTP_PORT)"
  mkdir -p "$DATA/mailpit"
  "$MAILPIT_BIN" --listen "127.0.0.1:$MAILPIT_HTTP_PORT" --smtp "127.0.0.1:$MAILPIT_SMTP_PORT" \
    --database "$DATA/mailpit/mailpit.db" --disable-version-check >"$DATA/logs/mailpit.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1/info" mailpit
  mail_note="smtp://127.0.0.1:$MAILPIT_SMTP_PORT; messages at http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1/messages (Mailpit)"
  DEV_SMTP_URL="smtp://127.0.0.1:$MAILPIT_SMTP_PORT"
fi

log "starting dev-idp on :$IDP_PORT"
(
  cd services/dev-idp
  export DEV_IDP_PORT="$IDP_PORT" DEV_IDP_ORIGIN="$IDP_ORIGIN" DEV_IDP_ADMIN_TOKEN="$IDP_ADMIN_TOKEN" DEV_IDP_DEMO_PASSWORD="$DEMO_PASSWORD"
  export DEV_IDP_MONGODB_URI="${DEV_IDP_MONGODB_URI:-mongodb://127.0.0.1:$DB_PORT/tessera_idp}"
  exec node dist/main.js
) >"$DATA/logs/dev-idp.log" 2>&1 &
pids+=($!)
wait_for "$IDP_ORIGIN/application/o/portal/.well-known/openid-configuration" dev-idp

log "starting platform-api on :$API_PORT"
(
  cd services/platform-api
  export PORT="$API_PORT"
  export MONGODB_URI="${MONGODB_URI:-mongodb://127.0.0.1:$DB_PORT/tessera}"
  issuers=""
  for app in portal operator ci; do
    issuers+="${issuers:+,}{\"issuer\":\"$IDP_ORIGIN/application/o/$app/\",\"jwksUrl\":\"$IDP_ORIGIN/application/o/$app/jwks/\",\"audience\":\"$app\"}"
  done
  export AUTH_ISSUERS="${AUTH_ISSUERS:-[$issuers]}"
  export AUTH_AUDIENCE_PORTAL="${AUTH_AUDIENCE_PORTAL:-tessera-portal}"
  export AUTH_AUDIENCE_OPERATOR="${AUTH_AUDIENCE_OPERATOR:-tessera-operator}"
  export AUTH_AUDIENCE_CI="${AUTH_AUDIENCE_CI:-tessera-ci}"
  export SEED_DEMO="${SEED_DEMO:-true}"
  export CONTAINER_ENGINE_SOCKET="$ENGINE_SOCKET"
  export WORKSPACE_PUBLISH_PORTS="${WORKSPACE_PUBLISH_PORTS:-true}"
  export TRAEFIK_DYNAMIC_DIR="$EDGE_DIR"
  export TRAEFIK_PING_URL="${TRAEFIK_PING_URL:-$EDGE_PING_URL}"
  export EDGE_FORWARD_AUTH_URL="${EDGE_FORWARD_AUTH_URL:-http://localhost:$API_PORT/edge/auth}"
  export EDGE_SUSPENDED_PAGE_URL="${EDGE_SUSPENDED_PAGE_URL:-http://localhost:3001/suspended}"
  export EDGE_LOGIN_URL="${EDGE_LOGIN_URL:-http://localhost:3001/edge/start}"
  export EDGE_SESSION_SECRET="${EDGE_SESSION_SECRET:-$(local_secret edge-session 48)}"
  # Workspace backups: restic's password made once in .data/secrets, the repository a volume of the local engine.
  export BACKUP_PASSWORD="${BACKUP_PASSWORD:-$(local_secret backup-password 32)}"
  export IDENTITY_API_URL="${IDENTITY_API_URL:-$IDP_ORIGIN}"
  export IDENTITY_API_TOKEN="${IDENTITY_API_TOKEN:-$IDP_ADMIN_TOKEN}"
  # Notification email goes to Mailpit; webhooks may reach local receivers in development.
  export SMTP_URL="${SMTP_URL:-$DEV_SMTP_URL}"
  export WEBHOOKS_ALLOW_PRIVATE_TARGETS="${WEBHOOKS_ALLOW_PRIVATE_TARGETS:-true}"
  exec node dist/main.js
) >"$DATA/logs/platform-api.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$API_PORT/health/ready" platform-api

start_app() { # app, port, client id, client secret: one of the Nuxt apps, built, signing in with dev-idp's client for it
  local app="$1" port="$2" client="$3" secret="$4"
  log "starting the $app on :$port"
  (
    cd "apps/$app"
    export PORT="$port" HOST="${APPS_HOST:-0.0.0.0}"
    export NUXT_API_URL="${NUXT_API_URL:-http://127.0.0.1:$API_PORT}"
    export NUXT_PUBLIC_BASE_DOMAIN="${NUXT_PUBLIC_BASE_DOMAIN:-${BASE_DOMAIN:-localhost}}"
    # Workspaces open through the local edge, over http on its port.
    export NUXT_PUBLIC_WORKSPACE_SCHEME="${NUXT_PUBLIC_WORKSPACE_SCHEME:-http}" NUXT_PUBLIC_WORKSPACE_PORT="${NUXT_PUBLIC_WORKSPACE_PORT:-$EDGE_PORT}"
    export NUXT_OIDC_PROVIDERS_OIDC_CLIENT_ID="$client" NUXT_OIDC_PROVIDERS_OIDC_CLIENT_SECRET="$secret"
    local issuer="$IDP_ORIGIN/application/o/$app/"
    export NUXT_OIDC_PROVIDERS_OIDC_AUTHORIZATION_URL="${issuer}authorize/" NUXT_OIDC_PROVIDERS_OIDC_TOKEN_URL="${issuer}token/" NUXT_OIDC_PROVIDERS_OIDC_LOGOUT_URL="${issuer}end-session/"
    export NUXT_OIDC_PROVIDERS_OIDC_REDIRECT_URI="http://localhost:$port/auth/oidc/callback" NUXT_OIDC_PROVIDERS_OIDC_LOGOUT_REDIRECT_URI="http://localhost:$port/signed-out"
    # Local secrets, made once and kept in .data: sessions survive a restart.
    export NUXT_OIDC_SESSION_SECRET="$(local_secret "$app-session" 48)"
    export NUXT_OIDC_AUTH_SESSION_SECRET="$(local_secret "$app-auth-session" 48)"
    export NUXT_OIDC_TOKEN_KEY="$(local_secret "$app-token-key" 32 base64)"
    exec node .output/server/index.mjs
  ) >"$DATA/logs/$app.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$port/login" "$app"
}

PORTAL_PORT="${PORTAL_PORT:-3001}"
OPERATOR_PORT="${OPERATOR_PORT:-3002}"
start_app portal "$PORTAL_PORT" tessera-portal "${PORTAL_OIDC_CLIENT_SECRET:-tessera-portal-dev-secret}"
start_app operator "$OPERATOR_PORT" tessera-operator "${OPERATOR_OIDC_CLIENT_SECRET:-tessera-operator-dev-secret}"

cat <<INFO

  Tessera is running.

  portal         http://localhost:$PORTAL_PORT   (customers and partners)
  operator       http://localhost:$OPERATOR_PORT   (operator console: platform admins only)
  platform-api   http://localhost:$API_PORT
  API docs       http://localhost:$API_PORT/docs
  health         http://localhost:$API_PORT/health/ready
  dev-idp        $IDP_ORIGIN   (issuers at /application/o/{portal,operator,ci}/)
  database       mongodb://127.0.0.1:$DB_PORT/tessera   (FerretDB, data in .data/ferretdb)
  engine         $engine_note
  workspaces     $edge_note
                 e.g. http://northwind.localhost:$EDGE_PORT/ (sign in as carol; Chromium and Firefox resolve *.localhost)
  mail           $mail_note
  logs           .data/logs/

  Demo tenants: default, northwind, globex (past due), initech (suspended);
  partner northwind-reseller sells northwind and globex.
  Demo logins (password: $DEMO_PASSWORD):
    opal     operator (platform-admins): the operator console
    parker   partner admin
    carol    customer, owner of northwind
    dave     customer, owner of globex
    nora     signed up, no tenant yet
  CI token: client_credentials at $IDP_ORIGIN/application/o/ci/token/
            with tessera-ci / ${DEV_IDP_CI_CLIENT_SECRET:-tessera-ci-dev-secret}

  Ctrl-C stops everything.

INFO
wait -n "${pids[@]}"
log "a process exited: see $DATA/logs/"
