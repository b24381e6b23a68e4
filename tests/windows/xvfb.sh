# Sourced by the Windows smoke test scripts: a private X display for wine's windows.
#
#   start_private_xvfb DIR   starts Xvfb, exports DISPLAY, sets xvfb_pid; DIR gets its log
#   stop_private_xvfb        ends it
#
# -noreset: without it the server resets when its last client (an xdotool poll, say) leaves,
# and a program connecting at that moment cannot open the display. -nolisten tcp: local only.
xvfb_pid=""

start_private_xvfb() {
  local dir="$1"
  Xvfb -displayfd 3 -noreset -nolisten tcp -screen 0 1280x1024x24 3>"$dir/display" \
    2>"$dir/xvfb.log" &
  xvfb_pid=$!
  local _
  for _ in $(seq 1 100); do [ -s "$dir/display" ] && break; sleep 0.1; done
  if [ ! -s "$dir/display" ]; then
    echo "   FAILED: Xvfb did not start" >&2
    cat "$dir/xvfb.log" >&2
    return 1
  fi
  export DISPLAY=":$(head -n1 "$dir/display")"
}

stop_private_xvfb() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && wait "$xvfb_pid" 2>/dev/null
  xvfb_pid=""
  unset DISPLAY
}

# Prints the X window id of the consent dialog (title "SealBridge…"), waiting up to 40 s.
find_consent_window() {
  local wid _
  for _ in $(seq 1 400); do
    wid="$(xdotool search --onlyvisible --name '^SealBridge' 2>/dev/null | head -n1)"
    [ -n "$wid" ] && { echo "$wid"; return 0; }
    sleep 0.1
  done
  return 1
}

# Focuses the window, lets the dialog's 600 ms arming delay pass, then sends each key:
# "type:TEXT" types TEXT, anything else is an xdotool key name.
send_keys() {
  local wid="$1" k
  shift
  xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
  sleep 1.2
  for k in "$@"; do
    case "$k" in
      type:*) xdotool type --delay 80 "${k#type:}" ;;
      *) xdotool key "$k" ;;
    esac
    sleep 0.2
  done
}
