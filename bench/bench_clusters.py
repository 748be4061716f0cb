"""Clusters (issue 13): sonavec's k-means, k chosen by silhouette, and DBSCAN against scikit-learn's KMeans
and DBSCAN on the same planted vectors, in one run: adjusted Rand index against the planted labels and
seconds.

usage: PYTHONPATH=build/python python3 bench/bench_clusters.py [--tracks N] [--clusters K] [--dim D]

N tracks (default 20,000) of D dimensions (default 512) around K centres (default 20; cosine about 0.8
with their centre), plus 5 % unrelated tracks, imported into a scratch library. ARI is computed over
the planted members (unrelated tracks left out of the score; for DBSCAN, where they end up is counted).
scikit-learn is Debian's python3-sklearn; its KMeans runs Lloyd's algorithm on the same unit vectors
(Euclidean k-means on the sphere ranks as cosine does), n_init 3 like ours; its DBSCAN gets the radius
sonavec chose, metric cosine, and the same min_samples.
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import sonavec
from sklearn.cluster import DBSCAN, KMeans
from sklearn.metrics import adjusted_rand_score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", type=int, default=20000)
    ap.add_argument("--clusters", type=int, default=20)
    ap.add_argument("--dim", type=int, default=512)
    a = ap.parse_args()
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(a.clusters, a.dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, a.clusters, size=a.tracks)
    noise = rng.normal(size=(a.tracks, a.dim))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = centres[truth] + 0.75 * noise
    extra = a.tracks // 20
    x = np.vstack([x, rng.normal(size=(extra, a.dim))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x = x.astype(np.float32)
    truth = np.concatenate([truth, -np.ones(extra, dtype=int)])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "planted.jsonl"
        with src.open("w") as f:
            for i, v in enumerate(x):
                f.write(json.dumps({"path": f"/t/{i}.wav", "model": "m", "embedding": v.tolist()}) + "\n")
        lib = sonavec.Library(Path(tmp) / "lib")
        lib.import_file(src)
        row = {e["id"]: int(e["path"][3:-4]) for e in lib.entries()}
        planted = truth >= 0

        def score(report):
            label = -1 - np.arange(len(x))  # an outlier is alone
            for c in report["clusters"]:
                for i in c["members"]:
                    label[row[i]] = c["id"]
            stray = int(np.sum((label[~planted] >= 0)))
            return adjusted_rand_score(truth[planted], label[planted]), stray

        lib.clusters(k=2)  # the vector index built before timing, as index would have
        print(f"{len(x)} tracks x {a.dim}, {a.clusters} planted clusters + {extra} unrelated\n")
        print("| method | seconds | k / clusters | ARI (planted members) | unrelated tracks clustered |")
        print("|---|---|---|---|---|")
        t = time.perf_counter(); r = lib.clusters(k=a.clusters); s = time.perf_counter() - t
        ari, _ = score(r)
        print(f"| sonavec k-means, k given | {s:.2f} | {r['k']} | {ari:.4f} | (all) |")
        t = time.perf_counter(); km = KMeans(n_clusters=a.clusters, n_init=3, random_state=1).fit(x); s = time.perf_counter() - t
        print(f"| scikit-learn KMeans, k given, n_init 3 | {s:.2f} | {a.clusters} | "
              f"{adjusted_rand_score(truth[planted], km.labels_[planted]):.4f} | (all) |")
        t = time.perf_counter(); r = lib.clusters(max_k=30); s = time.perf_counter() - t
        ari, _ = score(r)
        print(f"| sonavec k-means, k by silhouette (2..30) | {s:.2f} | {r['k']} ({r['chosen_by']}) | {ari:.4f} | (all) |")
        t = time.perf_counter(); r = lib.clusters(method="density"); s = time.perf_counter() - t
        ari, stray = score(r)
        radius = r["radius"]
        print(f"| sonavec density (DBSCAN, {r['chosen_by']}) | {s:.2f} | {len(r['clusters'])} | {ari:.4f} | {stray} of {extra} |")
        t = time.perf_counter(); db = DBSCAN(eps=radius, min_samples=5, metric="cosine").fit(x); s = time.perf_counter() - t
        lab = db.labels_.copy()
        lab[lab < 0] = -1 - np.nonzero(lab < 0)[0]
        print(f"| scikit-learn DBSCAN, the same radius, metric cosine | {s:.2f} | {len(set(db.labels_[db.labels_ >= 0]))} | "
              f"{adjusted_rand_score(truth[planted], lab[planted]):.4f} | {int(np.sum(db.labels_[~planted] >= 0))} of {extra} |")


if __name__ == "__main__":
    main()
