"""Somna: sleep apnea from a single-lead ECG.

    import somna
    rec = somna.read("night.edf")             # WFDB .hea, EDF/EDF+/BDF, CSV
    r = somna.analyze(rec)                    # or somna.analyze(signal, fs)
    print(r["summary"]["ahi"], r["summary"]["severity"])
    r["minutes"]["p"]                         # per-minute apnea probability (NumPy)

The functions run Somna's C++ core (no LibTorch); the GIL is released while they work, so
threads analyse nights in parallel. Errors carry Somna's message: OSError for a file that is
missing or unreadable, ValueError for input Somna rejects. The manual is docs/python.md.
"""

import os as _os

from ._somna import Record, __version__, analyze, beats, read, _set_package_model

# An installed package (pip install .) carries the shipped model beside this file; a build tree
# (PYTHONPATH=build/python) finds it in the source tree, as the somna command does.
_packaged_model = _os.path.join(_os.path.dirname(__file__), "models", "default.safetensors")
if _os.path.isfile(_packaged_model):
    _set_package_model(_packaged_model)

__all__ = ["Record", "read", "beats", "analyze", "__version__"]
