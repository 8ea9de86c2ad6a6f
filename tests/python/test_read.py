"""somna.read and somna.Record on the sample night (WFDB format 212, 200 ADC units per mV)."""

import datetime

import numpy as np

import somna
from conftest import SAMPLE, run_cli


def test_version_is_the_commands(somna_binary):
    assert somna.__version__ in run_cli(somna_binary, "--version")


def test_record_fields(sample_record):
    r = sample_record
    assert r.name == "sample-night"
    assert r.format == "WFDB"
    assert r.fs == 100.0
    assert r.channel == "ECG" and r.channels == ["ECG"]
    assert r.units == "mV"
    assert r.signal.dtype == np.float32 and r.signal.ndim == 1
    assert r.signal.size == 1080000
    assert abs(r.duration_s - 10800.0) < 1e-9
    assert r.start is None or isinstance(r.start, (datetime.datetime, datetime.time))
    assert "sample-night" in repr(r)


def test_signal_is_in_millivolts(sample_record):
    x = sample_record.signal
    # 12-bit samples at 200/mV: every value is a multiple of 1/200 mV.
    assert np.allclose(np.round(x[:1000] * 200), x[:1000] * 200, atol=1e-3)
    assert 0.1 < float(np.ptp(x[:6000])) < 10  # an ECG in mV, not in ADC units


def test_signal_is_a_view_not_a_copy(sample_record):
    a = sample_record.signal
    b = sample_record.signal
    assert a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    assert a.base is not None


def test_signal_outlives_its_record():
    x = somna.read(SAMPLE).signal  # the Record is gone once the array is all that is left
    assert x.size == 1080000 and np.isfinite(x[:100]).all()


def test_channel_by_label_and_index():
    assert somna.read(SAMPLE, channel="ECG").channel == "ECG"
    assert somna.read(SAMPLE, channel="0").channel == "ECG"
