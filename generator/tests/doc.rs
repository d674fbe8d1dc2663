//! `dyngen doc`: snapshots of the Markdown and JSON documents of every
//! schema, determinism, and the example keys against the key format.
//!
//! Snapshots: `INSTA_UPDATE=always cargo test -p dyngen --test doc` (or
//! `cargo insta review`).

mod common;

use common::{all_schemas, load, workspace};
use dyngen::doc::{render_doc, DocFormat};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn file_name(path: &Path) -> &str {
    path.file_name().unwrap().to_str().unwrap()
}

fn vcs_path() -> PathBuf {
    workspace().join("generated-example/vcs.dyn")
}

fn json_of(path: &Path) -> Value {
    let text = render_doc(&load(path), file_name(path), DocFormat::Json);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the JSON document of {} parses: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Snapshots: the review artifact.

#[test]
fn snapshot_vcs_markdown() {
    let path = vcs_path();
    insta::assert_snapshot!("vcs_markdown", render_doc(&load(&path), "vcs.dyn", DocFormat::Markdown));
}

#[test]
fn snapshot_vcs_json() {
    let path = vcs_path();
    insta::assert_snapshot!("vcs_json", render_doc(&load(&path), "vcs.dyn", DocFormat::Json));
}

#[test]
fn snapshot_dsl_fixtures_markdown() {
    insta::glob!("../../dsl/tests/fixtures/valid", "*.dyn", |path| {
        insta::assert_snapshot!(render_doc(&load(path), file_name(path), DocFormat::Markdown));
    });
}

#[test]
fn snapshot_dsl_fixtures_json() {
    insta::glob!("../../dsl/tests/fixtures/valid", "*.dyn", |path| {
        insta::assert_snapshot!(render_doc(&load(path), file_name(path), DocFormat::Json));
    });
}

/// The declared layouts of the adopted tables: templates, raw and native
/// keys, derived parts, physical index names, ElectroDB's format.
#[test]
fn snapshot_adopted_tables_markdown() {
    insta::glob!("../../examples/adopt/schema", "*.dyn", |path| {
        insta::assert_snapshot!(render_doc(&load(path), file_name(path), DocFormat::Markdown));
    });
}

#[test]
fn snapshot_generator_fixtures_markdown() {
    insta::glob!("fixtures", "*.dyn", |path| {
        insta::assert_snapshot!(render_doc(&load(path), file_name(path), DocFormat::Markdown));
    });
}

#[test]
fn snapshot_generator_fixtures_json() {
    insta::glob!("fixtures", "*.dyn", |path| {
        insta::assert_snapshot!(render_doc(&load(path), file_name(path), DocFormat::Json));
    });
}

// ---------------------------------------------------------------------------
// Determinism and agreement of the two formats.

#[test]
fn rendering_is_deterministic() {
    for path in all_schemas() {
        for format in [DocFormat::Markdown, DocFormat::Json] {
            let first = render_doc(&load(&path), file_name(&path), format);
            let second = render_doc(&load(&path), file_name(&path), format);
            assert_eq!(
                first,
                second,
                "{} ({format:?}) renders differently twice",
                path.display()
            );
            assert!(first.ends_with('\n') && !first.ends_with("\n\n"), "{}", path.display());
        }
    }
}

/// Every key attribute value of an access pattern or key attribute entry
/// (`partition`, `sort` or a `written_by` entry).
fn key_docs(json: &Value) -> Vec<&Value> {
    let mut keys = Vec::new();
    for attribute in json["key_attributes"].as_array().unwrap() {
        keys.extend(attribute["written_by"].as_array().unwrap());
    }
    for pattern in json["access_patterns"].as_array().unwrap() {
        keys.push(&pattern["partition"]);
    }
    keys
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("a string, not {value}"))
}

#[test]
fn markdown_shows_every_example_key_and_condition_of_the_json() {
    for path in all_schemas() {
        let json = json_of(&path);
        let markdown = render_doc(&load(&path), file_name(&path), DocFormat::Markdown);
        let mut shown = Vec::new();
        for key in key_docs(&json) {
            shown.push(text(&key["example"]).to_string());
            shown.push(text(&key["template"]).to_string());
        }
        for pattern in json["access_patterns"].as_array().unwrap() {
            shown.push(text(&pattern["conditions"]["whole_partition"]).to_string());
            if let Some(all) = pattern["conditions"]["all_fixed"].as_str() {
                shown.push(all.to_string());
            }
        }
        for collection in json["collections"].as_array().unwrap() {
            for member in collection["members"].as_array().unwrap() {
                shown.push(text(&member["sort_key_prefix"]).to_string());
            }
        }
        for item in shown {
            assert!(
                markdown.contains(&format!("`{item}`")),
                "{}: the Markdown lacks `{item}`",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Example keys: what the generated code builds.

/// One `KeyBuilder` chain of the generated code.
#[derive(Debug, PartialEq)]
struct Builder {
    entity: String,
    attribute: String,
    sort: bool,
    labels: Vec<String>,
    /// (composite, casing as the schema writes it).
    values: Vec<(String, String)>,
}

fn rust_str(literal: &str) -> String {
    serde_json::from_str(literal).unwrap_or_else(|e| panic!("a plain string literal, not {literal}: {e}"))
}

/// The first `"..."` literal at the start of `text`, and the rest.
fn leading_literal(text: &str) -> (String, &str) {
    assert!(text.starts_with('"'), "a string literal at `{text}`");
    let end = text[1..].find('"').expect("a closing quote") + 2;
    (rust_str(&text[..end]), &text[end..])
}

/// Every key builder in a generated module: entity, attribute, labels and
/// composites (with casing) in order.
fn generated_builders(code: &str) -> Vec<Builder> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut builders = Vec::new();
    for (start, _) in compact.match_indices("::key::KeyBuilder::") {
        let chain = &compact[start + "::key::KeyBuilder::".len()..];
        let chain = &chain[..chain.find(".build()").expect("every builder is built")];
        let sort = chain.starts_with("sort(");
        let args = chain.trim_start_matches("sort(").trim_start_matches("partition(");
        let (entity, rest) = leading_literal(args);
        let (attribute, mut rest) = leading_literal(rest.trim_start_matches(','));
        rest = rest.trim_start_matches(')');
        let mut builder = Builder {
            entity,
            attribute,
            sort,
            labels: Vec::new(),
            values: Vec::new(),
        };
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix(".label(") {
                let (label, after) = leading_literal(after);
                builder.labels.push(label);
                rest = after.strip_prefix(')').expect("one argument");
            } else if let Some(mut after) = rest.strip_prefix(".labels(&[") {
                while after.starts_with('"') {
                    let (label, next) = leading_literal(after);
                    builder.labels.push(label);
                    after = next.trim_start_matches(',');
                }
                rest = after.strip_prefix("])").expect("the end of the list");
            } else if let Some(after) = rest.strip_prefix(".plain(") {
                // `.plain(composite, value)`: the value's case kept.
                let (composite, after) = leading_literal(after);
                builder.values.push((composite, "none".to_string()));
                // The value may hold calls: skip to the `)` closing this one.
                let mut depth = 1;
                let close = after
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map(|(i, _)| i)
                    .expect("the end of the call");
                rest = &after[close + 1..];
            } else if let Some(after) = rest.strip_prefix(".value(") {
                let (composite, after) = leading_literal(after);
                let casing_at = after.find("::dyngen_runtime::Casing::").expect("a casing") + 26;
                let casing_end = after[casing_at..].find([',', ')']).unwrap() + casing_at;
                let casing = match &after[casing_at..casing_end] {
                    "Preserve" => "none",
                    "Lower" => "lower",
                    "Upper" => "upper",
                    other => panic!("casing {other}"),
                };
                builder.values.push((composite, casing.to_string()));
                rest = after[casing_end..]
                    .trim_start_matches(',')
                    .strip_prefix(')')
                    .expect("the end of the call");
            } else {
                panic!("unexpected key builder call at `{rest}`");
            }
        }
        builders.push(builder);
    }
    builders
}

/// The builder the doc describes with a key document.
fn described(entity: &str, key: &Value, sort: bool) -> Builder {
    Builder {
        entity: entity.to_string(),
        attribute: text(&key["attribute"]).to_string(),
        sort,
        labels: key["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| text(l).to_string())
            .collect(),
        values: key["composites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (text(&c["name"]).to_string(), text(&key["casing"]).to_string()))
            .collect(),
    }
}

#[test]
fn example_keys_are_built_like_the_generated_code_builds_them() {
    for path in all_schemas() {
        let schema = load(&path);
        let code = dyngen::generate(&schema, file_name(&path)).unwrap().contents;
        // This reading of the builders knows dyngen's own layout only
        // (labels and values): a schema of template keys is skipped.
        if code.contains("::dyngen_runtime::key::KeyBuilder") && code.contains(".literal(") {
            continue;
        }
        let builders = generated_builders(&code);
        assert!(!builders.is_empty(), "{}", path.display());
        let json = json_of(&path);

        let mut described_builders = Vec::new();
        for attribute in json["key_attributes"].as_array().unwrap() {
            let sort = attribute["roles"][0]["key"] == "sort";
            for fill in attribute["written_by"].as_array().unwrap() {
                described_builders.push(described(text(&fill["entity"]), fill, sort));
            }
        }
        for pattern in json["access_patterns"].as_array().unwrap() {
            if pattern["kind"] == "entity" {
                let entity = text(&pattern["reads"][0]);
                described_builders.push(described(entity, &pattern["partition"], false));
            }
        }
        // Every key the generated code builds is described, and the other way round.
        for builder in &builders {
            assert!(
                described_builders.contains(builder),
                "{}: the doc does not describe {builder:?}",
                path.display()
            );
        }
        for builder in &described_builders {
            assert!(
                builders.contains(builder),
                "{}: the generated code does not build {builder:?}",
                path.display()
            );
        }

        // The example is the labels, then the composites' segments, each
        // followed by `#`; the template has `{name}` where the segment is.
        for key in key_docs(&json) {
            let labels: String = key["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| format!("{}#", text(l)))
                .collect();
            let composites = key["composites"].as_array().unwrap();
            let segments: String = composites.iter().map(|c| format!("{}#", text(&c["segment"]))).collect();
            let names: String = composites
                .iter()
                .map(|c| format!("{{{}}}#", text(&c["name"])))
                .collect();
            assert_eq!(
                text(&key["example"]),
                format!("{labels}{segments}"),
                "{}",
                path.display()
            );
            assert_eq!(text(&key["template"]), format!("{labels}{names}"), "{}", path.display());
        }

        // An access pattern's sort example is the one its entity writes.
        for pattern in json["access_patterns"].as_array().unwrap() {
            let Some(example) = pattern["sort"]["example"].as_str() else {
                continue;
            };
            let written = json["key_attributes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|a| a["written_by"].as_array().unwrap())
                .find(|f| {
                    f["entity"] == pattern["reads"][0]
                        && f["access_pattern"] == pattern["name"]
                        && f["attribute"] == pattern["sort"]["attribute"]
                })
                .expect("the entity writes the pattern's sort key");
            assert_eq!(example, text(&written["example"]), "{}", path.display());
            assert!(example.starts_with(text(&pattern["sort"]["prefix"])));
        }
    }
}

/// Values of composites, by name.
type Values<'a> = [(&'a str, &'a str)];

/// The key of `entity`'s `attribute` in the VCS document, with `values` in
/// place of its composites. They need no escaping, and the VCS keys have no
/// casing, so this is what the codec writes.
fn vcs_key(json: &Value, entity: &str, attribute: &str, values: &Values) -> String {
    let fill = json["key_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["attribute"] == attribute)
        .flat_map(|a| a["written_by"].as_array().unwrap())
        .find(|f| f["entity"] == entity)
        .unwrap_or_else(|| panic!("{entity} writes {attribute}"));
    assert_eq!(fill["casing"], "none");
    let mut key = text(&fill["template"]).to_string();
    for composite in fill["composites"].as_array().unwrap() {
        let name = text(&composite["name"]);
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("a value for {name}"))
            .1;
        assert!(value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        key = key.replace(&format!("{{{name}}}"), value);
    }
    key
}

#[test]
fn vcs_example_keys_are_the_ones_the_generated_code_builds() {
    let json = json_of(&vcs_path());
    let keys = |entity: &str| {
        json["key_attributes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["written_by"].as_array().unwrap())
            .filter(|f| f["entity"] == entity)
            .map(|f| (text(&f["attribute"]).to_string(), text(&f["example"]).to_string()))
            .collect::<Vec<_>>()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, k)| (a.to_string(), k.to_string())).collect()
    };
    assert_eq!(
        keys("Issue"),
        pairs(&[
            ("pk", "vcs#<repoOwner>#<repoName>#"),
            ("sk", "Issue#<issueNumber>#"),
            ("gsi1pk", "vcs#<username>#"),
            ("gsi1sk", "managed#Issue#Open#<issueNumber>#"),
            ("gsi2pk", "vcs#<repoOwner>#<repoName>#"),
            ("gsi2sk", "activity#Issue#Open#<issueNumber>#"),
        ])
    );
    assert_eq!(
        keys("User"),
        pairs(&[
            ("pk", "vcs#<username>#"),
            ("sk", "User#"),
            ("gsi1pk", "vcs#<username>#"),
            ("gsi1sk", "owned#User#"),
        ])
    );

    // With the values of docs/key-format.md's table, the templates give its keys.
    let key_format = std::fs::read_to_string(workspace().join("docs/key-format.md")).unwrap();
    let table_row = |item: &str| -> Vec<String> {
        let line = key_format
            .lines()
            .find(|l| l.starts_with(&format!("| {item} |")))
            .unwrap_or_else(|| panic!("docs/key-format.md has a row for {item}"));
        line.split('|')
            .skip(2)
            .map(|c| c.trim().trim_matches('`').to_string())
            .filter(|c| !c.is_empty())
            .collect()
    };
    let columns = ["pk", "sk", "gsi1pk", "gsi1sk"];
    let rows: [(&str, &str, &Values); 3] = [
        ("User `octocat`", "User", &[("username", "octocat")]),
        (
            "Repository `octocat/hello-world`",
            "Repository",
            &[
                ("repoOwner", "octocat"),
                ("repoName", "hello-world"),
                ("username", "octocat"),
            ],
        ),
        (
            "Issue `octocat/hello-world` 1 by `torvalds`, open",
            "Issue",
            &[
                ("repoOwner", "octocat"),
                ("repoName", "hello-world"),
                ("issueNumber", "1"),
                ("username", "torvalds"),
                ("status", "Open"),
            ],
        ),
    ];
    for (item, entity, values) in rows {
        let built: Vec<String> = columns.iter().map(|c| vcs_key(&json, entity, c, values)).collect();
        assert_eq!(built, table_row(item), "{item}");
    }
    let issue_1 = [
        ("repoOwner", "octocat"),
        ("repoName", "hello-world"),
        ("issueNumber", "1"),
        ("username", "torvalds"),
        ("status", "Open"),
    ];
    assert_eq!(vcs_key(&json, "Issue", "gsi1sk", &issue_1), "managed#Issue#Open#1#");

    // And the keys tests/tests/vcs.rs reads back from DynamoDB Local.
    let vcs_tests = std::fs::read_to_string(workspace().join("tests/tests/vcs.rs")).unwrap();
    let issue_7 = [
        ("repoOwner", "octocat"),
        ("repoName", "hello-world"),
        ("issueNumber", "7"),
        ("username", "torvalds"),
        ("status", "Open"),
    ];
    let pull_request_1 = [
        ("repoOwner", "o"),
        ("repoName", "r"),
        ("pullRequestNumber", "1"),
        ("username", "mgr"),
        ("status", "Closed"),
    ];
    let expected = [
        ("Issue", "pk", &issue_7[..], "vcs#octocat#hello-world#"),
        ("Issue", "sk", &issue_7[..], "Issue#7#"),
        ("Issue", "gsi1pk", &issue_7[..], "vcs#torvalds#"),
        ("Issue", "gsi1sk", &issue_7[..], "managed#Issue#Open#7#"),
        ("Issue", "gsi2pk", &issue_7[..], "vcs#octocat#hello-world#"),
        ("Issue", "gsi2sk", &issue_7[..], "activity#Issue#Open#7#"),
        ("PullRequest", "pk", &pull_request_1[..], "vcs#o#r#"),
        ("PullRequest", "sk", &pull_request_1[..], "PullRequest#1#"),
        ("PullRequest", "gsi1pk", &pull_request_1[..], "vcs#mgr#"),
        (
            "PullRequest",
            "gsi1sk",
            &pull_request_1[..],
            "managed#PullRequest#Closed#1#",
        ),
        (
            "PullRequest",
            "gsi2sk",
            &pull_request_1[..],
            "activity#PullRequest#Closed#1#",
        ),
    ];
    for (entity, attribute, values, key) in expected {
        assert!(vcs_tests.contains(&format!("{key:?}")), "tests/tests/vcs.rs uses {key}");
        assert_eq!(vcs_key(&json, entity, attribute, values), key, "{entity} {attribute}");
    }
}

#[test]
fn example_values_are_the_documented_ones() {
    // generator/tests/fixtures/key_types.dyn has a composite of every scalar type but u64.
    let json = json_of(&workspace().join("generator/tests/fixtures/key_types.dyn"));
    let values: Vec<(String, String, String)> = json["example_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                text(&v["type"]).into(),
                text(&v["value"]).into(),
                text(&v["segment"]).into(),
            )
        })
        .collect();
    let expected = [
        ("string", "<site>", "<site>"),
        ("Level", "low", "low"),
        ("bool", "true", "true"),
        ("i32", "1", "0000000001"),
        ("i64", "1", "0000000000000000001"),
        ("u32", "1", "0000000001"),
        ("decimal", "1", "15011"),
        ("timestamp", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000000Z"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(t, v, s)| (t.to_string(), v.to_string(), s.to_string()))
        .collect();
    assert_eq!(values, expected);

    // Casing applies to string values: `isbn` is `casing upper`.
    let json = json_of(&workspace().join("generator/tests/fixtures/defaults.dyn"));
    let book_pk = &json["key_attributes"][0]["written_by"][0];
    assert_eq!(book_pk["entity"], "Book");
    assert_eq!(book_pk["example"], "library#<ISBN>#");
}
