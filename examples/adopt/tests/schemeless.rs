//! The schemeless event store's table, served by `schema/schemeless.dyn`:
//! events the adapter wrote (raw SDK calls in its `toItem` layout) read by
//! key, by month bucket across months in time order, and by causation,
//! through keys-only indexes; what dyngen writes is the adapter's item.

use dyngen_adopt_examples::schemeless::*;
use dyngen_runtime::aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ProvisionedThroughput, ScalarAttributeType,
};
use dyngen_runtime::aws_sdk_dynamodb::Client;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::key::Month;
use dyngen_runtime::Error;
use dyngen_tests::{get_raw, put_raw, run_with_table, RawItem};

/// The adapter's `init`: `id`/`created` keys and two keys-only GSIs.
async fn create_event_table(client: &Client, table: &str) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, ty: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(ty)
            .build()
            .unwrap()
    };
    let throughput = || {
        ProvisionedThroughput::builder()
            .read_capacity_units(10)
            .write_capacity_units(10)
            .build()
            .unwrap()
    };
    let gsi = |name: &str, pk: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash))
            .key_schema(key("created", KeyType::Range))
            .projection(Projection::builder().projection_type(ProjectionType::KeysOnly).build())
            .provisioned_throughput(throughput())
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attribute("id"))
        .attribute_definitions(attribute("timeBucket"))
        .attribute_definitions(attribute("causationId"))
        .attribute_definitions(attribute("created"))
        .key_schema(key("id", KeyType::Hash))
        .key_schema(key("created", KeyType::Range))
        .global_secondary_indexes(gsi("timeBucketIndex", "timeBucket"))
        .global_secondary_indexes(gsi("causationIndex", "causationId"))
        .provisioned_throughput(throughput())
        .send()
        .await
        .expect("create the event store table");
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn event(id: &str, created: &str, causation: Option<&str>, sequence: u64) -> Event {
    Event {
        id: id.into(),
        created: at(created),
        domain: "user".into(),
        r#type: "created".into(),
        payload: Some(format!(r#"{{"n":{sequence}}}"#)),
        identifier: Some("user-1".into()),
        correlation_id: "01CORRELATION".into(),
        causation_id: causation.map(str::to_owned),
        sequence,
        s3_reference: None,
    }
}

/// What `EventStoreEntity.toItem` stores for `event`: `EventID#` before the
/// id, `created` as `toISOString()`, `timeBucket` its first 7 characters.
fn adapter_item(e: &Event) -> RawItem {
    let created = e.created.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let mut item = RawItem::from([
        ("id".to_owned(), AttributeValue::S(format!("EventID#{}", e.id))),
        ("timeBucket".to_owned(), AttributeValue::S(created[..7].to_owned())),
        ("created".to_owned(), AttributeValue::S(created)),
        ("domain".to_owned(), AttributeValue::S(e.domain.clone())),
        ("type".to_owned(), AttributeValue::S(e.r#type.clone())),
        ("correlationId".to_owned(), AttributeValue::S(e.correlation_id.clone())),
        ("sequence".to_owned(), AttributeValue::N(e.sequence.to_string())),
    ]);
    for (name, value) in [
        ("payload", &e.payload),
        ("identifier", &e.identifier),
        ("causationId", &e.causation_id),
        ("s3Reference", &e.s3_reference),
    ] {
        if let Some(value) = value {
            item.insert(name.to_owned(), AttributeValue::S(value.clone()));
        }
    }
    item
}

fn events() -> Vec<Event> {
    vec![
        event("01A", "2026-01-31T23:59:59.999Z", None, 1),
        event("01B", "2026-02-01T00:00:00.000Z", Some("01A"), 2),
        event("01C", "2026-02-14T12:30:00.250Z", Some("01A"), 3),
        event("01D", "2026-04-02T08:00:00.000Z", Some("01C"), 4),
        event("01E", "2026-04-02T08:00:00.001Z", None, 5),
    ]
}

#[tokio::test]
async fn reads_events_the_adapter_wrote_in_time_order_across_months() {
    run_with_table("adopt-schemeless-read", |client, name| async move {
        create_event_table(&client, &name).await;
        // Written out of order; a stream HEAD item has no `timeBucket`.
        for e in events().iter().rev() {
            put_raw(&client, &name, adapter_item(e)).await;
        }
        put_raw(
            &client,
            &name,
            RawItem::from([
                ("id".to_owned(), AttributeValue::S("EventID#HEAD::user::user-1".into())),
                ("created".to_owned(), AttributeValue::S("HEAD".into())),
                ("version".to_owned(), AttributeValue::N("5".into())),
            ]),
        )
        .await;
        let table = EventStore::new(client.clone(), &name);
        let all = all_events(&table, first_month(), Month::new(2026, 12).unwrap())
            .await
            .unwrap();
        assert_eq!(all, events());
        let concurrent = all_events_concurrently(&table, first_month(), Month::new(2026, 12).unwrap(), 8)
            .await
            .unwrap();
        assert_eq!(concurrent, events());

        // One month, narrowed by time; the bucket typed as a month or taken
        // from a timestamp.
        let february: Vec<String> = table
            .events()
            .by_month(&EventByMonthPartition {
                created_month: Month::of(&at("2026-02-10T00:00:00Z")),
            })
            .created_gte(at("2026-02-01T00:00:00.001Z"))
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(february, ["01C"]);

        // By causation, read through the keys-only index by key.
        let caused: Vec<Event> = table
            .events()
            .by_causation(&EventByCausationPartition {
                causation_id: "01A".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(caused, events()[1..3].to_vec());
        // A filter there would be applied to index entries that hold only
        // keys and drop every event: it is refused, not run.
        let filtered = table
            .events()
            .by_causation(&EventByCausationPartition {
                causation_id: "01A".into(),
            })
            .filter(|a| a.sequence.gt(2_u64))
            .all()
            .await;
        assert!(
            matches!(&filtered, Err(Error::UnsupportedQuery { entity: "Event", .. })),
            "{filtered:?}"
        );

        // By key.
        let got = table
            .events()
            .get(&EventKey {
                id: "01D".into(),
                created: at("2026-04-02T08:00:00.000Z"),
            })
            .await
            .unwrap();
        assert_eq!(got, Some(events()[3].clone()));
    })
    .await;
}

#[tokio::test]
async fn writes_the_adapters_item_and_create_refuses_an_existing_event() {
    run_with_table("adopt-schemeless-write", |client, name| async move {
        create_event_table(&client, &name).await;
        let table = EventStore::new(client.clone(), &name);
        for e in events() {
            table.events().create(&e).await.unwrap();
            let key = RawItem::from([
                ("id".to_owned(), AttributeValue::S(format!("EventID#{}", e.id))),
                (
                    "created".to_owned(),
                    AttributeValue::S(e.created.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
                ),
            ]);
            assert_eq!(get_raw(&client, &name, key).await.unwrap(), adapter_item(&e));
        }
        let again = table.events().create(&events()[0]).await;
        assert!(matches!(again, Err(Error::AlreadyExists { .. })), "{again:?}");

        // `id` is stored only in the key, as `EventID#<id>`: conditions on
        // it compare that text, so they mean the event's id.
        let first = &events()[0];
        let found = table
            .events()
            .scan()
            .filter(|a| a.id.eq(first.id.clone()))
            .all()
            .await
            .unwrap();
        assert_eq!(found, std::slice::from_ref(first));
        let prefixed = table
            .events()
            .scan()
            .filter(|a| a.id.begins_with(&first.id[..2]))
            .all()
            .await
            .unwrap();
        assert_eq!(prefixed.len(), events().len(), "every id starts with `01`");
        let others = table
            .events()
            .scan()
            .filter(|a| a.id.ne(first.id.clone()))
            .all()
            .await
            .unwrap();
        assert_eq!(others.len(), events().len() - 1);
        assert_eq!(
            all_events(&table, first_month(), Month::new(2026, 12).unwrap())
                .await
                .unwrap(),
            events()
        );
    })
    .await;
}
