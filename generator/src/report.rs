//! Presenting diagnostics: rustc-style text for people, JSON for tools.

use crate::dsl::{Diagnostic, Severity};
use serde_json::json;

/// Diagnostics of one file, with the text they point into.
pub struct FileReport<'a> {
    pub file_name: &'a str,
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

impl FileReport<'_> {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// Every diagnostic as rustc would print it, then a summary line when
    /// there is anything to summarise. Empty for a clean file.
    pub fn render_human(&self, color: bool) -> String {
        let mut out = String::new();
        for d in self.diagnostics {
            out.push_str(&d.render(self.file_name, self.source, color));
            out.push('\n');
        }
        let (errors, warnings) = (self.errors(), self.warnings());
        if errors > 0 {
            out.push_str(&format!(
                "error: could not check `{}` due to {}{}\n",
                self.file_name,
                plural(errors, "previous error"),
                if warnings > 0 {
                    format!("; {} emitted", plural(warnings, "warning"))
                } else {
                    String::new()
                }
            ));
        } else if warnings > 0 {
            out.push_str(&format!(
                "warning: `{}` generated {}\n",
                self.file_name,
                plural(warnings, "warning")
            ));
        }
        out
    }

    pub fn json_diagnostics(&self) -> Vec<serde_json::Value> {
        self.diagnostics
            .iter()
            .map(|d| serde_json::to_value(d.to_json(self.file_name, self.source)).unwrap_or(serde_json::Value::Null))
            .collect()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The `--format json` document for a whole run.
pub fn json_document(reports: &[FileReport<'_>]) -> serde_json::Value {
    let diagnostics: Vec<serde_json::Value> = reports.iter().flat_map(FileReport::json_diagnostics).collect();
    json!({
        "errors": reports.iter().map(FileReport::errors).sum::<usize>(),
        "warnings": reports.iter().map(FileReport::warnings).sum::<usize>(),
        "diagnostics": diagnostics,
    })
}
