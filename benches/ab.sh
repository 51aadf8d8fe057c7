#!/usr/bin/env bash
# Rescans with two (or more) sporhund binaries, run alternately: the way to tell a change of a
# millisecond on a machine whose speed drifts by 10-20 % from one minute to the next.
#
#   benches/ab.sh RUNS CORPUS BINARY...
#   e.g. cp target/release/sporhund /tmp/before; (change, build); \
#        benches/ab.sh 25 bench-corpus/incr-small-100mb-seed42 /tmp/before target/release/sporhund
#
# Each binary gets its own cache in a fresh temporary directory, filled by a first scan (not
# timed; a binary's cache is only valid for that very build) and warmed by a second. Then
# RUNS rounds each time every binary once, in turn, after a `sync` (not timed), as a rescan
# writing a JSON report over the last one (`-f json -o FILE`; FORMAT=jsonl for JSON Lines).
# Prints the median and the fastest run per binary, and checks that their reports hold the
# same findings.
set -euo pipefail

RUNS=$1
CORPUS=$2
shift 2
export SPORHUND_FINGERPRINT_KEY=bench
FORMAT=${FORMAT:-json}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

scan() { # index binary
    "$2" scan "$CORPUS" --cache-dir "$TMP/cache-$1" --no-progress -f "$FORMAT" -o "$TMP/report-$1.$FORMAT" || true
}

i=0
for b in "$@"; do
    scan $i "$b"
    scan $i "$b"
    i=$((i + 1))
done
for _ in $(seq "$RUNS"); do
    i=0
    for b in "$@"; do
        sync
        # Microseconds from bash itself (5.0+): `$(date ...)` would time its own fork too.
        t0=${EPOCHREALTIME/[^0-9]/}
        scan $i "$b"
        t1=${EPOCHREALTIME/[^0-9]/}
        echo "$i $((t1 - t0))"
        i=$((i + 1))
    done
done | sort -k1,1n -k2,2n | awk -v names="$*" '
    BEGIN { split(names, name, " ") }
    { v[$1] = v[$1] " " $2 }
    END {
        for (k = 0; k in v; k++) {
            n = split(v[k], a, " ")
            printf "%-40s median %6.1f ms  fastest %6.1f ms  (%d runs)\n", name[k + 1], a[int((n + 1) / 2)] / 1000, a[1] / 1000, n
        }
    }'
findings() { # report
    case $FORMAT in
        json) jq -S '.findings' "$1" ;;
        *) grep '"type":"finding"' "$1" | sort ;;
    esac | md5sum
}
first=$(findings "$TMP/report-0.$FORMAT")
i=0
for b in "$@"; do
    [ "$(findings "$TMP/report-$i.$FORMAT")" = "$first" ] || echo "findings differ: $b" >&2
    i=$((i + 1))
done
