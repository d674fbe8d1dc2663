//! Snapshots of the rendered diagnostics for invalid schemas.
//!
//! Each fixture in `fixtures/invalid/` makes one mistake and starts with a
//! line naming the codes it must produce, e.g. `// expect: E0402`. The
//! snapshot shows exactly what a user would read (`dyngen check` output,
//! without colour); the assertions keep the fixtures honest: every code is
//! produced where expected, errors block the schema and warnings do not.

use dyngen_dsl::{Code, Severity};
use std::collections::BTreeSet;
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/invalid");

/// The codes on a fixture's `// expect:` first line.
fn expected_codes(source: &str, name: &str) -> Vec<String> {
    let first = source.lines().next().unwrap_or_default();
    let codes = first
        .strip_prefix("// expect:")
        .unwrap_or_else(|| panic!("{name}: the first line must be `// expect: CODE ...`, found {first:?}"));
    let codes: Vec<String> = codes.split_whitespace().map(str::to_string).collect();
    assert!(!codes.is_empty(), "{name}: `// expect:` names no code");
    for code in &codes {
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == code),
            "{name}: `// expect:` names {code}, which is not a diagnostic code"
        );
    }
    codes
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a fixture path names a file")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn invalid_fixtures() {
    insta::glob!("fixtures/invalid/*.dyn", |path| {
        let name = file_name(path);
        let source = std::fs::read_to_string(path).unwrap();
        let expected = expected_codes(&source, &name);
        let compiled = dyngen_dsl::compile(&source);

        let rendered: String = compiled
            .diagnostics
            .iter()
            .map(|d| d.render(&name, &source, false))
            .collect();
        assert!(
            !compiled.diagnostics.is_empty(),
            "{name}: expected diagnostics, got none"
        );

        let produced: BTreeSet<&str> = compiled.diagnostics.iter().map(|d| d.code.as_str()).collect();
        for code in &expected {
            assert!(
                produced.contains(code.as_str()),
                "{name}: expected {code}, got {produced:?}:\n{rendered}"
            );
        }

        let all_errors = expected.iter().all(|c| c.starts_with('E'));
        let all_warnings = expected.iter().all(|c| c.starts_with('W'));
        if all_errors {
            assert!(compiled.schema.is_none(), "{name}: errors must leave no schema");
        }
        if all_warnings {
            assert!(
                compiled.schema.is_some(),
                "{name}: warnings alone must not block the schema:\n{rendered}"
            );
            assert!(
                compiled.diagnostics.iter().all(|d| d.severity() == Severity::Warning),
                "{name}: a warning-only fixture produced an error:\n{rendered}"
            );
        }

        for diagnostic in &compiled.diagnostics {
            assert!(
                diagnostic.primary_span().is_some(),
                "{name}: {} has no primary label",
                diagnostic.code
            );
            let json = diagnostic.to_json(&name, &source);
            assert!(
                json.line >= 1 && json.column >= 1,
                "{name}: {} is at {}:{}",
                diagnostic.code,
                json.line,
                json.column
            );
            for label in json.labels.iter().filter(|l| l.primary) {
                assert!(
                    label.line >= 1 && label.column >= 1,
                    "{name}: a primary label of {} is at {}:{}",
                    diagnostic.code,
                    label.line,
                    label.column
                );
            }
        }

        insta::assert_snapshot!(rendered);
    });
}

/// Every fixture's `// expect:` codes, across the directory.
fn covered_codes() -> BTreeSet<String> {
    let mut covered = BTreeSet::new();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "dyn") {
            let source = std::fs::read_to_string(&path).unwrap();
            covered.extend(expected_codes(&source, &file_name(&path)));
        }
    }
    covered
}

#[test]
fn every_code_has_a_fixture() {
    let covered = covered_codes();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture in fixtures/invalid/ expects {missing:?}"
    );
}

#[test]
fn every_code_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/dsl.md");
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let headings: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("### ")).collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| {
            !headings.iter().any(|h| {
                h.strip_prefix(code)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/dsl.md has no `### CODE` heading for {missing:?}"
    );
}
