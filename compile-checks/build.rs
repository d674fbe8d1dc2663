//! Makes up schemas whose names are chosen to break generated code that
//! names anything by a bare path, generates each with dyngen, and writes the
//! modules to `$OUT_DIR` for `src/lib.rs` to include. A schema the checker
//! accepts must compile (clippy-clean): this crate failing to build is the
//! test failing. Names that truly cannot work are refused by `dyngen check`;
//! `generator/tests/names.rs` holds those.

#[path = "names.rs"]
mod names;

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=names.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut modules = String::new();
    for schema in names::schemas() {
        let compiled = dyngen::dsl::compile(&schema.source);
        let Some(ir) = compiled.schema else {
            let rendered: Vec<String> = compiled
                .diagnostics
                .iter()
                .map(|d| d.render(&format!("{}.dyn", schema.module), &schema.source, false))
                .collect();
            panic!(
                "dyngen check refused made-up schema `{}`; a name that truly cannot work belongs in \
                 generator/tests/names.rs instead:\n{}\n--- schema ---\n{}",
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
