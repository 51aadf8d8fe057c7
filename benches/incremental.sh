#!/usr/bin/env bash
# Incremental rescans: the first scan of a corpus (empty cache) against a second scan of the
# same, unchanged corpus (every file's results from the cache). Target: second <= 10 % of first.
#
#   benches/incremental.sh [MB] [SEED]        (defaults: 300 MB, seed 42)
#
# Two corpora from examples/gen_corpus.rs under ./bench-corpus/ (gitignored), made if missing:
#   large: MB megabytes in files of 2-6 MB (the generator's default)
#   small: MB/3 megabytes in files of 4-16 KB (many small files: per-file overhead dominates)
#   sparse: the large corpus with digits and '@' removed from all files but every 20th (an
#           archive where few files hold personal data: the report is small, as it usually is)
# NO_BUILD=1 uses the release binaries as they are; ONLY="small sparse" (say) times only those. Each corpus is read once first so the timed
# scans start from a warm page cache; the cache lives in a fresh temporary directory. Prints
# the median of RUNS runs (default 5; each after a `sync`, not timed) of a scan without the
# cache (--no-cache), of the first scan (empty cache: it also hashes every file and fills the
# cache), of the second (first and second scans are timed in pairs, one round after another),
# the ratio second/first, the number of files taken from the cache and the cache's size on
# disk.
set -euo pipefail

MB=${1:-300}
SEED=${2:-42}
RUNS=${RUNS:-5}
cd "$(dirname "$0")/.."
SPORHUND=target/release/sporhund
GEN=target/release/examples/gen_corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SPORHUND_FINGERPRINT_KEY=bench

[ -n "${NO_BUILD:-}" ] || cargo build --release --locked --bin sporhund --example gen_corpus

corpus() { # name mb file-mb
    local dir="bench-corpus/incr-$1-${2}mb-seed${SEED}"
    [ -f "$dir/manifest.json" ] || "$GEN" --out "$dir" --mb "$2" --seed "$SEED" --file-mb "$3" >&2
    echo "$dir"
}

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Seconds one command takes, timed by bash itself (`EPOCHREALTIME`, bash 5.0+: no process is
# started around the command; `$(date ...)` put the fork and exec of `date` inside the span,
# 2 ms on this VM, 7 % of a 30 ms rescan). Dirty pages are written out first (not timed):
# each run writes its report over the last run's, and truncating a file the kernel is still
# writing back made the large corpus's 40 ms rescan wait 20-40 ms more (a scheduled scan
# replaces a report that was written out long ago).
timed() {
    local t0 t1
    sync
    t0=${EPOCHREALTIME/[^0-9]/}
    "$@" || true
    t1=${EPOCHREALTIME/[^0-9]/}
    awk -v us=$((t1 - t0)) 'BEGIN { print us / 1e6 }'
}

bench() { # name dir
    local name=$1 dir=$2 cache="$TMP/cache-$1" plain first second i f s
    "$SPORHUND" scan "$dir" --no-cache --no-progress -f json -o /dev/null || true # warm page cache
    plain=$(for i in $(seq "$RUNS"); do
        timed "$SPORHUND" scan "$dir" --no-cache --no-progress -f json -o /dev/null
    done | median)
    # Rounds of: a first scan from an empty cache, a second scan (not timed: it writes its
    # report file anew), and a second scan timed; each round's two times are taken within a
    # second of each other, so the ratio of the medians does not depend on when the machine
    # was faster (on a VM whose speed drifts, timing all first scans and then all second
    # scans moved the small corpus's ratio by 2 points).
    local rounds="$TMP/rounds-$name"
    : >"$rounds"
    for i in $(seq "$RUNS"); do
        rm -rf "$cache"
        f=$(timed "$SPORHUND" scan "$dir" --cache-dir "$cache" --no-progress -f json -o "$TMP/first.json")
        "$SPORHUND" scan "$dir" --cache-dir "$cache" --no-progress -f json -o "$TMP/second.json" || true
        s=$(timed "$SPORHUND" scan "$dir" --cache-dir "$cache" --no-progress -f json -o "$TMP/second.json")
        echo "$f $s" >>"$rounds"
    done
    first=$(cut -d' ' -f1 "$rounds" | median)
    second=$(cut -d' ' -f2 "$rounds" | median)
    local files bytes cached findings1 findings2 size
    files=$(jq .summary.files_scanned "$TMP/second.json")
    bytes=$(jq .summary.bytes_scanned "$TMP/second.json")
    cached=$(jq .summary.files_from_cache "$TMP/second.json")
    findings1=$(jq .summary.findings "$TMP/first.json")
    findings2=$(jq .summary.findings "$TMP/second.json")
    size=$(du -bc "$cache"/cache.redb* | tail -1 | cut -f1)
    [ "$findings1" = "$findings2" ] || { echo "findings differ: $findings1 vs $findings2" >&2; exit 1; }
    awk -v n="$name" -v f="$files" -v b="$bytes" -v c="$cached" -v k="$findings2" \
        -v plain="$plain" -v first="$first" -v second="$second" -v s="$size" 'BEGIN {
        printf "%-6s %6d files %7.1f MB %7d findings | --no-cache %6.2f s | first %6.2f s  second %6.3f s  ratio %5.1f %% | %d from cache | cache %.1f MB\n",
            n, f, b / 1e6, k, plain, first, second, 100 * second / first, c, s / 1e6 }'
}

command -v jq >/dev/null || { echo "incremental.sh: jq is required" >&2; exit 2; }
LARGE=$(corpus large "$MB" 2-6)
SMALL=$(corpus small "$((MB / 3))" 0.004-0.016)
SPARSE="bench-corpus/incr-sparse-${MB}mb-seed${SEED}"
if [ ! -d "$SPARSE" ]; then
    i=0
    find "$LARGE" -type f ! -name manifest.json | sort |
    while read -r f; do
        out="$SPARSE/${f#"$LARGE"/}"
        mkdir -p "$(dirname "$out")"
        if [ $((i % 20)) -eq 0 ]; then cp "$f" "$out"; else tr -d '0-9@' <"$f" >"$out"; fi
        i=$((i + 1))
    done
fi
for name in ${ONLY:-large small sparse}; do
    case $name in
        large) bench large "$LARGE" ;;
        small) bench small "$SMALL" ;;
        sparse) bench sparse "$SPARSE" ;;
        *) echo "incremental.sh: no corpus $name (large, small, sparse)" >&2; exit 2 ;;
    esac
done
