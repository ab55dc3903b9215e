#!/usr/bin/env bash
# tools/demo.sh - the README's first command: install what is missing,
# build huzhu, create a node with fictional demo data (no configuration),
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

show() { echo; echo "== $1"; "$hz" -d "$dir" show "$2"; }
show "安置点在住人数 (occupancy)" occupancy
show "物资库存 (stock on hand)" stock
show "重点人员 (vulnerable persons)" vulnerable
show "各户领取 (received per household)" received
echo
echo "== 状态哈希 (state hash: compare two replicas by eye)"
"$hz" -d "$dir" state-hash
echo
echo "节点目录 (node directory): $dir"
echo "试试 (try): $hz -d $dir --help"
echo "         $hz -d $dir bundle export /tmp/hedong.bundle"
