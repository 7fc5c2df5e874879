#!/usr/bin/env bash
# make demo: a guided tour of strata through its command-line tool, on a
# data set every Debian machine has: the package index (`apt-cache
# dumpavail`, or the installed packages' /var/lib/dpkg/status when the
# index is empty), one record per package.
#
# Usage: scripts/demo.sh path/to/strata [workdir]
set -euo pipefail

strata="$(realpath "$1")"
work="${2:-./demo-db}"
rm -rf "$work"
mkdir -p "$work"
db="$work/packages"
start=$(date +%s%N)

bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
if [ ! -t 1 ]; then bold=""; dim=""; off=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
say() { printf '%s$ strata %s%s\n' "$dim" "$*" "$off"; }
run() {
  say "$@"
  "$strata" "$@"
}

step "The data: every package the apt index knows, as 'pkg/<name>' -> its record"
records="$work/packages.tsv"
source_cmd="apt-cache dumpavail"
if [ "$( (apt-cache dumpavail 2>/dev/null || true) | grep -c '^Package:' || true)" -eq 0 ]; then
  source_cmd="cat /var/lib/dpkg/status"
fi
# deb822 paragraphs become TSV lines: key, then the record with its line
# breaks written as \n (the escapes `strata load` reads).
$source_cmd | awk '
  /^$/ { if (key != "") print key "\t" val; key = ""; val = ""; next }
  { line = $0; gsub(/\\/, "\\\\", line); gsub(/\t/, "\\t", line)
    val = (val == "") ? line : val "\\n" line
    if ($0 ~ /^Package: /) key = "pkg/" substr($0, 10) }
  END { if (key != "") print key "\t" val }' > "$records"
printf '%s | awk ... > %s: %s records, %s MB\n' "$source_cmd" "$records" \
  "$(wc -l < "$records")" "$(( $(stat -c %s "$records") / 1048576 ))"

step "Load them into a new versioned DB (history kept), in batches of 1000"
run --db "$db" --versioned load "$records"

step "How the DB looks now: tables per level, write amplification, latencies"
say --db "$db" stats
"$strata" --db "$db" stats | head -10

step "Scan a key range: the first five packages whose names start with 'lib'"
run --db "$db" scan --prefix pkg/lib --keys-only --limit 5
run --db "$db" count --prefix pkg/lib

step "Read one record"
say --db "$db" get pkg/bash
"$strata" --db "$db" get pkg/bash | sed 's/\\n/\n/g' | head -5

step "A transaction in the shell: two writes that land together, or not at all"
before=$(date +%s%N)
typed=(
  "begin"
  "put pkg/bash 'Package: bash\\nVersion: 99.0-demo\\nDescription: a newer bash'"
  "put note/bash 'upgraded in the demo'"
  "get note/bash"
  "commit"
  "begin"
  "put pkg/bash 'never seen'"
  "rollback"
)
printf '%s$ strata --db %s shell%s   (typed:)\n' "$dim" "$db" "$off"
printf '  strata> %s\n' "${typed[@]}"
printf '%s\n' "${typed[@]}" | "$strata" --db "$db" shell

step "Time travel: every version of pkg/bash, then the DB as it was before the update"
say --db "$db" history pkg/bash
"$strata" --db "$db" history pkg/bash | cut -c1-100
say --db "$db" get pkg/bash --as-of "$before"
"$strata" --db "$db" get pkg/bash --as-of "$before" | sed 's/\\n/\n/g' | grep '^Version'

step "A checkpoint (hard links, taken while the DB stays open), then a mistake"
run --db "$db" checkpoint "$work/checkpoint"
run --db "$db" delete-range pkg/a pkg/m
run --db "$db" count --prefix pkg/

step "Restore the checkpoint: every file verified first, then swapped in atomically"
run --db "$db" restore "$work/checkpoint"
run --db "$db" count --prefix pkg/

step "Verify every checksum of every file"
run --db "$db" verify

end=$(date +%s%N)
step "Done in $(( (end - start) / 1000000 )) ms. Try it yourself:"
echo "  $strata --db $db shell"
