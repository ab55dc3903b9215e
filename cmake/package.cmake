# cmake/package.cmake - the Debian package (CPack DEB), DECISIONS 27.
#
# Included at the end of the top-level CMakeLists.txt. With HZ_PACKAGE=ON
# `cpack -G DEB` in the build directory writes huzhu_<version>_<arch>.deb:
#
#   /usr/bin/huzhu                          the program
#   /usr/libexec/huzhu/huzhu-first-start    creates the node at first start
#   /lib/systemd/system/huzhu.service       runs it as the huzhu user
#   /usr/share/doc/huzhu/{README.md,copyright}
#
# plus postinst/prerm/postrm (packaging/). The Pi package is built by
# tools/aarch64.sh, with HZ_STATIC_DEPS=ON so it needs nothing but libc
# and GnuTLS.
# Off by default: the unit's destination is absolute, and a developer's
# `cmake --install` should not write to /lib/systemd.

option(HZ_PACKAGE "Install the systemd unit and configure CPack (the .deb)"
       OFF)
if(NOT HZ_PACKAGE)
  return()
endif()

set(_hz_pkg ${PROJECT_SOURCE_DIR}/packaging)
install(PROGRAMS ${_hz_pkg}/huzhu-first-start DESTINATION libexec/huzhu)
install(FILES ${_hz_pkg}/huzhu.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/huzhu)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/huzhu
        RENAME copyright)

# Debian's name for the target architecture.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(_hz_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(_hz_arch amd64)
else()
  message(FATAL_ERROR "HZ_PACKAGE: no Debian architecture for "
                      "${CMAKE_SYSTEM_PROCESSOR}")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME huzhu)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "huzhu")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "offline-first peer-to-peer relief records (互助)")
set(CPACK_PACKAGE_DESCRIPTION
    "huzhu keeps disaster-relief records - households, persons and where\n\
they are, supplies and who received them - on every laptop or\n\
Raspberry Pi that needs them, and carries changes between nodes on USB\n\
sticks. Installing this package creates the huzhu system user and\n\
enables huzhu.service, which creates this device's node in\n\
/var/lib/huzhu at its first start (never in an image).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_hz_arch})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "huzhu maintainers <huzhu@example.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) names the shared libraries the binary links:
# with HZ_STATIC_DEPS=ON libc6 (>= 2.34), libgnutls30 (>= 3.7.5), libcsv3
# and libexpat1 (tools/systemd-test.sh checks it).
# adduser: postinst creates the huzhu user with it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# Libraries loaded when first used (src/dl) are not seen by
# dpkg-shlibdeps. The web interface is the main job: its libraries are
# required wherever they are not linked in. The others serve one feature
# each and are recommended, so the package installs alone (DECISIONS 27)
# and a feature without its library says what to install: the QR code of
# a join token (the token shows as text), the county mirror (libpq),
# XLSX reports and rosters, PFIF, traditional-simplified name matching.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libqrencode4")
if(HZ_DL_LAZY)
  if(NOT HZ_STATIC_DEPS)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS
           ", libmicrohttpd12 (>= 0.9.75), libgnutls30 (>= 3.7)")
  endif()
  string(APPEND CPACK_DEBIAN_PACKAGE_RECOMMENDS
         ", libpq5, libxlsxwriter4, libzip4, libxml2, libopencc1.1")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_hz_pkg}/postinst ${_hz_pkg}/prerm ${_hz_pkg}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
