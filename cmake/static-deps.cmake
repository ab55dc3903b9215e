# cmake/static-deps.cmake - HZ_STATIC_DEPS: link libuv, SQLite, libsodium,
# msgpack-c, zstd, jansson, expat, libcsv and libmicrohttpd statically
# (DECISIONS 27), so the Pi package's binary needs nothing but libc and
# GnuTLS (below), which every Debian system has, and an offline Pi
# installs it alone. The libraries of single features (libpq, libxlsxwriter,
# libzip, libxml2, OpenCC, libqrencode) are loaded when first used
# (src/dl), so they are not linked at all.
#
# Included by the top-level CMakeLists.txt right after its
# pkg_check_modules() calls. It rewrites the link interface of the
# PkgConfig:: imported targets: every program and static library that
# links them gets Debian's .a archives (the -dev packages ship them) and
# their Libs.private; a SHARED library (hz_core_check) keeps the .so,
# because Debian's archives are not built as PIC.
#
# Only libc's own libraries (m, pthread, dl, rt: all in libc since glibc
# 2.34) and GnuTLS stay dynamic. Any other library named in a .pc file's
# Libs.private must have its .a, or configuring fails: it is never linked
# dynamically behind our back. tools/aarch64.sh checks the result with readelf -d.

option(HZ_STATIC_DEPS
       "Link libuv, SQLite, libsodium, msgpack-c, zstd, jansson, expat, libcsv, libmicrohttpd statically"
       OFF)

if(HZ_STATIC_DEPS)
  set(_hz_libc_libs c m pthread dl rt)
  set(_hz_shared "$<STREQUAL:$<TARGET_PROPERTY:TYPE>,SHARED_LIBRARY>")
  foreach(_p IN ITEMS UV SQLITE SODIUM MSGPACK ZSTD JANSSON EXPAT)
    if(NOT TARGET PkgConfig::${_p})
      message(FATAL_ERROR "HZ_STATIC_DEPS: no PkgConfig::${_p}; include "
                          "static-deps.cmake after pkg_check_modules()")
    endif()
    get_target_property(_dyn PkgConfig::${_p} INTERFACE_LINK_LIBRARIES)
    set(_static "")
    foreach(_lib IN LISTS ${_p}_STATIC_LIBRARIES)
      if(_lib IN_LIST _hz_libc_libs)
        list(APPEND _static "${_lib}")
        continue()
      endif()
      unset(_a)
      find_library(_a NAMES lib${_lib}.a lib${_lib}_a.a
                   HINTS ${${_p}_STATIC_LIBRARY_DIRS} ${${_p}_LIBRARY_DIRS}
                   NO_CACHE)
      if(NOT _a)
        message(FATAL_ERROR "HZ_STATIC_DEPS: no static lib${_lib}.a for "
                            "${_p} (install its -dev package)")
      endif()
      list(APPEND _static "${_a}")
    endforeach()
    set(_iface "")
    foreach(_l IN LISTS _dyn)
      list(APPEND _iface "$<${_hz_shared}:${_l}>")
    endforeach()
    foreach(_l IN LISTS _static)
      list(APPEND _iface "$<$<NOT:${_hz_shared}>:${_l}>")
    endforeach()
    set_property(TARGET PkgConfig::${_p} PROPERTY
                 INTERFACE_LINK_LIBRARIES "${_iface}")
    # Flags such as -pthread from Libs.private.
    if(${_p}_STATIC_LDFLAGS_OTHER)
      set_property(TARGET PkgConfig::${_p} APPEND PROPERTY
                   INTERFACE_LINK_OPTIONS
                   "$<$<NOT:${_hz_shared}>:${${_p}_STATIC_LDFLAGS_OTHER}>")
    endif()
    message(STATUS "HZ_STATIC_DEPS: ${_p} -> ${_static}")
  endforeach()

  # libmicrohttpd (the web interface) is linked from its own archive, but
  # the GnuTLS its .pc requires privately stays shared: Debian ships no
  # static p11-kit (README, "Why libmicrohttpd"). The program then needs
  # libc and libgnutls.so.30, which every Debian and Raspberry Pi OS
  # system has already (apt needs it); the package depends on libgnutls30.
  foreach(_p IN ITEMS MHD GNUTLS)
    if(NOT TARGET PkgConfig::${_p})
      message(FATAL_ERROR "HZ_STATIC_DEPS: no PkgConfig::${_p}; include "
                          "static-deps.cmake after pkg_check_modules()")
    endif()
  endforeach()
  unset(_a)
  find_library(_a NAMES libmicrohttpd.a HINTS ${MHD_LIBRARY_DIRS} NO_CACHE)
  if(NOT _a)
    message(FATAL_ERROR "HZ_STATIC_DEPS: no static libmicrohttpd.a "
                        "(install libmicrohttpd-dev)")
  endif()
  get_target_property(_dyn PkgConfig::MHD INTERFACE_LINK_LIBRARIES)
  set(_iface "")
  foreach(_l IN LISTS _dyn)
    list(APPEND _iface "$<${_hz_shared}:${_l}>")
  endforeach()
  list(APPEND _iface "$<$<NOT:${_hz_shared}>:${_a}>"
       "$<$<NOT:${_hz_shared}>:PkgConfig::GNUTLS>")
  set_property(TARGET PkgConfig::MHD PROPERTY INTERFACE_LINK_LIBRARIES
               "${_iface}")
  message(STATUS "HZ_STATIC_DEPS: MHD -> ${_a} (GnuTLS shared)")
  # libcsv has no .pc file: its archive by name (libcsv-dev ships it).
  unset(_a)
  find_library(_a NAMES libcsv.a NO_CACHE)
  if(NOT _a)
    message(FATAL_ERROR "HZ_STATIC_DEPS: no static libcsv.a (install libcsv-dev)")
  endif()
  set(CSV_LIB ${_a})
endif()
