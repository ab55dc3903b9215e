# cmake/emulator.cmake - hz_runnable(): a path that a host program (a
# Python test, sh -c) can exec to run one of our programs.
#
# ctest runs an add_test() whose COMMAND is a target through
# CMAKE_CROSSCOMPILING_EMULATOR by itself. A test that hands a program's
# path to another program must pass hz_runnable()'s path instead of
# $<TARGET_FILE:...>: in a native build it is the program itself; in a
# cross build (tools/aarch64.sh) it is a two-line script that execs the
# program under the emulator, because binfmt_misc is not mounted in our
# containers and an aarch64 file cannot be exec'd directly (DECISIONS 26).
# The script execs, so a test that kills "the program" kills the emulator
# running it, with the same effect.
#
#   hz_runnable(HZ_HUZHU huzhu)
#   add_test(NAME integration.x COMMAND /usr/bin/python3 x.py ${HZ_HUZHU})

function(hz_runnable out target)
  if(NOT (CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR))
    set(${out} "$<TARGET_FILE:${target}>" PARENT_SCOPE)
    return()
  endif()
  set(script ${CMAKE_BINARY_DIR}/emulated/${target})
  get_property(done GLOBAL PROPERTY HZ_RUNNABLE_${target})
  if(NOT done)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR "\" \"" emu)
    file(GENERATE OUTPUT ${script}
         CONTENT "#!/bin/sh\nexec \"${emu}\" \"$<TARGET_FILE:${target}>\" \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                          GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set_property(GLOBAL PROPERTY HZ_RUNNABLE_${target} TRUE)
  endif()
  set(${out} ${script} PARENT_SCOPE)
endfunction()

# Test timeouts scale with the emulator: qemu-user runs our programs 5 to
# 20 times slower than the host, and a multi-process test pays qemu's
# start-up at every command. A test with a TIMEOUT multiplies it:
#   math(EXPR timeout "${timeout} * ${HZ_TEST_TIMEOUT_SCALE}")
if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
  set(_hz_scale 4)
else()
  set(_hz_scale 1)
endif()
set(HZ_TEST_TIMEOUT_SCALE ${_hz_scale} CACHE STRING
    "Factor applied to test TIMEOUTs (4 under an emulator)")
