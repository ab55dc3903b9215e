# tools/bench/lib.sh - sourced by the benchmark scripts (sync.sh, web.sh,
# peers/run.sh, roster.sh, report.sh): the small helpers they share.

# jget FILE EXPR: EXPR in Python over j, the JSON of FILE.
jget() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# calc EXPR [FORMAT]: floating point by awk (default %.2f); EXPR in
# parentheses, so that a > in it is a comparison.
calc() { awk "BEGIN { printf \"${2:-%.2f}\", ($1) }"; }

# mib KIB: KiB as MiB, one decimal.
mib() { calc "$1 / 1024" %.1f; }

# timed NAME CMD...: CMD under GNU time, its output in $work/NAME.out and
# .err; sets t_wall, t_cpu (user + sys) and t_rss (peak KiB); a failure
# prints its stderr and exits (roster.sh, report.sh).
timed() {
  local name=$1 u s; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
    echo "FAIL: $name"; cat "$work/$name.err" >&2; exit 1; }
  read -r t_wall u s t_rss <"$work/$name.time"
  t_cpu=$(calc "$u + $s")
}

# bounded SECONDS CMD...: CMD under timeout (which signals its whole
# process group on expiry or when it is itself sent SIGTERM), in the
# background so that a signal to the script is handled at once; its pid
# in run_pid while it runs; returns its status.
bounded() {
  local rc=0
  timeout -k 10 "$@" &
  run_pid=$!
  wait "$run_pid" || rc=$?
  run_pid=""
  return "$rc"
}

# gone_within PID TENTHS: wait until PID has exited, at most TENTHS tenths
# of a second; returns 1 when it is still running then.
gone_within() {
  local pid=$1 n=0
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -lt "$2" ] || return 1
    sleep 0.1
  done
}

# stop_pid PID: SIGTERM to a child of this shell, then wait at most 60 s;
# its exit code into STOP_RC. Returns 1, after SIGKILL, when it did not
# stop in time. (Not in a $(...) subshell: only this shell may wait.)
stop_pid() {
  local pid=$1
  STOP_RC=0
  kill -TERM "$pid"
  if ! gone_within "$pid" 600; then
    kill -KILL "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" || STOP_RC=$?
}

# bench_setup NAME [TARGET...]: the opening every benchmark script shares.
# Needs GNU time; builds huzhu and each TARGET in $build (RelWithDebInfo,
# no tests); sets hz (the huzhu built) and work (a new directory under
# $parent, removed on exit unless keep=1); prints the machine, its load,
# the date and the commit (+dirty with uncommitted changes).
bench_setup() {
  local name=$1 rev; shift
  command -v /usr/bin/time >/dev/null || {
    echo "$name.sh: needs GNU time (Debian's time package)" >&2; exit 1; }
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
  cmake --build "$build" --target huzhu "$@" >/dev/null
  hz=$build/huzhu
  work=$(mktemp -d "$parent/huzhu-$name-bench.XXXXXX")
  trap bench_cleanup EXIT
  rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$root" status --porcelain 2>/dev/null)" ] || rev="$rev+dirty"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $rev"
}
bench_cleanup() { [ "${keep:-0}" = 1 ] && echo "kept: $work" || rm -rf "$work"; }

# call_row NAME LABEL: the table row of a timed `hz_bench_* time` run
# (timed NAME ... before it): median, p95 and max ms, p95 against 1 s,
# peak RSS against 200 MiB, the answer's bytes.
call_row() {
  local o=$work/$1.out
  echo "| $2 | $(jget "$o" 'j["median_ms"]') | $(jget "$o" 'j["p95_ms"]') |" \
    "$(jget "$o" 'j["max_ms"]') | $(calc "$(jget "$o" 'j["p95_ms"]') / 1000" %.3f) |" \
    "$(mib "$t_rss") | $(calc "$t_rss / 1024 / 200" %.2f) | $(jget "$o" 'j["answer_bytes"]') |"
}

# cmd_row NAME LABEL ARGS...: one huzhu command on $node under GNU time,
# its table row: wall, CPU, peak RSS, wall against 1 s.
cmd_row() {
  local name=$1 label=$2; shift 2
  timed "$name" "$hz" -d "$node" "$@"
  echo "| $label | $t_wall | $t_cpu | $(mib "$t_rss") | $(calc "$t_wall / 1" %.2f) |"
}
