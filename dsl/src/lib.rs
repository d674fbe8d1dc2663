//! The dyngen schema language.
//!
//! Pipeline: [`parse`] (text → [`ast`]) → [`lower`] (AST → resolved [`ir`])
//! → [`validate`] (IR → diagnostics). [`compile`] runs all three. Pest types
//! never leave this crate; the generator sees only [`ir::Schema`].
#![forbid(unsafe_code)]

pub mod ast;
pub mod diagnostic;
pub mod format;
pub mod parse;
pub mod span;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use span::Span;
pub mod ir;
pub mod lower;
pub mod names;
pub mod validate;

/// The result of checking one schema.
#[derive(Debug)]
pub struct Compiled {
    /// The resolved schema: `Some` exactly when no diagnostic is an error.
    pub schema: Option<ir::Schema>,
    /// Errors and warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, lowers and validates a schema, collecting every diagnostic.
pub fn compile(source: &str) -> Compiled {
    let file = match parse::parse(source) {
        Ok(file) => file,
        Err(diagnostics) => {
            return Compiled {
                schema: None,
                diagnostics,
            }
        }
    };
    let lowered = lower::lower(&file);
    let mut diagnostics = lowered.diagnostics;
    if let Some(schema) = &lowered.schema {
        let lowering_failed = diagnostics.iter().any(Diagnostic::is_error);
        diagnostics.extend(validate::validate(schema, lowering_failed));
    }
    diagnostic::sort(&mut diagnostics);
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    Compiled {
        schema: if failed { None } else { lowered.schema },
        diagnostics,
    }
}
