//! `dyngen table --format json` against DynamoDB Local: its output is a
//! valid CreateTable (and UpdateTimeToLive) input, the table it describes is
//! the one the runtime's `create_if_missing` creates, and the generated code
//! works on it.
//!
//! The JSON is turned into SDK requests field by field, and any field the
//! mapper does not know fails the test: what is sent is exactly what
//! `aws dynamodb create-table --cli-input-json` would send.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::operation::update_time_to_live::builders::UpdateTimeToLiveFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, TableDescription, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use dyngen::table_def::{render_table, TableFormat};
use dyngen_example_vcs::vcs::*;
use dyngen_runtime::chrono::DateTime;
use dyngen_runtime::TableDef;
use dyngen_tests::{run_with_table, unique_table_name, with_table_cleanup};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// JSON → SDK requests. Every object is read member by member; a member that
// is not part of the DynamoDB API shape panics.

fn object<'a>(value: &'a Value, what: &str) -> &'a Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: expected an object, got {value}"))
}

fn array<'a>(value: &'a Value, what: &str) -> &'a [Value] {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what}: expected an array, got {value}"))
}

fn text<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, got {value}"))
}

fn unknown(shape: &str, member: &str) -> ! {
    panic!("{shape}: unknown field `{member}`")
}

/// An SDK enum from its wire name; names the SDK does not know fail (rather
/// than becoming `Unknown`).
fn wire_enum<T: for<'s> From<&'s str>>(value: &Value, what: &str, known: &[&str]) -> T {
    let name = text(value, what);
    assert!(known.contains(&name), "{what}: `{name}` is not one of {known:?}");
    T::from(name)
}

fn attribute_definition(value: &Value) -> AttributeDefinition {
    let mut b = AttributeDefinition::builder();
    for (member, v) in object(value, "AttributeDefinition") {
        b = match member.as_str() {
            "AttributeName" => b.attribute_name(text(v, member)),
            "AttributeType" => b.attribute_type(wire_enum::<ScalarAttributeType>(
                v,
                member,
                ScalarAttributeType::values(),
            )),
            other => unknown("AttributeDefinition", other),
        };
    }
    b.build().expect("complete AttributeDefinition")
}

fn key_schema(value: &Value) -> Vec<KeySchemaElement> {
    array(value, "KeySchema")
        .iter()
        .map(|element| {
            let mut b = KeySchemaElement::builder();
            for (member, v) in object(element, "KeySchemaElement") {
                b = match member.as_str() {
                    "AttributeName" => b.attribute_name(text(v, member)),
                    "KeyType" => b.key_type(wire_enum::<KeyType>(v, member, KeyType::values())),
                    other => unknown("KeySchemaElement", other),
                };
            }
            b.build().expect("complete KeySchemaElement")
        })
        .collect()
}

fn projection(value: &Value) -> Projection {
    let mut b = Projection::builder();
    for (member, v) in object(value, "Projection") {
        b = match member.as_str() {
            "ProjectionType" => b.projection_type(wire_enum::<ProjectionType>(v, member, ProjectionType::values())),
            "NonKeyAttributes" => b.set_non_key_attributes(Some(
                array(v, member).iter().map(|a| text(a, member).to_owned()).collect(),
            )),
            other => unknown("Projection", other),
        };
    }
    b.build()
}

fn global_index(value: &Value) -> GlobalSecondaryIndex {
    let mut b = GlobalSecondaryIndex::builder();
    for (member, v) in object(value, "GlobalSecondaryIndex") {
        b = match member.as_str() {
            "IndexName" => b.index_name(text(v, member)),
            "KeySchema" => b.set_key_schema(Some(key_schema(v))),
            "Projection" => b.projection(projection(v)),
            other => unknown("GlobalSecondaryIndex", other),
        };
    }
    b.build().expect("complete GlobalSecondaryIndex")
}

fn local_index(value: &Value) -> LocalSecondaryIndex {
    let mut b = LocalSecondaryIndex::builder();
    for (member, v) in object(value, "LocalSecondaryIndex") {
        b = match member.as_str() {
            "IndexName" => b.index_name(text(v, member)),
            "KeySchema" => b.set_key_schema(Some(key_schema(v))),
            "Projection" => b.projection(projection(v)),
            other => unknown("LocalSecondaryIndex", other),
        };
    }
    b.build().expect("complete LocalSecondaryIndex")
}

fn create_table_request(client: &Client, input: &Value) -> CreateTableFluentBuilder {
    let mut request = client.create_table();
    for (member, v) in object(input, "CreateTable") {
        request = match member.as_str() {
            "TableName" => request.table_name(text(v, member)),
            "BillingMode" => request.billing_mode(wire_enum::<BillingMode>(v, member, BillingMode::values())),
            "AttributeDefinitions" => {
                request.set_attribute_definitions(Some(array(v, member).iter().map(attribute_definition).collect()))
            }
            "KeySchema" => request.set_key_schema(Some(key_schema(v))),
            "GlobalSecondaryIndexes" => {
                request.set_global_secondary_indexes(Some(array(v, member).iter().map(global_index).collect()))
            }
            "LocalSecondaryIndexes" => {
                request.set_local_secondary_indexes(Some(array(v, member).iter().map(local_index).collect()))
            }
            other => unknown("CreateTable", other),
        };
    }
    request
}

fn update_ttl_request(client: &Client, input: &Value) -> UpdateTimeToLiveFluentBuilder {
    let mut request = client.update_time_to_live();
    for (member, v) in object(input, "UpdateTimeToLive") {
        request = match member.as_str() {
            "TableName" => request.table_name(text(v, member)),
            "TimeToLiveSpecification" => {
                let mut b = TimeToLiveSpecification::builder();
                for (member, v) in object(v, "TimeToLiveSpecification") {
                    b = match member.as_str() {
                        "Enabled" => b.enabled(v.as_bool().unwrap_or_else(|| panic!("Enabled: {v}"))),
                        "AttributeName" => b.attribute_name(text(v, member)),
                        other => unknown("TimeToLiveSpecification", other),
                    };
                }
                request.time_to_live_specification(b.build().expect("complete TimeToLiveSpecification"))
            }
            other => unknown("UpdateTimeToLive", other),
        };
    }
    request
}

/// Issues the requests of `dyngen table --format json` output: CreateTable,
/// then (once the table is active) UpdateTimeToLive if present.
async fn apply(client: &Client, json: &str) {
    let document: Value = serde_json::from_str(json).expect("`dyngen table` prints JSON");
    let mut create = None;
    let mut ttl = None;
    for (member, v) in object(&document, "dyngen table output") {
        match member.as_str() {
            "CreateTable" => create = Some(v),
            "UpdateTimeToLive" => ttl = Some(v),
            other => unknown("dyngen table output", other),
        }
    }
    let create = create.expect("a CreateTable input");
    let table = text(&create["TableName"], "TableName").to_owned();
    create_table_request(client, create).send().await.unwrap_or_else(|e| {
        panic!(
            "CreateTable {table}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        )
    });
    wait_until_active(client, &table).await;
    if let Some(ttl) = ttl {
        update_ttl_request(client, ttl).send().await.unwrap_or_else(|e| {
            panic!(
                "UpdateTimeToLive {table}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        });
    }
}

async fn wait_until_active(client: &Client, table: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let described = describe(client, table).await;
        let indexes_active = described
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status().is_none_or(|s| *s == IndexStatus::Active));
        if described.table_status() == Some(&TableStatus::Active) && indexes_active {
            return;
        }
        assert!(Instant::now() < deadline, "{table} did not become active");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn describe(client: &Client, table: &str) -> TableDescription {
    client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {e}"))
        .table
        .expect("a table description")
}

// ---------------------------------------------------------------------------
// What a created table looks like, without names, ARNs, sizes or statuses.

#[derive(Debug, PartialEq)]
struct Layout {
    attributes: Vec<(String, String)>,
    keys: Vec<KeySchemaElement>,
    billing: Option<BillingMode>,
    globals: Vec<(String, Vec<KeySchemaElement>, Option<Projection>)>,
    locals: Vec<(String, Vec<KeySchemaElement>, Option<Projection>)>,
    ttl: Option<String>,
}

async fn layout(client: &Client, table: &str) -> Layout {
    let d = describe(client, table).await;
    let mut attributes: Vec<(String, String)> = d
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name().to_owned(), a.attribute_type().as_str().to_owned()))
        .collect();
    attributes.sort();
    let mut globals: Vec<_> = d
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            (
                i.index_name().unwrap_or_default().to_owned(),
                i.key_schema().to_vec(),
                i.projection().cloned(),
            )
        })
        .collect();
    globals.sort_by(|a, b| a.0.cmp(&b.0));
    let mut locals: Vec<_> = d
        .local_secondary_indexes()
        .iter()
        .map(|i| {
            (
                i.index_name().unwrap_or_default().to_owned(),
                i.key_schema().to_vec(),
                i.projection().cloned(),
            )
        })
        .collect();
    locals.sort_by(|a, b| a.0.cmp(&b.0));
    let ttl = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTimeToLive {table}: {e}"))
        .time_to_live_description
        .filter(|t| t.time_to_live_status() == Some(&TimeToLiveStatus::Enabled))
        .and_then(|t| t.attribute_name().map(str::to_owned));
    Layout {
        attributes,
        keys: d.key_schema().to_vec(),
        billing: d.billing_mode_summary().and_then(|b| b.billing_mode()).cloned(),
        globals,
        locals,
        ttl,
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is a workspace member")
        .to_path_buf()
}

/// `dyngen table <schema> --format json --table-name <table>`, through the
/// library function the command prints.
fn table_json(schema: &str, table: &str) -> String {
    let path = workspace().join(schema);
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let compiled = dyngen::dsl::compile(&source);
    let schema = compiled
        .schema
        .unwrap_or_else(|| panic!("{} has errors: {:#?}", path.display(), compiled.diagnostics));
    render_table(&schema, Some(table), TableFormat::Json)
}

/// Every test schema with the layout its generated code declares.
fn schemas() -> Vec<(&'static str, &'static TableDef)> {
    use dyngen_goldens::*;
    vec![
        ("generated-example/vcs.dyn", &vcs::Vcs::DEFINITION),
        (
            "dsl/tests/fixtures/valid/every_construct.dyn",
            &every_construct::Shop::DEFINITION,
        ),
        (
            "dsl/tests/fixtures/valid/keyword_names.dyn",
            &keyword_names::T::DEFINITION,
        ),
        ("dsl/tests/fixtures/valid/minimal.dyn", &minimal::T::DEFINITION),
        (
            "dsl/tests/fixtures/valid/sparse_and_lsi.dyn",
            &sparse_and_lsi::Jobs::DEFINITION,
        ),
        ("generator/tests/fixtures/defaults.dyn", &defaults::Library::DEFINITION),
        (
            "generator/tests/fixtures/key_types.dyn",
            &key_types::Metrics::DEFINITION,
        ),
        ("generator/tests/fixtures/writes.dyn", &writes::Tasks::DEFINITION),
    ]
}

// ---------------------------------------------------------------------------

/// For every test schema: the JSON creates a table (and enables its TTL),
/// and that table has exactly the layout `Table::create_if_missing` gives
/// the generated code's definition: key attributes, key schema, indexes with
/// their projections, on-demand billing, TTL.
#[tokio::test]
async fn the_json_creates_the_table_the_runtime_creates() {
    for (schema, definition) in schemas() {
        run_with_table("table-json", move |client, from_json| async move {
            let from_runtime = unique_table_name("table-runtime");
            with_table_cleanup(&client, &from_runtime, move |client, from_runtime| async move {
                apply(&client, &table_json(schema, &from_json)).await;
                dyngen_runtime::Table::new(client.clone(), from_runtime.clone(), definition)
                    .create_if_missing()
                    .await
                    .unwrap_or_else(|e| panic!("create_if_missing for {schema}: {e}"));

                let (a, b) = (layout(&client, &from_json).await, layout(&client, &from_runtime).await);
                assert_eq!(a, b, "{schema}: `dyngen table` and create_if_missing disagree");
                assert_eq!(a.billing, Some(BillingMode::PayPerRequest), "{schema}");
                assert_eq!(a.ttl.as_deref(), definition.ttl, "{schema}");
                assert_eq!(a.globals.len() + a.locals.len(), definition.indexes.len(), "{schema}");
            })
            .await;
        })
        .await;
    }
}

/// The mapper really is strict: an unknown member fails.
#[test]
#[should_panic(expected = "CreateTable: unknown field `ProvisionedThroughput`")]
fn an_unknown_field_fails() {
    let client = dyngen_tests::client_for("http://127.0.0.1:9");
    let mut json: Value = serde_json::from_str(&table_json("generated-example/vcs.dyn", "t-unknown")).unwrap();
    json["CreateTable"]["ProvisionedThroughput"] = serde_json::json!({"ReadCapacityUnits": 1});
    let _ = create_table_request(&client, &json["CreateTable"]);
}

fn issue(number: &str, username: &str, status: IssueStatus) -> Issue {
    let at = DateTime::from_timestamp(1_715_949_296, 0).expect("valid timestamp");
    Issue {
        issue_number: number.to_owned(),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: username.to_owned(),
        subject: format!("Issue {number}"),
        body: format!("Body of issue {number}"),
        status,
        created_at: at,
        updated_at: at,
    }
}

/// The generated VCS code on a table created only from the JSON: put, get,
/// query through the `managed` and `activity` indexes, and the `managed` and
/// `activity` collections.
#[tokio::test]
async fn the_generated_code_works_on_the_table_from_json() {
    run_with_table("table-json-vcs", |client, table| async move {
        apply(&client, &table_json("generated-example/vcs.dyn", &table)).await;
        let db = Vcs::new(client, table);

        let repo = Repository {
            counters: ::std::default::Default::default(),
            repo_name: "hello-world".to_owned(),
            repo_owner: "octocat".to_owned(),
            username: "octocat".to_owned(),
            about: "My first repository".to_owned(),
            description: String::new(),
            is_private: false,
            default_branch: "main".to_owned(),
            created_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            updated_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        };
        let repo = db.repositories().put(&repo).await.expect("put repository");
        let open = db
            .issues()
            .put(&issue("1", "torvalds", IssueStatus::Open))
            .await
            .expect("put issue 1");
        let closed = db
            .issues()
            .put(&issue("2", "torvalds", IssueStatus::Closed))
            .await
            .expect("put issue 2");

        // By primary key.
        let key = IssueKey {
            repo_owner: "octocat".to_owned(),
            repo_name: "hello-world".to_owned(),
            issue_number: "1".to_owned(),
        };
        assert_eq!(db.issues().get(&key).await.unwrap(), Some(open.clone()));

        // Through `managed` (gsi1): status leads the sort key.
        let managed = IssueManagedPartition {
            username: "torvalds".to_owned(),
        };
        assert_eq!(
            db.issues().managed(&managed).all().await.unwrap(),
            vec![closed.clone(), open.clone()]
        );
        assert_eq!(
            db.issues()
                .managed(&managed)
                .status(IssueStatus::Open)
                .all()
                .await
                .unwrap(),
            vec![open.clone()]
        );

        // Through `activity` (gsi2).
        let activity = IssueActivityPartition {
            repo_owner: "octocat".to_owned(),
            repo_name: "hello-world".to_owned(),
        };
        assert_eq!(
            db.issues()
                .activity(&activity)
                .status(IssueStatus::Closed)
                .issue_number("2")
                .all()
                .await
                .unwrap(),
            vec![closed.clone()]
        );

        // The collections on both indexes.
        let by_user: ManagedCollection = db
            .managed(&ManagedCollectionKey {
                username: "torvalds".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            by_user,
            ManagedCollection {
                issues: vec![closed.clone(), open.clone()],
                pull_requests: vec![],
                unknown: vec![],
            }
        );
        let in_repo: ActivityCollection = db
            .activity(&ActivityCollectionKey {
                repo_owner: "octocat".into(),
                repo_name: "hello-world".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(
            in_repo,
            ActivityCollection {
                repositories: vec![repo],
                issues: vec![closed, open],
                pull_requests: vec![],
                unknown: vec![],
            }
        );
    })
    .await;
}
