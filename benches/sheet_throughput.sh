#!/usr/bin/env bash
# Spreadsheet and CSV throughput: wall time, MB/s, cells/s and peak memory of `sporhund scan`
# on a large generated workbook (default 200,000 rows x 8 columns, an fnr in every 1,000th row
# of the last column, so ROWS/1000 findings; cells/s counts all ROWS x 8 grid cells, an eighth
# of them empty). Not run in CI; nothing generated here is committed.
#
#   stor.xlsx      openpyxl (inline strings): xlsx streamed
#   stor-lo.xlsx   the same saved by LibreOffice (shared strings, held in memory): xlsx streamed
#   stor.ods       LibreOffice: loaded whole by calamine
#   stor.csv       the same data as ';'-separated text
#   stor-60k.xls   the first 60,000 rows as xls (BIFF8 holds 65,536 rows at most)
#
#   benches/sheet_throughput.sh [ROWS]
#
# Needs: python3 with openpyxl, GNU time (/usr/bin/time); for ods/xls/LibreOffice xlsx also
# LibreOffice Calc (libreoffice-calc-nogui), skipped without it. Uses a release build (built
# here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-200000}
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
[ -x target/release/sporhund ] || cargo build --release --quiet
SPORHUND=$PWD/target/release/sporhund
export SPORHUND_FINGERPRINT_KEY=sheet-throughput

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "generating $ROWS rows x 8 columns ..."
python3 fixtures/documents/sheets/make_sheets.py --large "$WORK/stor.xlsx" "$ROWS"
python3 - "$WORK/stor.xlsx" "$WORK/stor.csv" <<'EOF'
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, delimiter=";")
    for row in wb.active.iter_rows(values_only=True):
        w.writerow(["" if v is None else v for v in row])
EOF
if command -v soffice >/dev/null; then
    soffice --headless --convert-to ods --outdir "$WORK" "$WORK/stor.xlsx" >/dev/null 2>&1
    mkdir "$WORK/lo"
    soffice --headless --convert-to xlsx --outdir "$WORK/lo" "$WORK/stor.ods" >/dev/null 2>&1
    mv "$WORK/lo/stor.xlsx" "$WORK/stor-lo.xlsx"
    python3 fixtures/documents/sheets/make_sheets.py --large "$WORK/lo/stor-60k.xlsx" 60000
    soffice --headless --convert-to xls --outdir "$WORK" "$WORK/lo/stor-60k.xlsx" >/dev/null 2>&1
fi

printf '%-13s %7s %8s %7s %10s %8s %9s\n' file MB seconds MB/s "cells/s" "RSS MB" findings
for f in "$WORK"/stor*.*; do
    /usr/bin/time -v -o "$WORK/time.txt" \
        "$SPORHUND" scan "$f" --format jsonl -o "$WORK/report.jsonl" --no-progress --no-cache || true
    python3 - "$f" "$WORK/time.txt" "$WORK/report.jsonl" "$ROWS" <<'EOF'
import os, sys
path, timing, report, rows = sys.argv[1:]
rows = 60000 if "60k" in path else int(rows)
t = open(timing).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split()[0]
seconds = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
rss = int(t.split("Maximum resident set size (kbytes): ")[1].split()[0]) / 1024
mb = os.path.getsize(path) / 1e6
found = sum('"type":"finding"' in line for line in open(report))
cells = (rows + 1) * 8
print(f"{os.path.basename(path):<13} {mb:7.1f} {seconds:8.2f} {mb / seconds:7.1f} "
      f"{cells / seconds:10.0f} {rss:8.0f} {found:9}")
EOF
done
