"""Hybrid search from Python: mode="audio"|"text"|"hybrid" with words= on imported vectors with planted
names, half of them misleading; the fused ranking puts first the tracks both rankings agree on, and a
text search needs no model."""
import json

import numpy as np
import pytest

import sonavec


def test_modes_rank_as_planted(scratch):
    rng = np.random.default_rng(8)
    kinds = ["kick", "snare", "hat", "clap"]
    centres = rng.normal(size=(4, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    lines, truth = [], {}
    for c, kind in enumerate(kinds):
        for i in range(10):
            named = kind if i < 5 else kinds[(c + 1) % 4]
            noise = rng.normal(size=32)
            v = centres[c] + 0.5 * noise / np.linalg.norm(noise)
            path = f"/s/{named}_{c}_{i}.wav"
            truth[path] = (c, named)
            lines.append(json.dumps({"path": path, "model": "m", "embedding": (v / np.linalg.norm(v)).tolist()}))
    (scratch / "hybrid.jsonl").write_text("\n".join(lines) + "\n")
    lib = sonavec.Library(scratch / "hybrid_lib")
    lib.import_file(scratch / "hybrid.jsonl")
    q = centres[0].astype(np.float32)
    audio = lib.search_vector(q, k=10)
    assert all(truth[m["path"]][0] == 0 for m in audio) and "fused" not in audio[0]
    text = lib.search("kicks", mode="text", k=20)  # no engine, no model: words alone
    assert len(text) == 10 and all(truth[m["path"]][1] == "kick" for m in text)
    hybrid = lib.search_vector(q, mode="hybrid", words="kick", k=5)
    assert {m["path"] for m in hybrid} == {p for p, (c, n) in truth.items() if c == 0 and n == "kick"}
    for m in hybrid:
        assert m["fused"] == pytest.approx(1 / (60 + m["audio_rank"]) + 1 / (60 + m["text_rank"]))
    with pytest.raises(sonavec.Error):
        lib.search_vector(q, mode="hybrid", k=5)  # no words
    with pytest.raises(sonavec.Error):
        lib.search_vector(q, mode="fuzzy", words="kick")
