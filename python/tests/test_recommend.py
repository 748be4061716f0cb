"""Library.recommend and Library.path from Python, on imported vectors with planted structure: the same
answers as the CLI's, and the mechanics (negative seeds, endpoints, no repeats)."""
import json

import numpy as np
import pytest

import sonavec
from conftest import run_cli


@pytest.fixture(scope="module")
def planted(scratch):
    rng = np.random.default_rng(3)
    dim = 32
    ca, cb = (v / np.linalg.norm(v) for v in rng.normal(size=(2, dim)))
    u = rng.normal(size=dim)
    u /= np.linalg.norm(u)
    lines, vectors = [], {}
    for i in range(30):
        for name, centre, spread in (("a", ca, 0.5 * (-1 + 2 * i / 29)), ("b", cb, 0.0)):
            v = centre + spread * u + 0.05 * rng.normal(size=dim)
            v /= np.linalg.norm(v)
            path = f"/{name}/{name}{i}.wav"
            vectors[path] = v
            lines.append(json.dumps({"path": path, "model": "m", "embedding": v.tolist()}))
    source = scratch / "recommend.jsonl"
    source.write_text("\n".join(lines) + "\n")
    lib = sonavec.Library(scratch / "recommend_lib")
    lib.import_file(source)
    ids = {e["path"]: e["id"] for e in lib.entries()}
    return lib, ids, vectors, u


def test_recommend_matches_the_cli_and_moves_away_from_unliked(planted, cli, scratch, engine):
    lib, ids, vectors, u = planted
    hits = lib.recommend([ids["/a/a15.wav"]], k=6, diversity=0)
    assert all(h["path"].startswith("/a/") and h["path"] != "/a/a15.wav" for h in hits)
    cli_hits = json.loads(run_cli(cli, "recommend", "--json", "-k", 6, "--diversity", 0, "--library",
                                  scratch / "recommend_lib", ids["/a/a15.wav"]))
    assert [h["path"] for h in hits] == [h["path"] for h in cli_hits]
    away = lib.recommend([ids["/a/a15.wav"]], unlike=[(ids["/a/a29.wav"], 2.0)], k=6, diversity=0)
    along = lambda hs: np.mean([vectors[h["path"]] @ u for h in hs])
    assert along(away) < along(hits) - 0.05
    # A text seed is embedded by the engine's model, whose space is not the imported vectors' ("m").
    with pytest.raises(sonavec.InvalidInput, match="different models"):
        lib.recommend([ids["/a/a15.wav"], "text:rain"], engine=engine)


def test_path_ends_in_place_without_repeats(planted):
    lib, ids, vectors, u = planted
    steps = lib.path(ids["/a/a0.wav"], ids["/b/b0.wav"], steps=7)
    paths = [s["path"] for s in steps]
    assert paths[0] == "/a/a0.wav" and paths[-1] == "/b/b0.wav"
    assert len(set(paths)) == 7
    with pytest.raises(sonavec.InvalidInput):
        lib.path(ids["/a/a0.wav"], ids["/a/a0.wav"])
