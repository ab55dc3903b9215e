#!/usr/bin/env bash
# tools/demo.sh - the README's first command: install what is missing,
# build huzhu, create a network of two nodes with fictional demo data (no configuration),
# and show what a shelter manager and a township would look at.
#
# The node lives in ./demo-node (or $HUZHU_DEMO_DIR) and is made anew each
# run. Live sync and the web interface come in later releases; until then
# the demo shows the same views on the command line.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
hz_install_deps

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
hz="$PWD/build/huzhu"
dir="${HUZHU_DEMO_DIR:-$PWD/demo-node}"
rm -rf "$dir"

"$hz" -d "$dir" init --name 河东村委会演示节点
echo "== 写入演示数据 (writing demo data)"
bash tools/demo-data.sh "$hz" "$dir"

echo
echo "== 建立网络，本节点为管理员 (a network; this node is its admin)"
"$hz" -d "$dir" network create --name 河东乡演示网络
shelter="$dir-shelter"
rm -rf "$shelter"
"$hz" -d "$shelter" init --name 河东小学安置点 >/dev/null
site=$("$hz" -d "$dir" ls sites --json | grep -o '"id":"[0-9a-f]*"' | head -1 |
  cut -d'"' -f4)
token=$("$hz" -d "$dir" --json admit "$("$hz" -d "$shelter" id)" \
  --name 河东小学安置点 --role site --site "$site" |
  grep -o '"token":"[^"]*"' | cut -d'"' -f4)
"$hz" -d "$shelter" join "$token" >/dev/null
"$hz" -d "$dir" bundle export "$dir.bundle" >/dev/null
"$hz" -d "$shelter" bundle import "$dir.bundle" >/dev/null
rm -f "$dir.bundle"
"$hz" -d "$dir" members

show() { echo; echo "== $1"; "$hz" -d "$dir" show "$2"; }
show "安置点在住人数 (occupancy)" occupancy
show "物资库存 (stock on hand)" stock
show "重点人员 (vulnerable persons)" vulnerable
show "各户领取 (received per household)" received
echo
echo "== 状态哈希：村委会与安置点两份副本一致 (state hash: both replicas agree)"
"$hz" -d "$dir" state-hash
"$hz" -d "$shelter" state-hash
echo
echo "节点目录 (node directories): $dir  $shelter"
echo "试试 (try): $hz -d $dir --help"
echo "         $hz -d $dir bundle export /tmp/hedong.bundle"
