//! `dyngen diff`: what a schema change does to the data already stored.

use dyngen_dsl::ir::Schema;

/// How serious a change is for stored data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Existing items keep working.
    Safe,
    /// Existing items are not found through some access pattern until they
    /// are rewritten.
    Backfill,
    /// Needs a new table (or breaks reading existing items).
    Breaking,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub impact: Impact,
    /// What changed, e.g. "entity `Issue`: access pattern `managed`".
    pub subject: String,
    /// What the change is.
    pub what: String,
    /// What to do about it.
    pub action: String,
}

/// The changes from `old` to `new`, in a stable order.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let _ = (old, new);
    Vec::new()
}

/// The changes as text (or JSON with `json`).
pub fn render_changes(changes: &[Change], json: bool) -> String {
    let _ = (changes, json);
    String::new()
}
