#!/usr/bin/env bash
# The Win32 consent dialog and its broker under wine, on a private Xvfb display, driven with
# real (XTEST) keys from xdotool. Called by scripts/test-windows.sh; runs alone too:
#
#   tests/windows/consent_dialog_wine.sh DIALOG_EXE BROKER_CHECK_EXE [ARTIFACT_DIR]
#
# DIALOG_EXE is sealbridge-consent.exe (the installed one, in the smoke test),
# BROKER_CHECK_EXE consent-broker-check.exe (tests/windows/consent_broker_check.cpp). Uses
# $WINEPREFIX when set (it must be initialised), else a throwaway one. Prints "ok:" and
# "FAILED:" lines and exits with the number of failures; 77 when Xvfb or xdotool is missing.
set -uo pipefail

dialog_exe="$(realpath "$1")"
check_exe="$(realpath "$2")"
artifacts="${3:-$(mktemp -d /tmp/sealbridge-dialog-artifacts.XXXXXX)}"
mkdir -p "$artifacts"
for tool in Xvfb xdotool wine wineserver python3; do
  command -v "$tool" >/dev/null || { echo "   skipped: $tool missing"; exit 77; }
done

failures=0
pass() { echo "   ok: $*"; }
fail() { echo "   FAILED: $*" >&2; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

work="$(mktemp -d /tmp/sealbridge-dialog.XXXXXX)"
own_prefix=0
if [ -z "${WINEPREFIX:-}" ]; then
  export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  own_prefix=1
fi
cleanup() {
  wineserver -k 2>/dev/null || true
  stop_private_xvfb
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/windows/xvfb.sh
. "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"
start_private_xvfb "$work" || exit 1
# wine's desktop process picks its display driver when it starts: a wineserver left from a
# headless step would keep the dialog off this display.
wineserver -k 2>/dev/null || true
wineserver -w 2>/dev/null || true
[ "$own_prefix" = 1 ] && { wineboot -i >/dev/null 2>&1; wineserver -w; }
echo "   display $DISPLAY (Xvfb), WINEPREFIX $WINEPREFIX"

# A request as the daemon writes it, with a real PNG seal picture (a red ring).
request() { # request TIMEOUT_SECONDS WANT_PIN
  python3 - "$1" "$2" <<'PY'
import base64, json, struct, sys, zlib
def png(size=96):
    rows = b""
    for y in range(size):
        rows += b"\0"
        for x in range(size):
            d = ((x - size / 2) ** 2 + (y - size / 2) ** 2) ** 0.5
            inside = size * 0.34 < d < size * 0.46 or d < size * 0.12
            rows += bytes((200, 20, 20, 255) if inside else (0, 0, 0, 0))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
print(json.dumps({
    "origin": "https://portal.example.cn:8443",
    "title": "签署文件", "title_en": "Sign document",
    "signer": "CN=张三,O=某某市人民政府,C=CN",
    "items": [{"name": "通知&附件.pdf", "pages": "1-3", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
               "detail": "印章：测试章"}],
    "item_count": 1,
    "picture_png": base64.b64encode(png()).decode(),
    "pin": {"wanted": sys.argv[2] == "pin", "min_len": 6, "max_len": 16, "tries_left": 3, "final_try": True},
    "locale": "zh",
    "timeout_seconds": int(sys.argv[1]),
}, ensure_ascii=False))
PY
}

wait_exit() { # wait_exit PID SECONDS: its exit status, or 124 after killing it
  local pid="$1" limit=$(( $2 * 10 ))
  for _ in $(seq 1 "$limit"); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; return; }
    sleep 0.1
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 124
}

# run_dialog NAME TIMEOUT PIN|NOPIN KEYS...: starts the exe with a request on stdin, waits for
# the window, focuses it, lets the arming delay pass, sends the keys; leaves $answer, $rc.
run_dialog() {
  local name="$1" timeout="$2" pin="$3"
  shift 3
  request "$timeout" "$pin" >"$work/$name.json"
  local started=$SECONDS
  wine "$dialog_exe" <"$work/$name.json" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  local wid
  if wid="$(find_consent_window)"; then
    echo "   window $wid after $((SECONDS - started)) s: $(xdotool getwindowname "$wid")"
    [ "$name" = approve ] && { sleep 1; import -window root "$artifacts/consent-dialog-wine.png" 2>/dev/null; }
    send_keys "$wid" "$@"
  else
    echo "   no window found for $name" >&2
  fi
  rc=0
  wait_exit "$pid" $((timeout + 20)) || rc=$?
  answer="$(tr -d '\r' <"$work/$name.out")"
  echo "   $name: exit $rc, answer $answer"
}

echo "-- the dialog alone: PIN and Enter"
run_dialog approve 60 pin type:123456 Return
check "Enter approves with the typed PIN" [ "$answer" = '{"approved":true,"pin":"123456"}' ]
check "it exits 0 after answering" [ "$rc" = 0 ]

echo "-- the dialog alone: Escape"
run_dialog escape 60 pin type:12 Escape
check "Escape denies" [ "$answer" = '{"approved":false,"reason":"denied"}' ]
check "it exits 0 after denying" [ "$rc" = 0 ]

echo "-- the dialog alone: a PIN too short, then Enter"
run_dialog short 4 pin type:123 Return
check "Enter with a PIN under min_len does not approve; the timeout then answers" \
  [ "$answer" = '{"approved":false,"reason":"timeout"}' ]

echo "-- the dialog alone: no PIN wanted, Enter"
run_dialog nopin 60 nopin Return
check "Enter approves with an empty PIN when none is wanted" \
  [ "$answer" = '{"approved":true,"pin":""}' ]

echo "-- the broker (CreateProcess, pipes, verdict) with the real dialog"
broker() { # broker NAME PROGRAM TIMEOUT [nopin] [KEYS...]: leaves $verdict
  local name="$1" program="$2" timeout="$3" mode="$4"
  shift 4
  local started=$SECONDS
  local check="$check_exe"
  if [ "$program" = default ]; then
    check="$work/beside/consent-broker-check.exe"
    program=-
  else
    program="$(winepath -w "$program")"
  fi
  wine "$check" "$program" "$timeout" "$mode" >"$work/broker-$name.out" \
    2>"$work/broker-$name.err" &
  local pid=$!
  if [ $# -gt 0 ]; then
    local wid
    if wid="$(find_consent_window)"; then
      send_keys "$wid" "$@"
    else
      echo "   no window found for broker $name" >&2
    fi
  fi
  wait_exit "$pid" $((timeout + 30)) >/dev/null
  verdict="$(tr -d '\r' <"$work/broker-$name.out")"
  took=$((SECONDS - started))
  echo "   broker $name ($took s): $verdict"
}

broker approve "$dialog_exe" 60 pin type:654321 Return
check "the broker passes on the approval and PIN, on its own thread" \
  [ "$verdict" = "approved pin=654321" ]
# No program named: the broker finds sealbridge-consent.exe beside its own executable, as the
# daemon does beside sealbridged.exe.
mkdir -p "$work/beside"
cp "$check_exe" "$dialog_exe" "$work/beside/"
broker default default 60 nopin Return
check "without a program configured the broker runs sealbridge-consent.exe beside itself" \
  [ "$verdict" = "approved pin=" ]
broker deny "$dialog_exe" 60 pin Escape
check "the broker reports a denial as CANCELLED" \
  grep -qxF 'error CANCELLED: the user did not approve (denied)' <<<"$verdict"
# 5 s: the dialog counts from its window, the broker's watchdog (timeout + 2 s) from the start
# of the process, and wine takes a second or two to start one.
broker timeout "$dialog_exe" 5 pin
check "the dialog's own timeout reaches the broker as CANCELLED (timeout)" \
  grep -qxF 'error CANCELLED: the user did not approve (timeout)' <<<"$verdict"

fakes="$work/fakes"
mkdir -p "$fakes"
for f in hang garbage flood crash nodisplay slow; do cp "$check_exe" "$fakes/fake-dialog-$f.exe"; done
broker queue "$fakes/fake-dialog-slow.exe" 10 queue
check "one dialog at a time, two waiting, the rest BUSY at once" \
  [ "$verdict" = "queue: approved=3 busy=3 other=0" ]
broker hang "$fakes/fake-dialog-hang.exe" 2 pin
check "a dialog that never answers is killed at timeout + 2 s ($took s)" \
  grep -qxF 'error CANCELLED: the consent dialog timed out' <<<"$verdict"
broker garbage "$fakes/fake-dialog-garbage.exe" 10 pin
check "an unreadable answer is CANCELLED" \
  grep -q '^error CANCELLED: the consent dialog gave an unreadable answer' <<<"$verdict"
broker flood "$fakes/fake-dialog-flood.exe" 10 pin
check "an answer over the cap is CANCELLED" \
  grep -qxF "error CANCELLED: the consent dialog's answer is too long" <<<"$verdict"
broker crash "$fakes/fake-dialog-crash.exe" 10 pin
check "a crash is CANCELLED with its exception code" \
  grep -qxF 'error CANCELLED: the consent dialog crashed with exception code 0xC0000005' <<<"$verdict"
broker nodisplay "$fakes/fake-dialog-nodisplay.exe" 10 pin
check "exit 3 (no display) is NOT_SUPPORTED" \
  grep -qxF 'error NOT_SUPPORTED: the consent dialog could not open a display' <<<"$verdict"
broker missing "$fakes/no-such-dialog.exe" 10 pin
check "a missing dialog program is NOT_SUPPORTED" \
  grep -q '^error NOT_SUPPORTED: ' <<<"$verdict"

echo "-- the dialog without a display"
wineserver -k 2>/dev/null || true
wineserver -w 2>/dev/null || true
request 60 pin >"$work/nodisplay.json"
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY wine "$dialog_exe" <"$work/nodisplay.json" \
  >"$work/nodisplay.out" 2>"$work/nodisplay.err" &
wait_exit $! 60 || rc=$?
answer="$(tr -d '\r' <"$work/nodisplay.out")"
echo "   no DISPLAY: exit $rc, answer $answer"
check "without a display it refuses (exit 3, no_display)" \
  test "$rc" = 3 -a "$answer" = '{"approved":false,"reason":"no_display"}'
wineserver -k 2>/dev/null || true

[ -s "$artifacts/consent-dialog-wine.png" ] && echo "   screenshot: $artifacts/consent-dialog-wine.png"
exit "$failures"
