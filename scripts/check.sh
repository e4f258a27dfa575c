#!/usr/bin/env bash
# What CI checks, for use before a commit: format/lint, types, tests. Fails on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm lint
pnpm typecheck
pnpm test
