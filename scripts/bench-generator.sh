#!/usr/bin/env bash
# The generator's peak memory and CPU time on a large schema: `dyngen build`
# of N entities (500 unless given; the schema is scripts/bench-schema.sh's).
#
#   scripts/bench-generator.sh [N] [DYNGEN_BINARY...]
#
# With binaries given, each is measured in turn, three rounds interleaved
# (the machine is shared: compare binaries within one run). Without, the
# release build of this checkout is built and measured. Prints one line per
# run: binary, peak RSS (MiB), user + system CPU seconds, output lines.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${1:-500}"
shift || true
BINARIES=("$@")
if ((${#BINARIES[@]} == 0)); then
    cargo build -q --release -p dyngen
    BINARIES=(target/release/dyngen)
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
SCHEMA="$WORK/big.dyn"
bash scripts/bench-schema.sh "$N" >"$SCHEMA"

for round in 1 2 3; do
    for binary in "${BINARIES[@]}"; do
        /usr/bin/time -f "%M %U %S" -o "$WORK/time" "$binary" build "$SCHEMA" -o "$WORK/out.rs" >/dev/null 2>&1 ||
            { echo "bench-generator: $binary failed on $SCHEMA" >&2; exit 1; }
        # Written fresh each round (the build writes only when it changes).
        rm -f "$WORK/out.rs.keep"; mv "$WORK/out.rs" "$WORK/out.rs.keep"
        read -r rss_kib user sys <"$WORK/time"
        lines="$(wc -l <"$WORK/out.rs.keep")"
        awk -v b="$binary" -v r="$round" -v rss="$rss_kib" -v u="$user" -v s="$sys" -v l="$lines" \
            'BEGIN { printf "round %d  %-40s  peak %6.1f MiB  cpu %5.2f s  %d lines\n", r, b, rss / 1024, u + s, l }'
    done
done
