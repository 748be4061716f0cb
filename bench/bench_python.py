#!/usr/bin/env python3
"""The speed through the Python module against the CLI's, on the full-size random model.

1. `sonavec bench`'s "features + audio tower" (ms per 10 s window) and text query figures, measured the
   same way through Python: Engine.embed_audio of one 10 s window at the engine's rate (no resampling,
   one window) and Engine.embed_text of one short query (the CLI times token ids; Python also
   tokenizes, a few microseconds), the median of --reps runs after a warm-up, on --threads threads.
2. N files: Engine.embed_files over sox-made files against `sonavec embed` on the same files, both on
   --threads workers of one core each, wall-clock seconds from opening the model.

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py [--cli build/sonavec] [--model DIR]
       [--threads 2] [--reps 5] [--files 16] [--seconds 30]
The model defaults to ~/.cache/sonavec/bench/clap-htsat-unfused-random (`sonavec bench` writes it). It has
no tokenizer files: the golden model's RoBERTa-layout vocab.json and merges.txt (--vocab-from) are
linked beside its files in a scratch folder.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sonavec


def median_ms(reps, fn):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cli_bench(cli, model, threads, reps):
    out = subprocess.run([cli, "bench", "--json", "--model", model, "--threads", str(threads), "--reps", str(reps)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def make_files(folder, count, seconds):
    files = []
    for i in range(count):
        path = folder / f"track{i:02d}.wav"
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", "-b", "16", str(path), "synth", str(seconds), "sine",
                        f"{100 + 40 * i}-{2000 + 300 * i}", "synth", "pinknoise", "mix", "vol", "0.5"], check=True)
        files.append(path)
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/sonavec")
    ap.add_argument("--model", default=str(Path.home() / ".cache/sonavec/bench/clap-htsat-unfused-random"))
    ap.add_argument("--vocab-from", default=str(Path(__file__).resolve().parent.parent / "tests/data/golden/model"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    if not Path(args.model, "model.safetensors").is_file():
        sys.exit(f"bench_python: no model in {args.model} (run `{args.cli} bench` once to write it)")

    result = {"model": args.model, "threads": args.threads, "reps": args.reps}
    scratch = tempfile.TemporaryDirectory(prefix="sonavec_bench_python_")
    model = Path(scratch.name) / "model"
    model.mkdir()
    for name in ("config.json", "preprocessor_config.json", "model.safetensors"):
        (model / name).symlink_to(Path(args.model, name).resolve())
    for name in ("vocab.json", "merges.txt"):
        (model / name).symlink_to(Path(args.vocab_from, name).resolve())
    eng = sonavec.Engine(model, threads=args.threads)
    rng = np.random.default_rng(7)
    window = rng.uniform(-0.5, 0.5, int(eng.sample_rate * eng.window_seconds)).astype(np.float32)
    result["python_audio_ms_per_window"] = median_ms(
        args.reps, lambda: eng.embed_audio(window, eng.sample_rate, windows="first"))
    query = "dark cinematic string ensemble with slow brass"
    result["python_text_ms_per_query"] = median_ms(args.reps * 4, lambda: eng.embed_text([query]))
    del eng

    bench = cli_bench(args.cli, args.model, args.threads, args.reps)
    result["cli_audio_ms_per_window"] = bench["audio_ms_per_window_with_features"]
    result["cli_text_ms_per_query"] = bench["text_ms_per_query"]

    with scratch as tmp:
        files = make_files(Path(tmp), args.files, args.seconds)
        # Both clocks include opening the model and loading the audio tower, as a run of the CLI does.
        t0 = time.perf_counter()
        # An engine of one compute thread per worker, its audio tower loaded first, as `sonavec embed` does.
        files_engine = sonavec.Engine(args.model, threads=1)
        files_engine.preload(audio=True, text=False)
        embedded = files_engine.embed_files(files, threads=args.threads)
        result["python_embed_files_seconds"] = time.perf_counter() - t0
        python_vectors = dict(zip(embedded["paths"], embedded["vectors"]))
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        embed = [args.cli, "embed", "--format", "jsonl", "--quiet", "--threads", str(args.threads), "--model", args.model]
        # Once untimed: the CLI records the model's id, and hashing the weights the first time is not embedding.
        subprocess.run([*embed, str(files[0])], capture_output=True, check=True, env=env)
        t0 = time.perf_counter()
        out = subprocess.run([*embed, *map(str, files)], capture_output=True, text=True, check=True, env=env).stdout
        result["cli_embed_files_seconds"] = time.perf_counter() - t0
        cli_vectors = {r["path"]: np.array(r["embedding"], np.float32) for r in map(json.loads, out.splitlines())}
        result["files"] = args.files
        result["file_seconds"] = args.seconds
        result["same_bits"] = len(python_vectors) == len(files) and all(
            cli_vectors[path].tobytes() == v.tobytes() for path, v in python_vectors.items())
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
