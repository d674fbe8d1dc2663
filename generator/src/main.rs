//! The `dyngen` command line.

use clap::{Parser, Subcommand, ValueEnum};
use dyngen::report::{json_document, FileReport};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
        /// Print no status line (`wrote …` / `… unchanged`); diagnostics
        /// are still printed.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Document the table design and its access patterns, for reviewers.
    ///
    /// Every physical key attribute and what fills it, one row per access
    /// pattern with example keys, collections, sparse indexes, TTL, versions
    /// and timestamps. Deterministic: check it in and review its diffs.
    #[command(after_help = "Exit codes: 0 printed, 1 schema errors, 2 usage or I/O errors.")]
    Doc {
        /// The schema to document.
        #[arg(value_name = "FILE.dyn")]
        schema: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DocFormatArg::Markdown)]
        format: DocFormatArg,
        /// When to colour diagnostics (see `dyngen check --help`).
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
    },
    /// Print the CreateTable definition of the schema's table.
    ///
    /// `create-table` is the input of `aws dynamodb create-table
    /// --cli-input-json`; TTL is a separate request once the table is active,
    /// `update-time-to-live`; `json` holds both; `cloudformation` is an
    /// `AWS::DynamoDB::Table` resource in a template, TTL included.
    #[command(after_help = "Exit codes: 0 printed, 1 schema errors, 2 usage or I/O errors.")]
    Table {
        /// The schema whose table to print.
        #[arg(value_name = "FILE.dyn")]
        schema: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormatArg::CreateTable)]
        format: TableFormatArg,
        /// The table's name (default: the schema's table name).
        #[arg(long, value_name = "NAME")]
        table_name: Option<String>,
        /// When to colour diagnostics (see `dyngen check --help`).
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
    },
    /// Format schemas in the one canonical layout, comments kept.
    ///
    /// Rewrites the files in place (only those that change), or with
    /// --check writes nothing and lists the files that are not formatted.
    #[command(after_help = "Exit codes: 0 formatted (or, with --check, already formatted), \
                            1 syntax errors or (with --check) unformatted files, 2 usage or I/O errors.")]
    Fmt {
        /// Schema files to format.
        #[arg(required = true, value_name = "FILE.dyn")]
        files: Vec<PathBuf>,
        /// Write nothing; exit 1 when a file is not formatted, with a diff.
        #[arg(long)]
        check: bool,
        /// When to colour diagnostics (see `dyngen check --help`).
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
    },
    /// Say what changing a schema from OLD to NEW does to stored data.
    ///
    /// Each change is safe, needs a backfill (existing items are not found
    /// through an access pattern until rewritten), or is breaking (needs a
    /// new table, or existing items no longer read); each says what to do.
    #[command(after_help = "Exit codes: 0 nothing breaking, 1 breaking changes or schema errors, \
                            2 usage or I/O errors.")]
    Diff {
        /// The schema as it is deployed.
        #[arg(value_name = "OLD.dyn")]
        old: PathBuf,
        /// The changed schema.
        #[arg(value_name = "NEW.dyn")]
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour diagnostics (see `dyngen check --help`).
        #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
        color: Color,
    },
    /// Make DIR a crate on dyngen: `schema/todo.dyn`, `build.rs`,
    /// `src/main.rs` and the `Cargo.toml` entries (a whole `Cargo.toml`
    /// when there is none; an existing one gets its entries added and an
    /// existing `src/main.rs` is kept). Never overwrites a file.
    #[command(after_help = "Exit codes: 0 written, 2 a file would be overwritten, \
                            the crate is set up already, or I/O errors (nothing is written).")]
    Init {
        /// The crate's directory (made when missing).
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DocFormatArg {
    /// A Markdown document.
    Markdown,
    /// The same facts as one JSON document.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum TableFormatArg {
    /// The CreateTable input (`aws dynamodb create-table --cli-input-json`).
    CreateTable,
    /// The UpdateTimeToLive input (`aws dynamodb update-time-to-live --cli-input-json`).
    UpdateTimeToLive,
    /// Both inputs, under their operations' names.
    Json,
    /// A CloudFormation template with an `AWS::DynamoDB::Table` resource.
    Cloudformation,
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
            quiet,
        } => build(
            &schema,
            BuildTarget {
                output,
                out_dir,
                check,
                quiet,
            },
            color,
        ),
        Command::Doc { schema, format, color } => {
            let format = match format {
                DocFormatArg::Markdown => dyngen::doc::DocFormat::Markdown,
                DocFormatArg::Json => dyngen::doc::DocFormat::Json,
            };
            with_schema(&schema, color, |ir, file_name| {
                print_text(&dyngen::doc::render_doc(ir, file_name, format));
                ExitCode::SUCCESS
            })
        }
        Command::Table {
            schema,
            format,
            table_name,
            color,
        } => {
            let format = match format {
                TableFormatArg::CreateTable => dyngen::table_def::TableFormat::CreateTable,
                TableFormatArg::UpdateTimeToLive => dyngen::table_def::TableFormat::UpdateTimeToLive,
                TableFormatArg::Json => dyngen::table_def::TableFormat::Json,
                TableFormatArg::Cloudformation => dyngen::table_def::TableFormat::CloudFormation,
            };
            with_schema(&schema, color, |ir, _| {
                if format == dyngen::table_def::TableFormat::UpdateTimeToLive && ir.table.ttl_field.is_none() {
                    eprintln!(
                        "error: table `{}` has no TTL attribute; there is nothing to enable",
                        ir.table.name
                    );
                    return ExitCode::FAILURE;
                }
                print_text(&dyngen::table_def::render_table(ir, table_name.as_deref(), format));
                ExitCode::SUCCESS
            })
        }
        Command::Fmt { files, check, color } => fmt(&files, check, color),
        Command::Init { dir } => init(&dir),
        Command::Diff {
            old,
            new,
            format,
            color,
        } => with_schema(&old, color, |old_ir, _| {
            with_schema(&new, color, |new_ir, _| {
                let changes = dyngen::diff::diff(old_ir, new_ir);
                print_text(&dyngen::diff::render_changes(&changes, matches!(format, Format::Json)));
                if changes.iter().any(|c| c.impact == dyngen::diff::Impact::Breaking) {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                }
            })
        }),
    }
}

/// Prints `text`, with a final newline.
fn print_text(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
}

/// Reads and checks one schema, reporting its diagnostics like `dyngen
/// check`, then runs `then` on it (with the file's name). Exit 1 on schema
/// errors, 2 when the file cannot be read.
fn with_schema(
    path: &std::path::Path,
    color: Color,
    then: impl FnOnce(&dyngen::dsl::ir::Schema, &str) -> ExitCode,
) -> ExitCode {
    let source = match read_schema(path) {
        Ok(source) => source,
        Err(message) => {
            eprintln!("error: cannot read `{}`: {message}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let compiled = dyngen::check_source(&source);
    let name = path.display().to_string();
    let report = FileReport {
        file_name: &name,
        source: &source,
        diagnostics: &compiled.diagnostics,
    };
    let _ = std::io::stderr().write_all(report.render_human(color_choice(color)).as_bytes());
    let Some(ir) = compiled.schema else {
        return ExitCode::FAILURE;
    };
    let file_name = path
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    then(&ir, &file_name)
}

/// `dyngen init DIR`: plans the crate from what DIR holds, then writes it.
fn init(dir: &Path) -> ExitCode {
    use dyngen::init::{plan, DyngenSource, Existing};
    let name = match dir
        .canonicalize()
        .ok()
        .or_else(|| Some(dir.to_path_buf()))
        .and_then(|d| d.file_name().and_then(|n| n.to_str()).map(str::to_owned))
    {
        Some(name) => name,
        None => {
            eprintln!("error: cannot name a crate after `{}`", dir.display());
            return ExitCode::from(2);
        }
    };
    let manifest = match std::fs::read_to_string(dir.join("Cargo.toml")) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            eprintln!("error: reading {}: {e}", dir.join("Cargo.toml").display());
            return ExitCode::from(2);
        }
    };
    let existing = Existing {
        manifest,
        files: ["schema/todo.dyn", "build.rs", "src/main.rs"]
            .iter()
            .filter(|f| dir.join(f).exists())
            .map(|f| f.to_string())
            .collect(),
    };
    let plan = match plan(&name, &existing, &DyngenSource::of_this_build()) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for (path, contents) in &plan.files {
        let path = dir.join(path);
        // Only an existing Cargo.toml is replaced (with entries added);
        // every other file must not exist, even if it appeared just now.
        let replace = path.ends_with("Cargo.toml") && plan.manifest_edited;
        let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(replace)
                .create(replace)
                .create_new(!replace)
                .open(&path)?;
            file.write_all(contents.as_bytes())
        });
        if let Err(e) = written {
            eprintln!("error: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
        eprintln!("wrote {}", path.display());
    }
    if plan.main_kept {
        eprintln!(
            "kept src/main.rs: include the module with `mod todo {{ dyngen_runtime::include_generated!(\"todo\"); }}`"
        );
    }
    eprintln!(
        "next: `cargo run` in {} (see the README's \"Use it in your crate\")",
        dir.display()
    );
    ExitCode::SUCCESS
}

fn fmt(files: &[PathBuf], check: bool, color: Color) -> ExitCode {
    let color = color_choice(color);
    let mut io_failed = false;
    let mut failed = false;
    for path in files {
        let name = path.display().to_string();
        let source = match read_schema(path) {
            Ok(source) => source,
            Err(message) => {
                io_failed = true;
                eprintln!("error: cannot read `{name}`: {message}");
                continue;
            }
        };
        let formatted = match dyngen::dsl::format::format(&source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                failed = true;
                let report = FileReport {
                    file_name: &name,
                    source: &source,
                    diagnostics: &diagnostics,
                };
                let _ = std::io::stderr().write_all(report.render_human(color).as_bytes());
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        if check {
            failed = true;
            let diff = similar::TextDiff::from_lines(&source, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (formatted)"))
            );
            eprintln!("error: `{name}` is not formatted; run `dyngen fmt {name}`");
        } else if let Err(e) = dyngen::write_file_if_changed(path, &formatted) {
            io_failed = true;
            eprintln!("error: cannot write `{name}`: {e}");
        }
    }
    if io_failed {
        ExitCode::from(EXIT_USAGE)
    } else if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
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

/// Where `dyngen build` writes, and how it reports.
struct BuildTarget {
    output: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    check: bool,
    quiet: bool,
}

fn build(schema: &std::path::Path, target: BuildTarget, color: Color) -> ExitCode {
    // Diagnostics are rendered like `dyngen check` does.
    with_schema(schema, color, |ir, file_name| {
        generate_to(ir, file_name, schema, target)
    })
}

/// `dyngen build` once the schema is checked.
fn generate_to(
    ir: &dyngen::dsl::ir::Schema,
    file_name: &str,
    schema: &std::path::Path,
    build: BuildTarget,
) -> ExitCode {
    let name = schema.display().to_string();
    let target = build.output.or_else(|| {
        build
            .out_dir
            .map(|dir| dir.join(format!("{}.rs", file_name.trim_end_matches(".dyn"))))
    });
    let file = match dyngen::generate(ir, file_name) {
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
    if build.check {
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
        Ok(written) => {
            if !build.quiet {
                eprintln!("{}", build_status(ir, &target, written));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", target.display());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// What `dyngen build` did, on one line (on stderr, as cargo's status lines
/// are, so that stdout stays the module's when there is no target):
/// `wrote src/vcs.rs (4 entities, 3 collections)` or `src/vcs.rs unchanged`.
fn build_status(ir: &dyngen::dsl::ir::Schema, target: &std::path::Path, written: bool) -> String {
    if !written {
        return format!("{} unchanged", target.display());
    }
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "wrote {} ({}, {})",
        target.display(),
        count(ir.entities.len(), "entity", "entities"),
        count(ir.collections.len(), "collection", "collections")
    )
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
