"""Shared fixtures: the golden tiny model, the built CLI, and audio files made by sox and ffmpeg at test time.

ctest sets PYTHONPATH to the built module's folder, SONAVEC_CLI to the built sonavec binary and
SONAVEC_TEST_DATA to tests/data.
"""
import json
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

# The library's caches (model digests, text cache) and default library stay out of the user's home.
_scratch = Path(tempfile.mkdtemp(prefix="sonavec_pytest_"))
os.environ["XDG_CACHE_HOME"] = str(_scratch / "cache")
os.environ["XDG_DATA_HOME"] = str(_scratch / "data")
os.environ.pop("SONAVEC_MODEL", None)

import sonavec  # noqa: E402  (after the environment it reads)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_scratch, ignore_errors=True)


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set (ctest's python_tests sets it)", returncode=2)
    return value


@pytest.fixture(scope="session")
def test_data():
    return Path(_required_env("SONAVEC_TEST_DATA"))


@pytest.fixture(scope="session")
def golden(test_data):
    return test_data / "golden"


@pytest.fixture(scope="session")
def model_dir(golden):
    return golden / "model"


@pytest.fixture(scope="session")
def cli():
    path = Path(_required_env("SONAVEC_CLI"))
    assert path.is_file(), path
    return path


@pytest.fixture(scope="session")
def engine(model_dir):
    return sonavec.Engine(model_dir)


@pytest.fixture(scope="session")
def scratch():
    return _scratch


def run(args, **kwargs):
    """A tool that the test cannot go on without; its output as text."""
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    assert r.returncode == 0, f"{args}: exit {r.returncode}\n{r.stderr}"
    return r.stdout


def run_cli(cli, *args):
    return run([cli, *args])


def sox_clip(path, rate, seconds, channels=1, low=110, high=3520):
    """A sweep over pink noise, so that every analysis window differs."""
    run(["sox", "-n", "-r", rate, "-c", channels, "-b", 16, path, "synth", seconds, "sine", f"{low}-{high}",
         "synth", "pinknoise", "mix", "vol", 0.5])
    return path


def raw_float_samples(path):
    """The file's samples as ffmpeg decodes them, mono float32 at the file's own rate (mono files only)."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "f32le", "-acodec",
                          "pcm_f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4")


def read_safetensors(path):
    """A safetensors file's tensors as numpy arrays (F32 and I64), sizes checked against the file."""
    data = Path(path).read_bytes()
    assert len(data) >= 8
    (header_len,) = struct.unpack("<Q", data[:8])
    assert 8 + header_len <= len(data)
    header = json.loads(data[8:8 + header_len])
    body = data[8 + header_len:]
    dtypes = {"F32": "<f4", "I64": "<i8"}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue
        begin, end = info["data_offsets"]
        assert 0 <= begin <= end <= len(body)
        array = np.frombuffer(body[begin:end], dtype=dtypes[info["dtype"]])
        tensors[name] = array.reshape(info["shape"])
    return tensors
