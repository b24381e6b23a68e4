#!/usr/bin/env bash
# Installs what building and testing SealBridge needs on a fresh Debian 12 machine.
# Run as root (or through sudo). Safe to re-run: it installs only what is missing.
#
#   install-deps.sh [--with-clang] [--no-node-modules]
#
#   --with-clang        also install clang (libFuzzer builds, SEALBRIDGE_FUZZ=ON)
#   --no-node-modules   skip `npm ci` in tests/
set -euo pipefail

with_clang=0
node_modules=1
for arg in "$@"; do
  case "$arg" in
    --with-clang) with_clang=1 ;;
    --no-node-modules) node_modules=0 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
)
[ "$with_clang" = 1 ] && packages+=(clang)

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

echo "dependencies ready"
