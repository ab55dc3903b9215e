#!/usr/bin/env bash
# tools/bench/web.sh - the web interface under load (issue 13): the shelter
# dashboard's requests per second with 50 concurrent clients, beside a
# static file served by the same process as the limit, over plain HTTP and
# HTTPS, both as shared answers (cache hits) and fresh (after a write); the
# serving process's memory; the page weight; and live sync while the web
# is loaded.
#
#   tools/bench/web.sh                      # 5,000 households (hundreds present per site)
#   tools/bench/web.sh --households N       # any size (3 persons, 5 events each)
#   options: --connections C (default 50), --threads T (wrk threads, default
#   2), --duration S (least seconds per load run, default 10), --max-duration S
#   (most, default 60), --samples N (sync latency samples per condition,
#   default 20), --write-every MS[,MS...] (the loaded runs with a write every
#   MS ms, default 1000,100), --no-https, --search (also hz_bench_search:
#   search latency at 100,000 households, a few minutes more), --dir DIR
#   (parent of the work directory, default $TMPDIR or /tmp), --keep (keep
#   the nodes)
#
# What it does (BENCHMARKS.md, "Web interface (issue 13)"):
#   1. Node A: `huzhu init`, `huzhu network create`, hz_bench_sync_fill
#      (the live-sync benchmark's filler: per household its 3 persons, 2
#      check-ins at one of 20 sites, a warning, relief, a delivery), an
#      admin account `bench` with a random password. Node B: `huzhu init`,
#      admitted by A as a coordinator, `huzhu join`, then A's records by a
#      bundle (export, import), so that B's first sync does not weigh on A.
#      The shelter measured is S, the first site of `huzhu show occupancy`;
#      P is a vulnerable person present at S (at S alone), whose check-in
#      and check-out are the writes below: each changes S's occupancy,
#      presence and vulnerable answers.
#   2. Plain HTTP: `huzhu -d A serve --listen 127.0.0.1:0 --http
#      127.0.0.1:0 --no-discovery`, POST /api/login for the hz_session
#      cookie. Page weight of a first load (/, /app.js, /app.css, /icon.svg,
#      with Accept-Encoding: gzip), of the data the shelter page then loads
#      and of the village page's. Then:
#      - fresh answers alone: 5 times a write (P checks in at S or checks
#        out, a `huzhu` process on A), then one timed request of
#        /api/views/occupancy?site=S, presence?site=S, vulnerable?site=S,
#        /api/views/unaccounted and /api/views/presence (whole); the median.
#        Each answer must differ from the one before its write (the server
#        saw the write at once);
#      - wrk, C connections, one run per URL, no writes (so every view
#        answer after the first is a shared one, a cache hit): GET /app.js
#        (the limit), the shelter page's requests as pages.shelter in
#        app.js makes them (/api/sites?limit=1000,
#        /api/views/occupancy?site=S, presence?site=S, vulnerable?site=S),
#        then the four in rotation (the shelter page); the village page's
#        /api/views/unaccounted; /api/views/presence whole (no page asks
#        for it while a site exists; beside the earlier runs);
#      - fresh under load: every site's shelter page (its three views for
#        each of the 20 sites, in rotation: more answers than the server
#        keeps, so each is computed); the shelter page of S while a
#        background loop writes (as above) every MS ms of --write-every:
#        the writes made are reported, each one makes the next request of
#        each view fresh.
#      Any status but 2xx, a socket error or a wrk timeout fails the run;
#      so does a failed write, or served answers for S that disagree with
#      the CLI's after the writes.
#   3. Live sync while loaded: B serves with A as its peer (`huzhu peer
#      add`). A sample is a `huzhu put households --id ID notes=V` on one
#      node, then `huzhu get` on the other every 10 ms until V is there;
#      the samples alternate A->B and B->A. Half the idle samples before,
#      then all the loaded ones (the shelter page's mix running; each
#      sample's write makes its next answers fresh), then the other half
#      idle; in each sample also one GET /app.js, to see what the static
#      file waits for under the load. A and B must end with the same state
#      hash.
#   4. HTTPS: A again, `--http 0.0.0.0:0` (TLS with the node's self-signed
#      certificate; only https://127.0.0.1:PORT is used), the runs of 2.
#
# A run lasts max(--duration, 3 x C x one request's time alone), at most
# --max-duration (the runs with writes: 20 s within those bounds): with C
# clients and one server thread a request waits for the C - 1 ahead of
# it, so a shorter run of a slow URL would end before the queue is ever
# full. "Alone" is one request as the run serves it (curl, median of 3
# after one to warm: a shared answer for the views; for every site's
# pages, the fresh times). Beside wrk's latencies the table gives C /
# (req/s) (Little's law: the mean latency of a full queue). After each run
# the script waits until /icon.svg answers within 50 ms: requests read
# before wrk closed its connections are still computed.
#
# Memory: VmRSS and VmHWM of the serving process from /proc/PID/status:
# idle before and after the login (a login hashes with Argon2id, 32 MiB),
# then the peak of each load run alone: VmHWM is reset to the current RSS
# before each (`echo 5 > /proc/PID/clear_refs`; where that is refused the
# peaks are cumulative and the report says so).
# Server CPU per request: the serve's user + system ticks over a run
# (/proc/PID/stat) over the requests wrk counted.
#
# Only 127.0.0.1 is dialled; the HTTPS phase listens on 0.0.0.0 because
# serve speaks TLS only off loopback. Every wait is bounded; the serving
# processes, the write loop, wrk and the work directory are removed on
# exit, error or signal (unless --keep). Needs wrk (Debian: apt-get
# install wrk), curl, python3, bash 5. HZ_BENCH_BUILD overrides the build
# directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
build=${HZ_BENCH_BUILD:-$root/build-bench}
args="$*"

households=5000
conns=50
threads=2
dur_min=10
dur_max=60
samples=20
write_every=1000,100
https=1
search=0
parent=${TMPDIR:-/tmp}
keep=0
usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
num() { [[ $1 =~ ^[1-9][0-9]*$ ]] || usage; }
while [ $# -gt 0 ]; do
  case "$1" in
  --households | --connections | --threads | --duration | --max-duration | --samples | --write-every | --dir)
    [ $# -ge 2 ] || usage
    case "$1" in
    --households) households=$2 ;;
    --connections) conns=$2 ;;
    --threads) threads=$2 ;;
    --duration) dur_min=$2 ;;
    --max-duration) dur_max=$2 ;;
    --samples) samples=$2 ;;
    --write-every) write_every=$2 ;;
    --dir) parent=$2 ;;
    esac
    shift
    ;;
  --no-https) https=0 ;;
  --search) search=1 ;;
  --keep) keep=1 ;;
  -h | --help) usage ;;
  *) usage ;;
  esac
  shift
done
for v in "$households" "$conns" "$threads" "$dur_min" "$dur_max" "$samples"; do num "$v"; done
IFS=, read -ra writes_ms <<<"$write_every"
[ "${#writes_ms[@]}" -ge 1 ] || usage
for v in "${writes_ms[@]}"; do num "$v"; done
[ "$dur_max" -ge "$dur_min" ] || usage
[ "$threads" -le "$conns" ] || usage
[ "${BASH_VERSINFO[0]}" -ge 5 ] || {
  echo "web.sh: bash 5 needed (EPOCHREALTIME)" >&2
  exit 2
}
for t in wrk curl python3 gzip; do
  command -v "$t" >/dev/null || {
    echo "web.sh: $t needed (Debian: apt-get install wrk curl python3 gzip)" >&2
    exit 2
  }
done

# ---- build (like sync.sh: an optimized tree of its own)
echo "web.sh: building in $build" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
targets=(huzhu hz_bench_sync_fill)
[ "$search" = 0 ] || targets+=(hz_bench_search)
cmake --build "$build" --target "${targets[@]}" >/dev/null
HUZHU=$build/huzhu
FILL=$build/tools/bench/hz_bench_sync_fill

# ---- work directory, cleanup
work=$(mktemp -d "$parent/huzhu-web-bench.XXXXXX")
a_pid="" b_pid="" load_pid="" writer_pid=""
kill_pid() { # kill_pid PID: SIGTERM, at most 10 s, then SIGKILL (cleanup)
  local p=$1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$p" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$p" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  kill_pid "$writer_pid"
  kill_pid "$load_pid"
  kill_pid "$b_pid"
  kill_pid "$a_pid"
  if [ "$keep" = 1 ]; then
    echo "web.sh: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "web.sh: FAILED: $*" >&2
  exit 1
}
fails=0
failed=()
check() { # check TEXT OK?
  if [ "$2" = 1 ]; then
    echo "web.sh: ok: $1" >&2
  else
    echo "web.sh: FAIL: $1" >&2
    fails=$((fails + 1))
    failed+=("$1")
  fi
}
say() { echo "web.sh: $*" >&2; }
hz() { timeout -k 5 120 "$HUZHU" --json "$@"; }
mibo() { if [ -n "$1" ]; then mib "$1"; else echo -; fi; } # - when not measured
kib() { calc "$1 / 1024" %.1f; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
tck=$(getconf CLK_TCK)
hwm_how="VmHWM reset before each run (clear_refs)"
hwm_reset() {
  echo 5 2>/dev/null >"/proc/$a_pid/clear_refs" ||
    hwm_how="VmHWM cumulative since the serve started (clear_refs refused)"
}

# ---- the wrk script: the session cookie on every request, the paths of
# HZ_PATHS in rotation (each thread starting at a random one), every
# status outside 2xx counted, and the figures the report needs.
cat >"$work/load.lua" <<'EOF'
local cookie = "hz_session=" .. os.getenv("HZ_COOKIE")
local paths = {}
for p in string.gmatch(os.getenv("HZ_PATHS"), "[^ ]+") do paths[#paths + 1] = p end
local threads = {}
function setup(thread) table.insert(threads, thread) end
local i = 0
bad = 0
function init(args) i = math.random(#paths) - 1 end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Cookie"] = cookie})
end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format("HZ %d %d %d %d %.3f %.3f %.3f %.3f %d\n",
    summary.requests, summary.duration, summary.bytes, b,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout))
end
EOF

# ---- serving A (and B)
# serve_a HTTP-ARG: A serves sync on 127.0.0.1 and its web on HTTP-ARG;
# sets a_pid, a_addr (sync), base (the web's 127.0.0.1 URL, no slash).
serve_a() {
  local n=0 out=$work/serveA.${1//[:\/]/_}.out
  "$HUZHU" -d "$A" --json serve --listen 127.0.0.1:0 --http "$1" --no-discovery \
    >"$out" 2>>"$work/serveA.err" &
  a_pid=$!
  base=""
  while [ -z "$base" ]; do
    base=$(grep -so '"https\{0,1\}://127\.0\.0\.1:[0-9]*/"' "$out" | head -1 | tr -d '"' || true)
    base=${base%/}
    [ -n "$base" ] && break
    kill -0 "$a_pid" 2>/dev/null || die "serve A exited before listening"
    n=$((n + 1))
    [ "$n" -lt 300 ] || die "serve A did not print its web address in 30 s"
    sleep 0.1
  done
  a_addr=$(sed -n 's/^{"listening":"\(127\.0\.0\.1:[0-9]*\)"}$/\1/p' "$out")
  [ -n "$a_addr" ] || die "serve A did not say where it listens"
}
# stop_serve PID-VAR: SIGTERM, at most 60 s, exit 0 expected.
stop_serve() {
  local -n p=$1
  stop_pid "$p" || die "serve did not stop within 60 s of SIGTERM"
  local rc=$STOP_RC
  p=""
  check "serve exited 0 after SIGTERM ($rc)" "$([ "$rc" = 0 ] && echo 1 || echo 0)"
}

# curl with the session cookie, certificate not checked (self-signed),
# every call bounded.
cget() { curl -sk --max-time 120 -H "Cookie: hz_session=$cookie" "$@"; }

login() {
  local st
  st=$(curl -sk --max-time 30 -D "$work/login.h" -o "$work/login.json" -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    --data "{\"name\":\"bench\",\"password\":\"$password\"}" "$base/api/login")
  [ "$st" = 200 ] || die "login answered $st: $(cat "$work/login.json")"
  cookie=$(sed -n 's/^Set-Cookie: hz_session=\([0-9a-f]\{64\}\);.*/\1/Ip' "$work/login.h" | tr -d '\r')
  [ -n "$cookie" ] || die "login set no hz_session cookie"
}

# One request's time alone, seconds: the median of 3 (after one to warm).
alone() {
  local t=() i
  cget -o /dev/null "$base$1"
  for i in 1 2 3; do
    t+=("$(cget -o /dev/null -w '%{time_total}' "$base$1")")
  done
  printf '%s\n' "${t[@]}" | sort -g | sed -n 2p
}

# Wait until /icon.svg answers within 50 ms (at most 300 s); sets drained.
drain() {
  local t0=$EPOCHREALTIME t
  while :; do
    t=$(cget -o /dev/null -w '%{time_total}' "$base/icon.svg") || t=999
    [ "$(calc "$t < 0.05" %d)" = 1 ] && break
    [ "$(calc "$EPOCHREALTIME - $t0 > 300" %d)" = 0 ] || die "the server was still busy 300 s after a run"
    sleep 0.2
  done
  drained=$(calc "$EPOCHREALTIME - $t0" %.1f)
}

# toggle: one write on A that changes site S's answers: P checks in at S
# (`huzhu checkin`), or P's open stay there closes (`huzhu put stays
# kind=out closes=STAY`, what `huzhu checkout` writes; checkout itself
# first computes the whole presence view, 0.15 s here). The state, "in
# STAY" or "out", is kept in $work/toggle for the write loop's subshell.
toggle() {
  local st stay out
  read -r st stay <"$work/toggle"
  if [ "$st" = in ]; then
    timeout -k 5 60 "$HUZHU" -d "$A" --json put stays "person=$P" "site=$S" \
      kind=out "closes=$stay" >/dev/null 2>>"$work/writes.err" || return 1
    echo out >"$work/toggle"
    echo out >>"$work/writes.log"
  else
    out=$(timeout -k 5 60 "$HUZHU" -d "$A" --json checkin "$P" "$S" 2>>"$work/writes.err") || return 1
    stay=$(sed -n 's/^{"id":"\([0-9a-f]*\)"}$/\1/p' <<<"$out")
    [ -n "$stay" ] || return 1
    echo "in $stay" >"$work/toggle"
    echo "in $stay" >>"$work/writes.log"
  fi
}

# fresh KEY PATH: 5 times a write (toggle), then one request of PATH,
# timed (a new curl connection, as alone); the median into r_fresh[KEY].
# Each answer must differ from the one before the write.
declare -A r_fresh
fresh() {
  local t=() i new=0 st prev=$work/fresh.prev body=$work/fresh.body
  cget -o "$prev" "$base$2"
  for i in 1 2 3 4 5; do
    toggle || die "a write (P's check-in or check-out at S) failed: $(tail -2 "$work/writes.err")"
    st=$(cget -o "$body" -w '%{http_code} %{time_total}' "$base$2")
    [ "${st%% *}" = 200 ] || die "GET $2 answered ${st%% *} after a write"
    t+=("${st#* }")
    cmp -s "$prev" "$body" || new=$((new + 1))
    mv "$body" "$prev"
  done
  r_fresh[$1]=$(printf '%s\n' "${t[@]}" | sort -g | sed -n 3p)
  check "$1: the answer after each of 5 writes was new ($new of 5), fresh median $(calc "${r_fresh[$1]} * 1000" %.1f) ms" \
    "$([ "$new" = 5 ] && echo 1 || echo 0)"
}

# writer MS SECS: a write (toggle) every MS ms, for at most SECS s or until
# $work/writer.stop exists; "writes failed" into $work/writer.out, each
# write's ms a line of $work/writer.ms. Run in the background.
writer() {
  local n=0 bad=0 t0=$EPOCHREALTIME w0 d
  : >"$work/writer.ms"
  while [ ! -e "$work/writer.stop" ] && [ "$(calc "$EPOCHREALTIME - $t0 < $2" %d)" = 1 ]; do
    w0=$EPOCHREALTIME
    if toggle; then n=$((n + 1)); else bad=$((bad + 1)); fi
    {
      calc "($EPOCHREALTIME - $w0) * 1000" %.1f
      echo
    } >>"$work/writer.ms"
    d=$(calc "$t0 + ($n + $bad) * $1 / 1000 - $EPOCHREALTIME" %.3f)
    if [ "$(calc "$d > 0" %d)" = 1 ]; then sleep "$d"; fi
  done
  echo "$n $bad" >"$work/writer.out"
}

# load KEY SECONDS PATH...: one wrk run of the paths in rotation; results
# in the arrays below under KEY. A status outside 2xx, a socket error or a
# timeout is a failed check. With load_writes=MS the write loop runs
# beside wrk (started just before, stopped just after); its writes into
# r_writes, r_wrate (per second), r_wms (a write's median ms).
declare -A r_rps r_p50 r_p99 r_req r_secs r_cpu r_little r_drain r_alone r_hwm r_writes r_wrate r_wms
load_writes=""
load() {
  local key=$1 secs=$2 c0 c1 line w0 wn wbad n
  shift 2
  if [ $# -le 4 ]; then
    say "$key: wrk -t$threads -c$conns -d${secs}s over $*${load_writes:+ (a write every $load_writes ms)}"
  else
    say "$key: wrk -t$threads -c$conns -d${secs}s over $# URLs ($1 ...)"
  fi
  hwm_reset
  c0=$(cpu_ticks "$a_pid")
  if [ -n "$load_writes" ]; then
    rm -f "$work/writer.stop" "$work/writer.out"
    w0=$EPOCHREALTIME
    writer "$load_writes" $((secs + 10)) &
    writer_pid=$!
  fi
  HZ_COOKIE=$cookie HZ_PATHS="$*" timeout -k 5 $((secs + 200)) \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 120s -s "$work/load.lua" \
    "$base/" >"$work/$key.wrk" 2>&1 || die "wrk failed: $(tail -3 "$work/$key.wrk")"
  if [ -n "$load_writes" ]; then
    touch "$work/writer.stop"
    gone_within "$writer_pid" 700 || die "the write loop did not stop within 70 s"
    wait "$writer_pid" || true
    writer_pid=""
    read -r wn wbad <"$work/writer.out" || die "the write loop reported nothing"
    r_writes[$key]=$wn
    r_wrate[$key]=$(calc "$wn / ($EPOCHREALTIME - $w0)" %.1f)
    r_wms[$key]=$(sort -g "$work/writer.ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    check "$key: $wn writes beside the load, none failed ($wbad)" \
      "$([ "$wbad" = 0 ] && [ "$wn" -gt 0 ] && echo 1 || echo 0)"
  fi
  c1=$(cpu_ticks "$a_pid")
  r_hwm[$key]=$(status_kb "$a_pid" VmHWM)
  line=$(grep '^HZ ' "$work/$key.wrk") || die "wrk printed no summary: $(tail -3 "$work/$key.wrk")"
  read -r _ req us _ bad p50 _ p99 _ errs <<<"$line"
  r_req[$key]=$req r_p50[$key]=$p50 r_p99[$key]=$p99
  r_secs[$key]=$(calc "$us / 1e6" %.1f)
  r_rps[$key]=$(calc "$req / ($us / 1e6)" %.2f)
  r_little[$key]=n/a r_cpu[$key]=n/a
  if [ "$req" -gt 0 ]; then
    r_little[$key]=$(calc "$conns / ($req / ($us / 1e6)) * 1000" %.1f)
    r_cpu[$key]=$(calc "($c1 - $c0) / $tck / $req * 1000" %.3f)
  fi
  check "$key: $req requests, all 2xx ($bad others), no socket errors or timeouts ($errs)" \
    "$([ "$bad" = 0 ] && [ "$errs" = 0 ] && [ "$req" -gt 0 ] && echo 1 || echo 0)"
  drain
  r_drain[$key]=$drained
}

# run length for one request's time alone $1 (seconds): 3 x C x it,
# within --duration and --max-duration
run_secs() {
  local secs
  secs=$(calc "$1 * 3 * $conns" %.0f)
  echo $((secs < dur_min ? dur_min : secs > dur_max ? dur_max : secs))
}

# The URLs (set once A is filled, S known): dash, the shelter page's four
# requests (pages.shelter in app.js); names, their keys; village, the
# village page's; whole, presence for every site; every, each site's
# three views.
# run_all PROTO: the fresh answers alone; the static limit; each of the
# shelter page's URLs, the page's mix, the village view and the whole
# presence, all as shared answers; every site's pages and the page with
# writes, fresh.
run_all() {
  local pr=$1 i s sum=0 fsum=0 secs ms
  say "$pr: fresh answers alone (a write, then the request; 5 times each)"
  for i in 1 2 3; do fresh "$pr.${names[i]}" "${dash[i]}"; done
  fresh "$pr.unaccounted" "$village"
  fresh "$pr.whole" "$whole"
  r_alone[$pr.static]=$(alone /app.js)
  load "$pr.static" "$dur_min" /app.js
  for i in "${!dash[@]}"; do
    s=$(alone "${dash[i]}")
    r_alone[$pr.${names[i]}]=$s
    sum=$(calc "$sum + $s" %.4f)
    load "$pr.${names[i]}" "$(run_secs "$s")" "${dash[i]}"
  done
  r_alone[$pr.mix]=$(calc "$sum / 4" %.4f)
  load "$pr.mix" "$(run_secs "${r_alone[$pr.mix]}")" "${dash[@]}"
  r_alone[$pr.unaccounted]=$(alone "$village")
  load "$pr.unaccounted" "$(run_secs "${r_alone[$pr.unaccounted]}")" "$village"
  r_alone[$pr.whole]=$(alone "$whole")
  load "$pr.whole" "$(run_secs "${r_alone[$pr.whole]}")" "$whole"
  # every site's shelter page: more answers than the server keeps, each
  # computed; "alone" is the mean of S's three fresh times
  for i in 1 2 3; do fsum=$(calc "$fsum + ${r_fresh[$pr.${names[i]}]}" %.4f); done
  r_alone[$pr.every]=$(calc "$fsum / 3" %.4f)
  r_fresh[$pr.every]=${r_alone[$pr.every]}
  load "$pr.every" "$(run_secs "${r_alone[$pr.every]}")" "${every[@]}"
  for ms in "${writes_ms[@]}"; do
    r_alone[$pr.w$ms]=${r_alone[$pr.mix]}
    secs=$((20 < dur_min ? dur_min : 20 > dur_max ? dur_max : 20))
    load_writes=$ms
    load "$pr.w$ms" "$secs" "${dash[@]}"
    load_writes=""
  done
  fresh_check "$pr"
}

# fresh_check PROTO: after the writes, the served answers for S agree
# with the CLI's: S's present count, and P in presence?site=S as written.
fresh_check() {
  local served cli want got
  served=$(cget "$base${dash[1]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["present"])')
  cli=$(hz -d "$A" show occupancy | python3 -c '
import json, sys
print([s["present"] for s in json.load(sys.stdin) if s["site"] == sys.argv[1]][0])' "$S")
  read -r want _ <"$work/toggle"
  got=$(cget "$base${dash[2]}" | python3 -c '
import json, sys
print("in" if any(r["person"] == sys.argv[1] for r in json.load(sys.stdin)) else "out")' "$P")
  check "$1: after the writes the server answers for S as the CLI reads A: present $served (CLI $cli), P $got (written: $want)" \
    "$([ "$served" = "$cli" ] && [ "$got" = "$want" ] && echo 1 || echo 0)"
}

# ---- header
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
  rev="$rev+dirty"
fi
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
  cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
date_s=$(date -u +%Y-%m-%dT%H:%M:%SZ)
libs="libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo ?), GnuTLS $(pkg-config --modversion gnutls 2>/dev/null || echo ?), SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo ?), $({ wrk -v 2>&1 || true; } | head -1 | cut -d' ' -f1-2)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$EPOCHREALTIME

# ---- 1. the nodes
A=$work/A B=$work/B
hz -d "$A" init --name 测试网页基准A >/dev/null
hz -d "$A" network create --name 测试网页基准网 >/dev/null
say "filling A: $households households, $((households * 3)) persons, $((households * 5)) events"
timeout -k 5 $((households / 50 + 300)) "$FILL" "$A" --households "$households" \
  --ids "$work/households.txt" >"$work/fill.json" || die "hz_bench_sync_fill failed"
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$password" | hz -d "$A" user add bench --role admin >/dev/null
hz -d "$B" init --name 测试网页基准B >/dev/null
bkey=$(hz -d "$B" id | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
hz -d "$A" admit "$bkey" --name 测试网页基准B --role coordinator >"$work/admit.json"
hz -d "$B" join "$(jget "$work/admit.json" 'j["token"]')" >/dev/null
hz -d "$A" bundle export "$work/a.bundle" >/dev/null
hz -d "$B" bundle import "$work/a.bundle" >/dev/null
rm -f "$work/a.bundle"
records=$(jget "$work/fill.json" 'j["records"]')
present=$(hz -d "$A" show occupancy | python3 -c '
import json, sys
v = [s["present"] for s in json.load(sys.stdin)]
print("%d %d %d %d" % (len(v), sum(v), min(v), max(v)))')
read -r n_sites n_present min_present max_present <<<"$present"
say "A: $records records; $n_present persons present at $n_sites sites ($min_present-$max_present a site); B holds A's entries"

# S: the first site of the occupancy view; P: a vulnerable person present
# at S and nowhere else, with the stay that keeps P there (the writes
# toggle P's presence, which changes S's three views).
hz -d "$A" show occupancy >"$work/occupancy.json"
hz -d "$A" show presence >"$work/presence.json"
hz -d "$A" show vulnerable >"$work/vulnerable.json"
pick=$(python3 - "$work" <<'PY2'
import json, sys
w = sys.argv[1]
occ = json.load(open(w + "/occupancy.json"))
s = occ[0]
vul = {r["person"] for r in json.load(open(w + "/vulnerable.json")) if r.get("site") == s["site"]}
for r in json.load(open(w + "/presence.json")):
    if r["site"] == s["site"] and r["person"] in vul and not r["several_sites"]:
        print(s["site"], r["person"], r["stay"], s["present"], len(vul))
        break
PY2
)
read -r S P stay S_present S_vulnerable <<<"$pick"
[ -n "${stay:-}" ] || die "no vulnerable person present at one site only (the first site of the occupancy view)"
echo "in $stay" >"$work/toggle"
: >"$work/writes.err"
: >"$work/writes.log"
rm -f "$work/presence.json" "$work/vulnerable.json"
dash=('/api/sites?limit=1000' "/api/views/occupancy?site=$S" "/api/views/presence?site=$S" "/api/views/vulnerable?site=$S")
names=(sites occupancy presence vulnerable)
village=/api/views/unaccounted
whole=/api/views/presence
every=()
while read -r s; do
  for v in occupancy presence vulnerable; do every+=("/api/views/$v?site=$s"); done
done < <(python3 -c 'import json,sys; [print(s["site"]) for s in json.load(open(sys.argv[1]))]' "$work/occupancy.json")
say "the shelter page of S=$S ($S_present present, $S_vulnerable vulnerable); the writes: P=$P checks in there or out"

# ---- 2. plain HTTP
serve_a 127.0.0.1:0
sleep 1
rss0=$(status_kb "$a_pid" VmRSS) hwm0=$(status_kb "$a_pid" VmHWM)
login
http_base=$base
rss1=$(status_kb "$a_pid" VmRSS) hwm1=$(status_kb "$a_pid" VmHWM)
say "serving $base (sync $a_addr), pid $a_pid, idle RSS $(mib "$rss1") MiB"

# Page weight. A first load: the page and what it names, as a browser
# asks for them (Accept-Encoding: gzip). Then the data the shelter page
# loads once logged in (start(): /api/schema, then the page's requests),
# and the village page's.
say "page weight"
pw_rows="" pw_sum=0 pw_gz=0 pw_hdr=0 enc_seen=""
weigh() { # weigh PATH: bytes as sent, gzip -9 of the same, header bytes
  local p=$1 f=$work/weigh.body h=$work/weigh.h st
  st=$(cget -H 'Accept-Encoding: gzip, deflate, br' -D "$h" -o "$f" -w '%{http_code} %{size_header}' "$base$p")
  [ "${st%% *}" = 200 ] || die "GET $p answered ${st%% *}"
  w_hdr=${st#* }
  w_len=$(sed -n 's/^Content-Length: *\([0-9]*\).*/\1/Ip' "$h" | tr -d '\r')
  [ -n "$w_len" ] || w_len=$(stat -c %s "$f")
  w_enc=$(sed -n 's/^Content-Encoding: *\([^ ]*\).*/\1/Ip' "$h" | tr -d '\r')
  w_gz=$(gzip -9 -c "$f" | wc -c)
  [ -z "$w_enc" ] || enc_seen="$enc_seen $p:$w_enc"
}
for p in / /app.js /app.css /icon.svg; do
  weigh "$p"
  pw_rows+="| GET $p | $w_len | $w_gz | $w_hdr |"$'\n'
  pw_sum=$((pw_sum + w_len)) pw_gz=$((pw_gz + w_gz)) pw_hdr=$((pw_hdr + w_hdr))
done
dd_rows="" dd_sum=0 dd_gz=0
for p in /api/me /api/schema "${dash[@]}"; do
  weigh "$p"
  dd_rows+="| GET $p | $w_len | $w_gz | $w_hdr |"$'\n'
  dd_sum=$((dd_sum + w_len)) dd_gz=$((dd_gz + w_gz))
done
weigh "$village"
vw_len=$w_len vw_gz=$w_gz
weigh "$whole"
whole_len=$w_len whole_gz=$w_gz

run_all http
http_rss=$(status_kb "$a_pid" VmRSS)

# ---- 3. live sync while the web is loaded
say "B serves with A as its peer"
hz -d "$B" peer add "$a_addr" >/dev/null
"$HUZHU" -d "$B" --json serve --listen 127.0.0.1:0 --http off --no-discovery \
  >"$work/serveB.out" 2>"$work/serveB.err" &
b_pid=$!
state_hash() { hz -d "$1" state-hash | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_hash"])'; }
converge() { # wait (at most 120 s) until A and B have the same state hash
  local t0=$EPOCHREALTIME
  until [ "$(state_hash "$A")" = "$(state_hash "$B")" ]; do
    kill -0 "$b_pid" 2>/dev/null || die "serve B exited"
    [ "$(calc "$EPOCHREALTIME - $t0 > 120" %d)" = 0 ] || return 1
    sleep 0.2
  done
}
converge || die "A and B did not converge within 120 s of B serving"
say "A and B converged"

mapfile -t hh_ids <"$work/households.txt"
declare -a s_idle_ab s_idle_ba s_load_ab s_load_ba p_idle p_load g_idle g_load
k=0
# sample COND: one write on A (even k) or B (odd k), timed until the other
# node holds it; also the put's own time and one GET /app.js.
sample() {
  local cond=$1 from to id val t0 t1 t2 dir g
  if [ $((k % 2)) = 0 ]; then from=$A to=$B dir=ab; else from=$B to=$A dir=ba; fi
  id=${hh_ids[k % ${#hh_ids[@]}]}
  val="webbench-$k-$RANDOM"
  k=$((k + 1))
  t0=$EPOCHREALTIME
  timeout -k 5 60 "$HUZHU" -d "$from" --json put households --id "$id" "notes=$val" \
    >/dev/null || die "put on $from failed"
  t1=$EPOCHREALTIME
  while :; do
    got=$(timeout -k 5 30 "$HUZHU" -d "$to" --json get households "$id" 2>/dev/null) || got=""
    [[ $got == *"\"$val\""* ]] && break
    [ "$(calc "$EPOCHREALTIME - $t1 > 30" %d)" = 0 ] || {
      check "sync: a write reached the other node within 30 s ($cond, $dir)" 0
      return 0
    }
    sleep 0.01
  done
  t2=$EPOCHREALTIME
  g=$(cget -o /dev/null -w '%{time_total}' "$base/app.js")
  local -n lat=s_${cond}_$dir put=p_$cond get=g_$cond
  lat+=("$(calc "($t2 - $t1) * 1000" %.1f)")
  put+=("$(calc "($t1 - $t0) * 1000" %.1f)")
  get+=("$(calc "$g * 1000" %.1f)")
  sleep 0.$((RANDOM % 5 + 1)) # off the 250 ms push tick's phase
}
half=$((samples / 2))
say "sync latency, idle: $half samples"
for _ in $(seq "$half"); do sample idle; done
say "sync latency under the dashboard mix ($conns connections): $samples samples"
secs=$((samples * 5 + 60))
hwm_reset
c0=$(cpu_ticks "$a_pid")
HZ_COOKIE=$cookie HZ_PATHS="${dash[*]}" wrk -t"$threads" -c"$conns" -d"${secs}s" \
  --timeout 120s -s "$work/load.lua" "$base/" >"$work/sync-load.wrk" 2>&1 &
load_pid=$!
sleep 3
for _ in $(seq "$samples"); do sample load; done
kill -INT "$load_pid" 2>/dev/null || true
gone_within "$load_pid" 300 || die "wrk did not stop within 30 s of SIGINT"
wait "$load_pid" || true
load_pid=""
c1=$(cpu_ticks "$a_pid")
sync_hwm=$(status_kb "$a_pid" VmHWM)
line=$(grep '^HZ ' "$work/sync-load.wrk") || die "the background wrk printed no summary"
read -r _ sl_req sl_us _ sl_bad sl_p50 _ sl_p99 _ sl_errs <<<"$line"
sl_rps=$(calc "$sl_req / ($sl_us / 1e6)" %.2f)
check "sync phase load: $sl_req requests, all 2xx ($sl_bad others), no socket errors or timeouts ($sl_errs)" \
  "$([ "$sl_bad" = 0 ] && [ "$sl_errs" = 0 ] && [ "$sl_req" -gt 0 ] && echo 1 || echo 0)"
drain
say "sync latency, idle again: $((samples - half)) samples"
for _ in $(seq $((samples - half))); do sample idle; done
converge || check "A and B have the same state hash after the samples" 0
check "A and B have the same state hash after the samples" \
  "$([ "$(state_hash "$A")" = "$(state_hash "$B")" ] && echo 1 || echo 0)"
stop_serve b_pid
stop_serve a_pid

# ---- 4. HTTPS
if [ "$https" = 1 ]; then
  serve_a 0.0.0.0:0
  case $base in https://*) ;; *) die "serve --http 0.0.0.0:0 gave $base, not HTTPS" ;; esac
  sleep 1
  tls_rss0=$(status_kb "$a_pid" VmRSS) tls_hwm0=$(status_kb "$a_pid" VmHWM)
  login
  https_base=$base
  tls_rss1=$(status_kb "$a_pid" VmRSS) tls_hwm1=$(status_kb "$a_pid" VmHWM)
  say "serving $base (HTTPS), idle RSS $(mib "$tls_rss1") MiB"
  run_all https
  tls_rss=$(status_kb "$a_pid" VmRSS)
  stop_serve a_pid
fi
# ---- 5. search (hz_bench_search: its own node of 100,000 households)
if [ "$search" = 1 ]; then
  say "hz_bench_search: search latency at 100,000 households (its own fill first)"
  timeout -k 5 1800 "$build/tools/bench/hz_bench_search" "$work/search" \
    >"$work/search.json" || die "hz_bench_search failed"
  rm -rf "$work/search"
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(calc "$EPOCHREALTIME - $t_start" %.0f)

# ---- the tables
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
ratio() { calc "$1 / $2" "${3:-%.4f}"; }
keys=(static sites occupancy presence vulnerable mix unaccounted whole every)
for ms in "${writes_ms[@]}"; do keys+=("w$ms"); done
peak() { # peak PROTO: the highest per-run VmHWM of PROTO's runs
  local m=0 n
  for n in "${keys[@]}"; do
    [ "${r_hwm[$1.$n]}" -gt "$m" ] && m=${r_hwm[$1.$n]}
  done
  echo "$m"
}
search_table() {
  [ "$search" = 1 ] || return 0
  python3 - "$work/search.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print("Search (hz_bench_search, its own node: %d households, %d persons, filled in %.1f s; %d queries a kind; the peer: reading every person row, %.1f ms):" % (j["households"], j["persons"], j["fill_s"], j["queries_per_kind"], j["full_read_ms"]))
print()
print("| query | median ms | p95 ms | max ms | p95 ÷ 1 s | p95 ÷ full read |")
print("|---|---:|---:|---:|---:|---:|")
for k in ("name_2", "name_3", "surname", "phone_4", "id_last_6"):
    x = j[k]
    print("| %s | %.2f | %.2f | %.2f | %.4f | %.3f |" % (k, x["median_ms"], x["p95_ms"], x["max_ms"], x["p95_of_1s"], x["p95_of_full_read"]))
print()
PY
}
peak_cells() {
  [ "$https" = 1 ] || return 0
  echo "$(mib "${r_hwm[https.static]}") / $(mib "${r_hwm[https.mix]}") / $(mib "${r_hwm[https.every]}") / $(mib "$(peak https)")"
}
ms1() { if [ -n "${1:-}" ]; then calc "$1 * 1000" %.1f; else echo -; fi; }
# answers PROTO KEY: how the run's view answers were made, from what the
# serve spent per request against a fresh answer alone over plain HTTP
# (over HTTPS the time alone includes a handshake)
answers() {
  local k=$1.$2
  if [ "${r_cpu[$k]}" = n/a ]; then
    echo "no request completed"
  elif [ "$(calc "${r_cpu[$k]} < 0.25 * ${r_fresh[http.$2]} * 1000" %d)" = 1 ]; then
    echo "shared (cache hits)"
  else
    echo "**computed at each request**"
  fi
}
row() { # row PROTO KEY LABEL ANSWERS
  local k=$1.$2
  echo "| $3 | $4 | ${r_rps[$k]} | $(ratio "${r_rps[$k]}" "${r_rps[$1.static]}") | ${r_p50[$k]} | ${r_p99[$k]} | ${r_little[$k]} | $(ms1 "${r_alone[$k]}") | $(ms1 "${r_fresh[$k]:-}") | ${r_cpu[$k]} | $(mib "${r_hwm[$k]}") | ${r_req[$k]} in ${r_secs[$k]} s | ${r_drain[$k]} |"
}
table() { # table PROTO
  local ms k v
  echo "| GET | answers | req/s | ÷ static req/s | latency p50 ms | p99 ms | C ÷ req/s, ms | alone, ms | alone after a write (fresh), ms | serve CPU ms per completed request | serve peak RSS MiB | requests | drain s |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row "$1" static "/app.js (the limit)" "a static file"
  row "$1" sites "/api/sites?limit=1000" "computed at each request (not a view)"
  for v in occupancy presence vulnerable; do
    row "$1" "$v" "/api/views/$v?site=S" "$(answers "$1" "$v")"
  done
  row "$1" mix "**the shelter page**: the 4 above in rotation" "shared, but sites computed"
  row "$1" unaccounted "/api/views/unaccounted (the village page)" "$(answers "$1" unaccounted)"
  row "$1" whole "/api/views/presence, every site's ($(kib "$whole_len") KiB; beside the earlier runs, no page asks for it)" "$(answers "$1" whole)"
  row "$1" every "every site's shelter page: its 3 views at each of the $n_sites sites ($((3 * n_sites)) URLs) in rotation" "$(answers "$1" every)"
  for ms in "${writes_ms[@]}"; do
    k=$1.w$ms
    row "$1" "w$ms" "the shelter page, a write every $ms ms: ${r_writes[$k]} writes, ${r_wrate[$k]}/s (a write's own median ${r_wms[$k]} ms)" "shared, fresh after each write"
  done
  echo
  echo "Shelter page loads per second (the mix ÷ 4): $(calc "${r_rps[$1.mix]} / 4"); ÷ static req/s: $(ratio "${r_rps[$1.mix]} / 4" "${r_rps[$1.static]}" %.5f). Alone after a write (fresh), one site's shelter page costs occupancy + presence + vulnerable = $(ms1 "$(calc "${r_fresh[$1.occupancy]} + ${r_fresh[$1.presence]} + ${r_fresh[$1.vulnerable]}" %.4f)") ms; the village page $(ms1 "${r_fresh[$1.unaccounted]}") ms."
}
cat <<EOF

## Web interface under load: $households households, $n_present persons present at $n_sites sites

machine: $machine
date: $date_s; commit: $rev; $libs
command: tools/bench/web.sh $args
load average (1, 5, 15 min): $load_start at the start, $load_end at the end; $elapsed s in all
data: $records records in $(jget "$work/fill.json" 'j["entries"]') entries (hz_bench_sync_fill), $min_present-$max_present persons present a site
load: wrk, $threads threads, $conns connections, keep-alive, one session cookie; wrk runs on the same machine
shelter: S = $S ($S_present present, $S_vulnerable vulnerable); the writes: P = $P (vulnerable, present at S) checks in at S or out, a \`huzhu\` process on A each; $(wc -l <"$work/writes.log") writes in all
"answers": "shared" when the serve spent less CPU per request than a quarter of a fresh answer's time alone over HTTP; "alone" is one request as the run serves it (curl, median of 3 after one to warm; for every site's pages the fresh time, the mean of S's three); "alone after a write" is the median of 5 (a write, then the request)

Plain HTTP ($http_base):

$(table http)
EOF
if [ "$https" = 1 ]; then
  cat <<EOF

HTTPS ($https_base, TLS with the node's self-signed certificate; wrk keeps its connections, so one handshake per connection; "alone" is a new curl connection, handshake included):

$(table https)

HTTPS ÷ HTTP, req/s: static $(ratio "${r_rps[https.static]}" "${r_rps[http.static]}" %.2f), the shelter page $(ratio "${r_rps[https.mix]}" "${r_rps[http.mix]}" %.2f), every site's pages $(ratio "${r_rps[https.every]}" "${r_rps[http.every]}" %.2f), presence of every site $(ratio "${r_rps[https.whole]}" "${r_rps[http.whole]}" %.2f).
EOF
fi
cat <<EOF

Memory of the serving process (VmRSS and VmHWM from /proc/PID/status; per run: $hwm_how):

| when | HTTP: MiB | HTTPS: MiB |
|---|---:|---:|
| idle, 1 s after the start: VmRSS / VmHWM | $(mib "$rss0") / $(mib "$hwm0") | $(mibo "${tls_rss0:-}") / $(mibo "${tls_hwm0:-}") |
| idle, after the login (Argon2id, 32 MiB): VmRSS / VmHWM | $(mib "$rss1") / $(mib "$hwm1") | $(mibo "${tls_rss1:-}") / $(mibo "${tls_hwm1:-}") |
| peak during a load run: static / the shelter page / every site's pages / highest of the runs | $(mib "${r_hwm[http.static]}") / $(mib "${r_hwm[http.mix]}") / $(mib "${r_hwm[http.every]}") / $(mib "$(peak http)") | $(peak_cells) |
| peak during the loaded sync phase (B's session open, the shelter page's mix running) | $(mib "$sync_hwm") | |
| VmRSS after the runs | $(mib "$http_rss") | $(mibo "${tls_rss:-}") |
EOF
cat <<EOF

Page weight (bytes of the body as sent with Accept-Encoding: gzip; the server compresses nothing$([ -z "$enc_seen" ] || echo " except$enc_seen"); gzip -9 of the same bytes for comparison):

| first load of the interface | bytes | gzip -9 | header bytes |
|---|---:|---:|---:|
$pw_rows| all four | $pw_sum | $pw_gz | $pw_hdr |

$pw_sum bytes ($(kib "$pw_sum") KiB) against the aim of 300 KB: $(ratio "$pw_sum" 300000 %.3f) of it ($(ratio "$pw_gz" 300000 %.3f) if gzipped).

| then the shelter page's data (after login) | bytes | gzip -9 | header bytes |
|---|---:|---:|---:|
$dd_rows| all | $dd_sum | $dd_gz | |

First shelter page in all: $((pw_sum + dd_sum)) bytes ($(kib $((pw_sum + dd_sum))) KiB), $(ratio $((pw_sum + dd_sum)) 300000 %.2f) x the 300 KB aim ($(ratio $((pw_gz + dd_gz)) 300000 %.2f) x if gzipped). The village page's data, GET $village: $vw_len bytes ($vw_gz gzipped). Presence of every site, GET $whole: $whole_len bytes ($whole_gz gzipped).

Live sync while the web is loaded (a \`huzhu put\` on one node until \`huzhu get\` on the other shows it, polled every 10 ms; the serving nodes push new rows every 250 ms; idle: $half samples before the load and $((samples - half)) after; loaded: $samples during the shelter page's mix at $sl_rps req/s, p50 $sl_p50 ms, p99 $sl_p99 ms, $sl_req requests all 2xx):

| ms | idle median | idle max | loaded median | loaded max | loaded ÷ idle, median |
|---|---:|---:|---:|---:|---:|
| A -> B (written on the loaded node) | $(med "${s_idle_ab[@]}") | $(maxof "${s_idle_ab[@]}") | $(med "${s_load_ab[@]}") | $(maxof "${s_load_ab[@]}") | $(ratio "$(med "${s_load_ab[@]}")" "$(med "${s_idle_ab[@]}")" %.2f) |
| B -> A (taken in by the loaded node) | $(med "${s_idle_ba[@]}") | $(maxof "${s_idle_ba[@]}") | $(med "${s_load_ba[@]}") | $(maxof "${s_load_ba[@]}") | $(ratio "$(med "${s_load_ba[@]}")" "$(med "${s_idle_ba[@]}")" %.2f) |
| both directions | $(med "${s_idle_ab[@]}" "${s_idle_ba[@]}") | $(maxof "${s_idle_ab[@]}" "${s_idle_ba[@]}") | $(med "${s_load_ab[@]}" "${s_load_ba[@]}") | $(maxof "${s_load_ab[@]}" "${s_load_ba[@]}") | $(ratio "$(med "${s_load_ab[@]}" "${s_load_ba[@]}")" "$(med "${s_idle_ab[@]}" "${s_idle_ba[@]}")" %.2f) |
| the put itself (a CLI process, one fsync) | $(med "${p_idle[@]}") | $(maxof "${p_idle[@]}") | $(med "${p_load[@]}") | $(maxof "${p_load[@]}") | $(ratio "$(med "${p_load[@]}")" "$(med "${p_idle[@]}")" %.2f) |
| one GET /app.js beside it | $(med "${g_idle[@]}") | $(maxof "${g_idle[@]}") | $(med "${g_load[@]}") | $(maxof "${g_load[@]}") | $(ratio "$(med "${g_load[@]}")" "$(med "${g_idle[@]}")" %.1f) |

$(search_table)
checks failed: $fails (every response 2xx, no socket errors or timeouts, every write synced, state hashes equal, serve exits 0; FAIL lines on stderr otherwise)
EOF
for x in "${failed[@]}"; do echo "  FAIL: $x"; done
[ "$fails" = 0 ]
