"""Library.clusters from Python on imported vectors with planted clusters: the same partition as the CLI's,
the planted one recovered (adjusted Rand index from scikit-learn when it is installed, else exact
equality of the partitions), and outliers left out by the density method."""
import json

import numpy as np
import pytest

import sonavec
from conftest import run_cli


@pytest.fixture(scope="module")
def planted(scratch):
    rng = np.random.default_rng(5)
    dim, k, per = 48, 4, 30
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    lines, truth = [], {}
    for c in range(k):
        for i in range(per):
            noise = rng.normal(size=dim)
            v = centres[c] + 0.75 * noise / np.linalg.norm(noise)
            v /= np.linalg.norm(v)
            path = f"/c{c}/{i}.wav"
            truth[path] = c
            lines.append(json.dumps({"path": path, "model": "m", "embedding": v.tolist()}))
    for i in range(10):
        v = rng.normal(size=dim)
        path = f"/other/{i}.wav"
        truth[path] = -1
        lines.append(json.dumps({"path": path, "model": "m", "embedding": (v / np.linalg.norm(v)).tolist()}))
    source = scratch / "clusters.jsonl"
    source.write_text("\n".join(lines) + "\n")
    lib = sonavec.Library(scratch / "clusters_lib")
    lib.import_file(source)
    by_id = {e["id"]: truth[e["path"]] for e in lib.entries()}
    return lib, by_id


def partition(report):
    return sorted(sorted(c["members"]) for c in report["clusters"])


def planted_partition(by_id):
    groups = {}
    for i, c in by_id.items():
        if c >= 0:
            groups.setdefault(c, []).append(i)
    return sorted(sorted(g) for g in groups.values())


def test_kmeans_and_density_recover_the_planted_clusters(planted, cli, scratch):
    lib, by_id = planted
    auto = lib.clusters(max_k=8)
    assert auto["k"] == 4 and "silhouette" in auto["chosen_by"]
    dense = lib.clusters(method="density")
    assert partition(dense) == planted_partition(by_id)
    assert sorted(dense["outliers"]) == sorted(i for i, c in by_id.items() if c < 0)
    theirs = json.loads(run_cli(cli, "clusters", "--json", "--method", "density", "--library", scratch / "clusters_lib"))
    assert sorted(sorted(c["members"]) for c in theirs["clusters"]) == partition(dense)
    ids = sorted(by_id)
    label = {i: c["id"] for c in auto["clusters"] for i in c["members"]}
    sklearn = pytest.importorskip("sklearn.metrics")
    truth = [by_id[i] for i in ids if by_id[i] >= 0]
    got = [label.get(i, -1) for i in ids if by_id[i] >= 0]
    assert sklearn.adjusted_rand_score(truth, got) >= 0.9


def test_bad_method_is_a_value_error(planted):
    lib, _ = planted
    with pytest.raises(ValueError):
        lib.clusters(method="hdbscan")
