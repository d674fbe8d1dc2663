//! Typed key composites through generated code (the `dyngen-goldens`
//! modules) against DynamoDB Local: signed integers, decimals, timestamps,
//! enums and booleans in keys come back in value order; sparse indexes leave
//! out items without their optional composite; `casing` makes lookups
//! case-insensitive while the stored attribute keeps its case; TTL attributes
//! round trip.
//!
//! Every test runs in its own table, so they run in parallel.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use dyngen_runtime::chrono::{DateTime, Duration, NaiveDate, Utc};
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::{Bytes, Error, Item, Table};
use dyngen_tests::run_with_table as run;

fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, nanos).expect("valid timestamp")
}

fn ymd(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date")
        .and_utc()
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// The stored item under `key`, read with the SDK.
async fn raw_get(table: &Table, key: Item) -> Option<Item> {
    dyngen_tests::get_raw(table.client(), table.name(), key).await
}

/// How many items an index holds, by a raw scan of it.
async fn index_count(table: &Table, index: &str) -> i32 {
    table
        .client()
        .scan()
        .table_name(table.name())
        .index_name(index)
        .send()
        .await
        .expect("scan index")
        .count()
}

fn s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

// ---------------------------------------------------------------------------
// sparse_and_lsi: Job, sk [id]; sparse GSI `owned` [owner] / [state, id];
// LSI `byPriority` [priority (i32), id].
// ---------------------------------------------------------------------------

mod jobs {
    pub use dyngen_goldens::sparse_and_lsi::*;

    pub fn job(queue: &str, id: &str, priority: i32, state: State, owner: Option<&str>) -> Job {
        Job {
            queue: queue.to_owned(),
            id: id.to_owned(),
            state,
            priority,
            owner: owner.map(str::to_owned),
        }
    }

    pub fn by_priority(queue: &str) -> JobByPriorityPartition {
        JobByPriorityPartition {
            queue: queue.to_owned(),
        }
    }

    pub fn owned_by(owner: &str) -> JobOwnedPartition {
        JobOwnedPartition {
            owner: owner.to_owned(),
        }
    }

    pub fn pairs(jobs: &[Job]) -> Vec<(i32, String)> {
        jobs.iter().map(|j| (j.priority, j.id.clone())).collect()
    }

    pub fn ids(jobs: &[Job]) -> Vec<&str> {
        jobs.iter().map(|j| j.id.as_str()).collect()
    }
}

#[tokio::test]
async fn lsi_orders_signed_integers_then_ids() {
    run("keys-lsi-i32", |client, table| async move {
        use jobs::*;
        let db = Jobs::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let specs: [(&str, i32); 13] = [
            ("a", 3),
            ("b", 3),
            ("c", -5),
            ("d", -1),
            ("e", 0),
            ("f", 10),
            ("g", i32::MIN),
            ("h", i32::MAX),
            ("i", i32::MIN + 1),
            ("j", 1),
            ("k", -10),
            ("l", -2),
            ("m", 1_000_000_000),
        ];
        for (id, priority) in specs {
            db.jobs()
                .put(&job("q", id, priority, State::Queued, None))
                .await
                .unwrap();
        }
        // Another queue: another partition of the table and of the LSI.
        db.jobs().put(&job("q2", "z", 0, State::Queued, None)).await.unwrap();

        let mut expected: Vec<(i32, String)> = specs.iter().map(|(id, p)| (*p, (*id).to_owned())).collect();
        expected.sort();
        let q = || db.jobs().by_priority(&by_priority("q"));
        let filtered = |keep: &dyn Fn(i32) -> bool| -> Vec<(i32, String)> {
            expected.iter().filter(|(p, _)| keep(*p)).cloned().collect()
        };

        // Ascending priority (negatives first, numerically), then id.
        assert_eq!(pairs(&q().all().await.unwrap()), expected);
        assert_eq!(pairs(&q().consistent().all().await.unwrap()), expected);
        let mut down = expected.clone();
        down.reverse();
        assert_eq!(pairs(&q().descending().all().await.unwrap()), down);
        assert_eq!(pairs(&q().limit(3).all().await.unwrap()), expected[..3]);

        for pivot in [
            i32::MIN,
            i32::MIN + 1,
            -10,
            -5,
            -3,
            -2,
            -1,
            0,
            1,
            2,
            3,
            10,
            11,
            i32::MAX,
        ] {
            assert_eq!(
                pairs(&q().priority(pivot).all().await.unwrap()),
                filtered(&|p| p == pivot),
                "= {pivot}"
            );
            assert_eq!(
                pairs(&q().priority_gt(pivot).all().await.unwrap()),
                filtered(&|p| p > pivot),
                "> {pivot}"
            );
            assert_eq!(
                pairs(&q().priority_gte(pivot).all().await.unwrap()),
                filtered(&|p| p >= pivot),
                ">= {pivot}"
            );
            assert_eq!(
                pairs(&q().priority_lt(pivot).all().await.unwrap()),
                filtered(&|p| p < pivot),
                "< {pivot}"
            );
            assert_eq!(
                pairs(&q().priority_lte(pivot).all().await.unwrap()),
                filtered(&|p| p <= pivot),
                "<= {pivot}"
            );
        }
        for (low, high) in [
            (-5, 3),
            (i32::MIN, i32::MAX),
            (-1, -1),
            (-10, -2),
            (0, 0),
            (1, 10),
            (-3, 2),
        ] {
            assert_eq!(
                pairs(&q().priority_between(low, high).all().await.unwrap()),
                filtered(&|p| low <= p && p <= high),
                "between {low} and {high}"
            );
        }
        assert_eq!(
            pairs(&q().priority_lt(0).descending().limit(2).all().await.unwrap()),
            [(-1, "d".to_owned()), (-2, "l".to_owned())]
        );

        // Ties on priority are ordered by id, and the id narrows further.
        assert_eq!(ids(&q().priority(3).all().await.unwrap()), ["a", "b"]);
        assert_eq!(ids(&q().priority(3).id("b").all().await.unwrap()), ["b"]);
        assert_eq!(ids(&q().priority(3).id_gt("a").all().await.unwrap()), ["b"]);
        assert_eq!(ids(&q().priority(3).id_lt("b").all().await.unwrap()), ["a"]);
        assert_eq!(
            ids(&q().priority(3).id_between("a", "b").all().await.unwrap()),
            ["a", "b"]
        );
        assert_eq!(ids(&q().priority(3).id_begins("b").all().await.unwrap()), ["b"]);
        assert!(q().priority(3).id("c").all().await.unwrap().is_empty());
        assert_eq!(ids(&q().priority(-5).id_gte("c").all().await.unwrap()), ["c"]);

        // The stored attribute is the number itself.
        let raw = raw_get(
            db.table(),
            dyngen_runtime::PrimaryKey::to_key(&JobKey {
                queue: "q".into(),
                id: "g".into(),
            })
            .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(raw.get("priority"), Some(&AttributeValue::N(i32::MIN.to_string())));
        assert_eq!(s(&raw, "lsi1sk").as_deref(), Some("Job#-0000000000#g#"));
        assert_eq!(
            db.jobs()
                .get(&JobKey {
                    queue: "q".into(),
                    id: "g".into()
                })
                .await
                .unwrap(),
            Some(job("q", "g", i32::MIN, State::Queued, None))
        );

        // The primary key orders by id; the other queue stays apart.
        let all_ids: Vec<String> = db
            .jobs()
            .query(&JobPartition { queue: "q".into() })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.id)
            .collect();
        let mut sorted: Vec<String> = specs.iter().map(|(id, _)| (*id).to_owned()).collect();
        sorted.sort();
        assert_eq!(all_ids, sorted);
        assert_eq!(
            pairs(&db.jobs().by_priority(&by_priority("q2")).all().await.unwrap()),
            [(0, "z".to_owned())]
        );
    })
    .await;
}

#[tokio::test]
async fn sparse_index_leaves_out_items_without_the_composite_and_orders_enums_by_stored_string() {
    run("keys-sparse-enum", |client, table| async move {
        use jobs::*;
        let db = Jobs::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let all = [
            job("q", "1", 0, State::Running, Some("alice")),
            job("q", "2", 0, State::Queued, Some("alice")),
            job("q", "3", 0, State::Done, Some("alice")),
            job("q", "4", 0, State::Queued, Some("alice")),
            job("q2", "5", 0, State::Running, Some("alice")),
            job("q", "6", 0, State::Queued, None),
            job("q", "7", 0, State::Done, None),
            job("q", "8", 0, State::Queued, Some("bob")),
            job("q", "9", 0, State::Running, Some("Alice")),
        ];
        for j in &all {
            db.jobs().put(j).await.unwrap();
        }

        // Only the jobs with an owner are in the index.
        assert_eq!(index_count(db.table(), "gsi1").await, 7);
        for id in ["6", "7"] {
            let raw = raw_get(
                db.table(),
                dyngen_runtime::PrimaryKey::to_key(&JobKey {
                    queue: "q".into(),
                    id: id.into(),
                })
                .unwrap(),
            )
            .await
            .expect("stored job");
            // The key attribute built from the absent `owner` is absent; the
            // sort key (from `state` and `id`) is written, but an item needs
            // both to be in the index.
            assert!(!raw.contains_key("gsi1pk") && raw.contains_key("gsi1sk"), "{raw:?}");
            assert!(!raw.contains_key("owner"), "{raw:?}");
        }
        // ...but they are ordinary items everywhere else.
        assert_eq!(
            db.jobs()
                .get(&JobKey {
                    queue: "q".into(),
                    id: "6".into()
                })
                .await
                .unwrap(),
            Some(all[5].clone())
        );
        assert_eq!(
            db.jobs()
                .query(&JobPartition { queue: "q".into() })
                .all()
                .await
                .unwrap()
                .len(),
            8
        );

        // Enum composites sort by their stored string: Done < Queued < Running
        // (not declaration order), then by id. `Alice` is another owner.
        let q = || db.jobs().owned(&owned_by("alice"));
        assert_eq!(ids(&q().all().await.unwrap()), ["3", "2", "4", "1", "5"]);
        assert_eq!(ids(&q().descending().all().await.unwrap()), ["5", "1", "4", "2", "3"]);
        assert_eq!(ids(&q().state(State::Queued).all().await.unwrap()), ["2", "4"]);
        assert_eq!(ids(&q().state(State::Done).all().await.unwrap()), ["3"]);
        assert_eq!(ids(&q().state(State::Running).all().await.unwrap()), ["1", "5"]);
        assert_eq!(
            ids(&q().state_gt(State::Done).all().await.unwrap()),
            ["2", "4", "1", "5"]
        );
        assert_eq!(
            ids(&q().state_gte(State::Queued).all().await.unwrap()),
            ["2", "4", "1", "5"]
        );
        assert_eq!(ids(&q().state_lt(State::Running).all().await.unwrap()), ["3", "2", "4"]);
        assert_eq!(ids(&q().state_lte(State::Queued).all().await.unwrap()), ["3", "2", "4"]);
        assert_eq!(
            ids(&q().state_between(State::Done, State::Queued).all().await.unwrap()),
            ["3", "2", "4"]
        );
        assert!(q().state_gt(State::Running).all().await.unwrap().is_empty());
        assert_eq!(ids(&q().state(State::Running).id_gt("1").all().await.unwrap()), ["5"]);
        assert_eq!(ids(&q().state(State::Queued).id("4").all().await.unwrap()), ["4"]);
        assert_eq!(ids(&db.jobs().owned(&owned_by("Alice")).all().await.unwrap()), ["9"]);
        assert_eq!(ids(&db.jobs().owned(&owned_by("bob")).all().await.unwrap()), ["8"]);
        let mut sorted: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
        sorted.sort();
        assert_eq!(sorted, ["Done", "Queued", "Running"]);

        // Gaining the optional composite adds the item to the index; losing it
        // (a put replaces the whole item) removes it.
        db.jobs()
            .put(&job("q", "6", 0, State::Queued, Some("alice")))
            .await
            .unwrap();
        db.jobs().put(&job("q", "2", 0, State::Queued, None)).await.unwrap();
        assert_eq!(ids(&q().state(State::Queued).all().await.unwrap()), ["4", "6"]);
        assert_eq!(index_count(db.table(), "gsi1").await, 7);
        db.jobs()
            .delete(&JobKey {
                queue: "q".into(),
                id: "4".into(),
            })
            .await
            .unwrap();
        assert_eq!(ids(&q().state(State::Queued).all().await.unwrap()), ["6"]);
        assert_eq!(index_count(db.table(), "gsi1").await, 6);
    })
    .await;
}

// ---------------------------------------------------------------------------
// every_construct: Order with `placedAt: timestamp` in sort keys, a sparse
// keys-only GSI on `reservedUntil: i64?`, `byEmail` with `casing lower`,
// Session with a ttl.
// ---------------------------------------------------------------------------

mod shop {
    pub use dyngen_goldens::every_construct::*;
    use dyngen_runtime::chrono::{DateTime, Utc};
    use dyngen_runtime::rust_decimal::Decimal;

    pub fn order(customer: &str, id: &str, placed_at: DateTime<Utc>) -> Order {
        Order {
            id: id.to_owned(),
            customer_id: customer.to_owned(),
            status: OrderStatus::Paid,
            total: Decimal::new(1998, 2),
            placed_at,
            lines: vec![Line {
                sku: format!("sku-{id}"),
                quantity: 2,
                unit_price: Decimal::new(999, 2),
                parts: vec![Line {
                    sku: "part".into(),
                    quantity: 1,
                    unit_price: Decimal::new(-5, 1),
                    parts: vec![],
                }],
            }],
            ship_to: None,
            reserved_until: None,
            rev: 0,
        }
    }

    pub fn placed(orders: &[Order]) -> Vec<(DateTime<Utc>, String)> {
        orders.iter().map(|o| (o.placed_at, o.id.clone())).collect()
    }
}

#[tokio::test]
async fn timestamps_in_sort_keys_order_by_time_to_the_nanosecond() {
    run("keys-timestamps", |client, table| async move {
        use shop::*;
        let db = Shop::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let t0 = ymd(2024, 1, 1);
        let specs: Vec<(&str, DateTime<Utc>)> = vec![
            ("epoch", at(0, 0)),
            ("before-epoch", at(-1, 999_999_999)),
            ("year-0", ymd(0, 1, 1)),
            ("year-1", ymd(1, 1, 1)),
            ("t0", t0),
            ("t0-dup", t0),
            ("t0+1ns", t0 + Duration::nanoseconds(1)),
            ("t0-1ns", t0 - Duration::nanoseconds(1)),
            ("t0+0.5s", t0 + Duration::milliseconds(500)),
            ("t0+1s", t0 + Duration::seconds(1)),
            ("leap-day", ymd(2000, 2, 29) + Duration::hours(12)),
            ("y9999", ymd(9999, 12, 31) + Duration::nanoseconds(86_399_999_999_999)),
            ("y999", ymd(999, 12, 31)),
        ];
        let mut orders = Vec::new();
        for (id, placed_at) in &specs {
            // `put` resolves to the item as written (version incremented).
            let o = db.orders().put(&order("c1", id, *placed_at)).await.unwrap();
            assert_eq!(
                db.orders().get(&o.key()).await.unwrap().as_ref(),
                Some(&o),
                "round trip {id}"
            );
            orders.push(o);
        }
        // Another customer's orders at the same instants stay apart.
        db.orders().put(&order("c2", "other", t0)).await.unwrap();

        let mut expected = placed(&orders);
        expected.sort();
        let filtered = |keep: &dyn Fn(DateTime<Utc>) -> bool| -> Vec<(DateTime<Utc>, String)> {
            expected.iter().filter(|(t, _)| keep(*t)).cloned().collect()
        };
        let partition = OrderOrdersPartition {
            customer_id: "c1".into(),
        };
        let by_placed = OrderByPlacedPartition {
            customer_id: "c1".into(),
        };
        let q = || db.orders().orders(&partition);
        let lsi = || db.orders().by_placed(&by_placed);
        let times =
            |pairs: Vec<(DateTime<Utc>, String)>| -> Vec<DateTime<Utc>> { pairs.into_iter().map(|p| p.0).collect() };

        // gsi2 [placedAt, id]: by time, ties by id.
        assert_eq!(placed(&q().all().await.unwrap()), expected);
        let mut down = expected.clone();
        down.reverse();
        assert_eq!(placed(&q().descending().all().await.unwrap()), down);
        // lsi1 [placedAt]: by time (ties in any order), strongly consistent.
        assert_eq!(
            times(placed(&lsi().consistent().all().await.unwrap())),
            times(expected.clone())
        );

        let pivots = [
            t0,
            t0 - Duration::nanoseconds(1),
            t0 + Duration::nanoseconds(1),
            t0 + Duration::nanoseconds(2),
            at(0, 0),
            at(-1, 0),
            ymd(0, 1, 1),
            ymd(9999, 12, 31),
            ymd(2000, 2, 29),
        ];
        for pivot in pivots {
            assert_eq!(
                placed(&q().placed_at(pivot).all().await.unwrap()),
                filtered(&|t| t == pivot),
                "= {pivot}"
            );
            assert_eq!(
                placed(&q().placed_at_gt(pivot).all().await.unwrap()),
                filtered(&|t| t > pivot),
                "> {pivot}"
            );
            assert_eq!(
                placed(&q().placed_at_gte(pivot).all().await.unwrap()),
                filtered(&|t| t >= pivot),
                ">= {pivot}"
            );
            assert_eq!(
                placed(&q().placed_at_lt(pivot).all().await.unwrap()),
                filtered(&|t| t < pivot),
                "< {pivot}"
            );
            assert_eq!(
                placed(&q().placed_at_lte(pivot).all().await.unwrap()),
                filtered(&|t| t <= pivot),
                "<= {pivot}"
            );
            assert_eq!(
                times(placed(&lsi().placed_at_gt(pivot).all().await.unwrap())),
                times(filtered(&|t| t > pivot)),
                "lsi > {pivot}"
            );
            assert_eq!(
                times(placed(&lsi().placed_at_lte(pivot).all().await.unwrap())),
                times(filtered(&|t| t <= pivot)),
                "lsi <= {pivot}"
            );
        }
        let (low, high) = (t0 - Duration::nanoseconds(1), t0 + Duration::nanoseconds(1));
        assert_eq!(
            placed(&q().placed_at_between(low, high).all().await.unwrap()),
            filtered(&|t| low <= t && t <= high)
        );
        assert_eq!(
            times(placed(&lsi().placed_at_between(low, high).all().await.unwrap())),
            times(filtered(&|t| low <= t && t <= high))
        );
        let ids: Vec<String> = q()
            .placed_at(t0)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, ["t0", "t0-dup"]);
        let ids: Vec<String> = q()
            .placed_at(t0)
            .id("t0-dup")
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, ["t0-dup"]);
        let ids: Vec<String> = q()
            .placed_at(t0)
            .id_gt("t0")
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, ["t0-dup"]);
        assert_eq!(lsi().placed_at(t0).all().await.unwrap().len(), 2);

        // The stored key form: 9 fraction digits, `Z`.
        let raw = raw_get(
            db.table(),
            dyngen_runtime::PrimaryKey::to_key(&OrderKey {
                customer_id: "c1".into(),
                id: "t0+1ns".into(),
            })
            .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            s(&raw, "gsi2sk").as_deref(),
            Some("customerOrders#Order#2024-01-01T00:00:00.000000001Z#t0+1ns#")
        );
        assert_eq!(
            s(&raw, "lsi1sk").as_deref(),
            Some("Order#2024-01-01T00:00:00.000000001Z#")
        );
        assert_eq!(s(&raw, "placedAt").as_deref(), Some("2024-01-01T00:00:00.000000001Z"));

        // Years outside 0..=9999 have no key form: refused before any request.
        for bad in [ymd(-1, 12, 31), ymd(10000, 1, 1)] {
            match db.orders().put(&order("c1", "bad", bad)).await {
                Err(Error::InvalidKey {
                    entity: "Order",
                    attribute: "placedAt",
                    ..
                }) => {}
                other => panic!("expected InvalidKey for {bad}, got {other:?}"),
            }
            assert!(matches!(
                q().placed_at_gt(bad).all().await,
                Err(Error::InvalidKey {
                    attribute: "placedAt",
                    ..
                })
            ));
        }
        assert!(db
            .orders()
            .get(&OrderKey {
                customer_id: "c1".into(),
                id: "bad".into()
            })
            .await
            .unwrap()
            .is_none());
    })
    .await;
}

#[tokio::test]
async fn sparse_index_holds_only_items_with_the_composite() {
    run("keys-sparse-gsi3", |client, table| async move {
        use shop::*;
        let db = Shop::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let t0 = ymd(2024, 6, 1);
        let mut with = order("c1", "reserved", t0);
        with.reserved_until = Some(1_717_200_000);
        let mut negative = order("c1", "reserved-negative", t0);
        negative.reserved_until = Some(-5);
        let mut same = order("c2", "reserved-too", t0);
        same.reserved_until = Some(1_717_200_000);
        let without = order("c1", "not-reserved", t0);
        for o in [&with, &negative, &same, &without] {
            let o = &db.orders().put(o).await.unwrap();
            assert_eq!(db.orders().get(&o.key()).await.unwrap().as_ref(), Some(o));
        }

        assert_eq!(index_count(db.table(), "gsi3").await, 3);
        let raw = raw_get(db.table(), dyngen_runtime::PrimaryKey::to_key(&without.key()).unwrap())
            .await
            .unwrap();
        assert!(!raw.contains_key("gsi3pk"), "{raw:?}");
        assert!(!raw.contains_key("reservedUntil"), "{raw:?}");
        let raw = raw_get(db.table(), dyngen_runtime::PrimaryKey::to_key(&negative.key()).unwrap())
            .await
            .unwrap();
        assert_eq!(s(&raw, "gsi3pk").as_deref(), Some("shop#Order#-9223372036854775803#"));
        assert_eq!(raw.get("reservedUntil"), Some(&AttributeValue::N("-5".into())));

        // What the index holds, read raw: the keys of the reserved orders.
        let found = db
            .table()
            .client()
            .query()
            .table_name(db.table().name())
            .index_name("gsi3")
            .key_condition_expression("gsi3pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S("shop#Order#0000000001717200000#".into()))
            .send()
            .await
            .unwrap();
        let mut sks: Vec<String> = found.items().iter().filter_map(|i| s(i, "sk")).collect();
        sks.sort();
        assert_eq!(sks, ["Order#reserved#", "Order#reserved-too#"]);

        // Unreserving removes the order from the index (a versioned put
        // starts from the stored version).
        let mut unreserved = db.orders().get(&with.key()).await.unwrap().unwrap();
        unreserved.reserved_until = None;
        db.orders().put(&unreserved).await.unwrap();
        assert_eq!(index_count(db.table(), "gsi3").await, 2);
    })
    .await;
}

/// The `reserved` (gsi3) and `byStatus` (gsi4, an `include` projection
/// listing every stored attribute of `Order`) queries return whole items.
/// An access pattern on an index that would return partial items is a
/// schema error (E0311), so every generated query can decode what it reads.
#[tokio::test]
async fn queries_on_projected_indexes_return_the_items() {
    run("keys-projection", |client, table| async move {
        use shop::*;
        let db = Shop::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        let mut o = order("c1", "reserved", ymd(2024, 6, 1));
        o.reserved_until = Some(42);
        let o = db.orders().put(&o).await.unwrap();
        let reserved = db
            .orders()
            .reserved(&OrderReservedPartition { reserved_until: 42 })
            .all()
            .await;
        assert_eq!(reserved.unwrap(), vec![o.clone()]);
        let by_status = db
            .orders()
            .by_status(&OrderByStatusPartition {
                status: OrderStatus::Paid,
            })
            .all()
            .await;
        assert_eq!(by_status.unwrap(), vec![o]);
    })
    .await;
}

fn customer(id: &str, email: &str) -> shop::Customer {
    use shop::*;
    Customer {
        customer_id: id.to_owned(),
        email: email.to_owned(),
        name: format!("Customer {id}"),
        tier: Tier::Pro,
        addresses: BTreeMap::from([(
            "home".to_owned(),
            Address {
                street: "Main 1".into(),
                city: "Utrecht".into(),
                zip: Some("1234 AB".into()),
                country: "NL".into(),
            },
        )]),
        tags: Some(BTreeSet::from(["vip".to_owned()])),
        scores: Some(BTreeSet::from([-3, 7])),
        prices: Some(BTreeSet::from([dec("1.50"), dec("-2")])),
        blobs: Some(BTreeSet::from([Bytes(vec![0, 255])])),
        avatar: Some(Bytes(vec![1, 2, 3])),
        balance: dec("12.34"),
        ratio: 0.25,
        visits: u64::MAX,
        age: Some(-1),
        last_seen: Some(at(1_700_000_000, 5)),
        active: false,
        nicknames: vec!["x".into()],
        labels: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
        r#type: "business".into(),
        signup_source: "web".into(),
        created_at: at(1_600_000_000, 1),
        updated_at: at(1_600_000_001, 2),
        version: 0,
    }
}

#[tokio::test]
async fn casing_lower_finds_any_case_and_keeps_the_stored_value() {
    run("keys-casing", |client, table| async move {
        use shop::*;
        let db = Shop::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let mut written = Vec::new();
        for c in [
            customer("c-alice", "ALICE@example.COM"),
            customer("c-bob", "bob@example.com"),
            customer("c-asa", "ÅSA@Example.com"),
        ] {
            let c = db.customers().put(&c).await.unwrap();
            assert_eq!(db.customers().get(&c.key()).await.unwrap().as_ref(), Some(&c));
            written.push(c);
        }
        let [alice, bob, asa] = <[Customer; 3]>::try_from(written).unwrap();
        let by_email = |email: &str| {
            db.customers()
                .by_email(&CustomerByEmailPartition {
                    email: email.to_owned(),
                })
                .all()
        };

        for query in [
            "Alice@Example.com",
            "alice@example.com",
            "ALICE@EXAMPLE.COM",
            "ALICE@example.COM",
        ] {
            let found = by_email(query).await.unwrap();
            assert_eq!(found, vec![alice.clone()], "{query}");
            assert_eq!(
                found[0].email, "ALICE@example.COM",
                "the stored attribute keeps its case"
            );
        }
        assert_eq!(by_email("BOB@EXAMPLE.COM").await.unwrap(), vec![bob.clone()]);
        assert_eq!(by_email("åsa@EXAMPLE.COM").await.unwrap(), vec![asa.clone()]);
        assert!(by_email("alice@example.co").await.unwrap().is_empty());
        assert!(by_email("asa@example.com").await.unwrap().is_empty());

        // The key holds the lowercased value; the attribute the original.
        let raw = raw_get(db.table(), dyngen_runtime::PrimaryKey::to_key(&alice.key()).unwrap())
            .await
            .unwrap();
        assert_eq!(s(&raw, "gsi1pk").as_deref(), Some("shop#alice@example.com#"));
        assert_eq!(s(&raw, "email").as_deref(), Some("ALICE@example.COM"));
        assert_eq!(s(&raw, "kind").as_deref(), Some("Customer"));

        // The primary key has no casing: ids differing in case are two items.
        let upper = db
            .customers()
            .put(&customer("C-ALICE", "other@example.com"))
            .await
            .unwrap();
        assert_eq!(db.customers().get(&alice.key()).await.unwrap(), Some(alice.clone()));
        assert_eq!(db.customers().get(&upper.key()).await.unwrap(), Some(upper));

        // Two customers whose emails differ in case only share the partition.
        let alice2 = customer("c-alice-2", "alice@EXAMPLE.com");
        db.customers().put(&alice2).await.unwrap();
        let ids: BTreeSet<String> = by_email("aLiCe@example.com")
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.customer_id)
            .collect();
        assert_eq!(ids, BTreeSet::from(["c-alice".to_owned(), "c-alice-2".to_owned()]));
    })
    .await;
}

#[tokio::test]
async fn casing_on_primary_keys_makes_case_variants_one_item() {
    run("keys-casing-primary", |client, table| async move {
        use dyngen_goldens::defaults::*;
        let db = Library::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        // pk [isbn] casing upper, sk [member] casing lower.
        let loan = Loan {
            isbn: "978-abc".into(),
            member: "Bob".into(),
            until: at(1_900_000_000, 0),
        };
        db.loans().put(&loan).await.unwrap();
        for (isbn, member) in [("978-abc", "Bob"), ("978-ABC", "bob"), ("978-aBc", "BOB")] {
            let key = LoanKey {
                isbn: isbn.into(),
                member: member.into(),
            };
            let found = db.loans().get(&key).await.unwrap();
            assert_eq!(found.as_ref(), Some(&loan), "{isbn}/{member}");
        }
        // A put under another case variant replaces the same item.
        let replaced = Loan {
            isbn: "978-ABC".into(),
            member: "BOB".into(),
            until: at(1_900_000_001, 0),
        };
        db.loans().put(&replaced).await.unwrap();
        let count = db
            .table()
            .client()
            .scan()
            .table_name(db.table().name())
            .send()
            .await
            .unwrap()
            .count();
        assert_eq!(count, 1);
        assert_eq!(
            db.loans().get(&loan.key()).await.unwrap(),
            Some(replaced.clone()),
            "stored values keep the case of the last put"
        );
        let found = db
            .loans()
            .query(&LoanPartition { isbn: "978-abc".into() })
            .member("bOb")
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![replaced]);
    })
    .await;
}

#[tokio::test]
async fn ttl_attributes_round_trip() {
    run("keys-ttl", |client, table| async move {
        use shop::*;
        let db = Shop::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        // TTL is enabled on the table's ttl attribute.
        let ttl = db
            .table()
            .client()
            .describe_time_to_live()
            .table_name(db.table().name())
            .send()
            .await
            .unwrap();
        let description = ttl.time_to_live_description().expect("ttl description");
        assert_eq!(description.attribute_name(), Some("expiresAt"));
        assert!(matches!(
            description.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ));

        // An `i64 ttl` is stored as the number of epoch seconds.
        let session = Session {
            token: "tok-1".into(),
            customer_id: "c1".into(),
            expires_at: 4_102_444_800,
        };
        db.sessions().put(&session).await.unwrap();
        assert_eq!(db.sessions().get(&session.key()).await.unwrap(), Some(session.clone()));
        let raw = raw_get(db.table(), dyngen_runtime::PrimaryKey::to_key(&session.key()).unwrap())
            .await
            .unwrap();
        assert_eq!(raw.get("expiresAt"), Some(&AttributeValue::N("4102444800".into())));
        // The primary-key collection `sessions` reads it too.
        let collection: SessionsCollection = db
            .sessions_collection(&SessionsCollectionKey { token: "tok-1".into() })
            .collect()
            .await
            .unwrap();
        assert_eq!(collection.sessions, vec![session]);
    })
    .await;
}

#[tokio::test]
async fn timestamp_ttl_round_trips_as_epoch_seconds() {
    run("keys-ttl-timestamp", |client, table| async move {
        use dyngen_goldens::defaults::*;
        let db = Library::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        // `until: timestamp ttl @field("expiresAt")`: whole seconds round trip.
        let loans: Vec<Loan> = [("b", 1_900_000_300), ("a", 1_900_000_100), ("c", 1_900_000_200)]
            .into_iter()
            .map(|(isbn, secs)| Loan {
                isbn: format!("ISBN-{isbn}"),
                member: "ann".into(),
                until: at(secs, 0),
            })
            .collect();
        for loan in &loans {
            db.loans().put(loan).await.unwrap();
            assert_eq!(db.loans().get(&loan.key()).await.unwrap().as_ref(), Some(loan));
        }
        let raw = raw_get(db.table(), dyngen_runtime::PrimaryKey::to_key(&loans[0].key()).unwrap())
            .await
            .unwrap();
        assert_eq!(raw.get("expiresAt"), Some(&AttributeValue::N("1900000300".into())));
        assert!(!raw.contains_key("until"));

        // The index on `until` orders by time; member lookups ignore case.
        let by_member = LoanByMemberPartition { member: "ANN".into() };
        let isbns: Vec<String> = db
            .loans()
            .by_member(&by_member)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.isbn)
            .collect();
        assert_eq!(isbns, ["ISBN-a", "ISBN-c", "ISBN-b"]);
        let isbns: Vec<String> = db
            .loans()
            .by_member(&by_member)
            .until_gt(at(1_900_000_100, 0))
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.isbn)
            .collect();
        assert_eq!(isbns, ["ISBN-c", "ISBN-b"]);
        let found = db
            .loans()
            .by_member(&by_member)
            .until(at(1_900_000_200, 0))
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![loans[2].clone()]);

        // A fraction of a second is dropped when stored (towards the past).
        let fractional = Loan {
            isbn: "ISBN-f".into(),
            member: "ann".into(),
            until: at(1_900_000_400, 999_999_999),
        };
        db.loans().put(&fractional).await.unwrap();
        let read = db.loans().get(&fractional.key()).await.unwrap().unwrap();
        assert_eq!(read.until, at(1_900_000_400, 0));
    })
    .await;
}

/// A ttl `timestamp` that is also a key composite: the key is written from
/// the full-precision value, but the stored attribute keeps whole seconds, so
/// the value read back no longer finds its own item in the index. Ignored
/// until the generator writes such keys from the stored (whole-second) value.
#[tokio::test]
async fn timestamp_ttl_composite_is_found_by_the_value_read_back() {
    run("keys-ttl-composite", |client, table| async move {
        use dyngen_goldens::defaults::*;
        let db = Library::new(client, table);
        db.table().create_if_missing().await.expect("create table");
        let loan = Loan {
            isbn: "ISBN-f".into(),
            member: "ann".into(),
            until: at(1_900_000_400, 500_000_000),
        };
        db.loans().put(&loan).await.unwrap();
        let read = db.loans().get(&loan.key()).await.unwrap().unwrap();
        let found = db
            .loans()
            .by_member(&LoanByMemberPartition { member: "ann".into() })
            .until(read.until)
            .all()
            .await
            .unwrap();
        assert_eq!(found, vec![read]);
    })
    .await;
}

// ---------------------------------------------------------------------------
// key_types: u32, timestamp and i64 in the primary sort key; enum, decimal
// and i32 in an LSI; bool as a GSI partition.
// ---------------------------------------------------------------------------

mod metrics {
    pub use dyngen_goldens::key_types::*;
    use dyngen_runtime::chrono::{DateTime, Utc};
    use dyngen_runtime::rust_decimal::Decimal;

    pub fn reading(sensor_id: u32, at: DateTime<Utc>, seq: i64, level: Level, value: Decimal, offset: i32) -> Reading {
        Reading {
            site: "s1".into(),
            sensor_id,
            at,
            seq,
            offset,
            level,
            value,
        }
    }
}

/// (sensorId, at, seq): a reading's primary sort-key composites.
type ReadingKeyTuple = (u32, DateTime<Utc>, i64);

#[tokio::test]
async fn unsigned_timestamp_and_i64_composites_order_by_value() {
    run("keys-u32-ts-i64", |client, table| async move {
        use metrics::*;
        let db = Metrics::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let t = ymd(2024, 3, 9);
        let mut readings = Vec::new();
        for sensor_id in [0, 2, 10, 4_294_967_295] {
            for (at, seq) in [
                (t, i64::MIN),
                (t, -1),
                (t, 0),
                (t, 1),
                (t, i64::MAX),
                (t + Duration::nanoseconds(1), -100),
                (t - Duration::seconds(1), 100),
            ] {
                let r = reading(sensor_id, at, seq, Level::Low, Decimal::ZERO, 0);
                db.readings().put(&r).await.unwrap();
                readings.push(r);
            }
        }
        for sensor in [
            Sensor {
                site: "s1".into(),
                sensor_id: 10,
                active: true,
            },
            Sensor {
                site: "s1".into(),
                sensor_id: 2,
                active: false,
            },
            Sensor {
                site: "s1".into(),
                sensor_id: 7,
                active: true,
            },
        ] {
            db.sensors().put(&sensor).await.unwrap();
        }

        let key = |r: &Reading| (r.sensor_id, r.at, r.seq);
        let mut expected: Vec<ReadingKeyTuple> = readings.iter().map(key).collect();
        expected.sort();
        let keys = |rs: Vec<Reading>| -> Vec<ReadingKeyTuple> { rs.iter().map(key).collect() };
        let filtered = |keep: &dyn Fn(&ReadingKeyTuple) -> bool| -> Vec<ReadingKeyTuple> {
            expected.iter().filter(|k| keep(k)).cloned().collect()
        };
        let q = || db.readings().query(&ReadingPartition { site: "s1".into() });

        assert_eq!(keys(q().all().await.unwrap()), expected);
        assert_eq!(keys(q().sensor_id_gt(2).all().await.unwrap()), filtered(&|k| k.0 > 2));
        assert_eq!(keys(q().sensor_id_lt(10).all().await.unwrap()), filtered(&|k| k.0 < 10));
        assert_eq!(
            keys(q().sensor_id_gte(10).all().await.unwrap()),
            filtered(&|k| k.0 >= 10)
        );
        assert_eq!(keys(q().sensor_id_lte(2).all().await.unwrap()), filtered(&|k| k.0 <= 2));
        assert_eq!(
            keys(q().sensor_id_between(1, 10).all().await.unwrap()),
            filtered(&|k| (1..=10).contains(&k.0))
        );
        assert_eq!(
            keys(q().sensor_id(4_294_967_295).all().await.unwrap()),
            filtered(&|k| k.0 == u32::MAX)
        );
        assert_eq!(
            keys(q().sensor_id(10).at_gt(t).all().await.unwrap()),
            filtered(&|k| k.0 == 10 && k.1 > t)
        );
        assert_eq!(
            keys(q().sensor_id(10).at_lte(t).all().await.unwrap()),
            filtered(&|k| k.0 == 10 && k.1 <= t)
        );
        for pivot in [i64::MIN, -100, -1, 0, 1, 100, i64::MAX] {
            assert_eq!(
                keys(q().sensor_id(2).at(t).seq_gt(pivot).all().await.unwrap()),
                filtered(&|k| k.0 == 2 && k.1 == t && k.2 > pivot),
                "> {pivot}"
            );
            assert_eq!(
                keys(q().sensor_id(2).at(t).seq_lte(pivot).all().await.unwrap()),
                filtered(&|k| k.0 == 2 && k.1 == t && k.2 <= pivot),
                "<= {pivot}"
            );
            assert_eq!(
                keys(q().sensor_id(2).at(t).seq(pivot).all().await.unwrap()),
                filtered(&|k| k.0 == 2 && k.1 == t && k.2 == pivot),
                "= {pivot}"
            );
        }
        assert_eq!(
            keys(q().sensor_id(0).at(t).seq_between(-1, 1).all().await.unwrap()),
            filtered(&|k| k.0 == 0 && k.1 == t && (-1..=1).contains(&k.2))
        );

        // The `site` collection: sensors (label `Sensor`) after readings (`Reading`).
        let site: SiteCollection = db
            .site(&SiteCollectionKey { site: "s1".into() })
            .collect()
            .await
            .unwrap();
        assert_eq!(site.readings.len(), readings.len());
        let sensor_ids: Vec<u32> = site.sensors.iter().map(|s| s.sensor_id).collect();
        assert_eq!(sensor_ids, [2, 7, 10]);
        let sensors: Vec<u32> = db
            .sensors()
            .query(&SensorPartition { site: "s1".into() })
            .sensor_id_gt(2)
            .all()
            .await
            .unwrap()
            .iter()
            .map(|s| s.sensor_id)
            .collect();
        assert_eq!(sensors, [7, 10]);

        // A bool as the whole partition of a GSI.
        let mut active: Vec<u32> = db
            .sensors()
            .by_active(&SensorByActivePartition { active: true })
            .all()
            .await
            .unwrap()
            .iter()
            .map(|s| s.sensor_id)
            .collect();
        active.sort();
        assert_eq!(active, [7, 10]);
        let inactive = db
            .sensors()
            .by_active(&SensorByActivePartition { active: false })
            .all()
            .await
            .unwrap();
        assert_eq!(
            inactive,
            vec![Sensor {
                site: "s1".into(),
                sensor_id: 2,
                active: false
            }]
        );
    })
    .await;
}

#[tokio::test]
async fn enum_decimal_and_i32_composites_order_by_value() {
    run("keys-enum-decimal", |client, table| async move {
        use metrics::*;
        let db = Metrics::new(client, table);
        db.table().create_if_missing().await.expect("create table");

        let values = [
            "-1000",
            "-100.5",
            "-1.55",
            "-1.5",
            "-1",
            "-0.001",
            "0",
            "0.001",
            "0.5",
            "1",
            "1.5",
            "1.55",
            "10",
            "100",
            "1000000000000",
            "0.0000000001",
        ];
        let offsets = [i32::MIN, -1, 0, 1, i32::MAX];
        let mut readings = Vec::new();
        let mut seq = 0;
        for level in Level::ALL {
            for value in values {
                for offset in offsets {
                    seq += 1;
                    let r = reading(1, ymd(2024, 1, 1), seq, level, dec(value), offset);
                    readings.push(r);
                }
            }
        }
        // 2 × 16 × 5 = 160 items; write them concurrently.
        let client = db.readings();
        futures::future::try_join_all(readings.iter().map(|r| client.put(r).send()))
            .await
            .unwrap();
        // `1.50` equals `1.5`: one key form, whatever the scale.
        let same = reading(1, ymd(2024, 1, 1), 10_000, Level::High, dec("1.50"), 0);
        db.readings().put(&same).await.unwrap();
        let read = db.readings().get(&same.key()).await.unwrap().unwrap();
        assert_eq!(read, same);
        readings.push(same);

        type K = (&'static str, Decimal, i32);
        // Enum values sort by their stored strings: `high` < `low`.
        let key = |r: &Reading| -> K { (r.level.as_str(), r.value, r.offset) };
        let mut expected: Vec<K> = readings.iter().map(key).collect();
        expected.sort();
        let keys = |rs: Vec<Reading>| -> Vec<K> { rs.iter().map(key).collect() };
        let filtered = |keep: &dyn Fn(&K) -> bool| -> Vec<K> { expected.iter().filter(|k| keep(k)).cloned().collect() };
        let q = || db.readings().by_level(&ReadingByLevelPartition { site: "s1".into() });

        // Ties (the two equal `1.5` readings) may come in either order, but
        // their keys are equal, so the key lists compare exactly.
        assert_eq!(keys(q().all().await.unwrap()), expected);
        assert_eq!(
            keys(q().level(Level::Low).all().await.unwrap()),
            filtered(&|k| k.0 == "low")
        );
        assert_eq!(
            keys(q().level_lt(Level::Low).all().await.unwrap()),
            filtered(&|k| k.0 == "high")
        );
        assert_eq!(
            keys(q().level_gt(Level::High).all().await.unwrap()),
            filtered(&|k| k.0 == "low")
        );
        for pivot in [
            "-100.5",
            "-1.5",
            "-1.55",
            "-0.001",
            "0",
            "0.001",
            "1.5",
            "1.50",
            "2",
            "100",
            "-2000",
            "0.00000000001",
        ] {
            let p = dec(pivot);
            assert_eq!(
                keys(q().level(Level::High).value_gt(p).all().await.unwrap()),
                filtered(&|k| k.0 == "high" && k.1 > p),
                "> {pivot}"
            );
            assert_eq!(
                keys(q().level(Level::High).value_gte(p).all().await.unwrap()),
                filtered(&|k| k.0 == "high" && k.1 >= p),
                ">= {pivot}"
            );
            assert_eq!(
                keys(q().level(Level::Low).value_lt(p).all().await.unwrap()),
                filtered(&|k| k.0 == "low" && k.1 < p),
                "< {pivot}"
            );
            assert_eq!(
                keys(q().level(Level::Low).value_lte(p).all().await.unwrap()),
                filtered(&|k| k.0 == "low" && k.1 <= p),
                "<= {pivot}"
            );
            assert_eq!(
                keys(q().level(Level::High).value(p).all().await.unwrap()),
                filtered(&|k| k.0 == "high" && k.1 == p),
                "= {pivot}"
            );
        }
        assert_eq!(
            keys(
                q().level(Level::Low)
                    .value_between(dec("-1.5"), dec("1.5"))
                    .all()
                    .await
                    .unwrap()
            ),
            filtered(&|k| k.0 == "low" && dec("-1.5") <= k.1 && k.1 <= dec("1.5"))
        );
        for pivot in [i32::MIN, -1, 0, 1, i32::MAX] {
            assert_eq!(
                keys(
                    q().level(Level::Low)
                        .value(dec("-1"))
                        .offset_gt(pivot)
                        .all()
                        .await
                        .unwrap()
                ),
                filtered(&|k| k.0 == "low" && k.1 == dec("-1") && k.2 > pivot),
                "offset > {pivot}"
            );
            assert_eq!(
                keys(
                    q().level(Level::Low)
                        .value(dec("-1"))
                        .offset_lte(pivot)
                        .all()
                        .await
                        .unwrap()
                ),
                filtered(&|k| k.0 == "low" && k.1 == dec("-1") && k.2 <= pivot),
                "offset <= {pivot}"
            );
        }
        assert_eq!(
            keys(q().level(Level::High).value(dec("1.5")).offset(0).all().await.unwrap()),
            [("high", dec("1.5"), 0), ("high", dec("1.5"), 0)]
        );
    })
    .await;
}
