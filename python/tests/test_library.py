"""sonavec.Library over a folder of sox-made files: the index report, progress and its cancellation,
search results, and vectors() against the CLI's own export of the same library."""
import numpy as np
import pytest
import sonavec

from conftest import run_cli, sox_clip

TONES = [(110, 440), (300, 1200), (800, 3200), (2000, 8000)]


@pytest.fixture(scope="module")
def music(scratch):
    folder = scratch / "music"
    (folder / "sub").mkdir(parents=True)
    files = [sox_clip(folder / ("sub" if i % 2 else ".") / f"tone{i}.wav", 44100, 3 + i, low=lo, high=hi)
             for i, (lo, hi) in enumerate(TONES)]
    (folder / "readme.txt").write_text("not audio\n")
    return folder, [f.resolve() for f in files]


@pytest.fixture(scope="module")
def indexed(scratch, music, engine):
    folder, files = music
    lib = sonavec.Library(scratch / "library")
    steps = []
    report = lib.index([folder], engine=engine, progress=steps.append)
    return lib, report, steps


def test_index_reports_every_file_and_calls_progress_once_per_file(indexed, music):
    lib, report, steps = indexed
    folder, files = music
    assert report["found"] == len(files) and report["embedded"] == len(files)
    assert report["complete"] and report["failures"] == []
    assert [s.done for s in steps] == list(range(1, len(files) + 1))
    assert {s.total for s in steps} == {len(files)}
    assert sorted(s.path for s in steps) == sorted(str(f) for f in files)
    assert all(s.error == "" for s in steps)


def test_a_second_run_finds_everything_unchanged(indexed, music, engine):
    lib, _, _ = indexed
    folder, files = music
    report = lib.index(str(folder), engine=engine)  # one root as a str
    assert report["unchanged"] == len(files) and report["embedded"] == 0


def test_search_returns_dicts_best_first(indexed, music, engine):
    lib, _, _ = indexed
    _, files = music
    results = lib.search("a rising sine sweep", k=3, engine=engine)
    assert len(results) == 3
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    for r in results:
        assert {"score", "id", "path", "duration_seconds", "tags"} <= r.keys()
        assert r["path"] in {str(f) for f in files}
    durations = {str(f): 3 + i for i, f in enumerate(files)}
    for r in results:
        assert r["duration_seconds"] == pytest.approx(durations[r["path"]], abs=1e-3)
    short = lib.search("a rising sine sweep", k=10, engine=engine, max_seconds=4.5)
    assert {r["path"] for r in short} == {str(files[0]), str(files[1])}


def test_similar_leaves_the_track_out_and_its_nearest_is_found_by_vector(indexed, music):
    lib, _, _ = indexed
    ids, matrix = lib.vectors()
    first = int(ids[0])
    similar = lib.similar(first, k=10)
    assert first not in {r["id"] for r in similar} and len(similar) == len(ids) - 1
    by_vector = lib.search_vector(matrix[0], k=1)
    assert by_vector[0]["id"] == first and by_vector[0]["score"] == pytest.approx(1.0, abs=1e-5)


def test_vectors_are_the_index_runs_bits_and_match_the_cli_export(indexed, music, engine, cli, scratch):
    lib, _, _ = indexed
    _, files = music
    ids, matrix = lib.vectors()
    assert ids.dtype == np.int64 and ids.shape == (len(files),)
    assert matrix.dtype == np.float32 and matrix.shape == (len(files), engine.dim)
    assert matrix.flags["C_CONTIGUOUS"] and not matrix.flags["OWNDATA"]  # a view of the library's own buffer
    paths = [lib.find(int(i))["path"] for i in ids]
    for row, path in zip(matrix, paths):
        assert row.tobytes() == engine.embed_file(path).tobytes(), path
    out = scratch / "export.npy"
    run_cli(cli, "export", "--library", lib.dir, "--format", "npy", "--out", out)
    exported = np.load(out)
    exported_paths = out.with_name("export.npy.paths.txt").read_text().splitlines()
    assert exported.dtype == matrix.dtype and exported.shape == matrix.shape
    by_path = dict(zip(exported_paths, exported))
    for row, path in zip(matrix, paths):
        assert row.tobytes() == by_path[path].tobytes(), path


def test_stats_counts_the_files(indexed, music):
    lib, _, _ = indexed
    stats = lib.stats()
    assert stats["files"] == len(music[1]) and stats["ok"] == len(music[1]) and stats["failed"] == 0
    assert list(stats["by_model"].values()) == [len(music[1])]


def test_a_progress_callback_that_raises_cancels_the_run_and_the_exception_is_raised(scratch, music, engine):
    folder, files = music
    lib = sonavec.Library(scratch / "cancelled")
    calls = []

    def interrupt(step):
        calls.append(step.done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lib.index([folder], engine=engine, progress=interrupt, threads=1)
    assert calls == [1]
    # What was committed stays, and the next run carries on from there.
    committed = lib.stats()["ok"]
    assert 1 <= committed < len(files)
    report = lib.index([folder], engine=engine)
    assert report["unchanged"] == committed and report["embedded"] == len(files) - committed


def test_a_missing_library_opened_as_existing_is_not_found(scratch):
    with pytest.raises(FileNotFoundError):
        sonavec.Library(scratch / "no-such-library", mode="existing")
    with pytest.raises(sonavec.InvalidInput, match="mode"):
        sonavec.Library(scratch / "x", mode="sometimes")


def test_library_warnings_reach_the_log_callback(indexed, engine, scratch, monkeypatch):
    lib, _, _ = indexed
    blocker = scratch / "a-file-not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))  # the text cache cannot be made there
    messages = []
    sonavec.set_log_callback(lambda level, message: messages.append((level, message)))
    try:
        results = lib.search("a rising sine sweep", k=2, engine=engine)
    finally:
        sonavec.set_log_callback(None)
    assert len(results) == 2
    assert any(level == "warning" and "text cache off" in message for level, message in messages), messages
