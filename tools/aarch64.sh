#!/usr/bin/env bash
# tools/aarch64.sh - the Raspberry Pi build (DECISIONS 26, 27), one command:
#
#   tools/aarch64.sh
#
#   1. installs what is missing: the host packages of tools/deps.sh, the
#      arm64 foreign architecture, Debian 12's aarch64 cross compiler,
#      qemu-user, the :arm64 -dev packages (GnuTLS's are Multi-Arch:
#      same, so apt upgrades the amd64 GnuTLS to their version) and
#      libqrencode4:arm64 (dlopened for the join token's QR code, which
#      integration.web checks)
#   2. cross-compiles huzhu in build-aarch64 (cmake/aarch64-toolchain.cmake)
#      with libuv, SQLite, libsodium, msgpack-c, jansson and libmicrohttpd
#      linked statically (HZ_STATIC_DEPS) and checks with readelf that the
#      binary needs nothing but libc, libm and GnuTLS (libgnutls.so.30;
#      Debian has no static p11-kit)
#   3. runs the whole test suite under qemu-aarch64 (binfmt_misc is not
#      mounted in our containers: ctest puts the emulator in front of
#      every test program) on libc6:arm64's loader and libc (-L /; the
#      cross libc is for linking only, cmake/aarch64-toolchain.cmake)
#   4. builds the .deb (build-aarch64/huzhu_<version>_arm64.deb), lists it,
#      checks that its Depends names libgnutls30 and checks its systemd
#      unit with systemd-analyze verify
#
# Not part of the README's test command (tools/test.sh); it takes about
# as long again. Timings under qemu are functional, not Pi performance.
# Scale knobs (DECISIONS 26), lower by default under emulation (qemu runs
# the simulator about 10x slower than the host):
#   HUZHU_SIM_SEEDS (default here 40), HUZHU_CRASH_RUNS (default here 3).
# HZ_AARCH64_DIR sets the build directory (default build-aarch64).
# Exits non-zero when anything fails or when a test could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${HZ_AARCH64_DIR:-build-aarch64}
jobs=$(nproc)

# ---- 1. packages
source tools/deps.sh
hz_install_deps

HZ_ARM64_PACKAGES=(
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu   # cross compiler
  qemu-user                                          # runs the tests
  libc6:arm64                                        # loader, libc (qemu)
  libuv1-dev:arm64 libsqlite3-dev:arm64 libsodium-dev:arm64
  libmsgpack-dev:arm64 libjansson-dev:arm64 libcmocka-dev:arm64
  libzstd-dev:arm64
  libcsv-dev:arm64 libzip-dev:arm64 libexpat1-dev:arm64  # rosters
  libopencc-dev:arm64                                    # dups
  libxlsxwriter-dev:arm64 libxml2-dev:arm64              # reports
  zlib1g-dev:arm64              # named by sqlite3.pc's Libs.private
  # The web interface. libmicrohttpd.a is linked in; GnuTLS stays shared,
  # so nothing of it is linked statically, but pkg-config reads the .pc
  # files of its Requires.private (nettle, hogweed, libtasn1, libidn2,
  # p11-kit-1): libgnutls28-dev:arm64 depends on their -dev packages.
  # Multi-Arch: same: the :arm64 and amd64 GnuTLS packages must be of
  # one version, so apt upgrades the amd64 ones (libgnutls30,
  # libgnutls28-dev, ...) to the arm64 candidate here when they are older.
  libmicrohttpd-dev:arm64 libgnutls28-dev:arm64
  # The join token's QR code: huzhu dlopens libqrencode.so.4 (src/http/qr.c)
  # and integration.web expects the SVG, so the tests under qemu (-L /)
  # need the arm64 library; its header is arch-independent (tools/deps.sh
  # installs libqrencode-dev). Multi-Arch: same, one version with amd64's.
  libqrencode4:arm64
  dpkg-dev systemd              # dpkg-shlibdeps; systemd-analyze
)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  hz_as_root "adding the arm64 architecture" "dpkg --add-architecture arm64"
  echo "aarch64: adding the arm64 architecture"
  $HZ_AS_ROOT dpkg --add-architecture arm64
fi
mapfile -t missing < <(hz_missing_packages "${HZ_ARM64_PACKAGES[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  echo "aarch64: missing ${missing[*]}"
  hz_apt_install "${missing[@]}"
else
  echo "aarch64: all ${#HZ_ARM64_PACKAGES[@]} cross packages present"
fi

# ---- 2. configure and build
t0=$(date +%s)
echo "== aarch64: configure and build in $B"
cmake -S . -B "$B" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHZ_WERROR=ON \
  -DHZ_STATIC_DEPS=ON -DHZ_PACKAGE=ON >/dev/null
for opt in HZ_STATIC_DEPS:cmake/static-deps.cmake HZ_PACKAGE:cmake/package.cmake; do
  grep -q "^${opt%%:*}:BOOL=ON" "$B/CMakeCache.txt" || {
    echo "aarch64: ${opt%%:*} is not an option: CMakeLists.txt must include ${opt#*:}" >&2
    exit 1
  }
done
cmake --build "$B" -j "$jobs"
t1=$(date +%s)

# libc (with its loader), libm if used, and GnuTLS: the only libraries
# an offline Pi is sure to have (apt needs GnuTLS; DECISIONS 27).
echo "== aarch64: shared libraries the huzhu binary needs"
needed=$(aarch64-linux-gnu-readelf -d "$B/huzhu" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$needed" | sed 's/^/  /'
extra=$(echo "$needed" | grep -vxE 'libc\.so\.6|libm\.so\.6|ld-linux-aarch64\.so\.1|libgnutls\.so\.30' || true)
if [ -n "$extra" ]; then
  echo "aarch64: huzhu needs more than libc and GnuTLS: ${extra//$'\n'/ } (DECISIONS 27)" >&2
  exit 1
fi
for lib in libc.so.6 libgnutls.so.30; do
  echo "$needed" | grep -qxF "$lib" || {
    echo "aarch64: huzhu does not need $lib: is it linked statically, or is the web interface missing?" >&2
    exit 1
  }
done

# ---- 3. tests under qemu
# ctest runs a test whose COMMAND is a target through the emulator. A test
# that hands an aarch64 program to a host program (the Python tests get
# the huzhu path) can run only if it is given the emulator wrapper
# (packaging/README.md); one that still gets the bare aarch64 file cannot
# exec it here, so it is listed and the run fails.
mapfile -t unrunnable < <(/usr/bin/python3 - "$B" <<'EOF'
import json, os, subprocess, sys
out = subprocess.run(["ctest", "--test-dir", sys.argv[1], "--show-only=json-v1"],
                     capture_output=True, check=True).stdout
def aarch64_elf(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == 183
for t in json.loads(out).get("tests", []):
    cmd = t.get("command") or []
    if not cmd or os.path.basename(cmd[0]).startswith("qemu-"):
        continue
    if any(aarch64_elf(a) for a in cmd):
        print(t["name"])
EOF
)
exclude=()
if [ ${#unrunnable[@]} -gt 0 ]; then
  regex="^($(printf '%s|' "${unrunnable[@]}" | sed 's/\./\\./g; s/|$//'))\$"
  exclude=(-E "$regex")
fi

echo "== aarch64: tests under qemu-aarch64"
t2=$(date +%s)
set +e
(cd "$B" && HUZHU_SIM_SEEDS="${HUZHU_SIM_SEEDS:-40}" \
  HUZHU_CRASH_RUNS="${HUZHU_CRASH_RUNS:-3}" \
  ctest --output-on-failure -j "$jobs" -LE fuzz "${exclude[@]}") 2>&1 |
  tee "$B/aarch64-ctest.log"
test_rc=${PIPESTATUS[0]}
set -e
t3=$(date +%s)

# ---- 4. the package
echo "== aarch64: package"
(cd "$B" && cpack -G DEB >/dev/null)
deb="$B/$(cd "$B" && ls -t huzhu_*_arm64.deb | head -1)"
dpkg-deb --field "$deb" Package Version Architecture Depends Installed-Size
# dpkg-shlibdeps must have found the arm64 libgnutls30 (its symbols file):
# without it the package would install on a Pi that cannot run it.
if ! dpkg-deb --field "$deb" Depends | tr ',' '\n' | grep -qE '^ *libgnutls30( |$)'; then
  echo "aarch64: the package's Depends does not name libgnutls30" >&2
  exit 1
fi
dpkg-deb --contents "$deb"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb --extract "$deb" "$root"
echo "  highest glibc symbol version: $(aarch64-linux-gnu-objdump -T "$root/usr/bin/huzhu" |
  grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"

# The unit is checked inside the unpacked package, beside this machine's
# own units (sysinit.target, ...), so its ExecStart= files are the
# packaged ones. Any message fails the run.
echo "== aarch64: systemd-analyze verify huzhu.service"
cp -an /usr/lib/systemd/system/. "$root/lib/systemd/system/"
if ! verify=$(systemd-analyze verify --root="$root" huzhu.service 2>&1) ||
   [ -n "$verify" ]; then
  echo "$verify"
  echo "aarch64: systemd-analyze verify failed for huzhu.service" >&2
  exit 1
fi
echo "  no messages"
systemd-analyze security --offline=yes --root="$root" huzhu.service 2>&1 |
  grep -E '^(✗|→)' | sed 's/  */ /g; s/^/  /'

# The unit's ExecStart= script with the packaged (stripped) program under
# qemu: the first start creates the node, a second start only checks it,
# and a directory that holds something else is refused, not initialised.
echo "== aarch64: first start of the packaged program"
cat >"$root/huzhu-emulated" <<EOS
#!/bin/sh
exec /usr/bin/qemu-aarch64 -L / "$root/usr/bin/huzhu" "\$@"
EOS
chmod 755 "$root/huzhu-emulated"
first_start() {
  HUZHU="$root/huzhu-emulated" HUZHU_DIR="$1" HUZHU_NAME=测试安置点 HUZHU_LANG=en \
    "$root/usr/libexec/huzhu/huzhu-first-start"
}
mkdir "$root/node" "$root/other"
first_start "$root/node" >"$root/first.out" 2>&1 ||
  { cat "$root/first.out"; echo "aarch64: first start failed" >&2; exit 1; }
key1=$(HUZHU_DIR="$root/node" "$root/huzhu-emulated" id)
first_start "$root/node" >"$root/second.out" 2>&1 ||
  { cat "$root/second.out"; echo "aarch64: second start failed" >&2; exit 1; }
key2=$(HUZHU_DIR="$root/node" "$root/huzhu-emulated" id)
if grep -q "creating the node" "$root/second.out" || [ "$key1" != "$key2" ]; then
  echo "aarch64: a second start made a new identity" >&2; exit 1
fi
echo "placeholder" >"$root/other/notes.txt"
if first_start "$root/other" >"$root/other.out" 2>&1 || [ -e "$root/other/node.key" ]; then
  cat "$root/other.out"
  echo "aarch64: a non-empty directory that is not a node was initialised" >&2
  exit 1
fi
echo "  first start created node $key1; second start kept it;"
echo "  a non-empty other directory was refused: $(tail -1 "$root/other.out")"

echo "== aarch64: summary"
echo "  build:  $((t1 - t0)) s (configure + cross-compile, $jobs jobs)"
echo "  tests:  $((t3 - t2)) s under qemu-aarch64"
grep -E 'tests passed|tests failed' "$B/aarch64-ctest.log" | sed 's/^/  /' || true
echo "  package: $deb"
if [ ${#unrunnable[@]} -gt 0 ]; then
  echo "  NOT RUN (they exec the aarch64 huzhu directly; see packaging/README.md):"
  printf '    %s\n' "${unrunnable[@]}"
  exit 1
fi
exit "$test_rc"
