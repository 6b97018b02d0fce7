#!/usr/bin/env bash
# The README's first command. On a fresh machine with Node 20+ and gcc: installs pnpm (10),
# the locked dependencies and the Debian packages the tests use, builds everything, then runs the
# main job (`openvmi` with the bundled guest). `--no-main` stops after the build (CI uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

run_main=1
[ "${1:-}" = "--no-main" ] && run_main=0

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version" >&2
  npm install --global --no-fund --no-audit "pnpm@$pnpm_version" >/dev/null
fi

pnpm install --frozen-lockfile
bash scripts/install-test-deps.sh
pnpm build

if [ "$run_main" -eq 1 ]; then
  pnpm --silent openvmi bench --runs 1
fi
