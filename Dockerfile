# The scheduler's image: one image for both roles (`api`, `worker`; see bin/scheduler.js).
# Stage 1 installs every dependency, builds the job console (dist/console) and runs the type check
# and the workflow bundle check;
# stage 2 keeps production dependencies only and runs as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script (scripts/build-console.js), which skips while console/ is not here.
COPY scripts/build-console.js ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
# The job console (served by the API at /, from dist/console): built now that its sources are here.
COPY console ./console
RUN npm run build:console && npm run typecheck && npm run check:bundle \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --from=build --chown=node:node /app/dist/console ./dist/console
USER node
EXPOSE 3000 9464
# The API's readiness, or the worker's metrics port (compose sets HEALTHCHECK_URL per role).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch(process.env.HEALTHCHECK_URL || 'http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "bin/scheduler.js"]
CMD ["api"]
