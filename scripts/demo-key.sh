#!/usr/bin/env bash
# "Unplugs" or "plugs" the demo key made by make-demo-key.sh, for a daemon that loads the test
# PKCS#11 module (libsbtest-pkcs11.so) with SEALBRIDGE_TESTMODULE_CONTROL=DIR/control: the
# module hides every token whose serial is listed in DIR/control/hidden.
#
#   demo-key.sh unplug|plug|status DIR [SERIAL]
#
# SERIAL defaults to the demo token's (DEMO_SERIAL in DIR/demo.env); "second" means
# DEMO_SECOND_SERIAL.
set -euo pipefail

usage() {
  echo "usage: $0 unplug|plug|status DIR [SERIAL|second]" >&2
  exit 2
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
action="$1"
dir="$2"
env_file="$dir/demo.env"
[ -f "$env_file" ] || { echo "$env_file not found: run make-demo-key.sh $dir first" >&2; exit 1; }

env_value() { sed -n "s/^$1='\\(.*\\)'$/\\1/p" "$env_file"; }

serial="${3:-$(env_value DEMO_SERIAL)}"
[ "$serial" = second ] && serial="$(env_value DEMO_SECOND_SERIAL)"
[ -n "$serial" ] || { echo "no token serial known" >&2; exit 1; }

control="$(env_value SEALBRIDGE_TESTMODULE_CONTROL)"
control="${control:-$dir/control}"
hidden="$control/hidden"
mkdir -p "$control"

# Rewrite through a temp file and rename, so the module never reads a half-written list.
write_hidden() {
  local tmp="$hidden.tmp.$$"
  cat >"$tmp"
  mv -f "$tmp" "$hidden"
}

is_hidden() { [ -f "$hidden" ] && grep -qxF "$serial" "$hidden"; }

case "$action" in
  unplug)
    if is_hidden; then
      echo "token $serial already unplugged"
    else
      { [ -f "$hidden" ] && cat "$hidden"; echo "$serial"; } | write_hidden
      echo "token $serial unplugged"
    fi
    ;;
  plug)
    if is_hidden; then
      grep -vxF "$serial" "$hidden" | write_hidden || true
      echo "token $serial plugged in"
    else
      echo "token $serial already plugged in"
    fi
    ;;
  status)
    if is_hidden; then echo "token $serial unplugged"; else echo "token $serial plugged in"; fi
    ;;
  *) usage ;;
esac
