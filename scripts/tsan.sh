#!/usr/bin/env bash
# Builds SealBridge with ThreadSanitizer (build/tsan) and runs the unit, fuzz-replay and
# integration tests under it, ROUNDS times (default 1), two at a time so that they load each
# other. On demand, not part of scripts/test.sh: a TSan build is a third full build.
#
#   scripts/tsan.sh [ROUNDS] [CTEST_REGEX]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-1}"
regex="${2:-^(unit|fuzz|integration)\.}"
build="$repo/build/tsan"

# clang, as for the ASan build of scripts/test.sh: it builds the Beast sessions in half of g++'s
# time, and its TSan runtime is the reference one.
if [ -f "$build/CMakeCache.txt" ] &&
  ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
CC=clang-14 CXX=clang++-14 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DCMAKE_C_FLAGS_DEBUG="-O0 -g1" -DSEALBRIDGE_TSAN=ON >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"

# Integration tests spawn the daemon: its reports go to stderr, which ctest shows on failure;
# halt_on_error makes a race a failing test rather than a line nobody reads.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$repo/tests/tsan.supp"
for round in $(seq 1 "$rounds"); do
  echo "== ThreadSanitizer round $round of $rounds"
  # The GTK consent dialog is left out: TSan reports GLib's own threads (uninstrumented) there.
  ctest --test-dir "$build" --output-on-failure -j 2 -R "$regex" -E "signing-dialog"
done
