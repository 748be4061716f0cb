"""Library.map and write_map_picture from Python on imported vectors with planted clusters: the clusters
stay apart on the map, the points are the CLI's (the same stored map), new tracks are placed without moving
the old ones, and the picture is a PNG of the asked size."""
import json
import struct

import numpy as np

import sonavec
from conftest import run_cli


def planted_lines(rng, centres, per, start=0):
    lines, truth = [], {}
    for c, centre in enumerate(centres):
        for i in range(start, start + per):
            noise = rng.normal(size=centre.size)
            v = centre + 0.75 * noise / np.linalg.norm(noise)
            path = f"/c{c}/{i}.wav"
            truth[path] = c
            lines.append(json.dumps({"path": path, "model": "m", "embedding": (v / np.linalg.norm(v)).tolist()}))
    return lines, truth


def planted_library(scratch, name, seed, kinds, dim, per):
    """A library of `per` imported vectors around each of `kinds` random centres; (lib, centres, rng, truth)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(kinds, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    lines, truth = planted_lines(rng, centres, per)
    (scratch / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    lib = sonavec.Library(scratch / f"{name}_lib")
    lib.import_file(scratch / f"{name}.jsonl")
    return lib, centres, rng, truth


def nearest_agreement(xy, labels, rows, among, k=10):
    """Mean share of each row's k nearest map points (among `among`) with its label."""
    shares = []
    for i in rows:
        d = np.hypot(*(xy[among] - xy[i]).T)
        order = [among[j] for j in np.argsort(d) if among[j] != i][:k]
        shares.append(np.mean(labels[order] == labels[i]))
    return float(np.mean(shares))


def test_map_keeps_old_points_and_places_new_ones(scratch, cli):
    lib, centres, rng, truth = planted_library(scratch, "map", 3, 4, 48, 60)
    first = lib.map()
    assert first["rebuilt"] and first["laid_out"] == 240 and first["xy"].shape == (240, 2)
    paths = {e["id"]: e["path"] for e in lib.entries()}
    labels = np.array([truth[paths[i]] for i in first["ids"]])
    rows = list(range(240))
    assert nearest_agreement(first["xy"], labels, rows, rows) >= 0.95

    # The CLI reads the same stored map.
    out = scratch / "map.csv"
    run_cli(cli, "map", "--library", scratch / "map_lib", "--out", out, "--color", "none", "--quiet")
    cli = {int(row.split(",")[0]): (float(row.split(",")[1]), float(row.split(",")[2]))
           for row in out.read_text().splitlines()[1:]}
    for i, (x, y) in zip(first["ids"], first["xy"]):
        assert abs(cli[int(i)][0] - x) < 1e-3 and abs(cli[int(i)][1] - y) < 1e-3

    more, truth_more = planted_lines(rng, centres, 15, start=60)
    truth.update(truth_more)
    (scratch / "map_more.jsonl").write_text("\n".join(more) + "\n")
    lib.import_file(scratch / "map_more.jsonl")
    second = lib.map()
    assert not second["rebuilt"] and second["kept"] == 240 and second["laid_out"] == 60
    old = dict(zip(first["ids"].tolist(), map(tuple, first["xy"].tolist())))
    for i, xy, placed in zip(second["ids"].tolist(), second["xy"].tolist(), second["placed"].tolist()):
        if i in old:
            assert tuple(xy) == old[i] and not placed
        else:
            assert placed
    paths = {e["id"]: e["path"] for e in lib.entries()}
    labels = np.array([truth[paths[i]] for i in second["ids"]])
    new_rows = [j for j, p in enumerate(second["placed"]) if p]
    old_rows = [j for j, p in enumerate(second["placed"]) if not p]
    assert nearest_agreement(second["xy"], labels, new_rows, old_rows) >= 0.9

    png = scratch / "map.png"
    cats = [f"cluster {c}" for c in labels]
    sonavec.write_map_picture(second["ids"], second["xy"], cats, png, title="planted", width=800, height=600)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (800, 600)


def test_map_colours_each_point_by_folder_and_cluster(scratch):
    lib = planted_library(scratch, "colour", 5, 3, 32, 30)[0]
    paths = {e["id"]: e["path"] for e in lib.entries()}
    by_folder = lib.map(colour_by="folder")
    assert by_folder["categories"] == [paths[i].split("/")[1] for i in by_folder["ids"].tolist()]
    # Three clusters asked for: each planted folder is one of them.
    by_cluster = lib.map(colour_by="cluster", k=3)
    pairs = set(zip(by_folder["categories"], by_cluster["categories"]))
    assert len(pairs) == 3 and len({c for _, c in pairs}) == 3
    assert "categories" not in lib.map()
