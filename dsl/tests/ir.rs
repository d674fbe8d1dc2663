//! Snapshots of the resolved IR (spans excluded) for the version-control
//! example and for fixtures that together use every construct.

use dyngen_dsl::ir::{Schema, TableIndexRef, Type};

fn compile_clean(source: &str, name: &str) -> Schema {
    let compiled = dyngen_dsl::compile(source);
    let rendered: String = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(name, source, false))
        .collect();
    assert!(
        compiled.diagnostics.is_empty(),
        "{name} should check clean:\n{rendered}"
    );
    compiled.schema.expect("a clean schema lowers")
}

#[test]
fn valid_fixtures() {
    insta::glob!("fixtures/valid/*.dyn", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let schema = compile_clean(&source, &path.display().to_string());
        insta::assert_yaml_snapshot!(schema);
    });
}

fn vcs() -> Schema {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../generated-example/vcs.dyn");
    compile_clean(&std::fs::read_to_string(path).unwrap(), "vcs.dyn")
}

#[test]
fn vcs_snapshot() {
    insta::assert_yaml_snapshot!(vcs());
}

/// The seed's table design, asserted directly so a reviewer need not trust
/// the snapshot: 4 entities, 2 overloaded GSIs, 3 collections.
#[test]
fn vcs_matches_the_seed_design() {
    let schema = vcs();
    let names: Vec<&str> = schema.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["User", "Repository", "Issue", "PullRequest"]);
    let gsis: Vec<(&str, &str, Option<&str>)> = schema
        .table
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.pk.as_str(), i.sk.as_deref()))
        .collect();
    assert_eq!(
        gsis,
        [("gsi1", "gsi1pk", Some("gsi1sk")), ("gsi2", "gsi2pk", Some("gsi2sk"))]
    );

    let members = |name: &str| -> (TableIndexRef, Vec<String>) {
        let c = schema.collection_named(name).unwrap();
        (
            c.table_index.clone(),
            c.members.iter().map(|m| m.entity.clone()).collect(),
        )
    };
    let gsi = |n: &str| TableIndexRef::Global(n.to_string());
    assert_eq!(
        members("owned"),
        (gsi("gsi1"), vec!["User".into(), "Repository".into()])
    );
    assert_eq!(
        members("managed"),
        (gsi("gsi1"), vec!["Issue".into(), "PullRequest".into()])
    );
    assert_eq!(
        members("activity"),
        (
            gsi("gsi2"),
            vec!["Repository".into(), "Issue".into(), "PullRequest".into()]
        )
    );

    // Status leads the sort key on both GSIs, so items group by status.
    let issue = schema.entity_named("Issue").unwrap();
    for index in &issue.indexes {
        assert_eq!(index.sk.as_ref().unwrap().composites, ["status", "issueNumber"]);
    }
    assert_eq!(issue.attribute("status").unwrap().ty, Type::Enum("IssueStatus".into()));
    assert_eq!(issue.primary.pk.composites, ["repoOwner", "repoName"]);
    let activity = schema.collection_named("activity").unwrap();
    assert_eq!(
        activity.partition,
        [
            ("repoOwner".to_string(), Type::String),
            ("repoName".to_string(), Type::String)
        ]
    );
    assert!(schema.entities.iter().all(|e| e.timestamps));
}

/// The same schema always lowers to the same IR, and spans never matter.
#[test]
fn lowering_is_deterministic_and_ignores_layout() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../generated-example/vcs.dyn");
    let source = std::fs::read_to_string(path).unwrap();
    let reflowed = source.replace("  ", "      ").replace('\n', "\n\n");
    assert_eq!(vcs(), compile_clean(&reflowed, "reflowed.dyn"));
}
