# strata — every target sets itself up on a fresh Debian machine.
#
#   make demo    install what is missing, build Release, run the demo
#   make test    install what is missing, build, run every test (ctest)
#   make asan    the test suite under AddressSanitizer + UBSan
#   make tsan    the test suite under ThreadSanitizer
#   make bench   strata beside RocksDB, LevelDB and LMDB (docs/benchmarks.md)
#   make install PREFIX=/usr/local

JOBS    ?= 2
PREFIX  ?= /usr/local
CMAKE   := cmake -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
CTEST   := ctest --output-on-failure -j$(JOBS)

.PHONY: all deps build release demo test asan tsan bench bench-deps install clean format

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
	rm -rf ./demo-db
	./build/release/strata_demo ./demo-db

test: build
	cd build/dev && $(CTEST)

build/asan/build.ninja: | deps
	$(CMAKE) -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=address

asan: deps build/asan/build.ninja
	cmake --build build/asan -j$(JOBS)
	cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(CTEST)

build/tsan/build.ninja: | deps
	$(CMAKE) -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread

tsan: deps build/tsan/build.ninja
	cmake --build build/tsan -j$(JOBS)
	cd build/tsan && TSAN_OPTIONS=halt_on_error=1 $(CTEST)

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

install: release
	cmake --install build/release --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build demo-db
