//! dyngen: a typed Rust access layer for DynamoDB single-table designs,
//! generated from `.dyn` schemas.
//!
//! Today this crate checks schemas ([`check_source`]); code generation
//! builds on the same pipeline. The schema language itself lives in
//! [`dyngen_dsl`], re-exported as [`dsl`].
#![forbid(unsafe_code)]

pub use dyngen_dsl as dsl;

pub mod report;

/// Checks one schema's text. `file_name` is only used in messages.
pub fn check_source(source: &str) -> dsl::Compiled {
    dsl::compile(source)
}
