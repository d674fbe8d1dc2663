//! Files at the edge: the build-script API (in the style of prost-build) and
//! the helpers the CLI shares with it. Everything else is pure.

use crate::dsl;
use crate::generate::{generate, GenerateError, GeneratedFile};
use crate::report::FileReport;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why a schema could not be turned into a file.
pub enum BuildError {
    /// The schema could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The schema has errors; `rendered` holds them as rustc would print them.
    Schema { path: PathBuf, rendered: String },
    /// A dyngen bug; the invalid text was saved to `saved_to` when possible.
    Generate {
        error: GenerateError,
        saved_to: Option<PathBuf>,
    },
    /// The output could not be written.
    Write { path: PathBuf, source: io::Error },
    /// No output directory: `OUT_DIR` is unset outside build scripts.
    NoOutDir,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Read { path, source } => write!(f, "cannot read `{}`: {source}", path.display()),
            BuildError::Schema { rendered, .. } => f.write_str(rendered.trim_end()),
            BuildError::Generate { error, saved_to } => {
                write!(f, "{error}; this is a bug in dyngen")?;
                if let Some(path) = saved_to {
                    write!(f, " (the generated text is saved in `{}`)", path.display())?;
                }
                Ok(())
            }
            BuildError::Write { path, source } => write!(f, "cannot write `{}`: {source}", path.display()),
            BuildError::NoOutDir => f.write_str("OUT_DIR is not set: call `out_dir(..)` when not in a build script"),
        }
    }
}

/// `Debug` shows the same text, so `dyngen::compile(..).unwrap()` in a build
/// script prints readable diagnostics rather than a struct dump.
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{self}")
    }
}

impl std::error::Error for BuildError {}

/// Reads, checks and generates one schema, without writing anything.
/// Warnings are returned rendered, for the caller to show.
pub fn generate_from_path(path: &Path) -> Result<(GeneratedFile, String), BuildError> {
    let source = std::fs::read_to_string(path).map_err(|source| BuildError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file_name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let compiled = dsl::compile(&source);
    let report = FileReport {
        file_name: &path.display().to_string(),
        source: &source,
        diagnostics: &compiled.diagnostics,
    }
    .render_human(false);
    let Some(schema) = compiled.schema else {
        return Err(BuildError::Schema {
            path: path.to_path_buf(),
            rendered: report,
        });
    };
    let file = generate(&schema, &file_name).map_err(|error| BuildError::Generate { error, saved_to: None })?;
    Ok((file, report))
}

/// Writes `contents` to `path` unless the file already holds exactly that,
/// so that unchanged output never triggers a rebuild. Returns whether it wrote.
pub fn write_file_if_changed(path: &Path, contents: &str) -> io::Result<bool> {
    if std::fs::read(path).is_ok_and(|existing| existing == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

/// Saves the text of a failed generation next to the output, for a bug report.
pub fn save_invalid(error: GenerateError, near: &Path) -> BuildError {
    let saved_to = match &error {
        GenerateError::InvalidRust { text, .. } => {
            let path = near.with_extension("invalid.rs");
            std::fs::write(&path, text).ok().map(|()| path)
        }
        GenerateError::Render { .. } => None,
    };
    BuildError::Generate { error, saved_to }
}

/// Configures code generation from a build script.
///
/// ```no_run
/// // In build.rs's `fn main`:
/// dyngen::Builder::new().compile("schema/vcs.dyn").unwrap();
/// ```
/// and in the crate: `dyngen_runtime::include_generated!("vcs");`.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    emit_rerun_if_changed: Option<bool>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to write `<schema stem>.rs`; defaults to `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Print `cargo:rerun-if-changed=<schema>`; defaults to on when running
    /// inside a build script (when `OUT_DIR` is set).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun_if_changed = Some(emit);
        self
    }

    /// Generates the module for `schema` and writes it if it changed.
    /// Returns the path of the generated file. Warnings go to stderr as
    /// `cargo:warning` lines in a build script.
    pub fn compile(&self, schema: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
        let schema = schema.as_ref();
        let in_build_script = std::env::var_os("OUT_DIR").is_some();
        if self.emit_rerun_if_changed.unwrap_or(in_build_script) {
            println!("cargo:rerun-if-changed={}", schema.display());
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let (file, warnings) = match generate_from_path(schema) {
            Err(BuildError::Generate { error, .. }) => return Err(save_invalid(error, &out_dir.join("dyngen"))),
            other => other?,
        };
        if in_build_script {
            for line in warnings.lines().filter(|l| !l.is_empty()) {
                println!("cargo:warning={line}");
            }
        } else if !warnings.is_empty() {
            eprint!("{warnings}");
        }
        let path = out_dir.join(&file.name);
        write_file_if_changed(&path, &file.contents).map_err(|source| BuildError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }
}

/// `Builder::new().compile(schema)`: the one-line build script.
pub fn compile(schema: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
    Builder::new().compile(schema)
}
