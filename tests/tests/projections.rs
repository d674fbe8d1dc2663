//! Projections (`generator/tests/fixtures/projections.dyn`): access
//! patterns on `keys_only` and `include` indexes return projection types
//! read from what the index holds (values inside keys read back from the
//! keys), and named projections narrow gets, queries, scans, batch gets
//! and transactional gets to their attributes with an aliased
//! `ProjectionExpression`.

use dyngen_goldens::projections::*;
use dyngen_runtime::aws_sdk_dynamodb::types::AttributeValue;
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::{Error, PrimaryKey as _};
use dyngen_tests::{run_with_table, RawItem};

async fn shop(client: &dyngen_runtime::aws_sdk_dynamodb::Client, table: &str) -> Shop {
    let db = Shop::new(client.clone(), table.to_owned());
    db.table().create_if_missing().await.expect("create table");
    db
}

fn customer(id: &str, email: &str, tier: Tier, visits: u32, balance: i64) -> Customer {
    Customer {
        id: id.into(),
        email: email.into(),
        name: format!("Customer {id}"),
        tier,
        visits,
        balance,
        note: (visits % 2 == 0).then(|| format!("note of {id}")),
        created_at: Default::default(),
        updated_at: Default::default(),
    }
}

fn key(id: &str) -> CustomerKey {
    CustomerKey { id: id.into() }
}

/// Overwrites one stored attribute of customer `id` with raw `value`.
async fn corrupt(
    client: &dyngen_runtime::aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
    field: &str,
    value: AttributeValue,
) {
    let mut item: RawItem = dyngen_tests::get_raw(client, table, key(id).to_key().unwrap())
        .await
        .expect("stored");
    item.insert(field.to_owned(), value);
    dyngen_tests::put_raw(client, table, item).await;
}

#[tokio::test]
async fn keys_only_pattern_reads_values_back_from_the_keys() {
    run_with_table("proj-keys", |client, table| async move {
        let db = shop(&client, &table).await;
        let ada = customer("c1", "ada@example.com", Tier::Pro, 3, -5);
        db.customers().put(&ada).await.expect("put");
        db.customers()
            .put(&customer("c2", "bob@example.com", Tier::Free, 1, 0))
            .await
            .expect("put");
        // An order shares the keys-only index; its keys are labelled apart.
        db.orders()
            .put(&Order {
                customer_id: "ada@example.com".into(),
                order_id: "o1".into(),
                total: Decimal::new(1250, 2),
                lines: vec!["book".into()],
            })
            .await
            .expect("put order");

        let found = db
            .customers()
            .by_email(&CustomerByEmailPartition {
                email: "ada@example.com".into(),
            })
            .all()
            .await
            .expect("query keys-only index");
        assert_eq!(
            found,
            vec![CustomerByEmailProjection {
                id: "c1".into(),
                email: "ada@example.com".into(),
            }]
        );
        // The projection's key reads the whole item.
        let whole = db.customers().get(&found[0].key()).await.expect("get").expect("stored");
        assert_eq!(whole.name, "Customer c1");

        let orders = db
            .orders()
            .by_customer(&OrderByCustomerPartition {
                customer_id: "ada@example.com".into(),
            })
            .all()
            .await
            .expect("query orders");
        assert_eq!(
            orders,
            vec![OrderByCustomerProjection {
                customer_id: "ada@example.com".into(),
                order_id: "o1".into(),
            }]
        );
        let count = db
            .customers()
            .by_email(&CustomerByEmailPartition {
                email: "ada@example.com".into(),
            })
            .count()
            .await
            .expect("count");
        assert_eq!(count.count, 1);
    })
    .await;
}

#[tokio::test]
async fn include_pattern_reads_projected_attributes_and_key_values_through_its_stages() {
    run_with_table("proj-include", |client, table| async move {
        let db = shop(&client, &table).await;
        let customers = [
            customer("a", "a@x", Tier::Pro, 7, -9_000_000_000),
            customer("b", "b@x", Tier::Pro, 7, 12),
            customer("c", "c@x", Tier::Pro, 4_000_000_000, 0),
            customer("d", "d@x", Tier::Free, 7, 1),
        ];
        for c in &customers {
            db.customers().put(c).await.expect("put");
        }
        let pro = CustomerByTierPartition { tier: Tier::Pro };
        let all = db.customers().by_tier(&pro).all().await.expect("query");
        let expected: Vec<CustomerByTierProjection> = [&customers[0], &customers[1], &customers[2]]
            .into_iter()
            .map(|c| CustomerByTierProjection {
                id: c.id.clone(),
                name: c.name.clone(),
                tier: c.tier,
                visits: c.visits,
                balance: c.balance,
            })
            .collect();
        // In key order: visits, then balance (negative first).
        assert_eq!(all, expected);

        let seven = db
            .customers()
            .by_tier(&pro)
            .visits(7)
            .balance_gte(0)
            .all()
            .await
            .expect("narrowed query");
        assert_eq!(seven, vec![expected[1].clone()]);
        let page = db
            .customers()
            .by_tier(&pro)
            .visits_gt(7)
            .page(None)
            .await
            .expect("page");
        assert_eq!(page.items, vec![expected[2].clone()]);
    })
    .await;
}

#[tokio::test]
async fn named_projections_read_only_their_attributes() {
    run_with_table("proj-named", |client, table| async move {
        let db = shop(&client, &table).await;
        for c in [
            customer("a", "a@x", Tier::Pro, 2, 1),
            customer("b", "b@x", Tier::Free, 3, 2),
        ] {
            db.customers().put(&c).await.expect("put");
        }
        // Attributes outside a projection are not read: a malformed one
        // fails the whole item's read, not the projection's.
        corrupt(&client, &table, "a", "visits", AttributeValue::S("many".into())).await;
        corrupt(&client, &table, "b", "visits", AttributeValue::S("many".into())).await;
        assert!(matches!(db.customers().get(&key("a")).await, Err(Error::Decode(_))));

        let summary = db
            .customers()
            .get_projected::<CustomerSummary, _>(&key("a"))
            .await
            .expect("get projection");
        assert_eq!(
            summary,
            Some(CustomerSummary {
                id: "a".into(),
                name: "Customer a".into(),
                tier: Tier::Pro,
            })
        );
        assert_eq!(
            db.customers()
                .get_projected::<CustomerSummary, _>(&key("zz"))
                .await
                .expect("get"),
            None
        );
        let contact = db
            .customers()
            .get_projected::<CustomerContact, _>(&key("a"))
            .await
            .expect("contact")
            .expect("stored");
        assert_eq!(
            (contact.email.as_str(), contact.note.as_deref()),
            ("a@x", Some("note of a"))
        );

        let queried = db
            .customers()
            .query(&CustomerPartition { id: "b".into() })
            .project::<CustomerContact>()
            .all()
            .await
            .expect("query projection");
        assert_eq!(
            queried,
            vec![CustomerContact {
                id: "b".into(),
                email: "b@x".into(),
                note: None,
            }]
        );

        // Scans filter on whole items and return the projection.
        let mut scanned = db
            .customers()
            .scan()
            .filter(|a| a.tier.eq(Tier::Free))
            .project::<CustomerSummary>()
            .all()
            .await
            .expect("scan projection");
        scanned.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(scanned.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(
            db.customers().scan().all().await.is_err(),
            "whole items still fail to decode"
        );
    })
    .await;
}

#[tokio::test]
async fn batch_and_transactional_gets_read_projections_beside_whole_items() {
    run_with_table("proj-batch", |client, table| async move {
        let db = shop(&client, &table).await;
        let a = customer("a", "a@x", Tier::Pro, 2, 1);
        db.customers().put(&a).await.expect("put");
        db.customers()
            .put(&customer("b", "b@x", Tier::Free, 3, 2))
            .await
            .expect("put");
        let order = Order {
            customer_id: "a".into(),
            order_id: "o1".into(),
            total: Decimal::new(999, 2),
            lines: vec!["pen".into(), "ink".into()],
        };
        db.orders().put(&order).await.expect("put order");
        let order_key = OrderKey {
            customer_id: "a".into(),
            order_id: "o1".into(),
        };

        let mut batch = db.batch_get();
        let whole = batch.get(&key("a")).expect("key");
        let summary = batch.get_projected::<CustomerSummary, _>(&key("a")).expect("key");
        let other = batch.get_projected::<CustomerSummary, _>(&key("b")).expect("key");
        let missing = batch.get_projected::<CustomerContact, _>(&key("zz")).expect("key");
        let total = batch.get_projected::<OrderTotal, _>(&order_key).expect("key");
        let read = batch.send().await.expect("batch get");
        let mut expected_a = a.clone();
        let stored_a = read.get(whole).expect("read").expect("found").clone();
        expected_a.created_at = stored_a.created_at;
        expected_a.updated_at = stored_a.updated_at;
        assert_eq!(stored_a, expected_a);
        assert_eq!(
            read.get(summary).expect("read").map(|s| s.name.as_str()),
            Some("Customer a")
        );
        assert_eq!(read.get(other).expect("read").map(|s| s.tier), Some(Tier::Free));
        assert_eq!(read.get(missing).expect("read"), None);
        assert_eq!(
            read.get(total).expect("read"),
            Some(&OrderTotal {
                customer_id: "a".into(),
                order_id: "o1".into(),
                total: Decimal::new(999, 2),
            })
        );

        let mut get = db.transact_get();
        let summary = get.get_projected::<CustomerSummary, _>(&key("b")).expect("key");
        let total = get.get_projected::<OrderTotal, _>(&order_key).expect("key");
        let read = get.send().await.expect("transact get");
        assert_eq!(read.get(summary).expect("read").map(|s| s.id.as_str()), Some("b"));
        assert_eq!(
            read.get(total).expect("read").map(|t| t.total),
            Some(Decimal::new(999, 2))
        );
    })
    .await;
}

#[tokio::test]
async fn a_projection_refuses_another_entitys_item() {
    run_with_table("proj-wrong", |client, table| async move {
        let db = shop(&client, &table).await;
        db.customers().put(&customer("a", "a@x", Tier::Pro, 2, 1)).await.expect("put");
        // Retag the stored item as another entity's.
        corrupt(&client, &table, "a", "_et", AttributeValue::S("Order".into())).await;
        let read = db.customers().get_projected::<CustomerSummary, _>(&key("a")).await;
        assert!(
            matches!(read, Err(Error::WrongEntity { expected: "Customer", ref found, .. }) if found.as_deref() == Some("Order")),
            "{read:?}"
        );
    })
    .await;
}

/// The JSON bodies of the requests a client sends.
#[derive(Debug, Clone, Default)]
struct Requests(std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>);

impl dyngen_runtime::aws_sdk_dynamodb::config::Intercept for Requests {
    fn name(&self) -> &'static str {
        "record requests"
    }

    fn read_before_transmit(
        &self,
        context: &dyngen_runtime::aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &dyngen_runtime::aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut dyngen_runtime::aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), dyngen_runtime::aws_sdk_dynamodb::error::BoxError> {
        if let Some(body) = context.request().body().bytes() {
            if let Ok(json) = serde_json::from_slice(body) {
                self.0.lock().expect("not poisoned").push(json);
            }
        }
        Ok(())
    }
}

impl Requests {
    fn take(&self) -> Vec<serde_json::Value> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }
}

/// The attribute names a `ProjectionExpression` (in `request`, or in
/// `request`'s per-table or per-item part) asks for, resolved through its
/// `ExpressionAttributeNames`; every name must be a placeholder.
fn projected_names(part: &serde_json::Value) -> Vec<String> {
    let expression = part["ProjectionExpression"].as_str().expect("a ProjectionExpression");
    let mut names: Vec<String> = expression
        .split(", ")
        .map(|placeholder| {
            assert!(
                placeholder.starts_with('#'),
                "`{placeholder}` is not aliased in `{expression}`"
            );
            part["ExpressionAttributeNames"][placeholder]
                .as_str()
                .unwrap_or_else(|| panic!("`{placeholder}` has no name"))
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn requests_ask_for_the_projection_through_aliased_names() {
    run_with_table("proj-wire", |client, table| async move {
        let requests = Requests::default();
        let recording = dyngen_runtime::aws_sdk_dynamodb::Client::from_conf(
            client.config().to_builder().interceptor(requests.clone()).build(),
        );
        let db = shop(&recording, &table).await;
        db.customers()
            .put(&customer("a", "a@x", Tier::Pro, 2, 1))
            .await
            .expect("put");
        requests.take();
        let summary = ["_et", "id", "name", "pk", "sk", "tier"];

        db.customers()
            .get_projected::<CustomerSummary, _>(&key("a"))
            .await
            .expect("get");
        let sent = requests.take();
        assert_eq!(projected_names(&sent[0]), summary);

        db.customers()
            .query(&CustomerPartition { id: "a".into() })
            .project::<CustomerSummary>()
            .all()
            .await
            .expect("query");
        assert_eq!(projected_names(&requests.take()[0]), summary);

        db.customers()
            .scan()
            .project::<CustomerContact>()
            .all()
            .await
            .expect("scan");
        assert_eq!(
            projected_names(&requests.take()[0]),
            ["_et", "email", "id", "note", "pk", "sk"]
        );

        let mut batch = db.batch_get();
        batch.get(&key("a")).expect("key");
        batch.get_projected::<CustomerSummary, _>(&key("a")).expect("key");
        batch.send().await.expect("batch");
        let sent = requests.take();
        assert_eq!(sent.len(), 2, "whole items and the projection go in two requests");
        let per_table = |request: &serde_json::Value| request["RequestItems"][&table].clone();
        assert!(per_table(&sent[0]).get("ProjectionExpression").is_none());
        assert_eq!(projected_names(&per_table(&sent[1])), summary);

        let mut get = db.transact_get();
        get.get_projected::<CustomerSummary, _>(&key("a")).expect("key");
        get.send().await.expect("transact get");
        let sent = requests.take();
        assert_eq!(projected_names(&sent[0]["TransactItems"][0]["Get"]), summary);

        // Counting asks for no attributes.
        db.customers()
            .query(&CustomerPartition { id: "a".into() })
            .project::<CustomerSummary>()
            .count()
            .await
            .expect("count");
        assert!(requests.take()[0].get("ProjectionExpression").is_none());
    })
    .await;
}

#[tokio::test]
async fn keys_only_pattern_over_templates_reads_values_from_the_key_text() {
    use dyngen_goldens::projected_templates::*;
    run_with_table("proj-templates", |client, table| async move {
        let db = Crm::new(client.clone(), table.clone());
        db.table().create_if_missing().await.expect("create table");
        let contact = Contact {
            contact_id: "c-1".into(),
            email: "ada@example.com".into(),
            score: 42,
            created_at: Default::default(),
        };
        db.contacts().put(&contact).await.expect("put");
        let found = db
            .contacts()
            .by_email(&ContactByEmailPartition {
                email: "ada@example.com".into(),
            })
            .all()
            .await
            .expect("query");
        assert_eq!(
            found,
            vec![ContactByEmailProjection {
                contact_id: "c-1".into(),
                email: "ada@example.com".into(),
                score: 42,
            }]
        );
        assert_eq!(db.contacts().get(&found[0].key()).await.expect("get"), Some(contact));
    })
    .await;
}
