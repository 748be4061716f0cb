#!/usr/bin/env python3
"""Vectors with planted structure for the map's picture in docs/map.png: a sample library of three
families (drums, tonal, texture) of three kinds each, 300 tracks a kind, as JSON lines for `sonavec
import`. Kinds of one family share a direction, so they lie nearer each other than other families' do;
a track is its kind's direction plus noise. Not CLAP vectors: the real weights are not available here,
and a map of random-weight vectors would show nothing.

usage: python3 scripts/demo-map-library.py > demo.jsonl
"""
import json
import math
import random

DIM = 64
FAMILIES = {"drums": ["kicks", "snares", "hats"], "tonal": ["pads", "bass", "keys"],
            "texture": ["rain", "wind", "crowd"]}


def unit(v):
    n = math.sqrt(sum(a * a for a in v))
    return [a / n for a in v]


def noise(rng):
    return unit([rng.gauss(0, 1) for _ in range(DIM)])


def main():
    rng = random.Random(7)
    for family, kinds in FAMILIES.items():
        f = noise(rng)
        for kind in kinds:
            k = unit([a + 0.6 * b for a, b in zip(f, noise(rng))])
            for i in range(300):
                v = unit([a + 1.1 * b for a, b in zip(k, noise(rng))])
                path = f"/samples/{family}/{kind}/{kind}_{i:03d}.wav"
                print(json.dumps({"path": path, "model": "demo", "embedding": [round(a, 6) for a in v]}))


if __name__ == "__main__":
    main()
