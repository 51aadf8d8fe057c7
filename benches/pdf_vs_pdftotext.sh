#!/usr/bin/env bash
# PDF text extraction: sporhund against pdftotext (poppler-utils). Not run in CI.
#
#   benches/pdf_vs_pdftotext.sh [PDF...]
#
# 1. Identifiers: for every PDF (default: fixtures/documents/pdf/*.pdf plus the big PDFs the
#    fixture generator writes with --bench), everything sporhund finds in pdftotext's text of
#    the file must also be found by sporhund in the PDF itself: same rule, same value (compared
#    by fingerprint, so no value is printed), same count. Findings only sporhund has (form
#    fields, metadata, comments, which pdftotext does not print) are listed as extra.
# 2. Speed: hyperfine times `sporhund scan` of the largest PDFs against `pdftotext` of them
#    (sporhund's time includes searching the text; pdftotext only writes it).
#
# Needs: pdftotext, hyperfine, python3; for the big PDFs also what make_pdfs.py needs
# (reportlab, LibreOffice). Uses a release build (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in pdftotext hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install poppler-utils hyperfine)" >&2; exit 2; }
done
[ -x target/release/sporhund ] || cargo build --release --quiet
SPORHUND=$PWD/target/release/sporhund
export SPORHUND_FINGERPRINT_KEY=pdf-vs-pdftotext

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ $# -gt 0 ]; then
    PDFS=("$@")
    BIG=("$@")
else
    python3 fixtures/documents/pdf/make_pdfs.py --bench "$WORK/big"
    PDFS=(fixtures/documents/pdf/*.pdf "$WORK"/big/*.pdf)
    BIG=(fixtures/documents/pdf/mange-sider.pdf "$WORK"/big/*.pdf)
fi

echo "== identifiers: pdftotext's text vs the PDF"
status=0
for pdf in "${PDFS[@]}"; do
    txt="$WORK/$(basename "$pdf").txt"
    if ! pdftotext -q -enc UTF-8 "$pdf" "$txt" 2>/dev/null; then
        printf '%-34s pdftotext cannot read it\n' "$(basename "$pdf")"
        continue
    fi
    "$SPORHUND" scan --no-progress --no-cache -f json "$txt" >"$txt.json" || true
    "$SPORHUND" scan --no-progress --no-cache -f json "$pdf" >"$pdf.json.tmp" 2>/dev/null || true
    mv "$pdf.json.tmp" "$WORK/$(basename "$pdf").json"
    python3 - "$(basename "$pdf")" "$txt.json" "$WORK/$(basename "$pdf").json" <<'EOF' || status=1
import collections, json, sys
name, from_text, from_pdf = sys.argv[1:]
def counts(path):
    return collections.Counter((f["rule"], f["fingerprint"]) for f in json.load(open(path))["findings"])
want, got = counts(from_text), counts(from_pdf)
missing = want - got
extra = got - want
print(f"{name:34} pdftotext {sum(want.values()):4}  sporhund {sum(got.values()):4}  "
      f"missing {sum(missing.values()):3}  extra {sum(extra.values()):3}"
      + (f"  missing rules: {sorted(set(r for r, _ in missing))}" if missing else ""))
sys.exit(1 if missing else 0)
EOF
    rm -f "$WORK/$(basename "$pdf").json"
done

echo
echo "== time: sporhund scan (extract + search) vs pdftotext (extract only)"
for pdf in "${BIG[@]}"; do
    pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    size=$(du -k "$pdf" | cut -f1)
    echo "-- $(basename "$pdf"): ${pages:-?} pages, ${size} KiB"
    hyperfine --ignore-failure --warmup 2 --runs 10 --export-json "$WORK/h.json" \
        -n sporhund "$SPORHUND scan --no-progress --no-cache -f json -o /dev/null '$pdf'" \
        -n pdftotext "pdftotext -q '$pdf' /dev/null" >/dev/null || true
    python3 - "$WORK/h.json" "$size" <<'EOF'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
kib = int(sys.argv[2])
for name, t in r.items():
    print(f"   {name:10} {t * 1000:8.1f} ms  {kib / 1024 / t:7.1f} MB/s")
print(f"   ratio sporhund / pdftotext: {r['sporhund'] / r['pdftotext']:.2f}")
EOF
done
exit $status
