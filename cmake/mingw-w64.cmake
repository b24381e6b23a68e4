# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (the posix thread model, which
# std::thread and std::mutex need). Used by scripts/build-windows.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DSEALBRIDGE_WINDOWS_DEPS=<prefix> ...
# SEALBRIDGE_WINDOWS_DEPS is a prefix whose include/ holds boost, nlohmann, spdlog, fmt and
# p11-kit (header-only, see cmake/windows-deps.cmake); OPENSSL_ROOT_DIR names a mingw OpenSSL.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(mingw_triplet x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${mingw_triplet}-gcc-posix)
set(CMAKE_CXX_COMPILER ${mingw_triplet}-g++-posix)
set(CMAKE_RC_COMPILER ${mingw_triplet}-windres)

# Look for libraries and headers only in the mingw sysroot and the prefixes we were given,
# never in the build machine's /usr (glibc headers would shadow mingw's).
set(CMAKE_FIND_ROOT_PATH /usr/${mingw_triplet} ${SEALBRIDGE_WINDOWS_DEPS} ${OPENSSL_ROOT_DIR})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# One self-contained exe: libgcc, libstdc++ and winpthread linked in, no DLLs to ship.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

find_program(SEALBRIDGE_WINE wine)
if(SEALBRIDGE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SEALBRIDGE_WINE})
endif()
