#!/usr/bin/env bash
# tools/bench/roster.sh - the roster import benchmark (issue 15; BENCHMARKS.md,
# "Roster import"): a village roster of N households (default 100,000,
# three persons each, one row per person grouped by 户号, valid ID numbers,
# as tests/roster's GB18030 CSV is laid out) imported by `huzhu import
# roster`, beside the bundle import of exactly what that wrote, into a
# fresh node, in the same run; then `huzhu dups` over the imported persons
# and a re-run of the roster (all seen). Wall and CPU seconds and peak RSS
# of each command (GNU time), and ratios.
#
#   tools/bench/roster.sh                    # 100,000 households (~10 min here)
#   tools/bench/roster.sh --households 5000  # a smoke run, seconds
#   tools/bench/roster.sh --keep --dir DIR   # keep the nodes
#
# Builds huzhu in build-bench/ (RelWithDebInfo, no sanitizers, no tests;
# HZ_BENCH_BUILD overrides it). Talks to no network; removes its work
# directory on exit unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/bench/lib.sh"
build=${HZ_BENCH_BUILD:-$root/build-bench}
households=100000
keep=0
parent=${TMPDIR:-/tmp}
while [ $# -gt 0 ]; do
  case "$1" in
    --households) households=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dir) parent=$2; shift 2 ;;
    *) echo "usage: $0 [--households N] [--keep] [--dir DIR]" >&2; exit 2 ;;
  esac
done
bench_setup roster
echo "command: tools/bench/roster.sh --households $households"

# The roster: a title row, the headings, three persons a household.
/usr/bin/python3 - "$work/roster.csv" "$households" <<'EOF'
import sys
W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
def idn(area, birth, seq):
    """Unique for each (area, seq): the area holds the thousands."""
    body = "%06d%s%03d" % (area + seq // 1000, birth, seq % 1000)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, W)) % 11]
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w", encoding="gb18030", newline="") as f:
    f.write("测试镇花名册,,,,,,,,\r\n")
    f.write("户号,户主姓名,姓名,与户主关系,性别,出生日期,身份证号码,联系电话,村\r\n")
    for h in range(n):
        village = "测试村%d" % (h % 40)
        year = 1940 + h % 60
        day = "%04d%02d%02d" % (year, 1 + h % 12, 1 + h % 28)
        kid = "%04d%02d%02d" % (year + 25, 1 + h % 12, 1 + h % 28)
        head = "测试户主%d" % h
        f.write("H%06d,%s,%s,户主,男,%s,%s,1380%07d,%s\r\n" % (
            h, head, head, day, idn(420000, day, h), h, village))
        f.write(",,测试配偶%d,配偶,女,%d,%s,,\r\n" % (
            h, year + 2, idn(520000, "%04d0101" % (year + 2), h)))
        f.write(",,测试子女%d,子女,男,%s,,,\r\n" % (h, kid))
EOF
rows=$((households * 3))
echo "roster: $households households, $rows persons, $(du -h "$work/roster.csv" | cut -f1) (GB18030)"

"$hz" -d "$work/a" init --name 测试乡镇 >/dev/null
"$hz" -d "$work/a" network create --name 测试网 >/dev/null
timed roster "$hz" -d "$work/a" --json import roster "$work/roster.csv"
r_wall=$t_wall r_cpu=$t_cpu r_rss=$t_rss
written=$(jget "$work/roster.out" 'j["persons"]["new"]')
[ "$written" = "$rows" ] || { echo "FAIL: wrote $written persons of $rows"; exit 1; }

# The same records by bundle, into a fresh node of the network.
"$hz" -d "$work/a" bundle export "$work/a.bundle" >/dev/null
"$hz" -d "$work/b" init --name 测试村 >/dev/null
tok=$("$hz" -d "$work/a" --json admit "$("$hz" -d "$work/b" id)" --name 乙 --role coordinator | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$hz" -d "$work/b" join "$tok" >/dev/null
timed bundle "$hz" -d "$work/b" --json bundle import "$work/a.bundle"
b_wall=$t_wall b_cpu=$t_cpu b_rss=$t_rss
records=$((rows + households))
[ "$("$hz" -d "$work/a" state-hash)" = "$("$hz" -d "$work/b" state-hash)" ] || {
  echo "FAIL: the bundle import does not give the same state"; exit 1; }

timed again "$hz" -d "$work/a" --json import roster "$work/roster.csv"
a_wall=$t_wall a_cpu=$t_cpu a_rss=$t_rss
seen=$(jget "$work/again.out" 'j["households"]["seen"]')
[ "$seen" = "$households" ] || { echo "FAIL: re-run saw $seen of $households"; exit 1; }

timed dups "$hz" -d "$work/a" --json dups
d_wall=$t_wall d_cpu=$t_cpu d_rss=$t_rss
groups=$(jget "$work/dups.out" 'len(j["groups"])')

echo
echo "| step | wall s | CPU s | records per wall s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
echo "| import roster ($rows rows, $records records) | $r_wall | $r_cpu | $(calc "$records / $r_wall" %.0f) | $(mib "$r_rss") |"
echo "| bundle import of the same records | $b_wall | $b_cpu | $(calc "$records / $b_wall" %.0f) | $(mib "$b_rss") |"
echo "| import roster again (all seen) | $a_wall | $a_cpu | $(calc "$records / $a_wall" %.0f) | $(mib "$a_rss") |"
echo "| dups over $rows persons ($groups groups) | $d_wall | $d_cpu | $(calc "$rows / $d_wall" %.0f) | $(mib "$d_rss") |"
echo
echo "roster import / bundle import, records per wall s: $(calc "$b_wall / $r_wall" %.3f)"
