"""The golden references (tests/data/golden, made by the Hugging Face implementation) through Python,
with the golden README's tolerances: cosine >= 0.99999 and max |diff| <= 1e-4."""
import json

import numpy as np
import pytest

from conftest import read_safetensors

AUDIO_CASES = ["chirp_10s", "chord_7s", "noise_3s", "blip_0p5s", "silence_10s", "odd_4p321s"]


def expect_close(actual, reference, what):
    reference = np.asarray(reference, dtype=np.float32).reshape(-1)
    assert actual.dtype == np.float32
    assert actual.shape == reference.shape, what
    cosine = float(np.dot(actual.astype(np.float64), reference) /
                   (np.linalg.norm(actual.astype(np.float64)) * np.linalg.norm(reference.astype(np.float64))))
    assert cosine >= 0.99999, f"{what}: cosine {cosine}"
    assert float(np.max(np.abs(actual - reference))) <= 1e-4, what


def test_engine_properties(engine, model_dir):
    engine.preload(audio=True, text=True)
    assert engine.dim == 48
    assert engine.sample_rate == 48000
    assert engine.window_seconds == 10.0
    assert engine.model_id.startswith("model@")
    assert engine.precision == "fp32"
    assert str(engine.model_dir) == str(model_dir)


def test_text_vectors_match_the_reference(engine, golden):
    cases = json.loads((golden / "index.json").read_text())["text_cases"]
    texts = [c["text"] for c in cases]
    batch = engine.embed_text(texts)
    assert batch.shape == (len(texts), engine.dim) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    for row, case in zip(batch, cases):
        reference = read_safetensors(golden / "text" / case["file"])["embedding"]
        expect_close(row, reference, case["text"])
        # One text alone gives the same row as in the batch.
        expect_close(engine.embed_text(case["text"])[0], reference, case["text"] + " (alone)")


@pytest.mark.parametrize("case", AUDIO_CASES)
def test_audio_vectors_match_the_reference(engine, golden, case):
    tensors = read_safetensors(golden / "audio" / f"{case}.safetensors")
    # One window holding the whole clip (the reference's own input), at the engine's rate: no resampling.
    vector = engine.embed_audio(tensors["waveform"], 48000, windows="first")
    assert vector.shape == (engine.dim,)
    expect_close(vector, tensors["embedding"], case)
