#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh - run one libFuzzer target for a while over its
# seed corpus; the CTest command of every fuzz.* test.
#
#   run_fuzz.sh TARGET SEED_DIR
#
# Runs for $HZ_FUZZ_SECONDS (default 20). The seeds are copied into a fresh
# temporary corpus, so the source tree is never written; set
# HZ_FUZZ_CORPUS=DIR to keep the grown corpus in DIR/<target> between runs
# instead (tools/fuzz.sh). The target's scratch files (node directories,
# bundles) go under /dev/shm when it is writable: the importer fsyncs.
#
# Fails when the fuzzer exits non-zero or leaves any crash-, leak-,
# timeout- or oom- artifact; each artifact is printed in hex and kept, with
# the command that reproduces it.
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 TARGET SEED_DIR" >&2
    exit 2
fi
target=$1
seeds=$2
name=$(basename "$target")
seconds=${HZ_FUZZ_SECONDS:-20}

work=$(mktemp -d "${TMPDIR:-/tmp}/hz-$name.XXXXXX") || exit 1
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    scratch=$(mktemp -d "/dev/shm/hz-$name.XXXXXX") || exit 1
else
    scratch=$(mktemp -d "$work/scratch.XXXXXX") || exit 1
fi
trap 'rm -rf "$scratch"' EXIT

if [ -n "${HZ_FUZZ_CORPUS:-}" ]; then
    corpus=$HZ_FUZZ_CORPUS/$name
    mkdir -p "$corpus"
else
    corpus=$work/corpus
    mkdir -p "$corpus"
fi
cp -p "$seeds"/* "$corpus"/ 2>/dev/null || true
mkdir -p "$work/artifacts"

echo "$name: ${seconds}s, corpus $corpus, seeds $seeds"
TMPDIR=$scratch "$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$corpus" "$seeds" \
    >"$work/log" 2>&1
status=$?
# Coverage and speed, then the final statistics.
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|Done [0-9]+ runs|INFO: seed corpus)' \
    "$work/log" || true

found=0
for f in "$work"/artifacts/crash-* "$work"/artifacts/leak-* \
         "$work"/artifacts/timeout-* "$work"/artifacts/oom-*; do
    [ -e "$f" ] || continue
    found=1
    echo "== artifact $f ($(wc -c <"$f") bytes):"
    od -An -tx1 -v "$f" | head -n 256
    echo "   reproduce: $target $f"
done

if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "== $name FAILED (fuzzer exit $status); the fuzzer's output:"
    tail -n 80 "$work/log"
    echo "== kept: $work"
    exit 1
fi
rm -rf "$work"
exit 0
