//! Nested updates (`generator/tests/fixtures/nested.dyn`): set or remove a
//! struct field, a map entry or a list element, append to a nested list,
//! add to a nested number, all through the attribute paths conditions use,
//! alone and in transactions; a path into nothing is a typed error.

use dyngen_goldens::nested::*;
use dyngen_runtime::{Document, Error};
use dyngen_tests::{run_with_table, RawItem};
use std::collections::BTreeMap;

async fn shop(client: &aws_sdk_dynamodb::Client, table: &str) -> Shop {
    let db = Shop::new(client.clone(), table.to_owned());
    db.table().create_if_missing().await.expect("create table");
    db
}

fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        name: "Ada".into(),
        address: Some(Address {
            street: "1 Main St".into(),
            city: "Bergen".into(),
            zip: Some("5003".into()),
        }),
        stats: Stats {
            views: 1,
            score: 0.5,
            tags: vec!["new".into()],
        },
        lines: vec![
            Line {
                sku: "a".into(),
                qty: 1,
            },
            Line {
                sku: "b".into(),
                qty: 2,
            },
            Line {
                sku: "c".into(),
                qty: 3,
            },
        ],
        prefs: BTreeMap::from([("theme".to_owned(), "dark".to_owned())]),
        counters: BTreeMap::new(),
        extra: Some(Document::from_json(serde_json::json!({"source": "web", "flags": [1]}))),
        joined: "2026".into(),
        version: 0,
    }
}

fn key(id: &str) -> CustomerKey {
    CustomerKey { id: id.into() }
}

async fn stored(client: &aws_sdk_dynamodb::Client, table: &str, id: &str) -> RawItem {
    use dyngen_runtime::PrimaryKey as _;
    dyngen_tests::get_raw(client, table, key(id).to_key().unwrap())
        .await
        .expect("stored")
}

#[tokio::test]
async fn nested_values_change_and_the_rest_stays() {
    run_with_table("nested", |client, table| async move {
        let db = shop(&client, &table).await;
        let written = db.customers().create(&customer("c1")).await.unwrap();
        let updated = db
            .customers()
            .update(&key("c1"), written.version)
            .at(|a| a.address.fields().city)
            .set("Oslo")
            .at(|a| a.address.fields().zip)
            .remove()
            .at(|a| a.prefs.key("lang"))
            .set("nb")
            .at(|a| a.prefs.key("theme"))
            .remove()
            .at(|a| a.lines.at(1).fields().qty)
            .set(20)
            .at(|a| a.lines.at(0))
            .remove()
            .at(|a| a.stats.fields().tags)
            .append(["vip".to_owned()])
            .at(|a| a.stats.fields().views)
            .add(5)
            .at(|a| a.stats.fields().score)
            .add(0.25)
            .at(|a| a.counters.key("logins"))
            .add(1)
            .at(|a| a.extra.key("source"))
            .set(Document::String("app".into()))
            .at(|a| a.extra.key("flags").at(0))
            .set(Document::number(2))
            .await
            .expect("nested update");

        let address = updated.address.as_ref().unwrap();
        assert_eq!(
            (address.street.as_str(), address.city.as_str(), address.zip.as_deref()),
            ("1 Main St", "Oslo", None)
        );
        assert_eq!(updated.prefs, BTreeMap::from([("lang".to_owned(), "nb".to_owned())]));
        // Element 0 removed; element 1's qty set first (the request applies
        // SET before REMOVE, on the stored positions).
        assert_eq!(
            updated.lines,
            [
                Line {
                    sku: "b".into(),
                    qty: 20
                },
                Line {
                    sku: "c".into(),
                    qty: 3
                }
            ]
        );
        assert_eq!(updated.stats.tags, ["new", "vip"]);
        assert_eq!(updated.stats.views, 6);
        assert_eq!(updated.stats.score, 0.75);
        assert_eq!(updated.counters, BTreeMap::from([("logins".to_owned(), 1)]));
        assert_eq!(
            updated.extra.as_ref().unwrap().to_json().unwrap(),
            serde_json::json!({"source": "app", "flags": [2]})
        );
        assert_eq!(updated.version, written.version + 1);
        assert_eq!((updated.name.as_str(), updated.joined.as_str()), ("Ada", "2026"));
        // What the update returned is what is stored.
        assert_eq!(db.customers().get(&key("c1")).await.unwrap().unwrap(), updated);

        // Prepend, and a position past the end appends (DynamoDB's rule).
        let again = db
            .customers()
            .update(&key("c1"), updated.version)
            .at(|a| a.stats.fields().tags)
            .prepend(["first".to_owned()])
            .at(|a| a.lines.at(10))
            .set(Line {
                sku: "z".into(),
                qty: 9,
            })
            .condition(|a| a.address.fields().city.eq("Oslo"))
            .await
            .unwrap();
        assert_eq!(again.stats.tags, ["first", "new", "vip"]);
        assert_eq!(again.lines.last().unwrap().sku, "z");
        let raw = stored(&client, &table, "c1").await;
        assert!(raw.contains_key("counters") && raw.contains_key("lines"));
    })
    .await;
}

#[tokio::test]
async fn a_path_into_nothing_is_a_typed_error_and_writes_nothing() {
    run_with_table("nested-missing", |client, table| async move {
        let db = shop(&client, &table).await;
        let mut plain = customer("c2");
        plain.address = None;
        plain.extra = None;
        let written = db.customers().create(&plain).await.unwrap();
        let before = stored(&client, &table, "c2").await;

        let err = db
            .customers()
            .update(&key("c2"), written.version)
            .at(|a| a.address.fields().city)
            .set("Oslo")
            .at(|a| a.stats.fields().views)
            .add(1)
            .await
            .unwrap_err();
        match &err {
            Error::InvalidPath { entity, path, reason } => {
                assert_eq!((*entity, path.as_str()), ("Customer", "address.city"));
                assert!(reason.contains("`address` is not stored"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.was_applied());
        assert_eq!(stored(&client, &table, "c2").await, before, "nothing was written");

        // Setting the whole attribute first is the way: then a nested path works.
        let with_address = db
            .customers()
            .update(&key("c2"), written.version)
            .set_address(Address {
                street: "2 Side St".into(),
                city: "Bergen".into(),
                zip: None,
            })
            .await
            .unwrap();
        let moved = db
            .customers()
            .update(&key("c2"), with_address.version)
            .at(|a| a.address.fields().city)
            .set("Oslo")
            .await
            .unwrap();
        assert_eq!(moved.address.unwrap().city, "Oslo");

        // A version conflict still reads as one, not as a missing path.
        let stale = db
            .customers()
            .update(&key("c2"), written.version)
            .at(|a| a.extra.key("x"))
            .set(Document::Null)
            .await;
        assert!(matches!(stale, Err(Error::VersionConflict { .. })), "{stale:?}");
    })
    .await;
}

#[tokio::test]
async fn paths_the_update_cannot_write_are_refused_before_sending() {
    run_with_table("nested-refused", |client, table| async move {
        let db = shop(&client, &table).await;
        let written = db.customers().create(&customer("c3")).await.unwrap();
        let update = || db.customers().update(&key("c3"), written.version);
        let refusals = [
            (
                update().at(|a| a.name.clone()).set("Bob").await,
                "name",
                "a whole attribute",
            ),
            (
                update().at(|a| a.joined.clone()).set("x").await,
                "joined",
                "a whole attribute",
            ),
            (
                update()
                    .set_stats(Stats {
                        views: 0,
                        score: 0.0,
                        tags: vec![],
                    })
                    .at(|a| a.stats.fields().views)
                    .add(1)
                    .await,
                "stats.views",
                "sets `stats` whole",
            ),
            (
                update()
                    .at(|a| a.lines.at(0))
                    .remove()
                    .at(|a| a.lines.at(0).fields().qty)
                    .set(1)
                    .await,
                "lines[0].qty",
                "overlaps `lines[0]`",
            ),
            (
                update().at(|a| a.stats.fields().score).set(f64::NAN).await,
                "stats.score",
                "NaN",
            ),
        ];
        for (result, path, reason) in refusals {
            match result {
                Err(Error::InvalidPath { path: p, reason: r, .. }) => {
                    assert_eq!(p, path);
                    assert!(r.contains(reason), "{path}: {r}");
                }
                other => panic!("{path}: {other:?}"),
            }
        }
        let readonly = Error::InvalidPath {
            entity: "Customer",
            path: "joined".into(),
            reason: String::new(),
        };
        assert!(readonly.to_string().starts_with("Customer: update of `joined`"));
        assert_eq!(
            db.customers().get(&key("c3")).await.unwrap().unwrap().version,
            written.version
        );
    })
    .await;
}

#[tokio::test]
async fn nested_numbers_stay_in_their_type() {
    run_with_table("nested-range", |client, table| async move {
        let db = shop(&client, &table).await;
        let mut near_max = customer("c4");
        near_max.stats.views = u32::MAX - 1;
        let written = db.customers().create(&near_max).await.unwrap();
        let over = db
            .customers()
            .update(&key("c4"), written.version)
            .at(|a| a.stats.fields().views)
            .add(5)
            .await;
        assert!(matches!(over, Err(Error::ConditionFailed { .. })), "{over:?}");
        let fits = db
            .customers()
            .update(&key("c4"), written.version)
            .at(|a| a.stats.fields().views)
            .add(1)
            .await
            .unwrap();
        assert_eq!(fits.stats.views, u32::MAX);
    })
    .await;
}

#[tokio::test]
async fn nested_updates_work_in_transactions() {
    run_with_table("nested-tx", |client, table| async move {
        let db = shop(&client, &table).await;
        let one = db.customers().create(&customer("t1")).await.unwrap();
        let mut bare = customer("t2");
        bare.address = None;
        let two = db.customers().create(&bare).await.unwrap();
        db.transact_write()
            .update(
                db.customers()
                    .update(&key("t1"), one.version)
                    .at(|a| a.address.fields().city)
                    .set("Tromsø")
                    .at(|a| a.lines.at(2).fields().qty)
                    .add(10),
            )
            .update(
                db.customers()
                    .update(&key("t2"), two.version)
                    .at(|a| a.prefs.key("x"))
                    .set("y"),
            )
            .send()
            .await
            .expect("transaction");
        let one = db.customers().get(&key("t1")).await.unwrap().unwrap();
        assert_eq!(
            (one.address.as_ref().unwrap().city.as_str(), one.lines[2].qty),
            ("Tromsø", 13)
        );
        let two = db.customers().get(&key("t2")).await.unwrap().unwrap();
        assert_eq!(two.prefs["x"], "y");

        // A path into nothing cancels the whole transaction.
        let canceled = db
            .transact_write()
            .update(db.customers().update(&key("t1"), one.version).set_name("Changed"))
            .update(
                db.customers()
                    .update(&key("t2"), two.version)
                    .at(|a| a.address.fields().city)
                    .set("X"),
            )
            .send()
            .await;
        assert!(
            matches!(canceled, Err(Error::TransactionCanceled { .. })),
            "{canceled:?}"
        );
        assert_eq!(db.customers().get(&key("t1")).await.unwrap().unwrap().name, "Ada");
    })
    .await;
}
