#!/usr/bin/env bash
# tools/deps.sh - install the Debian 12 packages huzhu needs to build and
# test, and only those that are missing. Sourced by tools/demo.sh and
# tools/test.sh; safe to run by hand. Needs root (or sudo) only when
# something is missing.
set -euo pipefail

HZ_PACKAGES=(
  build-essential cmake ninja-build pkg-config   # compiler and build
  libuv1-dev libsqlite3-dev libsodium-dev         # event loop, storage, crypto
  libmsgpack-dev libjansson-dev                   # encodings: msgpack, JSON
  libcmocka-dev                                   # C unit tests
  clang libclang-rt-14-dev clang-format           # sanitizers, libFuzzer, layout
  python3 python3-msgpack python3-nacl            # independent format checks
  sqlite3 faketime procps                         # test helpers
)

hz_install_deps() {
  local missing=()
  for p in "${HZ_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#HZ_PACKAGES[@]} Debian packages present"
    return 0
  fi
  echo "deps: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  hz_install_deps
fi
