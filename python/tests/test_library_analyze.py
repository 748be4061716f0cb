"""Library.analyze and Library.retag from Python: descriptors stored for click tracks at known tempi made
by sox, equal to sonavec.analyze_file's, and the search filters on them and on the inferred tags."""
import pytest

import sonavec
from conftest import run


def click_track(path, bpm):
    run(["sox", "-n", "-r", 44100, path, "synth", 0.03, "sine", 1000, "pad", 0, f"{60 / bpm - 0.03:.6f}", "repeat", 29])
    return path


@pytest.fixture(scope="module")
def analysed(scratch, engine):
    music = scratch / "analyse_music"
    music.mkdir()
    files = [click_track(music / "clicks90.wav", 90), click_track(music / "clicks120.wav", 120)]
    lib = sonavec.Library(scratch / "analyse_lib")
    lib.index([music], engine=engine)
    seen = []
    report = lib.analyze([music], threads=2, progress=lambda p: seen.append(p.path))
    assert report["analyzed"] == 2 and report["failures"] == [] and report["current"] == 0
    assert sorted(seen) == sorted(str(f) for f in files)
    return lib, files


def test_rows_hold_what_analyze_file_computes(analysed):
    lib, files = analysed
    for f in files:
        stored = lib.find(str(f))["descriptors"]
        direct = sonavec.analyze_file(f)
        for key in ("bpm", "key", "camelot", "loudness_lufs", "true_peak_dbtp", "energy", "loop"):
            assert stored[key] == direct[key], key
    assert lib.find(str(files[0]))["descriptors"]["bpm"] == pytest.approx(90, rel=0.04)
    assert lib.find(str(files[1]))["descriptors"]["bpm"] == pytest.approx(120, rel=0.04)
    assert lib.analyze()["current"] == 2  # nothing to do again


def test_search_filters_by_tempo_and_by_inferred_tags(analysed, engine):
    lib, files = analysed
    fast = lib.search("clicks", engine=engine, min_bpm=115, max_bpm=125)
    assert [m["path"] for m in fast] == [str(files[1])]
    assert [m["path"] for m in lib.search("clicks", engine=engine, max_bpm=95)] == [str(files[0])]
    key = lib.find(str(files[0]))["descriptors"]["camelot"]
    assert str(files[0]) in [m["path"] for m in lib.search("x", engine=engine, key=key)]
    with pytest.raises(sonavec.InvalidInput):
        lib.search("x", engine=engine, key="H minor")

    report = lib.retag(engine=engine, taxonomies=["mood"])
    assert report["tracks"] == 2 and report["taxonomies"] == 1
    mood = lib.find(str(files[1]))["inferred"]["mood"][0]["label"]
    hits = lib.search("x", engine=engine, where={"mood": mood}, min_bpm=115)
    assert [m["path"] for m in hits] == [str(files[1])]
    assert all(e["inferred"] and e["descriptors"] for e in lib.entries())
