#!/usr/bin/env bash
# Installs strata from a build tree into a scratch prefix, then builds and
# runs outside programs against it — C++, C, and a LevelDB C API program
# unchanged — with find_package(strata) and with pkg-config. Usage: run.sh <build-dir> <source-dir> <scratch-dir>
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
prefix="$scratch/prefix"

cmake --install "$build_dir" --prefix "$prefix" > "$scratch/install.log"

# 1. CMake package: find_package(strata) gives strata::strata.
cmake -G Ninja -S "$source_dir/tests/install/consumer" -B "$scratch/cmake-build" \
  -DCMAKE_PREFIX_PATH="$prefix" > "$scratch/configure.log"
cmake --build "$scratch/cmake-build" > "$scratch/build.log"
"$scratch/cmake-build/consumer"
"$scratch/cmake-build/c_consumer" "$scratch/c-db"
mkdir -p "$scratch/leveldb-cmake"
"$scratch/cmake-build/leveldb_consumer" "$scratch/leveldb-cmake" > "$scratch/leveldb-cmake.log" 2>&1 ||
  { cat "$scratch/leveldb-cmake.log"; exit 1; }

# 2. pkg-config, against the shared library.
libdir=$(dirname "$(find "$prefix" -name strata.pc | head -n 1)")
export PKG_CONFIG_PATH="$libdir"
c++ -std=c++20 "$source_dir/tests/install/consumer/main.cc" -o "$scratch/consumer-pc" \
  $(pkg-config --cflags --libs strata)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$scratch/consumer-pc"
# C, against the shared library with the C compiler alone.
cc -std=c11 "$source_dir/tests/install/consumer/main.c" -o "$scratch/c-consumer-pc" \
  $(pkg-config --cflags --libs strata)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$scratch/c-consumer-pc" "$scratch/c-db-pc"
# A LevelDB C API program, unchanged: strata-leveldb's include directory
# makes "leveldb/c.h" strata's.
cc -std=c11 -D_POSIX_C_SOURCE=200809L "$source_dir/tests/leveldb_c_test.c" \
  -o "$scratch/leveldb-pc" $(pkg-config --cflags --libs strata-leveldb)
mkdir -p "$scratch/leveldb-pc-db"
LD_LIBRARY_PATH="$(dirname "$libdir")" "$scratch/leveldb-pc" "$scratch/leveldb-pc-db" \
  > "$scratch/leveldb-pc.log" 2>&1 || { cat "$scratch/leveldb-pc.log"; exit 1; }
echo "install test passed"
