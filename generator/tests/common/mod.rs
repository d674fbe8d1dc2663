//! What the generator's test files share: where the workspace is, which
//! schemas every command is tested on, and loading one.
// Each test file uses a part of this.
#![allow(dead_code)]

use dyngen::dsl::ir::Schema;
use std::path::{Path, PathBuf};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator is a workspace member")
        .to_path_buf()
}

/// The resolved schema at `path`, which must check clean.
pub fn load(path: &Path) -> Schema {
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let compiled = dyngen::dsl::compile(&source);
    compiled
        .schema
        .unwrap_or_else(|| panic!("{} has errors: {:#?}", path.display(), compiled.diagnostics))
}

/// The `.dyn` files in `dir`, sorted.
pub fn schemas_in(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dyn"))
        .collect();
    paths.sort();
    paths
}

/// Every schema the generator is tested on (and whose generated code is
/// compiled in `goldens/`): the example, the DSL's valid fixtures and this
/// crate's own.
pub fn all_schemas() -> Vec<PathBuf> {
    let root = workspace();
    let mut paths = vec![root.join("generated-example/vcs.dyn")];
    paths.extend(schemas_in(&root.join("dsl/tests/fixtures/valid")));
    paths.extend(schemas_in(&root.join("generator/tests/fixtures")));
    paths
}
