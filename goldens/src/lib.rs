//! The generated code of every test schema, compiled.
//!
//! Each module is exactly what `dyngen` generates for one schema: the
//! example's `vcs.dyn`, the DSL's valid fixtures and the generator's own.
//! `generator/tests/generate.rs` checks they are up to date (re-bless with
//! `DYNGEN_BLESS=1 cargo test -p dyngen --test generate`), so every snapshot
//! the generator's tests show is also built, documented (`missing_docs` is
//! denied) and linted by clippy with the rest of the workspace.
//!
//! `tests/compile_fail.rs` checks that the typed API rejects what it should.
#![deny(missing_docs)]

// The modules are generated: rustfmt must leave them as the generator wrote them.

/// Generated from `generated-example/vcs.dyn` (the example crate's
/// checked-in module, included rather than copied).
#[rustfmt::skip]
#[path = "../../generated-example/src/vcs.rs"]
pub mod vcs;

/// Generated from `dsl/tests/fixtures/valid/every_construct.dyn`.
#[rustfmt::skip]
pub mod every_construct;

/// Generated from `dsl/tests/fixtures/valid/keyword_names.dyn`.
#[rustfmt::skip]
pub mod keyword_names;

/// Generated from `dsl/tests/fixtures/valid/minimal.dyn`.
#[rustfmt::skip]
pub mod minimal;

/// Generated from `dsl/tests/fixtures/valid/sparse_and_lsi.dyn`.
#[rustfmt::skip]
pub mod sparse_and_lsi;

/// Generated from `generator/tests/fixtures/defaults.dyn`.
#[rustfmt::skip]
pub mod defaults;

/// Generated from `generator/tests/fixtures/documents.dyn`.
#[rustfmt::skip]
pub mod documents;

/// Generated from `generator/tests/fixtures/generated_defaults.dyn`.
#[rustfmt::skip]
pub mod generated_defaults;

/// Generated from `generator/tests/fixtures/unique.dyn`.
#[rustfmt::skip]
pub mod unique;

/// Generated from `generator/tests/fixtures/projected_templates.dyn`.
#[rustfmt::skip]
pub mod projected_templates;

/// Generated from `generator/tests/fixtures/projections.dyn`.
#[rustfmt::skip]
pub mod projections;

/// Generated from `generator/tests/fixtures/nested.dyn`.
#[rustfmt::skip]
pub mod nested;

/// Generated from `generator/tests/fixtures/key_types.dyn`.
#[rustfmt::skip]
pub mod key_types;

/// Generated from `generator/tests/fixtures/writes.dyn`.
#[rustfmt::skip]
pub mod writes;
