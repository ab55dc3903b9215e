#!/usr/bin/env bash
# tools/bench/report.sh - the township's reports on a large replica (issue
# 15; BENCHMARKS.md, "Reports"): a node filled with N households (default
# 100,000; three persons each, two check-ins, a warning, a distribution, a
# delivery, a damage assessment and a relief payment per household, as
# hz_bench_sync_fill --events-per 7 writes them), then each report timed
# beside `huzhu show unaccounted` — the one query of who is not accounted
# for, which the reports build on — in the same run: wall and CPU seconds
# and peak RSS (GNU time) of each command, and the ratio to that peer.
#
#   tools/bench/report.sh                    # 100,000 households
#   tools/bench/report.sh --households 5000  # a smoke run, seconds
#   tools/bench/report.sh --keep --dir DIR   # keep the node
#
# Builds huzhu and hz_bench_sync_fill in build-bench/ (RelWithDebInfo;
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
bench_setup report hz_bench_sync_fill
fill=$build/tools/bench/hz_bench_sync_fill
echo "command: tools/bench/report.sh --households $households"

node=$work/town
"$hz" -d "$node" init --name 测试乡镇 >/dev/null
"$hz" -d "$node" network create --name 测试网 >/dev/null
echo "filling $households households (not timed) ..."
"$fill" "$node" --households "$households" --events-per 7 --per-entry 100 \
  >"$work/fill.json"
echo "filled: $(cat "$work/fill.json")"

rows=()
# step NAME LABEL CMD...: timed, and a row of the table.
step() {
  local name=$1 label=$2; shift 2
  timed "$name" "$@"
  rows+=("$name|$label|$t_wall|$t_cpu|$t_rss")
}
step peer "show unaccounted (the peer)" "$hz" -d "$node" --json show unaccounted
step occupancy "show occupancy (open check-ins through merges)" "$hz" -d "$node" --json show occupancy
step disaster "report disaster --json" "$hz" -d "$node" report disaster --json
step explain "report disaster --explain --json" "$hz" -d "$node" report disaster --explain --json
step xlsx "report disaster --format xlsx" "$hz" -d "$node" report disaster --format xlsx --out "$work/daily.xlsx"
step xlsx_explain "report disaster --explain --format xlsx" "$hz" -d "$node" report disaster --explain --format xlsx --out "$work/explain.xlsx"
step relief "report relief --json" "$hz" -d "$node" report relief --json
step complete "report completeness --json" "$hz" -d "$node" report completeness --json
step hxl "report hxl" "$hz" -d "$node" report hxl
step pfif "report pfif" "$hz" -d "$node" report pfif --out "$work/persons.xml"

# What came out, so a broken run cannot pass as a fast one.
persons=$(jget "$work/disaster.out" 'j["rows"][-1]["affected"]')
lines=$(jget "$work/explain.out" 'len(j["explain"])')
relief=$(jget "$work/relief.out" 'j["total"]["households"]')
[ "$relief" = "$households" ] || { echo "FAIL: relief lists $relief of $households households"; exit 1; }
[ -s "$work/daily.xlsx" ] || { echo "FAIL: no XLSX written"; exit 1; }
# The lists' workbook: 明细 and, past Excel's 1,048,576 rows a sheet, its
# continuations, together every line of the JSON's list.
xl_lines=$(python3 -c '
import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
rows = 0
for n in sorted(names, key=lambda n: int(re.sub(r"\D", "", n)))[2:]:
    rows += len(re.findall(rb"<row ", z.read(n))) - 1
print(rows)' "$work/explain.xlsx")
[ "$xl_lines" = "$lines" ] || { echo "FAIL: the XLSX lists $xl_lines of $lines lines"; exit 1; }

IFS='|' read -r _ _ peer_wall _ _ <<<"${rows[0]}"
echo
echo "affected persons: $persons; explain entries: $lines (the XLSX's: $xl_lines); relief households: $relief"
echo
echo "| command | wall s | CPU s | peak RSS MiB | wall / peer |"
echo "|---|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
  IFS='|' read -r _ label w c k <<<"$r"
  echo "| $label | $w | $c | $(mib "$k") | $(calc "$w / $peer_wall" %.2f) |"
done
