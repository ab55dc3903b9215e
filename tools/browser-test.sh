#!/usr/bin/env bash
# tools/browser-test.sh - the web interface in a real headless Chromium
# (issue 13): what a shelter manager does on a 360x740 phone, end to end,
# and the main pages at desktop width (tests/browser/web.test.js).
# Part of the README's test command (tools/test.sh runs it after the
# plain build); runnable alone after a build:
#
#   bash tools/browser-test.sh [BUILD_DIR]      (default build)
#
#   1. installs what is missing: Debian's chromium and a CJK font
#      (fonts-wqy-microhei; without one Chromium draws Chinese as empty
#      boxes, DECISIONS 46), and Node.js with npm when there is no node
#   2. installs the pinned playwright-core from the npm registry into
#      tests/browser/node_modules (npm ci, from package-lock.json; it
#      drives Debian's /usr/bin/chromium and downloads no browser)
#   3. runs the tests against BUILD_DIR/huzhu; screenshots go to
#      BUILD_DIR/browser-shots (not committed)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
source tools/deps.sh

pkgs=("${HZ_BROWSER_PACKAGES[@]}")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  pkgs+=("${HZ_NODE_PACKAGES[@]}")
fi
mapfile -t missing < <(hz_missing_packages "${pkgs[@]}")
# node and npm may come from elsewhere than Debian (nodesource)
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser: missing ${missing[*]}"
  hz_apt_install "${missing[@]}"
else
  echo "browser: chromium, a CJK font and node are present"
fi
log=$B/browser-npm.log
if ! npm ci --prefix tests/browser --no-audit --no-fund >"$log" 2>&1; then
  tail -n 20 "$log"
  echo "browser: npm ci failed; the whole log is $log" >&2
  exit 1
fi
echo "browser: playwright-core $(node -p "require('./tests/browser/node_modules/playwright-core/package.json').version")," \
  "node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
rm -rf "$B/browser-shots"
HUZHU="$B/huzhu" HZ_SHOTS="$B/browser-shots" \
  node --test --test-reporter=spec tests/browser/web.test.js
echo "browser: screenshots in $B/browser-shots"
