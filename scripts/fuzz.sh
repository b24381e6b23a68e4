#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, the libraries instrumented too) and
# runs each for a given time, one after the other, at low priority.
#
#   scripts/fuzz.sh [--merge] [--no-build] [--runs=N] [--list] [TARGET|all] [SECONDS]
#
#   TARGET      one of --list (e.g. seal_decode, http_gate); default: all, in turn
#   SECONDS     per target; default 60
#   --runs=N    stop a target after N executions if that comes before SECONDS (a release asks
#               for 10 million executions or 30 minutes: --runs=10000000 ... 1800)
#   --merge     afterwards, add the new inputs that reach new coverage to the committed corpus
#               (tests/fuzz/corpus/...), which ctest replays
#   --no-build  use the binaries already in build/fuzz
#
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh installs both). New inputs go to
# build/fuzz/work/TARGET; crashes, leaks and hangs to build/fuzz/artifacts/; the log of each run
# to build/fuzz/logs/TARGET.log. A finding stops the run with its reproducer's path:
#   build/fuzz/tests/fuzz/fuzz_TARGET build/fuzz/artifacts/TARGET-crash-...
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$repo/build/fuzz"
corpus_root="$repo/tests/fuzz/corpus"

# target -> committed corpus directory (as in tests/fuzz/CMakeLists.txt) and libFuzzer flags.
declare -A corpus=(
  [seal_decode]=seal [signature_decode]=signature [cms_verify]=cms [text]=text [cert_info]=cert
  [cert_pem]=cert_pem [rpc_request]=rpc [consent_reply]=consent_reply [config]=config
  [http_gate]=http_gate [http_session]=http_session [websocket_session]=websocket_session
  [pdf_reader]=pdf [pdf_text]=pdf_text [pdf_prepare]=pdf_prepare
)
declare -A flags=(
  [pdf_reader]="-max_len=65536 -timeout=60" [pdf_text]="-max_len=65536 -timeout=60"
  [pdf_prepare]="-max_len=65536 -timeout=60" [seal_decode]="-max_len=32768"
  [signature_decode]="-max_len=32768" [cms_verify]="-max_len=16384"
  [http_session]="-max_len=16384 -timeout=60" [websocket_session]="-max_len=16384 -timeout=60"
)
order=(text cert_info cert_pem http_gate consent_reply config rpc_request seal_decode
       signature_decode cms_verify pdf_reader pdf_text pdf_prepare http_session websocket_session)

merge=0
build_first=1
runs_flag=()
args=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    --no-build) build_first=0 ;;
    --runs=*) runs_flag=(-runs="${arg#--runs=}") ;;
    --list) printf '%s\n' "${order[@]}"; exit 0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) args+=("$arg") ;;
  esac
done
which="${args[0]:-all}"
seconds="${args[1]:-60}"

if [ "$which" = all ]; then
  targets=("${order[@]}")
elif [ -n "${corpus[$which]:-}" ]; then
  targets=("$which")
else
  echo "unknown target: $which (see --list)" >&2
  exit 2
fi

if [ "$build_first" = 1 ]; then
  command -v clang++ >/dev/null || { echo "clang++ not found: run scripts/install-deps.sh" >&2; exit 1; }
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSEALBRIDGE_FUZZ=ON "${launcher[@]}" >/dev/null
  # The machine is shared: two jobs at most, at low priority.
  nice -n 10 cmake --build "$build" -j 2 --target "${targets[@]/#/fuzz_}"
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$build/logs" "$build/artifacts"

summary=()
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$target"
  seeds="$corpus_root/${corpus[$target]}"
  work="$build/work/$target"
  log="$build/logs/$target.log"
  [ -x "$binary" ] || { echo "missing $binary (is the library it needs built?)" >&2; exit 1; }
  mkdir -p "$work"
  echo "== $target for $seconds s (log: ${log#"$repo"/})"
  # shellcheck disable=SC2086 # the flags are words
  if ! (cd "$work" && nice -n 10 "$binary" -max_total_time="$seconds" -print_final_stats=1 \
        "${runs_flag[@]}" -rss_limit_mb=4096 -artifact_prefix="$build/artifacts/$target-" ${flags[$target]:-} \
        "$work" "$seeds" >"$log" 2>&1); then
    tail -n 60 "$log"
    echo "== $target: FINDING (see $log and $build/artifacts/)" >&2
    exit 1
  fi
  runs="$(grep -Eo '^#[0-9]+[[:space:]]+DONE.*' "$log" | tail -n 1)"
  done_line="$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)"
  echo "   $done_line"
  summary+=("$target: ${done_line:-$runs}")
  if [ "$merge" = 1 ]; then
    # Edges only (no hit counts), so the committed corpus stays at a few hundred small files.
    (cd "$work" && nice -n 10 "$binary" -merge=1 -use_counters=0 ${flags[$target]:-} "$seeds" \
      "$work" >>"$log" 2>&1)
    echo "   corpus ${seeds#"$repo"/}: $(find "$seeds" -type f | wc -l) files"
  fi
done

echo "== no finding"
printf '   %s\n' "${summary[@]}"
