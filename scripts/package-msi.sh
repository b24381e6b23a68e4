#!/usr/bin/env bash
# Builds the Windows installer dist/sealbridge-<version>.msi with wixl (msitools), from
# sealbridged.exe, sealbridge-consent.exe and sealbridge-tray.exe (cross-compiled by
# scripts/build-windows.sh) and webroot/.
# scripts/package.sh's `msi` case calls this.
#
#   scripts/package-msi.sh [--version X.Y.Z] [--exe PATH] [--consent-exe PATH]
#                          [--tray-exe PATH] [--out-dir DIR]
#
#   --version X.Y.Z     package and daemon version (default: the project's)
#   --exe PATH          an already built sealbridged.exe of that version (default: build it, in
#                       build/windows)
#   --consent-exe PATH  the sealbridge-consent.exe built with it (default: the one beside
#                       --exe, else build/windows/sealbridge-consent.exe)
#   --tray-exe PATH     the sealbridge-tray.exe built with it (default: the one beside --exe,
#                       else build/windows/sealbridge-tray.exe)
#   --out-dir DIR       where the .msi goes (default dist/)
#
# The MSI's contract (public properties, registry, upgrades) is in packaging/windows/sealbridge.wxs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=""
exe=""
consent_exe=""
tray_exe=""
out_dir="$repo/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift ;;
    --exe) exe="$(realpath "$2")"; shift ;;
    --consent-exe) consent_exe="$(realpath "$2")"; shift ;;
    --tray-exe) tray_exe="$(realpath "$2")"; shift ;;
    --out-dir) out_dir="$(realpath -m "$2")"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$version" ] ||
  version="$(sed -n 's/^project(sealbridge VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "version must be X.Y.Z (Windows Installer compares the first three fields)" >&2
  exit 2
fi
for tool in wixl wixl-heat msibuild msiinfo; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh --with-windows" >&2; exit 1; }
done

if [ -z "$exe" ]; then
  "$repo/scripts/build-windows.sh" --version "$version" --build-dir "$repo/build/windows"
  exe="$repo/build/windows/sealbridged.exe"
fi
if [ -z "$consent_exe" ]; then
  consent_exe="$(dirname "$exe")/sealbridge-consent.exe"
  [ -f "$consent_exe" ] || consent_exe="$repo/build/windows/sealbridge-consent.exe"
fi
[ -f "$consent_exe" ] || { echo "missing $consent_exe: run scripts/build-windows.sh" >&2; exit 1; }
if [ -z "$tray_exe" ]; then
  tray_exe="$(dirname "$exe")/sealbridge-tray.exe"
  [ -f "$tray_exe" ] || tray_exe="$repo/build/windows/sealbridge-tray.exe"
fi
[ -f "$tray_exe" ] || { echo "missing $tray_exe: run scripts/build-windows.sh" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# wixl wants Source= paths relative to where it runs.
mkdir -p "$work/payload"
cp "$exe" "$work/payload/sealbridged.exe"
cp "$consent_exe" "$work/payload/sealbridge-consent.exe"
cp "$tray_exe" "$work/payload/sealbridge-tray.exe"
cp -r "$repo/webroot" "$work/payload/webroot"
# The demo portals are not installed (see daemon/app/CMakeLists.txt).
rm -rf "$work/payload/webroot/portal-test" "$work/payload/webroot/renewal-demo"
cp "$repo/packaging/windows/sealbridge.wxs" "$work/"
# One component per webroot file. Ids and GUIDs are derived from the file's path, so they stay
# the same from one build and one version to the next (wixl-heat makes random ones).
hash_of() { printf '%s' "$1" | sha1sum | cut -c1-32; }
guid_of() {
  local h
  h="$(hash_of "guid:$1" | tr a-f A-F)"
  echo "${h:0:8}-${h:8:4}-5${h:13:3}-8${h:17:3}-${h:20:12}"
}
dir_id() { if [ "$1" = . ]; then echo WEBROOT; else echo "wd$(hash_of "$1")"; fi; }
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Fragment>'
  (cd "$work/payload/webroot" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort) |
    while read -r d; do
      echo "<DirectoryRef Id=\"$(dir_id "$(dirname "$d")")\"><Directory Id=\"$(dir_id "$d")\" Name=\"$(basename "$d")\"/></DirectoryRef>"
    done
  (cd "$work/payload/webroot" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$work/webroot.list"
  while read -r f; do
    h="$(hash_of "$f")"
    echo "<DirectoryRef Id=\"$(dir_id "$(dirname "$f")")\"><Component Id=\"wc$h\" Guid=\"$(guid_of "$f")\" Win64=\"yes\"><File Id=\"wf$h\" Name=\"$(basename "$f")\" Source=\"payload/webroot/$f\" KeyPath=\"yes\"/></Component></DirectoryRef>"
  done <"$work/webroot.list"
  echo '<ComponentGroup Id="Webroot">'
  while read -r f; do echo "<ComponentRef Id=\"wc$(hash_of "$f")\"/>"; done <"$work/webroot.list"
  echo '</ComponentGroup></Fragment></Wix>'
} >"$work/webroot.wxs"

mkdir -p "$out_dir"
msi="$out_dir/sealbridge-$version.msi"
(
  cd "$work"
  wixl -a x64 -D Version="$version" -D ExeSource=payload/sealbridged.exe \
    -D ConsentExeSource=payload/sealbridge-consent.exe -D TrayExeSource=payload/sealbridge-tray.exe \
    -o "$work/sealbridge.msi" sealbridge.wxs webroot.wxs 2>&1 |
    tee "$work/wixl.log"
)
# wixl only warns about what it does not understand; here that is an error.
if grep -qi warning "$work/wixl.log"; then
  echo "wixl warned (see above): fix packaging/windows/sealbridge.wxs" >&2
  exit 1
fi

# Properties the server side of an installation may take from the client (managed installs).
secure="ALLOWED_ORIGINS;MODULES;RENEWAL_URL;UPDATE_URL"
msiinfo export "$work/sealbridge.msi" Property >"$work/property.idt"
current="$(awk -F'\t' '$1 == "SecureCustomProperties" {print $2}' "$work/property.idt" | tr -d '\r')"
if [ -n "$current" ]; then
  grep -v $'^SecureCustomProperties\t' "$work/property.idt" >"$work/property.new"
  printf 'SecureCustomProperties\t%s;%s\r\n' "$current" "$secure" >>"$work/property.new"
else
  cp "$work/property.idt" "$work/property.new"
  printf 'SecureCustomProperties\t%s\r\n' "$secure" >>"$work/property.new"
fi
mv "$work/property.new" "$work/Property.idt"
(cd "$work" && msibuild sealbridge.msi -i Property.idt)

# A rebuilt package of the same version (a new ProductCode) replaces the installed one instead
# of landing beside it: the upgrade row includes its maximum, as WiX's AllowSameVersionUpgrades.
msiinfo export "$work/sealbridge.msi" Upgrade | tr -d '\r' |
  awk -F'\t' -v OFS='\t' 'NR > 3 && $7 == "WIX_UPGRADE_DETECTED" {$5 = $5 + 512} {printf "%s\r\n", $0}' \
    >"$work/Upgrade.idt"
(cd "$work" && msibuild sealbridge.msi -i Upgrade.idt)

# The old version must be gone before anything of the new one is installed (wixl may place
# RemoveExistingProducts elsewhere when not told).
sequence="$(msiinfo export "$work/sealbridge.msi" InstallExecuteSequence | tr -d '\r')"
seq_of() { awk -F'\t' -v a="$1" '$1 == a {print $3}' <<<"$sequence"; }
if [ -z "$(seq_of RemoveExistingProducts)" ] ||
  [ "$(seq_of RemoveExistingProducts)" -ge "$(seq_of InstallInitialize)" ]; then
  echo "RemoveExistingProducts is not before InstallInitialize" >&2
  exit 1
fi
if ! msiinfo export "$work/sealbridge.msi" Property | grep -q "^SecureCustomProperties.*UPDATE_URL"; then
  echo "SecureCustomProperties was not written" >&2
  exit 1
fi

mv "$work/sealbridge.msi" "$msi"
echo "== built $msi ($(stat -c %s "$msi") bytes)"
