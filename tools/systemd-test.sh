#!/usr/bin/env bash
# tools/systemd-test.sh - the .deb and huzhu.service under a real systemd
# (packaging/README.md, DECISIONS 27), one command:
#
#   tools/systemd-test.sh
#
#   1. builds the native (amd64) package the way tools/aarch64.sh builds
#      the Pi's: HZ_STATIC_DEPS=ON HZ_PACKAGE=ON, `cpack -G DEB`
#   2. debootstraps a minimal Debian 12 (minbase + systemd, systemd-sysv,
#      dbus) and boots it with systemd-nspawn, systemd as its PID 1
#   3. installs the .deb into it in a chroot, as an SD-card image is
#      built (nothing may start, no key may exist), then boots it: the
#      first start at the first boot, `systemctl start`, a restart, a
#      reinstall, a reboot, dpkg -r, dpkg -i, dpkg -P, and a first
#      install on the running system; prints `ok` or `FAIL` for every
#      check, the unit's journal and `systemd-analyze security huzhu` of
#      the loaded unit
#   4. the web interface of `huzhu serve` under the unit: it listens on
#      0.0.0.0:8080, its journal names the LAN and loopback addresses to
#      open and the certificate's fingerprint, https://127.0.0.1:8080/
#      serves the page with a certificate of that fingerprint (made at
#      the first serve: web-tls.key 0600 huzhu), the same after a
#      restart, a reinstall, a reboot and dpkg -r + -i; the address
#      allow list (IPAddressAllow=) admits clients on each private range
#      and drops a public one. A veth pair in the container's network
#      namespace is its LAN (lan0, 192.168.77.1/24); the HTTPS clients
#      are the host's curl and python3 run in that namespace (nsenter
#      -n), so the container needs neither.
#
# Not part of the README's test command (tools/test.sh) nor of CI: like
# tools/aarch64.sh it is run by hand. It needs root and Debian's package
# mirror, and takes about 2-3 minutes. The host needs no systemd: the
# container is started with --register=no --keep-unit (no machined, no
# bus) and driven with nsenter + systemctl through systemd's private
# socket. It runs on cgroup v1/hybrid hosts (systemd 252). The host also
# needs ip (iproute2, veth), curl and python3 for the web checks.
#
# Everything is made anew in HZ_SYSTEMD_DIR (default /tmp/hz-systemd),
# which is deleted first. HZ_DEBIAN_MIRROR names another mirror. The
# container has its own network namespace with no link to the outside.
# Exits non-zero when a check fails or a step cannot run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
SRC=$PWD
W=${HZ_SYSTEMD_DIR:-/tmp/hz-systemd}
MIRROR=${HZ_DEBIAN_MIRROR:-http://deb.debian.org/debian}
MACHINE=hz-systemd-test
ROOT=$W/rootfs
DIR=/var/lib/huzhu

if [ "$(id -u)" -ne 0 ]; then
  echo "systemd-test: needs root (debootstrap, systemd-nspawn)" >&2
  exit 2
fi
case $W in
/tmp/?*) ;;
*) echo "systemd-test: HZ_SYSTEMD_DIR must be under /tmp (it is deleted)" >&2; exit 2 ;;
esac

fails=0
oks=0
ok() { oks=$((oks + 1)); echo "  ok    $*"; }
fail() { fails=$((fails + 1)); echo "  FAIL  $*"; }
# check "what" command...: ok when the command succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
die() {
  echo "systemd-test: $*" >&2
  exit 1
}

# ---- the container
nspawn_pid=""
last_nspawn=""
leader=""
boots=0
# inside CMD...: runs CMD in the booted container, as root, in all its
# namespaces, with a clean environment.
inside() {
  nsenter -t "$leader" -a -r -w env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
}
boot() {
  boots=$((boots + 1))
  local log=$W/boot-$boots.log
  # --system-call-filter=bpf: nspawn's seccomp filter refuses bpf() by
  # default; without it the container's systemd cannot attach the
  # cgroup programs of IPAddressDeny=/IPAddressAllow= and runs the unit
  # with no address filter at all (it says so only at debug level in a
  # container). A Pi's systemd has bpf().
  systemd-nspawn --boot --directory="$ROOT" --machine="$MACHINE" \
    --register=no --keep-unit --private-network --console=passive \
    --system-call-filter=bpf >"$log" 2>&1 </dev/null &
  nspawn_pid=$!
  last_nspawn=$nspawn_pid
  leader=""
  for _ in $(seq 1 300); do
    local c
    c=$(pgrep -P "$nspawn_pid" 2>/dev/null | head -1)
    if [ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then
      leader=$c
      break
    fi
    kill -0 "$nspawn_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$leader" ]; then
    cat "$log" >&2
    die "boot $boots: systemd did not start in the container (log above)"
  fi
  # PID 1 exists before its private socket does: wait for the socket
  # (up to a minute on a loaded machine) before asking it anything.
  for _ in $(seq 1 300); do
    inside test -S /run/systemd/private 2>/dev/null && break
    sleep 0.2
  done
  local state
  state=$(inside timeout 120 systemctl is-system-running --wait 2>&1)
  if [ "$state" = running ]; then
    ok "boot $boots: systemd $(inside systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1, system state running"
  else
    fail "boot $boots: system state is '$state', failed units:"
    inside systemctl --failed --no-legend --no-pager | sed 's/^/        /'
  fi
}
poweroff() {
  [ -n "$nspawn_pid" ] || return 0
  if kill -0 "$nspawn_pid" 2>/dev/null; then
    [ -n "$leader" ] && inside systemctl --no-block poweroff >/dev/null 2>&1
    for _ in $(seq 1 150); do
      kill -0 "$nspawn_pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$nspawn_pid" 2>/dev/null; then
      echo "systemd-test: the container did not power off; stopping nspawn" >&2
      kill -TERM "$nspawn_pid" 2>/dev/null
      sleep 5
      kill -KILL "$nspawn_pid" 2>/dev/null
    fi
  fi
  wait "$nspawn_pid" 2>/dev/null
  nspawn_pid=""
  leader=""
}
trap poweroff EXIT

# unit PROP: one property of huzhu.service.
unit() { inside systemctl show huzhu.service -P "$1"; }
# as_huzhu CMD...: as the huzhu user, as packaging/README.md says to.
as_huzhu() { inside runuser -u huzhu -- "$@"; }
# to FILE CMD...: CMD with its output in FILE.
to() {
  local f=$1
  shift
  "$@" >"$f" 2>&1
}
# not CMD...: CMD fails.
not() { ! "$@"; }
# not_in_output REGEX CMD...: CMD's output has no line matching REGEX.
not_in_output() {
  local re=$1
  shift
  ! "$@" 2>&1 | grep -qE "$re"
}
# dpkg_in NAME ARGS...: dpkg ARGS inside, its output in $W/dpkg-NAME.log.
dpkg_in() {
  local name=$1
  shift
  inside dpkg "$@" >"$W/dpkg-$name.log" 2>&1
}
# settles WANT PROP...: the properties of huzhu.service, joined by spaces,
# reach WANT within 20 s (a unit that starts `serve` takes a moment).
settles() {
  local want=$1 got
  shift
  for _ in $(seq 1 100); do
    got=$(for p in "$@"; do unit "$p"; done | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] && return 0
    sleep 0.2
  done
  echo "        (got '$got')"
  return 1
}
# listening [PORT]: something listens on 0.0.0.0:PORT (default 7420, sync)
# in the container.
listening() {
  local hex
  hex=$(printf '%04X' "${1:-7420}")
  inside grep -q "^ *[0-9]*: 00000000:$hex 00000000:0000 0A" /proc/net/tcp
}
settles_listening() {
  for _ in $(seq 1 100); do
    listening "$@" && return 0
    sleep 0.2
  done
  return 1
}
# is_key S: S is a node id (64 hex digits).
is_key() { [[ $1 =~ ^[0-9a-f]{64}$ ]]; }
# The journal of the unit, from the container's first boot on.
unit_journal() { inside journalctl -u huzhu.service -o cat --no-pager; }

# ---- the web interface (`huzhu serve`: 0.0.0.0:8080, HTTPS)
WEB_PORT=8080
LAN_IP=192.168.77.1
FP_LINE='证书指纹 (SHA-256，与浏览器显示的核对): '
FP_RE='([0-9A-F]{2}:){31}[0-9A-F]{2}'
# net_in CMD...: the host's CMD in the container's network namespace only
# (the host's files and tools: ip, curl, python3).
net_in() { nsenter -t "$leader" -n "$@"; }
# The journal of the unit's current run (this start's ExecStartPre and serve).
run_journal() {
  inside journalctl _SYSTEMD_INVOCATION_ID="$(unit InvocationID)" -o cat --no-pager
}
# journal_fp: the fingerprint serve printed at the current start.
journal_fp() { run_journal | sed -n "s/^$FP_LINE//p" | tail -1; }
# settles_journal_fp: serve has printed a fingerprint at this start (20 s).
settles_journal_fp() {
  for _ in $(seq 1 100); do
    [[ $(journal_fp) =~ ^$FP_RE$ ]] && return 0
    sleep 0.2
  done
  return 1
}
# tls_fp: the SHA-256 fingerprint of the certificate the web interface
# presents at 127.0.0.1:8080, written as serve writes it.
tls_fp() {
  net_in python3 -c '
import hashlib, ssl, sys
pem = ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1])), timeout=10)
der = ssl.PEM_cert_to_DER_cert(pem)
print(":".join("%02X" % b for b in hashlib.sha256(der).digest()))
' "$WEB_PORT" 2>/dev/null
}
# fetch URL [SOURCE]: GET URL from the address SOURCE when given, the
# certificate not verified (it is self-signed; tls_fp checks it); prints
# the HTTP status (000: no answer), the body into $W/page.html.
fetch() {
  local src=()
  [ -n "${2:-}" ] && src=(--interface "$2")
  net_in curl -sk --connect-timeout 3 --max-time 10 "${src[@]}" \
    -o "$W/page.html" -w '%{http_code}' "$1" 2>/dev/null
}
# page_served: https://127.0.0.1:8080/ answers 200 with the single page.
page_served() {
  [ "$(fetch "https://127.0.0.1:$WEB_PORT/")" = 200 ] &&
    grep -q '<title>互助 huzhu</title>' "$W/page.html"
}
# answers_from SOURCE: a client at SOURCE (an address on lan0) gets the
# page from https://LAN_IP:8080/; refused_from SOURCE: it gets no answer.
answers_from() { [ "$(fetch "https://$LAN_IP:$WEB_PORT/" "$1")" = 200 ]; }
refused_from() { [ "$(fetch "https://$LAN_IP:$WEB_PORT/" "$1")" = 000 ]; }
# same_fp: the certificate served and the fingerprint printed at this
# start are both the first serve's ($fp1).
same_fp() {
  local t j
  t=$(tls_fp)
  j=$(journal_fp)
  [ -n "$fp1" ] && [ "$t" = "$fp1" ] && [ "$j" = "$fp1" ] && return 0
  echo "        (served '$t', printed '$j', first '$fp1')"
  return 1
}
# web_same: listening on 8080 and serving the first serve's certificate.
web_same() { settles_listening "$WEB_PORT" && settles_journal_fp && same_fp; }

t0=$(date +%s)

# ---- 1. host packages and the package
echo "== systemd-test: host packages"
# shellcheck source=tools/deps.sh
source tools/deps.sh # (it sets -e: this script counts failures itself)
set +e
hz_install_deps || die "could not install the build packages"
missing=()
for p in systemd-container debootstrap dpkg-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "systemd-test: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" || die "could not install ${missing[*]}"
fi

rm -rf "$W"
mkdir -p "$W"
commit=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$SRC" status --porcelain 2>/dev/null | grep -c . || true)
echo "== systemd-test: tree $SRC at $commit ($dirty changed files), work directory $W"

echo "== systemd-test: build the amd64 package (HZ_STATIC_DEPS, HZ_PACKAGE)"
cmake -S "$SRC" -B "$W/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHZ_WERROR=ON -DHZ_STATIC_DEPS=ON -DHZ_PACKAGE=ON -DHZ_TESTS=OFF \
  >"$W/configure.log" 2>&1 || { cat "$W/configure.log"; die "configure failed"; }
cmake --build "$W/build" -j "$(nproc)" >"$W/build.log" 2>&1 ||
  { tail -30 "$W/build.log"; die "build failed"; }
(cd "$W/build" && cpack -G DEB >"$W/cpack.log" 2>&1) ||
  { cat "$W/cpack.log"; die "cpack failed"; }
deb=$(find "$W/build" -maxdepth 1 -name "huzhu_*_amd64.deb" | head -1)
[ -n "$deb" ] || die "cpack wrote no huzhu_*_amd64.deb"
dpkg-deb --field "$deb" Package Version Architecture Depends | sed 's/^/  /'
check "the package holds no node directory and no key" \
  not_in_output 'var/lib|node\.key' dpkg-deb --contents "$deb"
needed=$(readelf -d "$W/build/huzhu" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
# GnuTLS (the web interface's TLS) stays shared: Debian has no static
# p11-kit. Every Debian system has libgnutls30 (apt needs it).
check "the program needs only libc and GnuTLS ($needed)" \
  not_in_output . grep -vxE 'libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2|libgnutls\.so\.30' <<<"${needed// /$'\n'}"
depends=$(dpkg-deb --field "$deb" Depends)
check "it depends on adduser, libc6 and libgnutls30 only ($depends)" \
  eval "grep -qxE 'adduser, libc6 \(>= [0-9.]+\), libgnutls30 \(>= [0-9.]+\)' <<<'$depends'"
# The libraries of single features are loaded when first used (src/dl):
# recommended.
recommends=$(dpkg-deb --field "$deb" Recommends)
check "it recommends the libraries loaded when first used ($recommends)" \
  eval "grep -qx 'libqrencode4, libpq5, libxlsxwriter4, libzip4, libxml2, libopencc1.1' <<<'$recommends'"
t1=$(date +%s)

# ---- 2. the Debian 12 system
echo "== systemd-test: debootstrap Debian 12 (minbase + systemd) into $ROOT"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
  bookworm "$ROOT" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
  { tail -30 "$W/debootstrap.log"; die "debootstrap failed"; }
echo "$MACHINE" >"$ROOT/etc/hostname"
cp "$deb" "$ROOT/root/"
debname=$(basename "$deb")
t2=$(date +%s)

# ---- 3. the image: installed with no systemd running
echo "== systemd-test: dpkg -i into the image in a chroot (an SD card being built)"
check "the minimal Debian has libgnutls30 already (apt needs it): nothing else to install" \
  eval "chroot '$ROOT' dpkg-query -W -f='\${Status}' libgnutls30 | grep -q 'ok installed'"
check "dpkg -i in a chroot succeeds" \
  to "$W/dpkg-image.log" chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  dpkg -i "/root/$debname"
pw=$(chroot "$ROOT" getent passwd huzhu)
uid=$(echo "$pw" | cut -d: -f3)
system_user() { [[ $uid =~ ^[0-9]+$ ]] && [ "$uid" -lt 1000 ] &&
  [ "$(cut -d: -f6,7 <<<"$pw")" = "$DIR:/usr/sbin/nologin" ]; }
check "system user huzhu: $pw" system_user
check "group huzhu exists" to /dev/null chroot "$ROOT" getent group huzhu
check "enabled: multi-user.target.wants/huzhu.service links the unit" \
  [ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/huzhu.service")" = /lib/systemd/system/huzhu.service ]
check "nothing started: no $DIR, so no key, in the image" [ ! -e "$ROOT$DIR" ]

# ---- 4. the first boot: the first start
echo "== systemd-test: boot 1 (the device's first boot)"
boot
check "huzhu.service is enabled" [ "$(inside systemctl is-enabled huzhu.service)" = enabled ]
check "it started at boot; in no network yet serve runs the web interface alone: active (running)" \
  settles "active running" ActiveState SubState
check "$DIR is 0700 huzhu:huzhu" [ "$(inside stat -c '%a %U:%G' "$DIR")" = "700 huzhu:huzhu" ]
check "node.key was made at the first start: 0600 huzhu:huzhu" \
  [ "$(inside stat -c '%a %U:%G' "$DIR/node.key" 2>&1)" = "600 huzhu:huzhu" ]
check "node.db is 0600 huzhu:huzhu (UMask=0077)" \
  [ "$(inside stat -c '%a %U:%G' "$DIR/node.db" 2>&1)" = "600 huzhu:huzhu" ]
check "dpkg does not list the node directory as a package file" \
  not_in_output "^$DIR" inside dpkg -L huzhu
check "the web certificate was made at the first serve, before any network" \
  inside sh -c "[ -e $DIR/web-tls.key ] && [ -e $DIR/web-tls.crt ]"

echo "== systemd-test: systemctl start huzhu"
check "systemctl start huzhu exits 0" inside systemctl start huzhu.service
check "in no network: active (running), never restarted" \
  settles "active running 0" ActiveState SubState NRestarts
key1=$(as_huzhu huzhu -d "$DIR" id 2>&1)
check "huzhu -d $DIR id as huzhu: $key1" is_key "$key1"
check "huzhu -d $DIR status as huzhu exits 0" \
  to "$W/status.out" as_huzhu huzhu --lang en -d "$DIR" status
sed 's/^/        /' "$W/status.out"
check "status names the node after the host ($MACHINE)" grep -q "$MACHINE" "$W/status.out"

check "the journal says the node is in no network, how to make one, and that the web is served" \
  eval "unit_journal | grep -q '尚未加入任何网络' && unit_journal | grep -q 'network create' && unit_journal | grep -q '网页界面照常提供'"

echo "== systemd-test: in a network, the unit serves"
# The site's LAN: a veth pair in the container's network namespace.
lan() {
  net_in ip link add lan0 type veth peer name lan1 &&
    net_in ip addr add "$LAN_IP/24" dev lan0 &&
    net_in ip link set lan0 up && net_in ip link set lan1 up
}
check "a LAN in the container: lan0 $LAN_IP/24 (veth)" lan
check "huzhu network create as huzhu" \
  to "$W/network.out" as_huzhu huzhu -d "$DIR" network create --name 测试网
check "systemctl restart huzhu exits 0" inside systemctl restart huzhu.service
check "active (running)" settles "active running" ActiveState SubState
check "serve listens on 0.0.0.0:7420" settles_listening
check "status says a serve is running" \
  eval "as_huzhu huzhu -d $DIR --json status | grep -q '\"serving\":true'"

echo "== systemd-test: the web interface under the unit"
check "the web interface listens on 0.0.0.0:$WEB_PORT" settles_listening "$WEB_PORT"
check "serve printed the certificate's fingerprint to the journal" settles_journal_fp
fp1=$(journal_fp)
echo "        $FP_LINE$fp1"
web_lines=$(run_journal | grep '^网页界面 ' | tr '\n' ' ')
check "the journal names the addresses to open, the LAN's and loopback ($web_lines)" \
  [ "$web_lines" = "网页界面 https://$LAN_IP:$WEB_PORT/ 网页界面 https://127.0.0.1:$WEB_PORT/ " ]
check "web-tls.key was made at this first serve: 0600 huzhu:huzhu" \
  [ "$(inside stat -c '%a %U:%G' "$DIR/web-tls.key" 2>&1)" = "600 huzhu:huzhu" ]
check "web-tls.crt is 0600 huzhu:huzhu (UMask=0077)" \
  [ "$(inside stat -c '%a %U:%G' "$DIR/web-tls.crt" 2>&1)" = "600 huzhu:huzhu" ]
check "https://127.0.0.1:$WEB_PORT/ answers 200 with the page (<title>互助 huzhu</title>)" \
  page_served
fp_seen=$(tls_fp)
seen_is_printed() { [ -n "$fp_seen" ] && [ "$fp_seen" = "$fp1" ]; }
check "the certificate it presents is the one the journal printed ($fp_seen)" \
  seen_is_printed
check "https://$LAN_IP:$WEB_PORT/ answers a phone on the LAN ($LAN_IP)" answers_from "$LAN_IP"
# IPAddressAllow=: a phone on any private or link-local range is served;
# the packets of a public address are dropped.
extra="10.77.0.1 172.31.77.1 100.64.77.1 169.254.77.1 203.0.113.77"
for a in $extra; do net_in ip addr add "$a/32" dev lan0; done
check "a client at 10.77.0.1 (10/8) is served" answers_from 10.77.0.1
check "a client at 172.31.77.1 (172.16/12) is served" answers_from 172.31.77.1
check "a client at 100.64.77.1 (100.64/10) is served" answers_from 100.64.77.1
check "a client at 169.254.77.1 (link-local) is served" answers_from 169.254.77.1
check "a client at 203.0.113.77 (public) gets no answer (IPAddressDeny=any)" \
  refused_from 203.0.113.77
for a in $extra; do net_in ip addr del "$a/32" dev lan0; done

echo "== systemd-test: a second start"
check "systemctl restart huzhu exits 0" inside systemctl restart huzhu.service
check "active (running) again" settles "active running" ActiveState SubState
check "same node id after the restart" [ "$(as_huzhu huzhu -d "$DIR" id 2>&1)" = "$key1" ]
check "the web interface listens on 0.0.0.0:$WEB_PORT again" settles_listening "$WEB_PORT"
check "the certificate is kept: served and printed with the first fingerprint" \
  eval "settles_journal_fp && same_fp"
n=$(unit_journal | grep -c "creating the node")
check "the journal says 'creating the node' once ($n)" [ "$n" = 1 ]

echo "== systemd-test: dpkg -i of the same version on the running system (postinst restarts)"
check "dpkg -i succeeds" dpkg_in i-again -i "/root/$debname"
check "active (running)" settles "active running" ActiveState SubState
check "same node id" [ "$(as_huzhu huzhu -d "$DIR" id 2>&1)" = "$key1" ]
check "the web interface listens with the same certificate" web_same

echo "== systemd-test: the journal of huzhu.service"
unit_journal >"$W/journal-1.txt"
sed 's/^/        /' "$W/journal-1.txt"
check "no message at priority err or worse" \
  [ -z "$(inside journalctl -u huzhu.service -p err -o cat --no-pager)" ]
check "no error, warning, denied or failed in it" \
  not grep -qiE 'error|warn|denied|fail|错误|失败' "$W/journal-1.txt"
seed=$(inside od -An -tx1 -v "$DIR/node.key" | tr -d ' \n')
check "the key's secret (32 bytes, read from node.key) is not in the journal" \
  eval "[ ${#seed} -eq 64 ] && ! grep -qi '$seed' '$W/journal-1.txt'"
check "no private key (web-tls.key) in it" not grep -q 'PRIVATE KEY' "$W/journal-1.txt"
check "every fingerprint in it is the first serve's" \
  eval "grep '^$FP_LINE' '$W/journal-1.txt' | sort -u | cmp -s - <(echo '$FP_LINE$fp1')"
# serve's web lines, exactly: the LAN's and loopback's address, the
# fingerprint (32 bytes in hex).
web_re='网页界面 https://(192\.168\.77\.1|127\.0\.0\.1):8080/$'
fp_re='证书指纹 \(SHA-256，与浏览器显示的核对\): ([0-9A-F]{2}:){31}[0-9A-F]{2}$'
# huzhu status (the first start's) names the certificate once it exists.
status_fp_re='网页证书指纹 \(SHA-256\): ([0-9A-F]{2}:){31}[0-9A-F]{2}$'
check "nothing but the unit's messages, the node's status and serve's in it" \
  not grep -vE "^(huzhu-first-start: creating the node in $DIR|节点已创建。|公钥: [0-9a-f]{64}|节点: $MACHINE|网络: |条目: |huzhu serve 正在运行|huzhu serve 未运行|本节点尚未加入任何网络 \(huzhu network create 或 huzhu join\)：实时同步未开启，网页界面照常提供；加入网络后自动开始同步 \(Ctrl-C 停止\)$|正在服务 0\.0\.0\.0:7420 |$web_re|$fp_re|$status_fp_re|(Starting|Started|Finished|Stopping|Stopped) huzhu\.service - |huzhu\.service: (Deactivated successfully|Consumed .*)\.)" "$W/journal-1.txt"

echo "== systemd-test: systemd-analyze security huzhu (the live unit)"
inside systemd-analyze security --no-pager huzhu.service >"$W/security.txt" 2>&1
grep -E '^(✗|→)' "$W/security.txt" | sed 's/  */ /g; s/^/        /'
score=$(sed -n 's/^→ Overall exposure level for huzhu.service: \([0-9.]* [A-Z]*\).*/\1/p' "$W/security.txt")
# A node that syncs needs the network: PrivateNetwork= off, IPv4 and
# IPv6 sockets, an address allow list with the LAN ranges; netlink
# sockets to read the machine's addresses, which serve prints as the web
# interface's. With those, the ProcSubset= the device fingerprint needs
# (DECISIONS 13), the root directory and ProtectClock='s read access to
# the RTC, exactly these settings are open, and the score is at most
# 1.0; any other finding is a protection lost.
open=$(sed -n 's/^✗ \([^ ]*\) .*/\1/p' "$W/security.txt" | LC_ALL=C sort | tr '\n' ' ')
check "open settings are only the expected ones ($open)" \
  [ "$open" = "DeviceAllow= IPAddressDeny= PrivateNetwork= ProcSubset= RestrictAddressFamilies=~AF_(INET|INET6) RestrictAddressFamilies=~AF_NETLINK RootDirectory=/RootImage= " ]
check "overall exposure: $score" \
  eval "grep -qE '^(0\.[0-9]|1\.0) (OK|SAFE|PERFECT)$' <<<'$score'"

# ---- 5. reboot
echo "== systemd-test: reboot (power off, boot again)"
poweroff
boot
check "huzhu.service is enabled" [ "$(inside systemctl is-enabled huzhu.service)" = enabled ]
check "it came up at boot serving: active (running)" \
  settles "active running" ActiveState SubState
check "serve listens on 0.0.0.0:7420" settles_listening
check "same node id after the reboot" [ "$(as_huzhu huzhu -d "$DIR" id 2>&1)" = "$key1" ]
check "the web interface listens on 0.0.0.0:$WEB_PORT with the same certificate" web_same
check "https://127.0.0.1:$WEB_PORT/ serves the page" page_served
check "this boot did not create a node" \
  not_in_output "creating the node" inside journalctl -b -u huzhu.service -o cat --no-pager
check "no message at priority err or worse this boot" \
  [ -z "$(inside journalctl -b -u huzhu.service -p err -o cat --no-pager)" ]

# ---- 6. remove, reinstall, purge
echo "== systemd-test: dpkg -r huzhu"
check "dpkg -r succeeds" dpkg_in r -r huzhu
check "the unit is stopped" [ "$(unit ActiveState)" = inactive ]
check "the program and the unit file are gone" \
  inside sh -c "[ ! -e /usr/bin/huzhu ] && [ ! -e /lib/systemd/system/huzhu.service ]"
check "$DIR, node.key and web-tls.key are kept (0700 / 0600 / 0600 huzhu)" \
  [ "$(inside stat -c '%a %U' "$DIR" "$DIR/node.key" "$DIR/web-tls.key" | tr '\n' ' ')" = "700 huzhu 600 huzhu 600 huzhu " ]
check "the huzhu user is kept" to /dev/null inside getent passwd huzhu
check "postrm masked the unit" [ "$(inside systemctl is-enabled huzhu.service 2>&1)" = masked ]

echo "== systemd-test: dpkg -i after dpkg -r (a node directory already there)"
check "dpkg -i succeeds" dpkg_in i-after-r -i "/root/$debname"
check "huzhu.service is enabled again" [ "$(inside systemctl is-enabled huzhu.service)" = enabled ]
check "and active (running)" settles "active running" ActiveState SubState
check "the same node id: the kept node was not initialised again" \
  [ "$(as_huzhu huzhu -d "$DIR" id 2>&1)" = "$key1" ]
check "and the same web certificate" web_same

echo "== systemd-test: dpkg -P huzhu"
check "dpkg -P succeeds" dpkg_in P -P huzhu
check "the unit is stopped" [ "$(unit ActiveState)" = inactive ]
check "no enablement nor mask is left" \
  inside sh -c "! ls /etc/systemd/system/huzhu.service /etc/systemd/system/*/huzhu.service 2>/dev/null | grep -q ."
check "$DIR with node.key and node.db is kept (README: not even on purge)" \
  inside sh -c "[ -s $DIR/node.key ] && [ -s $DIR/node.db ]"
check "the huzhu user and group are kept" \
  to /dev/null inside sh -c "getent passwd huzhu && getent group huzhu"
check "dpkg no longer knows the package" not to /dev/null inside dpkg -s huzhu

# ---- 7. a first install on a running system
echo "== systemd-test: dpkg -i on a running system with no node and no user"
inside userdel huzhu >/dev/null 2>&1
inside rm -rf "$DIR"
check "(the kept node and user removed by hand)" \
  eval "[ ! -e '$ROOT$DIR' ] && ! chroot '$ROOT' getent passwd huzhu >/dev/null &&
    ! chroot '$ROOT' getent group huzhu >/dev/null"
check "dpkg -i succeeds" dpkg_in i-fresh -i "/root/$debname"
check "postinst created the user and started the unit: active, ExecMainStatus=0" \
  [ "$(unit ActiveState) $(unit ExecMainStatus)" = "active 0" ]
check "node.key was made at this start: 0600 huzhu:huzhu in a 0700 directory" \
  [ "$(inside stat -c '%a %U:%G' "$DIR" "$DIR/node.key" 2>&1 | tr '\n' ' ')" = "700 huzhu:huzhu 600 huzhu:huzhu " ]
key2=$(as_huzhu huzhu -d "$DIR" id 2>&1)
new_key() { is_key "$key2" && [ "$key2" != "$key1" ]; }
check "a new node id ($key2)" new_key
check "no message at priority err or worse in the unit's journal" \
  [ -z "$(inside journalctl -u huzhu.service -p err -o cat --no-pager)" ]

echo "== systemd-test: power off"
poweroff
check "the container stopped" not kill -0 "$last_nspawn" 2>/dev/null
t3=$(date +%s)
echo "== systemd-test: summary"
echo "  build $((t1 - t0)) s, debootstrap $((t2 - t1)) s, boots and checks $((t3 - t2)) s"
echo "  work directory $W (boot logs boot-*.log, journal-1.txt, security.txt)"
echo "$oks passed, $fails failed"
[ "$fails" -eq 0 ]
