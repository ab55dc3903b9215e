#!/usr/bin/env bash
# tools/deps.sh - install the Debian 12 packages huzhu needs to build and
# test, and only those that are missing. Sourced by tools/demo.sh,
# tools/test.sh and tools/aarch64.sh; safe to run by hand.
#
# Installing needs root: as root it runs apt-get itself; as another user
# it uses sudo, and says first that sudo will ask for a password. A user
# without sudo gets the exact command to run as root, and a non-zero exit.
# Nothing is asked for when everything is present. apt-get's output goes
# to a log file whose path is printed; each step prints one line.
set -euo pipefail

HZ_PACKAGES=(
  build-essential cmake ninja-build pkg-config   # compiler and build
  libuv1-dev libsqlite3-dev libsodium-dev         # event loop, storage, crypto
  libmsgpack-dev libjansson-dev                   # encodings: msgpack, JSON
  libzstd-dev                                     # compressed entries on the sync wire
  libmicrohttpd-dev libgnutls28-dev               # web interface: HTTP, TLS
  libqrencode-dev                                 # the join token's QR code
  libcsv-dev libzip-dev libexpat1-dev             # rosters: CSV, XLSX (zip, XML)
  libopencc-dev                                   # dups: traditional as simplified
  libxlsxwriter-dev libxml2-dev                   # reports: XLSX, PFIF XML
  libpq-dev                                       # the county mirror (PostgreSQL)
  libcmocka-dev                                   # C unit tests
  clang libclang-rt-14-dev clang-format           # sanitizers, libFuzzer, layout
  python3 python3-msgpack python3-nacl            # independent format checks
  python3-zstandard                               # ... of compressed entries
  python3-openpyxl                                # reading reports' XLSX back
  sqlite3 faketime procps                         # test helpers
  postgresql       # initdb, pg_ctl, psql: test_mirror runs its own server
  iproute2 iptables       # ip netns, NFQUEUE: LAN tests (test_discovery, test_mesh)
  unicode-data                                    # Unihan: the pinyin table's source
  git                                             # the tools read the commit
)

# The web interface's browser tests (tools/browser-test.sh): Debian's
# Chromium, a CJK font (DECISIONS 46), zbar-tools (a camera's reading of
# the join token's QR code), and Node.js with npm for playwright-core.
# nodejs and npm are installed only when there is no node at all (one
# from elsewhere, such as nodesource, is used as it is).
HZ_BROWSER_PACKAGES=(chromium fonts-wqy-microhei zbar-tools)
HZ_NODE_PACKAGES=(nodejs npm)

# The packages of "$@" that are not installed, one a line.
hz_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      echo "$p"
  done
}

# Sets HZ_AS_ROOT to the prefix that runs a command as root ("" or
# "sudo"); without either, explains what to run as root and returns 1.
# $1 says what the root command is for, $2 is that command.
hz_as_root() {
  HZ_AS_ROOT=""
  [ "$(id -u)" -eq 0 ] && return 0
  if command -v sudo >/dev/null 2>&1; then
    HZ_AS_ROOT="sudo"
    sudo -n true 2>/dev/null ||
      echo "deps: $1 needs root: sudo will ask for your password"
    return 0
  fi
  {
    echo "deps: $1 needs root, and this user ($(id -un)) is not root and has no sudo."
    echo "deps: run this as root (or ask the machine's administrator to), then run this command again:"
    echo "    $2"
    echo "deps: or, with the root password:"
    echo "    su -c '$2'"
  } >&2
  return 1
}

# Runs apt-get as root with its output in a log file (one line here).
# Waits up to 5 minutes for another apt-get to finish (dpkg lock).
hz_apt_install() {
  local cmd="apt-get update && apt-get install -y --no-install-recommends $*"
  hz_as_root "installing them" "$cmd" || return 1
  local log
  log=$(mktemp --suffix=.log "${TMPDIR:-/tmp}/huzhu-apt.XXXXXX")
  echo "deps: apt-get update and install, as root (log: $log)"
  if ! { $HZ_AS_ROOT apt-get -o DPkg::Lock::Timeout=300 update &&
         $HZ_AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get \
           -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"
       } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "deps: apt-get failed; the whole log is $log" >&2
    return 1
  fi
  echo "deps: installed $# package(s)"
}

hz_install_deps() {
  local missing
  mapfile -t missing < <(hz_missing_packages "${HZ_PACKAGES[@]}")
  if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#HZ_PACKAGES[@]} Debian packages present"
    return 0
  fi
  echo "deps: missing ${missing[*]}"
  hz_apt_install "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  hz_install_deps
fi
