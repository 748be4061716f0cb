#!/usr/bin/env bash
# Peak memory and speed of `sonavec index --windows segments` over one long recording (issue 15): the
# recording streams through the decoder a batch of windows at a time, so the peak should not grow with
# its length beyond the per-window vectors kept for the catalog (516 bytes a window in int8 form, 2 KB
# while in float32: 15 MB for 10 hours). As `sonavec index` runs by default: with the fingerprints and the
# whole-recording print (one more decode, 30 s at a time).
#   bench/segments_memory.sh [build dir, default build] [hours, default "10"] [precision, default bf16]
# Model: the full-size random model `sonavec bench` makes (~/.cache/sonavec/bench/clap-htsat-unfused-random).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
hours=${2:-10}
precision=${3:-bf16}
model=${SONAVEC_BENCH_MODEL:-$HOME/.cache/sonavec/bench/clap-htsat-unfused-random}
work=${TMPDIR:-/tmp}/sonavec-segments-memory
mkdir -p "$work"
[ -f "$model/model.safetensors" ] || "$build/sonavec" model random "$root/configs/clap-htsat-unfused" "$model" >/dev/null
peak() { /usr/bin/time -f "%M %e" "$@" 2>&1 >/dev/null | tail -n 1; }  # peak RSS in KiB, seconds
printf '%-6s %-10s %-10s %-18s %-14s %-10s %s\n' hours precision windows "sonavec peak MB" "ffmpeg peak MB" seconds "audio h / wall h"
for h in $hours; do
  f=$work/long-${h}h.mp3
  # A tone and noise, mono 32 kbit/s MP3: 14 MB an hour.
  [ -f "$f" ] || ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=220:r=22050:d=$((h * 3600))" \
    -f lavfi -i "anoisesrc=c=pink:r=22050:a=0.05:d=$((h * 3600))" -filter_complex amix=inputs=2 -ac 1 -b:a 32k "$f"
  read -r ff _ <<<"$(peak ffmpeg -nostdin -v error -i "$f" -ar 48000 -ac 1 -f null -)"
  rm -rf "$work/lib"
  read -r kb secs <<<"$(peak "$build/sonavec" index --library "$work/lib" --model "$model" --precision "$precision" \
    --windows segments "$f")"
  windows=$("$build/sonavec" stats --library "$work/lib" | sed -n 's/.*ok, 0 failed), \([0-9]*\) per-window.*/\1/p')
  printf '%-6s %-10s %-10s %-18s %-14s %-10.0f %.0f\n' "$h" "$precision" "$windows" $((kb / 1024)) $((ff / 1024)) "$secs" \
    "$(awk -v h="$h" -v s="$secs" 'BEGIN { print h * 3600 / s }')"
done
