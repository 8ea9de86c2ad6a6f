"""Bad input raises a Python exception that names the file or the argument."""

import os

import numpy as np
import pytest

import somna
from conftest import SAMPLE


def test_missing_file_is_file_not_found(scratch):
    path = os.path.join(scratch, "nope.edf")
    with pytest.raises(FileNotFoundError) as e:
        somna.read(path)
    assert "nope.edf" in str(e.value)
    assert e.value.filename == path


def test_malformed_header_is_a_value_error(scratch):
    path = os.path.join(scratch, "bad.hea")
    with open(path, "w", encoding="ascii") as f:
        f.write("bad 1 100 abc\nbad.dat 16 200 12 0 0 0 0 ECG\n")
    with pytest.raises(ValueError) as e:
        somna.read(path)
    assert "bad.hea" in str(e.value)


def test_unknown_channel_names_the_channels():
    with pytest.raises(ValueError) as e:
        somna.read(SAMPLE, channel="EEG")
    assert "ECG" in str(e.value)


@pytest.mark.parametrize("fs", [0, -1, float("nan"), float("inf")])
def test_bad_fs(fs):
    with pytest.raises(ValueError, match="fs must be a positive"):
        somna.beats(np.zeros(1000, dtype=np.float32), fs)


def test_fs_is_required_with_an_array():
    with pytest.raises(ValueError, match="fs is required"):
        somna.analyze(np.zeros(1000, dtype=np.float32))


def test_two_dimensional_signal():
    with pytest.raises(ValueError, match="1-D"):
        somna.analyze(np.zeros((2, 1000), dtype=np.float32), 100)


def test_text_signal():
    with pytest.raises(ValueError, match="numbers"):
        somna.beats(np.array(["a", "b"]), 100)


def test_a_short_signal_cannot_be_analysed():
    with pytest.raises(ValueError):
        somna.analyze(np.zeros(6000, dtype=np.float32), 100)


def test_missing_model_file(sample_record, scratch):
    path = os.path.join(scratch, "none.safetensors")
    with pytest.raises(FileNotFoundError) as e:
        somna.analyze(sample_record, detector=path)
    assert "none.safetensors" in str(e.value)


def test_malformed_model_file(sample_record, scratch):
    path = os.path.join(scratch, "junk.safetensors")
    with open(path, "wb") as f:
        f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(ValueError) as e:
        somna.analyze(sample_record, detector=path)
    assert "junk.safetensors" in str(e.value)


def test_beats_must_increase(sample_record):
    with pytest.raises(ValueError, match="increase"):
        somna.analyze(sample_record, beats=np.array([100, 50, 200], dtype=np.int64))


def test_beats_outside_the_signal(sample_record):
    with pytest.raises(ValueError, match="outside"):
        somna.analyze(sample_record, beats=np.array([100, 10**9], dtype=np.int64))


def test_beats_in_seconds_are_refused(sample_record):
    with pytest.raises(ValueError, match="integer sample indices"):
        somna.analyze(sample_record, beats=np.array([0.5, 1.3]))


def test_fs_that_contradicts_the_record(sample_record):
    with pytest.raises(ValueError, match="differs"):
        somna.analyze(sample_record, fs=250)
