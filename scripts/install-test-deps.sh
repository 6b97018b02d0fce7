#!/usr/bin/env bash
# Installs the Debian packages the test tiers need, when they are missing. Idempotent; safe to run
# on a developer machine and in CI (as root, or with sudo available).
set -euo pipefail

packages=(qemu-system-x86 qemu-user)
commands=(qemu-system-i386 qemu-i386)

missing=()
for index in "${!commands[@]}"; do
  command -v "${commands[$index]}" >/dev/null 2>&1 || missing+=("${packages[$index]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A mirror mid-sync can fail one index (seen for i386 security); the main archive is enough.
"${as_root[@]}" apt-get update -qq || echo "install-test-deps: apt-get update reported errors; continuing" >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
