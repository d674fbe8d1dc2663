//! `dyngen doc`: the table design and its access patterns, for reviewers.

use dyngen_dsl::ir::Schema;

/// What `dyngen doc` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Markdown,
    Json,
}

/// The document for `schema`, read from a file named `source_name`.
pub fn render_doc(schema: &Schema, source_name: &str, format: DocFormat) -> String {
    let _ = (schema, source_name, format);
    String::new()
}
