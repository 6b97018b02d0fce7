#!/usr/bin/env bash
# Fetches Debian's busybox-static for i386 with `apt-get download` and extracts the static binary
# to .cache/busybox/busybox (cached: a second run downloads nothing). Prints the binary's path.
#
#   bash scripts/busybox.sh
#
# Used by the busybox differential suite (apps/runner/test/busybox.conformance.test.ts), which
# runs the same binary under qemu-i386 and under `openvmi user`.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/busybox
binary=$cache/busybox
if [ -x "$binary" ]; then
  echo "$PWD/$binary"
  exit 0
fi
mkdir -p "$cache/debs"

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

if ! dpkg --print-foreign-architectures | grep -qx i386; then
  "${as_root[@]}" dpkg --add-architecture i386
  "${as_root[@]}" apt-get update -qq || echo "busybox.sh: apt-get update reported errors; continuing" >&2
fi
if ! apt-cache show busybox-static:i386 >/dev/null 2>&1; then
  "${as_root[@]}" apt-get update -qq || echo "busybox.sh: apt-get update reported errors; continuing" >&2
fi
if ! ls "$cache"/debs/busybox-static_*_i386.deb >/dev/null 2>&1; then
  (cd "$cache/debs" && apt-get download -qq busybox-static:i386)
fi
deb=$(ls "$cache"/debs/busybox-static_*_i386.deb | head -n 1)
tree=$cache/tree
rm -rf "$tree" && mkdir -p "$tree"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree" ./bin/busybox 2>/dev/null ||
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree" ./usr/bin/busybox
found=$(find "$tree" -type f -name busybox | head -n 1)
[ -n "$found" ] || { echo "busybox.sh: no busybox binary in $deb" >&2; exit 1; }
cp "$found" "$binary.tmp"
chmod +x "$binary.tmp"
mv "$binary.tmp" "$binary"
rm -rf "$tree"
echo "$PWD/$binary"
