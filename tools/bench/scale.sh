#!/usr/bin/env bash
# tools/bench/scale.sh - does ingest stay linear? Builds hz_bench_scale in
# the optimized benchmark tree and runs it (issue 11):
#
#   tools/bench/scale.sh                 # base 2,000 entries, up to 16,000
#   tools/bench/scale.sh --base 500      # a quick look
#   tools/bench/scale.sh --shape pending # one shape
#
# Exits 1 when a shape's cost per entry at 8x is more than 1.5 times its
# cost at 1x. Results: BENCHMARKS.md, "Scaling".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HZ_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
cmake --build "$build" --target hz_bench_scale >/dev/null
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "machine: $(nproc) cores; date: $(date -u +%Y-%m-%dT%H:%M:%SZ);" \
  "commit: $rev; command: tools/bench/scale.sh $*"
exec "$build/tools/bench/hz_bench_scale" "$@"
