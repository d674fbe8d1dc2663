//! `dyngen table`: the CreateTable input and the CloudFormation template of
//! the example and of every valid fixture, as snapshots to review, plus the
//! rules every definition keeps (checked on the parsed JSON).
//!
//! Snapshots: `INSTA_UPDATE=always cargo test -p dyngen --test table_def`
//! (or `cargo insta review`). That the JSON is a valid CreateTable input is
//! proven against DynamoDB Local in `tests/tests/table_command.rs`.

mod common;

use common::{all_schemas, load, workspace};
use dyngen::dsl::ir::{IndexKind, Projection, Schema};
use dyngen::table_def::{render_table, TableFormat};
use serde_json::Value;

fn vcs() -> Schema {
    load(&workspace().join("generated-example/vcs.dyn"))
}

fn json(schema: &Schema, name: Option<&str>) -> Value {
    serde_json::from_str(&render_table(schema, name, TableFormat::Json)).expect("valid JSON")
}

/// The keys of a JSON object, in document order.
fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------
// Snapshots.

#[test]
fn snapshot_vcs_json() {
    insta::assert_snapshot!("vcs_json", render_table(&vcs(), None, TableFormat::Json));
}

#[test]
fn snapshot_vcs_cloudformation() {
    insta::assert_snapshot!(
        "vcs_cloudformation",
        render_table(&vcs(), None, TableFormat::CloudFormation)
    );
}

#[test]
fn snapshot_dsl_fixtures() {
    insta::glob!("../../dsl/tests/fixtures/valid", "*.dyn", |path| {
        let schema = load(path);
        insta::assert_snapshot!("dsl_json", render_table(&schema, None, TableFormat::Json));
        insta::assert_snapshot!(
            "dsl_cloudformation",
            render_table(&schema, None, TableFormat::CloudFormation)
        );
    });
}

/// The adopted tables: `N`/`B` key types, physical index names, keys-only
/// projections, indexes without a sort key.
#[test]
fn snapshot_adopted_tables() {
    insta::glob!("../../examples/adopt/schema", "*.dyn", |path| {
        let schema = load(path);
        insta::assert_snapshot!("adopted_json", render_table(&schema, None, TableFormat::Json));
    });
}

#[test]
fn snapshot_generator_fixtures() {
    insta::glob!("fixtures", "*.dyn", |path| {
        let schema = load(path);
        insta::assert_snapshot!("fixture_json", render_table(&schema, None, TableFormat::Json));
        insta::assert_snapshot!(
            "fixture_cloudformation",
            render_table(&schema, None, TableFormat::CloudFormation)
        );
    });
}

// ---------------------------------------------------------------------------
// Rules, for every schema.

/// The table name is the schema's unless given, in both requests and in the
/// template.
#[test]
fn table_name_defaults_to_the_schema_and_can_be_overridden() {
    for path in all_schemas() {
        let schema = load(&path);
        let default = json(&schema, None);
        assert_eq!(default["CreateTable"]["TableName"], schema.table.name.as_str());
        let named = json(&schema, Some("prod-orders"));
        assert_eq!(named["CreateTable"]["TableName"], "prod-orders");
        if schema.table.ttl_field.is_some() {
            assert_eq!(named["UpdateTimeToLive"]["TableName"], "prod-orders");
        }
        let template: Value =
            serde_json::from_str(&render_table(&schema, Some("prod-orders"), TableFormat::CloudFormation)).unwrap();
        let resources = template["Resources"].as_object().unwrap();
        assert_eq!(resources.len(), 1, "{}", path.display());
        let (id, resource) = resources.iter().next().unwrap();
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert_eq!(resource["Type"], "AWS::DynamoDB::Table");
        assert_eq!(resource["Properties"]["TableName"], "prod-orders");
    }
}

/// Exactly the key attributes are defined, once each, as strings; every key
/// schema names defined attributes; indexes are split by kind; the TTL goes
/// into its own request.
#[test]
fn definitions_follow_the_schema() {
    for path in all_schemas() {
        let schema = load(&path);
        let table = &schema.table;
        let doc = json(&schema, None);
        let expected_top: Vec<&str> = if table.ttl_field.is_some() {
            vec!["CreateTable", "UpdateTimeToLive"]
        } else {
            vec!["CreateTable"]
        };
        assert_eq!(keys(&doc), expected_top, "{}", path.display());
        let create = &doc["CreateTable"];
        assert_eq!(create["BillingMode"], "PAY_PER_REQUEST");

        let defined: Vec<&str> = create["AttributeDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["AttributeType"], "S");
                d["AttributeName"].as_str().unwrap()
            })
            .collect();
        let mut key_attributes: Vec<&str> = Vec::new();
        for name in [Some(table.pk.as_str()), table.sk.as_deref()]
            .into_iter()
            .chain(
                table
                    .indexes
                    .iter()
                    .flat_map(|i| [Some(i.pk.as_str()), i.sk.as_deref()]),
            )
            .flatten()
        {
            if !key_attributes.contains(&name) {
                key_attributes.push(name);
            }
        }
        assert_eq!(defined, key_attributes, "{}", path.display());

        let key_schema = |value: &Value| -> Vec<(String, String)> {
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    let name = k["AttributeName"].as_str().unwrap().to_string();
                    assert!(defined.contains(&name.as_str()), "{name} is not defined");
                    (name, k["KeyType"].as_str().unwrap().to_string())
                })
                .collect()
        };
        let expect = |pk: &str, sk: Option<&str>| -> Vec<(String, String)> {
            let mut keys = vec![(pk.to_string(), "HASH".to_string())];
            keys.extend(sk.map(|sk| (sk.to_string(), "RANGE".to_string())));
            keys
        };
        assert_eq!(key_schema(&create["KeySchema"]), expect(&table.pk, table.sk.as_deref()));

        for (kind, member) in [
            (IndexKind::Global, "GlobalSecondaryIndexes"),
            (IndexKind::Local, "LocalSecondaryIndexes"),
        ] {
            let declared: Vec<_> = table.indexes.iter().filter(|i| i.kind == kind).collect();
            let Some(listed) = create.get(member) else {
                assert!(declared.is_empty(), "{member} missing in {}", path.display());
                continue;
            };
            let listed = listed.as_array().unwrap();
            assert_eq!(listed.len(), declared.len(), "{}", path.display());
            for (json, index) in listed.iter().zip(declared) {
                assert_eq!(keys(json), ["IndexName", "KeySchema", "Projection"]);
                assert_eq!(json["IndexName"], index.name.as_str());
                assert_eq!(key_schema(&json["KeySchema"]), expect(&index.pk, index.sk.as_deref()));
                let projection = &json["Projection"];
                match &index.projection {
                    Projection::All => assert_eq!(projection, &serde_json::json!({"ProjectionType": "ALL"})),
                    Projection::KeysOnly => {
                        assert_eq!(projection, &serde_json::json!({"ProjectionType": "KEYS_ONLY"}))
                    }
                    Projection::Include(names) => assert_eq!(
                        projection,
                        &serde_json::json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
                    ),
                }
                if kind == IndexKind::Local {
                    assert_eq!(index.pk, table.pk, "a local index shares the table's partition key");
                }
            }
        }

        if let Some(ttl) = &table.ttl_field {
            assert_eq!(
                doc["UpdateTimeToLive"],
                serde_json::json!({
                    "TableName": table.name,
                    "TimeToLiveSpecification": {"Enabled": true, "AttributeName": ttl},
                })
            );
        }

        // The template holds the same definition, plus the TTL.
        let template: Value = serde_json::from_str(&render_table(&schema, None, TableFormat::CloudFormation)).unwrap();
        assert_eq!(keys(&template), ["AWSTemplateFormatVersion", "Resources"]);
        assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
        let properties = template["Resources"].as_object().unwrap().values().next().unwrap()["Properties"].clone();
        let mut without_ttl = properties.as_object().unwrap().clone();
        let ttl = without_ttl.remove("TimeToLiveSpecification");
        assert_eq!(&Value::Object(without_ttl), create, "{}", path.display());
        assert_eq!(
            ttl,
            table
                .ttl_field
                .as_ref()
                .map(|a| serde_json::json!({"Enabled": true, "AttributeName": a}))
        );
    }
}

/// Output is byte-for-byte the same on every call, and ends in a newline.
#[test]
fn output_is_deterministic() {
    for path in all_schemas() {
        for format in [TableFormat::Json, TableFormat::CloudFormation] {
            let a = render_table(&load(&path), None, format);
            let b = render_table(&load(&path), None, format);
            assert_eq!(a, b);
            assert!(a.ends_with("}\n"), "{a}");
        }
    }
}

/// The order of the members is DynamoDB's documented one, whatever serde_json
/// features are on: the JSON text itself is checked.
#[test]
fn member_order_is_fixed() {
    let text = render_table(&vcs(), None, TableFormat::Json);
    let positions: Vec<usize> = [
        "\"TableName\"",
        "\"BillingMode\"",
        "\"AttributeDefinitions\"",
        "\"KeySchema\"",
        "\"GlobalSecondaryIndexes\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} missing")))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

/// The AWS CLI takes each request's input as it is (`--cli-input-json`):
/// the `create-table` and `update-time-to-live` formats are exactly the
/// parts of the combined `json` document.
#[test]
fn cli_ready_formats_are_the_parts_of_the_combined_document() {
    for path in all_schemas() {
        let (name, schema) = (path.display().to_string(), load(&path));
        let combined: Value = serde_json::from_str(&render_table(&schema, None, TableFormat::Json)).unwrap();
        let create: Value = serde_json::from_str(&render_table(&schema, None, TableFormat::CreateTable)).unwrap();
        assert_eq!(create, combined["CreateTable"], "{name}");
        let ttl = render_table(&schema, None, TableFormat::UpdateTimeToLive);
        match combined.get("UpdateTimeToLive") {
            Some(expected) => assert_eq!(&serde_json::from_str::<Value>(&ttl).unwrap(), expected, "{name}"),
            None => assert!(ttl.is_empty(), "{name}: no TTL, nothing to enable"),
        }
    }
}
