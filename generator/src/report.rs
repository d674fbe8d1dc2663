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

/// Whether human output gets ANSI colours: `--color always|never` decide;
/// `auto` colours only a terminal, and never when `NO_COLOR` is set to a
/// non-empty value (<https://no-color.org>).
pub fn use_color(choice: Option<bool>, no_color: Option<&std::ffi::OsStr>, stderr_is_terminal: bool) -> bool {
    match choice {
        Some(forced) => forced,
        None => no_color.is_none_or(|v| v.is_empty()) && stderr_is_terminal,
    }
}

#[cfg(test)]
mod tests {
    use super::use_color;
    use std::ffi::OsStr;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(use_color(None, None, true));
        assert!(!use_color(None, None, false));
        assert!(!use_color(None, Some(OsStr::new("1")), true));
        // An empty NO_COLOR does not count, per no-color.org.
        assert!(use_color(None, Some(OsStr::new("")), true));
        assert!(use_color(Some(true), Some(OsStr::new("1")), false));
        assert!(!use_color(Some(false), None, true));
    }
}
