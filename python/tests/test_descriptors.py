"""sonavec.analyze_file: loudness against ffmpeg's own EBU R128 meter, the dict's keys, and its errors."""
import math
import re
import subprocess

import pytest

import sonavec
from conftest import run


def ffmpeg_summary(path):
    """I (LUFS), LRA (LU) and true Peak (dBFS) from the closing summary of ffmpeg's ebur128 filter."""
    log = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True, stdin=subprocess.DEVNULL).stderr
    summary = log[log.rindex("Summary:"):]
    value = lambda label: float(re.search(label + r"\s+(-?[\d.]+|-inf)", summary).group(1))
    return value("I:"), value("LRA:"), value("Peak:")


@pytest.fixture(scope="module")
def stereo_file(scratch):
    # Quiet for 6 s and then louder (a loudness range), two tones a channel, 48 kHz, -6 dB.
    path = scratch / "descriptors_stereo.wav"
    exprs = "|".join(f"(0.2+0.4*gt(t\\,6))*sin(2*PI*{220 + 110 * k}*t)+0.1*sin(2*PI*{3000 + 500 * k}*t)"
                     for k in range(2))
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"aevalsrc=exprs={exprs}:c=stereo:s=48000:d=12",
         "-af", "volume=-6dB", "-c:a", "pcm_s24le", path])
    return path


def test_loudness_equals_ffmpeg_ebur128(stereo_file):
    d = sonavec.analyze_file(stereo_file)
    integrated, lra, peak = ffmpeg_summary(stereo_file)
    # ffmpeg prints one decimal.
    assert d["loudness_lufs"] == pytest.approx(integrated, abs=0.1)
    assert d["loudness_range_lu"] == pytest.approx(lra, abs=0.1)
    assert d["true_peak_dbtp"] == pytest.approx(peak, abs=0.1)
    assert d["channels"] == 2 and d["sample_rate"] == 48000
    assert d["duration_seconds"] == pytest.approx(12, abs=0.01)
    for key in ("bpm", "key", "camelot", "loudness_lufs", "loudness_range_lu", "true_peak_dbtp", "energy", "loop"):
        assert key in d
    assert 0 <= d["energy"] <= 1


def test_silence_is_minus_infinity(scratch):
    path = scratch / "descriptors_silence.wav"
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "3", path])
    d = sonavec.analyze_file(path)
    assert math.isinf(d["loudness_lufs"]) and d["loudness_lufs"] < 0
    assert d["bpm"] is None and d["energy"] == 0


def test_errors(scratch):
    with pytest.raises(FileNotFoundError):
        sonavec.analyze_file(scratch / "no_such_file.wav")
    with pytest.raises(ValueError):
        sonavec.analyze_file(scratch / "no_such_file.wav", tempo="fast")
