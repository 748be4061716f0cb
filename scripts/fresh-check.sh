#!/usr/bin/env bash
# Runs the README's setup-and-test command in a fresh Debian 12 root, as CI's clean machine would: a
# package installed by hand on this machine cannot hide a missing install step there.
#   scripts/fresh-check.sh [root folder, default /tmp/sonavec-fresh-root]
# Needs root, debootstrap (installed here when missing) and Debian's package mirror. The root is made
# once (minbase) and reused; the repository's committed HEAD is cloned into it each time.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/tmp/sonavec-fresh-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (debootstrap and chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "fresh-check: making a Debian 12 root in $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    "$mirror" "$mirror" > "$root/etc/apt/sources.list"
fi
# The tests read ../shared beside the clone, as CI lays it.
rm -rf "$root/work"
mkdir -p "$root/work"
git clone -q "$repo" "$root/work/main"
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$root/work/shared"
for fs in proc sys dev; do mountpoint -q "$root/$fs" || mount --rbind "/$fs" "$root/$fs"; done
trap 'for fs in dev sys proc; do umount -R -l "$root/$fs" 2>/dev/null || true; done' EXIT
# The README's second command: set up, build and run the fast tests.
test_command=$(sed -n '/^```sh$/,/^```$/p' "$repo/README.md" | sed -n 3p)
echo "fresh-check: running '$test_command' in the fresh root"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  bash -c "cd /work/main && $test_command"
echo "fresh-check: passed"
