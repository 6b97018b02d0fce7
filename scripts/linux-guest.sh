#!/usr/bin/env bash
# Prepares Debian's real i386 Linux as a guest: fetches linux-image-686 and busybox-static (i386)
# from Debian's archive with `apt-get download`, extracts the kernel, and builds a gzip'd newc
# initramfs whose /init mounts proc, sys and dev, runs the given shell commands (each output
# framed by marker lines) and powers off.
#
#   scripts/linux-guest.sh [--name NAME] [COMMAND...]
#   scripts/linux-guest.sh --shell [--name NAME] [COMMAND...]
#
# With --shell, /init runs the commands (if any) and then starts an interactive busybox shell on
# the console (`setsid cttyhack sh`: the serial port becomes its controlling terminal, so job
# control and Ctrl-C work); leaving the shell (`exit`, Ctrl-D) or `poweroff -f` powers off. The
# default name with --shell is "shell"; the prompt is "/ # " (PS1='\w # ').
#
# Outputs (cached under .cache/linux-guest/): vmlinuz and NAME.cpio.gz (default name "default").
# Prints two lines: "kernel PATH" and "initrd PATH". Markers in the guest's console output:
#   ==== OPENVMI BEGIN <n> <command>    before command n
#   ==== OPENVMI END <n> status=<s>     after it
#   ==== OPENVMI DONE                   after the last command (before poweroff or the shell)
#   ==== OPENVMI SHELL                  (--shell) just before the interactive shell starts
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/linux-guest
mkdir -p "$cache/debs"

name=default
shell=false
while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell=true; [ "$name" != default ] || name=shell; shift ;;
    --name) [ $# -ge 2 ] || { echo "linux-guest: --name needs a value" >&2; exit 2; }; name=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
case "$name" in *[!A-Za-z0-9_-]*|"") echo "linux-guest: bad --name '$name'" >&2; exit 2 ;; esac

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

fetch() { # fetch PACKAGE: downloads the i386 .deb of PACKAGE into the cache once
  local package=$1
  if ! ls "$cache/debs/${package%%:*}"_*.deb >/dev/null 2>&1; then
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
      "${as_root[@]}" dpkg --add-architecture i386
      "${as_root[@]}" apt-get update -qq || echo "linux-guest: apt-get update reported errors; continuing" >&2
    fi
    if ! apt-cache show "$package" >/dev/null 2>&1; then
      "${as_root[@]}" apt-get update -qq || echo "linux-guest: apt-get update reported errors; continuing" >&2
    fi
    (cd "$cache/debs" && apt-get download -qq "$package" 2>/dev/null) || (cd "$cache/debs" && apt-get download "$package")
  fi
  ls "$cache/debs/${package%%:*}"_*.deb | head -n 1
}

if [ ! -f "$cache/vmlinuz" ]; then
  meta=$(apt-cache depends linux-image-686:i386 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$meta" ]; then
    "${as_root[@]}" dpkg --print-foreign-architectures | grep -qx i386 || "${as_root[@]}" dpkg --add-architecture i386
    "${as_root[@]}" apt-get update -qq || echo "linux-guest: apt-get update reported errors; continuing" >&2
    meta=$(apt-cache depends linux-image-686:i386 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  fi
  deb=$(fetch "${meta%%:*}:i386")
  rm -rf "$cache/kernel-tree" && mkdir -p "$cache/kernel-tree"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/kernel-tree" --wildcards './boot/vmlinuz-*'
  cp "$cache"/kernel-tree/boot/vmlinuz-* "$cache/vmlinuz"
  rm -rf "$cache/kernel-tree"
fi

if [ ! -f "$cache/busybox" ]; then
  deb=$(fetch busybox-static:i386)
  rm -rf "$cache/busybox-tree" && mkdir -p "$cache/busybox-tree"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/busybox-tree" ./bin/busybox
  cp "$cache/busybox-tree/bin/busybox" "$cache/busybox"
  rm -rf "$cache/busybox-tree"
fi

init="$cache/$name.init"
{
  echo '#!/bin/sh'
  echo 'export PATH=/bin'
  echo 'mount -t proc proc /proc'
  echo 'mount -t sysfs sysfs /sys'
  echo 'mount -t devtmpfs devtmpfs /dev 2>/dev/null'
  index=0
  for command in "$@"; do
    index=$((index + 1))
    quoted=$(printf '%s' "$command" | sed "s/'/'\\\\''/g")
    printf "echo '==== OPENVMI BEGIN %d %s'\n" "$index" "$quoted"
    printf "sh -c '%s'\n" "$quoted"
    printf "echo \"==== OPENVMI END %d status=\$?\"\n" "$index"
  done
  echo 'echo "==== OPENVMI DONE"'
  if [ "$shell" = true ]; then
    echo 'export HOME=/ TERM=vt100 PS1='"'"'\w # '"'"
    echo 'echo "==== OPENVMI SHELL"'
    echo 'setsid cttyhack sh'
  fi
  echo 'poweroff -f'
} > "$init.new"
# Rebuilt when the init script or the archive's layout (make-initramfs.mjs) changed.
if [ ! -f "$cache/$name.cpio.gz" ] || ! cmp -s "$init.new" "$init" ||
  [ scripts/make-initramfs.mjs -nt "$cache/$name.cpio.gz" ]; then
  mv "$init.new" "$init"
  node scripts/make-initramfs.mjs "$cache/$name.cpio.gz.new" "$cache/busybox" "$init"
  mv "$cache/$name.cpio.gz.new" "$cache/$name.cpio.gz"
else
  rm -f "$init.new"
fi

echo "kernel $PWD/$cache/vmlinuz"
echo "initrd $PWD/$cache/$name.cpio.gz"
