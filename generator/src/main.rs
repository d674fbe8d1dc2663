//! The `dyngen` command line.

use clap::{Parser, Subcommand, ValueEnum};
use dyngen::report::{json_document, FileReport};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Generates a typed Rust access layer for DynamoDB single-table designs.
///
/// A `.dyn` schema describes one table: its keys and indexes, the entities
/// stored in it, and the collections that read several entities at once.
#[derive(Parser)]
#[command(name = "dyngen", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 success, 1 schema errors, 2 usage or I/O errors.\n\
                        Language reference: docs/dsl.md")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check schemas and report every problem found.
    ///
    /// Prints nothing and exits 0 when every schema is valid. Warnings are
    /// shown but do not fail the check.
    #[command(after_help = "Exit codes: 0 valid (warnings allowed), 1 schema errors, 2 usage or I/O errors.")]
    Check {
        /// Schema files to check.
        #[arg(required = true, value_name = "FILE.dyn")]
        files: Vec<PathBuf>,
        /// Output format for diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour human-readable output. `auto` colours only a
        /// terminal, and never when NO_COLOR is set.
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// rustc-style text on stderr.
    Human,
    /// One JSON document on stdout: {errors, warnings, diagnostics: [..]}.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, format, color } => check(&files, format, color),
    }
}

/// Exit code 2: the input could not be read at all.
const EXIT_USAGE: u8 = 2;

fn check(files: &[PathBuf], format: Format, color: Color) -> ExitCode {
    let choice = match color {
        Color::Always => Some(true),
        Color::Never => Some(false),
        Color::Auto => None,
    };
    let no_color = std::env::var_os("NO_COLOR");
    let color = dyngen::report::use_color(choice, no_color.as_deref(), std::io::stderr().is_terminal());
    let mut io_failed = false;
    let mut loaded: Vec<(String, String, Vec<dyngen::dsl::Diagnostic>)> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match read_schema(path) {
            Ok(source) => {
                let diagnostics = dyngen::check_source(&source).diagnostics;
                loaded.push((name, source, diagnostics));
            }
            Err(message) => {
                io_failed = true;
                eprintln!("error: cannot read `{name}`: {message}");
            }
        }
    }
    let reports: Vec<FileReport<'_>> = loaded
        .iter()
        .map(|(file_name, source, diagnostics)| FileReport {
            file_name,
            source,
            diagnostics,
        })
        .collect();
    match format {
        Format::Human => {
            let mut stderr = std::io::stderr().lock();
            for report in &reports {
                let _ = stderr.write_all(report.render_human(color).as_bytes());
            }
        }
        Format::Json => {
            let document = json_document(&reports);
            println!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
        }
    }
    if io_failed {
        ExitCode::from(EXIT_USAGE)
    } else if reports.iter().any(|r| r.errors() > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn read_schema(path: &std::path::Path) -> Result<String, String> {
    if path.is_dir() {
        return Err("it is a directory; pass the schema files inside it".into());
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}
