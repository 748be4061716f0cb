#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and fuzzes each parser of outside data for N seconds:
#   scripts/fuzz.sh [seconds per run, default 120] [build dir, default build-fuzz]
#   FUZZ_RUNS="pytorch pickle" picks runs (default all five); FUZZ_JOBS sets make's -j.
# Runs: the zip checkpoint reader, the safetensors reader (both through fuzz_tensor_file, seeded with
# different files), the unpickler alone (fuzz_state_dict_pickle), the audio decode path
# (fuzz_audio_decoder, seeded with tiny files in every format plus tests/data/corrupt/audio) and the vector
# index loader (fuzz_vector_index, seeded with tests/data/corrupt/index). Crash inputs
# land in <build dir>/crashes/<run>/; turn each into a fixture under tests/data/corrupt/ and fix the reader.
set -euo pipefail
seconds=${1:-120}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSONAVEC_FUZZ=ON \
  -DSONAVEC_TESTS=OFF >/dev/null
make -C "$build" -j"$jobs" fuzz_tensor_file fuzz_state_dict_pickle fuzz_audio_decoder fuzz_vector_index >/dev/null

# Seed corpora: the committed fixtures, small safetensors files cut from the golden model's header,
# and every data.pkl (the golden one included) for the unpickler.
corpus=$build/corpus
rm -rf "$corpus"
mkdir -p "$corpus/pytorch" "$corpus/safetensors" "$corpus/pickle" "$corpus/audio" "$corpus/index"
cp "$root"/tests/data/pytorch/*.bin "$root"/tests/data/corrupt/*.bin "$corpus/pytorch/"
rm "$corpus"/pytorch/deep_*.bin  # 100k+ nested opcodes: slow to execute, and fuzz_state_dict_pickle covers nesting
cp "$root"/tests/data/corrupt/*.safetensors "$corpus/safetensors/"
cp "$root"/tests/data/corrupt/audio/*.* "$corpus/audio/"
rm "$corpus"/audio/*.py "$corpus"/audio/*.md
cp "$root"/tests/data/corrupt/index/*.index "$corpus/index/"
# A quarter second of a two-channel signal in each container and codec, small enough for -max_len.
for spec in wav:pcm_s16le f32.wav:pcm_f32le aiff:pcm_s24be flac:flac mp3:libmp3lame m4a:aac alac.m4a:alac \
            ogg:libvorbis opus:libopus; do
  ffmpeg -v error -y -f lavfi -i "sine=f=440:r=22050:d=0.25" -ac 2 -c:a "${spec#*:}" -b:a 32k \
    "$corpus/audio/seed.${spec%%:*}"
done
python3 - "$root" "$corpus" <<'PY'
import json, struct, sys, zipfile, glob, os
root, corpus = sys.argv[1], sys.argv[2]
golden = os.path.join(root, "tests/data/golden/model")
with open(os.path.join(golden, "model.safetensors"), "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
small = [(k, v) for k, v in header.items() if k != "__metadata__" and v["data_offsets"][1] - v["data_offsets"][0] <= 4096]
for i in range(0, len(small), 24):
    out, blob = {"__metadata__": {"format": "pt"}}, b""
    for k, v in small[i:i + 24]:
        b, e = v["data_offsets"]
        out[k] = {"dtype": v["dtype"], "shape": v["shape"], "data_offsets": [len(blob), len(blob) + e - b]}
        blob += data[b:e]
    h = json.dumps(out).encode()
    with open(os.path.join(corpus, "safetensors", "golden_part%02d.safetensors" % (i // 24)), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob)
paths = [os.path.join(golden, "pytorch_model.bin")] + glob.glob(os.path.join(root, "tests/data/pytorch/*.bin"))
for p in paths:
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.endswith("/data.pkl"):
                with open(os.path.join(corpus, "pickle", os.path.basename(p) + ".pkl"), "wb") as f:
                    f.write(z.read(name))
PY

run() {  # run <name> <binary> <corpus dir>
  local name=$1 binary=$2 seeds=$3
  rm -rf "$build/work/$name"  # start from the seeds each time, so runs are comparable
  mkdir -p "$build/crashes/$name" "$build/work/$name"
  echo "== $name: ${seconds}s"
  "$build/$binary" "$build/work/$name" "$seeds" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$name/" 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)|ERROR|SUMMARY|Test unit written" || true
  ls "$build/crashes/$name"
}
for name in ${FUZZ_RUNS:-pytorch safetensors pickle audio index}; do
  case $name in
    pytorch) run pytorch fuzz_tensor_file "$corpus/pytorch" ;;
    safetensors) run safetensors fuzz_tensor_file "$corpus/safetensors" ;;
    pickle) run pickle fuzz_state_dict_pickle "$corpus/pickle" ;;
    audio) run audio fuzz_audio_decoder "$corpus/audio" ;;
    index) run index fuzz_vector_index "$corpus/index" ;;
    *) echo "unknown run '$name'" >&2; exit 2 ;;
  esac
done
