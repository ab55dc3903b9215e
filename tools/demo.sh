#!/usr/bin/env bash
# tools/demo.sh - the README's first command: install what is missing,
# build huzhu, make a village node and a shelter node with fictional demo
# data, and show what a shelter manager and a township would read.
#
# Package installs and the build each print one line (their output goes to
# a log file whose path is printed); everything after that is the demo.
# The village node lives in ./demo-node (or $HUZHU_DEMO_DIR), the shelter
# in the same path with -shelter; both are made anew each run. The
# village's records reach the shelter on a bundle file, as a USB stick
# would; then both nodes run `huzhu serve` on 127.0.0.1 and a change at
# the shelter reaches the village by live sync. Run from a terminal, the
# demo ends with both nodes still serving until Ctrl-C (HUZHU_DEMO_SERVE=0
# stops them at the end instead; without a terminal they stop too). The
# village node also serves its web interface on http://127.0.0.1:8080/
# (plain HTTP on loopback; another free port when 8080 is taken), and the
# demo prints the address and a demo login (account demo, admin) whose
# password is random each run.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
hz_install_deps

mkdir -p build
log="$PWD/build/demo-build.log"
t0=$(date +%s)
if ! { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build build -j "$(nproc)" --target huzhu; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "build: failed; the whole log is $log" >&2
  exit 1
fi
echo "build: huzhu in $(($(date +%s) - t0)) s (log: $log)"

hz="$PWD/build/huzhu"
dir="${HUZHU_DEMO_DIR:-$PWD/demo-node}"
shelter="$dir-shelter"
rm -rf "$dir" "$shelter" "$dir".serve.log* "$shelter".serve.log*
village() { "$hz" -d "$dir" "$@"; }
school() { "$hz" -d "$shelter" "$@"; }
# The first id in `ls ... --json` output.
first_id() { grep -o '"id":"[0-9a-f]*"' | head -n 1 | cut -d'"' -f4; }
# The first eight characters of the state hash, as two groups of four,
# the form people read aloud and compare between two screens.
short_hash() {
  local h
  h=$("$hz" -d "$1" state-hash)
  echo "${h:0:4} ${h:4:4}"
}

# The village office registers its households, makes the network and
# admits the school's laptop, which imports the village's records.
village init --name 河东村委会演示节点 >/dev/null
bash tools/demo-data.sh "$hz" "$dir"
village network create --name 河东乡演示网络 >/dev/null
school init --name 河东小学安置点 >/dev/null
site=$(village ls sites --where name=河东小学安置点 --json | first_id)
token=$(village --json admit "$(school id)" --name 河东小学安置点 --role site \
  --site "$site" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
school join "$token" >/dev/null
village bundle export "$dir.bundle" >/dev/null
school bundle import "$dir.bundle" >/dev/null
rm -f "$dir.bundle"
echo "demo: 村委会节点 $dir；安置点节点 $shelter 已加入网络并导入村委会的数据"
echo "      (village node and shelter node; the shelter joined and imported the village's records)"

show() { echo; echo "== $1"; village show "$2"; }
show "未落实的户和人，重点人员在前 (who is not accounted for, vulnerable first)" unaccounted
show "安置点在住人数 (occupancy)" occupancy
show "重点人员及所在安置点 (vulnerable persons and where they are)" vulnerable
show "物资库存 (stock on hand)" stock
show "各户领取 (received per household)" received

echo
echo "== 实时同步：安置点的变更送回村委会 (live sync: a change at the shelter reaches the village)"
pids=()
stop_serving() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_serving EXIT
# serve NODE_DIR LOG WEB: start `huzhu serve` on 127.0.0.1 and a free
# port, its web interface on WEB (or off); sets $listening to the address
# it listens on for sync. (Not in a $(...) subshell: the pid must reach
# this shell's list, so the trap stops it.)
serve() {
  local out="$2.out"
  "$hz" -d "$1" --json serve --listen 127.0.0.1:0 --http "$3" >"$out" 2>"$2" &
  pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q listening "$out" 2>/dev/null; then
      listening=$(grep -o '"listening":"[^"]*"' "$out" | cut -d'"' -f4)
      return 0
    fi
    sleep 0.1
  done
  echo "serve did not start; its log: $2" >&2
  return 1
}
# The web interface: 8080 unless something else holds it.
web_port=8080
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then web_port=0; fi
# A demo account with a random password, new each run.
demo_pw=$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')
echo "$demo_pw" | village user add demo --role admin >/dev/null
serve "$dir" "$dir.serve.log" "127.0.0.1:$web_port"
addr=$listening
web_url=$(grep -o '"web":\["[^"]*"' "$dir.serve.log.out" | cut -d'"' -f4)
school peer add "$addr" >/dev/null
serve "$shelter" "$shelter.serve.log" off
echo "村委会节点在 $addr 服务；安置点把它加为对端 (huzhu peer add)，自动连接"
echo "        (the village serves on $addr; the shelter has it as its peer and dials it)"
elder=$(village ls persons --where name=测试孙六 --json | first_id)
household=$(village ls households --where head_name=测试孙六 --json | first_id)
school checkin "$elder" "$site" >/dev/null
school put households --id "$household" status=sheltered >/dev/null
echo "安置点：测试孙六 由救援队送到河东小学安置点，登记入住，其户改为集中安置"
echo "        (the shelter checks the elder in and marks the household sheltered)"
t0=$(date +%s%N)
for _ in $(seq 1 200); do
  [ "$(village state-hash)" = "$(school state-hash)" ] && break
  sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$(village state-hash)" != "$(school state-hash)" ]; then
  echo "20 秒内未同步 (not in sync after 20 s); logs: $dir.serve.log $shelter.serve.log" >&2
  exit 1
fi
echo "村委会在 $ms 毫秒内收到，无需任何命令 (the village had it in $ms ms, with no command)"
echo "村委会现在 (the village now):"
village show unaccounted

echo
echo "== 状态哈希前八位：两份副本一致 (state hash, first eight characters)"
a=$(short_hash "$dir")
b=$(short_hash "$shelter")
echo "   村委会 (village):  $a"
echo "   安置点 (shelter):  $b"
if [ "$(village state-hash)" != "$(school state-hash)" ]; then
  echo "两份副本不一致 (the replicas differ)" >&2
  exit 1
fi
echo "   一致 (equal)"
echo
echo "== 网页界面 (web interface)"
echo "   打开 (open):  $web_url"
echo "   账号 (account): demo    密码 (password): $demo_pw"
echo "   (手机在同一 Wi-Fi 上访问：$hz -d $dir serve 会在所有网卡上以 HTTPS 提供网页界面)"
echo "   (for phones on the same Wi-Fi: $hz -d $dir serve offers it over HTTPS on every interface)"
echo
echo "试试 (try): $hz -d $dir show unaccounted"
echo "           $hz -d $dir peer ls"
echo "           $hz -d $shelter put households --id $household notes=已送药"
echo "           $hz -d $dir --help"
if [ "${HUZHU_DEMO_SERVE:-1}" != 0 ] && [ -t 0 ] && [ -t 1 ]; then
  echo
  echo "两个节点正在服务 (both nodes are serving)；Ctrl-C 停止 (stops them)"
  wait
fi
