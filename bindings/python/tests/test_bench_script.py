"""bindings/python/bench.py, the comparison with plyvel and py-lmdb, still
runs: a tiny run on strata alone (the peers are benchmark dependencies,
not test ones) that must time every workload and name no library."""

import json
import os
import pathlib
import subprocess
import sys

import strata

BENCH = pathlib.Path(__file__).resolve().parent.parent / "bench.py"


def test_bench_runs_every_workload(tmp_path):
    out = tmp_path / "results.json"
    env = dict(os.environ)
    # The child processes import the strata this test imported.
    module_dir = str(pathlib.Path(strata.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [module_dir, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--num=300", "--repeats=1",
         "--engines=strata", "--batch=50", "--dir=%s" % (tmp_path / "db"),
         "--json=%s" % out],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    workloads = ("fillseq", "fillrandom", "readrandom", "readseq",
                 "fillbatch")
    for w in workloads:
        assert results["median_ops"]["strata"][w] > 0, w
    assert results["peak_rss_kib"]["strata"] > 0
    assert "| fillbatch |" in proc.stdout
    # Only plyvel's processes report the LevelDB library they loaded.
    assert "library" not in results["runs"]["strata"][0]
