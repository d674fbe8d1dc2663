//! A single-table design the declared layouts were not written for
//! (`schema/shop.dyn`, "The DynamoDB Book" style): `TYPE#value` templates,
//! collections of templates on the table and on a generic GSI, and a value
//! that would make a key ambiguous.

use dyngen_adopt_examples::shop::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
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
