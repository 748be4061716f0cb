"""Library.find over a recording made here: a clip spliced into 90 s of brown noise at 20.0 s and, 6 dB
quieter, at 61.5 s, indexed with windows="segments"; the clip is found at its own times, another clip
nowhere; windows="segments" analyses whole recordings unless max_seconds is given, as the CLI does."""
import json
import wave

import numpy as np
import pytest
import sonavec

from conftest import run_cli

RATE = 48000
AT = (20.0, 61.5)
OCCURRENCE_KEYS = {"id", "path", "start_seconds", "end_seconds", "score", "sigmas", "coarse_score", "match",
                   "print_similarity"}
REPORT_KEYS = {"query_seconds", "windows", "files", "candidates", "regions", "printed", "print_hits", "windows_within", "median",
               "deviation", "moment_median", "moment_deviation", "threshold", "scan_seconds", "refine_seconds",
               "print_seconds", "occurrences"}


def notes(seed, seconds=3.0):
    """Eight notes a second and a bit: harmonic tones (five partials) with decaying envelopes, pitches from
    the seed over two octaves. Spliced in rather than mixed: the golden model is a tiny random-weight one
    that tells a clip from the same clip under noise poorly."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n)
    step = int(0.375 * RATE)
    t = np.arange(step) / RATE
    for start in range(0, n, step):
        f = 220 * 2 ** (rng.integers(0, 24) / 12)
        tone = 0.3 * np.exp(-4 * t) * sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, 6))
        length = min(step, n - start)
        out[start:start + length] += tone[:length]
    return out


def brown_noise(seconds, rms, seed):
    """White noise through y[n] = 0.995 y[n-1] + 0.005 x[n] (in the frequency domain), scaled to rms."""
    n = int(seconds * RATE)
    x = np.random.default_rng(seed).standard_normal(n)
    w = 2 * np.pi * np.fft.rfftfreq(n)
    y = np.fft.irfft(np.fft.rfft(x) * 0.005 / (1 - 0.995 * np.exp(-1j * w)), n)
    return y * (rms / np.sqrt(np.mean(y ** 2)))


def write_wav(path, samples):
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="module")
def show(scratch):
    folder = scratch / "find"
    (folder / "archive").mkdir(parents=True)
    clip, other = notes(7), notes(11)
    bed = brown_noise(90, 0.05, seed=3)
    for at, gain in zip(AT, (1.0, 0.5)):
        first = int(at * RATE)
        bed[first:first + clip.size] = gain * clip  # replaces the bed
    recording = write_wav(folder / "archive" / "show.wav", bed)
    return folder, recording, write_wav(folder / "jingle.wav", clip), write_wav(folder / "other.wav", other)


@pytest.fixture(scope="module")
def segments_library(show, engine):
    folder, _, _, _ = show
    lib = sonavec.Library(folder / "lib")
    report = lib.index([folder / "archive"], engine=engine, windows="segments", fingerprints=False)
    assert report["complete"] and report["embedded"] == 1
    return lib


def listed(report):
    return f"threshold {report['threshold']:.4f}: " + ", ".join(
        f"[{o['start_seconds']:.2f} s, score {o['score']:.4f}, match {o['match']:.3f}]" for o in report["occurrences"])


def test_the_segments_plan_keeps_the_whole_recording(segments_library, show, engine):
    _, recording, _, _ = show
    assert segments_library.find(str(recording))["window_plan"] == "segments"  # not "segments max-seconds=300"
    # 0, 5, ..., 80 s: the window at 80 s ends the 90 s recording.
    assert segments_library.find(recording, engine)["windows"] == 17


def test_finds_the_clip_at_its_own_times(segments_library, show, engine):
    _, recording, jingle, _ = show
    report = segments_library.find(jingle, engine)
    assert set(report) == REPORT_KEYS
    assert report["windows"] == 17 and report["files"] == 1
    assert report["query_seconds"] == pytest.approx(3.0)
    occurrences = report["occurrences"]
    assert len(occurrences) == 2, listed(report)
    for o in occurrences:
        assert set(o) == OCCURRENCE_KEYS
        assert o["path"] == str(recording.resolve())
        assert o["end_seconds"] - o["start_seconds"] == pytest.approx(3.0)
        assert o["score"] >= report["threshold"] and o["sigmas"] >= 5.0
    assert [o["score"] for o in occurrences] == sorted((o["score"] for o in occurrences), reverse=True)
    starts = sorted(o["start_seconds"] for o in occurrences)
    assert starts[0] == pytest.approx(AT[0], abs=0.5), listed(report)
    assert starts[1] == pytest.approx(AT[1], abs=0.5), listed(report)


def test_a_str_naming_a_file_is_a_clip_too(segments_library, show, engine):
    _, _, jingle, _ = show
    by_path, by_str = segments_library.find(jingle, engine), segments_library.find(str(jingle), engine)
    assert by_str["query_seconds"] == pytest.approx(3.0)
    assert [(o["start_seconds"], o["score"]) for o in by_str["occurrences"]] == \
           [(o["start_seconds"], o["score"]) for o in by_path["occurrences"]]


def test_a_clip_that_never_plays_is_not_found(segments_library, show, engine):
    _, _, _, other = show
    report = segments_library.find(other, engine)
    assert report["occurrences"] == [], listed(report)


def test_without_refinement_the_stored_windows_hold_the_clip(segments_library, show, engine):
    _, _, jingle, _ = show
    report = segments_library.find(jingle, engine, refine=False)
    assert report["occurrences"]
    for o in report["occurrences"]:
        assert o["end_seconds"] - o["start_seconds"] == pytest.approx(10.0)
        assert any(o["start_seconds"] <= at and o["end_seconds"] >= at + 3 for at in AT), o


def test_a_text_is_scored_with_the_towers_window(segments_library, engine):
    report = segments_library.find("a short melody of plucked notes", engine, min_score=0.99, max_results=3)
    assert set(report) == REPORT_KEYS
    assert report["query_seconds"] == pytest.approx(engine.window_seconds)
    assert report["windows"] == 17 and len(report["occurrences"]) <= 3


def test_a_path_pattern_that_matches_nothing_finds_nothing(segments_library, show, engine):
    _, _, jingle, _ = show
    with pytest.raises(sonavec.NotFound):
        segments_library.find(jingle, engine, path="*/elsewhere/*")


def test_the_row_lookup_keeps_its_meaning(segments_library, show):
    _, recording, _, _ = show
    row = segments_library.find(str(recording))
    assert row["path"] == str(recording.resolve()) and segments_library.find(row["id"])["id"] == row["id"]
    assert segments_library.find("/nowhere.wav") is None


def test_a_library_without_segments_is_refused_naming_the_plan(show, engine, scratch):
    folder, _, jingle, _ = show
    plain = sonavec.Library(scratch / "find_plain")
    plain.index([folder / "archive"], engine=engine, fingerprints=False)  # the seed plan
    with pytest.raises(sonavec.NotFound, match="--windows segments"):
        plain.find(jingle, engine)


@pytest.mark.parametrize("kwargs", [{"min_score": 2.0}, {"sigmas": -1.0}, {"min_match": 1.5}, {"max_results": 0}])
def test_bad_parameters_raise(segments_library, show, engine, kwargs):
    _, _, jingle, _ = show
    with pytest.raises(sonavec.InvalidInput):
        segments_library.find(jingle, engine, **kwargs)


def test_an_empty_text_or_a_query_of_another_type_raises(segments_library, engine):
    with pytest.raises(sonavec.InvalidInput):
        segments_library.find("", engine)
    with pytest.raises(TypeError):
        segments_library.find(42, engine)


def test_segments_windows_cover_recordings_longer_than_300_s_unless_max_seconds_is_given(engine):
    samples = brown_noise(320, 0.05, seed=5).astype(np.float32)
    whole = engine.embed_audio(samples, RATE, windows="segments", details=True)
    starts = [w["start_seconds"] for w in whole["windows"]]
    assert starts[:2] == [0.0, 5.0] and starts[-1] == pytest.approx(310.0)
    cut = engine.embed_audio(samples, RATE, windows="segments", max_seconds=60.0, details=True)
    assert cut["windows"][-1]["start_seconds"] == pytest.approx(50.0)
    # The other plans keep their 300 s default.
    full = engine.embed_audio(samples, RATE, windows="full", details=True)
    assert full["windows"][-1]["start_seconds"] == pytest.approx(290.0)


def test_embed_file_with_segments_equals_the_cli(engine, cli, model_dir, show):
    _, recording, _, _ = show
    out = run_cli(cli, "embed", "--format", "jsonl", "--quiet", "--model", model_dir, "--windows", "segments", recording)
    record = json.loads(out.splitlines()[0])
    details = engine.embed_file(recording, windows="segments", details=True)
    assert details["vector"].tobytes() == np.array(record["embedding"], np.float32).tobytes()
    # The segments plan keeps each window's vector, so the CLI prints them (as --per-window).
    assert [w["start_seconds"] for w in details["windows"]] == [w["start_seconds"] for w in record["windows"]]
    assert len(details["windows"]) == 17


def test_the_report_is_the_clis_json(segments_library, show, engine, cli, model_dir):
    folder, _, jingle, _ = show
    printed = json.loads(run_cli(cli, "find", "--json", "--library", folder / "lib", "--model", model_dir, jingle))
    report = segments_library.find(jingle, engine)
    assert set(report) == set(printed)
    timings = {"scan_seconds", "refine_seconds", "print_seconds"}
    assert {k: v for k, v in report.items() if k not in timings} == \
           {k: v for k, v in printed.items() if k not in timings}


RECURRING_AT = (10.0, 40.0, 75.0)


@pytest.fixture(scope="module")
def recurring_library(scratch, engine):
    """A 6 s clip mixed three times over 100 s of brown noise and other notes, indexed with its prints."""
    folder = scratch / "recurring"
    (folder / "archive").mkdir(parents=True)
    bed = brown_noise(100, 0.05, 5)
    for k, start in enumerate((25.0, 55.0, 88.0)):  # other notes between the playings, each its own
        first = int(start * RATE)
        bed[first:first + 5 * RATE] += notes(100 + k, 5)
    clip = notes(21, 6)
    for start in RECURRING_AT:
        first = int(start * RATE)
        bed[first:first + len(clip)] = 0.25 * bed[first:first + len(clip)] + clip
    write_wav(folder / "archive" / "show.wav", bed)
    lib = sonavec.Library(folder / "lib")
    report = lib.index([folder / "archive"], engine=engine, windows="segments")
    assert report["complete"] and report["recordings_printed"] == 1, report
    return lib, folder


def test_recurring_finds_the_clip_at_each_playing(recurring_library, cli):
    lib, folder = recurring_library
    report = lib.recurring(excerpts=folder / "excerpts")
    assert report["recordings"] == 1 and len(report["items"]) == 1, report
    item = report["items"][0]
    assert item["count"] == 3 and len(item["occurrences"]) == 3
    for o, start in zip(item["occurrences"], RECURRING_AT):
        overlap = min(o["end_seconds"], start + 6) - max(o["start_seconds"], start)
        assert overlap >= 4, item
        assert set(o) == {"id", "path", "start_seconds", "end_seconds", "similarity"}
    with wave.open(item["excerpt"]) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        assert w.getnframes() == pytest.approx(RATE * (item["occurrences"][0]["end_seconds"] -
                                                       item["occurrences"][0]["start_seconds"]), abs=2)
    # The same as the CLI's JSON, less the time it took.
    out = json.loads(run_cli(cli, "recurring", "--library", folder / "lib", "--json"))
    for r in (out, report):
        r.pop("seconds")
        for i in r["items"]:
            i.pop("excerpt")
    assert out == report
    assert lib.recurring(min_count=4)["items"] == []


@pytest.mark.parametrize("kwargs", [{"min_count": 1}, {"min_length": -1}, {"min_similarity": 0.2}, {"max_items": 0}])
def test_recurring_refuses_bad_parameters(recurring_library, kwargs):
    lib, _ = recurring_library
    with pytest.raises(sonavec.InvalidInput):
        lib.recurring(**kwargs)
