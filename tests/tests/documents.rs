//! `json` attributes (`generator/tests/fixtures/documents.dyn`): any
//! DynamoDB value tree, stored natively and read back unchanged, with
//! what DynamoDB cannot store refused before writing.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use dyngen_goldens::documents::*;
use dyngen_runtime::{Document, Error, PrimaryKey as _};
use dyngen_tests::{get_raw, put_raw, run_with_table, RawItem};
use serde_json::json;
use std::collections::BTreeMap;

async fn settings(client: &aws_sdk_dynamodb::Client, table: &str) -> Settings {
    let db = Settings::new(client.clone(), table.to_owned());
    db.table().create_if_missing().await.expect("create table");
    db
}

fn integration(name: &str, config: Document) -> Integration {
    Integration {
        tenant: "acme".into(),
        name: name.into(),
        config,
        metadata: None,
        labels: Document::Map(BTreeMap::new()),
        history: Document::List(Vec::new()),
        target: None,
    }
}

fn key(name: &str) -> RawItem {
    let key = IntegrationKey {
        tenant: "acme".into(),
        name: name.into(),
    };
    key.to_key().expect("key")
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

#[tokio::test]
async fn documents_are_stored_natively_and_read_back_exactly() {
    run_with_table("documents", |client, table| async move {
        let db = settings(&client, &table).await;
        let vendor = json!({
            "endpoint": "https://hooks.example.com",
            "retries": 3,
            "ratio": 0.25,
            "enabled": true,
            "secret": null,
            "events": ["push", "issue", {"kind": "custom", "ids": [1, 2, 3]}],
            "nested": {"deep": {"deeper": {}}},
        });
        let mut config = Document::from_json(vendor.clone());
        // A number no f64 holds: kept to the digit.
        let Document::Map(entries) = &mut config else { unreachable!() };
        entries.insert("big".into(), Document::Number("12345678901234567890.123456789012345678".into()));
        let mut written = integration("github", config.clone());
        written.metadata = Some(Document::String("plain text is a document too".into()));
        written.target = Some(Target {
            url: "https://example.com/hook".into(),
            headers: Some(Document::from_json(json!({"X-Token": "t", "X-Ids": [7]}))),
        });
        db.integrations().put(&written).await.expect("put");

        // Stored as DynamoDB's own types, never as a JSON string.
        let raw = get_raw(&client, &table, key("github")).await.expect("stored");
        let AttributeValue::M(stored) = &raw["config"] else { panic!("config is a map: {:?}", raw["config"]) };
        assert_eq!(stored["endpoint"], s("https://hooks.example.com"));
        assert_eq!(stored["retries"], AttributeValue::N("3".into()));
        assert_eq!(stored["ratio"], AttributeValue::N("0.25".into()));
        assert_eq!(stored["enabled"], AttributeValue::Bool(true));
        assert_eq!(stored["secret"], AttributeValue::Null(true));
        assert_eq!(stored["big"], AttributeValue::N("12345678901234567890.123456789012345678".into()));
        let AttributeValue::L(events) = &stored["events"] else { panic!("{:?}", stored["events"]) };
        assert_eq!(events[0], s("push"));
        assert!(matches!(&events[2], AttributeValue::M(m) if m["ids"] == AttributeValue::L(vec![
            AttributeValue::N("1".into()), AttributeValue::N("2".into()), AttributeValue::N("3".into())
        ])));
        assert_eq!(stored["nested"], AttributeValue::M([("deep".to_owned(), AttributeValue::M([("deeper".to_owned(), AttributeValue::M(Default::default()))].into()))].into()));
        assert_eq!(raw["metadata"], s("plain text is a document too"));
        assert_eq!(raw["labels"], AttributeValue::M(Default::default()));
        assert_eq!(raw["history"], AttributeValue::L(Vec::new()));
        let AttributeValue::M(target) = &raw["target"] else { panic!() };
        assert!(matches!(&target["headers"], AttributeValue::M(h) if h["X-Ids"] == AttributeValue::L(vec![AttributeValue::N("7".into())])));

        let read = db.integrations().get(&written.key()).await.expect("get").expect("found");
        assert_eq!(read, written);
        // Back to JSON: what came from JSON is JSON again; the 38-digit
        // number is refused, not rounded.
        let Document::Map(mut entries) = read.config.clone() else { unreachable!() };
        let big = entries.remove("big").unwrap();
        assert_eq!(Document::Map(entries).to_json().unwrap(), vendor);
        assert!(big.to_json().is_err());

        // A condition on the whole document.
        let updated = db
            .integrations()
            .update(&written.key())
            .set_config(Document::from_json(json!({"endpoint": "https://new.example.com"})))
            .condition(|a| a.config.eq(config.clone()))
            .await
            .expect("conditional update");
        assert_eq!(updated.config.get("endpoint"), Some(&Document::String("https://new.example.com".into())));
        let stale = db
            .integrations()
            .update(&written.key())
            .set_config(Document::Null)
            .condition(|a| a.config.eq(config.clone()))
            .await;
        assert!(matches!(stale, Err(Error::ConditionFailed { .. })), "{stale:?}");
    })
    .await;
}

/// What another program stored (binary values, sets, defaults left out)
/// reads as a document and writes back as it was.
#[tokio::test]
async fn foreign_value_trees_survive_a_round_trip() {
    run_with_table("documents-foreign", |client, table| async move {
        let db = settings(&client, &table).await;
        let config = AttributeValue::M(
            [
                ("blob".to_owned(), AttributeValue::B(Blob::new(vec![0, 159, 255]))),
                ("tags".to_owned(), AttributeValue::Ss(vec!["a".into(), "b".into()])),
                ("sizes".to_owned(), AttributeValue::Ns(vec!["1".into(), "2.5".into()])),
                (
                    "blobs".to_owned(),
                    AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])]),
                ),
            ]
            .into(),
        );
        let mut item = key("legacy");
        item.insert("_et".into(), s("Integration"));
        item.insert("tenant".into(), s("acme"));
        item.insert("name".into(), s("legacy"));
        item.insert("config".into(), config.clone());
        put_raw(&client, &table, item).await;

        let read = db
            .integrations()
            .get(&IntegrationKey {
                tenant: "acme".into(),
                name: "legacy".into(),
            })
            .await
            .expect("get")
            .expect("found");
        assert!(matches!(read.config.get("tags"), Some(Document::StringSet(tags)) if tags.len() == 2));
        // Absent defaulted documents read as their defaults.
        assert_eq!(read.labels, Document::Map(BTreeMap::new()));
        assert_eq!(read.history, Document::List(Vec::new()));
        assert!(read.config.to_json().is_err(), "binary values have no JSON form");

        db.integrations().put(&read).await.expect("write back");
        let raw = get_raw(&client, &table, key("legacy")).await.expect("stored");
        let (AttributeValue::M(before), AttributeValue::M(after)) = (&config, &raw["config"]) else {
            panic!()
        };
        assert_eq!(after["blob"], before["blob"]);
        assert_eq!(after["blobs"], before["blobs"]);
        let sorted = |v: &AttributeValue| match v {
            AttributeValue::Ss(x) | AttributeValue::Ns(x) => {
                let mut x = x.clone();
                x.sort();
                x
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(sorted(&after["tags"]), sorted(&before["tags"]));
        assert_eq!(sorted(&after["sizes"]), sorted(&before["sizes"]));
    })
    .await;
}

#[tokio::test]
async fn what_dynamodb_cannot_store_is_refused_before_writing() {
    run_with_table("documents-refused", |client, table| async move {
        let db = settings(&client, &table).await;
        let bad = [
            (
                Document::List(vec![Document::Number("1.2.3".into())]),
                "[0]: `1.2.3` is not a number",
            ),
            (
                Document::Map([("n".to_owned(), Document::Number("9".repeat(39)))].into()),
                ".n: ",
            ),
            (
                Document::Map([("tags".to_owned(), Document::StringSet(Default::default()))].into()),
                ".tags: DynamoDB cannot store an empty set",
            ),
        ];
        for (config, expected) in bad {
            let err = db.integrations().put(&integration("bad", config)).await.unwrap_err();
            match &err {
                Error::InvalidValue {
                    entity,
                    attribute,
                    message,
                } => {
                    assert_eq!((*entity, *attribute), ("Integration", "config"));
                    assert!(message.starts_with(expected), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(
            get_raw(&client, &table, key("bad")).await.is_none(),
            "nothing was written"
        );
        let err = db
            .integrations()
            .update(&IntegrationKey {
                tenant: "acme".into(),
                name: "bad".into(),
            })
            .set_config(Document::Number("NaN".into()))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidValue {
                    entity: "Integration",
                    ..
                }
            ),
            "{err:?}"
        );
    })
    .await;
}
