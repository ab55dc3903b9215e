#!/usr/bin/env bash
# tools/demo-data.sh HUZHU NODE_DIR - fill a node with a small fictional
# flood scenario: a township shelter, a village office, a warehouse,
# households with members (some vulnerable), check-ins, supplies received
# and distributed, warnings delivered. Every name here is invented.
set -euo pipefail
hz="$1"
dir="$2"
h() { "$hz" -d "$dir" "$@"; }

school=$(h site add --name 河东小学安置点 --kind shelter --capacity 120 --area 380 --address 河东村学校路1号)
office=$(h site add --name 河东村委会 --kind village_office --capacity 30 --area 90)
depot=$(h site add --name 镇应急物资仓库 --kind warehouse)

quilt=$(h item add --name 棉被 --unit 床 --category bedding)
water=$(h item add --name 瓶装水 --unit 箱 --category water)
noodle=$(h item add --name 方便面 --unit 箱 --category food)

first() { head -n 1; }
members() { sed -n 's/^  成员 //p'; }

hh1=$(h household add --head 测试王一 --village 河东村 --grid 一组 --status sheltered \
      --cadre 网格员甲 --member 测试王一,男,1948,行动不便老人 --member 测试李二,女,1952,慢性病)
hh2=$(h household add --head 测试赵三 --village 河东村 --grid 二组 --status evacuated \
      --member 测试赵三,男,1985 --member 测试钱四,女,1988,孕妇 --member 测试赵小五,女,2019)
hh3=$(h household add --head 测试孙六 --village 河西村 --grid 一组 --status unreachable \
      --member 测试孙六,男,1956,留守)
hh4=$(h household add --head 测试周七 --village 河西村 --status home \
      --member 测试周七,女,1990 --member 测试周小八,男,2015,无人照料儿童)

for p in $(echo "$hh1" | members) $(echo "$hh2" | members); do
  h checkin "$p" "$school" >/dev/null
done
h checkin "$(echo "$hh4" | members | tail -n 1)" "$office" >/dev/null

h stock receive "$depot" "$quilt" 500 --from 县应急管理局 --ref 调拨单-001 >/dev/null
h stock transfer-out "$depot" "$quilt" 200 --to 河东小学安置点 >/dev/null
h stock transfer-in "$school" "$quilt" 200 --from 镇应急物资仓库 >/dev/null
h stock donate "$school" "$water" 80 --from 爱心企业 >/dev/null
h stock receive "$school" "$noodle" 60 --from 县应急管理局 >/dev/null
h stock distribute "$school" "$quilt" 2 --household "$(echo "$hh1" | first)" >/dev/null
h stock distribute "$school" "$quilt" 3 --household "$(echo "$hh2" | first)" >/dev/null
h stock distribute "$school" "$water" 2 --household "$(echo "$hh2" | first)" >/dev/null

h warn "$(echo "$hh3" | first)" --method phone --notice 洪水红色预警，请立即转移 --by 网格员乙 >/dev/null
h warn "$(echo "$hh4" | first)" --method door --notice 洪水红色预警，请立即转移 --by 网格员甲 >/dev/null
