"""Shared fixtures of the Python module's tests (run by CTest: tests/python/, docs/python.md).

The module comes from PYTHONPATH (CTest sets build/python); SOMNA_BINARY is the somna command the
results are compared with. Every test writes only into a temporary folder it removes.
"""

import json
import os
import subprocess
import tempfile

import pytest

import somna

SOURCE_DIR = os.environ.get("SOMNA_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(
                                os.path.abspath(__file__)))))
SAMPLE = "data/samples/sample-night.hea"  # relative, as the CLI is given it (same source_path)


@pytest.fixture(scope="session", autouse=True)
def in_source_dir():
    previous = os.getcwd()
    os.chdir(SOURCE_DIR)
    yield
    os.chdir(previous)


@pytest.fixture(scope="session")
def somna_binary():
    path = os.environ.get("SOMNA_BINARY")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("SOMNA_BINARY is not set to the somna command (CTest sets it)")
    return path


@pytest.fixture
def scratch():
    with tempfile.TemporaryDirectory(prefix="somna-py-") as d:
        yield d


@pytest.fixture(scope="session")
def sample_record():
    return somna.read(SAMPLE)


def run_cli(binary, *args):
    """Runs the somna command; returns its standard output, failing the test on a non-zero exit."""
    p = subprocess.run([binary, *args], capture_output=True, text=True, cwd=SOURCE_DIR)
    assert p.returncode == 0, f"somna {' '.join(args)} failed: {p.stderr}"
    return p.stdout


@pytest.fixture(scope="session")
def cli_report(somna_binary):
    """The CLI's JSON report of the sample night, per detector ("default" or "cvhr")."""
    cache = {}

    def report(detector="default"):
        if detector not in cache:
            with tempfile.TemporaryDirectory(prefix="somna-py-") as d:
                out = os.path.join(d, "r.json")
                args = ["analyze", SAMPLE, "--json", out]
                if detector != "default":
                    args += ["--detector", detector]
                run_cli(somna_binary, *args)
                with open(out, encoding="utf-8") as f:
                    cache[detector] = json.load(f)
        return cache[detector]

    return report
