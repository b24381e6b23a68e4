#!/usr/bin/env bash
# Builds the daemon, the test PKCS#11 module, the demo seal maker and the benchmark driver
# (sb-bench, bench/), makes a throwaway SoftHSM2 demo key, and prints the figures of
# docs/performance.md as a Markdown table, preceded by the machine they were measured on.
#
#   scripts/bench.sh [--quick] [--only SECTION]... [--build-dir DIR]
#
#   --quick           shorter runs (about a third of the time; figures are noisier)
#   --only SECTION    run only these (start-up and idle memory are always measured):
#                     steps, sign, batch, clients, calls, crowd, pdf, hotplug
#   --build-dir DIR   build tree to use (default build/bench; configured Release-like with
#                     -DSEALBRIDGE_BENCH=ON if it has not been yet)
#
# Benchmarks are never part of ctest: on a shared machine the figures are only comparable as
# the ratios printed, each measured beside its reference in the same run.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build/bench"
passed=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) passed+=(--quick); shift ;;
    --only) [ $# -ge 2 ] || { echo "--only needs a section" >&2; exit 2; }
            passed+=(--only "$2"); shift 2 ;;
    --build-dir) [ $# -ge 2 ] || { echo "--build-dir needs a directory" >&2; exit 2; }
                 build="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

softhsm="${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
[ -r "$softhsm" ] || { echo "missing $softhsm (run scripts/install-deps.sh)" >&2; exit 1; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
    -DSEALBRIDGE_BENCH=ON >/dev/null
else
  cmake -S "$repo" -B "$build" -DSEALBRIDGE_BENCH=ON >/dev/null
fi
cmake --build "$build" -j2 --target sealbridged sbtest_pkcs11 sb-sealmaker sb-bench

work="$(mktemp -d "${TMPDIR:-/tmp}/sbbench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
testmodule="$build/tests/testmodule/libsbtest-pkcs11.so"
SEALBRIDGE_SEALMAKER="$build/tests/tools/sb-sealmaker" SEALBRIDGE_TESTMODULE="$testmodule" \
  bash "$repo/scripts/make-demo-key.sh" "$work/key" --sm2 >/dev/null

echo "## SealBridge benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- SoftHSM2 $(softhsm2-util --version 2>/dev/null || echo '?'), OpenSSL $(openssl version | cut -d' ' -f2)"
echo "- commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
"$build/bench/sb-bench" --daemon "$build/daemon/app/sealbridged" --softhsm "$softhsm" \
  --testmodule "$testmodule" --key-dir "$work/key" --work "$work/run" "${passed[@]}"
