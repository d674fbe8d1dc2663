//! Any UTF-8 input that `dyngen check` accepts: generate its module, which
//! must succeed, parse as Rust (`syn`) and be the same when generated
//! again. Seeded with the repository's valid schemas (see
//! docs/fuzzing.md); most mutations of them are refused by the checker,
//! and the rest exercise the generator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        dyngen_dsl_fuzz::check_generate(source);
    }
});
