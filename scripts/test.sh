#!/usr/bin/env bash
# Builds SealBridge and runs every test: unit (Catch2), fuzz-corpus replays, integration (the
# real daemon against SoftHSM2 tokens over real sockets) and browser (Debian's Chromium,
# headless). Then the same again, bar the browser, in an AddressSanitizer+UBSan build.
#
#   scripts/test.sh [--no-sanitize] [--no-install]
#
# Installs what is missing first (Debian 12, as root). Build trees: build/test, build/asan.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitize=1
install=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

[ "$install" = 1 ] && "$repo/scripts/install-deps.sh"

jobs="$(nproc 2>/dev/null || echo 2)"
start=$(date +%s)

echo "== build (warnings are errors)"
cmake -S "$repo" -B "$repo/build/test" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSEALBRIDGE_WERROR=ON >/dev/null
cmake --build "$repo/build/test" -j "$jobs"
echo "   built in $(( $(date +%s) - start )) s"

echo "== tests"
ctest --test-dir "$repo/build/test" --output-on-failure -j "$jobs"

if [ "$sanitize" = 1 ]; then
  echo "== sanitizer build (ASan + UBSan)"
  cmake -S "$repo" -B "$repo/build/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DSEALBRIDGE_WERROR=ON -DSEALBRIDGE_SANITIZE=ON >/dev/null
  cmake --build "$repo/build/asan" -j "$jobs"
  # Browser tests exercise the pages, not the daemon's memory handling; they run above.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$repo/build/asan" --output-on-failure -j "$jobs" -E '^browser\.'
fi
echo "== all tests passed in $(( $(date +%s) - start )) s"
