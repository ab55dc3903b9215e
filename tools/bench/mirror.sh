#!/usr/bin/env bash
# tools/bench/mirror.sh - the county mirror's copy rate (issue 18;
# BENCHMARKS.md, "The county mirror"): a node filled with N households
# (default 20,000; three persons and five events each, as
# hz_bench_sync_fill writes them: 9 rows a household) is mirrored once
# into a PostgreSQL of the script's own (`huzhu mirror URL --once`, every
# row a change), and the same rows are then loaded again with a plain
# COPY into tables of the same shape in the same server - the limit a
# copy of these rows could reach. Reports rows per second of each and
# their ratio (COPY ÷ mirror).
#
# With --lag N it measures instead the lag between a write on a node and
# its row in PostgreSQL under a steady stream of writes: `huzhu serve
# --mirror URL` runs on a node while N sites are written into the same
# node with `huzhu put` (DECISIONS 31: a CLI write beside serve), one
# every --every seconds; PostgreSQL stamps each row's arrival (a column
# `arrived` the benchmark adds to the mirror's sites table, DEFAULT
# clock_timestamp()), and the lag of a write is its arrival minus the
# moment its put returned (one clock, one machine). Reports the median,
# p95 and largest lag. With --live the writes are made on a second node
# instead, a site admitted to the town's network, which serves too with
# the town as its configured peer: each write goes by live sync (the
# session stays open and pushes what the site gains) to the town, which
# mirrors it - the lag of a write made at a site, through sync and the
# mirror.
#
#   tools/bench/mirror.sh                       # 20,000 households
#   tools/bench/mirror.sh --households 2000     # a smoke run
#   tools/bench/mirror.sh --batch 5000          # rows per transaction
#   tools/bench/mirror.sh --rows 1000000        # households for ~N rows
#   tools/bench/mirror.sh --lag 200 --every 0.25  # the lag, 200 writes
#   tools/bench/mirror.sh --lag 200 --live      # ... made at a site, synced
#
# PostgreSQL: Debian's postgresql (initdb and pg_ctl on PATH or in
# /usr/lib/postgresql/*/bin), in the work directory, on a Unix socket
# only, fsync off (a benchmark of the copy, not of the disk), run as
# nobody when the script runs as root. Builds huzhu and
# hz_bench_sync_fill in build-bench/ (RelWithDebInfo); with
# HZ_BENCH_BUILD=DIR it uses that build directory as it is configured.
# Removes its work directory on exit unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/bench/lib.sh"
households=20000
batch=1000
keep=0
lag=0
live=0
every=0.5
parent=${TMPDIR:-/tmp}
while [ $# -gt 0 ]; do
  case "$1" in
    --households) households=$2; shift 2 ;;
    --rows) households=$(( ($2 + 8) / 9 )); shift 2 ;;
    --lag) lag=$2; shift 2 ;;
    --every) every=$2; shift 2 ;;
    --live) live=1; shift ;;
    --batch) batch=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dir) parent=$2; shift 2 ;;
    *) echo "usage: $0 [--households N | --rows N] [--batch N]" \
         "[--lag N [--every S] [--live]] [--keep] [--dir DIR]" >&2
       exit 2 ;;
  esac
done
command -v /usr/bin/time >/dev/null || {
  echo "mirror.sh: needs GNU time (Debian's time package)" >&2; exit 1; }
pgbin() {
  command -v "$1" 2>/dev/null && return
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -r); do
    [ -x "$d/$1" ] && { echo "$d/$1"; return; }
  done
  echo "mirror.sh: PostgreSQL's $1 is not installed (Debian: postgresql)" >&2
  exit 1
}
initdb=$(pgbin initdb)
pg_ctl=$(pgbin pg_ctl)
psql_bin=$(pgbin psql)

if [ -n "${HZ_BENCH_BUILD:-}" ]; then
  build=$HZ_BENCH_BUILD
else
  build=$root/build-bench
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHZ_TESTS=OFF -DHZ_FUZZ=OFF -DHZ_SANITIZE= >/dev/null
fi
cmake --build "$build" --target huzhu hz_bench_sync_fill >/dev/null
hz=$build/huzhu
fill=$build/tools/bench/hz_bench_sync_fill
work=$(mktemp -d "$parent/huzhu-mirror-bench.XXXXXX")
pg=$work/pg
as_user=()
serve_pid=""
site_pid=""
cleanup() {
  [ -n "$site_pid" ] && kill -TERM "$site_pid" 2>/dev/null && wait "$site_pid"
  [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid"
  [ -f "$pg/data/postmaster.pid" ] &&
    "${as_user[@]}" "$pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1
  [ "$keep" = 1 ] && echo "kept: $work" || rm -rf "$work"
}
trap cleanup EXIT

rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$root" status --porcelain 2>/dev/null)" ] || rev="$rev+dirty"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $rev"
if [ "$lag" -gt 0 ]; then
  echo "command: tools/bench/mirror.sh --lag $lag --every $every$(
    [ "$live" = 1 ] && echo " --live")"
else
  echo "command: tools/bench/mirror.sh --households $households --batch $batch"
fi
echo "postgresql: $("$psql_bin" --version)"

mkdir -m 700 "$pg"
chmod 755 "$work"
if [ "$(id -u)" = 0 ]; then
  chown nobody: "$pg"
  as_user=(runuser -u nobody --)
fi
"${as_user[@]}" "$initdb" -D "$pg/data" -U hz --auth=trust -E UTF8 \
  --no-locale --no-sync >/dev/null
"${as_user[@]}" "$pg_ctl" -D "$pg/data" -l "$pg/log" -w start \
  -o "-k $pg -c listen_addresses= -c fsync=off" >/dev/null
sql() { "$psql_bin" -X -A -t -q -v ON_ERROR_STOP=1 -h "$pg" -U hz -d postgres -c "$1"; }

node=$work/town
"$hz" -d "$node" init --name 测试乡镇 >/dev/null
"$hz" -d "$node" network create --name 测试网 >/dev/null
url="postgresql:///postgres?host=$pg&user=hz"

if [ "$lag" -gt 0 ]; then
  "$hz" -d "$node" --json serve --listen 127.0.0.1:0 --http off \
    --no-discovery --mirror "$url" >"$work/serve.out" 2>"$work/serve.err" &
  serve_pid=$!
  # the mirror's tables exist after its first pass
  for _ in $(seq 600); do
    [ "$(sql "SELECT to_regclass('public.sites') IS NOT NULL")" = t ] && break
    sleep 0.1
  done
  sql "ALTER TABLE public.sites ADD COLUMN arrived timestamptz DEFAULT
    clock_timestamp()"
  writer=$node
  if [ "$live" = 1 ]; then
    # a site admitted as a coordinator, serving with the town as its peer
    writer=$work/site
    key=$("$hz" -d "$writer" --json init --name 测试站点 | jget /dev/stdin 'j["key"]')
    token=$("$hz" -d "$node" --json admit "$key" --name site --role \
      coordinator | jget /dev/stdin 'j["token"]')
    "$hz" -d "$writer" join "$token" >/dev/null
    town_addr=""
    for _ in $(seq 100); do
      town_addr=$(sed -n 's/.*"listening":"\([^"]*\)".*/\1/p' "$work/serve.out")
      [ -n "$town_addr" ] && break
      sleep 0.1
    done
    [ -n "$town_addr" ] || { echo "mirror.sh: the town did not listen" >&2; exit 1; }
    "$hz" -d "$writer" peer add "$town_addr" >/dev/null
    "$hz" -d "$writer" --json serve --listen 127.0.0.1:0 --http off \
      --no-discovery >"$work/site.out" 2>"$work/site.err" &
    site_pid=$!
    for _ in $(seq 100); do
      "$hz" -d "$node" --json status | jget /dev/stdin \
        'any(c["connected"] for c in j["contacts"])' | grep -q True && break
      sleep 0.1
    done
  fi
  echo "writing $lag sites, one every $every s, while serve --mirror runs ..."
  start=$(date +%s.%N)
  for i in $(seq "$lag"); do
    "$hz" -d "$writer" put sites "name=lag$i" kind=shelter >/dev/null
    echo "lag$i $(date +%s.%N)" >>"$work/writes"
    wait_s=$(calc "$start + $i * $every - $(date +%s.%N)" %.3f)
    case "$wait_s" in -*) ;; *) sleep "$wait_s" ;; esac
  done
  for _ in $(seq 600); do
    [ "$(sql "SELECT count(*) FROM public.sites WHERE name LIKE 'lag%'")" \
      = "$lag" ] && break
    sleep 0.1
  done
  sql "SELECT name, extract(epoch FROM arrived) FROM public.sites WHERE
    name LIKE 'lag%'" >"$work/arrived"
  python3 - "$work/writes" "$work/arrived" "$every" <<'PY'
import statistics, sys
wrote = dict(l.split() for l in open(sys.argv[1]))
came = dict(l.strip().split("|") for l in open(sys.argv[2]) if l.strip())
lags = sorted(float(came[k]) - float(wrote[k]) for k in wrote if k in came)
print()
print("| writes | one every | arrived | median lag s | p95 lag s | largest s |")
print("|---:|---:|---:|---:|---:|---:|")
p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))]
print("| %d | %s s | %d | %.3f | %.3f | %.3f |" % (
    len(wrote), sys.argv[3], len(lags), statistics.median(lags), p95,
    lags[-1]))
PY
  exit 0
fi
echo "filling $households households (not timed) ..."
"$fill" "$node" --households "$households" --per-entry 100 >"$work/fill.json"
echo "filled: $(cat "$work/fill.json")"

timed mirror "$hz" -d "$node" --json mirror "$url" --once --batch "$batch"
m_wall=$t_wall m_cpu=$t_cpu m_rss=$t_rss
m_rows=$(jget "$work/mirror.out" 'j["rows"]')
m_batches=$(jget "$work/mirror.out" 'j["batches"]')

# The same rows with COPY: each mirrored table with rows written out by
# the server, then timed as one COPY FROM per table into an empty table
# LIKE it, in one session (the server reads the files itself).
tables=$(sql "SELECT string_agg(table_name, ' ') FROM
  information_schema.tables WHERE table_schema = 'public' AND table_type =
  'BASE TABLE' AND table_name NOT LIKE 'huzhu\\_%'")
load=""
c_rows=0
sql "CREATE SCHEMA copy"
for t in $tables; do
  n=$(sql "SELECT count(*) FROM public.\"$t\"")
  [ "$n" = 0 ] && continue
  c_rows=$((c_rows + n))
  sql "CREATE TABLE copy.\"$t\" (LIKE
    public.\"$t\" INCLUDING ALL); COPY public.\"$t\" TO '$pg/$t.copy'"
  load="$load COPY copy.\"$t\" FROM '$pg/$t.copy';"
done
timed copy "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$pg" -U hz -d postgres \
  -c "BEGIN; $load COMMIT;"
c_wall=$t_wall

m_rate=$(calc "$m_rows / $m_wall" %.0f)
c_rate=$(calc "$c_rows / $c_wall" %.0f)
echo
echo "| copy | rows | batches | wall s | CPU s (huzhu) | peak RSS MiB | rows/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| huzhu mirror --once --batch $batch | $m_rows | $m_batches | $m_wall | $m_cpu | $(mib "$m_rss") | $m_rate |"
echo "| COPY of the same rows, one transaction | $c_rows | 1 | $c_wall | - | - | $c_rate |"
echo
echo "COPY ÷ mirror (rows per second): $(calc "$c_rate / $m_rate")"
