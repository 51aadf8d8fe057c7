#!/usr/bin/env bash
# sporhund vs ripgrep on the generated corpus.
#
#   benches/compare.sh [MB] [SEED]        (defaults: 300 MB, seed 42)
#
# Builds release, generates ./bench-corpus/<MB>mb-seed<SEED> if it is missing (gitignored),
# checks that sporhund reports exactly the manifest's counts, then times
#   sporhund scan --format json -o /dev/null           (all cores, and --threads 1)
#   rg with the built-in fnr, e-mail and phone patterns (all cores, and -j1)
# with hyperfine if installed (else /usr/bin/time), and prints MB/s, the ratio and peak RSS.
#
# The rg patterns are sporhund's own, expanded and wrapped in (?-u:...) so both search bytes
# with ASCII classes; `{gap}` (which may span a line break) becomes `{sep}` because rg matches
# a line at a time. rg runs with --count-matches (every match, as sporhund must find them all)
# and --no-ignore --hidden (sporhund skips nothing); both read from a warm page cache.
#
# Environment: RUNS (timed runs, default 5), WARMUP (hyperfine warm-up runs, default 1),
# TIMER=bash to time with bash's `time` even when hyperfine is installed.
set -euo pipefail

MB=${1:-300}
SEED=${2:-42}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
TIMER=${TIMER:-$(command -v hyperfine >/dev/null && echo hyperfine || echo bash)}

cd "$(dirname "$0")/.."
CORPUS="bench-corpus/${MB}mb-seed${SEED}"
SPORHUND=target/release/sporhund
GEN=target/release/examples/gen_corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# A fixed fingerprint key: no key file is created in the state directory.
export SPORHUND_FINGERPRINT_KEY=bench

need() { command -v "$1" >/dev/null || { echo "compare.sh: $1 is required" >&2; exit 2; }; }
need rg
need jq

cargo build --release --bin sporhund --example gen_corpus

# (Re)generate when missing or written by another version of the generator.
if [ ! -f "$CORPUS/manifest.json" ] ||
    [ "$(jq -r .generator "$CORPUS/manifest.json")" != "$("$GEN" --version)" ]; then
    rm -rf "$CORPUS"
    "$GEN" --out "$CORPUS" --mb "$MB" --seed "$SEED"
fi
BYTES=$(jq .bytes "$CORPUS/manifest.json")
FILES=$(jq .files "$CORPUS/manifest.json")

# One pattern per line; `rg -f FILE` is `-e` for each line, without shell-quoting the patterns.
"$GEN" --rg-patterns >"$TMP/patterns.txt"
RG_ARGS="--no-ignore --hidden --count-matches -g !manifest.json -f $TMP/patterns.txt"

SP_CMD=("$SPORHUND" scan --format json --no-progress --no-cache --exclude manifest.json)
SP_ALL="${SP_CMD[*]} -o /dev/null $CORPUS"
SP_ONE="${SP_CMD[*]} -o /dev/null --threads 1 $CORPUS"
RG_ALL="rg -j$(nproc) $RG_ARGS $CORPUS"
RG_ONE="rg -j1 $RG_ARGS $CORPUS"

echo "== corpus: $CORPUS, $FILES files, $BYTES bytes; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Warm the page cache so both tools read from memory.
find "$CORPUS" -type f -exec cat {} + >/dev/null

echo "== correctness: sporhund's findings per category vs the manifest"
"${SP_CMD[@]}" -o "$TMP/report.json" "$CORPUS" || true
GOT=$(jq -c '.summary.findings_by_category' "$TMP/report.json")
WANT=$(jq -c '.expected_by_category' "$CORPUS/manifest.json")
if [ "$(jq -S . <<<"$GOT")" = "$(jq -S . <<<"$WANT")" ]; then
    echo "exact: $(jq '.summary.findings' "$TMP/report.json") findings = manifest"
else
    echo "MISMATCH"
    echo "  sporhund: $GOT"
    echo "  manifest: $WANT"
fi
RG_MATCHES=$($RG_ALL | awk -F: '{s += $NF} END {print s}')
echo "rg: $RG_MATCHES matches of $(wc -l <"$TMP/patterns.txt") patterns (unvalidated candidates)"

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# Mean seconds of a command, into MEAN[name].
declare -A MEAN
time_cmd() {
    local name=$1 cmd=$2
    if [ "$TIMER" = hyperfine ]; then
        hyperfine -N --style basic -i --warmup "$WARMUP" --runs "$RUNS" \
            --export-json "$TMP/$name.json" -n "$name" "$cmd" >&2
        MEAN[$name]=$(jq '.results[0].mean' "$TMP/$name.json")
    else
        local total=0 t TIMEFORMAT=%R
        for _ in $(seq "$RUNS"); do
            t=$( { time bash -c "$cmd >/dev/null 2>&1 || true"; } 2>&1 | tail -1)
            total=$(calc "$total + $t")
        done
        MEAN[$name]=$(calc "$total / $RUNS")
        echo "$name: mean of $RUNS runs ${MEAN[$name]} s" >&2
    fi
}

peak_rss_mb() {
    /usr/bin/time -v bash -c "exec $1 >/dev/null" 2>&1 \
        | awk '/Maximum resident/ {printf "%.1f", $NF / 1024}' || true
}

echo "== timing ($([ "$TIMER" = hyperfine ] && echo "hyperfine -N, $WARMUP warm-up, " || echo "bash time, ")$RUNS runs)"
printf '  %s\n' "$SP_ALL" "$SP_ONE" "$RG_ALL" "$RG_ONE"
echo "  (-f: $(wc -l <"$TMP/patterns.txt") patterns of the no.fnr, email and no.phone rules: gen_corpus --rg-patterns)"
time_cmd sporhund_all "$SP_ALL"
time_cmd sporhund_1t "$SP_ONE"
time_cmd rg_all "$RG_ALL"
time_cmd rg_1t "$RG_ONE"

if [ ! -x /usr/bin/time ]; then
    echo "compare.sh: /usr/bin/time missing (apt-get install time): no peak RSS" >&2
fi
mbps() { calc "$BYTES / ${MEAN[$1]} / 1000000"; }
printf '\n%-22s %10s %10s %12s\n' "" "seconds" "MB/s" "peak RSS MB"
for n in sporhund_all sporhund_1t rg_all rg_1t; do
    case $n in
        sporhund_all) cmd=$SP_ALL ;; sporhund_1t) cmd=$SP_ONE ;;
        rg_all) cmd=$RG_ALL ;; rg_1t) cmd=$RG_ONE ;;
    esac
    rss=$( [ -x /usr/bin/time ] && peak_rss_mb "$cmd" || echo "?")
    printf '%-22s %10.3f %10.1f %12s\n' "$n" "${MEAN[$n]}" "$(mbps "$n")" "$rss"
done
printf '\nsporhund / rg throughput: all cores %.2f, one thread %.2f\n' \
    "$(calc "${MEAN[rg_all]} / ${MEAN[sporhund_all]}")" \
    "$(calc "${MEAN[rg_1t]} / ${MEAN[sporhund_1t]}")"
echo "(MB = 10^6 bytes; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
