#!/usr/bin/env bash
# Prepares a fresh machine: pnpm, dependencies, the Prisma client, Postgres and Redis, migrations.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v pnpm >/dev/null || npm i -g pnpm@10
pnpm install --frozen-lockfile
pnpm db:generate
# The web dashboard the api serves at / (apps/dashboard/dist).
pnpm --filter @tunefleet/dashboard build

# Chromium for the dashboard's browser tests (Debian's package: nothing is downloaded by the tests).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Start Postgres and Redis where this machine has them installed but not running.
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
fi
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 || ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) are needed, or DATABASE_URL and REDIS_URL pointing at them." >&2
  echo "With Docker: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15; docker run -d -p 6379:6379 redis:7" >&2
  exit 1
fi

pnpm db:migrate
