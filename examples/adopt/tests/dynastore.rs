//! A dynastorev2 table served by `schema/dynastore.dyn`: raw `id`/`name`
//! keys, a bytes payload, `version` for optimistic locking, `expires` as
//! TTL and extra fields, read from items in dynastore's layout and written
//! byte for byte as dynastore writes them.

use dyngen_adopt_examples::dynastore::*;
use dyngen_runtime::aws_sdk_dynamodb::primitives::Blob;
use dyngen_runtime::aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use dyngen_runtime::aws_sdk_dynamodb::Client;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{Bytes, Error};
use dyngen_tests::{get_raw, put_raw, run_with_table, RawItem};

/// The table of dynastorev2's integration tests: `id` S HASH, `name` S RANGE.
async fn create_store_table(client: &Client, table: &str) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attribute("id"))
        .attribute_definitions(attribute("name"))
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("name")
                .key_type(KeyType::Range)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create the store table");
}

/// The item dynastorev2's `Create` leaves: `ADD version 1`, `SET payload`,
/// extra fields, and `expires` only with a TTL.
fn dynastore_item(
    id: &str,
    name: &str,
    version: u64,
    payload: &[u8],
    expires: Option<i64>,
    owner: Option<&str>,
) -> RawItem {
    let mut item = RawItem::new();
    item.insert("id".into(), AttributeValue::S(id.into()));
    item.insert("name".into(), AttributeValue::S(name.into()));
    item.insert("version".into(), AttributeValue::N(version.to_string()));
    item.insert("payload".into(), AttributeValue::B(Blob::new(payload.to_vec())));
    if let Some(expires) = expires {
        item.insert("expires".into(), AttributeValue::N(expires.to_string()));
    }
    if let Some(owner) = owner {
        item.insert("owner".into(), AttributeValue::S(owner.into()));
    }
    item
}

fn key(id: &str, name: &str) -> RawItem {
    RawItem::from([
        ("id".to_owned(), AttributeValue::S(id.into())),
        ("name".to_owned(), AttributeValue::S(name.into())),
    ])
}

fn record(id: &str, name: &str, payload: &[u8]) -> Record {
    Record {
        partition: id.into(),
        name: name.into(),
        payload: Bytes(payload.to_vec()),
        expires: None,
        owner: None,
        version: 0,
    }
}

#[tokio::test]
async fn reads_and_lists_what_dynastore_wrote() {
    run_with_table("adopt-dynastore-read", |client, name| async move {
        create_store_table(&client, &name).await;
        let expires = 1_893_456_000; // 2030
        put_raw(
            &client,
            &name,
            dynastore_item(
                "customer",
                "01FCFSDXQ8EYFCNMEA7C2WJG74",
                1,
                br#"{"name": "Stax"}"#,
                Some(expires),
                Some("ops"),
            ),
        )
        .await;
        // Sort keys with `#` and spaces: raw keys hold any text.
        for n in 0..25 {
            put_raw(
                &client,
                &name,
                dynastore_item("customer", &format!("ticket#{n:02} a"), 3, b"x", None, None),
            )
            .await;
        }
        let store = Store::new(client.clone(), &name);
        let got = store
            .records()
            .get(&RecordKey {
                partition: "customer".into(),
                name: "01FCFSDXQ8EYFCNMEA7C2WJG74".into(),
            })
            .await
            .unwrap()
            .expect("the record");
        assert_eq!(
            got,
            Record {
                expires: DateTime::<Utc>::from_timestamp(expires, 0),
                owner: Some("ops".into()),
                version: 1,
                ..record("customer", "01FCFSDXQ8EYFCNMEA7C2WJG74", br#"{"name": "Stax"}"#)
            }
        );

        // Listing a partition by sort-key prefix, 10 at a time, follows the
        // cursor to the end, in key order.
        let mut names = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = store
                .records()
                .query(&RecordPartition {
                    partition: "customer".into(),
                })
                .name_begins("ticket#")
                .limit(10)
                .page(cursor.as_ref())
                .await
                .unwrap();
            pages += 1;
            names.extend(page.items.into_iter().map(|r| r.name));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert!(pages >= 3, "{pages} pages");
        assert_eq!(names, (0..25).map(|n| format!("ticket#{n:02} a")).collect::<Vec<_>>());
        // A range on the raw sort key.
        let range: Vec<String> = store
            .records()
            .query(&RecordPartition {
                partition: "customer".into(),
            })
            .name_between("ticket#03 a", "ticket#05 a")
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(range, ["ticket#03 a", "ticket#04 a", "ticket#05 a"]);
        let below: Vec<String> = store
            .records()
            .query(&RecordPartition {
                partition: "customer".into(),
            })
            .name_lt("ticket#02 a")
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(below, ["01FCFSDXQ8EYFCNMEA7C2WJG74", "ticket#00 a", "ticket#01 a"]);
        let above: Vec<String> = store
            .records()
            .query(&RecordPartition {
                partition: "customer".into(),
            })
            .name_gt("ticket#23 a")
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(above, ["ticket#24 a"]);
    })
    .await;
}

#[tokio::test]
async fn writes_what_dynastore_writes_and_locks_optimistically() {
    run_with_table("adopt-dynastore-write", |client, name| async move {
        create_store_table(&client, &name).await;
        let store = Store::new(client.clone(), &name);
        let created = store.records().create(&record("customer", "01H", b"v1")).await.unwrap();
        assert_eq!(created.version, 1);
        assert_eq!(
            get_raw(&client, &name, key("customer", "01H")).await.unwrap(),
            dynastore_item("customer", "01H", 1, b"v1", None, None)
        );
        // Create refuses an existing key, like dynastore's create constraint.
        let again = store.records().create(&record("customer", "01H", b"other")).await;
        assert!(matches!(again, Err(Error::AlreadyExists { .. })), "{again:?}");

        // Update with the expected version: version 2, as dynastore's ADD.
        let updated = store
            .records()
            .update(
                &RecordKey {
                    partition: "customer".into(),
                    name: "01H".into(),
                },
                1,
            )
            .set_payload(Bytes(b"v2".to_vec()))
            .set_expires(DateTime::<Utc>::from_timestamp(1_893_456_000, 0).unwrap())
            .set_owner("ops".to_string())
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(
            get_raw(&client, &name, key("customer", "01H")).await.unwrap(),
            dynastore_item("customer", "01H", 2, b"v2", Some(1_893_456_000), Some("ops"))
        );
        // A stale version is refused and changes nothing.
        let stale = store
            .records()
            .update(
                &RecordKey {
                    partition: "customer".into(),
                    name: "01H".into(),
                },
                1,
            )
            .set_payload(Bytes(b"lost".to_vec()))
            .await;
        assert!(matches!(stale, Err(Error::VersionConflict { .. })), "{stale:?}");
        assert_eq!(
            get_raw(&client, &name, key("customer", "01H")).await.unwrap()["payload"],
            AttributeValue::B(Blob::new(b"v2".to_vec()))
        );
        // Delete with the version.
        store
            .records()
            .delete(
                &RecordKey {
                    partition: "customer".into(),
                    name: "01H".into(),
                },
                2,
            )
            .await
            .unwrap();
        assert_eq!(get_raw(&client, &name, key("customer", "01H")).await, None);
    })
    .await;
}
