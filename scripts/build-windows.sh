#!/usr/bin/env bash
# Cross-compiles sealbridged.exe, sealbridge-consent.exe (the consent/PIN window it starts) and
# sealbridge-tray.exe (the notification-area icon) for 64-bit Windows with mingw-w64 on Debian 12.
#
#   scripts/build-windows.sh [--build-dir DIR] [--version X.Y.Z] [--openssl-only | --is-cached]
#
#   --build-dir DIR   CMake build tree (default build/windows)
#   --version X.Y.Z   version the exe reports and carries in its VERSIONINFO (default: the project's)
#   --openssl-only    only make sure the cached mingw OpenSSL exists
#   --is-cached       exit 0 when the toolchain is installed and OpenSSL cached, 1 otherwise
#
# OpenSSL is built from Debian's own source package (so Debian's security patches come along)
# once per Debian version and kept outside the clone, in
# ${SEALBRIDGE_CACHE:-/var/cache/sealbridge}/openssl-mingw-<debian-version>/. A cold run
# spends most of its time there; later runs only compile SealBridge. Boost.Beast/Asio,
# nlohmann/json, spdlog and fmt are used as headers from the Debian packages.
# Needs the packages of `scripts/install-deps.sh --with-windows`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$repo/build/windows"
version=""
openssl_only=0
is_cached=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$(realpath -m "$2")"; shift ;;
    --version) version="$2"; shift ;;
    --openssl-only) openssl_only=1 ;;
    --is-cached) is_cached=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

cache_root="${SEALBRIDGE_CACHE:-/var/cache/sealbridge}"
host=x86_64-w64-mingw32
for tool in "$host-gcc-posix" "$host-g++-posix" "$host-windres" cmake ninja rsvg-convert convert; do
  if ! command -v "$tool" >/dev/null; then
    [ "$is_cached" = 1 ] && exit 1
    echo "missing $tool: run scripts/install-deps.sh --with-windows" >&2
    exit 1
  fi
done

log() { echo "== $*" >&2; }

# Bumped whenever the way OpenSSL is configured changes: an older cache is then rebuilt.
# 2: the directories compiled into libcrypto are Windows ones, not the build machine's.
recipe="recipe: 2"

# Debian versions of the openssl source package to try, the installed libssl's first: a
# security update's .dsc can already be gone from the mirror while an older one is still there.
openssl_candidates() {
  dpkg-query -W -f='${source:Version}\n' libssl3 2>/dev/null || true
  apt-cache showsrc openssl 2>/dev/null | sed -n 's/^Version: //p' | sort -rV
}

cached_openssl() {
  local v
  for v in $(openssl_candidates | awk '!seen[$0]++'); do
    if grep -qxF "$recipe" "$cache_root/openssl-mingw-$v/.complete" 2>/dev/null; then
      echo "$cache_root/openssl-mingw-$v"
      return 0
    fi
  done
  return 1
}

build_openssl() {
  local v work dest
  mkdir -p "$cache_root"
  for v in $(openssl_candidates | awk '!seen[$0]++'); do
    work="$(mktemp -d "$cache_root/.openssl-build.XXXXXX")"
    log "fetching Debian's openssl $v source package"
    if ! (cd "$work" && apt-get source -q --only-source "openssl=$v" >fetch.log 2>&1); then
      echo "   openssl $v: source not available, trying an older one" >&2
      rm -rf "$work"
      continue
    fi
    dest="$cache_root/openssl-mingw-$v"
    local src
    src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'openssl-*' | head -n1)"
    log "building OpenSSL $v for $host (libcrypto/libssl only, nice -n 15, -j2)"
    local started=$SECONDS
    (
      cd "$src"
      # no-module: the legacy provider is linked in, not a DLL to ship. Static: one exe.
      nice -n 15 ./Configure mingw64 no-shared no-module no-tests \
        --cross-compile-prefix="$host-" CC=gcc-posix --prefix="$work/out" --libdir=lib
      # The directories compiled into libcrypto are Windows ones that only administrators can
      # write (openssl.cnf can load code), not this machine's build paths.
      nice -n 15 make -j2 build_libs OPENSSLDIR="C:/Program Files/Common Files/SSL" \
        ENGINESDIR="C:/Program Files/SealBridge/engines-3" \
        MODULESDIR="C:/Program Files/SealBridge/ossl-modules"
      make install_dev
    ) >"$work/build.log" 2>&1 || {
      echo "OpenSSL build failed; see $work/build.log" >&2
      tail -n 30 "$work/build.log" >&2
      exit 1
    }
    printf 'debian-version: %s\nbuilt: %s\nseconds: %s\n' "$v" "$(date -u +%FT%TZ)" \
      "$((SECONDS - started))" >"$work/out/BUILD-INFO"
    echo "$recipe" >"$work/out/.complete"
    rm -rf "$dest"
    mv "$work/out" "$dest"
    rm -rf "$work"
    log "OpenSSL $v cached in $dest ($((SECONDS - started)) s)"
    echo "$dest"
    return 0
  done
  echo "no openssl source package could be fetched (is there a deb-src line? run" \
    "scripts/install-deps.sh --with-windows)" >&2
  exit 1
}

if [ "$is_cached" = 1 ]; then
  cached_openssl >/dev/null
  exit
fi

openssl_dir="$(cached_openssl || true)"
if [ -z "$openssl_dir" ]; then
  openssl_dir="$(build_openssl)"
else
  log "using cached OpenSSL in $openssl_dir"
fi
[ "$openssl_only" = 1 ] && exit 0

# Header-only dependencies through a private include prefix: adding /usr/include itself would
# let glibc's headers shadow mingw's.
deps="$build_dir/deps"
mkdir -p "$deps/include"
link_header_dir() {
  local from="$1" name="$2"
  [ -d "$from" ] || { echo "missing $from: run scripts/install-deps.sh" >&2; exit 1; }
  ln -sfn "$from" "$deps/include/$name"
}
link_header_dir /usr/include/boost boost
link_header_dir /usr/include/nlohmann nlohmann
link_header_dir /usr/include/spdlog spdlog
link_header_dir /usr/include/fmt fmt
link_header_dir /usr/include/p11-kit-1/p11-kit p11-kit

[ -n "$version" ] ||
  version="$(sed -n 's/^project(sealbridge VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
launcher=()
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

# -O2 as the native RelWithDebInfo build: mingw's gcc 12 warns falsely at -O3
# (stringop-overread, restrict inside libstdc++), which -Werror turns into failures.
log "configuring $build_dir"
cmake -S "$repo" -B "$build_dir" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/mingw-w64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DSEALBRIDGE_WERROR=ON -DSEALBRIDGE_TESTS=OFF \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DSEALBRIDGE_WINDOWS_DEPS="$deps" -DOPENSSL_ROOT_DIR="$openssl_dir" \
  -DSEALBRIDGE_PACKAGE_VERSION="$version" "${launcher[@]}" >/dev/null
log "building sealbridged.exe, sealbridge-consent.exe and sealbridge-tray.exe"
started=$SECONDS
nice -n 10 cmake --build "$build_dir" -j2 --target sealbridged sealbridge-consent sealbridge-tray
for name in sealbridged sealbridge-consent sealbridge-tray; do
  "$host-strip" -o "$build_dir/$name.exe" "$build_dir/daemon/app/$name.exe"
  # No path of the build machine may be compiled in: on Windows a user could create it.
  if grep -qaF "$cache_root" "$build_dir/$name.exe"; then
    echo "$name.exe names $cache_root (stale OpenSSL cache?)" >&2
    exit 1
  fi
  log "built $build_dir/$name.exe ($(stat -c %s "$build_dir/$name.exe") bytes)"
done
log "build took $((SECONDS - started)) s"
