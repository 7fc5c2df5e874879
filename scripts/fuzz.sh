#!/usr/bin/env bash
# scripts/fuzz.sh <build dir> <CPU seconds per target> [target...]
#
# For each libFuzzer target (default: every fuzz_* executable in the build
# dir, which must be configured with -DSTRATA_FUZZ=ON; see
# tests/fuzz/fuzz.cmake):
#   1. replays every file of tests/fuzz/corpus/<target>/ once;
#   2. fuzzes for at least <seconds> of CPU time, starting from a scratch
#      copy of that corpus (the repository is never written to), with
#      -malloc_limit_mb=65 so that any single allocation over 64 MiB (the
#      largest block the format allows, kMaxUncompressedBlockSize, which a
#      reader may have to allocate whole; libFuzzer counts an allocation
#      of exactly the limit as over it) is a finding, like a crash, a
#      leak, running out of memory or a timeout;
#   3. prints the CPU seconds and executions it spent.
# Crashing inputs are saved in $FUZZ_FINDINGS (default <build dir>/fuzz-
# findings) as <target>-crash-<sha1> etc. Exits non-zero if any target
# failed.
#
# Environment:
#   FUZZ_KEEP_GOING=1  fuzz in libFuzzer's fork mode, which records a
#                      finding and carries on, so that a long run (make
#                      fuzz) collects every finding instead of the first
#   FUZZ_EXTRA_FLAGS   more libFuzzer flags (e.g. -max_len=65536)
#   FUZZ_JOBS          targets run at a time (default 2: one per core)

set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <build dir> <CPU seconds per target> [target...]" >&2
  exit 2
fi

build=$(cd "$1" && pwd)
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
corpus_root=$root/tests/fuzz/corpus
findings=${FUZZ_FINDINGS:-$build/fuzz-findings}
mkdir -p "$findings"
findings=$(cd "$findings" && pwd)

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for f in "$build"/fuzz_*; do
    [[ -x $f && -f $f ]] && targets+=("$(basename "$f")")
  done
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no fuzz_* executables in $build (configure with -DSTRATA_FUZZ=ON," \
       "build the strata_fuzz target)" >&2
  exit 2
fi

# Sanitizers: stop at the first report, with a stack; leaks are findings.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

common_flags=(-malloc_limit_mb=65 -rss_limit_mb=2048 -timeout=30)
read -r -a extra_flags <<< "${FUZZ_EXTRA_FLAGS:-}"
keep_going=${FUZZ_KEEP_GOING:-0}
mode_flags=()
if [[ $keep_going == 1 ]]; then
  mode_flags=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
fi

scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/strata-fuzz.XXXXXX")
trap 'rm -rf "$scratch_root"' EXIT

summary=()
failed=0

# CPU seconds (user + system) of the command, to file $1; the command's
# output to file $2.
timed() {
  local cpu_file=$1 log=$2
  shift 2
  local TIMEFORMAT='%U %S'
  local rc=0
  { time "$@" > "$log" 2>&1 || rc=$?; } 2> "$cpu_file"
  return $rc
}

# Replays and fuzzes one target; writes its summary line to
# $scratch_root/<target>.summary and returns non-zero if it failed.
run_target() {
  local target=$1 bin corpus
  bin=$build/$target
  corpus=$corpus_root/$target
  if [[ ! -x $bin ]]; then
    echo "== $target: no executable $bin" >&2
    printf '%-18s %s\n' "$target" "MISSING" > "$scratch_root/$target.summary"
    return 1
  fi
  local result=ok replayed=0 replay_failures=() fuzz_result=ok work
  local cpu_total=0 execs_total=0 round=0 remaining log rc cpu execs found
  local files=() file replay_log

  # 1. Replay: every corpus file once (regression inputs included), each in
  # its own run so that one failure does not hide the next.
  if [[ -d $corpus ]]; then
    mapfile -t files < <(find "$corpus" -type f | sort)
    replayed=${#files[@]}
    echo "== $target: replaying $replayed corpus files"
    for file in "${files[@]}"; do
      replay_log=$scratch_root/$target.replay.log
      if ! "$bin" "${common_flags[@]}" -artifact_prefix="$findings/$target-" \
           "$file" > "$replay_log" 2>&1; then
        echo "== $target: REPLAY FAILED: ${file#"$root"/}" >&2
        grep -E 'ERROR|SUMMARY|fuzz check failed|Assertion|runtime error' \
          "$replay_log" | head -n 5 >&2 || true
        replay_failures+=("${file#"$root"/}")
      fi
    done
    if [[ ${#replay_failures[@]} -gt 0 ]]; then
      result="REPLAY-FAILED(${#replay_failures[@]})"
    fi
  fi

  # 2. Fuzz until the target has used `seconds` of CPU time (after a failed
  # replay too: the run may find more).
  work=$scratch_root/$target.corpus
  mkdir -p "$work"
  if [[ -d $corpus ]]; then cp -R "$corpus"/. "$work"/; fi
  while true; do
    remaining=$(awk -v t="$seconds" -v c="$cpu_total" \
                'BEGIN { r = t - c; print (r > 0) ? int(r + 0.999) : 0 }')
    [[ $remaining -le 0 ]] && break
    round=$((round + 1))
    if [[ $round -gt 100 ]]; then
      echo "== $target: 100 rounds and still short of ${seconds}s of CPU" >&2
      fuzz_result=FAILED
      break
    fi
    echo "== $target: fuzzing ${remaining}s (round $round)"
    log=$scratch_root/$target.fuzz.$round.log
    rc=0
    timed "$scratch_root/$target.cpu" "$log" \
      "$bin" "${common_flags[@]}" "${mode_flags[@]}" "${extra_flags[@]}" \
      -max_total_time="$remaining" -print_final_stats=1 \
      -artifact_prefix="$findings/$target-" "$work" || rc=$?
    cpu=$(awk '{ print $1 + $2 }' "$scratch_root/$target.cpu")
    cpu_total=$(awk -v a="$cpu_total" -v b="$cpu" 'BEGIN { print a + b }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [[ -z $execs ]]; then  # fork mode: the last "#N: cov: ..." line
      execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
    fi
    execs_total=$((execs_total + ${execs:-0}))
    if [[ $keep_going == 1 ]]; then
      # Fork mode exits 0 after ignored findings; count them instead.
      found=$(grep -o 'oom/timeout/crash: [0-9]*/[0-9]*/[0-9]*' "$log" |
              tail -n 1 | awk -F'[ /]' '{ print $4 + $5 + $6 }')
      if [[ ${found:-0} -gt 0 && $rc -eq 0 ]]; then rc=1; fi
    fi
    if [[ $rc -ne 0 ]]; then
      echo "== $target: FAILED (exit $rc); artifacts in $findings" >&2
      grep -E 'ERROR|SUMMARY|fuzz check failed|Test unit written' "$log" >&2 \
        || true
      tail -n 40 "$log" >&2
      fuzz_result=FAILED
      # Fork mode carries on after findings, until the CPU time is used.
      [[ $keep_going == 1 ]] || break
    elif [[ $(awk -v c="$cpu" 'BEGIN { print (c < 0.5) }') == 1 ]]; then
      # A run that uses no CPU would loop forever; treat it as a failure.
      echo "== $target: fuzzing used no CPU time" >&2
      tail -n 20 "$log" >&2
      fuzz_result=FAILED
      break
    fi
  done
  if [[ $fuzz_result != ok ]]; then
    if [[ $result == ok ]]; then
      result=$fuzz_result
    else
      result+=",$fuzz_result"
    fi
  fi

  printf '%-18s replayed %4d  cpu %8.1fs  execs %10d  %s\n' \
    "$target" "$replayed" "$cpu_total" "$execs_total" "$result" \
    > "$scratch_root/$target.summary"
  [[ $result == ok ]]
}

# Targets run FUZZ_JOBS at a time; each counts its own CPU time, so running
# two at once on two cores costs each nothing.
jobs_max=${FUZZ_JOBS:-2}
running=0
for target in "${targets[@]}"; do
  if [[ $running -ge $jobs_max ]]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do
  wait -n || failed=1
  running=$((running - 1))
done
for target in "${targets[@]}"; do
  summary+=("$(cat "$scratch_root/$target.summary" 2>/dev/null ||
               printf '%-18s %s' "$target" "NO RESULT")")
done

echo
echo "== fuzz summary ($seconds CPU seconds per target; findings: $findings)"
printf '%s\n' "${summary[@]}"
exit $failed
