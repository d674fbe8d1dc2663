#!/usr/bin/env bash
# What the generated code costs its users to compile: a scratch crate that
# includes the module generated for N entities (50 unless given; the schema
# is scripts/bench-schema.sh's), built in debug and checked, after its
# dependencies are built once. Each variant given generates its own module
# and builds against its own runtime; the builds alternate, three rounds.
#
#   scripts/bench-user-compile.sh [N] [DYNGEN_BINARY[=RUNTIME_DIR]...]
#
# A variant is a dyngen binary, and the runtime crate its module compiles
# against (this checkout's `runtime/` unless `=DIR` says otherwise: pass an
# older checkout's binary and runtime to compare against it). Prints per
# variant and round: output lines, user + system CPU seconds of
# `cargo build` and of `cargo check` of the crate alone, and per entity.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
N="${1:-50}"
shift || true
VARIANTS=("$@")
if ((${#VARIANTS[@]} == 0)); then
    cargo build -q --release -p dyngen
    VARIANTS=(target/release/dyngen)
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
bash scripts/bench-schema.sh "$N" >"$WORK/big.dyn"

# One crate per variant, each with its own target directory, so that a
# variant's runtime is built once and every measured build compiles only
# the crate.
for i in "${!VARIANTS[@]}"; do
    variant="${VARIANTS[$i]}"
    binary="${variant%%=*}"
    runtime="$ROOT/runtime"
    [[ "$variant" == *=* ]] && runtime="$(cd "${variant#*=}" && pwd)"
    crate="$WORK/crate$i"
    mkdir -p "$crate/src"
    cat >"$crate/Cargo.toml" <<TOML
[package]
name = "compile-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
dyngen-runtime = { path = "$runtime" }

[workspace]
TOML
    echo '#![allow(dead_code)] include!("gen.rs");' >"$crate/src/lib.rs"
    "$binary" build "$WORK/big.dyn" -o "$crate/src/gen.rs" >/dev/null 2>&1
    # Whole-crate compiles, as a fresh build: no incremental cache between runs.
    (cd "$crate" && CARGO_TARGET_DIR="$crate/target" CARGO_INCREMENTAL=0 cargo build -q 2>/dev/null &&
        CARGO_TARGET_DIR="$crate/target" CARGO_INCREMENTAL=0 cargo check -q 2>/dev/null)
done
export CARGO_INCREMENTAL=0

measure() { # command... -> CPU seconds
    /usr/bin/time -f "%U %S" -o "$WORK/time" "$@" >/dev/null 2>&1
    awk '{ printf "%.2f", $1 + $2 }' "$WORK/time"
}
for round in 1 2 3; do
    for i in "${!VARIANTS[@]}"; do
        variant="${VARIANTS[$i]}"
        binary="${variant%%=*}"
        crate="$WORK/crate$i"
        export CARGO_TARGET_DIR="$crate/target"
        rm -f "$crate/src/gen.rs"
        "$binary" build "$WORK/big.dyn" -o "$crate/src/gen.rs" >/dev/null 2>&1
        lines="$(wc -l <"$crate/src/gen.rs")"
        touch "$crate/src/lib.rs"
        build="$(cd "$crate" && measure cargo build -q)"
        touch "$crate/src/lib.rs"
        check="$(cd "$crate" && measure cargo check -q)"
        awk -v r="$round" -v b="$variant" -v l="$lines" -v bu="$build" -v c="$check" -v n="$N" \
            'BEGIN { printf "round %d  %-40s  %7d lines  build %6.2f s (%.3f s/entity)  check %6.2f s (%.3f s/entity)\n", r, b, l, bu, bu / n, c, c / n }'
    done
done
