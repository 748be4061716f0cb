"""Library.timeline over a recording made here: 30 s of brown noise, 4 s of digital silence from 30.0 s,
30 s of notes, 20 s of white noise. Silence is energy's, so its place is asserted; the kinds come from
the tiny random model, so they are judged only where the kind's stand-in vector is that part's own audio.
find(within=...) keeps only moments inside a kind's stretches."""
import numpy as np
import pytest
import sonavec

from conftest import run_cli
from test_find import RATE, brown_noise, notes, write_wav

SEGMENT_KEYS = {"start_seconds", "end_seconds", "kind", "probability", "level_db"}


@pytest.fixture(scope="module")
def recording(scratch):
    folder = scratch / "timeline"
    (folder / "archive").mkdir(parents=True)
    brown = brown_noise(30, 0.05, seed=4)
    music = np.tile(notes(9, 6.0), 5)
    white = 0.05 * np.random.default_rng(8).standard_normal(20 * RATE)
    samples = np.concatenate([brown, np.zeros(4 * RATE), music, white])
    write_wav(folder / "music.wav", music)
    write_wav(folder / "noise.wav", brown)
    return folder, write_wav(folder / "archive" / "show.wav", samples)


@pytest.fixture(scope="module")
def library(recording, engine):
    folder, _ = recording
    lib = sonavec.Library(folder / "lib")
    report = lib.index([folder / "archive"], engine=engine, windows="segments")
    assert report["complete"] and report["recordings_printed"] == 1
    return lib


def silences(timeline):
    return [(s["start_seconds"], s["end_seconds"]) for s in timeline["files"][0]["segments"] if s["kind"] == "silence"]


def test_the_timeline_finds_the_silence_where_it_was_made(library, recording, engine):
    _, show = recording
    t = library.timeline(engine)
    assert set(t) == {"kinds", "seconds", "files"}
    assert t["kinds"] == ["speech", "music", "speech over music", "noise"]
    [f] = t["files"]
    assert f["path"] == str(show.resolve()) and f["has_levels"] and f["windows"] == 16
    assert all(set(s) == SEGMENT_KEYS for s in f["segments"])
    ends = [s["end_seconds"] for s in f["segments"]]
    assert [s["start_seconds"] for s in f["segments"][1:]] == pytest.approx(ends[:-1])  # no gap, no overlap
    [(start, end)] = silences(t)
    assert start == pytest.approx(30.0, abs=0.21) and end == pytest.approx(34.0, abs=0.21)
    assert silences(library.timeline(engine, min_silence=5.0)) == []
    assert silences(library.timeline(engine, silence_db=-120.0)) == []


def test_examples_stand_in_for_the_prompts(library, recording, engine):
    folder, _ = recording
    t = library.timeline(engine, examples={"music": folder / "music.wav", "noise": [str(folder / "noise.wav")]})
    segments = t["files"][0]["segments"]

    def kind_at(s):
        return next(g["kind"] for g in segments if g["start_seconds"] <= s < g["end_seconds"])
    # Cells whose windows lie wholly in the notes (34-64 s) or in the brown noise (0-30 s).
    assert [kind_at(c) for c in (47.5, 52.5)] == ["music", "music"]
    assert [kind_at(c) for c in (7.5, 12.5, 17.5)] == ["noise"] * 3


def test_exports_are_the_clis(library, recording, engine, cli, model_dir):
    folder, show = recording
    vtt = library.timeline(engine, path=str(show.resolve()), format="webvtt")
    assert vtt.startswith("WEBVTT\n\n") and "\nsilence\n" in vtt
    assert vtt == run_cli(cli, "timeline", "--library", folder / "lib", "--model", model_dir, "--webvtt", show)
    csv = library.timeline(engine, format="csv")
    assert csv.splitlines()[0] == "path,start_seconds,end_seconds,kind,probability,level_db"
    assert len(csv.splitlines()) == 1 + len(library.timeline(engine)["files"][0]["segments"])
    labels = library.timeline(engine, format="audacity")
    assert all(line.count("\t") == 2 for line in labels.splitlines())


def test_find_within_a_kind(library, recording, engine):
    folder, _ = recording
    examples = {"music": folder / "music.wav", "noise": folder / "noise.wav"}
    report = library.find(folder / "music.wav", engine, within="music", examples=examples)
    assert 0 < report["windows_within"] < report["windows"]
    t = library.timeline(engine, examples=examples)["files"][0]["segments"]
    for o in report["occurrences"]:
        middle = (o["start_seconds"] + o["end_seconds"]) / 2
        assert any(g["kind"] == "music" and g["start_seconds"] <= middle < g["end_seconds"] for g in t), o


@pytest.mark.parametrize("kwargs", [{"format": "xml"}, {"silence_db": 3.0}, {"min_silence": 0.0},
                                    {"examples": {"silence": "x.wav"}}, {"examples": {"jazz": "x.wav"}}])
def test_bad_parameters_raise(library, engine, kwargs):
    with pytest.raises(sonavec.InvalidInput):
        library.timeline(engine, **kwargs)


def test_find_within_an_unknown_kind_raises(library, recording, engine):
    folder, _ = recording
    with pytest.raises(sonavec.InvalidInput):
        library.find(folder / "music.wav", engine, within="jazz")


def test_no_segments_recording_is_not_found(library, engine):
    with pytest.raises(sonavec.NotFound, match="--windows segments"):
        library.timeline(engine, path="*/elsewhere/*")
