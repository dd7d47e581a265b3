# Images for the api, the scheduler and the one-shot migration. GPU workers use Dockerfile.worker.
FROM node:20-bookworm-slim AS base
RUN npm i -g pnpm@10
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY apps/api/package.json apps/api/
COPY apps/scheduler/package.json apps/scheduler/
COPY apps/worker/package.json apps/worker/
COPY apps/dashboard/package.json apps/dashboard/
COPY packages/search/package.json packages/search/
COPY packages/models/package.json packages/models/
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
RUN pnpm install --frozen-lockfile --no-optional
COPY . .
RUN pnpm db:generate
# The web dashboard the api serves at /.
RUN pnpm --filter @tunefleet/dashboard build

FROM base AS migrate
CMD ["pnpm", "--filter", "@tunefleet/db", "exec", "prisma", "migrate", "deploy", "--config", "../../prisma.config.ts"]

FROM base AS api
ENV NODE_ENV=production
EXPOSE 3000
CMD ["pnpm", "--filter", "@tunefleet/api", "start"]

FROM base AS scheduler
ENV NODE_ENV=production
CMD ["pnpm", "--filter", "@tunefleet/scheduler", "start"]
