#!/usr/bin/env bash
# Builds the peers strata_bench compares against in release mode, from
# Debian's own source packages, so that a comparison measures LevelDB and
# RocksDB as their users build them rather than Debian's packages (built
# with assertions on). Each goes to build/peers/<name>/install (static
# library and headers); bench/bench.cmake links them when configured with
# -DSTRATA_BENCH_PEERS_DIR=build/peers (`make bench-peers` does both).
#
# Usage: scripts/build-peers.sh [leveldb|leveldb-shared|rocksdb|all]
#        (default: leveldb)
#   leveldb  LevelDB 1.23 (leveldb_1.23-4), CMake Release: about 10 s on
#            2 cores
#   leveldb-shared
#            the same release build as a shared library with Debian's
#            soname (libleveldb.so.1d, from Debian's patches) in
#            build/peers/leveldb-shared/lib, for Python's plyvel (which
#            links Debian's package) to load in its place:
#            `bindings/python/bench.py --plyvel-libdir=...`
#   rocksdb  RocksDB 7.8.3 (rocksdb_7.8.3-2), CMake Release, PORTABLE, no
#            tools or tests: a far larger build (418 s on 2 cores)
#
# Fetching a source package needs a deb-src entry: the script adds one for
# bookworm for the `apt-get source` call only and removes it afterwards,
# whatever happens. Nothing but Debian's archive is contacted. Re-running
# skips a peer whose install is already there (delete it to rebuild).
set -euo pipefail

what="${1:-leveldb}"
root="$(cd "$(dirname "$0")/.." && pwd)"
peers="$root/build/peers"
jobs="${JOBS:-2}"
mkdir -p "$peers/src"

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

debsrc=/etc/apt/sources.list.d/strata-build-peers.sources
remove_debsrc() {
  if [ -f "$debsrc" ]; then
    $sudo rm -f "$debsrc"
    $sudo apt-get update -qq || true
  fi
}

# Downloads and unpacks (with Debian's patches applied) source package $1.
fetch() {
  local pkg=$1
  if ls -d "$peers/src/$pkg"-*/ > /dev/null 2>&1; then
    return
  fi
  for tool in dpkg-source; do
    command -v "$tool" > /dev/null || $sudo apt-get install -y -qq dpkg-dev
  done
  trap remove_debsrc EXIT
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
    $sudo tee "$debsrc" > /dev/null
  $sudo apt-get update -qq
  (cd "$peers/src" && apt-get source -qq "$pkg")
  remove_debsrc
  trap - EXIT
}

# Configures, builds and installs LevelDB from its source package in
# $peers/$1 (build tree and logs), installing to $2, with the CMake flags
# that follow.
cmake_leveldb() {
  local dir="$peers/$1" install=$2
  shift 2
  local src
  src=$(ls -d "$peers"/src/leveldb-*/ | head -n 1)
  mkdir -p "$dir"
  cmake -G Ninja -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
    -DLEVELDB_BUILD_TESTS=OFF -DLEVELDB_BUILD_BENCHMARKS=OFF \
    -DCMAKE_INSTALL_PREFIX="$install" "$@" > "$dir/configure.log"
  cmake --build "$dir/build" -j"$jobs" > "$dir/build.log"
  cmake --install "$dir/build" > "$dir/install.log"
}

build_leveldb() {
  local install="$peers/leveldb/install"
  if [ -f "$install/lib/libleveldb.a" ]; then
    echo "build-peers: leveldb already built in $install"
    return
  fi
  fetch leveldb
  local start=$SECONDS
  cmake_leveldb leveldb "$install" -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  echo "build-peers: leveldb release built in $((SECONDS - start)) s: $install"
}

build_rocksdb() {
  local install="$peers/rocksdb/install"
  if [ -f "$install/lib/librocksdb.a" ]; then
    echo "build-peers: rocksdb already built in $install"
    return
  fi
  fetch rocksdb
  local src
  src=$(ls -d "$peers"/src/rocksdb-*/ | head -n 1)
  local start=$SECONDS
  mkdir -p "$peers/rocksdb"
  cmake -G Ninja -S "$src" -B "$peers/rocksdb/build" \
    -DCMAKE_BUILD_TYPE=Release -DPORTABLE=ON -DFAIL_ON_WARNINGS=OFF \
    -DWITH_TESTS=OFF -DWITH_TOOLS=OFF -DWITH_BENCHMARK_TOOLS=OFF \
    -DWITH_CORE_TOOLS=OFF -DWITH_GFLAGS=OFF -DROCKSDB_BUILD_SHARED=OFF \
    -DWITH_SNAPPY=ON -DWITH_LZ4=ON -DWITH_ZSTD=ON -DWITH_ZLIB=OFF \
    -DWITH_BZ2=OFF -DWITH_LIBURING=OFF -DUSE_RTTI=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DCMAKE_INSTALL_PREFIX="$install" > "$peers/rocksdb/configure.log"
  cmake --build "$peers/rocksdb/build" -j"$jobs" > "$peers/rocksdb/build.log"
  cmake --install "$peers/rocksdb/build" > "$peers/rocksdb/install.log"
  echo "build-peers: rocksdb release built in $((SECONDS - start)) s: $install"
}

build_leveldb_shared() {
  local lib="$peers/leveldb-shared/lib"
  if [ -f "$lib/libleveldb.so.1d" ]; then
    echo "build-peers: shared leveldb already built in $lib"
    return
  fi
  fetch leveldb
  local start=$SECONDS
  cmake_leveldb leveldb-shared "$peers/leveldb-shared" \
    -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_LIBDIR=lib
  if [ ! -f "$lib/libleveldb.so.1d" ]; then
    echo "build-peers: no libleveldb.so.1d in $lib (Debian's soname patch?)" >&2
    exit 1
  fi
  echo "build-peers: shared leveldb release built in $((SECONDS - start)) s: $lib"
}

case "$what" in
  leveldb) build_leveldb ;;
  leveldb-shared) build_leveldb_shared ;;
  rocksdb) build_rocksdb ;;
  all) build_leveldb; build_rocksdb ;;
  *) echo "usage: $0 [leveldb|leveldb-shared|rocksdb|all]" >&2; exit 2 ;;
esac
