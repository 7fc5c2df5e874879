#!/usr/bin/env python3
"""The strata binding beside plyvel (LevelDB) and py-lmdb (LMDB), from Python.

Runs the same small workloads against each engine, each engine in its own
process (so that peak RSS is its own), alternating engines between repeats,
and prints the median ops/s of each workload, the strata/plyvel and
strata/lmdb ratios, and each engine's peak RSS. Results are recorded in
docs/benchmarks.md ("Python binding").

    PYTHONPATH=build/bench/python python3 bindings/python/bench.py
    python3 bindings/python/bench.py --num=200000 --repeats=3 \\
        --pythonpath=build/bench/python --dir=/tmp/strata-pybench

Workloads (keys of --key-size bytes, values of --value-size bytes):
  fillseq     put N keys in ascending order into a new DB
  fillrandom  put the same N keys in random order into a new DB
  readrandom  get every key of the fillrandom DB once, in random order
  readseq     iterate over every (key, value) of the fillrandom DB
  fillbatch   put N keys in random order into a new DB, --batch per batch

How each engine is used (as its users would):
  strata  strata.DB(path) with its defaults; put(k, v), get(k), items(),
          write_batch() as a context manager.
  plyvel  plyvel.DB(path, create_if_missing=True, lru_cache_size=32 MiB,
          strata's block cache); put, get, iteration, write_batch().
          Debian's plyvel runs over Debian's LevelDB package, built with
          assertions on; --plyvel-libdir=build/peers/leveldb-shared/lib
          runs it over the release build of the same LevelDB
          (scripts/build-peers.sh leveldb-shared). The table's header
          names the library the plyvel processes loaded.
  lmdb    lmdb.open(path, map_size=4 GiB, writemap=False, sync=False (as
          the others: no fsync per write), metasync=False); one write
          transaction per put, one read transaction for all the gets and
          for the scan, one write transaction per batch.
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

# The source package beside this script has no compiled _strata: import the
# built one (PYTHONPATH, --pythonpath) or the installed one instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

ENGINES = ("strata", "plyvel", "lmdb")
WORKLOADS = ("fillseq", "fillrandom", "readrandom", "readseq", "fillbatch")
CACHE_BYTES = 32 << 20


def make_data(num, key_size, value_size, seed):
    rng = random.Random(seed)
    keys = [b"%0*d" % (key_size, i) for i in range(num)]
    # Values half random, half repeated: about as compressible as
    # db_bench's (compression ratio 0.5).
    pool = rng.randbytes(value_size * 64 + 1024)
    half = value_size // 2
    values = []
    for i in range(num):
        off = rng.randrange(0, len(pool) - value_size)
        values.append(pool[off:off + half] + b"x" * (value_size - half))
    shuffled = list(range(num))
    rng.shuffle(shuffled)
    reads = list(range(num))
    rng.shuffle(reads)
    return keys, values, shuffled, reads


class _LevelStyle:
    """The loops strata and plyvel share: both take put/get/write_batch
    the same way, so both are timed through the very same Python code."""

    def fill(self, pairs):
        put = self.db.put
        for k, v in pairs:
            put(k, v)

    def read(self, keys):
        get = self.db.get
        found = 0
        for k in keys:
            if get(k) is not None:
                found += 1
        return found

    def scan(self):
        n = 0
        for _k, _v in self.items():
            n += 1
        return n

    def fill_batches(self, chunks):
        db = self.db
        for chunk in chunks:
            with db.write_batch() as b:
                put = b.put
                for k, v in chunk:
                    put(k, v)

    def close(self):
        self.db.close()


class Strata(_LevelStyle):
    options = {}

    def __init__(self, path):
        import strata
        self.db = strata.DB(path, **self.options)
        self.items = self.db.items


class Plyvel(_LevelStyle):
    def __init__(self, path):
        import plyvel
        self.db = plyvel.DB(path, create_if_missing=True,
                            lru_cache_size=CACHE_BYTES)
        self.items = self.db.iterator


class Lmdb:
    def __init__(self, path):
        import lmdb
        self.env = lmdb.open(path, map_size=4 << 30, writemap=False,
                             sync=False, metasync=False)

    def fill(self, pairs):
        begin = self.env.begin
        for k, v in pairs:
            with begin(write=True) as txn:
                txn.put(k, v)

    def read(self, keys):
        found = 0
        with self.env.begin() as txn:
            get = txn.get
            for k in keys:
                if get(k) is not None:
                    found += 1
        return found

    def scan(self):
        n = 0
        with self.env.begin() as txn:
            for _k, _v in txn.cursor():
                n += 1
        return n

    def fill_batches(self, chunks):
        begin = self.env.begin
        for chunk in chunks:
            with begin(write=True) as txn:
                put = txn.put
                for k, v in chunk:
                    put(k, v)

    def close(self):
        self.env.close()


def loaded_library(name):
    """The path of the mapped shared library whose file name starts with
    `name`, or "?"."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith(name):
                return path
    return "?"


def run_child(args):
    """Runs every workload on one engine; prints a JSON line of ops/s."""
    engine = {"strata": Strata, "plyvel": Plyvel, "lmdb": Lmdb}[args.child]
    for opt in args.strata_option:
        name, _, value = opt.partition("=")
        Strata.options[name] = json.loads(value)
    keys, values, shuffled, reads = make_data(args.num, args.key_size,
                                              args.value_size, args.seed)
    root = os.path.join(args.dir, "%s-%d" % (args.child, os.getpid()))
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    result = {}

    def timed(name, fn, n):
        start = time.perf_counter()
        got = fn()
        elapsed = time.perf_counter() - start
        result[name] = n / elapsed
        return got

    try:
        wanted = set(args.workloads)
        if "fillseq" in wanted:
            db = engine(os.path.join(root, "seq"))
            pairs = list(zip(keys, values))
            timed("fillseq", lambda: db.fill(pairs), args.num)
            db.close()
        db = engine(os.path.join(root, "random"))
        pairs = [(keys[i], values[i]) for i in shuffled]
        if wanted & {"fillrandom", "readrandom", "readseq"}:
            timed("fillrandom", lambda: db.fill(pairs), args.num)
        if "readrandom" in wanted:
            rkeys = [keys[i] for i in reads]
            found = timed("readrandom", lambda: db.read(rkeys), args.num)
            assert found == args.num, (args.child, found)
        if "readseq" in wanted:
            n = timed("readseq", db.scan, args.num)
            assert n == args.num, (args.child, n)
        db.close()
        if "fillbatch" in wanted:
            db = engine(os.path.join(root, "batch"))
            chunks = [pairs[i:i + args.batch]
                      for i in range(0, len(pairs), args.batch)]
            timed("fillbatch", lambda: db.fill_batches(chunks), args.num)
            db.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result = {k: v for k, v in result.items() if k in wanted}
    result["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.child == "plyvel":
        result["library"] = loaded_library("libleveldb")
    print(json.dumps(result))


def fmt_ops(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    return "%.1fK" % (x / 1e3)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--num", type=int, default=200_000)
    p.add_argument("--key-size", type=int, default=16)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--batch", type=int, default=1000,
                   help="puts per batch in fillbatch")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--dir", default="/tmp/strata-pybench")
    p.add_argument("--seed", type=int, default=301)
    p.add_argument("--pythonpath", default=None,
                   help="prepended to PYTHONPATH in the engines' processes "
                        "(e.g. build/bench/python for a Release strata)")
    p.add_argument("--strata-option", action="append", default=[],
                   metavar="NAME=JSON",
                   help="an option for strata.DB, e.g. write_buffer_size=4194304 "
                        "(repeatable; default: strata's defaults)")
    p.add_argument("--plyvel-libdir", default=None,
                   help="a directory holding libleveldb.so.1d for plyvel to "
                        "load instead of Debian's (LD_LIBRARY_PATH of the "
                        "plyvel processes only), e.g. "
                        "build/peers/leveldb-shared/lib")
    p.add_argument("--json", default=None, help="also write results here")
    p.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = p.parse_args()
    args.workloads = args.workloads.split(",")
    if args.child:
        run_child(args)
        return

    engines = args.engines.split(",")
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [os.path.abspath(args.pythonpath),
                          env.get("PYTHONPATH")]))
    probe = subprocess.run(
        [sys.executable, "-c", "import strata; print(strata.__file__)"],
        env=env, capture_output=True, text=True)
    print("strata module: %s" % (probe.stdout.strip() or probe.stderr.strip()))
    print("num=%d key=%dB value=%dB batch=%d repeats=%d" % (
        args.num, args.key_size, args.value_size, args.batch, args.repeats))
    runs = {e: [] for e in engines}
    for r in range(args.repeats):
        order = engines[r % len(engines):] + engines[:r % len(engines)]
        for e in order:
            cmd = [sys.executable, os.path.abspath(__file__), "--child", e,
                   "--num", str(args.num), "--key-size", str(args.key_size),
                   "--value-size", str(args.value_size),
                   "--batch", str(args.batch), "--dir", args.dir,
                   "--seed", str(args.seed),
                   "--workloads", ",".join(args.workloads)]
            cmd += ["--strata-option=" + o for o in args.strata_option]
            child_env = env
            if e == "plyvel" and args.plyvel_libdir:
                child_env = dict(env)
                child_env["LD_LIBRARY_PATH"] = os.pathsep.join(
                    filter(None, [os.path.abspath(args.plyvel_libdir),
                                  env.get("LD_LIBRARY_PATH")]))
            out = subprocess.run(cmd, env=child_env, check=True,
                                 capture_output=True, text=True).stdout
            runs[e].append(json.loads(out.strip().splitlines()[-1]))
            if e == "plyvel" and len(runs[e]) == 1:
                print("plyvel's LevelDB: %s" % runs[e][0]["library"])
            print("  run %d %-7s %s" % (r + 1, e, " ".join(
                "%s=%s" % (w, fmt_ops(runs[e][-1][w]))
                for w in args.workloads)), flush=True)

    med = {e: {w: statistics.median(x[w] for x in runs[e])
               for w in args.workloads} for e in engines}
    rss = {e: max(x["maxrss_kib"] for x in runs[e]) for e in engines}
    others = [e for e in engines if e != "strata"]
    header = ["workload"] + engines + ["strata/%s" % o for o in others
                                       if "strata" in engines]
    print()
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 1) + "|")
    for w in args.workloads:
        row = [w] + [fmt_ops(med[e][w]) for e in engines]
        if "strata" in engines:
            row += ["%.2f" % (med["strata"][w] / med[o][w]) for o in others]
        print("| " + " | ".join(row) + " |")
    print("| peak RSS | " + " | ".join(
        "%.0f MiB" % (rss[e] / 1024) for e in engines) +
        " |" + " |" * (len(header) - 1 - len(engines)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"median_ops": med, "peak_rss_kib": rss, "runs": runs,
                       "args": vars(args)}, f, indent=1)


if __name__ == "__main__":
    main()
