#!/usr/bin/env bash
# Outlook throughput: wall time, MB/s and peak memory of `sporhund scan` on copies of
# the third-party samples in ../shared/fixtures/outlook (not in the repository): the 46 .msg
# files COPIES times over (default 40: ~1,900 files, ~136 MB), and each .pst/.ost alone.
# Not run in CI; nothing here is committed.
#
#   benches/outlook_throughput.sh [COPIES]
#
# Needs GNU time (/usr/bin/time). Uses a release build (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

COPIES=${1:-40}
SAMPLES=../shared/fixtures/outlook
[ -d "$SAMPLES" ] || { echo "$SAMPLES is absent" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
[ -x target/release/sporhund ] || cargo build --release --quiet
SPORHUND=$PWD/target/release/sporhund
export SPORHUND_FINGERPRINT_KEY=outlook-throughput

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 "$COPIES"); do
    mkdir "$WORK/msg-$i"
    cp "$SAMPLES"/msg/*.msg "$WORK/msg-$i/"
done

# run NAME PATH: one scan, JSON report to $WORK/NAME.json, a line of figures.
run() {
    local name=$1 path=$2
    local bytes
    bytes=$(du -sb "$path" | cut -f1)
    /usr/bin/time -f '%e %M' -o "$WORK/time" \
        "$SPORHUND" scan --format json --no-progress "$path" >"$WORK/$name.json" || true
    read -r secs kib < <(tail -n 1 "$WORK/time")
    python3 - "$WORK/$name.json" "$name" "$bytes" "$secs" "$kib" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
name, size, secs, kib = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
mb = size / 1e6
print(f"{name:<22} {mb:8.1f} {secs:8.2f} {mb / max(secs, 0.01):8.1f} {kib / 1024:8.1f} "
      f"{len(report['findings']):9d} {len(report['errors']):7d}")
PY
}

printf '%-22s %8s %8s %8s %8s %9s %7s\n' input MB seconds MB/s "RSS MB" findings errors
run "msg x$COPIES" "$WORK"
for f in "$SAMPLES"/*.pst "$SAMPLES"/*.ost; do
    run "$(basename "$f")" "$f"
done
