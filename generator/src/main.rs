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
    /// Generate the Rust module for a schema.
    ///
    /// Writes only when the content changed, so unchanged output never
    /// triggers a rebuild. Without -o or --out-dir the module goes to stdout.
    #[command(
        after_help = "Exit codes: 0 written (or up to date), 1 schema errors or (with --check) stale output, \
                            2 usage or I/O errors.\n\
                            In build.rs, use the library instead: dyngen::compile(\"schema.dyn\")."
    )]
    #[command(group(clap::ArgGroup::new("target").args(["output", "out_dir"]).multiple(false)))]
    Build {
        /// The schema to generate from.
        #[arg(value_name = "FILE.dyn")]
        schema: PathBuf,
        /// The file to write.
        #[arg(short = 'o', long = "output", value_name = "FILE.rs", conflicts_with = "out_dir")]
        output: Option<PathBuf>,
        /// The directory to write `<schema name>.rs` into.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Write nothing; exit 1 with a unified diff when the file on disk is
        /// not what the schema generates (for CI on checked-in code).
        #[arg(long, requires = "target")]
        check: bool,
        /// When to colour diagnostics (see `dyngen check --help`).
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
        Command::Build {
            schema,
            output,
            out_dir,
            check,
            color,
        } => build(&schema, output, out_dir, check, color),
    }
}

fn color_choice(color: Color) -> bool {
    let choice = match color {
        Color::Always => Some(true),
        Color::Never => Some(false),
        Color::Auto => None,
    };
    let no_color = std::env::var_os("NO_COLOR");
    dyngen::report::use_color(choice, no_color.as_deref(), std::io::stderr().is_terminal())
}

fn build(
    schema: &std::path::Path,
    output: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    check: bool,
    color: Color,
) -> ExitCode {
    // Diagnostics are rendered like `dyngen check` does.
    let source = match read_schema(schema) {
        Ok(source) => source,
        Err(message) => {
            eprintln!("error: cannot read `{}`: {message}", schema.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let compiled = dyngen::check_source(&source);
    let name = schema.display().to_string();
    let report = FileReport {
        file_name: &name,
        source: &source,
        diagnostics: &compiled.diagnostics,
    };
    let _ = std::io::stderr().write_all(report.render_human(color_choice(color)).as_bytes());
    let Some(ir) = compiled.schema else {
        return ExitCode::FAILURE;
    };
    let file_name = schema
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    let target = output.or_else(|| out_dir.map(|dir| dir.join(format!("{}.rs", file_name.trim_end_matches(".dyn")))));
    let file = match dyngen::generate(&ir, &file_name) {
        Ok(file) => file,
        Err(error) => {
            let near = target.clone().unwrap_or_else(|| std::env::temp_dir().join("dyngen"));
            eprintln!("error: {}", dyngen::save_invalid(error, &near));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let Some(target) = target else {
        print!("{}", file.contents);
        return ExitCode::SUCCESS;
    };
    if check {
        let on_disk = std::fs::read_to_string(&target).unwrap_or_default();
        if on_disk == file.contents {
            return ExitCode::SUCCESS;
        }
        let diff = similar::TextDiff::from_lines(&on_disk, &file.contents);
        print!(
            "{}",
            diff.unified_diff().context_radius(3).header(
                &target.display().to_string(),
                &format!("{} (generated from {name})", target.display())
            )
        );
        eprintln!(
            "error: `{}` is out of date with `{name}`; run `dyngen build {name} -o {}`",
            target.display(),
            target.display()
        );
        return ExitCode::FAILURE;
    }
    match dyngen::write_file_if_changed(&target, &file.contents) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", target.display());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Exit code 2: the input could not be read at all.
const EXIT_USAGE: u8 = 2;

fn check(files: &[PathBuf], format: Format, color: Color) -> ExitCode {
    let color = color_choice(color);
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
