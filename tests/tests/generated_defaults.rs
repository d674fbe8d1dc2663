//! Generated defaults (`generator/tests/fixtures/generated_defaults.dyn`):
//! `uuid()`, `ulid()` and `now()` are made by `put`, `create` and `upsert`
//! when a draft leaves them out, kept when it gives them, and never made up
//! when an item is read.

use dyngen_goldens::generated_defaults::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::{Error, PrimaryKey as _, Writable as _};
use dyngen_tests::{put_raw, run_with_table};

async fn orders(client: &aws_sdk_dynamodb::Client, table: &str) -> Orders {
    let db = Orders::new(client.clone(), table.to_owned());
    db.table().create_if_missing().await.expect("create table");
    db
}

fn draft(customer: &str) -> OrderDraft {
    OrderDraft {
        customer: customer.into(),
        order_id: None,
        total: 12.into(),
        placed_at: None,
        note: None,
    }
}

fn is_uuid_v4(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts[2].starts_with('4')
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn create_and_put_make_what_a_draft_leaves_out() {
    run_with_table("generated-defaults", |client, table| async move {
        let db = orders(&client, &table).await;
        let before = dyngen_runtime::chrono::Utc::now();
        let created = db.orders().create(&draft("ada")).await.expect("create");
        let after = dyngen_runtime::chrono::Utc::now();
        assert!(is_uuid_v4(&created.order_id), "{}", created.order_id);
        assert!(
            before <= created.placed_at && created.placed_at <= after,
            "{}",
            created.placed_at
        );
        assert_eq!(created.version, 1);
        // What was written is what `create` returned, key included.
        let read = db
            .orders()
            .get(&created.key())
            .await
            .unwrap()
            .expect("stored under the made id");
        assert_eq!(read, created);
        // `now()` went into the secondary key too.
        let placed = db
            .orders()
            .by_placed(&OrderByPlacedPartition { customer: "ada".into() })
            .all()
            .await
            .unwrap();
        assert_eq!(placed, std::slice::from_ref(&created));

        // The same draft written again makes a new id: a second order.
        let second = db.orders().create(&draft("ada")).await.expect("second create");
        assert_ne!(second.order_id, created.order_id);
        assert_eq!(
            db.orders()
                .query(&OrderPartition { customer: "ada".into() })
                .all()
                .await
                .unwrap()
                .len(),
            2
        );

        // Given values are kept, by put and upsert too.
        let at = dyngen_runtime::chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let given = OrderDraft {
            order_id: Some("order-1".into()),
            placed_at: Some(at),
            ..draft("bob")
        };
        let put = db.orders().put(&given).await.expect("put");
        assert_eq!((put.order_id.as_str(), put.placed_at), ("order-1", at));
        // A draft is version 0: over a stored versioned item, it is a
        // conflict, not a silent overwrite.
        let over = db
            .orders()
            .upsert(&OrderDraft {
                note: Some("gift".into()),
                ..given.clone()
            })
            .await;
        assert!(
            matches!(
                over,
                Err(Error::VersionConflict {
                    expected: 0,
                    found: 1,
                    ..
                })
            ),
            "{over:?}"
        );
        let upsert_made = db.orders().upsert(&draft("bob")).await.expect("upsert of a new draft");
        assert!(is_uuid_v4(&upsert_made.order_id));

        // An entity is written as it is: nothing is made for it.
        let mut plain = read.clone();
        plain.order_id = "plain".into();
        plain.version = 0;
        assert_eq!(db.orders().create(&plain).await.unwrap().order_id, "plain");
    })
    .await;
}

/// In a transaction the draft is completed first (`to_entity`), so that
/// the caller knows the ids it writes.
#[tokio::test]
async fn drafts_complete_before_a_transaction() {
    run_with_table("generated-defaults-tx", |client, table| async move {
        let db = orders(&client, &table).await;
        let order = draft("cy").to_entity().into_owned();
        let event = EventDraft {
            stream: format!("order-{}", order.order_id),
            event_id: None,
            kind: "placed".into(),
        }
        .to_entity()
        .into_owned();
        db.transact_write()
            .put(db.orders().create(&order))
            .put(db.events().create(&event))
            .send()
            .await
            .expect("transaction");
        assert!(db.orders().get(&order.key()).await.unwrap().is_some());
        let stored = db.events().get(&event.key()).await.unwrap().expect("event");
        assert_eq!(stored.event_id, event.event_id);
        // Drafts go into transactions directly too.
        db.transact_write()
            .put(db.orders().create(&draft("cy")))
            .send()
            .await
            .expect("a draft in a transaction");
        assert_eq!(
            db.orders()
                .query(&OrderPartition { customer: "cy".into() })
                .all()
                .await
                .unwrap()
                .len(),
            2
        );
    })
    .await;
}

/// ULID sort keys list items in the order they were written, even within
/// one millisecond.
#[tokio::test]
async fn ulid_sort_keys_keep_creation_order() {
    run_with_table("generated-defaults-ulid", |client, table| async move {
        let db = orders(&client, &table).await;
        let mut written = Vec::new();
        for n in 0..40 {
            let event = db
                .events()
                .create(&EventDraft {
                    stream: "s".into(),
                    event_id: None,
                    kind: format!("k{n:02}"),
                })
                .await
                .expect("create event");
            assert_eq!(event.event_id.len(), 26);
            written.push(event.kind);
        }
        let listed: Vec<String> = db
            .events()
            .query(&EventPartition { stream: "s".into() })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(listed, written);
    })
    .await;
}

/// Reading never makes a value up: an item stored without a generated
/// attribute does not decode, naming it.
#[tokio::test]
async fn reads_do_not_make_values_up() {
    run_with_table("generated-defaults-read", |client, table| async move {
        let db = orders(&client, &table).await;
        let order = db.orders().create(&draft("dee")).await.unwrap();
        let mut item = order.key().to_key().unwrap();
        for (k, v) in [
            ("_et", "Order"),
            ("customer", "dee"),
            ("orderId", order.order_id.as_str()),
        ] {
            item.insert(k.into(), AttributeValue::S(v.into()));
        }
        item.insert("total".into(), AttributeValue::N("1".into()));
        item.insert("version".into(), AttributeValue::N("1".into()));
        item.insert(
            "createdAt".into(),
            AttributeValue::S("2026-01-01T00:00:00.000000000Z".into()),
        );
        item.insert(
            "updatedAt".into(),
            AttributeValue::S("2026-01-01T00:00:00.000000000Z".into()),
        );
        put_raw(&client, &table, item).await;
        let err = db.orders().get(&order.key()).await.unwrap_err();
        match err {
            Error::Decode(decode) => assert_eq!((decode.entity, decode.attribute.as_str()), ("Order", "placedAt")),
            other => panic!("{other:?}"),
        }
    })
    .await;
}
