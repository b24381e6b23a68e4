#!/usr/bin/env bash
# Installs the .deb into a clean Debian 12 (bookworm, minbase) chroot with apt, starts the daemon
# the way its systemd user unit does, asks it for system.info, purges the package and checks
# that nothing of it is left. Run as root (debootstrap, chroot, mount).
#
#   scripts/test-package.sh [--prepare-only] [--build-dir DIR] [DEB]
#
#   DEB              the package to test (default: the newest dist/sealbridge_*.deb)
#   --build-dir DIR  first package the binaries of build tree DIR (scripts/package.sh deb)
#   --prepare-only   only build (or refresh) the cached chroot tarball
#
# The chroot is cached as a tarball under /var/cache/sealbridge/ (SEALBRIDGE_CACHE_DIR), one per
# ISO week, so warm runs skip debootstrap; downloaded .debs are kept there too. The mirror is
# the host's own (its apt sources), or SEALBRIDGE_DEBIAN_MIRROR. Exit 77: cannot run here.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SEALBRIDGE_CACHE_DIR:-/var/cache/sealbridge}"
prepare_only=0
deb=""
build_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prepare-only) prepare_only=1 ;;
    --build-dir) [ $# -ge 2 ] || { echo "--build-dir needs a directory" >&2; exit 2; }; build_dir="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) deb="$1" ;;
  esac
  shift
done

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed (scripts/install-deps.sh)"

# The first Debian archive the host's apt uses: deb822 .sources or one-line .list files.
host_mirror() {
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
    grep -v -- '-security' | head -n1 || true)"
  [ -n "$uri" ] || uri="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{print $2}' | grep -v -- '-security' | head -n1 || true)"
  echo "$uri"
}
mirror="${SEALBRIDGE_DEBIAN_MIRROR:-$(host_mirror)}"
[ -n "$mirror" ] || skip "no Debian mirror in the host's apt sources; set SEALBRIDGE_DEBIAN_MIRROR"

week="$(date -u +%G-W%V)"
tarball="$cache/bookworm-minbase-$week.tar.gz"
archives="$cache/apt-archives"
mkdir -p "$cache" "$archives/partial"

work="$(mktemp -d /tmp/sealbridge-pkgtest.XXXXXX)"
root="$work/root"
mounted=()
cleanup() {
  local i
  if [ -n "${daemon_pid:-}" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  # Never delete through a mount that is still there (the host's /dev, the apt cache).
  for ((i = 0; i < ${#mounted[@]}; i++)); do
    if mountpoint -q "${mounted[i]}"; then
      echo "still mounted, leaving $work in place: ${mounted[i]}" >&2
      return
    fi
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# Milliseconds from bash's own clock: no bc or date forks in the figures.
now_ms() { local t="${EPOCHREALTIME/[.,]/}"; echo $((t / 1000)); }
phase_start=0
phase() { phase_start=$(now_ms); echo "== $*"; }
phase_done() {
  local ms=$(($(now_ms) - phase_start))
  printf '   %d.%01d s\n' $((ms / 1000)) $((ms % 1000 / 100))
}

if [ ! -f "$tarball" ]; then
  phase "debootstrap bookworm minbase from $mirror (cold cache)"
  rm -f "$cache"/bookworm-minbase-*.tar.gz
  debootstrap --variant=minbase bookworm "$work/fresh" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  # The host's sources (updates and security too): the package was built against them.
  rm -f "$work/fresh/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$work/fresh/etc/apt/sources.list.d/" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$work/fresh/etc/apt/"
  printf '#!/bin/sh\nexit 101\n' >"$work/fresh/usr/sbin/policy-rc.d"
  chmod 755 "$work/fresh/usr/sbin/policy-rc.d"
  rm -rf "$work/fresh/var/cache/apt/archives"/*.deb
  tar -C "$work/fresh" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$work/fresh"
  phase_done
fi
[ "$prepare_only" = 1 ] && { echo "chroot cached: $tarball"; exit 0; }

if [ -n "$build_dir" ]; then
  # Not `tee /dev/stderr`: reopening stderr truncates it when it is a file (a CI log).
  packaged="$(SEALBRIDGE_LINTIAN=0 "$repo/scripts/package.sh" deb --build-dir "$build_dir")"
  printf '%s\n' "$packaged"
  deb="$(printf '%s\n' "$packaged" | sed -n 's/^built \([^ ]*\.deb\) .*/\1/p')"
fi
if [ -z "$deb" ]; then
  deb="$(ls -t "$repo"/dist/sealbridge_*.deb 2>/dev/null | head -n1 || true)"
  [ -n "$deb" ] || { echo "no dist/sealbridge_*.deb: run scripts/package.sh deb first" >&2; exit 1; }
fi
deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
package="$(dpkg-deb -f "$deb" Package)"

phase "unpack the cached chroot"
mkdir -p "$root"
tar -C "$root" -xzf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# A throwaway root: no fsync after every file, no manual-page index (the slowest trigger).
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/sealbridge-test-unsafe-io"
rm -f "$root/var/lib/man-db/auto-update"
for fs in proc sys dev; do
  mount --bind "/$fs" "$root/$fs"
  mounted+=("$root/$fs")
done
mount --bind "$archives" "$root/var/cache/apt/archives"
mounted+=("$root/var/cache/apt/archives")
phase_done

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

phase "apt-get update"
in_root apt-get update -q >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }
phase_done

# Everything under /usr, /etc and /var/lib before the install, to find what the purge left.
snapshot() {
  (cd "$root" && find usr etc var/lib -xdev | grep -v -e '^etc/ld.so.cache$' | sort || true)
}
snapshot >"$work/before.txt"

phase "apt-get install $(basename "$deb") (dependencies from the mirror)"
cp "$deb" "$root/tmp/"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 ||
  { tail -n 40 "$work/install.log" >&2; exit 1; }
phase_done
grep -E '^(Need to get|After this operation)' "$work/install.log" | sed 's/^/   /' || true

in_root dpkg -L "$package" >"$work/files.txt"
for f in /usr/bin/sealbridged /usr/bin/sealbridge-consent /usr/bin/sealbridge-tray \
  /usr/share/sealbridge/webroot/index.html /usr/lib/systemd/user/sealbridged.service \
  /etc/xdg/autostart/sealbridge-tray.desktop /etc/sealbridge/config.json; do
  [ -e "$root$f" ] || { echo "FAIL: $f is not installed" >&2; exit 1; }
done
for f in /usr/share/sealbridge/webroot/portal-test /usr/share/sealbridge/webroot/renewal-demo; do
  [ ! -e "$root$f" ] || { echo "FAIL: the demo pages $f are installed" >&2; exit 1; }
done
echo "   $(grep -c . "$work/files.txt") paths installed"
enabled_link=/etc/systemd/user/default.target.wants/sealbridged.service
if [ -x "$root/usr/bin/deb-systemd-helper" ] && [ ! -L "$root$enabled_link" ]; then
  echo "FAIL: the user unit is not enabled for all users ($enabled_link missing)" >&2
  exit 1
fi

phase "start the daemon as its user unit does (ExecStart), as a normal user"
exec_start="$(sed -n 's/^ExecStart=//p' "$root/usr/lib/systemd/user/sealbridged.service" | head -n1)"
[ -n "$exec_start" ] || { echo "FAIL: no ExecStart in the unit" >&2; exit 1; }
in_root useradd --create-home --shell /bin/sh sbuser
# The user's own config overrides the system one: here only the port (0 = any free one), so
# the test never collides with a daemon on the host, which shares this network.
mkdir -p "$root/home/sbuser/.config/sealbridge"
# The user's file also tries to allow another portal and renewal page; the administrator's
# policy (/etc/sealbridge/policy.json) must win over it.
cat >"$root/home/sbuser/.config/sealbridge/config.json" <<'JSON'
{"listen": "127.0.0.1:0", "allowed_origins": ["https://phish.example.test"],
 "renewal_url": "https://phish.example.test/renew"}
JSON
cat >"$root/etc/sealbridge/policy.json" <<'JSON'
{"allowed_origins": ["https://portal.example.gov.cn"], "renewal_url": "https://renew.example.gov.cn/"}
JSON
chmod 0644 "$root/etc/sealbridge/policy.json"
in_root chown -R sbuser:sbuser /home/sbuser/.config
as_user() {
  chroot "$root" env -i PATH=/usr/bin:/bin HOME=/home/sbuser USER=sbuser LANG=C.UTF-8 \
    setpriv --reuid=sbuser --regid=sbuser --init-groups "$@"
}
# The unit's ExecStartPre steps first, as systemd runs them: the user's own TLS root and leaf,
# then the root trusted in the user's NSS database (certutil and openssl, which trust-root.sh
# uses, are Recommends: installed here).
in_root apt-get install -y -q --no-install-recommends libnss3-tools openssl >"$work/nss.log" 2>&1 ||
  { tail -n 20 "$work/nss.log" >&2; exit 1; }
while read -r pre; do
  optional=0
  case "$pre" in -*) optional=1; pre="${pre#-}" ;; esac
  # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it here
  as_user $pre >>"$work/exec-start-pre.log" 2>&1 || [ "$optional" = 1 ] ||
    { echo "FAIL: ExecStartPre=$pre failed:" >&2; cat "$work/exec-start-pre.log" >&2; exit 1; }
done < <(sed -n 's/^ExecStartPre=//p' "$root/usr/lib/systemd/user/sealbridged.service")
tls_dir="$root/home/sbuser/.local/state/sealbridge/tls"
[ -f "$tls_dir/root.pem" ] && [ -f "$tls_dir/localhost.key" ] ||
  { echo "FAIL: the unit did not mint the user's TLS files:" >&2; cat "$work/exec-start-pre.log" >&2; exit 1; }
# Numeric: the host's /etc/passwd, not the chroot's, would name the owner.
sbuser_uid="$(in_root id -u sbuser)"
[ "$(stat -c %a:%u "$tls_dir/localhost.key")" = "600:$sbuser_uid" ] ||
  { echo "FAIL: the leaf key is not readable by its user only: $(stat -c %a:%u "$tls_dir/localhost.key")" >&2; exit 1; }
as_user certutil -d sql:/home/sbuser/.pki/nssdb -L -n "SealBridge Local Root" >/dev/null ||
  { echo "FAIL: the root is not trusted in the user's NSS database:" >&2; cat "$work/exec-start-pre.log" >&2; exit 1; }
echo "   ExecStartPre: TLS minted for sbuser, root trusted in ~/.pki/nssdb"
# Not through as_user: $! must be the daemon itself (chroot, env and setpriv exec it).
chroot "$root" env -i PATH=/usr/bin:/bin HOME=/home/sbuser USER=sbuser LANG=C.UTF-8 \
  setpriv --reuid=sbuser --regid=sbuser --init-groups $exec_start >"$work/daemon.log" 2>&1 &
daemon_pid=$!
runtime="$root/home/sbuser/.local/state/sealbridge/daemon.json"
for _ in $(seq 1 100); do
  [ -s "$runtime" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
[ -s "$runtime" ] || { echo "FAIL: the daemon did not start:" >&2; cat "$work/daemon.log" >&2; exit 1; }
port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$runtime")"
reply="$(curl -s --max-time 10 -H 'Content-Type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"system.info"}' "http://127.0.0.1:$port/rpc")"
echo "   system.info: $(echo "$reply" | head -c 200)"
echo "$reply" | grep -q '"name":"SealBridge"' || { echo "FAIL: system.info did not answer" >&2; exit 1; }
expected_version="$(dpkg-deb -f "$deb" Version)"
echo "$reply" | grep -q "\"version\":\"${expected_version%%-*}\"" ||
  { echo "FAIL: system.info reports another version than $expected_version" >&2; exit 1; }
# https on the same port, with the leaf the unit minted: verified against the user's root only.
tls_reply="$(curl -s --max-time 10 --cacert "$tls_dir/root.pem" -H 'Content-Type: application/json' \
  --data '{"jsonrpc":"2.0","id":2,"method":"system.info"}' "https://127.0.0.1:$port/rpc")" ||
  { echo "FAIL: https://127.0.0.1:$port/ did not verify against the user's root" >&2; exit 1; }
echo "$tls_reply" | grep -q '"name":"SealBridge"' || { echo "FAIL: system.info over https did not answer" >&2; exit 1; }
echo "   https with the user's own root: answers"
# The policy, not the user's file: its renewal page, its portal allowed, the user's refused.
echo "$reply" | grep -q '"renewal_url":"https://renew.example.gov.cn/"' ||
  { echo "FAIL: the policy's renewal_url did not win over the user's: $reply" >&2; exit 1; }
origin_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -H "Origin: $1" --data '{"jsonrpc":"2.0","id":3,"method":"system.info"}' "http://127.0.0.1:$port/rpc"
}
[ "$(origin_status https://portal.example.gov.cn)" = 200 ] ||
  { echo "FAIL: the policy's portal was not allowed" >&2; exit 1; }
[ "$(origin_status https://phish.example.test)" = 403 ] ||
  { echo "FAIL: the origin only the user's file allowed got in" >&2; exit 1; }
grep -q "administrator's policy: /etc/sealbridge/policy.json" "$work/daemon.log" ||
  { echo "FAIL: the daemon did not log the policy it read:" >&2; cat "$work/daemon.log" >&2; exit 1; }
echo "   /etc/sealbridge/policy.json overrides the user's config (origins, renewal_url)"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
# The administrator's own file, which no package owns or removes: gone before the purges,
# whose checks expect /etc/sealbridge to go.
rm "$root/etc/sealbridge/policy.json"
phase_done

phase "apt-get purge $package"
in_root apt-get purge -y -q "$package" >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; exit 1; }
phase_done
if as_user certutil -d sql:/home/sbuser/.pki/nssdb -L -n "SealBridge Local Root" >/dev/null 2>&1; then
  echo "FAIL: the purge left the user's root trusted in ~/.pki/nssdb" >&2
  exit 1
fi
echo "   the user's root is no longer trusted after the purge"
in_root userdel --remove sbuser 2>/dev/null || true

# The package's own install, remove and purge, now that its dependencies are in place; a
# removal masks the unit, and installing again must enable it again.
phase "again, dependencies present: apt-get install"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$work/install2.log" 2>&1 ||
  { tail -n 40 "$work/install2.log" >&2; exit 1; }
phase_done
phase "apt-get remove, install again, apt-get purge"
in_root apt-get remove -y -q "$package" >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; exit 1; }
[ -f "$root/etc/sealbridge/config.json" ] || { echo "FAIL: remove took the administrator's config" >&2; exit 1; }
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$work/install3.log" 2>&1 ||
  { tail -n 40 "$work/install3.log" >&2; exit 1; }
if [ -x "$root/usr/bin/deb-systemd-helper" ] && [ ! -L "$root$enabled_link" ]; then
  echo "FAIL: after remove and install the user unit is not enabled again" >&2
  exit 1
fi
in_root apt-get purge -y -q "$package" >"$work/purge2.log" 2>&1 || { cat "$work/purge2.log" >&2; exit 1; }
phase_done

failed=0
if in_root dpkg -L "$package" >/dev/null 2>&1; then
  echo "FAIL: dpkg still knows files of $package" >&2
  failed=1
fi
[ -e "$root/etc/sealbridge" ] && { echo "FAIL: /etc/sealbridge is left" >&2; failed=1; }
[ -e "$root/var/lib/sealbridge" ] && { echo "FAIL: /var/lib/sealbridge is left" >&2; failed=1; }
# A path of the package that is still there is a leftover, unless it is a directory that
# another installed package owns too or that holds other packages' files (e.g. /etc/xdg).
is_leftover() {
  local path="$1"
  [ -e "$root$path" ] || [ -L "$root$path" ] || return 1
  if [ -d "$root$path" ] && [ ! -L "$root$path" ]; then
    [ -z "$(ls -A "$root$path")" ] || return 1
    in_root dpkg-query -S "$path" >/dev/null 2>&1 && return 1
  fi
  return 0
}
while read -r path; do
  case "$path" in /. | /) continue ;; esac
  if is_leftover "$path"; then
    echo "FAIL: $path (from the package) is left" >&2
    failed=1
  fi
done <"$work/files.txt"
# New since before the install and named after us: left by a maintainer script (the unit's
# enablement, the TLS root, state). What apt installed as dependencies stays (a purge removes
# only the package itself).
snapshot >"$work/after.txt"
comm -13 "$work/before.txt" "$work/after.txt" | grep -i sealbridge >"$work/left.txt" || true
if [ -s "$work/left.txt" ]; then
  sed 's#^#FAIL: left behind: /#' "$work/left.txt" >&2
  failed=1
fi
[ "$failed" = 0 ] || exit 1
echo "== package test passed: $(basename "$deb") installs, answers system.info, purges cleanly"
