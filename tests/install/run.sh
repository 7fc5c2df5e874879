#!/usr/bin/env bash
# Installs strata from a build tree into a scratch prefix, then builds and
# runs an outside program against it twice: with find_package(strata) and
# with pkg-config. Usage: run.sh <build-dir> <source-dir> <scratch-dir>
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

# 2. pkg-config, against the shared library.
libdir=$(dirname "$(find "$prefix" -name strata.pc | head -n 1)")
export PKG_CONFIG_PATH="$libdir"
c++ -std=c++20 "$source_dir/tests/install/consumer/main.cc" -o "$scratch/consumer-pc" \
  $(pkg-config --cflags --libs strata)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$scratch/consumer-pc"
echo "install test passed"
