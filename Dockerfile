# Images for docker-compose.yml: `--target platform-api | portal | operator`.
# Not built in this repository's CI (no Docker engine there); see docs/deploy.md.
FROM node:22-bookworm-slim AS build
WORKDIR /src
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile && pnpm -r run build

FROM node:22-bookworm-slim AS platform-api
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src /app
# PLATFORM_BACKUP_DIR in docker-compose.yml: owned by the API's user, so the volume mounted there is writable by it.
RUN mkdir -p /var/lib/tessera/platform-backups && chown node:node /var/lib/tessera/platform-backups
WORKDIR /app/services/platform-api
USER node
CMD ["node", "dist/main.js"]

FROM node:22-bookworm-slim AS portal
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/apps/portal/.output /app
USER node
CMD ["node", "server/index.mjs"]

FROM node:22-bookworm-slim AS operator
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/apps/operator/.output /app
USER node
CMD ["node", "server/index.mjs"]
