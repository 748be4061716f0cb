"""Hybrid search (issue 13): the cost of each search mode on a large library, and of its lexical side
beside the same work done by Python's sqlite3 (the same SQLite FTS5) in the same run.

usage: PYTHONPATH=build/python python3 bench/bench_hybrid.py [--tracks N] [--dim D] [--repeat R]

N tracks (default 100,000) of D dimensions (default 512) around 50 planted kinds, each named
/lib/KIND/KIND_I.wav, imported into a scratch library. Each mode answers the same query (a kind's centre,
and its name as the words) R times (default 5); the median is reported. sonavec makes its FTS5 table
from the catalog rows on every text or hybrid search (it is never stale), so the peer is Python's sqlite3
making the same table from the same paths and answering the same query.
"""
import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sonavec


def median_seconds(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", type=int, default=100000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(4)
    kinds = [f"kind{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(50)]
    centres = rng.normal(size=(50, a.dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, 50, size=a.tracks)
    noise = rng.normal(size=(a.tracks, a.dim))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = centres[truth] + 0.75 * noise
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    paths = [f"/lib/{kinds[t]}/{kinds[t]}_{i}.wav" for i, t in enumerate(truth)]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with (tmp / "h.jsonl").open("w") as f:
            for p, v in zip(paths, x.astype(np.float32)):
                f.write(json.dumps({"path": p, "model": "m", "embedding": [round(float(c), 6) for c in v]}) + "\n")
        lib = sonavec.Library(tmp / "lib")
        lib.import_file(tmp / "h.jsonl")
        q = centres[7].astype(np.float32)
        lib.search_vector(q, k=1)  # the vector index, built once as index builds it
        audio = median_seconds(lambda: lib.search_vector(q, k=10), a.repeat)
        text = median_seconds(lambda: lib.search_vector(q, k=10, mode="text", words=kinds[7]), a.repeat)
        hybrid = median_seconds(lambda: lib.search_vector(q, k=10, mode="hybrid", words=kinds[7]), a.repeat)

        def peer():
            db = sqlite3.connect(":memory:")
            db.execute("CREATE VIRTUAL TABLE docs USING fts5(name, tokenize = 'porter unicode61 remove_diacritics 2')")
            db.executemany("INSERT INTO docs (rowid, name) VALUES (?, ?)",
                           ((i + 1, p.replace("/", " ").replace("_", " ")) for i, p in enumerate(paths)))
            db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 100",
                       (f'"{kinds[7]}"',)).fetchall()
            db.close()
        fts = median_seconds(peer, a.repeat)
        hits = lib.search_vector(q, k=10, mode="hybrid", words=kinds[7])
        right = sum(1 for m in hits if f"/{kinds[7]}/" in m["path"])
        print(f"hybrid search: {a.tracks} tracks x {a.dim}, median of {a.repeat}")
        print(f"  audio  (vector index)           {audio * 1000:8.1f} ms")
        print(f"  text   (FTS5 over the catalog)  {text * 1000:8.1f} ms")
        print(f"  hybrid (both, fused)            {hybrid * 1000:8.1f} ms   {right}/10 of the planted kind")
        print(f"  peer: Python sqlite3 FTS5, same paths, build + query  {fts * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
