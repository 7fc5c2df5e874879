"""Builds the strata Python package (the _strata extension) with setuptools.

    pip install ./bindings/python

There is deliberately no pyproject.toml: without one, pip (23.x) builds
with the setuptools and pybind11 already installed (Debian's
python3-setuptools and python3-pybind11, seen from a venv made with
--system-site-packages) instead of downloading them into an isolated build
environment, so the plain command works offline. `pip install
--no-build-isolation ./bindings/python` is the same. The package's
metadata is therefore here; MANIFEST.in lists what an sdist carries.

The extension links the static strata library, found in this order:
  1. the strata source tree: $STRATA_SOURCE_DIR, or ../.. when this
     directory sits in one (a checkout) -- CMake builds the library there
     (Release, without tests, tools, examples or this binding) into this
     build's temporary directory;
  2. an installed strata, through pkg-config (`pkg-config strata`; set
     PKG_CONFIG_PATH for a non-standard prefix).
Offline: nothing is downloaded (see README.md).
"""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

from pybind11.setup_helpers import Pybind11Extension, build_ext
from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def source_root():
    root = os.environ.get("STRATA_SOURCE_DIR") or os.path.join(HERE, "..", "..")
    cmakelists = os.path.join(root, "CMakeLists.txt")
    if os.path.exists(cmakelists):
        with open(cmakelists) as f:
            if re.search(r"project\(strata\b", f.read()):
                return os.path.abspath(root)
    return None


def source_version(root):
    with open(os.path.join(root, "CMakeLists.txt")) as f:
        m = re.search(r"project\(strata\s+VERSION\s+([0-9.]+)", f.read())
    return m.group(1) if m else "0"


def pkg_config(*args):
    return subprocess.run(["pkg-config", *args, "strata"], check=True,
                          capture_output=True, text=True).stdout.strip()


ROOT = source_root()
if ROOT is not None:
    VERSION = source_version(ROOT)
else:
    try:
        VERSION = pkg_config("--modversion")
    except (OSError, subprocess.CalledProcessError):
        sys.exit("strata: neither a source tree (STRATA_SOURCE_DIR or ../..) "
                 "nor an installed strata (pkg-config strata) was found")


class BuildExt(build_ext):
    """Builds (or finds) libstrata.a first, then the extension."""

    def build_extensions(self):
        ext = self.extensions[0]
        if ROOT is not None:
            lib_dir = os.path.abspath(os.path.join(self.build_temp, "strata-lib"))
            self._build_library(lib_dir)
            ext.include_dirs.append(os.path.join(ROOT, "include"))
            ext.extra_objects.append(os.path.join(lib_dir, "libstrata.a"))
            ext.libraries += ["snappy", "lz4", "zstd", "xxhash", "pthread"]
        else:
            cflags = shlex.split(pkg_config("--cflags"))
            libs = shlex.split(pkg_config("--libs", "--static"))
            ext.extra_compile_args += cflags
            # The static library, so that the extension needs no
            # LD_LIBRARY_PATH: -l:libstrata.a instead of -lstrata.
            ext.extra_link_args += ["-l:libstrata.a" if a == "-lstrata" else a
                                    for a in libs]
        super().build_extensions()

    def _build_library(self, lib_dir):
        jobs = str(os.cpu_count() or 2)
        configure = ["cmake", "-S", ROOT, "-B", lib_dir,
                     "-DCMAKE_BUILD_TYPE=Release",
                     "-DSTRATA_BUILD_TESTS=OFF", "-DSTRATA_BUILD_EXAMPLES=OFF",
                     "-DSTRATA_BUILD_TOOLS=OFF", "-DSTRATA_BUILD_BENCH=OFF",
                     "-DSTRATA_BUILD_PYTHON=OFF"]
        if shutil.which("ninja") and not os.path.exists(
                os.path.join(lib_dir, "Makefile")):
            configure += ["-G", "Ninja"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", lib_dir, "--target", "strata",
                        "-j", os.environ.get("STRATA_BUILD_JOBS", jobs)],
                       check=True)


with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
    LONG_DESCRIPTION = f.read()

setup(
    name="strata",
    version=VERSION,
    description="Python binding of strata, an embeddable LSM key-value store",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: C++",
        "Topic :: Database :: Database Engines/Servers",
        "Typing :: Typed",
    ],
    packages=["strata"],
    package_data={"strata": ["__init__.pyi", "py.typed"]},
    zip_safe=False,
    ext_modules=[
        Pybind11Extension(
            "strata._strata",
            sorted(glob.glob(os.path.join("src", "*.cc"))),
            cxx_std=20,
            define_macros=[("STRATA_VERSION_STRING", '"%s"' % VERSION)],
        )
    ],
    cmdclass={"build_ext": BuildExt},
)
