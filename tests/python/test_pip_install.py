"""`pip install --no-build-isolation .` offline: the package installs, carries the shipped model and
analyses a night from wherever it was installed to.

The extension is the one `make python` built (SOMNA_PYTHON_PREBUILT), so that the test checks the
packaging in seconds; setup.py's CMake build is the same target (docs/python.md).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE, SOURCE_DIR

PACKAGE_FILES = ["setup.py", "pyproject.toml", "CMakeLists.txt", "models/default.safetensors",
                 "models/default.md"]


def copy_package_sources(dest):
    for rel in PACKAGE_FILES:
        os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
        shutil.copyfile(os.path.join(SOURCE_DIR, rel), os.path.join(dest, rel))
    shutil.copytree(os.path.join(SOURCE_DIR, "python"), os.path.join(dest, "python"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))


def test_pip_install_offline(scratch):
    built = os.environ.get("SOMNA_PYTHON_DIR")
    if not built:
        pytest.skip("SOMNA_PYTHON_DIR is not set to build/python (CTest sets it)")
    src, site = os.path.join(scratch, "src"), os.path.join(scratch, "site")
    copy_package_sources(src)
    env = dict(os.environ, SOMNA_PYTHON_PREBUILT=built, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                          "--no-index", "--no-deps", "--no-cache-dir", "--target", site, src],
                         capture_output=True, text=True, env=env, cwd=scratch)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert os.path.isfile(os.path.join(site, "somna", "models", "default.safetensors"))

    probe = ("import json, somna; r = somna.analyze(somna.read(%r));"
             "print(json.dumps({'file': somna.__file__, 'kind': r['detector']['kind'],"
             "'ahi': r['summary']['ahi']}))" % os.path.join(SOURCE_DIR, SAMPLE))
    env = dict(os.environ, PYTHONPATH=site)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         cwd=scratch)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["file"].startswith(site)
    assert got["kind"] == "learned" and got["ahi"] is not None
