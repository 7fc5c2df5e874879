# strata — every target sets itself up on a fresh Debian machine.
#
#   make demo    install what is missing, build Release, run the guided tour
#                of the strata tool (scripts/demo.sh)
#   make test    install what is missing, build, run every test (ctest)
#   make asan    the test suite under AddressSanitizer + UBSan (clang),
#                then every fuzz target: corpus replay + FUZZ_SECONDS each
#   make tsan    the concurrency tests under ThreadSanitizer
#   make crash   the kill -9 crash test, CYCLES cycles (default 1000)
#   make fuzz    every fuzz target for FUZZ_SECONDS (default 600) each
#   make bench   strata beside RocksDB, LevelDB and LMDB (docs/benchmarks.md)
#   make bench-peers  the same against release builds of the peers
#   make python  the Python binding into build/dev/python (PYTHONPATH=build/dev/python)
#   make install PREFIX=/usr/local
#   make format  clang-format every source file; make format-check: CI's check

JOBS    ?= 2
PREFIX  ?= /usr/local
CMAKE   := cmake -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
CTEST   := ctest --output-on-failure -j$(JOBS)

.PHONY: all deps sanitize-deps build release demo test asan tsan crash fuzz bench bench-deps bench-peers python install clean format format-check

all: build

deps:
	@bash scripts/install-deps.sh build

build/dev/build.ninja: | deps
	$(CMAKE) -S . -B build/dev -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps build/dev/build.ninja
	cmake --build build/dev -j$(JOBS)

build/release/build.ninja: | deps
	$(CMAKE) -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF

release: deps build/release/build.ninja
	cmake --build build/release -j$(JOBS)

demo: release
	bash scripts/demo.sh ./build/release/strata ./demo-db

test: build
	cd build/dev && $(CTEST)

sanitize-deps:
	@bash scripts/install-deps.sh sanitize

# One clang build serves the ASan+UBSan suite and the fuzz targets.
build/asan/build.ninja: | sanitize-deps
	$(CMAKE) -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DSTRATA_SANITIZE=address -DSTRATA_FUZZ=ON -DSTRATA_BUILD_EXAMPLES=OFF

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_SECONDS ?= 60

asan: sanitize-deps build/asan/build.ninja
	cmake --build build/asan -j$(JOBS)
	cd build/asan && $(ASAN_ENV) $(CTEST)
	bash scripts/fuzz.sh build/asan $(FUZZ_SECONDS)

fuzz: sanitize-deps build/asan/build.ninja
	cmake --build build/asan -j$(JOBS) --target strata_fuzz
	FUZZ_KEEP_GOING=1 bash scripts/fuzz.sh build/asan \
	  $(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),600)

# The tests where threads meet: group commit and its pause and validation
# seams, skiplist readers racing a
# writer, the block cache, the envs, flushes and compactions racing reads
# and writes, transactions committing against each other and readers,
# value-log GC beside readers, restores of an open DB racing readers and
# writers, and the crash child's writer/reader threads.
TSAN_TESTS := group_commit_test commit_pipeline_test db_seams_test skiplist_test block_cache_test block_buffer_test env_test posix_env_test \
	fault_env_test db_flush_test db_flush_concurrency_test compaction_test range_delete_test \
	versioned_concurrency_test transaction_concurrency_test value_log_gc_test online_restore_test
build/tsan/build.ninja: | deps
	$(CMAKE) -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSTRATA_SANITIZE=thread -DSTRATA_BUILD_EXAMPLES=OFF

tsan: deps build/tsan/build.ninja
	cmake --build build/tsan -j$(JOBS) --target $(TSAN_TESTS) crash_driver
	cd build/tsan && printf '%s\n' $(TSAN_TESTS) | TSAN_OPTIONS=halt_on_error=1 \
	  STRATA_TEST_TMPDIR=$(CURDIR)/build/tsan/test-tmp \
	  xargs -P$(JOBS) -I{} sh -c './{} > {}.log 2>&1 || { cat {}.log; exit 255; }'
	cd build/tsan && TSAN_OPTIONS=halt_on_error=1 \
	  STRATA_TEST_TMPDIR=$(CURDIR)/build/tsan/test-tmp ./crash_driver \
	  --cycles=40 --range_deletes=1 --child=$(CURDIR)/build/tsan/crash_child

CYCLES ?= 1000
crash: deps build/dev/build.ninja
	cmake --build build/dev --target crash_driver crash_child -j$(JOBS)
	STRATA_TEST_TMPDIR=$(CURDIR)/build/dev/test-tmp ./build/dev/crash_driver \
	  --cycles=$(CYCLES) --range_deletes=1 \
	  --child=$(CURDIR)/build/dev/crash_child $(if $(SEED),--seed=$(SEED))

# make bench: strata beside RocksDB, LevelDB and LMDB (docs/benchmarks.md).
BENCH_FLAGS ?= --num=200000 --duration=3 --repeats=3

bench-deps:
	@bash scripts/install-deps.sh bench

build/bench/build.ninja: | bench-deps
	$(CMAKE) -S . -B build/bench -DCMAKE_BUILD_TYPE=Release \
	  -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_BENCH=ON

bench: bench-deps build/bench/build.ninja
	cmake --build build/bench --target strata_bench -j$(JOBS)
	./build/bench/strata_bench --compare $(BENCH_FLAGS) --db=build/bench/db \
	  --csv=build/bench/results.csv --svg=build/bench/results.svg

# make bench-peers: the same against release builds of the peers, built
# from Debian's source packages (scripts/build-peers.sh; PEERS=all adds
# RocksDB, a far larger build). Columns say which build they ran.
PEERS ?= leveldb
build/bench-peers/build.ninja: | bench-deps
	bash scripts/build-peers.sh $(PEERS)
	$(CMAKE) -S . -B build/bench-peers -DCMAKE_BUILD_TYPE=Release \
	  -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_BUILD_BENCH=ON \
	  -DSTRATA_BENCH_PEERS_DIR=$(CURDIR)/build/peers

bench-peers: bench-deps build/bench-peers/build.ninja
	bash scripts/build-peers.sh $(PEERS)
	cmake --build build/bench-peers --target strata_bench -j$(JOBS)
	./build/bench-peers/strata_bench --compare $(BENCH_FLAGS) --db=build/bench-peers/db \
	  --csv=build/bench-peers/results.csv --svg=build/bench-peers/results.svg

# The Python binding (bindings/python/README.md), importable from the build
# tree: PYTHONPATH=build/dev/python python3 -c 'import strata'.
python: deps build/dev/build.ninja
	cmake --build build/dev -j$(JOBS) --target strata_python

install: release
	cmake --install build/release --prefix $(PREFIX)

FORMAT_FILES = $$(git ls-files '*.h' '*.cc' '*.c')

format: sanitize-deps
	clang-format-14 -i $(FORMAT_FILES)

# Fails (listing each place) where a file differs from `make format`.
format-check: sanitize-deps
	clang-format-14 --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build demo-db
