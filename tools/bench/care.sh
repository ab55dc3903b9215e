#!/usr/bin/env bash
# tools/bench/care.sh - warning campaigns and health checks at the size of
# a township after a flood (issue 17; BENCHMARKS.md, "Care and watch"): a
# node filled by hz_bench_care (100,000 households in 100 villages with
# their cadres and 200,000 persons, one in ten vulnerable; one warning
# notice over every village and 30,000 deliveries to households drawn at
# random, one in ten a failed try; 10,000 health checks at 200 shelters
# over 10 days, one in five with fever; all written through the library's
# batch API as signed, checked local writes), then:
#   - the campaign (hz_node_report "campaign", what `huzhu alert show`,
#     `alert unreached` and the web's 预警到户 page ask for: totals, per
#     village, per cadre and every household, the unreached vulnerable
#     first; the page asks for 100 households at a time), the list of
#     campaigns with their totals ("campaigns", `alert ls` and the page's
#     list) and the outbreak clues as at the end of the 10 days
#     ("outbreaks", `health outbreaks` and the top of every page): median,
#     p95 and max of --runs calls in one process, and its peak RSS;
#   - each once more as the command a person types (`huzhu alert show ID
#     --json`, `alert unreached ID --csv`, `alert show ID --xlsx`, `alert
#     ls --json`, `health outbreaks --json`): wall, CPU and peak RSS (GNU
#     time), opening the node included.
# Each figure is given against its limit: 1 s for what a page or a
# command answers on this 2-core machine (a Pi 4 is 2-3 times slower),
# 200 MiB of peak RSS.
#
#   tools/bench/care.sh                      # the issue's sizes (~2 min here)
#   tools/bench/care.sh --households 10000 --deliveries 3000 --checks 1000
#   options: --persons-per N (default 2), --runs N (default 20), --keep,
#   --dir DIR (parent of the work directory, default $TMPDIR or /tmp)
#
# Builds huzhu and hz_bench_care in build-bench/ (RelWithDebInfo;
# HZ_BENCH_BUILD overrides it). Talks to no network; removes its work
# directory on exit unless --keep.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tools/bench/lib.sh"
build=${HZ_BENCH_BUILD:-$root/build-bench}
households=100000 persons_per=2 deliveries=30000 checks=10000 notices=1
runs=20 keep=0 parent=${TMPDIR:-/tmp}
while [ $# -gt 0 ]; do
  case "$1" in
    --households) households=$2; shift 2 ;;
    --persons-per) persons_per=$2; shift 2 ;;
    --deliveries) deliveries=$2; shift 2 ;;
    --checks) checks=$2; shift 2 ;;
    --notices) notices=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dir) parent=$2; shift 2 ;;
    *) echo "usage: $0 [--households N] [--persons-per N] [--deliveries N]" \
         "[--checks N] [--notices N] [--runs N] [--keep] [--dir DIR]" >&2; exit 2 ;;
  esac
done
bench_setup care hz_bench_care
bc=$build/tools/bench/hz_bench_care
echo "command: tools/bench/care.sh --households $households" \
  "--persons-per $persons_per --deliveries $deliveries --checks $checks" \
  "--notices $notices --runs $runs"

node=$work/town
echo "filling (timed as a whole only) ..."
timed fill "$bc" fill "$node" --households "$households" \
  --persons-per "$persons_per" --deliveries "$deliveries" --checks "$checks" \
  --notices "$notices"
echo "filled in $t_wall s: $(cat "$work/fill.out")"
notice=$(jget "$work/fill.out" 'j["notice"]')

echo
echo "| call | median ms | p95 ms | max ms | p95 ÷ 1 s | peak RSS MiB | RSS ÷ 200 MiB | answer bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
# call NAME LABEL REPORT [ID] [ROWS]: --runs calls in one process, a row.
call() {
  local name=$1 label=$2 report=$3 id=${4:-} rows=${5:-all}
  timed "$name" "$bc" time "$node" "$report" ${id:+--id "$id"} --runs "$runs" \
    --rows "$rows"
  call_row "$name" "$label"
}
call campaign "one campaign, every household (alert show --json)" campaign "$notice"
call campaign_page "one campaign, a page of 100 households (the web page)" campaign "$notice" page
call campaigns "the campaigns with their totals (alert ls)" campaigns
call outbreaks "outbreak clues over every health check (health outbreaks, the top of every page)" outbreaks

echo
echo "| command | wall s | CPU s | peak RSS MiB | wall ÷ 1 s |"
echo "|---|---:|---:|---:|---:|"
cmd_row cli_show "alert show ID --json" alert show "$notice" --json
cmd_row cli_unreached "alert unreached ID --csv" alert unreached "$notice" --csv "$work/unreached.csv"
cmd_row cli_xlsx "alert show ID --xlsx" alert show "$notice" --xlsx "$work/campaign.xlsx"
cmd_row cli_ls "alert ls --json" alert ls --json
at=$(jget "$work/fill.out" 'j["now"]')
cmd_row cli_outbreaks "health outbreaks --json" health outbreaks --json --at "$at"

# What came out, so a broken run cannot pass as a fast one.
echo
listed=$(jget "$work/cli_show.out" 'len(j["households"])')
reached=$(jget "$work/cli_show.out" 'j["totals"]["reached"]')
unreached=$(jget "$work/cli_show.out" 'j["totals"]["unreached"]')
echo "campaign: $listed households listed, $reached reached, $unreached not yet," \
  "$(jget "$work/cli_show.out" 'len(j["by_cadre"])') cadres"
[ "$listed" = "$households" ] || { echo "FAIL: the campaign lists $listed households"; exit 1; }
[ "$((reached + unreached))" = "$households" ] || { echo "FAIL: totals do not add up"; exit 1; }
[ -s "$work/campaign.xlsx" ] || { echo "FAIL: no XLSX"; exit 1; }
echo "outbreak clues: $(jget "$work/cli_outbreaks.out" 'len(j["clues"])') at $(jget "$work/cli_outbreaks.out" 'len({c["site"] for c in j["clues"]})') of 200 shelters"
[ "$(($(wc -l <"$work/unreached.csv") - 1))" -ge "$unreached" ] ||
  { echo "FAIL: the unreached CSV lists fewer than $unreached"; exit 1; }
