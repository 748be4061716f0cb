#!/usr/bin/env bash
# Peak memory of `sonavec embed --windows full` over one long file, beside ffmpeg decoding the same file
# (the floor: what the decoder alone holds). Windows stream through the tower a batch at a time, so the
# figure should not move with the file's length.
#   bench/long_file_memory.sh [build dir, default build] [hours, default "1 10"] [threads, default "1 2"]
# Model: the full-size random model `sonavec bench` makes (~/.cache/sonavec/bench/clap-htsat-unfused-random).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
hours=${2:-1 10}
threads=${3:-1 2}
model=${SONAVEC_BENCH_MODEL:-$HOME/.cache/sonavec/bench/clap-htsat-unfused-random}
work=${TMPDIR:-/tmp}/sonavec-long-file-memory
mkdir -p "$work"
[ -f "$model/model.safetensors" ] || "$build/sonavec" model random "$root/configs/clap-htsat-unfused" "$model" >/dev/null
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -n 1; }  # peak RSS in KiB
printf '%-6s %-8s %-18s %-14s %-10s\n' hours threads "sonavec peak MB" "ffmpeg peak MB" "seconds"
for h in $hours; do
  f=$work/long-${h}h.mp3
  # A sweep and noise, mono 32 kbit/s MP3: 14 MB an hour.
  [ -f "$f" ] || ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=220:r=22050:d=$((h * 3600))" -ac 1 -b:a 32k "$f"
  ff=$(peak ffmpeg -nostdin -v error -i "$f" -ar 48000 -ac 1 -f null -)
  for t in $threads; do
    start=$(date +%s.%N)
    kb=$(peak "$build/sonavec" embed --model "$model" --windows full --max-seconds $((h * 3600)) --threads "$t" \
      --quiet --format jsonl --out "$work/out.jsonl" "$f")
    end=$(date +%s.%N)
    printf '%-6s %-8s %-18s %-14s %-10.0f\n' "$h" "$t" $((kb / 1024)) $((ff / 1024)) "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
  done
done
