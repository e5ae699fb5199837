# syntax=docker/dockerfile:1
# otpgw: build with the dev toolchain, run the compiled JavaScript as an unprivileged user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY carriers ./carriers
COPY otpgw.yaml routes.yaml accounts.yaml ./
# The networks file routes.yaml's `network:` matches name (otpgw.yaml networks_file replaces it).
COPY data ./data
# Served at GET /openapi.yaml.
COPY docs/openapi.yaml ./docs/openapi.yaml
# Carrier passwords (CARRIER_<ID>_PASSWORD), webhook secrets (ACCOUNT_<ID>_WEBHOOK_SECRET) and REDIS_URL come
# from the environment, never from the image.
USER node
# 2775: SMPP for aggregators (ESMEs), 8080: HTTP API, 9464: metrics and health.
EXPOSE 2775 8080 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/otpgw.js"]
CMD ["start", "--config", "otpgw.yaml"]
