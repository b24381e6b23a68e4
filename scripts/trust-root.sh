#!/usr/bin/env bash
# Puts SealBridge's local TLS root (made by `sealbridged tls-setup`) into the trust stores
# browsers use on Linux, or takes it out again. The .deb's user unit runs `install --nss` before
# each start of the daemon and its prerm runs `remove` for every user; users may run it too.
#
#   trust-root.sh install|remove|status [--state-dir DIR | --cert FILE] [--nss] [--system]
#                                       [--nssdb DIR]
#
#   --state-dir DIR  the daemon's state dir (root.pem is DIR/tls/root.pem); default as the
#                    daemon's: /var/lib/sealbridge for root, else $XDG_STATE_HOME/sealbridge or
#                    ~/.local/state/sealbridge
#   --cert FILE      the root certificate itself (install only; remove goes by name)
#   --nss            the user's NSS database (Chromium, Chrome): --nssdb, default ~/.pki/nssdb
#   --system         /usr/local/share/ca-certificates + update-ca-certificates (needs root)
#   Neither --nss nor --system: --nss, plus --system when run as root.
#
# install replaces an earlier SealBridge root (a renewal mints a new one); remove deletes every
# SealBridge root from the stores named. Exit status: 0 done, 1 failure, 2 usage.
# Needs certutil (libnss3-tools) for --nss.
set -euo pipefail

nickname="SealBridge Local Root"
system_file="/usr/local/share/ca-certificates/sealbridge-local-root.crt"

usage() {
  sed -n '6,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
action="$1"
shift
case "$action" in install | remove | status) ;; *) usage ;; esac

state_dir=""
cert=""
nss=0
system=0
nssdb="${HOME:-}/.pki/nssdb"
while [ $# -gt 0 ]; do
  case "$1" in
    --state-dir) [ $# -ge 2 ] || usage; state_dir="$2"; shift 2 ;;
    --cert) [ $# -ge 2 ] || usage; cert="$2"; shift 2 ;;
    --nssdb) [ $# -ge 2 ] || usage; nssdb="$2"; shift 2 ;;
    --nss) nss=1; shift ;;
    --system) system=1; shift ;;
    -h | --help) usage ;;
    *) echo "trust-root.sh: unknown option $1" >&2; usage ;;
  esac
done

if [ "$nss" = 0 ] && [ "$system" = 0 ]; then
  nss=1
  [ "$(id -u)" = 0 ] && system=1
fi

if [ -z "$cert" ]; then
  if [ -z "$state_dir" ]; then
    if [ "$(id -u)" = 0 ]; then
      state_dir=/var/lib/sealbridge
    elif [ -n "${XDG_STATE_HOME:-}" ]; then
      state_dir="$XDG_STATE_HOME/sealbridge"
    else
      state_dir="$HOME/.local/state/sealbridge"
    fi
  fi
  cert="$state_dir/tls/root.pem"
fi

if [ "$action" = install ]; then
  command -v openssl >/dev/null || { echo "trust-root.sh: openssl missing (apt install openssl)" >&2; exit 1; }
  [ -f "$cert" ] || { echo "trust-root.sh: $cert not found: run sealbridged tls-setup first" >&2; exit 1; }
  # Only a constrained CA certificate goes into a trust store, never a key or another file.
  openssl x509 -in "$cert" -noout -ext nameConstraints 2>/dev/null | grep -q "Permitted" || {
    echo "trust-root.sh: $cert is not a name-constrained SealBridge root" >&2
    exit 1
  }
fi

nss_has_root() { certutil -d "sql:$nssdb" -L -n "$nickname" >/dev/null 2>&1; }

nss_remove() {
  [ -d "$nssdb" ] || return 0
  # Several roots may share the nickname after manual imports: delete until none is left.
  local tries=0
  while nss_has_root && [ "$tries" -lt 20 ]; do
    certutil -d "sql:$nssdb" -D -n "$nickname"
    tries=$((tries + 1))
  done
}

# The SHA-256 fingerprint of a PEM certificate, as "AB:CD:...".
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/^.*=//'; }

nss_install() {
  command -v certutil >/dev/null || { echo "trust-root.sh: certutil missing (apt install libnss3-tools)" >&2; exit 1; }
  if [ ! -f "$nssdb/cert9.db" ]; then
    mkdir -p "$nssdb"
    chmod 700 "$nssdb"
    certutil -d "sql:$nssdb" -N --empty-password
  fi
  # The user unit runs this at every start: a root already trusted is left as it is.
  if nss_has_root && [ "$(certutil -d "sql:$nssdb" -L -n "$nickname" -a 2>/dev/null | fingerprint)" = \
    "$(fingerprint <"$cert")" ]; then
    echo "NSS ($nssdb): $nickname already installed"
    return 0
  fi
  nss_remove
  # "C,,": trusted to issue server certificates only (not e-mail or code signing).
  certutil -d "sql:$nssdb" -A -t "C,," -n "$nickname" -i "$cert"
  echo "NSS ($nssdb): installed $nickname"
}

system_check_root() {
  [ "$(id -u)" = 0 ] || { echo "trust-root.sh: --system needs root" >&2; exit 1; }
}

system_install() {
  system_check_root
  install -D -m 0644 "$cert" "$system_file"
  update-ca-certificates >/dev/null
  echo "system store: installed $system_file"
}

system_remove() {
  system_check_root
  if [ -f "$system_file" ]; then
    rm -f "$system_file"
    update-ca-certificates --fresh >/dev/null
  fi
  echo "system store: removed $system_file"
}

case "$action" in
  install)
    [ "$nss" = 1 ] && nss_install
    [ "$system" = 1 ] && system_install
    ;;
  remove)
    if [ "$nss" = 1 ]; then
      if command -v certutil >/dev/null; then nss_remove; fi
      echo "NSS ($nssdb): removed $nickname"
    fi
    [ "$system" = 1 ] && system_remove
    ;;
  status)
    status=0
    if [ "$nss" = 1 ]; then
      if nss_has_root; then echo "NSS ($nssdb): present"; else echo "NSS ($nssdb): absent"; status=1; fi
    fi
    if [ "$system" = 1 ]; then
      if [ -f "$system_file" ]; then echo "system store: present"; else echo "system store: absent"; status=1; fi
    fi
    exit "$status"
    ;;
esac
exit 0
