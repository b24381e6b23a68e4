#!/usr/bin/env bash
# Builds the SealBridge installers into dist/.
#
#   scripts/package.sh deb [--build-dir DIR]   Debian 12 package (dpkg-deb), then lintian
#   scripts/package.sh msi [ARGS...]           Windows installer (scripts/package-msi.sh)
#
# deb: configures and builds a release tree in build/package (or reuses DIR, e.g. build/test,
# whose binaries are then packaged as they are), installs it into a staging root with prefix
# /usr and adds the systemd user unit, the tray's autostart entry, the administrator's config
# and the maintainer scripts from packaging/linux/. SEALBRIDGE_MAINTAINER sets the Maintainer;
# SEALBRIDGE_LINTIAN=0 skips the lintian run.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

package_deb() {
  local build="$repo/build/package" reuse=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --build-dir) build="$(cd "$2" && pwd)"; reuse=1; shift 2 ;;
      *) echo "package.sh deb: unknown option $1" >&2; exit 2 ;;
    esac
  done
  for tool in dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || { echo "$tool missing: run scripts/install-deps.sh" >&2; exit 1; }
  done

  local version arch maintainer
  version="$(sed -n 's/^project(sealbridge VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
  [ -n "$version" ] || { echo "no project version in CMakeLists.txt" >&2; exit 1; }
  arch="$(dpkg --print-architecture)"
  maintainer="${SEALBRIDGE_MAINTAINER:-$(git -C "$repo" log -1 --format='%an <%ae>' 2>/dev/null || true)}"
  [ -n "$maintainer" ] || maintainer="SealBridge maintainers <maintainers@sealbridge.example>"
  local debian_version="$version-1"

  if [ "$reuse" = 0 ]; then
    # Debian's hardening flags (fortify, stack protector, relro, bindnow), as dpkg-buildpackage
    # would pass them with hardening=+all. The linker flags are given explicitly so that an
    # existing tree takes them too.
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    (cd "$repo" && CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
      CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
      cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEALBRIDGE_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null)
  fi
  cmake --build "$build" -j "${SEALBRIDGE_JOBS:-2}" --target sealbridged sealbridge-consent sealbridge-tray

  # The staging root sits where dpkg-shlibdeps looks for a package's files.
  local deb_work="$build/deb"
  local stage="$deb_work/debian/sealbridge"
  rm -rf "$deb_work"
  mkdir -p "$deb_work/debian"
  rm -rf "$stage"
  DESTDIR="$stage" cmake --install "$build" --prefix /usr --strip >/dev/null
  local bin
  for bin in sealbridged sealbridge-consent sealbridge-tray; do
    [ -x "$stage/usr/bin/$bin" ] || { echo "$bin was not built (GTK or appindicator dev files missing?)" >&2; exit 1; }
  done

  # Sections only the build needed (compiler versions, build notes) go too, as dh_strip does.
  for bin in "$stage"/usr/bin/*; do
    strip --remove-section=.comment --remove-section=.note "$bin"
  done

  local linux="$repo/packaging/linux"
  install -Dm644 "$linux/sealbridged.service" "$stage/usr/lib/systemd/user/sealbridged.service"
  install -Dm644 "$linux/90-sealbridge.preset" "$stage/usr/lib/systemd/user-preset/90-sealbridge.preset"
  install -Dm644 "$linux/sealbridge-tray.desktop" "$stage/etc/xdg/autostart/sealbridge-tray.desktop"
  install -Dm644 "$linux/config.json" "$stage/etc/sealbridge/config.json"
  # The user unit runs it before the daemon (ExecStartPre) and prerm for every user on removal.
  install -Dm755 "$repo/scripts/trust-root.sh" "$stage/usr/share/sealbridge/trust-root.sh"
  local doc="$stage/usr/share/doc/sealbridge"
  install -Dm644 "$linux/copyright" "$doc/copyright"
  install -Dm644 "$linux/lintian-overrides" "$stage/usr/share/lintian/overrides/sealbridge"
  install -Dm644 "$repo/packaging/config.example.json" "$doc/examples/config.example.json"
  local page
  for page in "$linux"/man/*.1; do
    install -Dm644 "$page" "$stage/usr/share/man/man1/$(basename "$page")"
    gzip -9n "$stage/usr/share/man/man1/$(basename "$page")"
  done
  # A changelog entry for this build, dated by the last commit so rebuilds are identical.
  local date
  date="$(git -C "$repo" log -1 --format=%cD 2>/dev/null || date -R)"
  printf 'sealbridge (%s) unstable; urgency=medium\n\n  * Upstream build %s.\n\n -- %s  %s\n' \
    "$debian_version" "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo local)" \
    "$maintainer" "$date" | gzip -9n >"$doc/changelog.Debian.gz"
  chmod 644 "$doc/changelog.Debian.gz"
  # The administrator's pages never need write bits for others; the tree is owned by root.
  find "$stage" -type d -exec chmod 755 {} +
  find "$stage/usr/share" "$stage/etc" -type f -exec chmod 644 {} +
  chmod 755 "$stage/usr/share/sealbridge/trust-root.sh"

  # Dependencies from the libraries the binaries link, as Debian's own packages declare them.
  printf 'Source: sealbridge\n\nPackage: sealbridge\nArchitecture: any\n' >"$deb_work/debian/control"
  local depends
  depends="$(cd "$deb_work" && dpkg-shlibdeps -O debian/sealbridge/usr/bin/sealbridged \
    debian/sealbridge/usr/bin/sealbridge-consent debian/sealbridge/usr/bin/sealbridge-tray \
    2> >(grep -v "should already be installed in their package's directory" >&2) |
    sed -n 's/^shlibs:Depends=//p')"

  mkdir -p "$stage/DEBIAN"
  local script
  for script in postinst prerm postrm; do
    install -m755 "$linux/$script" "$stage/DEBIAN/$script"
  done
  (cd "$stage" && find etc -type f | sed 's#^#/#' | sort) >"$stage/DEBIAN/conffiles"
  chmod 644 "$stage/DEBIAN/conffiles"
  local size
  size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
  cat >"$stage/DEBIAN/control" <<EOF
Package: sealbridge
Version: $debian_version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: libnss3-tools, openssl, xdg-utils, fonts-noto-cjk
Suggests: chromium | firefox-esr
Section: utils
Priority: optional
Description: local signing service for electronic seals (USB key bridge)
 SealBridge lets web portals that an administrator allowed reach the user's
 USB key through its PKCS#11 driver: list certificates and electronic seals
 (GB/T 38540, GM/T 0031), renew them, and sign documents with SM2, RSA or
 ECDSA. It listens on the loopback interface only and asks the user before
 each signature.
 .
 The package contains the daemon (a systemd user service), the consent and
 PIN dialog, the tray icon with the seal tool, and the local web pages.
EOF
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | sort |
    xargs md5sum) >"$stage/DEBIAN/md5sums"
  chmod 644 "$stage/DEBIAN/md5sums"

  mkdir -p "$repo/dist"
  local out="$repo/dist/sealbridge_${debian_version}_${arch}.deb"
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
  echo "built $out ($(du -k "$out" | cut -f1) KiB, installed $size KiB)"
  if [ "${SEALBRIDGE_LINTIAN:-1}" = 1 ] && command -v lintian >/dev/null; then
    echo "lintian:"
    lintian --tag-display-limit 0 --display-info "$out" 2>&1 | grep -v 'running with root' |
      sed 's/^/  /' || true
  fi
}

[ $# -ge 1 ] || { usage; exit 2; }
kind="$1"
shift
case "$kind" in
  deb) package_deb "$@" ;;
  msi)
    if [ -x "$repo/scripts/package-msi.sh" ]; then
      exec "$repo/scripts/package-msi.sh" "$@"
    fi
    echo "package.sh msi: scripts/package-msi.sh is not there yet" >&2
    exit 1
    ;;
  -h | --help) usage ;;
  *) echo "package.sh: unknown package kind $kind (deb or msi)" >&2; exit 2 ;;
esac
