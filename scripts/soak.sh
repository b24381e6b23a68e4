#!/usr/bin/env bash
# Load and faults soak, on demand (not in CI): one daemon under slowloris, idle sockets,
# connection bursts, bad WebSocket traffic, clients that never read, signing with a canary PIN
# and the key pulled mid-sign and mid-list, while a second daemon is killed with kill -9 during
# seal.write and cert.write; RSS and descriptors are sampled every 5 s and printed. Then the
# 100-trial seal write soak.
#
#   scripts/soak.sh [SECONDS] [BUILD_DIR]      (default 600 s, build/dev)
#
# Needs the targets sealbridged, sbtest_pkcs11 and sb-sealmaker built in BUILD_DIR, and gdb's
# gcore for the core-dump check of the canary PIN (skipped without it).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
build="${2:-$repo/build/dev}"
case "$build" in /*) ;; *) build="$repo/$build" ;; esac

export SEALBRIDGE_SOAK=1
export SEALBRIDGE_SOAK_SECONDS="$seconds"
export SEALBRIDGE_SOURCE_DIR="$repo"
export SEALBRIDGE_DAEMON="$build/daemon/app/sealbridged"
export SEALBRIDGE_TESTMODULE="$build/tests/testmodule/libsbtest-pkcs11.so"
export SEALBRIDGE_SEALMAKER="$build/tests/tools/sb-sealmaker"
for f in "$SEALBRIDGE_DAEMON" "$SEALBRIDGE_TESTMODULE" "$SEALBRIDGE_SEALMAKER"; do
  [ -x "$f" ] || [ -r "$f" ] || { echo "missing $f: build sealbridged sbtest_pkcs11 sb-sealmaker first" >&2; exit 1; }
done

cd "$repo/tests"
echo "== load and faults soak, ${seconds} s"
node --test --test-reporter=spec integration/load-soak.test.mjs
echo "== the canary PIN over WebSocket (known gap, reported as todo)"
node --test --test-reporter=spec integration/checklist-pin.test.mjs
echo "== dead WebSocket peers and the idle timeout"
node --test --test-reporter=spec integration/checklist-transport.test.mjs
echo "== seal write soak (kill -9 at random steps)"
node --test --test-reporter=spec integration/seals-soak.test.mjs
