#!/usr/bin/env bash
# Installs what the test tiers need, when it is missing. Idempotent; safe to run on a developer
# machine and in CI (as root, or with sudo available):
# - Debian packages: qemu-system-x86 (qemu-system-i386) and qemu-user (qemu-i386), the references;
# - Debian's busybox-static:i386 and linux-image-686:i386, fetched with apt-get download and cached
#   under .cache/ (scripts/busybox.sh, scripts/linux-guest.sh). Fetching them here, once, keeps
#   parallel test workers from racing for the apt lock.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(qemu-system-x86 qemu-user)
commands=(qemu-system-i386 qemu-i386)

missing=()
for index in "${!commands[@]}"; do
  command -v "${commands[$index]}" >/dev/null 2>&1 || missing+=("${packages[$index]}")
done

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # A mirror mid-sync can fail one index (seen for i386 security); the main archive is enough.
  "${as_root[@]}" apt-get update -qq || echo "install-test-deps: apt-get update reported errors; continuing" >&2
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/busybox.sh >/dev/null
bash scripts/linux-guest.sh >/dev/null
