#!/usr/bin/env bash
# Installs the Debian packages strata's build and tests need, only those that
# are missing. Works as root; uses sudo otherwise.
#
# Usage: scripts/install-deps.sh [build|sanitize|bench|all]
#   build (default)  compiler toolchain, GoogleTest, compression libraries,
#                    CLI11, libedit and nlohmann-json (the strata tool),
#                    Python 3, pybind11, pytest and Hypothesis (the binding)
#   sanitize         adds clang with its sanitizer and libFuzzer runtimes
#                    and clang-format (make asan, make fuzz, make format)
#   bench            adds RocksDB, LevelDB and LMDB for strata_bench,
#                    plyvel and py-lmdb for bindings/python/bench.py, and
#                    valgrind (scripts/callgrind-ops.sh)
set -euo pipefail

profile="${1:-build}"

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libzstd-dev liblz4-dev libsnappy-dev libxxhash-dev
  libcli11-dev libedit-dev nlohmann-json3-dev
  python3-dev python3-pybind11 pybind11-dev python3-pytest python3-hypothesis
)
sanitize_pkgs=(clang-14 libclang-rt-14-dev llvm-14 clang-format-14)
bench_pkgs=(librocksdb-dev libleveldb-dev liblmdb-dev python3-plyvel python3-lmdb valgrind)

case "$profile" in
  build) want=("${build_pkgs[@]}") ;;
  sanitize) want=("${build_pkgs[@]}" "${sanitize_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) want=("${build_pkgs[@]}" "${sanitize_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "unknown profile: $profile (build|sanitize|bench|all)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
