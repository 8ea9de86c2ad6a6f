"""The example of docs/python.md runs as written (from the repository root)."""

import os
import re
import subprocess
import sys

from conftest import SOURCE_DIR


def test_the_manuals_example_runs():
    with open(os.path.join(SOURCE_DIR, "docs", "python.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert blocks, "docs/python.md has no ```python example"
    run = subprocess.run([sys.executable, "-c", blocks[0]], capture_output=True, text=True,
                         cwd=SOURCE_DIR, env=dict(os.environ), timeout=120)
    assert run.returncode == 0, run.stderr
    assert "AHI" in run.stdout and "beats" in run.stdout
