//! protosource's events table, served by `schema/protosource.dyn`: items
//! written in protosource's exact layout (raw SDK calls, as its Go store
//! makes them) read back through the generated module, and items the
//! generated module writes are byte for byte protosource's.

use dyngen_adopt_examples::protosource::*;
use dyngen_runtime::aws_sdk_dynamodb::primitives::Blob;
use dyngen_runtime::aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use dyngen_runtime::aws_sdk_dynamodb::Client;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{Bytes, Error};
use dyngen_tests::{get_raw, put_raw, run_with_table, RawItem};

/// protosource's `ensureEventsTable`: `a` S HASH, `v` N RANGE, on demand.
async fn create_events_table(client: &Client, table: &str) {
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("a")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("v")
                .attribute_type(ScalarAttributeType::N)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("a")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("v")
                .key_type(KeyType::Range)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create the events table");
}

/// The item protosource's `Save` writes for one record.
fn protosource_item(aggregate: &str, version: i64, data: &[u8], ttl: Option<i64>) -> RawItem {
    let mut item = RawItem::new();
    item.insert("a".into(), AttributeValue::S(aggregate.to_owned()));
    item.insert("v".into(), AttributeValue::N(version.to_string()));
    item.insert("d".into(), AttributeValue::B(Blob::new(data.to_vec())));
    if let Some(ttl) = ttl {
        item.insert("t".into(), AttributeValue::N(ttl.to_string()));
    }
    item
}

fn event(aggregate: &str, version: i64, data: &[u8]) -> Event {
    Event {
        aggregate_id: aggregate.into(),
        version,
        data: Bytes(data.to_vec()),
        expires_at: None,
    }
}

fn key(aggregate: &str, version: i64) -> RawItem {
    RawItem::from([
        ("a".to_owned(), AttributeValue::S(aggregate.to_owned())),
        ("v".to_owned(), AttributeValue::N(version.to_string())),
    ])
}

#[tokio::test]
async fn reads_what_protosource_wrote() {
    run_with_table("adopt-protosource-read", |client, name| async move {
        create_events_table(&client, &name).await;
        let expiry = 1_893_456_000; // 2030: not expired, so reads show it
        for v in 1..=3 {
            let ttl = (v == 3).then_some(expiry);
            put_raw(&client, &name, protosource_item("order-1", v, &[v as u8; 4], ttl)).await;
        }
        // Other aggregates in the same table, one with an ID that holds
        // the characters a template would use as delimiters.
        put_raw(&client, &name, protosource_item("order-2", 1, b"other", None)).await;
        put_raw(&client, &name, protosource_item("tenant#A/Order 3", 1, b"odd id", None)).await;
        let table = Events::new(client.clone(), &name);
        let events = load(&table, "order-1").await.unwrap();
        assert_eq!(
            events,
            vec![
                event("order-1", 1, &[1; 4]),
                event("order-1", 2, &[2; 4]),
                Event {
                    expires_at: DateTime::<Utc>::from_timestamp(expiry, 0),
                    ..event("order-1", 3, &[3; 4])
                },
            ]
        );
        // A get by key; the odd ID is stored and read back as it is.
        let got = table
            .events()
            .get(&EventKey {
                aggregate_id: "order-1".into(),
                version: 2,
            })
            .await
            .unwrap();
        assert_eq!(got, Some(event("order-1", 2, &[2; 4])));
        assert_eq!(
            load(&table, "tenant#A/Order 3").await.unwrap(),
            [event("tenant#A/Order 3", 1, b"odd id")]
        );
        // A scan reads every event of every aggregate.
        let mut scanned: Vec<(String, i64)> = table
            .events()
            .scan()
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.aggregate_id, e.version))
            .collect();
        scanned.sort();
        assert_eq!(
            scanned,
            [
                ("order-1".into(), 1),
                ("order-1".into(), 2),
                ("order-1".into(), 3),
                ("order-2".into(), 1),
                ("tenant#A/Order 3".into(), 1)
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn writes_what_protosource_writes() {
    run_with_table("adopt-protosource-write", |client, name| async move {
        create_events_table(&client, &name).await;
        let table = Events::new(client.clone(), &name);
        let expiry = DateTime::<Utc>::from_timestamp(1_893_456_000, 0).unwrap();
        let events = vec![
            event("order-9", 1, b"created"),
            Event {
                expires_at: Some(expiry),
                ..event("order-9", 2, b"paid")
            },
        ];
        save(&table, &events).await.unwrap();
        assert_eq!(
            get_raw(&client, &name, key("order-9", 1)).await.unwrap(),
            protosource_item("order-9", 1, b"created", None)
        );
        assert_eq!(
            get_raw(&client, &name, key("order-9", 2)).await.unwrap(),
            protosource_item("order-9", 2, b"paid", Some(1_893_456_000))
        );
    })
    .await;
}

#[tokio::test]
async fn save_is_create_only_in_transactions_of_at_most_100() {
    run_with_table("adopt-protosource-save", |client, name| async move {
        create_events_table(&client, &name).await;
        let table = Events::new(client.clone(), &name);
        // 250 events: three transactions (100, 100, 50).
        let events: Vec<Event> = (1..=250).map(|v| event("big", v, &v.to_be_bytes())).collect();
        save(&table, &events).await.unwrap();
        assert_eq!(load(&table, "big").await.unwrap(), events);

        // A batch with one version that exists already: its transaction is
        // cancelled and writes nothing, not even the new versions.
        let batch: Vec<Event> = (250..=255).map(|v| event("big", v, b"again")).collect();
        let err = save(&table, &batch).await.unwrap_err();
        assert!(matches!(err, Error::TransactionCanceled { .. }), "{err:?}");
        for v in 251..=255 {
            assert_eq!(
                get_raw(&client, &name, key("big", v)).await,
                None,
                "version {v} was written"
            );
        }
        assert_eq!(
            get_raw(&client, &name, key("big", 250)).await.unwrap()["d"],
            AttributeValue::B(Blob::new(250i64.to_be_bytes().to_vec()))
        );
    })
    .await;
}

#[tokio::test]
async fn load_pages_in_order_and_load_tail_returns_the_last_n() {
    run_with_table("adopt-protosource-load", |client, name| async move {
        create_events_table(&client, &name).await;
        let table = Events::new(client.clone(), &name);
        // 120 events of 20 KB: 2.4 MB, so a query needs several 1 MB pages.
        // Versions 1..=120 sort numerically (`v` is N): 9 before 10.
        let data = vec![7u8; 20_000];
        for v in (1..=120).rev() {
            put_raw(&client, &name, protosource_item("paged", v, &data, None)).await;
        }
        let page = table
            .events()
            .query(&EventPartition {
                aggregate_id: "paged".into(),
            })
            .page(None)
            .await
            .unwrap();
        assert!(page.next.is_some(), "the first page should not hold all 2.4 MB");
        let versions: Vec<i64> = load(&table, "paged").await.unwrap().iter().map(|e| e.version).collect();
        assert_eq!(versions, (1..=120).collect::<Vec<_>>());

        let tail: Vec<i64> = load_tail(&table, "paged", 5)
            .await
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect();
        assert_eq!(tail, [116, 117, 118, 119, 120]);

        // Typed range conditions on the numeric sort key.
        let range: Vec<i64> = table
            .events()
            .query(&EventPartition {
                aggregate_id: "paged".into(),
            })
            .version_between(9, 11)
            .all()
            .await
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect();
        assert_eq!(range, [9, 10, 11]);
        let above: Vec<i64> = table
            .events()
            .query(&EventPartition {
                aggregate_id: "paged".into(),
            })
            .version_gt(118)
            .all()
            .await
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect();
        assert_eq!(above, [119, 120]);
    })
    .await;
}
