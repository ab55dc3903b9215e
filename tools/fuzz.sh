#!/usr/bin/env bash
# tools/fuzz.sh - run the libFuzzer targets for longer than CI does.
#
#   tools/fuzz.sh SECONDS [TARGET...]
#
# Builds the fuzz targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own tree (build-fuzz, without the
# other tests; HZ_FUZZ_BUILD=DIR picks another), then runs each TARGET (default: all of tests/fuzz, e.g.
# fuzz_ingest) for SECONDS through tests/fuzz/run_fuzz.sh, one after the
# other. The grown corpora are kept in $HZ_FUZZ_CORPUS (default
# BUILD/fuzz-corpus/<target>), so a second run starts where the first
# stopped; the seeds in tests/fuzz/corpus are only read. Set HZ_FUZZ_JOBS=N
# to run N targets at a time (each uses one core).
#
# A failure prints the input in hex and the command that reproduces it;
# save the input as tests/fuzz/crashes/<target>-<name> (it becomes the test
# fuzz.crash.<target>-<name>) and record it in FUZZING.md. Exits non-zero
# if any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
build=${HZ_FUZZ_BUILD:-build-fuzz}
jobs=${HZ_FUZZ_JOBS:-1}

all=(fuzz_entry fuzz_body fuzz_mpscan fuzz_bundle fuzz_ingest fuzz_vector
     fuzz_value fuzz_api)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=("${all[@]}")
fi

echo "== build: $build (clang, address,undefined, HZ_FUZZ=ON)"
CC=clang cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DHZ_SANITIZE=address,undefined -DHZ_FUZZ=ON -DHZ_TESTS=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}"

export HZ_FUZZ_SECONDS=$seconds
HZ_FUZZ_CORPUS=${HZ_FUZZ_CORPUS:-$build/fuzz-corpus}
mkdir -p "$HZ_FUZZ_CORPUS" "$build/fuzz-logs"
HZ_FUZZ_CORPUS=$(cd "$HZ_FUZZ_CORPUS" && pwd)
export HZ_FUZZ_CORPUS

run_one() {
    local t=$1
    local log=$build/fuzz-logs/$t.log
    if tests/fuzz/run_fuzz.sh "$build/tests/fuzz/$t" "tests/fuzz/corpus/$t" \
        >"$log" 2>&1; then
        echo "ok     $t ($(grep -E '^stat::number_of_executed_units' "$log" |
            awk '{print $2}') runs, $(grep -E '^stat::average_exec_per_sec' \
            "$log" | awk '{print $2}')/s)"
    else
        echo "FAILED $t: see $log"
        return 1
    fi
}

echo "== fuzz: ${seconds}s per target, $jobs at a time, corpora in" \
     "$HZ_FUZZ_CORPUS"
failed=0
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
    echo "== some targets failed"
    exit 1
fi
echo "== all targets ran clean"
