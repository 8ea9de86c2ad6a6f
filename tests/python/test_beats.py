"""somna.beats against `somna beats --out FILE.csv` on the sample night."""

import csv
import os

import numpy as np

import somna
from conftest import SAMPLE, run_cli


def cli_beat_samples(binary, folder):
    out = os.path.join(folder, "beats.csv")
    run_cli(binary, "beats", SAMPLE, "--out", out)
    with open(out, encoding="utf-8") as f:
        return np.array([int(row["sample"]) for row in csv.DictReader(f)], dtype=np.int64)


def test_beats_equal_the_cli(sample_record, somna_binary, scratch):
    b = somna.beats(sample_record)
    assert b.dtype == np.int64 and b.ndim == 1
    assert len(b) > 10000  # three hours of heartbeats
    np.testing.assert_array_equal(b, cli_beat_samples(somna_binary, scratch))


def test_array_and_record_give_the_same_beats(sample_record):
    from_record = somna.beats(sample_record)
    np.testing.assert_array_equal(somna.beats(sample_record.signal, 100.0), from_record)
    as_float64 = sample_record.signal[:360000].astype(np.float64)
    np.testing.assert_array_equal(somna.beats(as_float64, fs=100),
                                  somna.beats(sample_record.signal[:360000], 100))


def test_beats_of_a_flat_line_are_empty():
    b = somna.beats(np.zeros(60000, dtype=np.float32), 100)
    assert b.dtype == np.int64 and b.size == 0


def test_a_python_list_is_taken():
    b = somna.beats([0.0] * 1000, 100)
    assert b.size == 0
