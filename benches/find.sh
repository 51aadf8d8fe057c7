#!/usr/bin/env bash
# Subject search vs plain scan on the generated corpus.
#
#   benches/find.sh [MB] [SEED]        (defaults: 100 MB, seed 42)
#
# Builds release, generates ./bench-corpus/<MB>mb-seed<SEED> if it is missing (gitignored), and
# times, best of RUNS (default 3) wall-clock runs each, all cores:
#   sporhund scan --format json                      (the baseline)
#   sporhund find --format json, 1 subject           (name, fnr, e-mail, phone, id)
#   sporhund find --format json, 50 subjects         (one --subject file, one pass)
# and prints seconds, MB/s and the ratio to the scan. NO_BUILD=1 uses the release binaries as
# they are.
set -euo pipefail

MB=${1:-100}
SEED=${2:-42}
RUNS=${RUNS:-3}

cd "$(dirname "$0")/.."
CORPUS="bench-corpus/${MB}mb-seed${SEED}"
SPORHUND=target/release/sporhund
GEN=target/release/examples/gen_corpus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SPORHUND_FINGERPRINT_KEY=bench

[ -n "${NO_BUILD:-}" ] || cargo build --release --bin sporhund --example gen_corpus
if [ ! -f "$CORPUS/manifest.json" ]; then
    "$GEN" --out "$CORPUS" --mb "$MB" --seed "$SEED"
fi
BYTES=$(du -sb --exclude manifest.json "$CORPUS" | cut -f1)

# 50 subjects: common Norwegian given names and surnames (many of them also ordinary words,
# the hard case for name matching), each with a fødselsnummer-shaped number, e-mail and phone.
GIVEN=(Ole Kari Per Anne Lars Ingrid Jan Marit Knut Liv Hans Åse Dag Siri Tor Berit Finn Eva
       Arne Tone Håkon Solveig Bjørn Hilde Geir)
SURNAMES=(Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen
          Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Lie Moe Ødegård
          Mæland Bakken Strand Solberg)
{
    for i in $(seq 0 49); do
        g=${GIVEN[$((i % 25))]}
        s=${SURNAMES[$(((i * 7) % 25))]}
        printf '[[subject]]\nlabel = "S%02d"\nname = "%s %s"\nfnr = "%011d"\n' "$i" "$g" "$s" $((10000000000 + i * 7919))
        printf 'email = "person%d@example.no"\nphone = "9%07d"\nid = "K-%06d"\n\n' "$i" $((1234567 + i)) "$i"
    done
} >"$TMP/subjects50.toml"

best() {
    local best=999999
    for _ in $(seq "$RUNS"); do
        local start end
        # Microseconds from bash itself (5.0+): `$(date ...)` would time its own fork too.
        start=${EPOCHREALTIME/[^0-9]/}
        "$@" >/dev/null 2>&1 || [ $? -le 4 ]
        end=${EPOCHREALTIME/[^0-9]/}
        best=$(awk -v s=$(((end - start))) -v b="$best" 'BEGIN { s /= 1e6; print (s < b) ? s : b }')
    done
    echo "$best"
}

COMMON=(--no-progress --exclude manifest.json -o /dev/null --format json)
SCAN=$(best "$SPORHUND" scan "${COMMON[@]}" "$CORPUS")
ONE=$(best "$SPORHUND" find "${COMMON[@]}" --name "Åse Mæland" --fnr 12879030097 \
    --email ase.maeland@example.no --phone "+47 912 34 567" --id K-100234 "$CORPUS")
FIFTY=$(best "$SPORHUND" find "${COMMON[@]}" --subject "$TMP/subjects50.toml" "$CORPUS")

echo "corpus: $CORPUS ($BYTES bytes), $(nproc) cores, best of $RUNS"
for row in "scan:$SCAN" "find 1 subject:$ONE" "find 50 subjects:$FIFTY"; do
    name=${row%%:*}
    secs=${row##*:}
    awk -v n="$name" -v s="$secs" -v b="$BYTES" -v base="$SCAN" \
        'BEGIN { printf "%-18s %7.2f s  %7.1f MB/s  %5.2fx scan\n", n, s, b / s / 1e6, s / base }'
done
