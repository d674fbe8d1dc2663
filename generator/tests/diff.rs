//! `dyngen diff`: schema pairs in `fixtures/diff/` (`<case>.old.dyn` and
//! `<case>.new.dyn`), one or a few rules each, as snapshots to review; and
//! the properties every diff keeps.
//!
//! Each old file starts with `// expect: ...`, the impacts its changes must
//! have (`none` for no change at all), so a snapshot cannot silently drift
//! to another classification.
//!
//! Snapshots: `INSTA_UPDATE=always cargo test -p dyngen --test diff` (or
//! `cargo insta review`).

mod common;

use common::{load, workspace};
use dyngen::diff::{diff, render_changes, Change, Impact};
use dyngen::dsl::ir::Schema;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn schemas_in(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().ends_with(suffix))
        .collect();
    paths.sort();
    paths
}

fn cases_dir() -> PathBuf {
    workspace().join("generator/tests/fixtures/diff")
}

/// The new schema of the case whose old schema is `old`.
fn new_of(old: &Path) -> PathBuf {
    let name = old.file_name().unwrap().to_str().unwrap();
    old.with_file_name(name.replace(".old.dyn", ".new.dyn"))
}

/// The impacts a case's `// expect:` line names.
fn expected_impacts(path: &Path) -> BTreeSet<Impact> {
    let source = std::fs::read_to_string(path).unwrap();
    let line = source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// expect: "))
        .unwrap_or_else(|| panic!("{} must start with `// expect: ...`", path.display()));
    line.split(", ")
        .filter(|w| *w != "none")
        .map(|w| match w {
            "breaking" => Impact::Breaking,
            "backfill" => Impact::Backfill,
            "safe" => Impact::Safe,
            other => panic!("{}: unknown impact `{other}`", path.display()),
        })
        .collect()
}

fn vcs() -> Schema {
    load(&workspace().join("generated-example/vcs.dyn"))
}

/// Every valid schema: the example, the DSL's valid fixtures, this crate's
/// fixtures, and both sides of every diff case.
fn all_schemas() -> Vec<PathBuf> {
    let root = workspace();
    let mut paths = vec![root.join("generated-example/vcs.dyn")];
    paths.extend(schemas_in(&root.join("dsl/tests/fixtures/valid"), ".dyn"));
    paths.extend(schemas_in(&root.join("generator/tests/fixtures"), ".dyn"));
    paths.extend(schemas_in(&cases_dir(), ".dyn"));
    paths
}

// ---------------------------------------------------------------------------
// Snapshots.

#[test]
fn snapshot_cases() {
    insta::glob!("fixtures/diff", "*.old.dyn", |path| {
        let new_path = new_of(path);
        let changes = diff(&load(path), &load(&new_path));
        let impacts: BTreeSet<Impact> = changes.iter().map(|c| c.impact).collect();
        assert_eq!(
            impacts,
            expected_impacts(path),
            "{}: the impacts differ from its `// expect:` line:\n{}",
            path.display(),
            render_changes(&changes, false)
        );
        assert_eq!(
            expected_impacts(path),
            expected_impacts(&new_path),
            "both sides of a case expect the same"
        );
        insta::assert_snapshot!(render_changes(&changes, false));
    });
}

/// The JSON form, for one case with every impact.
#[test]
fn snapshot_json() {
    let old = cases_dir().join("sparse_indexes.old.dyn");
    let changes = diff(&load(&old), &load(&new_of(&old)));
    insta::assert_snapshot!("sparse_indexes_json", render_changes(&changes, true));
}

#[test]
fn vcs_against_itself_has_no_changes() {
    let changes = diff(&vcs(), &vcs());
    assert_eq!(changes, Vec::<Change>::new());
    insta::assert_snapshot!("vcs_itself", render_changes(&changes, false));
    insta::assert_snapshot!("vcs_itself_json", render_changes(&changes, true));
}

// ---------------------------------------------------------------------------
// Properties.

/// Comparing a schema with itself finds nothing, for every valid schema.
#[test]
fn every_schema_against_itself_has_no_changes() {
    for path in all_schemas() {
        let schema = load(&path);
        assert_eq!(diff(&schema, &schema), Vec::<Change>::new(), "{}", path.display());
    }
}

/// Every case has both sides, and only cases are in the directory.
#[test]
fn cases_come_in_pairs() {
    let olds = schemas_in(&cases_dir(), ".old.dyn");
    let news = schemas_in(&cases_dir(), ".new.dyn");
    assert!(!olds.is_empty());
    assert_eq!(olds.len(), news.len());
    for old in &olds {
        assert!(new_of(old).exists(), "{} has no .new.dyn", old.display());
    }
    assert_eq!(schemas_in(&cases_dir(), ".dyn").len(), olds.len() + news.len());
}

/// The order is stable (breaking, then backfill, then safe) and the result
/// is the same on every run; every change says what to do.
#[test]
fn changes_are_ordered_and_complete() {
    for old in schemas_in(&cases_dir(), ".old.dyn") {
        let (a, b) = (load(&old), load(&new_of(&old)));
        let changes = diff(&a, &b);
        assert_eq!(changes, diff(&a, &b));
        assert!(
            changes.windows(2).all(|w| w[0].impact >= w[1].impact),
            "{}",
            old.display()
        );
        for change in &changes {
            assert!(!change.subject.is_empty() && !change.what.is_empty() && !change.action.is_empty());
        }
    }
}

/// Going back and forth: whatever one direction finds, the other direction
/// finds something too (a change is never invisible from one side).
#[test]
fn changes_are_seen_both_ways() {
    for old in schemas_in(&cases_dir(), ".old.dyn") {
        let (a, b) = (load(&old), load(&new_of(&old)));
        assert_eq!(diff(&a, &b).is_empty(), diff(&b, &a).is_empty(), "{}", old.display());
    }
}

/// The JSON document holds the counts and the changes as they are.
#[test]
fn json_matches_the_changes() {
    for old in schemas_in(&cases_dir(), ".old.dyn") {
        let changes = diff(&load(&old), &load(&new_of(&old)));
        let json: serde_json::Value = serde_json::from_str(&render_changes(&changes, true)).unwrap();
        let count = |impact: Impact| changes.iter().filter(|c| c.impact == impact).count();
        assert_eq!(json["breaking"], count(Impact::Breaking));
        assert_eq!(json["backfill"], count(Impact::Backfill));
        assert_eq!(json["safe"], count(Impact::Safe));
        let listed = json["changes"].as_array().unwrap();
        assert_eq!(listed.len(), changes.len());
        for (json, change) in listed.iter().zip(&changes) {
            assert_eq!(json["subject"], change.subject.as_str());
            assert_eq!(json["what"], change.what.as_str());
            assert_eq!(json["action"], change.action.as_str());
            let impact = serde_json::to_value(change.impact).unwrap();
            assert_eq!(json["impact"], impact);
        }
    }
}
