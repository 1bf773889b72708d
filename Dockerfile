# The API and the worker: one image, two roles (RUN_API / RUN_WORKER).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The Temporal binaries are for local runs and tests; production talks to a Temporal cluster.
RUN TEMPORAL_SKIP_INSTALL=1 npm ci --no-audit --no-fund
COPY . .
RUN npm run build && cp -r templates/email dist/templates/ && cp -r api/public dist/api/ && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/bin/start.js"]
