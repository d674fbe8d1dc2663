//! Like `generate`, but the bytes are choices for a schema writer that
//! keeps most of the checker's rules (`src/schema_text.rs`), so that most
//! inputs are valid schemas and reach the generator. A failing input is
//! printed as its schema text (`Debug` of `SchemaText`).
#![no_main]

use dyngen_dsl_fuzz::SchemaText;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|schema: SchemaText| {
    dyngen_dsl_fuzz::check_generate(&schema.0);
});
