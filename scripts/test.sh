#!/usr/bin/env bash
# Builds SealBridge and runs every test: unit (Catch2), fuzz-corpus replays, integration (the
# real daemon against SoftHSM2 tokens over real sockets) and browser (Debian's Chromium,
# headless). Then the same again, bar the browser, in an AddressSanitizer+UBSan build. Last,
# when the time budget allows, the .deb: installed into a clean Debian 12 chroot and purged
# (scripts/test-package.sh, ctest label `package`).
#
#   scripts/test.sh [--no-sanitize] [--no-install] [--no-package] [--with-windows | --no-windows]
#
#   --no-package     skip the .deb test in a Debian 12 chroot
#   --with-windows   also install the Windows toolchain and run scripts/test-windows.sh (the
#                    mingw build, its MSI and the wine smoke test), building OpenSSL for mingw
#                    if it is not cached yet (minutes)
#   --no-windows     never run the Windows smoke test
#
# SEALBRIDGE_TEST_BUDGET: seconds the whole run may take (default 1800). The package test runs
# only if its estimate (warm chroot cache: 300 s, cold: 900 s) still fits. Without either
# Windows flag, the Windows smoke test runs when it is cheap: the toolchain is installed and
# the mingw OpenSSL cached (scripts/build-windows.sh --is-cached). Installs what is missing
# first (Debian 12, as root). Build trees: build/test, build/asan, build/windows.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitize=1
install=1
package=1
windows=auto
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    --no-install) install=0 ;;
    --no-package) package=0 ;;
    --with-windows) windows=1 ;;
    --no-windows) windows=0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if [ "$install" = 1 ]; then
  if [ "$windows" = 1 ]; then
    "$repo/scripts/install-deps.sh" --with-windows
  else
    "$repo/scripts/install-deps.sh"
  fi
fi

jobs="$(nproc 2>/dev/null || echo 2)"
start=$(date +%s)

# Line tables (-g1) are enough for backtraces and cost a fifth less compile time than -g.
echo "== build (g++, warnings are errors)"
cmake -S "$repo" -B "$repo/build/test" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSEALBRIDGE_WERROR=ON >/dev/null
cmake --build "$repo/build/test" -j "$jobs"
echo "   built in $(( $(date +%s) - start )) s"

echo "== tests"
ctest --test-dir "$repo/build/test" --output-on-failure -j "$jobs" -LE '^package$'
echo "   $(( $(date +%s) - start )) s since the start"

if [ "$sanitize" = 1 ]; then
  # clang, not g++: it builds the Beast sessions with ASan in half the time, and a second
  # compiler's warnings (-Werror) come for free.
  echo "== sanitizer build (clang, ASan + UBSan)"
  # A tree configured with another compiler cannot be switched in place.
  if [ -f "$repo/build/asan/CMakeCache.txt" ] &&
    ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$repo/build/asan/CMakeCache.txt"; then
    rm -rf "$repo/build/asan"
  fi
  CC=clang-14 CXX=clang++-14 cmake -S "$repo" -B "$repo/build/asan" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" \
    -DSEALBRIDGE_WERROR=ON -DSEALBRIDGE_SANITIZE=ON >/dev/null
  cmake --build "$repo/build/asan" -j "$jobs"
  echo "   $(( $(date +%s) - start )) s since the start"
  # Browser tests exercise the pages, not the daemon's memory handling; they run above.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$repo/build/asan" --output-on-failure -j "$jobs" -E '^browser\.' -LE '^package$'
fi
if [ "$package" = 1 ]; then
  budget="${SEALBRIDGE_TEST_BUDGET:-1800}"
  estimate=900
  [ -f "${SEALBRIDGE_CACHE_DIR:-/var/cache/sealbridge}/bookworm-minbase-$(date -u +%G-W%V).tar.gz" ] &&
    estimate=300
  elapsed=$(( $(date +%s) - start ))
  if [ $((elapsed + estimate)) -le "$budget" ]; then
    echo "== package test (.deb in a Debian 12 chroot; about $estimate s)"
    rc=0
    "$repo/scripts/test-package.sh" --build-dir "$repo/build/test" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
  else
    echo "== package test skipped: $elapsed s spent, about $estimate s more would pass the budget of $budget s"
  fi
fi
if [ "$windows" = auto ]; then
  if "$repo/scripts/build-windows.sh" --is-cached; then
    windows=1
  else
    echo "== Windows smoke test skipped: no cached mingw OpenSSL (scripts/test.sh --with-windows runs it)"
  fi
fi
if [ "$windows" = 1 ]; then
  echo "== Windows build, MSI and smoke test under wine"
  "$repo/scripts/test-windows.sh"
fi
echo "== all tests passed in $(( $(date +%s) - start )) s"
