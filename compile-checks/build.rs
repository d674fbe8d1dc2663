//! Makes up schemas whose names are chosen to break generated code that
//! names anything by a bare path, generates each with dyngen, and writes the
//! modules to `$OUT_DIR` for `src/lib.rs` to include. A schema the checker
//! accepts must compile (clippy-clean): this crate failing to build is the
//! test failing. Names that truly cannot work are refused by `dyngen check`;
//! `generator/tests/names.rs` holds those.
//!
//! It does the same for every `fuzzed/NNN.dyn`: a sample of the valid
//! schemas the generator fuzz targets found (`docs/fuzzing.md`), generated
//! into modules `fuzzed_NNN`.

#[path = "names.rs"]
mod names;

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=names.rs");
    println!("cargo:rerun-if-changed=fuzzed");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let made_up = names::schemas().into_iter().map(|s| (s, MADE_UP));
    let fuzzed = fuzzed_schemas().into_iter().map(|s| (s, FUZZED));
    let mut modules = String::new();
    for (schema, (kind, hint)) in made_up.chain(fuzzed) {
        let compiled = dyngen::dsl::compile(&schema.source);
        let Some(ir) = compiled.schema else {
            let rendered: Vec<String> = compiled
                .diagnostics
                .iter()
                .map(|d| d.render(&format!("{}.dyn", schema.module), &schema.source, false))
                .collect();
            panic!(
                "dyngen check refused {kind} `{}`; {hint}:\n{}\n--- schema ---\n{}",
                schema.module,
                rendered.join("\n"),
                schema.source
            );
        };
        let file = dyngen::generate(&ir, &schema.module)
            .unwrap_or_else(|e| panic!("generating `{}` failed: {e}", schema.module));
        std::fs::write(out_dir.join(&file.name), &file.contents).expect("write generated module");
        std::fs::write(out_dir.join(format!("{}.dyn", schema.module)), &schema.source).expect("write schema");
        writeln!(
            modules,
            "/// Generated from `$OUT_DIR/{module}.dyn`.\npub mod {module} {{\n    ::dyngen_runtime::include_generated!(\"{module}\");\n}}",
            module = schema.module
        )
        .unwrap();
    }
    std::fs::write(out_dir.join("modules.rs"), modules).expect("write module list");
}

/// Where a schema comes from, and what to do when the checker refuses it.
const MADE_UP: (&str, &str) = (
    "made-up schema",
    "a name that truly cannot work belongs in generator/tests/names.rs instead",
);
const FUZZED: (&str, &str) = (
    "fuzzed schema",
    "it was valid when the fuzzer found it, so the checker changed: update or remove the file in \
     compile-checks/fuzzed/",
);

/// `fuzzed/*.dyn`, sorted by name, as modules `fuzzed_<stem>`.
fn fuzzed_schemas() -> Vec<names::MadeUpSchema> {
    let dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("fuzzed");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("read a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "dyn"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            names::MadeUpSchema {
                module: format!("fuzzed_{stem}"),
                source,
            }
        })
        .collect()
}
