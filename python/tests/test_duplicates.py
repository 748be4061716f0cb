"""Library.duplicates from Python on files made at test time: a byte copy, ffmpeg re-encodes and a trim of
one sox clip, and a distinct clip; the same groups as the CLI's, and nothing deleted."""
import json
import shutil

import pytest

import sonavec
from conftest import run, run_cli, sox_clip


@pytest.fixture(scope="module")
def library_of_copies(scratch, engine):
    music = scratch / "dup_music"
    music.mkdir()
    a = sox_clip(music / "a.wav", 44100, 15, low=200, high=2000)
    shutil.copy(a, music / "a_copy.wav")
    run(["ffmpeg", "-v", "error", "-y", "-i", a, "-c:a", "libmp3lame", "-b:a", "192k", music / "a.mp3"])
    run(["ffmpeg", "-v", "error", "-y", "-i", a, "-ss", "1", music / "a_trimmed.wav"])
    sox_clip(music / "b.wav", 44100, 15, low=3000, high=300)  # another recording: the sweep goes down
    lib = sonavec.Library(scratch / "dup_lib")
    report = lib.index([music], engine=engine)
    assert report["complete"] and report["fingerprinted"] == 5
    return lib, music


def names(group):
    return {m["path"].rsplit("/", 1)[1] for m in group["members"]}


def test_tiers_and_keeper(library_of_copies):
    lib, music = library_of_copies
    r = lib.duplicates(tiers=["identical", "same-recording"])
    assert r["tracks"] == 5 and r["without_fingerprint"] == 0
    assert [g["tier"] for g in r["groups"]] == ["identical", "same-recording"]
    assert names(r["groups"][0]) == {"a.wav", "a_copy.wav"}
    kept = r["groups"][0]["members"][0]["path"].rsplit("/", 1)[1]
    assert names(r["groups"][1]) == {kept, "a.mp3", "a_trimmed.wav"}
    keep = r["groups"][1]["members"][0]
    assert keep["keep"] and keep["lossless"] and keep["duration_seconds"] == pytest.approx(15, abs=0.05)
    for m in r["groups"][1]["members"]:
        assert m["score"] >= 0.85  # same_recording_similarity
    trimmed = next(m for m in r["groups"][1]["members"] if m["path"].endswith("a_trimmed.wav"))
    assert trimmed["offset_seconds"] == pytest.approx(1.0, abs=0.15)
    assert sorted(p.name for p in music.iterdir()) == ["a.mp3", "a.wav", "a_copy.wav", "a_trimmed.wav", "b.wav"]


def test_same_groups_as_the_cli(library_of_copies, cli, scratch):
    lib, _ = library_of_copies
    ours = lib.duplicates(tiers=[1, 2])
    theirs = json.loads(run_cli(cli, "duplicates", "--json", "--tier", "1,2", "--library", scratch / "dup_lib"))
    assert [[m["id"] for m in g["members"]] for g in ours["groups"]] == \
           [[m["id"] for m in g["members"]] for g in theirs["groups"]]


def test_bad_tier_is_a_value_error(library_of_copies):
    lib, _ = library_of_copies
    with pytest.raises(ValueError):
        lib.duplicates(tiers=["same"])
    with pytest.raises(ValueError):
        lib.duplicates(min_cosine=0)
