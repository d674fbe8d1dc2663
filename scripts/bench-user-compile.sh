#!/usr/bin/env bash
# What the generated code costs its users to compile: a scratch crate that
# includes the module generated for N entities (50 unless given; the schema
# is scripts/bench-schema.sh's), built in debug and checked, after its
# dependencies are built once. Each dyngen binary given generates its own
# module; the builds alternate, three rounds.
#
#   scripts/bench-user-compile.sh [N] [DYNGEN_BINARY...]
#
# Prints per binary and round: output lines, user + system CPU seconds of
# `cargo build` and of `cargo check` of the crate alone, and per entity.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
N="${1:-50}"
shift || true
BINARIES=("$@")
if ((${#BINARIES[@]} == 0)); then
    cargo build -q --release -p dyngen
    BINARIES=(target/release/dyngen)
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
bash scripts/bench-schema.sh "$N" >"$WORK/big.dyn"

mkdir -p "$WORK/crate/src"
cat >"$WORK/crate/Cargo.toml" <<TOML
[package]
name = "compile-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
dyngen-runtime = { path = "$ROOT/runtime" }

[workspace]
TOML
echo '#![allow(dead_code)] include!("gen.rs");' >"$WORK/crate/src/lib.rs"
export CARGO_TARGET_DIR="$WORK/target"
# Whole-crate compiles, as a fresh build: no incremental cache between runs.
export CARGO_INCREMENTAL=0
# Dependencies once, so each measured build compiles the crate alone.
"${BINARIES[0]}" build "$WORK/big.dyn" -o "$WORK/crate/src/gen.rs" >/dev/null 2>&1
(cd "$WORK/crate" && cargo build -q 2>/dev/null && cargo check -q 2>/dev/null)

measure() { # command... -> CPU seconds
    /usr/bin/time -f "%U %S" -o "$WORK/time" "$@" >/dev/null 2>&1
    awk '{ printf "%.2f", $1 + $2 }' "$WORK/time"
}
for round in 1 2 3; do
    for binary in "${BINARIES[@]}"; do
        rm -f "$WORK/crate/src/gen.rs"
        "$binary" build "$WORK/big.dyn" -o "$WORK/crate/src/gen.rs" >/dev/null 2>&1
        lines="$(wc -l <"$WORK/crate/src/gen.rs")"
        touch "$WORK/crate/src/lib.rs"
        build="$(cd "$WORK/crate" && measure cargo build -q)"
        touch "$WORK/crate/src/lib.rs"
        check="$(cd "$WORK/crate" && measure cargo check -q)"
        awk -v r="$round" -v b="$binary" -v l="$lines" -v bu="$build" -v c="$check" -v n="$N" \
            'BEGIN { printf "round %d  %-28s  %7d lines  build %6.2f s (%.3f s/entity)  check %6.2f s (%.3f s/entity)\n", r, b, l, bu, bu / n, c, c / n }'
    done
done
