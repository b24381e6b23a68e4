#!/usr/bin/env bash
# The installed sealbridge-tray.exe under wine, in wine's virtual desktop with its taskbar and
# notification area, on a private Xvfb: the icon must appear in the state the daemon's answers
# call for, xdotool opens its menu with real clicks and clicks every item; the pages each item
# opens are recorded by a stand-in browser. Called by scripts/test-windows.sh once the
# installed daemon runs:
#
#   tests/windows/tray_wine.sh TRAY_EXE PORT RENEWAL_URL VERSION EXPECTED_STATE ARTIFACT_DIR
#
# Needs $WINEPREFIX (initialised) and $DISPLAY (the Xvfb the daemon runs on, whose wine
# desktop is the virtual one named "shell": see start_wine_shell_desktop in the caller).
# EXPECTED_STATE is an icon name of tray_state.cpp, e.g. sealbridge-tray-expiring. The tray
# runs in the zh_CN.UTF-8 locale (scripts/install-deps.sh --with-windows makes it). Prints
# "ok:"/"FAILED:" lines and exits with the number of failures.
set -uo pipefail

tray_exe="$1"
port="$2"
renewal="$3"
version="$4"
expected_state="$5"
artifacts="$6"
mkdir -p "$artifacts"

failures=0
pass() { echo "   ok: $*"; }
fail() { echo "   FAILED: $*" >&2; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

work="$(mktemp -d /tmp/sealbridge-tray-wine.XXXXXX)"
tray_pid=""
cleanup() {
  [ -n "$tray_pid" ] && kill "$tray_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The stand-in browser: a batch file that appends the URL it is given to a file. The
# redirection comes first so that a URL ending in a digit is not read as a handle number.
test_dir="$WINEPREFIX/drive_c/SealBridgeTest"
mkdir -p "$test_dir"
urls="$test_dir/urls.txt"
rm -f "$urls"
printf '@>>"C:\\SealBridgeTest\\urls.txt" echo %%~1\r\n' >"$test_dir/record-url.bat"

screen_w=1280
screen_h=1024
shot() { # shot NAME: the screen as raw RGB in $work/NAME.rgb, and as PNG in the artifacts
  import -window root "$artifacts/$1.png" 2>/dev/null
  convert "$artifacts/$1.png" -depth 8 "rgb:$work/$1.rgb"
}

# Prints "X Y" of the centre of the pixels closest to the colour RRGGBB in the lowest 60 rows
# of the wine desktop (its taskbar), or fails.
find_icon() { # find_icon SHOT RRGGBB
  python3 - "$work/$1.rgb" "$2" "$screen_w" "$screen_h" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = bytes.fromhex(sys.argv[2])
w, h = int(sys.argv[3]), int(sys.argv[4])
# The desktop window may not fill the screen: its taskbar is the lowest band of non-black rows.
bottom = h - 1
while bottom > 0 and not any(data[(bottom * w + x) * 3:(bottom * w + x) * 3 + 3] != b"\0\0\0" for x in range(0, w, 8)):
    bottom -= 1
xs, ys = [], []
for y in range(max(0, bottom - 60), bottom + 1):
    row = data[y * w * 3:(y + 1) * w * 3]
    for x in range(w):
        p = row[x * 3:x * 3 + 3]
        if sum(abs(p[i] - want[i]) for i in range(3)) < 60:
            xs.append(x); ys.append(y)
# The notification area is the right end of the taskbar: its rightmost cluster is the icon
# (the Start button has a red glyph too).
right = max(xs, default=0)
near = [(x, y) for x, y in zip(xs, ys) if x >= right - 24]
if len(near) < 8:
    sys.exit(1)
print(sum(x for x, _ in near) // len(near), sum(y for _, y in near) // len(near))
PY
}

# Prints "LEFT TOP RIGHT BOTTOM" of what changed between two shots (the opened menu).
changed_box() { # changed_box BEFORE AFTER
  python3 - "$work/$1.rgb" "$work/$2.rgb" "$screen_w" "$screen_h" <<'PY'
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read()
w, h = int(sys.argv[3]), int(sys.argv[4])
left, top, right, bottom = w, h, -1, -1
for y in range(h):
    ra, rb = a[y * w * 3:(y + 1) * w * 3], b[y * w * 3:(y + 1) * w * 3]
    if ra == rb:
        continue
    for x in range(w):
        if ra[x * 3:x * 3 + 3] != rb[x * 3:x * 3 + 3]:
            left, right = min(left, x), max(right, x)
    top, bottom = min(top, y), max(bottom, y)
if right < 0:
    sys.exit(1)
print(left, top, right, bottom)
PY
}

log="$artifacts/tray.log"
SEALBRIDGE_BROWSER='C:\windows\system32\cmd.exe /c C:\SealBridgeTest\record-url.bat' \
  LC_ALL=zh_CN.UTF-8 wine "$tray_exe" >"$log" 2>&1 &
tray_pid=$!

# The first poll reads system.info, token.list, cert.list and seal.list.
for _ in $(seq 1 300); do
  grep -qF "state $expected_state" "$log" && break
  sleep 0.1
done
check "the tray reached the state $expected_state ($(grep -o 'state [a-z-]*' "$log" | tail -n1))" \
  grep -qF "state $expected_state" "$log"
sleep 2  # the taskbar repaints the new icon

case "$expected_state" in
  sealbridge-tray-nokey) colour=8a8a8a ;;
  sealbridge-tray-offline) colour=b0b0b0 ;;
  *) colour=c8102e ;;  # the red seal of the key, expiring and update icons
esac
shot taskbar
if ! icon="$(find_icon taskbar "$colour")"; then
  fail "the icon is in the wine desktop's notification area (see $artifacts/taskbar.png)"
  exit "$failures"
fi
pass "the icon is in the wine desktop's notification area, at $icon"
read -r icon_x icon_y <<<"$icon"

# Opens the menu with a right click on the icon and prints the centre "X Y" of item N (1 is
# the state line, 2..7 the actions in the order of the Linux menu).
menu_rows=7
open_menu_item() { # open_menu_item N
  xdotool mousemove "$((icon_x + 200))" "$((icon_y - 300))"
  sleep 0.3
  shot closed
  xdotool mousemove "$icon_x" "$icon_y" click 3
  sleep 1.0
  shot open
  local box
  box="$(changed_box closed open)" || return 1
  local left top right bottom
  read -r left top right bottom <<<"$box"
  # Menus have a border of about three pixels; rows are of equal height.
  local inner_top=$((top + 3)) inner_h=$((bottom - top - 6))
  echo "$(((left + right) / 2)) $((inner_top + inner_h * (2 * $1 - 1) / (2 * menu_rows)))"
}

click_item() { # click_item N NAME: opens the menu, clicks item N
  local at
  if ! at="$(open_menu_item "$1")"; then
    fail "the menu opened for $2"
    return 1
  fi
  [ "$1" = 2 ] && cp "$artifacts/open.png" "$artifacts/tray-menu.png"
  read -r x y <<<"$at"
  xdotool mousemove "$x" "$y" click 1
  sleep 1.5
}

wait_for_line() { # wait_for_line FILE TEXT [SECONDS]: up to SECONDS (20) s
  for _ in $(seq 1 $((${3:-20} * 10))); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

dismiss_message() { # the message box has the focus: Return presses its OK button
  sleep 0.5
  shot "message-$1"
  xdotool key Return
  sleep 0.8
}

seal_tool="http://127.0.0.1:$port/"
click_item 2 印章工具
check "印章工具 opens the seal tool page $seal_tool" wait_for_line "$urls" "$seal_tool"

click_item 3 在线延期
check "在线延期 opens the administrator's renewal page $renewal" wait_for_line "$urls" "$renewal"

click_item 4 检查升级
check "检查升级 tells the result of update.check in a message box" \
  wait_for_line "$log" "message 检查升级:" 45
grep -F "message 检查升级:" "$log" | sed 's/^/      /'
dismiss_message update

click_item 5 环境检测
check "环境检测 opens the seal tool's environment check ${seal_tool}#diag-title" \
  wait_for_line "$urls" "${seal_tool}#diag-title"

click_item 6 关于
check "关于 shows the version $version" wait_for_line "$log" "版本：$version"
dismiss_message about

echo "   pages the stand-in browser was given:"
tr -d '\r' <"$urls" | sed 's/^/      /'

click_item 7 退出
for _ in $(seq 1 50); do kill -0 "$tray_pid" 2>/dev/null || break; sleep 0.1; done
check "退出 ends the tray" bash -c "! kill -0 $tray_pid 2>/dev/null"
shot after-quit
if find_icon after-quit "$colour" >/dev/null; then
  fail "the icon left the notification area on quit (see $artifacts/after-quit.png)"
else
  pass "the icon left the notification area on quit"
fi
tray_pid=""
exit "$failures"
