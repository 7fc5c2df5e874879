"""The setuptools packaging: an sdist carries everything the build needs,
and there is no pyproject.toml to send pip into (online) build isolation."""

import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest

HERE = pathlib.Path(__file__).resolve().parent.parent  # bindings/python
ROOT = HERE.parent.parent


def test_no_pyproject_toml():
    # With one, a plain `pip install ./bindings/python` (pip 23) builds in
    # an isolated environment and downloads setuptools and pybind11, which
    # fails offline; without one it uses the installed ones (setup.py).
    assert not (HERE / "pyproject.toml").exists()


def test_sdist_is_complete(tmp_path):
    pytest.importorskip("setuptools")
    pytest.importorskip("pybind11")
    # A copy, so that the sdist's egg-info is not written into the tree.
    src = tmp_path / "python"
    shutil.copytree(HERE, src, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", "__pycache__"))
    env = dict(os.environ, STRATA_SOURCE_DIR=str(ROOT))
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--formats=gztar",
                    "-d", str(tmp_path / "dist")],
                   cwd=src, env=env, check=True, capture_output=True)
    (tarball,) = (tmp_path / "dist").glob("strata-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    want = {"setup.py", "README.md", "MANIFEST.in", "strata/__init__.py",
            "strata/__init__.pyi", "strata/py.typed"}
    want |= {str(p.relative_to(HERE)) for p in HERE.glob("src/*.h")}
    want |= {str(p.relative_to(HERE)) for p in HERE.glob("src/*.cc")}
    want |= {str(p.relative_to(HERE)) for p in HERE.glob("tests/*.py")}
    assert "src/db.h" in want
    missing = want - names
    assert not missing, sorted(missing)
