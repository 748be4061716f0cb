"""The 2D map (issue 13): sonavec's UMAP against scikit-learn's Barnes-Hut t-SNE on the same planted
vectors, in one run: trustworthiness at k = 10 (Venna and Kaski 2001; scikit-learn's
sklearn.manifold.trustworthiness) and seconds; then the time to map a large library on this machine's
cores, and to place new tracks on its stored map.

usage: PYTHONPATH=build/python python3 bench/bench_map.py [--part quality|scale|both]
           [--tracks N] [--scale-tracks M] [--clusters K] [--dim D]

quality: N tracks (default 5,000) of D dimensions (default 512) around K centres (default 20; cosine about
0.8 with their centre) plus 5 % unrelated tracks, imported into a scratch library and mapped with
sonavec's defaults; scikit-learn's TSNE gets the same vectors (init "pca", its defaults otherwise).
Trustworthiness needs all pairwise ranks, so it is measured at this size, not at the scale part's.
scale: M tracks (default 100,000), the same generator with 50 centres: the first map (vector index
built first and timed apart, as `sonavec index` builds it), then 1,000 tracks added and placed.
"""
import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import sonavec


def planted(n, k, dim, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, k, size=n)
    noise = rng.normal(size=(n, dim))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = centres[truth] + 0.75 * noise
    extra = n // 20
    x = np.vstack([x, rng.normal(size=(extra, dim))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def write_jsonl(path, x, start=0):
    with path.open("w") as f:
        for i, v in enumerate(x):
            f.write(json.dumps({"path": f"/t/{start + i}.wav", "model": "m",
                                "embedding": [round(float(a), 6) for a in v]}) + "\n")


def rows_in_import_order(lib, result):
    """Map rows in the order the vectors were generated (paths /t/I.wav)."""
    row_of_id = {int(i): r for r, i in enumerate(result["ids"])}
    by_index = {int(e["path"][3:-4]): row_of_id[e["id"]] for e in lib.entries()}
    return result["xy"][[by_index[i] for i in range(len(by_index))]]


def quality(a, tmp):
    from sklearn.manifold import TSNE, trustworthiness
    x = planted(a.tracks, a.clusters, a.dim, 11)
    src = tmp / "quality.jsonl"
    write_jsonl(src, x)
    lib = sonavec.Library(tmp / "quality")
    lib.import_file(src)
    t = time.perf_counter()
    m = lib.map()
    ours_s = time.perf_counter() - t
    ours = trustworthiness(x, rows_in_import_order(lib, m), n_neighbors=10)
    t = time.perf_counter()
    z = TSNE(init="pca", random_state=0).fit_transform(x)
    tsne_s = time.perf_counter() - t
    theirs = trustworthiness(x, z, n_neighbors=10)
    print(f"quality: {len(x)} tracks x {a.dim}, {a.clusters} planted clusters + 5 % unrelated")
    print(f"  sonavec UMAP        trustworthiness@10 {ours:.4f}  {ours_s:6.1f} s")
    print(f"  scikit-learn TSNE   trustworthiness@10 {theirs:.4f}  {tsne_s:6.1f} s")


def scale(a, tmp):
    x = planted(a.scale_tracks, 50, a.dim, 12)
    src = tmp / "scale.jsonl"
    write_jsonl(src, x)
    lib = sonavec.Library(tmp / "scale")
    lib.import_file(src)
    t = time.perf_counter()
    lib.search_vector(x[0], k=1)  # builds and saves the vector index, as an index run does
    index_s = time.perf_counter() - t
    t = time.perf_counter()
    m = lib.map()
    map_s = time.perf_counter() - t
    more = planted(1000, 50, a.dim, 12)  # the same centres: tracks like the old ones
    src2 = tmp / "more.jsonl"
    write_jsonl(src2, more, start=len(x))
    lib.import_file(src2)
    lib.search_vector(x[0], k=1)
    t = time.perf_counter()
    m2 = lib.map()
    place_s = time.perf_counter() - t
    cores = len(os.sched_getaffinity(0))
    print(f"scale: {len(x)} tracks x {a.dim} on {cores} cores")
    print(f"  vector index built      {index_s:6.1f} s (FAISS IVF, as index builds it)")
    print(f"  whole map               {map_s:6.1f} s (neighbours {m['neighbours_seconds']:.1f} s, "
          f"layout {m['layout_seconds']:.1f} s, {m['edges']} edges)")
    print(f"  {m2['laid_out']} added tracks placed  {place_s:6.1f} s ({m2['kept']} kept in place)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["quality", "scale", "both"], default="both")
    ap.add_argument("--tracks", type=int, default=5000)
    ap.add_argument("--scale-tracks", type=int, default=100000)
    ap.add_argument("--clusters", type=int, default=20)
    ap.add_argument("--dim", type=int, default=512)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if a.part in ("quality", "both"):
            quality(a, tmp)
        if a.part in ("scale", "both"):
            scale(a, tmp)


if __name__ == "__main__":
    main()
