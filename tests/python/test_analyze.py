"""somna.analyze: the CLI's JSON report of the sample night, as Python objects and NumPy columns."""

import math
import threading
import time

import numpy as np

import somna
from conftest import SAMPLE

# Fields that differ between two runs of the same analysis.
RUN_DEPENDENT = {("summary", "analysis_ms")}


def assert_same_report(py, cli):
    assert set(py) == set(cli)
    for section in cli:
        if section == "minutes":
            continue
        if isinstance(cli[section], dict):
            for key in cli[section]:
                if (section, key) in RUN_DEPENDENT:
                    continue
                assert py[section][key] == cli[section][key], f"{section}.{key}"
        else:
            assert py[section] == cli[section], section
    assert_same_minutes(py["minutes"], cli["minutes"])


def assert_same_minutes(cols, rows):
    n = len(rows)
    assert all(len(cols[k]) == n for k in cols)
    np.testing.assert_array_equal(cols["t"], [m["t"] for m in rows])
    # The JSON file rounds p to 1e-4 and quality to 1e-3; the module hands out the full values.
    np.testing.assert_allclose(cols["p"], [m["p"] for m in rows], atol=5.01e-5, rtol=0)
    np.testing.assert_allclose(cols["quality"], [m["quality"] for m in rows], atol=5.01e-4, rtol=0)
    assert cols["label"] == [m["label"] for m in rows]
    assert cols["reason"] == [m["reason"] for m in rows]
    np.testing.assert_array_equal(cols["excluded"], [m["excluded"] for m in rows])
    hr = [math.nan if m["hr"] is None else m["hr"] for m in rows]
    np.testing.assert_allclose(cols["hr"], hr, atol=0.0501, rtol=0)


def test_report_equals_the_cli_with_the_default_model(sample_record, cli_report):
    py = somna.analyze(sample_record)
    assert py["detector"]["kind"] == "learned"
    assert_same_report(py, cli_report("default"))


def test_report_equals_the_cli_with_cvhr(sample_record, cli_report):
    assert_same_report(somna.analyze(sample_record, detector="cvhr"), cli_report("cvhr"))


def test_model_file_by_path(sample_record, cli_report):
    py = somna.analyze(sample_record, detector="models/default.safetensors")
    assert py["summary"]["ahi"] == cli_report("default")["summary"]["ahi"]


def test_minute_columns_are_numpy(sample_record):
    m = somna.analyze(sample_record)["minutes"]
    assert m["p"].dtype == np.float32 and m["t"].dtype == np.float64
    assert m["excluded"].dtype == np.bool_
    assert len(m["p"]) == 180  # three hours
    assert ((m["p"] >= 0) & (m["p"] <= 1)).all()


def test_an_array_gives_the_records_answer(sample_record):
    from_record = somna.analyze(sample_record)
    from_array = somna.analyze(sample_record.signal, 100.0, name="night-7")
    assert from_array["record"]["name"] == "night-7"
    assert from_array["summary"]["ahi"] == from_record["summary"]["ahi"]
    np.testing.assert_array_equal(from_array["minutes"]["p"], from_record["minutes"]["p"])


def test_given_beats_are_used(sample_record):
    b = somna.beats(sample_record)
    r = somna.analyze(sample_record, beats=b)
    assert r["record"]["beat_source"] == "external:python"
    assert r["record"]["n_beats"] == len(b)
    assert r["summary"]["ahi"] is not None


def test_the_gil_is_released_while_analysing(sample_record):
    # While one thread analyses, the main thread keeps running Python code.
    done = threading.Event()
    result = {}

    def work():
        result["r"] = somna.analyze(sample_record)
        done.set()

    t = threading.Thread(target=work)
    ticks = 0
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.0005)
    t.join()
    assert result["r"]["summary"]["ahi"] is not None
    assert ticks >= 3, f"the main thread ran only {ticks} times during the analysis"


def test_threads_analyse_at_once(sample_record):
    out = [None] * 3

    def work(i):
        out[i] = somna.analyze(sample_record, detector="cvhr")["summary"]["ahi"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out[0] is not None and out.count(out[0]) == 3
