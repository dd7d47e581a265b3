#!/usr/bin/env bash
# Fresh machine to a finished study: installs and prepares everything (scripts/setup.sh: pnpm,
# dependencies, the Prisma client, Postgres and Redis where installed, migrations), then runs
# `pnpm demo`, a small real CIFAR-10 study on the whole fleet. Arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm demo "$@"
