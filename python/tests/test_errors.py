"""sonavec errors become Python exceptions: sonavec.Error and a subclass per kind, each also the built-in
exception of the same meaning, carrying the library's message."""
import numpy as np
import pytest
import sonavec


def test_the_exception_classes_and_their_built_in_bases():
    kinds = {
        sonavec.InvalidInput: ValueError,
        sonavec.NotFound: FileNotFoundError,
        sonavec.IOFailure: OSError,
        sonavec.Unsupported: NotImplementedError,
        sonavec.Busy: BlockingIOError,
    }
    for cls, builtin in kinds.items():
        assert issubclass(cls, sonavec.Error) and issubclass(cls, builtin), cls
    for cls in (sonavec.CorruptFile, sonavec.Cancelled):
        assert issubclass(cls, sonavec.Error)
    assert issubclass(sonavec.Error, Exception)


def test_a_missing_model_directory_is_not_found_naming_it():
    with pytest.raises(FileNotFoundError) as raised:
        sonavec.Engine("/nonexistent/sonavec-model")
    assert isinstance(raised.value, sonavec.NotFound)
    assert "/nonexistent/sonavec-model" in str(raised.value)
    assert raised.value.kind == "not found"


@pytest.mark.parametrize("rate", [0, 7999, 384001])
def test_a_sample_rate_out_of_range_is_invalid_input(engine, rate):
    with pytest.raises(ValueError) as raised:
        engine.embed_audio(np.zeros(48000, np.float32), rate)
    assert isinstance(raised.value, sonavec.InvalidInput)
    assert f"{rate} Hz is out of range" in str(raised.value)
    assert raised.value.kind == "invalid input"


def test_bad_sample_buffers_are_invalid_input(engine):
    with pytest.raises(sonavec.InvalidInput, match="empty"):
        engine.embed_audio(np.zeros(0, np.float32), 48000)
    bad = np.zeros(48000, np.float32)
    bad[77] = np.nan
    with pytest.raises(sonavec.InvalidInput, match="sample 77 is not a finite number"):
        engine.embed_audio(bad, 48000)
    with pytest.raises(sonavec.InvalidInput, match="one-dimensional"):
        engine.embed_audio(np.zeros((2, 48000), np.float32), 48000)


def test_bad_window_plans_are_invalid_input(engine, scratch):
    samples = np.zeros(48000, np.float32)
    with pytest.raises(sonavec.InvalidInput, match="windows"):
        engine.embed_audio(samples, 48000, windows="every-other")
    with pytest.raises(sonavec.InvalidInput):
        engine.embed_audio(samples, 48000, window=0.01)
    with pytest.raises(sonavec.InvalidInput):
        engine.embed_file(scratch / "never-opened.wav", windows="full", hop=0.0)


def test_a_file_that_cannot_be_embedded_raises_with_the_reason(engine, scratch):
    missing = scratch / "missing.wav"
    with pytest.raises(sonavec.Error, match="no such file") as raised:
        engine.embed_file(missing)
    assert str(missing) in str(raised.value)
    not_audio = scratch / "notes.wav"
    not_audio.write_text("these are not the samples you are looking for\n" * 20)
    with pytest.raises(sonavec.Error, match="not a recognised audio file"):
        engine.embed_file(not_audio)


def test_a_bad_precision_is_invalid_input(model_dir):
    with pytest.raises(sonavec.InvalidInput, match="precision"):
        sonavec.Engine(model_dir, precision="fp8")
