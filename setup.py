"""Builds and packages the Python module somna (docs/python.md).

    pip install --no-build-isolation .        # offline, with Debian's setuptools and wheel

The extension somna._somna is built by CMake (target somna_python) in build-python/ without the
LibTorch trainer, tests or benchmarks; SOMNA_PYTHON_BUILD_DIR names another build folder, and
SOMNA_PYTHON_PREBUILT=build/python packages a module `make python` has built already. The shipped
model (models/default.safetensors and its card) goes inside the package.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def project_version():
    with open(os.path.join(HERE, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(somna VERSION ([0-9.]+)", f.read())
    if not m:
        sys.exit("setup.py: no 'project(somna VERSION ...)' in CMakeLists.txt")
    return m.group(1)


def built_module(folder):
    found = glob.glob(os.path.join(folder, "somna", "_somna*.so"))
    if not found:
        sys.exit(f"setup.py: no somna/_somna*.so in {folder} (build it with `make python`)")
    return found[0]


def cmake_build():
    build_dir = os.environ.get("SOMNA_PYTHON_BUILD_DIR", os.path.join(HERE, "build-python"))
    configure = ["cmake", "-S", HERE, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                 "-DSOMNA_TRAINING=OFF", "-DSOMNA_BUILD_TESTS=OFF", "-DSOMNA_BUILD_BENCH=OFF",
                 f"-DPython_EXECUTABLE={sys.executable}"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    subprocess.check_call(configure)
    subprocess.check_call(["cmake", "--build", build_dir, "--target", "somna_python", "-j",
                           str(os.cpu_count() or 1)])
    return built_module(os.path.join(build_dir, "python"))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class BuildWithCMake(build_ext):
    def build_extension(self, ext):
        prebuilt = os.environ.get("SOMNA_PYTHON_PREBUILT")
        source = built_module(prebuilt) if prebuilt else cmake_build()
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)


class BuildWithModel(build_py):
    def run(self):
        super().run()
        models = os.path.join(self.build_lib, "somna", "models")
        os.makedirs(models, exist_ok=True)
        for name in ("default.safetensors", "default.md"):
            shutil.copyfile(os.path.join(HERE, "models", name), os.path.join(models, name))


setup(
    name="somna",
    version=project_version(),
    description="Sleep apnea from a single-lead ECG",
    license="see the repository",
    python_requires=">=3.7",
    install_requires=["numpy"],
    packages=["somna"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("somna._somna")],
    cmdclass={"build_ext": BuildWithCMake, "build_py": BuildWithModel},
    zip_safe=False,
)
