//! `dyngen init`: the files that start a crate on dyngen, the same crate
//! the README's "Use it in your crate" shows (a test keeps the two equal).
//!
//! [`plan`] is pure: it gets what the directory holds and returns what to
//! write, or why nothing is written; the CLI does the I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;
use thiserror::Error;

/// The schema, build script and program `init` writes, as in the README.
const SCHEMA: &str = include_str!("../templates/init/todo.dyn");
const BUILD_RS: &str = include_str!("../templates/init/build.rs");
const MAIN_RS: &str = include_str!("../templates/init/main.rs");

/// Where the scaffolded crate's dyngen dependencies come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DyngenSource {
    /// A clone: the directories of its `generator` and `runtime` crates.
    Path { generator: PathBuf, runtime: PathBuf },
    /// The registry, at this version.
    Version(String),
}

impl DyngenSource {
    /// The clone this binary was built from, when it is still there;
    /// otherwise this version from the registry.
    pub fn of_this_build() -> Self {
        let generator = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let runtime = generator.join("../runtime");
        if runtime.join("Cargo.toml").is_file() && generator.join("Cargo.toml").is_file() {
            let canonical = |p: PathBuf| p.canonicalize().unwrap_or(p);
            DyngenSource::Path {
                generator: canonical(generator),
                runtime: canonical(runtime),
            }
        } else {
            DyngenSource::Version(env!("CARGO_PKG_VERSION").to_string())
        }
    }

    /// The dependency entry of the crate in `dir` of a clone (`generator`
    /// or `runtime`): `{ path = ".." }`, or the version.
    fn dependency(&self, dir: &str) -> toml_edit::Item {
        match self {
            DyngenSource::Path { generator, runtime } => {
                let path = if dir == "generator" { generator } else { runtime };
                let mut table = toml_edit::InlineTable::new();
                table.insert("path", path.display().to_string().into());
                toml_edit::value(table)
            }
            DyngenSource::Version(version) => toml_edit::value(version.as_str()),
        }
    }
}

/// What the target directory holds, as `init` needs to know it.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    /// `Cargo.toml`'s text, when there is one.
    pub manifest: Option<String>,
    /// Which of the files `init` would create exist (paths relative to the
    /// directory, `/`-separated).
    pub files: Vec<String>,
}

/// The outcome of [`plan`]: files to create or replace, by relative path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Files to write, by path relative to the directory.
    pub files: BTreeMap<String, String>,
    /// Whether `Cargo.toml` is an existing one with entries added (it is
    /// the only file `init` ever changes).
    pub manifest_edited: bool,
    /// `src/main.rs` existed and was left alone: the module must be
    /// included by hand.
    pub main_kept: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum InitError {
    #[error("{} already exist{}; `dyngen init` never overwrites a file (move {} away, or init another directory)",
        list(.0), if .0.len() == 1 { "s" } else { "" }, if .0.len() == 1 { "it" } else { "them" })]
    WouldOverwrite(Vec<String>),
    #[error("Cargo.toml already has a `{0}` dependency: this crate is set up for dyngen already")]
    AlreadySetUp(String),
    #[error("Cargo.toml does not parse: {0}")]
    BadManifest(String),
    #[error("`{0}` cannot name a crate: use letters, digits, `-` and `_`, starting with a letter (init a directory named so, or write its Cargo.toml first)")]
    BadCrateName(String),
}

fn list(paths: &[String]) -> String {
    paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
}

/// The files that make the crate named `name` in a directory holding
/// `existing` a dyngen crate: `schema/todo.dyn`, `build.rs`, the
/// `Cargo.toml` entries (a whole `Cargo.toml` when there is none) and
/// `src/main.rs` (when there is none). Refuses, writing nothing, when a
/// file it would create exists or the manifest names dyngen already.
pub fn plan(name: &str, existing: &Existing, source: &DyngenSource) -> Result<Plan, InitError> {
    let taken: Vec<String> = ["schema/todo.dyn", "build.rs"]
        .iter()
        .filter(|f| existing.files.iter().any(|e| e == *f))
        .map(|f| f.to_string())
        .collect();
    if !taken.is_empty() {
        return Err(InitError::WouldOverwrite(taken));
    }
    let main_kept = existing.files.iter().any(|f| f == "src/main.rs");
    if existing.manifest.is_none() && main_kept {
        // A `src/main.rs` without a manifest is not a crate `init` knows.
        return Err(InitError::WouldOverwrite(vec!["src/main.rs".into()]));
    }
    let manifest_edited = existing.manifest.is_some();
    // Cargo's rule for package names; the name goes into a new manifest.
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !manifest_edited && !valid_name {
        return Err(InitError::BadCrateName(name.to_string()));
    }
    let mut manifest: toml_edit::DocumentMut = match &existing.manifest {
        Some(text) => text
            .parse()
            .map_err(|e: toml_edit::TomlError| InitError::BadManifest(e.to_string()))?,
        None => format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
            .parse()
            .expect("a valid manifest"),
    };
    add_dependencies(&mut manifest, source)?;
    let mut files = BTreeMap::new();
    files.insert("Cargo.toml".to_string(), manifest.to_string());
    files.insert("schema/todo.dyn".to_string(), SCHEMA.to_string());
    files.insert("build.rs".to_string(), BUILD_RS.to_string());
    if !main_kept {
        files.insert("src/main.rs".to_string(), MAIN_RS.to_string());
    }
    Ok(Plan {
        files,
        manifest_edited,
        main_kept,
    })
}

/// The entries the README's `Cargo.toml` has, added to `manifest`; an
/// existing `tokio` or `aws-config` entry is kept as it is.
fn add_dependencies(manifest: &mut toml_edit::DocumentMut, source: &DyngenSource) -> Result<(), InitError> {
    for table in ["dependencies", "build-dependencies"] {
        for name in ["dyngen", "dyngen-runtime"] {
            if manifest.get(table).and_then(|t| t.get(name)).is_some() {
                return Err(InitError::AlreadySetUp(name.to_string()));
            }
        }
    }
    let dependencies = table_of(manifest, "dependencies");
    dependencies.insert(
        "dyngen-runtime",
        with_features(source.dependency("runtime"), &["embedded"]),
    );
    if dependencies.get("aws-config").is_none() {
        dependencies.insert("aws-config", toml_edit::value("1"));
    }
    if dependencies.get("tokio").is_none() {
        let mut tokio = toml_edit::InlineTable::new();
        tokio.insert("version", "1".into());
        let mut features = toml_edit::Array::new();
        features.push("macros");
        features.push("rt-multi-thread");
        tokio.insert("features", features.into());
        dependencies.insert("tokio", toml_edit::value(tokio));
    }
    let build = table_of(manifest, "build-dependencies");
    build.insert("dyngen", source.dependency("generator"));
    Ok(())
}

/// `dependency` (a version or an inline table) with `features` added.
fn with_features(dependency: toml_edit::Item, features: &[&str]) -> toml_edit::Item {
    let mut table = match dependency.as_value() {
        Some(toml_edit::Value::InlineTable(table)) => table.clone(),
        Some(version) => {
            let mut table = toml_edit::InlineTable::new();
            table.insert("version", version.clone());
            table
        }
        None => toml_edit::InlineTable::new(),
    };
    table.insert(
        "features",
        features.iter().copied().collect::<toml_edit::Array>().into(),
    );
    toml_edit::value(table)
}

fn table_of<'a>(manifest: &'a mut toml_edit::DocumentMut, name: &str) -> &'a mut toml_edit::Table {
    manifest
        .entry(name)
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .expect("a dependency table")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_clone() -> DyngenSource {
        DyngenSource::Path {
            generator: "/src/dyngen/generator".into(),
            runtime: "/src/dyngen/runtime".into(),
        }
    }

    #[test]
    fn an_empty_directory_gets_the_whole_crate() {
        let plan = plan("my-app", &Existing::default(), &from_clone()).unwrap();
        let paths: Vec<&str> = plan.files.keys().map(String::as_str).collect();
        assert_eq!(paths, ["Cargo.toml", "build.rs", "schema/todo.dyn", "src/main.rs"]);
        let manifest = &plan.files["Cargo.toml"];
        assert!(manifest.starts_with("[package]\nname = \"my-app\"\n"), "{manifest}");
        assert!(
            manifest.contains("dyngen-runtime = { path = \"/src/dyngen/runtime\", features = [\"embedded\"] }"),
            "{manifest}"
        );
        assert!(
            manifest.contains("[build-dependencies]\ndyngen = { path = \"/src/dyngen/generator\" }"),
            "{manifest}"
        );
        assert!(!plan.manifest_edited && !plan.main_kept);
    }

    #[test]
    fn a_cargo_new_crate_gets_entries_and_keeps_its_main() {
        let existing = Existing {
            manifest: Some("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nserde = \"1\"\ntokio = { version = \"1\", features = [\"full\"] }\n".into()),
            files: vec!["src/main.rs".into()],
        };
        let plan = plan("app", &existing, &DyngenSource::Version("0.1.0".into())).unwrap();
        let manifest = &plan.files["Cargo.toml"];
        assert!(manifest.contains("serde = \"1\""), "{manifest}");
        assert!(
            manifest.contains("tokio = { version = \"1\", features = [\"full\"] }"),
            "kept: {manifest}"
        );
        assert!(
            manifest.contains("dyngen-runtime = { version = \"0.1.0\", features = [\"embedded\"] }"),
            "{manifest}"
        );
        assert!(manifest.contains("aws-config = \"1\""), "{manifest}");
        assert!(
            manifest.contains("[build-dependencies]\ndyngen = \"0.1.0\""),
            "{manifest}"
        );
        assert!(!plan.files.contains_key("src/main.rs"));
        assert!(plan.manifest_edited && plan.main_kept);
    }

    #[test]
    fn nothing_is_overwritten() {
        let existing = Existing {
            manifest: None,
            files: vec!["build.rs".into(), "schema/todo.dyn".into()],
        };
        let error = plan("x", &existing, &from_clone()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`schema/todo.dyn`, `build.rs` already exist; `dyngen init` never overwrites a file (move them away, or init another directory)"
        );
        let set_up = Existing {
            manifest: Some("[package]\nname = \"x\"\n[build-dependencies]\ndyngen = \"0.1\"\n".into()),
            files: vec![],
        };
        assert_eq!(
            plan("x", &set_up, &from_clone()),
            Err(InitError::AlreadySetUp("dyngen".into()))
        );
        assert_eq!(
            plan("my app\"", &Existing::default(), &from_clone()),
            Err(InitError::BadCrateName("my app\"".into()))
        );
        let broken = Existing {
            manifest: Some("[package\n".into()),
            files: vec![],
        };
        assert!(matches!(
            plan("x", &broken, &from_clone()),
            Err(InitError::BadManifest(_))
        ));
    }
}
