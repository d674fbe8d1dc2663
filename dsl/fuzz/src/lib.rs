//! What the fuzz targets share: the check every valid schema goes through
//! ([`check_generate`]) and the structure-aware schema writer
//! ([`schema_text`]).

pub mod schema_text;

use std::path::PathBuf;
use std::sync::OnceLock;

/// Schema text written from fuzzer bytes by [`schema_text::schema`]. Its
/// `Debug` is the text itself, so that cargo-fuzz prints a failing input
/// as the schema (`cargo fuzz fmt -s none generate_structured FILE` does too).
pub struct SchemaText(pub String);

impl<'a> arbitrary::Arbitrary<'a> for SchemaText {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(SchemaText(schema_text::schema(u)))
    }
}

impl std::fmt::Debug for SchemaText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks `source` and, when `dyngen check` accepts it, generates its
/// module and asserts that
///
/// - `generate` succeeds (an error is a template bug);
/// - the whole generated file parses with `syn::parse_file`;
/// - checking and generating again gives the same IR and the same text
///   (no hash-map order or other state leaks into the output).
///
/// Returns whether the schema was valid. With `DYNGEN_FUZZ_DUMP=DIR` set,
/// every valid schema is also written to `DIR/<hash>.dyn` (used to pick the
/// sample in `compile-checks/fuzzed/`).
pub fn check_generate(source: &str) -> bool {
    let compiled = dyngen::dsl::compile(source);
    let Some(schema) = compiled.schema else {
        return false;
    };
    let file = dyngen::generate(&schema, "fuzz.dyn").unwrap_or_else(|e| {
        let text = match &e {
            dyngen::GenerateError::InvalidRust { text, .. } => text.as_str(),
            _ => "",
        };
        panic!("generate failed on a valid schema: {e}\n--- schema ---\n{source}\n--- template output ---\n{text}")
    });
    if let Err(e) = syn::parse_file(&file.contents) {
        let start = e.span().start();
        panic!(
            "generated file does not parse: {e} at line {}, column {}\n--- schema ---\n{source}\n--- generated ---\n{}",
            start.line, start.column, file.contents
        );
    }
    let again = dyngen::dsl::compile(source);
    assert!(
        again.schema.as_ref() == Some(&schema),
        "checking twice gives another IR\n--- schema ---\n{source}"
    );
    let second = dyngen::generate(&schema, "fuzz.dyn").expect("generated once");
    assert!(
        second.name == file.name && second.contents == file.contents,
        "generating twice gives different text\n--- schema ---\n{source}"
    );
    dump(source);
    true
}

fn dump(source: &str) {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    let Some(dir) = DIR.get_or_init(|| std::env::var_os("DYNGEN_FUZZ_DUMP").map(PathBuf::from)) else {
        return;
    };
    // FNV-1a: a stable name, so the same schema is written once.
    let hash = source.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    std::fs::create_dir_all(dir).expect("create the dump directory");
    std::fs::write(dir.join(format!("{hash:016x}.dyn")), source).expect("write a dumped schema");
}
