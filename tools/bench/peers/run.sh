#!/usr/bin/env bash
# tools/bench/peers/run.sh - huzhu's full live sync beside the two peers a
# user would pick instead, PouchDB's HTTP replication and Yjs's state sync,
# on the same records, in one run.
#
#   tools/bench/peers/run.sh                    # 100,000 households (900,000
#                                               # records), as sync.sh
#   tools/bench/peers/run.sh --households 5000  # a quick run (45,000 records)
#   options: --keep (keep the work directory), --dir DIR (parent of the
#   work directory, default $TMPDIR or /tmp), --timeout S (bound on each
#   step of the peers, default from the size), --per-entry N (passed to
#   sync.sh), --pouch-batch-size N (PouchDB's batch_size; default PouchDB's
#   own, 100), --no-netns (run sync.sh in this network namespace)
#
# What it does:
#   1. huzhu: runs tools/bench/sync.sh --households N --keep into the work
#      directory, in a network namespace of its own (below; it builds
#      build-bench/, fills node A through
#      hz_bench_sync_fill, one user action per entry, and times a full
#      sync: `huzhu -d A serve` on 127.0.0.1, `huzhu -d B1 sync ADDR` from
#      an empty member), and takes from its table the rows "full sync:
#      wall s", "records per wall s", "message bytes per record", "CPU s"
#      and "peak RSS MiB, sync client / serve".
#   2. The same records: `huzhu -d C1 --json ls TABLE` for households,
#      persons, stays, warnings, stock_moves (the records, counted as
#      sync.sh counts them) and sites, items (60 setup rows, given to the
#      peers too, not counted). C1 is sync.sh's import member: it holds
#      what A held when B1 synced (sync.sh checked both against A's state
#      hash), before sync.sh's concurrent-edit step changed A and B1.
#      prep.js writes them one a line and their digest; the counts must
#      equal what hz_bench_sync_fill wrote.
#   3. PouchDB (pouch.js): setup, not timed: a source database on disk
#      (LevelDB adapter), one document a record (_id = row id, type =
#      table, the columns as properties). Then a Node process serves it
#      with express + express-pouchdb on 127.0.0.1, and another runs
#      PouchDB.replicate(URL, target) once, into an empty database on disk,
#      until complete. Wall time: opening the target to the replication's
#      end. Bytes: HTTP request + response bytes (headers included) on
#      every socket the server accepted. Afterwards the target's documents
#      must match the records' digest.
#   4. Yjs (yjs.js), twice: rows of the entity tables as nested Y.Maps
#      (per-field merge, like huzhu's registers; events as plain values),
#      then every row a plain object value (one register a row). Setup,
#      not timed: document A built and its update written to a file.
#      Process A loads it and listens on 127.0.0.1; process B (an empty
#      doc) connects and runs the state-vector exchange (each side sends
#      its state vector and answers the other's with
#      Y.encodeStateAsUpdate(doc, vector)). Wall time: connect to A's
#      update applied on B. Bytes: everything on the socket, both ways
#      (4-byte frame lengths included). B's rows must match the digest.
#   5. Prints the machine, versions, one table (rows: huzhu, PouchDB, Yjs
#      twice) and the ratios against huzhu, then what each side does that
#      the others do not.
#
# How to read it: "records per wall s" is the records (households +
# persons + events) over the wall time of the receiving side's sync (huzhu:
# the `huzhu sync` process, start to exit; PouchDB: the replication; Yjs:
# connect to applied). Bytes on the wire per record counts application
# bytes both ways, no TCP/IP headers (huzhu: message plaintext as `sync
# --json` reports it, frame tags and handshake not counted, about 1 % more;
# PouchDB: HTTP with its headers, bodies as sent, gzip where the server
# compressed them; Yjs: the frames). Peak RSS: huzhu's client by GNU time
# %M, its serve by VmHWM before SIGTERM; the Node processes by their own
# VmHWM, read when the receiving side has finished (before its check) and
# when the sending side is sent SIGTERM. Ratios: huzhu ÷ peer for records
# per second (above 1: huzhu is faster), peer ÷ huzhu for bytes and RSS
# (above 1: the peer uses more).
#
# The network namespace: sync.sh's `huzhu serve` listens for sync on
# 127.0.0.1, but also opens its web interface on 0.0.0.0:8080 and LAN
# discovery on UDP 7421 (serve's defaults, which sync.sh keeps). Two of
# them on one machine collide (the later serve exits: "serve exited
# before listening"), and discovery would reach other huzhu nodes. As root
# with unshare(1) and ip(8) (util-linux, iproute2), sync.sh therefore runs
# in a new network namespace with only its loopback up, and a mount
# namespace whose /sys shows that namespace's loopback counter (sync.sh's
# "loopback tx bytes" then counts the sync's own traffic only). Without
# them, or with --no-netns, it runs as it is; the table says which.
#
# Only 127.0.0.1 is used. Every wait is bounded (timeout on each step, 60
# s for a server to stop after SIGTERM); the processes it started and the
# work directory are removed on exit, error or signal (unless --keep). It
# installs its own npm packages (npm ci, from package-lock.json) when
# node_modules/ is missing. A failed step stops the run (exit 1); a failed
# check (counts, digests, sync.sh's checks) is printed as FAIL and makes
# the exit code 1. HZ_BENCH_BUILD overrides the build directory, as for
# sync.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${HZ_BENCH_BUILD:-$root/build-bench}
args="$*"

households=100000
parent=${TMPDIR:-/tmp}
keep=0
limit=""
per_entry=""
batch_size=""
netns=1
usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --households)
    [ $# -ge 2 ] || usage
    households=$2
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
  --per-entry)
    [ $# -ge 2 ] || usage
    per_entry=$2
    shift
    ;;
  --pouch-batch-size)
    [ $# -ge 2 ] || usage
    batch_size=$2
    shift
    ;;
  --keep) keep=1 ;;
  --no-netns) netns=0 ;;
  -h | --help) usage ;;
  *) usage ;;
  esac
  shift
done
[[ $households =~ ^[1-9][0-9]*$ ]] || usage
[ -z "$limit" ] || [[ $limit =~ ^[1-9][0-9]*$ ]] || usage
[ -z "$per_entry" ] || [[ $per_entry =~ ^[1-9][0-9]*$ ]] || usage
[ -z "$batch_size" ] || [[ $batch_size =~ ^[1-9][0-9]*$ ]] || usage
# Bound on each step of the peers (load, serve, replicate, build, sync):
# 20 ms a household, at least 10 minutes. sync.sh bounds its own steps;
# the whole of it is bounded by 40 ms a household, at least 30 minutes.
[ -n "$limit" ] || limit=$((households / 50 > 600 ? households / 50 : 600))
sync_limit=$((households / 25 > 1800 ? households / 25 : 1800))
[ "${BASH_VERSINFO[0]}" -ge 5 ] || {
  echo "peers/run.sh: bash 5 needed (EPOCHREALTIME)" >&2
  exit 2
}
for t in node npm python3 timeout; do
  command -v "$t" >/dev/null || {
    echo "peers/run.sh: $t needed (Debian: apt-get install nodejs npm python3 coreutils)" >&2
    exit 2
  }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || {
  echo "peers/run.sh: Node.js 18 or later needed (have $(node --version))" >&2
  exit 2
}
# Room for a large Yjs document (V8's default heap limit would stop it
# near 4 GiB); it raises a ceiling only, it reserves nothing.
NODE=(node --max-old-space-size=16384)

say() { echo "peers/run.sh: $*" >&2; }
# jget, calc, mib, bounded
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"

# ---- npm packages (pinned by package-lock.json), when missing
if [ ! -d "$here/node_modules" ]; then
  say "installing the npm packages (npm ci) in $here"
  (cd "$here" && timeout -k 10 900 npm ci --no-audit --no-fund >&2) || {
    echo "peers/run.sh: npm ci failed" >&2
    exit 1
  }
fi

# ---- work directory, cleanup
work=$(mktemp -d "$parent/huzhu-peers-bench.XXXXXX")
run_pid="" bg_pid=""
stop_quietly() { # stop_quietly PID: TERM, at most 10 s, then KILL
  local pid=$1
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  stop_quietly "$run_pid"
  stop_quietly "$bg_pid"
  if [ "$keep" = 1 ]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
  echo "peers/run.sh: FAILED: $*" >&2
  exit 1
}
fails=0
failed=()
check() { # check TEXT OK?
  if [ "$2" = 1 ]; then
    say "ok: $1"
  else
    say "FAIL: $1"
    fails=$((fails + 1))
    failed+=("$1")
  fi
}

# step NAME CMD...: bounded by $limit, stdout to NAME.out, stderr to
# NAME.err; sets wall (s). A failure stops the run.
step() {
  local name=$1 rc=0 t0 t1
  shift
  t0=$EPOCHREALTIME
  bounded "$limit" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  t1=$EPOCHREALTIME
  wall=$(calc "$t1 - $t0" %.3f)
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    die "$name did not finish within $limit s (timeout): $*"
  fi
  if [ "$rc" != 0 ]; then
    tail -5 "$work/$name.err" >&2
    die "$name exited $rc: $*"
  fi
}

# bg_start NAME CMD...: a server in the background; waits (at most $limit
# s: a large document takes a while to load) for its
# {"listening":"127.0.0.1:PORT"} line; sets bg_pid and addr.
bg_start() {
  local name=$1 n=0
  shift
  : >"$work/$name.out"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  bg_pid=$!
  addr=""
  while :; do
    addr=$(sed -n 's/^{"listening":"\(127\.0\.0\.1:[0-9]*\)"}$/\1/p' "$work/$name.out")
    [ -n "$addr" ] && break
    kill -0 "$bg_pid" 2>/dev/null || {
      tail -5 "$work/$name.err" >&2
      die "$name exited before listening"
    }
    n=$((n + 1))
    [ "$n" -lt $((limit * 10)) ] || die "$name did not say where it listens in $limit s"
    sleep 0.1
  done
}

# bg_stop NAME: SIGTERM (the server writes its report, then exits 0); at
# most 60 s.
bg_stop() {
  local name=$1 rc=0 n=0
  kill -TERM "$bg_pid"
  while kill -0 "$bg_pid" 2>/dev/null; do
    n=$((n + 1))
    if [ "$n" -ge 600 ]; then
      kill -KILL "$bg_pid" 2>/dev/null || true
      die "$name did not stop within 60 s of SIGTERM"
    fi
    sleep 0.1
  done
  wait "$bg_pid" || rc=$?
  bg_pid=""
  [ "$rc" = 0 ] || die "$name exited $rc after SIGTERM (expected 0)"
  [ -s "$work/$name.json" ] || die "$name wrote no report"
}

pkgver() { jget "$here/node_modules/$1/package.json" 'j["version"]'; }

# ---- header facts
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
  rev="$rev+dirty"
fi
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
  cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
date_s=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
versions="Node.js $(node --version), pouchdb-node $(pkgver pouchdb-node) (leveldown $(pkgver leveldown)), express-pouchdb $(pkgver express-pouchdb), express $(pkgver express), yjs $(pkgver yjs)"
t_start=$EPOCHREALTIME
say "work directory $work; $households households; bound $limit s per step of the peers"

# ---- 1. huzhu: sync.sh, its nodes kept in the work directory
in_ns=()
ns_how="in this machine's network namespace (--no-netns, or not root, or no unshare/ip): its serve's web port 0.0.0.0:8080 and UDP discovery are shared with anything else on the machine, and its loopback counter counts all of the machine's loopback traffic"
if [ "$netns" = 1 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
  command -v ip >/dev/null && unshare -n -m true 2>/dev/null; then
  # shellcheck disable=SC2016 # expanded by the inner bash
  in_ns=(unshare -n -m bash -c 'ip link set lo up && mount -t sysfs sysfs /sys && exec "$@"' netns)
  ns_how="in a network namespace of its own (only lo, up; /sys remounted there, so its loopback counter counts its own traffic)"
fi
say "huzhu: tools/bench/sync.sh --households $households --keep (its own output: $work/sync.err), ${ns_how%% (*}"
t0=$EPOCHREALTIME
sync_rc=0
bounded "$sync_limit" "${in_ns[@]}" "$root/tools/bench/sync.sh" --households "$households" \
  --keep --dir "$work" ${per_entry:+--per-entry "$per_entry"} \
  >"$work/sync.out" 2>"$work/sync.err" || sync_rc=$?
sync_s=$(calc "$EPOCHREALTIME - $t0" %.0f)
if [ "$sync_rc" = 124 ] || [ "$sync_rc" = 137 ]; then
  die "sync.sh did not finish within $sync_limit s"
fi
grep -q '^| full sync: records per wall s |' "$work/sync.out" || {
  tail -5 "$work/sync.err" >&2
  die "sync.sh exited $sync_rc without its table"
}
check "sync.sh's own checks passed (exit $sync_rc; state hashes, counts, conflicts)" \
  "$([ "$sync_rc" = 0 ] && echo 1 || echo 0)"
# row LABEL: the first cell after the label in sync.sh's table
row() {
  awk -F'|' -v l="$1" '{ x = $2; gsub(/^ +| +$/, "", x) } x == l { y = $3; gsub(/^ +| +$/, "", y); print y; exit }' "$work/sync.out"
}
hz_wall=$(row "full sync: wall s (huzhu sync process)")
hz_rps=$(row "full sync: records per wall s")
hz_bpr=$(row "full sync: message bytes per record")
hz_bytes=$(row "full sync: message bytes sent + received")
hz_lo=$(row "full sync: loopback tx bytes per record (whole machine: other loopback traffic counts too)")
hz_cpu=$(row "full sync: CPU s, sync client / serve")
hz_rss=$(row "full sync: peak RSS MiB, sync client / serve")
if [ -z "$hz_wall" ] || [ -z "$hz_rps" ] || [ -z "$hz_bpr" ] || [ -z "$hz_rss" ]; then
  die "could not read sync.sh's table rows ($work/sync.out)"
fi
hz_rss_recv=${hz_rss%% / *} hz_rss_send=${hz_rss##* / }
hz_cpu_recv=${hz_cpu%% / *} hz_cpu_send=${hz_cpu##* / }
hz_date=$(sed -n 's/^date: //p' "$work/sync.out")
hz_rev=$(sed -n 's/^date: .*; commit: \([^;]*\);.*$/\1/p' "$work/sync.out")
hz_libs=$(sed -n 's/^date: .*; commit: [^;]*; //p' "$work/sync.out")
hz_data=$(sed -n 's/^data: //p' "$work/sync.out")
hzdir=$(find "$work" -maxdepth 1 -type d -name 'huzhu-sync-bench.*' | head -1)
if [ -z "$hzdir" ] || [ ! -d "$hzdir/C1" ]; then
  die "sync.sh kept no nodes in $work"
fi
records=$(jget "$hzdir/fill.json" 'j["records"]')

# ---- 2. the same records, from C1
HUZHU=$build/huzhu
say "exporting the records from C1 (huzhu --json ls)"
mkdir "$work/export"
t0=$EPOCHREALTIME
for t in households persons stays warnings stock_moves sites items; do
  step "ls-$t" "$HUZHU" -d "$hzdir/C1" --json ls "$t"
  mv "$work/ls-$t.out" "$work/export/$t.json"
done
step prep "${NODE[@]}" "$here/prep.js" "$work/export" "$work/records.ndjson" "$work/prep.json"
export_s=$(calc "$EPOCHREALTIME - $t0")
rm -rf "$work/export"
p() { jget "$work/prep.json" "$1"; }
f() { jget "$hzdir/fill.json" "$1"; }
check "the export holds the records hz_bench_sync_fill wrote: $(p 'j["tables"]["households"]') households, $(p 'j["tables"]["persons"]') persons, $(p 'j["tables"]["stays"] + j["tables"]["warnings"] + j["tables"]["stock_moves"]') events, $(p 'j["others"]') sites and items" \
  "$([ "$(p 'j["records"]')" = "$records" ] &&
    [ "$(p 'j["tables"]["households"]')" = "$(f 'j["households"]')" ] &&
    [ "$(p 'j["tables"]["persons"]')" = "$(f 'j["persons"]')" ] &&
    [ "$(p 'j["tables"]["stays"] + j["tables"]["warnings"] + j["tables"]["stock_moves"]')" = "$(f 'j["events"]')" ] &&
    [ "$(p 'j["others"]')" = "$(f 'j["other_rows"]')" ] && echo 1 || echo 0)"
digest=$(p 'j["digest"]')
ndjson_bpr=$(calc "$(p 'j["ndjson_bytes"]') / $records" %.1f)

# ---- 3. PouchDB
t_pouch=$EPOCHREALTIME
say "PouchDB: loading the source database (setup)"
mkdir "$work/pouch" "$work/pouch-dst"
step pouch-load "${NODE[@]}" "$here/pouch.js" load "$work/pouch" "$work/records.ndjson" "$work/pouch-load.json"
pouch_load_s=$wall
pouch_src_mib=$(du -sm "$work/pouch" | cut -f1)
say "PouchDB: serve (express-pouchdb) and replicate"
bg_start pouch-serve "${NODE[@]}" "$here/pouch.js" serve "$work/pouch" "$work/pouch-serve.json"
step pouch-repl "${NODE[@]}" "$here/pouch.js" replicate "http://$addr/src" \
  "$work/pouch-dst" "$work/prep.json" "$work/pouch-repl.json" ${batch_size:+"$batch_size"}
pouch_proc_s=$wall
bg_stop pouch-serve
pouch_dst_mib=$(du -sm "$work/pouch-dst" | cut -f1)
rm -rf "$work/pouch" "$work/pouch-dst"
pouch_all_s=$(calc "$EPOCHREALTIME - $t_pouch" %.0f)
pr() { jget "$work/pouch-repl.json" "$1"; }
ps_() { jget "$work/pouch-serve.json" "$1"; }
pouch_s=$(pr 'j["seconds"]')
pouch_req=$(ps_ 'j["bytes_read"]') pouch_resp=$(ps_ 'j["bytes_written"]')
pouch_bytes=$((pouch_req + pouch_resp))
check "PouchDB: replication ok, $(pr 'j["docs_written"]') of $(pr 'j["expected_docs"]') documents written, $(pr 'j["doc_write_failures"]') failures; the target's documents have the records' digest" \
  "$([ "$(pr 'j["ok"]')" = True ] && [ "$(pr 'j["docs_written"]')" = "$(pr 'j["expected_docs"]')" ] &&
    [ "$(pr 'j["doc_count"]')" = "$(pr 'j["expected_docs"]')" ] &&
    [ "$(pr 'j["doc_write_failures"]')" = 0 ] && [ "$(pr 'j["digest_ok"]')" = True ] && echo 1 || echo 0)"

# ---- 4. Yjs, two shapes
declare -A y_all_s
for shape in fields plain; do
  t_y=$EPOCHREALTIME
  say "Yjs ($shape): building document A (setup)"
  step "yjs-build-$shape" "${NODE[@]}" "$here/yjs.js" build "$work/records.ndjson" "$shape" \
    "$work/yjs-$shape.update" "$work/yjs-build-$shape.json"
  say "Yjs ($shape): A serves, B syncs"
  bg_start "yjs-send-$shape" "${NODE[@]}" "$here/yjs.js" send "$work/yjs-$shape.update" "$work/yjs-send-$shape.json"
  step "yjs-recv-$shape" "${NODE[@]}" "$here/yjs.js" recv "$addr" "$work/prep.json" "$work/yjs-recv-$shape.json"
  bg_stop "yjs-send-$shape"
  rm -f "$work/yjs-$shape.update"
  y_all_s[$shape]=$(calc "$EPOCHREALTIME - $t_y" %.0f)
  check "Yjs ($shape): B holds $(jget "$work/yjs-recv-$shape.json" 'j["records"]') records and $(jget "$work/yjs-recv-$shape.json" 'j["others"]') others, with the records' digest" \
    "$([ "$(jget "$work/yjs-recv-$shape.json" 'j["digest_ok"]')" = True ] && echo 1 || echo 0)"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
total_s=$(calc "$EPOCHREALTIME - $t_start" %.0f)

# ---- the tables
yr() { jget "$work/yjs-recv-$1.json" "$2"; }
ys() { jget "$work/yjs-send-$1.json" "$2"; }
yb() { jget "$work/yjs-build-$1.json" "$2"; }

pouch_rps=$(calc "$records / $pouch_s" %.0f)
pouch_bpr=$(calc "$pouch_bytes / $records" %.1f)
pouch_rss_send=$(mib "$(ps_ 'j["vmhwm_kib"]')") pouch_rss_recv=$(mib "$(pr 'j["vmhwm_kib"]')")
pouch_cpu_send=$(calc "$(ps_ 'j["cpu_s"]')") pouch_cpu_recv=$(calc "$(pr 'j["cpu_s"]')")
declare -A y_rps y_bpr y_rss_send y_rss_recv y_cpu_send y_cpu_recv y_wall
for shape in fields plain; do
  s=$(yr "$shape" 'j["seconds"]')
  y_wall[$shape]=$(calc "$s" %.2f)
  y_rps[$shape]=$(calc "$records / $s" %.0f)
  b=$(ys "$shape" 'j["bytes_read"] + j["bytes_written"]')
  y_bpr[$shape]=$(calc "$b / $records" %.1f)
  y_rss_send[$shape]=$(mib "$(ys "$shape" 'j["vmhwm_kib"]')")
  y_rss_recv[$shape]=$(mib "$(yr "$shape" 'j["vmhwm_kib"]')")
  y_cpu_send[$shape]=$(calc "$(ys "$shape" 'j["cpu_s"]')")
  y_cpu_recv[$shape]=$(calc "$(yr "$shape" 'j["cpu_s"]')")
done
ratio() { calc "$1 / $2" %.2f; }
hz_label="huzhu ${hz_rev:-$rev} (huzhu serve → huzhu sync)"
pouch_label="PouchDB $(pkgver pouchdb-node) (express-pouchdb → PouchDB.replicate)"
yf_label="Yjs $(pkgver yjs), entity rows as Y.Map (per-field merge)"
yp_label="Yjs $(pkgver yjs), every row a plain value (per-row overwrite)"

cat <<EOF

## huzhu's live sync beside PouchDB replication and Yjs state sync: $households households, $((households * 3)) persons, $((households * 5)) events

machine: $machine
date: $date_s (start); huzhu built and measured by sync.sh at ${hz_date%%;*}
versions: huzhu commit ${hz_rev:-?} (as sync.sh built it: the work tree, "+dirty" when it had uncommitted changes), $hz_libs; $versions
command: tools/bench/peers/run.sh${args:+ $args}
load average (1, 5, 15 min): $load_start at the start, $load_end at the end
data: $records records (households + persons + events) + $(p 'j["others"]') sites and items, the same rows in all three (digest ${digest:0:16}…, checked on every receiving side); huzhu: $hz_data
wall s: huzhu, the \`huzhu sync\` process (start to exit); PouchDB, opening the target to the replication's end; Yjs, connect to A's update applied on B
bytes on the wire: both ways, application bytes (no TCP/IP headers): huzhu, message plaintext as \`sync --json\` reports it (frame tags and handshake not counted); PouchDB, HTTP requests + responses with headers, as sent (responses gzip-compressed by express-pouchdb where the client asks for it); Yjs, the frames (4-byte length + state vector or update)
peak RSS: huzhu sync client by GNU time %M (or sampled VmHWM), huzhu serve by VmHWM before SIGTERM; Node processes by their own VmHWM (the receiving side when it finished, before its check; the sending side on SIGTERM)

| peer | records | wall s | records per wall s | bytes on the wire per record | peak RSS MiB, sending side | peak RSS MiB, receiving side | CPU s, sending / receiving |
|---|---:|---:|---:|---:|---:|---:|---:|
| $hz_label | $records | $hz_wall | $hz_rps | $hz_bpr | $hz_rss_send | $hz_rss_recv | $hz_cpu_send / $hz_cpu_recv |
| $pouch_label | $records | $(calc "$pouch_s") | $pouch_rps | $pouch_bpr | $pouch_rss_send | $pouch_rss_recv | $pouch_cpu_send / $pouch_cpu_recv |
| $yf_label | $records | ${y_wall[fields]} | ${y_rps[fields]} | ${y_bpr[fields]} | ${y_rss_send[fields]} | ${y_rss_recv[fields]} | ${y_cpu_send[fields]} / ${y_cpu_recv[fields]} |
| $yp_label | $records | ${y_wall[plain]} | ${y_rps[plain]} | ${y_bpr[plain]} | ${y_rss_send[plain]} | ${y_rss_recv[plain]} | ${y_cpu_send[plain]} / ${y_cpu_recv[plain]} |

Ratios against huzhu (records per second: huzhu ÷ peer, above 1 means huzhu is faster; bytes and RSS: peer ÷ huzhu, above 1 means the peer uses more):

| peer | records per s, huzhu ÷ peer | bytes per record, peer ÷ huzhu | peak RSS sending, peer ÷ huzhu | peak RSS receiving, peer ÷ huzhu |
|---|---:|---:|---:|---:|
| PouchDB | $(ratio "$hz_rps" "$pouch_rps") | $(ratio "$pouch_bpr" "$hz_bpr") | $(ratio "$pouch_rss_send" "$hz_rss_send") | $(ratio "$pouch_rss_recv" "$hz_rss_recv") |
| Yjs, entity rows as Y.Map | $(ratio "$hz_rps" "${y_rps[fields]}") | $(ratio "${y_bpr[fields]}" "$hz_bpr") | $(ratio "${y_rss_send[fields]}" "$hz_rss_send") | $(ratio "${y_rss_recv[fields]}" "$hz_rss_recv") |
| Yjs, every row a plain value | $(ratio "$hz_rps" "${y_rps[plain]}") | $(ratio "${y_bpr[plain]}" "$hz_bpr") | $(ratio "${y_rss_send[plain]}" "$hz_rss_send") | $(ratio "${y_rss_recv[plain]}" "$hz_rss_recv") |

Details:
- huzhu: sync.sh ran $ns_how. Message bytes sent + received $hz_bytes; loopback tx bytes per record $hz_lo; its full output is sync.out / sync.err in the work directory (kept with --keep).
- The records as JSON, one a line (prep.js): $ndjson_bpr bytes per record.
- Time each part of this run took, s: sync.sh $sync_s (build, fill, bundle path, full sync, no-op and conflict syncs), export $export_s, PouchDB $pouch_all_s (load, serve, replicate, check), Yjs with Y.Map rows ${y_all_s[fields]}, with plain rows ${y_all_s[plain]} (build, load, sync, check); $total_s in all.
- PouchDB: batch_size $(pr 'j["batch_size"]'); $(ps_ 'j["requests"]') HTTP requests on $(ps_ 'j["connections"]') connections, $pouch_req request bytes + $pouch_resp response bytes; source loaded in $pouch_load_s s (setup), $pouch_src_mib MiB on disk, target $pouch_dst_mib MiB; replicating process $pouch_proc_s s from start to exit (Node start-up and the check included).
- Yjs: update from A $(yb fields 'j["update_bytes"]') bytes (Y.Map rows) / $(yb plain 'j["update_bytes"]') bytes (plain rows); A built in $(calc "$(yb fields 'j["seconds"]')") / $(calc "$(yb plain 'j["seconds"]')") s (setup) and loaded by the sending process in $(calc "$(ys fields 'j["load_s"]')") / $(calc "$(ys plain 'j["load_s"]')") s before it listened.

What each side does that the others do not:
- huzhu: the receiver checks the Ed25519 signature of every entry it does not hold before it applies it, keeps the signed log, merges the rows (per-field registers, events inserted once), and commits to SQLite (WAL, synchronous=FULL) on both sides: the two nodes end durable, with the same state hash (sync.sh checks it). The handshake proves both sides are members of the network, the frames are encrypted (XChaCha20-Poly1305; the bytes counted are the plaintext), the entries compressed (zstd).
- PouchDB: the target writes every document and its revision tree to LevelDB on disk (leveldown's default writes, not fsync'd one by one), plus checkpoints on both sides; nothing is signed or authenticated (anyone who reaches the HTTP port can read and write; no TLS here). Concurrent edits keep both revisions of the whole document (a conflict to resolve), not per field.
- Yjs: the update is applied to a document in memory; nothing is signed, nothing is written to disk on either side (a persistence provider would be extra), no authentication or encryption on the socket. The "Y.Map" shape merges per field; the "plain" shape keeps one of two concurrent writes of a row whole.

checks failed: $fails (sync.sh's checks, the export's counts, PouchDB's and Yjs's counts and digests: FAIL lines on stderr otherwise)
EOF
for x in "${failed[@]}"; do echo "  FAIL: $x"; done
[ "$fails" = 0 ]
