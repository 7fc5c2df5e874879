"""Shared fixtures for the strata binding's tests.

The suite runs against the package on PYTHONPATH (ctest points it at
${CMAKE_BINARY_DIR}/python) and keeps every DB under pytest's tmp_path.
"""

import gc

import pytest
from hypothesis import HealthCheck, settings

import strata

settings.register_profile(
    "strata",
    deadline=None,
    database=None,  # nothing written beside the sources
    print_blob=True,  # a failure prints how to reproduce it
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("strata")


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "db")


@pytest.fixture
def db(db_path):
    d = strata.DB(db_path, write_buffer_size=1 << 20)
    yield d
    d.close()
    gc.collect()


@pytest.fixture
def vdb(tmp_path):
    d = strata.DB(str(tmp_path / "vdb"), enable_versioning=True)
    yield d
    d.close()
    gc.collect()
