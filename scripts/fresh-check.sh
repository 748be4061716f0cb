#!/usr/bin/env bash
# Runs the README's setup-and-test command in a fresh Debian 12 root, as CI's clean machine would: a
# package installed by hand on this machine cannot hide a missing install step there.
#   scripts/fresh-check.sh [folder, default /tmp/sonavec-fresh-check]
# Needs root and mmdebstrap (installed here when missing). In the folder:
#   base/          a minimal Debian 12 root, made once with mmdebstrap from this machine's apt sources
#   run/           a copy of base/ made for each run: the committed HEAD is cloned there and tested
#   apt-archives/  the packages setup.sh downloaded inside, kept so that a second run need not fetch them
# Exit status: 0 when the tests passed in the fresh root, and also when the root could not be made
# because a package download failed (said on stdout: that is the network, not sonavec); non-zero when
# anything inside the root failed (setup, build, a test).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/sonavec-fresh-check}
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (mmdebstrap, mount and chroot)" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
base=$dir/base run=$dir/run archives=$dir/apt-archives

# apt's words for a package or index it could not download.
download_failed() {
  grep -qE 'Failed to fetch|Unable to fetch|Could not resolve|Temporary failure resolving|Could not connect|Unable to connect|Connection failed|Connection timed out|Hash Sum mismatch' "$1"
}
not_made() {
  echo "fresh-check: SKIPPED (not a failure): the fresh root could not be made because a package download failed: $(echo "$1" | tr -s ' ')"
  exit 0
}
mounts_under() { findmnt -rn -o TARGET | awk -v p="$1/" 'index($0, p) == 1' | sort -r; }
unmount_under() {
  local m
  mounts_under "$1" | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
# Never rm -rf a root that still has the machine's /dev or /proc bound into it.
remove_root() {
  [ -e "$1" ] || return 0
  unmount_under "$1"
  if [ -n "$(mounts_under "$1")" ]; then echo "fresh-check: $1 still has mounts under it; not removing it" >&2; exit 1; fi
  rm -rf "$1"
}

if ! command -v mmdebstrap >/dev/null; then
  log=$dir/apt-mmdebstrap.log
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap; } \
      >"$log" 2>&1; then
    download_failed "$log" && not_made "installing mmdebstrap: $(grep -m1 -E 'Failed|Unable|Could not' "$log")"
    cat "$log" >&2
    echo "fresh-check: cannot install mmdebstrap (see $log)" >&2
    exit 1
  fi
fi

# This machine's enabled apt sources, one-line (.list) and deb822 (.sources) alike: mmdebstrap takes each
# file as a mirror and writes it into the root, where setup.sh's apt-get uses it too.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -qvE '^[[:space:]]*(#|$)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { echo "fresh-check: no apt sources in /etc/apt/sources.list{,.d}" >&2; exit 1; }

count_packages() { dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${db:Status-Abbrev}\n' | grep -c '^ii'; }

if [ ! -e "$dir/base.complete" ]; then
  remove_root "$base"
  log=$dir/mmdebstrap.log
  echo "fresh-check: making a minimal Debian 12 root in $base from ${sources[*]}"
  t0=$(date +%s)
  if ! mmdebstrap --variant=minbase --include=ca-certificates,debian-archive-keyring \
      bookworm "$base" "${sources[@]}" >"$log" 2>&1; then
    remove_root "$base"
    download_failed "$log" && not_made "mmdebstrap: $(grep -m1 -E 'Failed|Unable|Could not|Temporary' "$log")"
    tail -n 30 "$log" >&2
    echo "fresh-check: mmdebstrap failed (see $log)" >&2
    exit 1
  fi
  touch "$dir/base.complete"
  echo "fresh-check: root made in $(( $(date +%s) - t0 )) s: $(count_packages "$base") packages, $(du -sh "$base" | cut -f1)"
fi

# Each run starts from the pristine base, so nothing a previous run installed can hide a missing step.
remove_root "$run"
cp -a "$base" "$run"
cp -L /etc/resolv.conf "$run/etc/resolv.conf"
mkdir -p "$run/work" "$archives" "$run/var/cache/apt/archives"
git clone -q "$repo" "$run/work/main"
echo "fresh-check: testing $(git -C "$run/work/main" log -1 --format='%h %s')"
# The tests read ../shared beside the clone, as CI lays it.
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$run/work/shared"

trap 'unmount_under "$run"' EXIT
for fs in proc sys dev; do
  mount --rbind "/$fs" "$run/$fs"
  mount --make-rslave "$run/$fs"  # unmounting them later must not reach the machine's own mounts
done
mount --bind "$archives" "$run/var/cache/apt/archives"

# The README's second command: set up, build and run the fast tests.
test_command=$(sed -n '/^```sh$/,/^```$/p' "$repo/README.md" | sed -n 3p)
echo "fresh-check: running '$test_command' in the fresh root"
t0=$(date +%s)
status=0
chroot "$run" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  bash -c "cd /work/main && $test_command" || status=$?
elapsed=$(( $(date +%s) - t0 ))
if [ "$status" -ne 0 ]; then
  echo "fresh-check: FAILED in the fresh root: '$test_command' exited $status after $elapsed s" >&2
  exit "$status"
fi
echo "fresh-check: passed in $elapsed s; the root had $(count_packages "$run") packages after setup"
