#!/usr/bin/env bash
# The whole suite: type check, server tests, browser tests. Starts or installs what it needs
# (Chromium, Redis, PostgreSQL) when the machine does not have it yet.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json

echo "== server tests"
node --import tsx --test --test-concurrency=1 --test-reporter=spec test/server/*.test.ts

if compgen -G "test/web/*.test.ts" > /dev/null; then
  echo "== component tests (web-test-runner, Chromium)"
  npx web-test-runner --config web-test-runner.config.mjs
fi

if compgen -G "test/e2e/*.test.ts" > /dev/null; then
  echo "== end-to-end tests (playwright-core, Chromium)"
  npm run build
  node --import tsx --test --test-concurrency=1 --test-reporter=spec test/e2e/*.test.ts
fi
