#!/usr/bin/env bash
# tools/bench/sync.sh - live sync over loopback (issue 12), beside the
# bundle import of the same data, in one run.
#
#   tools/bench/sync.sh                     # 100,000 households, 300,000
#                                           # persons, 500,000 events
#   tools/bench/sync.sh --small             # 1/20 of that (5,000 households)
#   tools/bench/sync.sh --households N      # any size (3 persons, 5 events each)
#   options: --edit-percent P (default 1), --dir DIR (parent of the work
#   directory, default $TMPDIR or /tmp), --keep (keep the nodes),
#   --timeout S (bound on each sync, import and export; default from the size),
#   --rounds N (1-9, default 1: the full sync and the import N times, each
#   into fresh empty members, the order alternating), --per-entry N (N
#   records to an entry instead of one user action each: 1 or 100 for the
#   wire's cost per record and per entry), --plain (every node speaks
#   session version 1, as an older node: entries are not compressed)
#
# What it does (BENCHMARKS.md, "Live sync over loopback (issue 12)"):
#   1. Node A: `huzhu init`, `huzhu network create` (A is the network's
#      root admin), then hz_bench_sync_fill writes the records as A's own
#      writes, one user action per entry (a household with its persons,
#      then each event). Empty members B1, C1 (and B2, C2, ... with
#      --rounds): `huzhu init`, admitted by A as coordinators (`huzhu
#      admit`), `huzhu join`, all before anything is measured.
#   2. The bundle path: `huzhu -d A bundle export F`, `huzhu -d Cr bundle
#      import F`, each timed; Cr must reach A's state hash.
#   3. Full sync: `huzhu -d A serve --listen 127.0.0.1:0`, `huzhu -d Br
#      sync ADDR`: wall time, records and entries per second, bytes per
#      record, CPU and peak RSS of both sides; Br must reach A's state
#      hash. Rounds alternate the order of 2 and 3; the ratios sync ÷
#      import are per round and over all rounds.
#   4. No-op sync: B1 syncs again with A (a fresh serve): time and bytes.
#   5. Concurrent edits: A and B1 each edit status and notes of the same
#      P % of households (`huzhu put households --id ID ...`, one process a
#      row, different values on each side), then B1 syncs with A: time,
#      entries moved, `huzhu conflicts` on both (every edited field must be
#      listed, with both values, and the lists equal), state hashes equal.
#
# Peak RSS: the sync client, import and export by GNU time's %M (the
# child's ru_maxrss from wait4) or, without GNU time, by the child's
# VmHWM sampled every 20 ms by python3 (below); the serving node by
# VmHWM from /proc/PID/status read just before it is sent SIGTERM. CPU:
# user + system of each process (the serve's from /proc/PID/stat).
# Bytes: bytes_sent + bytes_received as `huzhu sync --json` reports them
# (message plaintext, both ways); beside them the loopback interface's
# tx_bytes over the sync (TCP/IP headers, frame tags and the handshake
# included, and any other loopback traffic on the machine).
#
# Only 127.0.0.1 is used. Every wait is bounded (timeout, read deadlines);
# the serve process and the work directory are removed on exit, error or
# signal (unless --keep). Any failed command stops the run (exit 1); a
# failed check (hash, counts, conflicts) is printed as FAIL, the run goes
# on, and the exit code is 1. HZ_BENCH_BUILD overrides the build directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
build=${HZ_BENCH_BUILD:-$root/build-bench}
args="$*"

households=100000
edit_percent=1
parent=${TMPDIR:-/tmp}
keep=0
per_entry=""
limit=""
rounds=1
usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --small) households=5000 ;;
  --households)
    [ $# -ge 2 ] || usage
    households=$2
    shift
    ;;
  --edit-percent)
    [ $# -ge 2 ] || usage
    edit_percent=$2
    shift
    ;;
  --dir)
    [ $# -ge 2 ] || usage
    parent=$2
    shift
    ;;
  --timeout)
    [ $# -ge 2 ] || usage
    limit=$2
    shift
    ;;
  --rounds)
    [ $# -ge 2 ] || usage
    rounds=$2
    shift
    ;;
  --per-entry)
    [ $# -ge 2 ] || usage
    per_entry=$2
    shift
    ;;
  --plain) export HUZHU_TEST_SYNC_VERSION=1 ;;
  --keep) keep=1 ;;
  -h | --help) usage ;;
  *) usage ;;
  esac
  shift
done
[[ $households =~ ^[1-9][0-9]*$ ]] || usage
[[ $edit_percent =~ ^[1-9][0-9]?$ ]] || usage
[ -z "$limit" ] || [[ $limit =~ ^[1-9][0-9]*$ ]] || usage
[[ $rounds =~ ^[1-9]$ ]] || usage
# Per round: export, import, sync (client), serve.
declare -a ex_wall ex_rss ex_cpu bundle_bytes im_wall im_rss im_cpu
declare -a sy_wall sy_rss sy_cpu sv_rss sv_cpu sy_lo sy_sent sy_received
declare -a sy_applied sy_bytes_sent sy_bytes_received sy_seconds
# Default bound on one sync, import or export: generous (10 ms a
# household, at least 10 minutes); a run that reaches it is a finding.
[ -n "$limit" ] || limit=$((households / 100 > 600 ? households / 100 : 600))
[ "${BASH_VERSINFO[0]}" -ge 5 ] || {
  echo "sync.sh: bash 5 needed (EPOCHREALTIME)" >&2
  exit 2
}
command -v python3 >/dev/null || {
  echo "sync.sh: python3 needed (JSON)" >&2
  exit 2
}

# ---- build (like run.sh: an optimized tree of its own)
echo "sync.sh: building in $build" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
cmake --build "$build" --target huzhu hz_bench_sync_fill >/dev/null
HUZHU=$build/huzhu
FILL=$build/tools/bench/hz_bench_sync_fill

# ---- work directory, cleanup
work=$(mktemp -d "$parent/huzhu-sync-bench.XXXXXX")
serve_pid="" run_pid=""
cleanup() {
  local rc=$?
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
    kill -TERM "$run_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$run_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$run_pid" 2>/dev/null || true
  fi
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$serve_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$serve_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then
    echo "sync.sh: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "sync.sh: FAILED: $*" >&2
  exit 1
}
fails=0
check() { # check COND-TEXT OK? : record a check
  if [ "$2" = 1 ]; then
    echo "sync.sh: ok: $1" >&2
  else
    echo "sync.sh: FAIL: $1" >&2
    fails=$((fails + 1))
    failed+=("$1")
  fi
}
failed=()
say() { echo "sync.sh: $*" >&2; }

# Peak RSS and CPU of a child: GNU time (a small process, so its fork
# adds nothing to the child's peak), else python3: CPU from
# getrusage(RUSAGE_CHILDREN), peak RSS from the child's VmHWM sampled every
# 20 ms once it has exec'd (a fork of python carries python's own RSS into
# ru_maxrss, so that is not used; the samples miss at most the last 20 ms).
# Either is given the output file, then the command.
if /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
  rusage_how="GNU time %M (ru_maxrss of the child, wait4)"
  rusage=(/usr/bin/time -f '%M %U %S' -o)
else
  rusage_how="VmHWM of the child sampled every 20 ms (no GNU time)"
  rusage=(python3 -c '
import os, resource, subprocess, sys, time
p = subprocess.Popen(sys.argv[2:])
hwm = 0
exe = os.path.realpath(sys.argv[2]) if os.sep in sys.argv[2] else None
while p.poll() is None:
    try:
        if exe is None or os.path.realpath("/proc/%d/exe" % p.pid) == exe:
            for line in open("/proc/%d/status" % p.pid):
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.02)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%d %.2f %.2f\n" % (hwm, r.ru_utime, r.ru_stime))
sys.exit(p.returncode)')
fi

# run NAME CMD... : bounded by $limit; stdout to NAME.out, stderr to
# NAME.err; sets wall, rss_kb, cpu (user + system). A failure stops the run.
run() {
  local name=$1 rc=0 t0 t1
  shift
  t0=$EPOCHREALTIME
  bounded "$limit" "${rusage[@]}" "$work/$name.rusage" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  t1=$EPOCHREALTIME
  wall=$(calc "$t1 - $t0" %.3f)
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    die "$name did not finish within $limit s (timeout): $*"
  fi
  if [ "$rc" != 0 ]; then
    tail -5 "$work/$name.err" >&2
    die "$name exited $rc: $*"
  fi
  local line
  line=$(tail -1 "$work/$name.rusage")
  rss_kb=${line%% *}
  cpu=$(echo "$line" | awk '{ printf "%.2f", $2 + $3 }')
}

hz() { timeout -k 5 120 "$HUZHU" --json "$@"; }

lo_bytes() {
  cat /sys/class/net/lo/statistics/tx_bytes 2>/dev/null || echo -1
}

# serve_start NODE: huzhu serve on 127.0.0.1, a port of its choosing,
# without the web interface (its default is 0.0.0.0:8080: two runs at
# once collided there) and without discovery (off anyway on loopback);
# sets serve_pid and addr (waits at most 30 s for the listening line).
serve_start() {
  local dir=$1 n=0
  : >"$work/serve.out"
  "$HUZHU" -d "$dir" --json serve --listen 127.0.0.1:0 --http off \
    --no-discovery \
    >"$work/serve.out" 2>>"$work/serve.err" &
  serve_pid=$!
  addr=""
  while [ -z "$addr" ]; do
    addr=$(sed -n 's/^{"listening":"\(127\.0\.0\.1:[0-9]*\)"}$/\1/p' \
      "$work/serve.out")
    [ -n "$addr" ] && break
    kill -0 "$serve_pid" 2>/dev/null || die "serve exited before listening"
    n=$((n + 1))
    [ "$n" -lt 300 ] || die "serve did not say where it listens in 30 s"
    sleep 0.1
  done
}

# serve_stop: VmHWM and CPU just before SIGTERM; then waits at most 60 s
# for it to exit (exit 0 expected). Sets serve_rss_kb, serve_cpu.
serve_stop() {
  local st tck rc=0
  serve_rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$serve_pid/status")
  st=$(sed 's/^.*) //' "/proc/$serve_pid/stat")
  tck=$(getconf CLK_TCK)
  serve_cpu=$(echo "$st" | awk -v t="$tck" '{ printf "%.2f", ($12 + $13) / t }')
  stop_pid "$serve_pid" || die "serve did not stop within 60 s of SIGTERM"
  rc=$STOP_RC
  serve_pid=""
  [ "$rc" = 0 ] || die "serve exited $rc after SIGTERM (expected 0)"
}


# ---- header
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
  rev="$rev+dirty"
fi
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
  cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
date_s=$(date -u +%Y-%m-%dT%H:%M:%SZ)
libs="SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo ?), libsodium $(pkg-config --modversion libsodium 2>/dev/null || echo ?), libuv $(pkg-config --modversion libuv 2>/dev/null || echo ?)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
edits=$((households * edit_percent / 100))
[ "$edits" -ge 1 ] || edits=1
say "work directory $work; $households households; bound $limit s per step"

# ---- 1. the data on A, and its members: B1 (synced into, then used for
# the no-op and conflict syncs), C1 (imported into), and per extra round
# a fresh B and C. All are admitted before anything is measured.
A=$work/A
hz -d "$A" init --name 测试根节点A >/dev/null
hz -d "$A" network create --name 测试同步基准网 >/dev/null
say "filling A: $households households, $((households * 3)) persons, $((households * 5)) events (${per_entry:-one user action} per entry)"
bounded $((limit * 4)) "$FILL" "$A" --households "$households" \
  ${per_entry:+--per-entry "$per_entry"} \
  --ids "$work/households.txt" >"$work/fill.json" ||
  die "hz_bench_sync_fill failed"
records=$(jget "$work/fill.json" 'j["records"]')
fill_s=$(jget "$work/fill.json" 'j["seconds"]')
member() { # an empty node, admitted by A as a coordinator, joined
  local d=$work/$1 key
  hz -d "$d" init --name "测试成员$1" >/dev/null
  key=$(hz -d "$d" id | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  hz -d "$A" admit "$key" --name "测试成员$1" --role coordinator >"$work/admit$1.json"
  hz -d "$d" join "$(jget "$work/admit$1.json" 'j["token"]')" >/dev/null
}
for r in $(seq "$rounds"); do
  member "B$r"
  member "C$r"
done
B=$work/B1
total() { jget <(hz -d "$1" status) 'j["entries"]["total"]'; }
state_hash() { jget <(hz -d "$1" state-hash) 'j["state_hash"]'; }
is() { [ "$1" = "$2" ] && echo 1 || echo 0; }
say "A holds $(total "$A") entries ($records records), filled in $fill_s s"

# ---- 2. the bundle path: export from A, import into an empty member
import_round() {
  local r=$1 c=$work/C$1 n h applied
  n=$(total "$A")
  h=$(state_hash "$A")
  say "round $r: bundle export from A, import into C$r"
  run "export$r" "$HUZHU" -d "$A" --json bundle export "$work/all.bundle"
  ex_wall[r]=$wall ex_rss[r]=$rss_kb ex_cpu[r]=$cpu
  bundle_bytes[r]=$(stat -c %s "$work/all.bundle")
  run "import$r" "$HUZHU" -d "$c" --json bundle import "$work/all.bundle"
  im_wall[r]=$wall im_rss[r]=$rss_kb im_cpu[r]=$cpu
  rm -f "$work/all.bundle"
  applied=$(jget "$work/import$r.out" 'j["applied"]')
  check "round $r: the import applied every entry of A ($applied of $n)" \
    "$(is "$applied" "$n")"
  check "round $r: C$r (import) has A's state hash" \
    "$(is "$(state_hash "$c")" "$h")"
}

# ---- 3. full sync: an empty member dials A
sync_round() {
  local r=$1 b=$work/B$1 n m lo0 lo1 x
  n=$(total "$A")
  m=$(total "$b")
  say "round $r: full sync, B$r dials A"
  serve_start "$A"
  lo0=$(lo_bytes)
  run "full$r" "$HUZHU" -d "$b" --json sync "$addr"
  lo1=$(lo_bytes)
  sy_wall[r]=$wall sy_rss[r]=$rss_kb sy_cpu[r]=$cpu
  serve_stop
  sv_rss[r]=$serve_rss_kb sv_cpu[r]=$serve_cpu
  for x in sent received applied bytes_sent bytes_received seconds; do
    printf -v "sy_${x}[r]" %s "$(jget "$work/full$r.out" "j[\"$x\"]")"
  done
  sy_lo[r]=$([ "$lo0" -ge 0 ] && echo $((lo1 - lo0)) || echo -1)
  check "round $r: B$r received every entry of A (${sy_received[r]} of $n) and applied them (${sy_applied[r]})" \
    "$([ "${sy_received[r]}" = "$n" ] && [ "${sy_applied[r]}" = "$n" ] && echo 1 || echo 0)"
  check "round $r: B$r sent its own entries (${sy_sent[r]} of $m)" \
    "$(is "${sy_sent[r]}" "$m")"
  check "round $r: A and B$r have the same state hash after the sync" \
    "$(is "$(state_hash "$A")" "$(state_hash "$b")")"
}

# Rounds alternate the order (import first in odd rounds, sync first in
# even ones), so that neither always runs on a warmer page cache or a
# quieter machine. Every node but A and B1 is removed after its round.
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    import_round "$r"
    sync_round "$r"
  else
    sync_round "$r"
    import_round "$r"
  fi
  [ "$keep" = 1 ] || rm -rf "$work/C$r"
  [ "$keep" = 1 ] || [ "$r" = 1 ] || rm -rf "$work/B$r"
done

# ---- 4. no-op sync between two up-to-date nodes
if [ "$rounds" -gt 1 ]; then
  # A took in the join entries of B2.. in the later rounds: B1 catches up
  # first (not measured), so that the measured sync has nothing to move.
  say "B1 catches up with the later rounds' members (not measured)"
  serve_start "$A"
  run catchup "$HUZHU" -d "$B" --json sync "$addr"
  serve_stop
fi
say "no-op sync: B1 dials A again"
serve_start "$A"
run noop "$HUZHU" -d "$B" --json sync "$addr"
noop_wall=$wall noop_rss=$rss_kb
serve_stop
noop_srss=$serve_rss_kb
g() { jget "$work/noop.out" "j[\"$1\"]"; }
noop_sent=$(g sent) noop_recv=$(g received) noop_bs=$(g bytes_sent)
noop_br=$(g bytes_received) noop_sess=$(g seconds)
check "no-op sync moves no entries (sent $noop_sent, received $noop_recv)" \
  "$([ "$noop_sent" = 0 ] && [ "$noop_recv" = 0 ] && echo 1 || echo 0)"

# ---- 5. the same households edited on both sides, then a sync
conf0=$(hz -d "$A" conflicts | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "no conflicts before the edits ($conf0)" "$([ "$conf0" = 0 ] && echo 1 || echo 0)"
stride=$((households / edits))
awk -v s="$stride" -v n="$edits" '(NR - 1) % s == 0 && c < n { print; c++ }' \
  "$work/households.txt" >"$work/edited.txt"
edits=$(wc -l <"$work/edited.txt")
va_status=relocated vb_status=unreachable
va_notes="测试备注：甲方复核" vb_notes="测试备注：乙方复核"
say "editing status and notes of $edits households on A and on B1 (huzhu put, one process a row)"
t0=$EPOCHREALTIME
while read -r id; do
  hz -d "$A" put households --id "$id" "status=$va_status" "notes=$va_notes" >/dev/null ||
    die "put on A failed ($id)"
done <"$work/edited.txt"
t1=$EPOCHREALTIME
while read -r id; do
  hz -d "$B" put households --id "$id" "status=$vb_status" "notes=$vb_notes" >/dev/null ||
    die "put on B failed ($id)"
done <"$work/edited.txt"
t2=$EPOCHREALTIME
edit_a_s=$(calc "$t1 - $t0") edit_b_s=$(calc "$t2 - $t1")
say "conflict sync: B1 dials A"
serve_start "$A"
run conf "$HUZHU" -d "$B" --json sync "$addr"
conf_wall=$wall conf_rss=$rss_kb
serve_stop
conf_srss=$serve_rss_kb
h() { jget "$work/conf.out" "j[\"$1\"]"; }
conf_sent=$(h sent) conf_recv=$(h received) conf_applied=$(h applied)
conf_bs=$(h bytes_sent) conf_br=$(h bytes_received) conf_sess=$(h seconds)
check "conflict sync moved the edits each way (sent $conf_sent, received $conf_recv, applied $conf_applied; $edits each)" \
  "$([ "$conf_sent" = "$edits" ] && [ "$conf_recv" = "$edits" ] && [ "$conf_applied" = "$edits" ] && echo 1 || echo 0)"
check "after the conflict sync A and B1 have the same state hash" \
  "$(is "$(state_hash "$A")" "$(state_hash "$B")")"
hz -d "$A" conflicts >"$work/conflictsA.json"
hz -d "$B" conflicts >"$work/conflictsB.json"
python3 - "$work/conflictsA.json" "$work/conflictsB.json" "$work/edited.txt" \
  "$va_status" "$vb_status" "$va_notes" "$vb_notes" >"$work/conflicts.txt" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
ids = set(open(sys.argv[3]).read().split())
want = {"status": {sys.argv[4], sys.argv[5]}, "notes": {sys.argv[6], sys.argv[7]}}
found = set()
extra = 0
for c in a:
    vals = {h.get("value") for h in c.get("heads", [])}
    if (c.get("kind") == "concurrent" and c.get("table") == "households"
            and c.get("id") in ids and c.get("column") in want
            and vals == want[c["column"]]):
        found.add((c["id"], c["column"]))
    else:
        extra += 1
expected = 2 * len(ids)
same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
print(len(a), len(found), expected, extra, 1 if same else 0)
EOF
read -r conf_listed conf_found conf_expected conf_extra conf_same <"$work/conflicts.txt"
check "every edited field is listed as a conflict with both values on A ($conf_found of $conf_expected; $conf_listed listed, $conf_extra others)" \
  "$([ "$conf_found" = "$conf_expected" ] && [ "$conf_extra" = 0 ] && echo 1 || echo 0)"
check "A and B1 list the same conflicts" "$conf_same"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table: one column per round, then the ratios
r2() { calc "$1" %.2f; }
row() { # row LABEL FUNC: FUNC r prints round r's cell
  local line="| $1 |" r
  for r in $(seq "$rounds"); do line+=" $($2 "$r") |"; done
  echo "$line"
}
sum() { # sum ARRAY-NAME: the sum over the rounds
  local -n a=$1
  local t=0 r
  for r in $(seq "$rounds"); do t=$(calc "$t + ${a[r]}" %.3f); done
  echo "$t"
}
head_cols="| measure |" rule="|---|"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then
    head_cols+=" round $r (import first) |"
  else
    head_cols+=" round $r (sync first) |"
  fi
  rule+="---:|"
done
c_sywall() { r2 "${sy_wall[$1]}"; }
c_sysess() { echo "${sy_seconds[$1]}"; }
c_symoved() { echo "${sy_received[$1]} / ${sy_sent[$1]}"; }
c_syrec() { calc "$records / ${sy_wall[$1]}" %.0f; }
c_syent() { calc "${sy_received[$1]} / ${sy_wall[$1]}" %.0f; }
c_sybytes() { echo "${sy_bytes_sent[$1]} + ${sy_bytes_received[$1]}"; }
c_sybpr() { calc "(${sy_bytes_sent[$1]} + ${sy_bytes_received[$1]}) / $records" %.1f; }
c_sylo() { if [ "${sy_lo[$1]}" -ge 0 ]; then calc "${sy_lo[$1]} / $records" %.1f; else echo n/a; fi; }
c_sycpu() { echo "${sy_cpu[$1]} / ${sv_cpu[$1]}"; }
c_syrss() { echo "$(mib "${sy_rss[$1]}") / $(mib "${sv_rss[$1]}")"; }
c_ex() { echo "$(r2 "${ex_wall[$1]}") / ${ex_cpu[$1]} / $(mib "${ex_rss[$1]}")"; }
c_bbpr() { calc "${bundle_bytes[$1]} / $records" %.1f; }
c_im() { echo "$(r2 "${im_wall[$1]}") / ${im_cpu[$1]} / $(mib "${im_rss[$1]}")"; }
c_imrec() { calc "$records / ${im_wall[$1]}" %.0f; }
c_rwall() { calc "${sy_wall[$1]} / ${im_wall[$1]}"; }
c_rwallx() { calc "${sy_wall[$1]} / (${ex_wall[$1]} + ${im_wall[$1]})"; }
c_rcpu() { calc "(${sy_cpu[$1]} + ${sv_cpu[$1]}) / ${im_cpu[$1]}"; }
c_rcpux() { calc "(${sy_cpu[$1]} + ${sv_cpu[$1]}) / (${ex_cpu[$1]} + ${im_cpu[$1]})"; }
c_rbytes() { calc "(${sy_bytes_sent[$1]} + ${sy_bytes_received[$1]}) / ${bundle_bytes[$1]}"; }
t_sy=$(sum sy_wall) t_im=$(sum im_wall) t_ex=$(sum ex_wall)
t_syc=$(sum sy_cpu) t_svc=$(sum sv_cpu) t_imc=$(sum im_cpu) t_exc=$(sum ex_cpu)

cat <<EOF

## Live sync over loopback: $households households, $((households * 3)) persons, $((households * 5)) events

machine: $machine
date: $date_s; commit: $rev; $libs
command: tools/bench/sync.sh $args
load average (1, 5, 15 min): $load_start at the start, $load_end at the end
data: $records records (+ $(jget "$work/fill.json" 'j["other_rows"]') sites and items) in $(jget "$work/fill.json" 'j["entries"]') entries written on A, ${per_entry:-one user action} per entry${HUZHU_TEST_SYNC_VERSION:+, session version $HUZHU_TEST_SYNC_VERSION (--plain)}; filled in $fill_s s (setup, synchronous=OFF)
peak RSS: sync client, export and import by $rusage_how; serve by VmHWM before SIGTERM

Full sync (an empty member dials A) and the bundle path (export from A, import into an empty member):

$head_cols
$rule
$(row "full sync: wall s (huzhu sync process)" c_sywall)
$(row "full sync: session s (reported by sync; libuv's loop clock, misses the last loop turn)" c_sysess)
$(row "full sync: entries received / sent" c_symoved)
$(row "full sync: records per wall s" c_syrec)
$(row "full sync: entries per wall s" c_syent)
$(row "full sync: message bytes sent + received" c_sybytes)
$(row "full sync: message bytes per record" c_sybpr)
$(row "full sync: loopback tx bytes per record (whole machine: other loopback traffic counts too)" c_sylo)
$(row "full sync: CPU s, sync client / serve" c_sycpu)
$(row "full sync: peak RSS MiB, sync client / serve" c_syrss)
$(row "bundle export: wall s / CPU s / peak RSS MiB" c_ex)
$(row "bundle: bytes per record" c_bbpr)
$(row "bundle import: wall s / CPU s / peak RSS MiB" c_im)
$(row "bundle import: records per wall s" c_imrec)
$(row "ratio: sync wall ÷ import wall" c_rwall)
$(row "ratio: sync wall ÷ (export + import) wall" c_rwallx)
$(row "ratio: sync CPU (client + serve) ÷ import CPU" c_rcpu)
$(row "ratio: sync CPU (client + serve) ÷ (export + import) CPU" c_rcpux)
$(row "ratio: sync message bytes ÷ bundle bytes" c_rbytes)

Over all rounds: sync wall ÷ import wall $(calc "$t_sy / $t_im"), ÷ (export + import) $(calc "$t_sy / ($t_ex + $t_im)"); sync CPU (client + serve) ÷ import CPU $(calc "($t_syc + $t_svc) / $t_imc"), ÷ (export + import) $(calc "($t_syc + $t_svc) / ($t_exc + $t_imc)").

Up to date, and after concurrent edits (B1 dials A; B1 holds what A holds):

| measure | value |
|---|---:|
| no-op sync: wall s / session s | $(r2 "$noop_wall") / $noop_sess |
| no-op sync: message bytes sent / received | $noop_bs / $noop_br |
| no-op sync: peak RSS MiB, client / serve | $(mib "$noop_rss") / $(mib "$noop_srss") |
| no-op sync wall ÷ round 1 full sync wall | $(calc "$noop_wall / ${sy_wall[1]}" %.4f) |
| edits: $edits households x 2 fields, on A / on B1 (huzhu put, one process each), s | $(r2 "$edit_a_s") / $(r2 "$edit_b_s") |
| conflict sync: wall s / session s | $(r2 "$conf_wall") / $conf_sess |
| conflict sync: entries sent / received / applied | $conf_sent / $conf_recv / $conf_applied |
| conflict sync: message bytes sent / received | $conf_bs / $conf_br |
| conflict sync: peak RSS MiB, client / serve | $(mib "$conf_rss") / $(mib "$conf_srss") |
| conflicts listed on A (expected $conf_expected; the same list on B1: $([ "$conf_same" = 1 ] && echo yes || echo NO)) | $conf_listed |

checks failed: $fails (state hashes equal after every sync and import, counts, conflicts: FAIL lines on stderr otherwise)
EOF
for x in "${failed[@]}"; do echo "  FAIL: $x"; done
[ "$fails" = 0 ]
