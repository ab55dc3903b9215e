# cmake/aarch64-toolchain.cmake - cross-compile huzhu for a 64-bit
# Raspberry Pi (aarch64, Debian's arm64) on a Debian 12 amd64 machine.
#
#   cmake -S . -B build-aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake
#
# Needs gcc-aarch64-linux-gnu, qemu-user and the :arm64 -dev packages
# (tools/aarch64.sh installs them). Libraries are Debian multiarch: the
# arm64 ones live in /usr/lib/aarch64-linux-gnu beside the amd64 ones, so
# there is no sysroot. Tests run through qemu-aarch64 (binfmt_misc is not
# mounted in our containers, so nothing may exec an aarch64 file directly).
# 32-bit armhf is not a target: its time_t ends in 2038 (DECISIONS 27).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_AR aarch64-linux-gnu-ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB aarch64-linux-gnu-ranlib CACHE FILEPATH "ranlib")
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "strip")

# Programs come from the host; libraries and headers must be arm64 ones.
# /usr/aarch64-linux-gnu is the cross libc (libc6-dev-arm64-cross); the
# multiarch directories under /usr are searched through
# CMAKE_LIBRARY_ARCHITECTURE, and never the host's /usr/lib/x86_64-*.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)

# pkg-config reads only the arm64 .pc files (and the arch-independent
# ones). No sysroot: multiarch -I/-L paths are already the right ones.
set(ENV{PKG_CONFIG_LIBDIR}
    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
unset(ENV{PKG_CONFIG_PATH})
unset(ENV{PKG_CONFIG_SYSROOT_DIR})

# ctest runs every add_test() whose COMMAND is a target through this.
# -L /: the programs run on the multiarch libc6:arm64 alone, loader and
# libc from one package, as on a Pi. Not -L /usr/aarch64-linux-gnu: qemu
# then took that directory's loader (libc6-arm64-cross, 2.36-8cross1)
# but the loader found libc.so.6 through /etc/ld.so.cache in
# /lib/aarch64-linux-gnu (libc6:arm64, 2.36-9+deb12u14), whose
# _rtld_global is 8 bytes longer; the first pthread_create of huzhu
# serve's web thread then walked a stack-cache list that never ends,
# forever (packaging/RESULTS.md, 2026-12-05). The cross libc is for
# linking only.
if(NOT DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/qemu-aarch64 -L /)
endif()
