"""sonavec.read_tags and sonavec.write_tags on a FLAC and an MP3 made by ffmpeg at test time."""
import subprocess

import pytest

import sonavec


def _make(path):
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1", "-metadata", "title=Song",
                    "-metadata", "genre=Rock", str(path)], check=True)
    return path


def _decoded(path):
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-"], check=True,
                          capture_output=True).stdout


@pytest.mark.parametrize("ext", ["flac", "mp3"])
def test_plan_then_apply(tmp_path, ext):
    path = _make(tmp_path / f"a.{ext}")
    before, pcm = path.read_bytes(), _decoded(path)
    plan = sonavec.write_tags(path, {"bpm": "128", "genre": "House"})
    assert not plan["written"]
    assert {c["field"]: c["action"] for c in plan["changes"]} == {"bpm": "add", "genre": "keep"}
    assert path.read_bytes() == before

    done = sonavec.write_tags(path, {"bpm": "128", "genre": "House"}, apply=True, overwrite=["genre"])
    assert done["written"]
    tags = sonavec.read_tags(path)
    assert tags["BPM"] == ["128"] and tags["GENRE"] == ["House"] and tags["TITLE"] == ["Song"]
    assert _decoded(path) == pcm


def test_errors_are_sonavec_errors(tmp_path):
    bad = tmp_path / "x.flac"
    bad.write_bytes(b"not audio" * 100)
    with pytest.raises(sonavec.Error):
        sonavec.read_tags(bad)
    with pytest.raises(sonavec.Error):
        sonavec.write_tags(_make(tmp_path / "b.flac"), {"bpm": "fast"})
