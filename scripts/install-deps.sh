#!/usr/bin/env bash
# Installs what building and testing SealBridge needs on a fresh Debian 12 machine.
# Run as root (or through sudo). Safe to re-run: it installs only what is missing.
#
#   install-deps.sh [--with-clang] [--with-windows] [--no-node-modules]
#
#   --with-clang        kept for older callers: clang is always installed now (the sanitizer
#                       build of scripts/test.sh and the libFuzzer builds use it)
#   --with-windows      also install mingw-w64, wixl, msitools, wine, librsvg2-bin and
#                       imagemagick (scripts/build-windows.sh, scripts/test-windows.sh) and a
#                       deb-src entry for OpenSSL's source package
#   --no-node-modules   skip `npm ci` in tests/
set -euo pipefail

with_windows=0
node_modules=1
for arg in "$@"; do
  case "$arg" in
    --with-clang) ;;
    --with-windows) with_windows=1 ;;
    --no-node-modules) node_modules=0 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo env DEBIAN_FRONTEND=noninteractive "$@"
  else
    echo "need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

packages=(
  ca-certificates build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libssl-dev openssl nlohmann-json3-dev libspdlog-dev
  libfmt-dev catch2 libp11-kit-dev softhsm2 opensc libnss3-tools poppler-utils
  chromium fonts-noto-cjk xxd
  libgtk-3-dev xvfb xdotool imagemagick x11-utils xauth
  libqpdf-dev qpdf libpng-dev libgif-dev zlib1g-dev
  libayatana-appindicator3-dev trayer
  debootstrap lintian dpkg-dev curl
  gdb
  # The sanitizer build (scripts/test.sh) and libFuzzer builds (scripts/fuzz.sh): clang compiles
  # this code base about twice as fast as g++ with ASan. libclang-rt-14-dev holds the sanitizer
  # and libFuzzer runtimes clang 14 links (not pulled in without recommends).
  clang libclang-rt-14-dev
)
if [ "$with_windows" = 1 ]; then
  packages+=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
    wixl msitools wine wine64 dpkg-dev curl
    # The tray's icons: its SVGs rendered (rsvg-convert) and packed into .ico (imagemagick);
    # locales for the zh_CN.UTF-8 locale its wine test runs in.
    librsvg2-bin imagemagick locales)
fi

# A node >= 18 that is already there (e.g. from nodesource, which bundles npm) stays: Debian's
# npm package would conflict with it.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if command -v node >/dev/null && [ "$(node_major)" -ge 18 ]; then
  echo "node $(node --version) found, keeping it"
  command -v npm >/dev/null || packages+=(npm)
else
  packages+=(nodejs npm)
fi

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for pkg in "${packages[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all ${#packages[@]} Debian packages already installed"
fi

if [ "$node_modules" = 1 ]; then
  tests_dir="$repo/tests"
  stamp="$tests_dir/node_modules/.sealbridge-lock.sha256"
  lock_sum="$(sha256sum "$tests_dir/package-lock.json" | cut -d' ' -f1)"
  # npm records what it installed in node_modules/.package-lock.json; a tree installed after
  # the last change to the lock file, without our stamp, is taken as current.
  if [ -d "$tests_dir/node_modules" ] && [ ! -f "$stamp" ] &&
    [ -f "$tests_dir/node_modules/.package-lock.json" ] &&
    ! [ "$tests_dir/package-lock.json" -nt "$tests_dir/node_modules/.package-lock.json" ]; then
    echo "$lock_sum" >"$stamp"
  fi
  if [ -d "$tests_dir/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
    echo "tests/node_modules up to date"
  else
    echo "npm ci in tests/"
    (cd "$tests_dir" && npm ci --no-audit --no-fund)
    echo "$lock_sum" >"$stamp"
  fi
fi

# build-windows.sh builds OpenSSL for mingw from Debian's own source package (with Debian's
# security patches), so apt needs a deb-src line for the same mirrors as the deb lines.
if [ "$with_windows" = 1 ] && ! apt-get source --print-uris openssl >/dev/null 2>&1; then
  src_list=/etc/apt/sources.list.d/sealbridge-deb-src.sources
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      as_root tee "$src_list" >/dev/null
  else
    grep -h '^deb http' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      as_root tee "${src_list%.sources}.list" >/dev/null
  fi
  as_root apt-get update -q
fi

# tests/windows/tray_wine.sh runs the tray in Chinese: wine takes the UI language from the
# process's locale, which must exist on this machine.
if [ "$with_windows" = 1 ] && ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf8'; then
  as_root localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
fi

echo "dependencies ready"
