//! `dyngen table`: the CreateTable definition of a schema's table.
//!
//! The formats (see docs/table-and-diff.md):
//!
//! - [`TableFormat::CreateTable`]: the input of
//!   `aws dynamodb create-table --cli-input-json`, as it is.
//! - [`TableFormat::UpdateTimeToLive`]: the input of
//!   `aws dynamodb update-time-to-live --cli-input-json` (empty when the
//!   schema has no TTL attribute). CreateTable cannot enable TTL, so that is
//!   a second request once the table is active.
//! - [`TableFormat::Json`]: both inputs in one JSON object, each under its
//!   operation's name (`CreateTable`, `UpdateTimeToLive`), for scripts.
//! - [`TableFormat::CloudFormation`]: a template with one
//!   `AWS::DynamoDB::Table` resource, TTL included.
//!
//! Both describe exactly what `Table::create_if_missing` of the runtime
//! creates: only the key attributes are defined (all strings), in the order
//! table keys, then each index's keys; on-demand billing. Keys come out in a
//! fixed order (the order of the fields below), never hash order.

use dyngen_dsl::ir::{IndexKind, Projection as IrProjection, Schema, TableIndex};
use serde::Serialize;
use std::collections::BTreeMap;

/// What `dyngen table` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// The input of `aws dynamodb create-table --cli-input-json`.
    CreateTable,
    /// The input of `aws dynamodb update-time-to-live --cli-input-json`;
    /// empty when the schema has no TTL attribute.
    UpdateTimeToLive,
    /// Both inputs, under their operations' names.
    Json,
    /// An `AWS::DynamoDB::Table` resource of a CloudFormation template.
    CloudFormation,
}

/// The table definition; `table_name` defaults to the schema's table name.
pub fn render_table(schema: &Schema, table_name: Option<&str>, format: TableFormat) -> String {
    let name = table_name.unwrap_or(&schema.table.name);
    let definition = TableDefinition::of(schema, name);
    let ttl = schema
        .table
        .ttl_field
        .as_deref()
        .map(|attribute| TimeToLiveSpecification {
            enabled: true,
            attribute_name: attribute,
        });
    let text = match format {
        TableFormat::CreateTable => to_json(&definition),
        TableFormat::UpdateTimeToLive => match ttl {
            Some(spec) => to_json(&UpdateTimeToLive {
                table_name: name,
                time_to_live_specification: spec,
            }),
            None => return String::new(),
        },
        TableFormat::Json => to_json(&CliInput {
            create_table: definition,
            update_time_to_live: ttl.map(|spec| UpdateTimeToLive {
                table_name: name,
                time_to_live_specification: spec,
            }),
        }),
        TableFormat::CloudFormation => {
            let resource = TableResource {
                kind: "AWS::DynamoDB::Table",
                properties: TableProperties {
                    definition,
                    time_to_live_specification: ttl,
                },
            };
            to_json(&Template {
                format_version: "2010-09-09",
                resources: BTreeMap::from([(logical_id(&schema.table.rust_name), resource)]),
            })
        }
    };
    text + "\n"
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Only strings, booleans, arrays and objects with string keys: cannot fail.
    serde_json::to_string_pretty(value).expect("a table definition serializes to JSON")
}

/// The CloudFormation logical ID: the table's Rust name (letters and
/// digits only) with `Table` appended unless it ends so already.
fn logical_id(rust_name: &str) -> String {
    let mut id: String = rust_name.chars().filter(char::is_ascii_alphanumeric).collect();
    if !id.ends_with("Table") {
        id.push_str("Table");
    }
    id
}

/// The JSON format: the input of each request under its operation's name.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CliInput<'a> {
    create_table: TableDefinition<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_time_to_live: Option<UpdateTimeToLive<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateTimeToLive<'a> {
    table_name: &'a str,
    time_to_live_specification: TimeToLiveSpecification<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TimeToLiveSpecification<'a> {
    enabled: bool,
    attribute_name: &'a str,
}

#[derive(Serialize)]
struct Template<'a> {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    /// One resource (a one-entry map has one order).
    #[serde(rename = "Resources")]
    resources: BTreeMap<String, TableResource<'a>>,
}

#[derive(Serialize)]
struct TableResource<'a> {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(rename = "Properties")]
    properties: TableProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TableProperties<'a> {
    #[serde(flatten)]
    definition: TableDefinition<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_to_live_specification: Option<TimeToLiveSpecification<'a>>,
}

/// The CreateTable input; CloudFormation's table properties use the same
/// names and shapes.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TableDefinition<'a> {
    table_name: &'a str,
    billing_mode: &'static str,
    attribute_definitions: Vec<AttributeDefinition<'a>>,
    key_schema: Vec<KeySchemaElement<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    global_secondary_indexes: Vec<SecondaryIndex<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    local_secondary_indexes: Vec<SecondaryIndex<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeDefinition<'a> {
    attribute_name: &'a str,
    attribute_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeySchemaElement<'a> {
    attribute_name: &'a str,
    key_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecondaryIndex<'a> {
    index_name: &'a str,
    key_schema: Vec<KeySchemaElement<'a>>,
    projection: Projection<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Projection<'a> {
    projection_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    non_key_attributes: Option<&'a [String]>,
}

impl<'a> TableDefinition<'a> {
    fn of(schema: &'a Schema, name: &'a str) -> Self {
        let table = &schema.table;
        // Every key attribute once, in order of first use: the runtime's
        // `attribute_definitions` does the same.
        let attributes = table.key_attribute_types();
        let indexes = |kind: IndexKind| -> Vec<SecondaryIndex<'a>> {
            table
                .indexes
                .iter()
                .filter(|i| i.kind == kind)
                .map(SecondaryIndex::of)
                .collect()
        };
        TableDefinition {
            table_name: name,
            billing_mode: "PAY_PER_REQUEST",
            attribute_definitions: attributes
                .into_iter()
                .map(|(attribute_name, ty)| AttributeDefinition {
                    attribute_name,
                    attribute_type: ty.word(),
                })
                .collect(),
            key_schema: key_schema(&table.pk, table.sk.as_deref()),
            global_secondary_indexes: indexes(IndexKind::Global),
            local_secondary_indexes: indexes(IndexKind::Local),
        }
    }
}

impl<'a> SecondaryIndex<'a> {
    fn of(index: &'a TableIndex) -> Self {
        let projection = match &index.projection {
            IrProjection::All => Projection {
                projection_type: "ALL",
                non_key_attributes: None,
            },
            IrProjection::KeysOnly => Projection {
                projection_type: "KEYS_ONLY",
                non_key_attributes: None,
            },
            IrProjection::Include(names) => Projection {
                projection_type: "INCLUDE",
                non_key_attributes: Some(names),
            },
        };
        SecondaryIndex {
            index_name: &index.physical_name,
            key_schema: key_schema(&index.pk, index.sk.as_deref()),
            projection,
        }
    }
}

fn key_schema<'a>(pk: &'a str, sk: Option<&'a str>) -> Vec<KeySchemaElement<'a>> {
    let mut keys = vec![KeySchemaElement {
        attribute_name: pk,
        key_type: "HASH",
    }];
    if let Some(sk) = sk {
        keys.push(KeySchemaElement {
            attribute_name: sk,
            key_type: "RANGE",
        });
    }
    keys
}
