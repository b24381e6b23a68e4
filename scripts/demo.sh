#!/usr/bin/env bash
# Builds SealBridge and runs the daemon with a demo key: a SoftHSM2 token behind the test
# PKCS#11 module, so it can be "unplugged" and "plugged" like a real UKey.
#
#   scripts/demo.sh [--port PORT] [--fresh] [--allow-origin ORIGIN]...
#
# --allow-origin adds your own portal page's origin (e.g. http://127.0.0.3:8080) to the
# demo's allowlist, to try a page of yours against the demo key (docs/quickstart.md).
#
# Open the printed address for the seal tool page (印章工具). In another terminal:
#   scripts/demo-key.sh unplug .demo     scripts/demo-key.sh plug .demo
# Installs what is missing first (Debian 12, as root). Stop with Ctrl-C.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port=16116
fresh=0
extra_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --allow-origin) extra_args+=(--allow-origin "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

"$repo/scripts/install-deps.sh" --no-node-modules

build="$repo/build/demo"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEALBRIDGE_TESTS=ON >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target sealbridged sealbridge-consent sbtest_pkcs11 sb-sealmaker

demo="$repo/.demo"
if [ "$fresh" = 1 ]; then rm -rf "$demo"; fi
SEALBRIDGE_SEALMAKER="$build/tests/tools/sb-sealmaker" "$repo/scripts/make-demo-key.sh" "$demo" --sm2
set -a
# shellcheck disable=SC1091
. "$demo/demo.env"
set +a
# A real UKey counts wrong PINs and locks after a few; the demo key does too (the test module's
# counter, kept in the control dir), so pages show the tries left. Override with
# SEALBRIDGE_TESTMODULE_PIN_TRIES=N, or 0 to turn counting off.
export SEALBRIDGE_TESTMODULE_PIN_TRIES="${SEALBRIDGE_TESTMODULE_PIN_TRIES:-6}"

# Quotes inside ${var:+...} are not kept in a here-document, so the JSON value is built first.
trusted_makers=""
if [ -n "${DEMO_SEAL_MAKER_ROOT:-}" ]; then trusted_makers="\"$DEMO_SEAL_MAKER_ROOT\""; fi

cat >"$demo/config.json" <<JSON
{
  "listen": "127.0.0.1:$port",
  "allowed_origins": ["http://127.0.0.2:18080"],
  "state_dir": "$demo/state",
  "webroot": "$repo/webroot",
  "log_level": "info",
  "trusted_seal_makers": [$trusted_makers],
  "modules": [
    {"path": "$build/tests/testmodule/libsbtest-pkcs11.so", "name": "演示UKey驱动 (SoftHSM2)"}
  ]
}
JSON

# The demo renewal portal (在线延期) plays the provincial renewal site: another loopback origin,
# allowed above, that hands out renewed seals from the demo seal maker.
renewal_pid=""
renewal_query=""
[ "$port" = 16116 ] || renewal_query="?port=$port"
if command -v node >/dev/null && [ -n "${DEMO_SEAL_MAKER_DIR:-}" ]; then
  node "$repo/tests/browser/lib/renewal-server.mjs" --demo-dir "$demo" --port 18080 \
    --daemon-port "$port" --sealmaker "$build/tests/tools/sb-sealmaker" >"$demo/renewal-portal.log" 2>&1 &
  renewal_pid=$!
fi
trap '[ -n "$renewal_pid" ] && kill "$renewal_pid" 2>/dev/null' EXIT

cat <<MSG

  SealBridge demo
  ---------------
  印章工具 / seal tool:       http://127.0.0.1:$port/
  在线延期 / renewal portal:  http://127.0.0.2:18080/$renewal_query   (demo; PIN below)
  demo key PIN:              $DEMO_USER_PIN   ($SEALBRIDGE_TESTMODULE_PIN_TRIES tries, then locked; reset:
                             rm .demo/control/pin-tries-*)
  unplug / plug the key:     scripts/demo-key.sh unplug .demo   |   scripts/demo-key.sh plug .demo

MSG
"$build/daemon/app/sealbridged" --config "$demo/config.json" "${extra_args[@]}"
