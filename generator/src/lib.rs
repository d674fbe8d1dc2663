//! dyngen: a typed Rust access layer for DynamoDB single-table designs,
//! generated from `.dyn` schemas.
//!
//! - [`generate()`]: the pure core, a resolved schema in, a Rust file out;
//! - [`Builder`] / [`compile`]: the build-script API (writes to `$OUT_DIR`);
//! - [`check_source`]: diagnostics only, for `dyngen check`.
//!
//! The schema language itself lives in [`dyngen_dsl`], re-exported as [`dsl`].
#![forbid(unsafe_code)]

pub use dyngen_dsl as dsl;

mod build;
pub mod diff;
pub mod doc;
pub mod generate;
pub mod init;
pub mod report;
pub mod table_def;
mod view;

pub use build::{compile, generate_from_path, save_invalid, write_file_if_changed, BuildError, Builder};
pub use generate::{generate, GenerateError, GeneratedFile};

/// Checks one schema's text. `file_name` is only used in messages.
pub fn check_source(source: &str) -> dsl::Compiled {
    dsl::compile(source)
}
