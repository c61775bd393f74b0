#!/usr/bin/env bash
# install_speedscope.sh - what tests/formats/check_speedscope.mjs needs: Debian's chromium, node and
# npm, playwright-core in build/npm (all four as tests/browser/run.sh --install-only installs them),
# and the speedscope npm package next to playwright-core in build/npm.
#
#   tests/formats/install_speedscope.sh     install what is missing; exit 0 when all is there
#
# Idempotent: does nothing when everything is there. As root it installs what is missing (apt-get
# and npm, through tests/browser/run.sh for the first four); otherwise it prints the commands and
# exits 1. SPEEDSCOPE_PKG overrides the package spec (default speedscope@1: the checker reads
# speedscope's page, whose layout may change in another major version).
set -euo pipefail
cd "$(dirname "$0")/../.."

NPM=build/npm
PKG=${SPEEDSCOPE_PKG:-speedscope@1}
base_missing=0

# chromium, node, npm and playwright-core: tests/browser/run.sh's own checks and installs (same
# node and npm, same playwright-core version rule); it prints the commands when not root
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
   [ ! -d "$NPM/node_modules/playwright-core" ]; then
  if ! tests/browser/run.sh --install-only; then
    [ "$(id -u)" = 0 ] && exit 1
    base_missing=1
  fi
fi

if [ -f "$NPM/node_modules/speedscope/dist/release/index.html" ]; then
  echo "speedscope $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$NPM/node_modules/speedscope/package.json" | head -1) is in $NPM"
  exit $base_missing
fi
if [ "$(id -u)" != 0 ]; then
  echo "speedscope is missing (in $NPM); install with:"
  echo "    npm install --prefix $NPM --no-audit --no-fund $PKG"
  exit 1
fi
echo "== installing: $PKG into $NPM =="
mkdir -p "$NPM"
npm install --prefix "$NPM" --no-audit --no-fund "$PKG" </dev/null
if [ ! -f "$NPM/node_modules/speedscope/dist/release/index.html" ]; then
  echo "install_speedscope: $PKG has no dist/release/index.html (the checker needs the bundled app)" >&2
  exit 1
fi
echo "speedscope $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$NPM/node_modules/speedscope/package.json" | head -1) is in $NPM"
