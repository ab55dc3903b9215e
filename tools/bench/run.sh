#!/usr/bin/env bash
# tools/bench/run.sh - build the benchmark in an optimized tree of its own
# (RelWithDebInfo like a release, no sanitizers, no tests) and run it.
# Arguments go to hz_bench_import (--help lists them):
#
#   tools/bench/run.sh                  # the 1,000,000-operation import
#   tools/bench/run.sh --ops 20000      # a smoke run, a few seconds
#   tools/bench/run.sh --sql-profile    # plus SQLite time per statement
#   tools/bench/run.sh --ops 100000 --batch 1 --rounds 3
#                                       # one op per entry; each round's
#                                       # ratio to the apply ceiling, its
#                                       # peers (raw verify, insert,
#                                       # upsert) measured right after it
#   tools/bench/run.sh --ops 200000 --network --rounds 2
#                                       # also inside a network (issue 3)
#
# The generated bundle is cached in $TMPDIR/huzhu-bench-cache (or --cache),
# keyed by the generator's parameters; the work directory is removed
# afterwards unless --keep. HZ_BENCH_BUILD overrides the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HZ_BENCH_BUILD:-$root/build-bench}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
cmake --build "$build" --target hz_bench_import >/dev/null

rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
  rev="$rev+dirty"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
  cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $rev;" \
  "SQLite $(pkg-config --modversion sqlite3), libsodium" \
  "$(pkg-config --modversion libsodium)"
echo "command: tools/bench/run.sh $*"
exec "$build/tools/bench/hz_bench_import" "$@"
