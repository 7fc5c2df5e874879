#!/bin/bash
# Instructions per operation of strata and LevelDB, counted by callgrind
# inside strata_bench: only the calls into each engine's adapter are
# collected (Put for fillrandom; Get for readrandom and readmissing;
# NewCursor, Seek, the Nexts and the cursor's destruction for seekrandom;
# the cursor's calls for readseq, a scan of NUM entries), so the load, the
# settle and the background threads are left out. Counts do not depend on
# the machine's load, unlike times.
#
# usage: scripts/callgrind-ops.sh [STRATA_BENCH] [OUTDIR] [NUM] [ENGINES] [WORKLOADS]
#   STRATA_BENCH  default build/bench-peers/strata_bench (make bench-peers)
#   OUTDIR        default build/callgrind (callgrind.out files and logs)
#   NUM           keys, and operations of each workload (default 200000)
#   ENGINES       default "strata leveldb"
#   WORKLOADS     default "fillrandom readrandom seekrandom readseq"
#                 (readmissing may be added)
set -euo pipefail
B=${1:-build/bench-peers/strata_bench}
OUT=${2:-build/callgrind}
NUM=${3:-200000}
ENGINES=${4:-strata leveldb}
WORKLOADS=${5:-fillrandom readrandom seekrandom readseq}
command -v valgrind > /dev/null || bash "$(dirname "$0")/install-deps.sh" bench
mkdir -p "$OUT"
DB=$(mktemp -d)
trap 'rm -rf "$DB"' EXIT
printf '%-8s %-11s %14s %10s\n' engine workload instructions per_op
for e in $ENGINES; do
  case $e in
    strata) S=StrataSession; C=StrataCursor ;;
    leveldb) S=LevelSession; C=LevelCursor ;;
    rocksdb) S=RocksSession; C=RocksCursor ;;
    lmdb) S=LmdbSession; C=LmdbCursor ;;
    *) echo "unknown engine $e" >&2; exit 1 ;;
  esac
  for w in $WORKLOADS; do
    case $w in
      fillrandom) T=("--toggle-collect=*${S}::Put*") ;;
      readrandom|readmissing) T=("--toggle-collect=*${S}::Get*") ;;
      seekrandom) T=("--toggle-collect=*${S}::NewCursor*" "--toggle-collect=*${C}::Seek*"
                     "--toggle-collect=*${C}::Next*" "--toggle-collect=*${C}::~*") ;;
      readseq) T=("--toggle-collect=*${S}::NewCursor*" "--toggle-collect=*${C}::*") ;;
    esac
    rm -rf "${DB:?}"/*
    valgrind --tool=callgrind --collect-atstart=no "${T[@]}" \
      --callgrind-out-file="$OUT/$e.$w.out" \
      "$B" --engine="$e" --benchmarks="$w" --num="$NUM" --db="$DB" \
      > "$OUT/$e.$w.log" 2>&1
    ir=$(callgrind_annotate "$OUT/$e.$w.out" 2> /dev/null |
         awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
    printf '%-8s %-11s %14s %10s\n' "$e" "$w" "$ir" $((ir / NUM))
  done
done
