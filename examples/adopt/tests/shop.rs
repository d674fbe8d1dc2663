//! A single-table design the declared layouts were not written for
//! (`schema/shop.dyn`, "The DynamoDB Book" style): `TYPE#value` templates,
//! collections of templates on the table and on a generic GSI, and a value
//! that would make a key ambiguous.

use dyngen_adopt_examples::shop::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::key::{Day, Hour, Shard};
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::Error;
use dyngen_tests::{get_raw, run_with_table, RawItem};

fn order(username: &str, id: &str) -> Order {
    Order {
        username: username.into(),
        order_id: id.into(),
        status: OrderStatus::Placed,
        amount: Decimal::new(1250, 2),
    }
}

fn item(order: &str, id: &str, quantity: u32) -> OrderItem {
    OrderItem {
        order_id: order.into(),
        item_id: id.into(),
        quantity,
    }
}

#[tokio::test]
async fn templates_collections_and_refusals_on_a_single_table_design() {
    run_with_table("adopt-shop", |client, name| async move {
        let shop = Shop::new(client.clone(), &name);
        shop.table().create_if_missing().await.unwrap();
        let alex = Customer {
            username: "alexdebrie".into(),
            email: "alex@example.com".into(),
        };
        shop.customers().create(&alex).await.unwrap();
        for id in ["1e5b", "2f7c"] {
            shop.orders().create(&order("alexdebrie", id)).await.unwrap();
        }
        shop.order_items().create(&item("1e5b", "widget", 2)).await.unwrap();
        shop.order_items().create(&item("1e5b", "gadget", 1)).await.unwrap();
        // Another customer's order in its own partition.
        shop.orders().create(&order("someone", "9x")).await.unwrap();

        // The keys are the design's, literally.
        let stored = get_raw(
            &client,
            &name,
            RawItem::from([
                ("PK".to_owned(), AttributeValue::S("CUSTOMER#alexdebrie".into())),
                ("SK".to_owned(), AttributeValue::S("#ORDER#1e5b".into())),
            ]),
        )
        .await
        .expect("the order under its template keys");
        assert_eq!(stored["GSI1PK"], AttributeValue::S("ORDER#1e5b".into()));
        assert_eq!(stored["GSI1SK"], AttributeValue::S("ORDER#1e5b".into()));
        assert_eq!(stored["Type"], AttributeValue::S("Order".into()));

        // The customer with their orders: one query of the partition.
        let customer: CustomerOrdersCollection = shop
            .customer_orders(&CustomerOrdersCollectionKey {
                username: "alexdebrie".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(customer.customers, vec![alex.clone()]);
        assert_eq!(
            customer.orders,
            vec![order("alexdebrie", "1e5b"), order("alexdebrie", "2f7c")]
        );
        assert!(customer.unknown.is_empty());

        // The orders alone, by their sort-key prefix; one by id.
        let orders = shop
            .orders()
            .query(&OrderPartition {
                username: "alexdebrie".into(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(orders.len(), 2);
        let one = shop
            .orders()
            .query(&OrderPartition {
                username: "alexdebrie".into(),
            })
            .order_id("2f7c")
            .all()
            .await
            .unwrap();
        assert_eq!(one, vec![order("alexdebrie", "2f7c")]);

        // An order with its items, through the generic GSI.
        let details: OrderDetailsCollection = shop
            .order_details(&OrderDetailsCollectionKey {
                order_id: "1e5b".into(),
            })
            .collect()
            .await
            .unwrap();
        assert_eq!(details.orders, vec![order("alexdebrie", "1e5b")]);
        assert_eq!(
            details.order_items,
            vec![item("1e5b", "gadget", 1), item("1e5b", "widget", 2)]
        );

        // A value holding the delimiter that follows it would make the key
        // ambiguous: refused, and nothing is written.
        let bad = item("1e5b#ITEM#x", "y", 1);
        let refused = shop.order_items().create(&bad).await;
        assert!(
            matches!(
                refused,
                Err(Error::InvalidKey {
                    entity: "OrderItem",
                    attribute: "orderId",
                    ..
                })
            ),
            "{refused:?}"
        );
        let all_items = shop.order_items().scan().all().await.unwrap();
        assert_eq!(all_items.len(), 2);

        // An update moves nothing it should not: the key stays, the status changes.
        let shipped = shop
            .orders()
            .update(&OrderKey {
                username: "alexdebrie".into(),
                order_id: "1e5b".into(),
            })
            .set_status(OrderStatus::Shipped)
            .await
            .unwrap();
        assert_eq!(shipped.status, OrderStatus::Shipped);
        shop.orders()
            .delete(&OrderKey {
                username: "alexdebrie".into(),
                order_id: "2f7c".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            shop.orders()
                .query(&OrderPartition {
                    username: "alexdebrie".into(),
                })
                .all()
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

fn at(text: &str) -> dyngen_runtime::chrono::DateTime<dyngen_runtime::chrono::Utc> {
    text.parse().expect("an RFC 3339 time")
}

fn shipment(id: &str, shipped_at: &str) -> Shipment {
    Shipment {
        shipment_id: id.into(),
        order_id: "1e5b".into(),
        shipped_at: at(shipped_at),
    }
}

#[tokio::test]
async fn a_key_holding_a_time_bucket_and_the_time_itself() {
    run_with_table("adopt-shop-shipments", |client, name| async move {
        let shop = Shop::new(client.clone(), &name);
        shop.table().create_if_missing().await.unwrap();
        for s in [
            shipment("s1", "2026-03-04T10:15:00Z"),
            shipment("s2", "2026-03-04T10:45:00Z"),
            shipment("s3", "2026-03-04T11:05:00Z"),
            shipment("s4", "2026-03-05T10:15:00Z"),
        ] {
            shop.shipments().create(&s).await.unwrap();
        }
        let stored = get_raw(
            &client,
            &name,
            RawItem::from([
                ("PK".to_owned(), AttributeValue::S("SHIPMENT#s1".into())),
                ("SK".to_owned(), AttributeValue::S("SHIPMENT#s1".into())),
            ]),
        )
        .await
        .unwrap();
        assert_eq!(stored["GSI1PK"], AttributeValue::S("SHIPPED#2026-03-04".into()));
        assert_eq!(
            stored["GSI1SK"],
            AttributeValue::S("2026-03-04T10#2026-03-04T10:15:00Z".into())
        );

        let day = ShipmentByDayPartition {
            shipped_at_day: Day::new(2026, 3, 4).unwrap(),
        };
        let ids = |found: Vec<Shipment>| found.into_iter().map(|s| s.shipment_id).collect::<Vec<_>>();
        let ten = shop
            .shipments()
            .by_day(&day)
            .shipped_at_hour(Hour::new(2026, 3, 4, 10).unwrap())
            .into_query()
            .all()
            .await
            .unwrap();
        assert_eq!(ids(ten), ["s1", "s2"]);
        let late = shop
            .shipments()
            .by_day(&day)
            .shipped_at_hour(Hour::new(2026, 3, 4, 10).unwrap())
            .shipped_at_gt(at("2026-03-04T10:30:00Z"))
            .all()
            .await
            .unwrap();
        assert_eq!(ids(late), ["s2"]);

        // Moving the time moves the item to its new day and hour.
        shop.shipments()
            .update(&ShipmentKey {
                shipment_id: "s3".into(),
            })
            .set_shipped_at(at("2026-03-05T09:00:00Z"))
            .await
            .unwrap();
        let next_day = shop
            .shipments()
            .by_day(&ShipmentByDayPartition {
                shipped_at_day: Day::new(2026, 3, 5).unwrap(),
            })
            .all()
            .await
            .unwrap();
        assert_eq!(ids(next_day), ["s3", "s4"]);
        let whole_day = shop.shipments().by_day(&day).all().await.unwrap();
        assert_eq!(ids(whole_day), ["s1", "s2"]);
    })
    .await;
}

/// FNV-1a (64-bit), as docs/dsl.md defines the shard hash: written out here
/// so that the test checks the documented rule, not the runtime against
/// itself.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    hash
}

#[tokio::test]
async fn hash_shards_spread_a_partition_and_are_read_back_across_shards() {
    run_with_table("adopt-shop-views", |client, name| async move {
        let shop = Shop::new(client.clone(), &name);
        shop.table().create_if_missing().await.unwrap();
        let views: Vec<View> = (0..24)
            .map(|i| View {
                view_id: format!("v{i}"),
                page: "home".into(),
                at: at(&format!("2026-03-04T10:{i:02}:00Z")),
            })
            .collect();
        for v in &views {
            shop.views().create(v).await.unwrap();
        }
        // Each view is in the shard its id hashes to.
        for v in &views {
            let stored = get_raw(
                &client,
                &name,
                RawItem::from([
                    ("PK".to_owned(), AttributeValue::S(format!("VIEW#{}", v.view_id))),
                    ("SK".to_owned(), AttributeValue::S(format!("VIEW#{}", v.view_id))),
                ]),
            )
            .await
            .unwrap();
            let shard = fnv1a(&v.view_id) % 4;
            assert_eq!(stored["GSI1PK"], AttributeValue::S(format!("PAGE#home#{shard}")));
        }
        let spread: std::collections::BTreeSet<u64> = views.iter().map(|v| fnv1a(&v.view_id) % 4).collect();
        assert!(spread.len() > 1, "24 ids over 4 shards use more than one");

        // One shard: a partition of its own, in time order.
        let first = Shard::of(&"v0".to_string(), 4);
        let one = shop
            .views()
            .by_page(&ViewByPagePartition {
                page: "home".into(),
                view_id_shard: first,
            })
            .all()
            .await
            .unwrap();
        assert!(one.iter().all(|v| Shard::of(&v.view_id, 4) == first));
        assert!(one.windows(2).all(|w| w[0].at <= w[1].at));

        // Every shard: all the page's views, each once, shard after shard.
        let from = ViewByPagePartition {
            page: "home".into(),
            view_id_shard: Shard::first(4),
        };
        let all = shop
            .views()
            .by_page_across(&from, Shard::last(4), |q| q.into_query())
            .all_concurrent(4)
            .await
            .unwrap();
        let mut ids: Vec<String> = all.iter().map(|v| v.view_id.clone()).collect();
        let shards: Vec<u16> = all.iter().map(|v| Shard::of(&v.view_id, 4).index()).collect();
        assert!(shards.windows(2).all(|w| w[0] <= w[1]), "shard order: {shards:?}");
        ids.sort();
        let mut expected: Vec<String> = views.iter().map(|v| v.view_id.clone()).collect();
        expected.sort();
        assert_eq!(ids, expected);
        // Within a shard, a range on the time.
        let late = shop
            .views()
            .by_page_across(&from, Shard::last(4), |q| q.at_gte(at("2026-03-04T10:20:00Z")))
            .all()
            .await
            .unwrap();
        assert_eq!(late.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn templates_and_derived_parts_through_batches_transactions_versions_and_pages() {
    run_with_table("adopt-shop-everything", |client, name| async move {
        let shop = Shop::new(client.clone(), &name);
        shop.table().create_if_missing().await.unwrap();

        // Versions, timestamps and TTL on a template key.
        let cart = shop
            .carts()
            .create(&Cart {
                username: "alex".into(),
                items: vec!["widget".into()],
                expires: None,
                created_at: Default::default(),
                updated_at: Default::default(),
                version: 0,
            })
            .await
            .unwrap();
        assert_eq!(cart.version, 1);
        let key = CartKey {
            username: "alex".into(),
        };
        let stale = shop.carts().update(&key, 0).set_items(vec![]).await;
        assert!(matches!(stale, Err(Error::VersionConflict { .. })), "{stale:?}");
        let updated = shop
            .carts()
            .update(&key, 1)
            .set_items(vec!["gadget".into()])
            .await
            .unwrap();
        assert_eq!((updated.version, updated.created_at), (2, cart.created_at));
        assert!(updated.updated_at >= cart.updated_at);
        shop.carts()
            .update(&key, 2)
            .set_expires(at("2001-09-09T01:46:40Z"))
            .await
            .unwrap();
        assert_eq!(shop.carts().get(&key).await.unwrap(), None, "expired: hidden");

        // A batch writes derived and sharded keys; a batch get reads them.
        let shipments: Vec<Shipment> = (0..12)
            .map(|i| {
                shipment(
                    &format!("b{i:02}"),
                    &format!("2026-05-0{}T0{}:00:00Z", 1 + i % 3, i % 4),
                )
            })
            .collect();
        let views: Vec<View> = (0..12)
            .map(|i| View {
                view_id: format!("w{i}"),
                page: "sale".into(),
                at: at(&format!("2026-05-01T12:{i:02}:00Z")),
            })
            .collect();
        let mut batch = shop.batch_write();
        for s in &shipments {
            batch.put(s).unwrap();
        }
        for v in &views {
            batch.put(v).unwrap();
        }
        assert_eq!(batch.send().await.unwrap().written, 24);
        let mut get = shop.batch_get();
        let tickets: Vec<dyngen_runtime::Ticket<Shipment>> =
            shipments.iter().map(|s| get.get(&s.key()).unwrap()).collect();
        let got = get.send().await.unwrap();
        for (ticket, s) in tickets.iter().zip(&shipments) {
            assert_eq!(got.get(*ticket).unwrap(), Some(s));
        }
        let may_first: Vec<String> = shop
            .shipments()
            .by_day(&ShipmentByDayPartition {
                shipped_at_day: Day::new(2026, 5, 1).unwrap(),
            })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.shipment_id)
            .collect();
        assert_eq!(may_first, ["b00", "b09", "b06", "b03"], "by hour, then time");

        // Pages over one shard's partition.
        let shard = Shard::of(&"w0".to_string(), 4);
        let partition = ViewByPagePartition {
            page: "sale".into(),
            view_id_shard: shard,
        };
        let mut paged = Vec::new();
        let mut cursor = None;
        loop {
            let page = shop
                .views()
                .by_page(&partition)
                .limit(1)
                .page(cursor.as_ref())
                .await
                .unwrap();
            paged.extend(page.items.into_iter().map(|v| v.view_id));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<String> = views
            .iter()
            .filter(|v| Shard::of(&v.view_id, 4) == shard)
            .map(|v| v.view_id.clone())
            .collect();
        expected.sort_by_key(|id| views.iter().find(|v| &v.view_id == id).map(|v| v.at));
        assert_eq!(paged, expected);

        // A transaction creates a shipment and ships the order; an upsert
        // moves a shipment to another day; a put replaces a view.
        shop.orders().create(&order("alexdebrie", "7k")).await.unwrap();
        shop.transact_write()
            .put(shop.shipments().create(&shipment("t1", "2026-05-09T10:00:00Z")))
            .update(
                shop.orders()
                    .update(&OrderKey {
                        username: "alexdebrie".into(),
                        order_id: "7k".into(),
                    })
                    .set_status(OrderStatus::Shipped),
            )
            .send()
            .await
            .unwrap();
        shop.shipments()
            .upsert(&shipment("b00", "2026-05-09T11:00:00Z"))
            .await
            .unwrap();
        let may_ninth: Vec<String> = shop
            .shipments()
            .by_day(&ShipmentByDayPartition {
                shipped_at_day: Day::new(2026, 5, 9).unwrap(),
            })
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.shipment_id)
            .collect();
        assert_eq!(may_ninth, ["t1", "b00"]);
        let shipped = shop
            .orders()
            .get(&OrderKey {
                username: "alexdebrie".into(),
                order_id: "7k".into(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(shipped.status, OrderStatus::Shipped);
        shop.views()
            .put(&View {
                view_id: "w0".into(),
                page: "archive".into(),
                at: at("2026-05-02T00:00:00Z"),
            })
            .await
            .unwrap();
        let archived = shop
            .views()
            .by_page(&ViewByPagePartition {
                page: "archive".into(),
                view_id_shard: shard,
            })
            .all()
            .await
            .unwrap();
        assert_eq!(archived.len(), 1, "the put rewrote the sharded key");
    })
    .await;
}
