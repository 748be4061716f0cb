"""Zero-shot tags from Python: the built-in taxonomies, the golden zero-shot logits through sonavec.score,
Engine.tag on a file and on samples against the CLI's --json, and bad arguments."""
import json
import subprocess

import numpy as np
import pytest
import sonavec

from conftest import raw_float_samples, read_safetensors, run_cli, sox_clip


def test_builtin_taxonomies():
    t = sonavec.taxonomies()
    assert set(t) == {"genre", "mood", "instrument", "vocals", "usecase", "sfx", "segments"}
    assert len([label for label in t["genre"]["labels"] if "/" not in label]) == 19
    assert len(t["genre"]["labels"]) > 100
    assert len(t["mood"]["labels"]) >= 150
    assert all("{}" in template for template in t["mood"]["templates"])


def test_score_matches_the_reference_softmax(engine, golden):
    index = json.loads((golden / "index.json").read_text())
    ref = read_safetensors(golden / "text" / "zero_shot.safetensors")
    waves = [read_safetensors(golden / "audio" / f"{name}.safetensors")["waveform"]
             for name in index["audio_case_order_for_zero_shot"]]
    audio = np.stack([engine.embed_audio(w, 48000, windows="first") for w in waves])
    # The golden waveforms are at most one 10 s window: "first" embeds each whole, as the reference does.
    labels = engine.embed_text(index["texts_for_zero_shot"])
    assert engine.logit_scale == pytest.approx(np.exp(ref["logit_scale_a"][0]), rel=1e-5)
    p = sonavec.score(audio, labels, engine.logit_scale)
    logits = ref["logits_per_audio"].astype(np.float64)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert p.shape == expected.shape
    assert np.abs(p - expected).max() <= 1e-4
    single = sonavec.score(audio[2], labels, engine.logit_scale)
    assert np.abs(single[0] - p[2]).max() <= 1e-6


def test_label_vectors_average_the_templates(engine, scratch):
    path = scratch / "weather.txt"
    path.write_text("# template: The sound of {}.\n# template: A recording of {}.\nthunder\nrain\n")
    lv = engine.label_vectors(str(path), cache=False)
    assert lv["labels"] == ["thunder", "rain"]
    for i, label in enumerate(lv["labels"]):
        mean = engine.embed_text([f"The sound of {label}.", f"A recording of {label}."]).astype(np.float64).sum(axis=0)
        assert np.abs(mean / np.linalg.norm(mean) - lv["vectors"][i]).max() <= 1e-6
    assert sonavec.load_taxonomy(path)["templates"] == ["The sound of {}.", "A recording of {}."]


def test_tag_a_file_as_the_cli_does(engine, cli, model_dir, scratch):
    clip = sox_clip(scratch / "tag_clip.wav", 48000, 5)
    tags = engine.tag(str(clip), taxonomy="genre,vocals", top=2)
    assert list(tags) == ["genre", "vocals"]
    out = json.loads(run_cli(cli, "tag", "--model", model_dir, "--json", "--top", "2", "--taxonomy", "genre,vocals",
                             "--quiet", clip))
    for name in ("genre", "vocals"):
        assert [g["label"] for g in tags[name]] == [g["label"] for g in out["tags"][name]]
        for ours, theirs in zip(tags[name], out["tags"][name]):
            assert ours["probability"] == pytest.approx(theirs["probability"], abs=1e-6)
    # Samples in memory: the same tags as the file they came from.
    same = engine.tag(raw_float_samples(clip), sample_rate=48000, taxonomy=["genre", "vocals"], top=2)
    assert [g["label"] for g in same["genre"]] == [g["label"] for g in tags["genre"]]
    multi = engine.tag(str(clip), taxonomy="mood", multi=True)
    assert len(multi["mood"]) <= 10


def test_bad_tag_arguments(engine, scratch):
    with pytest.raises(sonavec.InvalidInput, match="no built-in taxonomy 'colours'"):
        engine.tag(str(scratch / "x.wav"), taxonomy="colours")
    with pytest.raises(sonavec.InvalidInput, match="has no {}"):
        engine.tag(str(scratch / "x.wav"), taxonomy="genre", template="no label")
    with pytest.raises(sonavec.InvalidInput, match="samples need sample_rate"):
        engine.tag(np.zeros(48000, dtype=np.float32))
    bad = scratch / "dupes.txt"
    bad.write_text("rain\nrain\n")
    with pytest.raises(sonavec.InvalidInput, match="already on line 1"):
        sonavec.load_taxonomy(bad)
    with pytest.raises(sonavec.InvalidInput):
        sonavec.score(np.zeros((2, 3), dtype=np.float32), np.zeros((4, 5), dtype=np.float32), 10.0)
