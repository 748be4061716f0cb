"""sonavec.Library.learn: a linear probe learned from two planted clusters of imported vectors tells
held-out points apart, its stored weights reproduce every track's tag (numpy's sigmoid here), and the
where= search keyword filters on it."""
import json

import numpy as np
import pytest
import sonavec

DIM = 48


def _cloud(rng, center, n, sigma=0.15):
    x = center + rng.normal(0, sigma, (n, DIM))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def planted(scratch):
    rng = np.random.default_rng(4)
    a, b = (v / np.linalg.norm(v) for v in rng.normal(size=(2, DIM)))
    groups = {"train/a": _cloud(rng, a, 6), "train/b": _cloud(rng, b, 20),
              "held/a": _cloud(rng, a, 50), "held/b": _cloud(rng, b, 50)}
    lines = [json.dumps({"path": f"/nowhere/{g}/t{i}.wav", "model": "planted@0000", "embedding": v.tolist()})
             for g, rows in groups.items() for i, v in enumerate(rows)]
    source = scratch / "planted.jsonl"
    source.write_text("\n".join(lines) + "\n")
    lib = sonavec.Library(scratch / "learn-library")
    lib.import_file(source)
    return lib


def test_learn_separates_held_out_points_and_its_weights_explain_every_tag(planted):
    lib = planted
    ids = [lib.find(f"/nowhere/train/a/t{i}.wav")["id"] for i in range(6)]
    probe = lib.learn("cluster-a", ids, "/nowhere/train/b")
    assert probe["positives"] == 6 and probe["negatives"] == 20 and probe["folds"] == 5
    assert probe["cv_accuracy"] >= 0.95
    assert probe["tracks"] == 126 and probe["model"] == "planted@0000"
    ids_all, vectors = lib.vectors()
    p = 1 / (1 + np.exp(-(vectors.astype(np.float64) @ probe["weights"] + probe["bias"])))
    for track_id, prob in zip(ids_all, p):
        row = lib.find(int(track_id))
        learned = {t["label"]: t["probability"] for t in row["inferred"].get("learned", [])}
        assert ("cluster-a" in learned) == (prob >= 0.5), row["path"]
        if prob >= 0.5:
            assert learned["cluster-a"] == pytest.approx(prob, abs=1e-6)
    held_a = np.mean(["learned" in lib.find(f"/nowhere/held/a/t{i}.wav")["inferred"] for i in range(50)])
    held_b = np.mean(["learned" not in lib.find(f"/nowhere/held/b/t{i}.wav")["inferred"] for i in range(50)])
    assert 0.5 * (held_a + held_b) >= 0.95
    hits = lib.similar(lib.find("/nowhere/held/a/t0.wav")["id"], k=200, where={"learned": "cluster-a"})
    assert hits and all("/a/" in h["path"] for h in hits)
    [stored] = lib.probes()
    assert stored["name"] == "cluster-a" and np.array_equal(stored["weights"], probe["weights"])


def test_learn_refuses_bad_examples_and_remove_drops_the_probe(planted):
    lib = planted
    with pytest.raises(sonavec.NotFound, match="/nowhere/missing"):
        lib.learn("x", "/nowhere/missing", "/nowhere/train/b")
    with pytest.raises(sonavec.InvalidInput, match="both a positive and a negative"):
        lib.learn("x", ["/nowhere/train"], ["/nowhere/train/b"])
    lib.learn("gone", "/nowhere/train/b", "/nowhere/train/a")
    lib.remove_probe("gone")
    assert "gone" not in [p["name"] for p in lib.probes()]
    with pytest.raises(sonavec.NotFound):
        lib.remove_probe("gone")
