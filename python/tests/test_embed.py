"""embed_file gives the bits of `sonavec embed --format jsonl` (the built CLI, run as a user would),
embed_audio of a file's samples (decoded by ffmpeg) gives the bits of embed_file, for files made by sox
and ffmpeg at test time."""
import json
import threading
import time

import numpy as np
import pytest
import sonavec

from conftest import raw_float_samples, run, run_cli, sox_clip

PLANS = [
    ({}, []),
    ({"windows": "full", "window": 4.0, "hop": 2.5}, ["--windows", "full", "--window", "4", "--hop", "2.5"]),
    ({"windows": "first", "max_seconds": 6.0}, ["--windows", "first", "--max-seconds", "6"]),
]


@pytest.fixture(scope="module")
def clips(scratch):
    folder = scratch / "clips"
    folder.mkdir()
    wav = sox_clip(folder / "sweep44k.wav", 44100, 17.3)
    stereo = sox_clip(folder / "stereo48k.wav", 48000, 12, channels=2, low=60, high=6000)
    mp3 = folder / "sweep.mp3"
    run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", wav, "-b:a", "128k", mp3])
    flac = folder / "low22k.flac"
    sox_clip(folder / "low22k.wav", 22050, 9.5, low=50, high=800)
    run(["sox", folder / "low22k.wav", flac])
    (folder / "low22k.wav").unlink()
    return [wav, stereo, mp3, flac]


def cli_vectors(cli, model_dir, files, flags):
    out = run_cli(cli, "embed", "--format", "jsonl", "--quiet", "--model", model_dir, *flags, *files)
    records = [json.loads(line) for line in out.splitlines()]
    return {r["path"]: r for r in records}


@pytest.mark.parametrize("kwargs,flags", PLANS)
def test_embed_file_equals_the_cli_bit_for_bit(engine, cli, model_dir, clips, kwargs, flags):
    by_path = cli_vectors(cli, model_dir, clips, flags)
    assert len(by_path) == len(clips)
    for path in clips:
        record = by_path[str(path)]
        expected = np.array(record["embedding"], dtype=np.float32)
        vector = engine.embed_file(path, **kwargs)
        assert vector.dtype == np.float32 and vector.shape == (engine.dim,)
        assert vector.tobytes() == expected.tobytes(), f"{path.name} {kwargs}"
        details = engine.embed_file(str(path), details=True, **kwargs)
        assert details["vector"].tobytes() == expected.tobytes()
        assert len(details["windows"]) == record["windows"]
        assert details["duration_seconds"] == record["duration_seconds"]
        assert details["sample_rate"] == record["sample_rate"] and details["channels"] == record["channels"]


def test_engines_of_other_thread_counts_give_the_same_bits(model_dir, clips, engine):
    one = sonavec.Engine(model_dir, threads=1)
    for path in clips:
        assert one.embed_file(path).tobytes() == engine.embed_file(path).tobytes(), path.name


@pytest.mark.parametrize("name,rate", [("sweep44k.wav", 44100), ("low22k.flac", 22050)])
def test_embed_audio_of_a_files_samples_equals_embed_file(engine, clips, name, rate):
    path = next(p for p in clips if p.name == name)
    samples = raw_float_samples(path)
    assert samples.dtype == np.float32 and samples.size > rate
    for kwargs, _ in PLANS:
        from_file = engine.embed_file(path, details=True, **kwargs)
        from_samples = engine.embed_audio(samples, sample_rate=rate, details=True, **kwargs)
        assert from_samples["vector"].tobytes() == from_file["vector"].tobytes(), f"{name} {kwargs}"
        assert [(w["start_seconds"], w["length_seconds"]) for w in from_samples["windows"]] == \
               [(w["start_seconds"], w["length_seconds"]) for w in from_file["windows"]]
        assert from_samples["path"] is None
    # float64 samples are converted to float32 first: the same bits.
    assert engine.embed_audio(samples.astype(np.float64), rate).tobytes() == engine.embed_file(path).tobytes()


def test_per_window_vectors_are_unit_rows_that_average_to_the_track(engine, clips):
    details = engine.embed_file(clips[0], windows="full", details=True)
    rows = np.stack([w["vector"] for w in details["windows"]])
    assert rows.shape == (len(details["windows"]), engine.dim) and len(rows) > 1
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    mean = rows.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(mean / np.linalg.norm(mean), details["vector"], atol=1e-6)


def test_embed_files_equals_the_cli_and_reports_a_bad_file(engine, cli, model_dir, clips, scratch):
    broken = scratch / "broken.wav"
    broken.write_bytes(b"RIFF" + bytes(40))
    folder = clips[0].parent
    result = engine.embed_files([folder, broken], threads=2)
    by_path = cli_vectors(cli, model_dir, clips, [])
    assert sorted(result["paths"]) == sorted(str(p) for p in clips)  # the folder's audio files
    assert result["vectors"].shape == (len(clips), engine.dim) and result["vectors"].dtype == np.float32
    for row, path in zip(result["vectors"], result["paths"]):
        assert row.tobytes() == np.array(by_path[path]["embedding"], np.float32).tobytes(), path
    assert [f["path"] for f in result["failures"]] == [str(broken)]
    assert result["failures"][0]["error"]
    assert result["unreadable"] == []


def test_other_python_threads_run_while_the_engine_computes(engine, clips):
    # A thread that needs the GIL between short sleeps: it can tick during the call only if the GIL is free.
    ticks = [0]
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.0005)

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        time.sleep(0.01)
        before = ticks[0]
        t0 = time.perf_counter()
        engine.embed_file(clips[0], windows="full", window=2.0, hop=0.5)
        elapsed = time.perf_counter() - t0
        during = ticks[0] - before
    finally:
        stop.set()
        thread.join()
    assert elapsed > 0.05, "the call was too short to tell"
    assert during >= 10, f"{during} ticks in {elapsed:.3f} s"
