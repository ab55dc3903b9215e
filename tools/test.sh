#!/usr/bin/env bash
# tools/test.sh - the README's test command: install what is missing,
# build, and pass every test. Exits non-zero on any failure.
#
#   1. formatting (tools/format-check.sh)
#   2. plain build (warnings are errors), then every test, one label at a
#      time: unit, sim, integration
#   3. AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer)
#      build with clang, the same labels again with fewer simulation seeds
#      and the web interface in headless Chromium (tools/browser-test.sh:
#      installs chromium, a CJK font, node if missing, and the pinned
#      playwright-core from the npm registry)
#   4. each libFuzzer target for HZ_FUZZ_SECONDS (default 20), two at a
#      time
#
# At the end (pass or fail) it prints the time of each layer. Budget
# (DECISIONS 44): under 30 minutes on 2 cores; the README's "Testing"
# section lists what each layer took here.
#
# Scale knobs (DECISIONS 26):
#   HUZHU_SIM_SEEDS       plain pass; unset: each simulator test's own
#                         default (sim.converge 2000, sim.trust 300, ...)
#   HUZHU_SIM_SEEDS_ASAN  sanitizer pass, every simulator test (100)
#   HUZHU_CRASH_RUNS, HUZHU_CRASH_RUNS_ASAN (default 20 and 5)
#   HZ_FUZZ_SECONDS       per fuzz target (20)
#   HUZHU_LEAK_EVERY      sanitizer pass: LeakSanitizer checks one in N
#                         one-shot huzhu command lines of an integration
#                         test at exit (4; 1: every one). Each costs 40 ms
#                         whatever it did; servers, unit and simulator
#                         tests are always checked (tests/lib/hz_test.py)
# Build output goes to build/test-build.log and build-asan/test-build.log
# (one line each here; the end of the log on a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh

jobs=$(nproc)
layers=()
secs=()
cpus=()
current=""
t_all=$(date +%s)

summary() {
  local rc=$?
  echo
  echo "== time per layer ($jobs cores; cpu: user+sys of every process)"
  printf '  %-38s %7s %7s\n' layer wall cpu
  local i
  for i in "${!layers[@]}"; do
    printf '  %-38s %5d s %5d s\n' "${layers[$i]}" "${secs[$i]}" "${cpus[$i]}"
  done
  printf '  %-38s %5d s %5d s\n' "total" "$(($(date +%s) - t_all))" "$(cpu_s)"
  if [ "$rc" -ne 0 ]; then
    echo "== FAILED in: ${current:-setup} (exit $rc)"
  else
    echo "== all tests passed"
  fi
}
trap summary EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# CPU seconds (user + sys) used so far by every process this script
# waited for: unlike the wall time, it does not grow with the load other
# users put on the machine.
tck=$(getconf CLK_TCK)
cpu_s() {
  # /proc/PID/stat fields 16 and 17: children's user and system ticks
  # (this shell's own are negligible). $$ is this script even in a
  # subshell.
  awk -v tck="$tck" '{ printf "%d\n", ($16 + $17) / tck + 0.5 }' "/proc/$$/stat"
}

# layer NAME COMMAND...: run one layer and record its wall and CPU time.
layer() {
  current=$1
  shift
  echo "== $current"
  local t0 c0
  t0=$(date +%s)
  c0=$(cpu_s)
  "$@"
  layers+=("$current")
  secs+=($(($(date +%s) - t0)))
  cpus+=($(($(cpu_s) - c0)))
  current=""
}

# build DIR CMAKE-ARGS...: configure and build quietly into DIR/test-build.log.
build() {
  local dir=$1
  shift
  mkdir -p "$dir"
  local log=$dir/test-build.log
  if ! { cmake -S . -B "$dir" -G Ninja "$@" && cmake --build "$dir" -j "$jobs"; } \
       >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "build failed; the whole log is $log"
    return 1
  fi
  echo "built in $dir (log: $log)"
}

# The sanitizer build, and beside it the browser test on the plain build
# (tools/browser-test.sh): it mostly waits on Chromium and the node it
# drives (66 s wall for 44 s of CPU in CI), and one after the other they
# took 135 s. Its output goes to build/browser-test.log, printed when it
# ends; either failing fails the layer.
build_asan_beside_browser() {
  local log=build/browser-test.log pid rc=0
  bash tools/browser-test.sh build >"$log" 2>&1 &
  pid=$!
  build build-asan -DHZ_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
    -DHZ_SANITIZE=address,undefined -DHZ_FUZZ=ON || rc=$?
  if ! wait "$pid"; then
    cat "$log"
    echo "browser test failed; its output is $log"
    return 1
  fi
  cat "$log"
  return "$rc"
}

# Every test has one of these labels, so the per-label runs miss none.
check_labels() {
  local dir=$1 other
  other=$(cd "$dir" && ctest -N -LE '^(unit|sim|integration|fuzz)$' |
    sed -n 's/^ *Test *#[0-9]*: //p')
  if [ -n "$other" ]; then
    echo "tests without a unit, sim, integration or fuzz label: $other"
    return 1
  fi
}

# ctest's parallelism for a label, in the build directory: -j one per
# core, except for integration. There a few tests mostly wait (a 60 s idle
# timeout, beacons; tests/CMakeLists.txt): ctest runs one job more than
# the cores, with a resource spec of one "cores" slot per core that every
# other integration test takes one of, so a waiting test runs beside the
# computing ones instead of holding a core, and no more than one test per
# core computes.
ctest_jobs() {
  if [ "$1" = integration ]; then
    printf '{"version": {"major": 1, "minor": 0}, "local": [%s]}\n' \
      "{\"cores\": [{\"id\": \"0\", \"slots\": $jobs}]}" >cores.json
    echo "-j $((jobs + 1)) --resource-spec-file cores.json"
  else
    echo "-j $jobs"
  fi
}

plain_tests() {
  # shellcheck disable=SC2046 # ctest_jobs gives several words
  (cd build && ctest --output-on-failure $(ctest_jobs "$1") -L "^$1\$")
}

# The sanitizer pass looks for memory errors and undefined behaviour
# along the simulator's code paths; 100 seeds reach every case that
# sim.trust's coverage guard asks for (it runs more seeds until they are
# made). The plain pass keeps each test's own seed count for the logic.
# With 200 seeds that layer took 94 s here at a load of 5 and 379 s at a
# load of 10, sim.trust alone 49 s and 234 s (README, "Testing").
#
# integration.clocks is left out of the sanitizer pass, and only there:
# libfaketime's LD_PRELOAD hangs a sanitized process at start-up. It runs
# in the plain pass; under the sanitizers sim.clock covers the same rules.
asan_tests() {
  # shellcheck disable=SC2046 # ctest_jobs gives several words
  (cd build-asan &&
    HUZHU_SIM_SEEDS="${HUZHU_SIM_SEEDS_ASAN:-100}" \
    HUZHU_CRASH_RUNS="${HUZHU_CRASH_RUNS_ASAN:-5}" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --output-on-failure $(ctest_jobs "$1") -L "^$1\$" \
      -E '^integration\.clocks$')
}

# libFuzzer runs one process per target: two targets at a time on two
# cores, each for its full HZ_FUZZ_SECONDS.
fuzz_tests() {
  (cd build-asan && HZ_FUZZ_SECONDS="${HZ_FUZZ_SECONDS:-20}" \
    ctest --output-on-failure -j "$jobs" -L '^fuzz$')
}

layer "deps" hz_install_deps
layer "format" bash tools/format-check.sh
layer "build: plain" build build -DHZ_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
check_labels build
for label in unit sim integration; do
  layer "test: plain $label" plain_tests "$label"
done
CC=clang layer "build: sanitizers (clang) + test: browser" \
  build_asan_beside_browser
check_labels build-asan
echo "(sanitizer pass: ${HUZHU_SIM_SEEDS_ASAN:-100} simulator seeds;" \
  "integration.clocks runs in the plain pass only)"
for label in unit sim integration; do
  layer "test: sanitizers $label" asan_tests "$label"
done
layer "fuzz: ${HZ_FUZZ_SECONDS:-20} s a target, $jobs at a time" fuzz_tests
