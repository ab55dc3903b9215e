#!/usr/bin/env bash
# tools/fresh-debian-test.sh - the README's quick start on a fresh Debian
# 12, as a newcomer meets it (issue 19). Needs root and Debian's mirror;
# it takes a while (packages, two builds, the whole suite). Not part of
# the test command.
#
#   1. debootstrap --variant=minbase bookworm into a temporary directory,
#      from the mirror of /etc/apt/sources.list.d/debian.sources (which,
#      with this machine's Acquire:: settings, the new root gets too)
#   2. the source tree as a tarball has it: `git archive HEAD` (no .git,
#      only committed files), or the work tree less .git and build*/ when
#      there is no repository
#   3. in the chroot (proc, sys and dev mounted):
#      - as a user without sudo: `bash tools/demo.sh` must stop, non-zero,
#        and say what to run as root (tools/deps.sh)
#      - as root: `bash tools/demo.sh`, then `bash tools/test.sh`
#      each with its exit code and wall time, in a table at the end.
#
# Output of every step goes to a log directory whose path is printed.
# HZ_FRESH_KEEP=1 keeps the root afterwards (else it is removed).
# Exits 0 when the user without sudo got the message and both commands
# passed as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-debian: run as root (debootstrap, chroot and mount need it)" >&2
  exit 2
fi
source tools/deps.sh
[ -n "$(hz_missing_packages debootstrap)" ] && hz_apt_install debootstrap

sources=/etc/apt/sources.list.d/debian.sources
mirror=$(sed -n 's/^URIs: *//p' "$sources" | head -n 1)
if [ -z "$mirror" ]; then
  echo "fresh-debian: no URIs: line in $sources" >&2
  exit 2
fi
base=$(mktemp -d "${TMPDIR:-/var/tmp}/huzhu-fresh.XXXXXX")
root=$base/root
logs=$base/logs
mkdir -p "$root" "$logs"
echo "fresh-debian: root $root, logs $logs"

steps=()
rcs=()
secs=()
cleanup() {
  umount -R "$root/proc" "$root/sys" "$root/dev" 2>/dev/null || true
  if [ "${HZ_FRESH_KEEP:-0}" != 1 ] && [ -d "$root" ] &&
     ! grep -q " $root/" /proc/mounts; then
    rm -rf "$root"
  fi
}
trap cleanup EXIT

# step NAME LOG COMMAND...: run, record exit code and seconds, never stop.
step() {
  local name=$1 out=$logs/$2
  shift 2
  local t0 rc=0
  t0=$(date +%s)
  echo "fresh-debian: $name (log: $out)"
  "$@" >"$out" 2>&1 || rc=$?
  steps+=("$name")
  rcs+=("$rc")
  secs+=($(($(date +%s) - t0)))
  echo "fresh-debian: $name: exit $rc in ${secs[-1]} s"
  return 0
}

step "debootstrap minbase bookworm" debootstrap.log \
  debootstrap --variant=minbase bookworm "$root" "$mirror"
if [ "${rcs[-1]}" -ne 0 ]; then
  tail -n 20 "$logs/debootstrap.log" >&2
  exit 1
fi

# The new root reaches the mirror as this machine does.
rm -f "$root/etc/apt/sources.list"
cp "$sources" "$root/etc/apt/sources.list.d/"
for f in /etc/apt/apt.conf.d/*; do
  grep -q '^Acquire::' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The source, as a tarball has it.
tarball=$base/huzhu.tar
if command -v git >/dev/null 2>&1 && git rev-parse HEAD >/dev/null 2>&1; then
  git archive --format=tar --prefix=huzhu/ HEAD >"$tarball"
  echo "fresh-debian: source: git archive of $(git rev-parse --short HEAD)" \
    "($(git rev-parse --abbrev-ref HEAD))"
else
  tar -c --transform 's|^\.|huzhu|' --exclude=./.git --exclude='./build*' \
    --exclude=./demo-node --exclude=./demo-node-shelter -f "$tarball" .
  echo "fresh-debian: source: the work tree (no repository)"
fi
chroot "$root" useradd -m -s /bin/bash newcomer
tar -x -f "$tarball" -C "$root/root"
tar -x -f "$tarball" -C "$root/home/newcomer"
chroot "$root" chown -R newcomer:newcomer /home/newcomer/huzhu

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

# A login shell's environment, nothing of ours.
in_root() {
  local user=$1 home=$2
  shift 2
  chroot --userspec="$user:$user" "$root" env -i HOME="$home" USER="$user" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=dumb bash -c "cd $home/huzhu && $*"
}

step "user without sudo: bash tools/demo.sh" user-demo.log \
  in_root newcomer /home/newcomer "bash tools/demo.sh"
user_ok=0
if [ "${rcs[-1]}" -ne 0 ] && grep -q "su -c 'apt-get update" "$logs/user-demo.log"; then
  user_ok=1
fi
sed 's/^/    /' "$logs/user-demo.log"

step "root: bash tools/demo.sh" root-demo.log in_root root /root "bash tools/demo.sh"
demo_rc=${rcs[-1]}
step "root: bash tools/test.sh" root-test.log in_root root /root "bash tools/test.sh"
test_rc=${rcs[-1]}

echo
echo "== fresh Debian 12 (minbase), $(nproc) cores"
for i in "${!steps[@]}"; do
  printf '  %-40s exit %3d %6d s\n' "${steps[$i]}" "${rcs[$i]}" "${secs[$i]}"
done
echo "  the user without sudo was told what to run as root: $([ $user_ok = 1 ] && echo yes || echo NO)"
echo "== tools/demo.sh as root: $(wc -l <"$logs/root-demo.log") lines"
echo "== tools/test.sh as root, its own table:"
sed -n '/^== time per layer/,$p' "$logs/root-test.log" | sed 's/^/  /'
[ "$user_ok" = 1 ] && [ "$demo_rc" -eq 0 ] && [ "$test_rc" -eq 0 ]
