//! What the generated layer relies on from the engine, asked directly with
//! the SDK, so that the differential run (`DYNGEN_ENGINE=embedded`) shows
//! where the embedded engine and DynamoDB Local differ. Each test asserts
//! DynamoDB's documented behaviour; where an engine is known to differ, the
//! test asserts that difference explicitly (and docs/testing.md lists it),
//! so a new engine version that changes it fails here and gets looked at.

use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use dyngen_tests::{engine, run_with_table, Engine, RawItem};
use std::collections::BTreeSet;

/// A table with a string `pk` and a sort key `sk` of `sk_type`.
async fn create(client: &Client, table: &str, sk_type: ScalarAttributeType) {
    dyngen_tests::create_raw_table(client, table, Some(sk_type)).await;
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn item(pairs: &[(&str, AttributeValue)]) -> RawItem {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// The sort-key values of `pk`'s partition, in the engine's order.
async fn sort_keys(client: &Client, table: &str, pk: &str) -> Vec<AttributeValue> {
    let out = client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", s(pk))
        .send()
        .await
        .expect("query");
    out.items().iter().map(|i| i["sk"].clone()).collect()
}

/// The key codec's order-preservation rests on this: string sort keys are
/// ordered by their UTF-8 bytes, not by UTF-16 units or a collation (so
/// `U+FFFF` sorts before `U+10000`, and `B` before `a`).
#[tokio::test]
async fn string_sort_keys_order_by_utf8_bytes() {
    run_with_table("engines-utf8", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let values = ["a", "B", "\u{10000}", "\u{FFFF}", "é", "a#", "a\u{1}", "ab", "~"];
        for v in values {
            client
                .put_item()
                .table_name(&table)
                .set_item(Some(item(&[("pk", s("p")), ("sk", s(v))])))
                .send()
                .await
                .unwrap();
        }
        let mut expected: Vec<&str> = values.to_vec();
        expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let found: Vec<String> = sort_keys(&client, &table, "p")
            .await
            .into_iter()
            .map(|v| v.as_s().unwrap().clone())
            .collect();
        assert_eq!(found, expected);
    })
    .await;
}

/// Number sort keys order numerically, across signs and scales.
#[tokio::test]
async fn number_sort_keys_order_numerically() {
    run_with_table("engines-numbers", |client, table| async move {
        create(&client, &table, ScalarAttributeType::N).await;
        let values = [
            "-10",
            "-9.5",
            "-1E-5",
            "0",
            "1E-130",
            "2",
            "10",
            "1E+125",
            "99999999999999999999999999999999999999",
        ];
        for v in values.iter().rev() {
            let put = item(&[("pk", s("p")), ("sk", AttributeValue::N((*v).to_owned()))]);
            client
                .put_item()
                .table_name(&table)
                .set_item(Some(put))
                .send()
                .await
                .unwrap();
        }
        let found: Vec<f64> = sort_keys(&client, &table, "p")
            .await
            .into_iter()
            .map(|v| v.as_n().unwrap().parse::<f64>().unwrap())
            .collect();
        let mut sorted = found.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(found, sorted);
        assert_eq!(found.len(), values.len());
    })
    .await;
}

/// Numbers keep 38 significant digits exactly; a 39th is refused, not rounded.
#[tokio::test]
async fn numbers_keep_38_digits_and_refuse_39() {
    run_with_table("engines-precision", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let exact = "12345678901234567890.123456789012345678";
        let key = item(&[("pk", s("p")), ("sk", s("n"))]);
        let mut put = key.clone();
        put.insert("n".into(), AttributeValue::N(exact.into()));
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(put))
            .send()
            .await
            .unwrap();
        let got = client
            .get_item()
            .table_name(&table)
            .set_key(Some(key.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(got.item().unwrap()["n"], AttributeValue::N(exact.into()));

        let mut too_precise = key;
        too_precise.insert(
            "n".into(),
            AttributeValue::N("1234567890123456789012345678901234567891".into()),
        );
        let refused = client
            .put_item()
            .table_name(&table)
            .set_item(Some(too_precise))
            .send()
            .await;
        assert!(refused.is_err(), "a 40-digit number is refused");
    })
    .await;
}

/// Items over 400 KB are refused with a ValidationException.
#[tokio::test]
async fn items_over_400_kb_are_refused() {
    run_with_table("engines-size", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let big = item(&[("pk", s("p")), ("sk", s("big")), ("blob", s(&"x".repeat(401 * 1024)))]);
        let err = client
            .put_item()
            .table_name(&table)
            .set_item(Some(big))
            .send()
            .await
            .unwrap_err();
        let err = err.into_service_error();
        assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
        let fits = item(&[("pk", s("p")), ("sk", s("fits")), ("blob", s(&"x".repeat(390 * 1024)))]);
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(fits))
            .send()
            .await
            .expect("390 KB fits");
    })
    .await;
}

/// A page that reaches `Limit` carries a `LastEvaluatedKey` even when
/// nothing follows; the page after it is empty and has none. The runtime's
/// pagination must not stop early or loop on either.
#[tokio::test]
async fn a_full_page_has_a_last_key() {
    run_with_table("engines-limit", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        for sk in ["1", "2", "3"] {
            client
                .put_item()
                .table_name(&table)
                .set_item(Some(item(&[("pk", s("p")), ("sk", s(sk))])))
                .send()
                .await
                .unwrap();
        }
        let query = || {
            client
                .query()
                .table_name(&table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s("p"))
        };
        let first = query().limit(2).send().await.unwrap();
        assert_eq!(first.count(), 2);
        let last = first.last_evaluated_key().cloned().expect("more to read");
        let second = query()
            .limit(2)
            .set_exclusive_start_key(Some(last))
            .send()
            .await
            .unwrap();
        assert_eq!(second.count(), 1);
        assert!(
            second.last_evaluated_key().is_none(),
            "a page short of Limit is the last"
        );

        let exact = query().limit(3).send().await.unwrap();
        assert_eq!(exact.count(), 3);
        let last = exact.last_evaluated_key().cloned();
        if let Some(last) = last {
            let after = query()
                .limit(3)
                .set_exclusive_start_key(Some(last))
                .send()
                .await
                .unwrap();
            assert_eq!(after.count(), 0);
            assert!(after.last_evaluated_key().is_none());
        }
    })
    .await;
}

/// Parallel scan: the segments of `TotalSegments` partition the table, each
/// item in exactly one segment.
#[tokio::test]
async fn scan_segments_partition_the_table() {
    run_with_table("engines-segments", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let mut all = BTreeSet::new();
        for n in 0..60 {
            let pk = format!("p{}", n % 17);
            let sk = format!("{n:03}");
            all.insert((pk.clone(), sk.clone()));
            client
                .put_item()
                .table_name(&table)
                .set_item(Some(item(&[("pk", s(&pk)), ("sk", s(&sk))])))
                .send()
                .await
                .unwrap();
        }
        let mut seen = BTreeSet::new();
        for segment in 0..4 {
            let mut start = None;
            loop {
                let page = client
                    .scan()
                    .table_name(&table)
                    .segment(segment)
                    .total_segments(4)
                    .limit(7)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                for i in page.items() {
                    let key = (i["pk"].as_s().unwrap().clone(), i["sk"].as_s().unwrap().clone());
                    assert!(seen.insert(key.clone()), "{key:?} is in two segments");
                }
                start = page.last_evaluated_key().cloned();
                if start.is_none() {
                    break;
                }
            }
        }
        assert_eq!(seen, all);
    })
    .await;
}

/// A failed condition can hand back the item as it is
/// (`ReturnValuesOnConditionCheckFailure`), which the runtime's typed
/// conflict errors carry.
#[tokio::test]
async fn a_failed_condition_returns_the_current_item() {
    run_with_table("engines-condition", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let stored = item(&[("pk", s("p")), ("sk", s("1")), ("v", AttributeValue::N("1".into()))]);
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(stored.clone()))
            .send()
            .await
            .unwrap();
        let err = client
            .put_item()
            .table_name(&table)
            .set_item(Some(item(&[
                ("pk", s("p")),
                ("sk", s("1")),
                ("v", AttributeValue::N("2".into())),
            ])))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_conditional_check_failed_exception(), "{err:?}");
        let current = match err {
            aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) => e.item,
            other => panic!("{other:?}"),
        };
        assert_eq!(current, Some(stored));
    })
    .await;
}

/// Transactions take up to 100 actions and refuse a 101st.
#[tokio::test]
async fn transactions_take_100_actions() {
    run_with_table("engines-transact", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let actions = |n: usize| -> Vec<TransactWriteItem> {
            (0..n)
                .map(|i| {
                    let put = aws_sdk_dynamodb::types::Put::builder()
                        .table_name(&table)
                        .set_item(Some(item(&[("pk", s("p")), ("sk", s(&format!("{n}-{i:03}")))])))
                        .build()
                        .unwrap();
                    TransactWriteItem::builder().put(put).build()
                })
                .collect()
        };
        client
            .transact_write_items()
            .set_transact_items(Some(actions(100)))
            .send()
            .await
            .expect("100 actions");
        let refused = client
            .transact_write_items()
            .set_transact_items(Some(actions(101)))
            .send()
            .await;
        assert!(refused.is_err(), "101 actions are refused");
        assert_eq!(
            sort_keys(&client, &table, "p").await.len(),
            100,
            "nothing of the refused one was written"
        );
    })
    .await;
}

/// TTL: an expired item stays readable until the engine deletes it. On
/// DynamoDB that happens in the background, within days; DynamoDB Local
/// never does it; the embedded engine does it when `sweep_ttl` is called.
#[tokio::test]
async fn expired_items_stay_until_deleted() {
    run_with_table("engines-ttl", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        client
            .update_time_to_live()
            .table_name(&table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("expiresAt")
                    .enabled(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("enable TTL");
        let key = item(&[("pk", s("p")), ("sk", s("old"))]);
        let mut expired = key.clone();
        expired.insert("expiresAt".into(), AttributeValue::N("1000000000".into())); // 2001
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(expired))
            .send()
            .await
            .unwrap();
        let read = client
            .get_item()
            .table_name(&table)
            .set_key(Some(key.clone()))
            .send()
            .await
            .unwrap();
        assert!(
            read.item().is_some(),
            "an expired item is still read before it is deleted"
        );
        if engine() == Engine::Embedded {
            let swept = dyngen_tests::embedded_sweep_ttl();
            assert!(swept >= 1, "the sweep deletes the expired item");
            let read = client
                .get_item()
                .table_name(&table)
                .set_key(Some(key))
                .send()
                .await
                .unwrap();
            assert!(read.item().is_none(), "gone after the sweep");
        }
    })
    .await;
}

/// Setting a field of a map that does not exist is refused ("The document
/// path provided in the update expression is invalid for update"), and
/// nothing is written; `if_not_exists` on the parent is the way round it.
#[tokio::test]
async fn a_path_into_a_missing_map_is_refused() {
    run_with_table("engines-path", |client, table| async move {
        create(&client, &table, ScalarAttributeType::S).await;
        let key = item(&[("pk", s("p")), ("sk", s("1"))]);
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(key.clone()))
            .send()
            .await
            .unwrap();
        let err = client
            .update_item()
            .table_name(&table)
            .set_key(Some(key.clone()))
            .update_expression("SET #m.#a = :v")
            .expression_attribute_names("#m", "m")
            .expression_attribute_names("#a", "a")
            .expression_attribute_values(":v", s("x"))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
        assert!(
            err.meta()
                .message()
                .unwrap_or_default()
                .contains("document path provided in the update expression is invalid"),
            "{err:?}"
        );
        let read = client
            .get_item()
            .table_name(&table)
            .set_key(Some(key))
            .send()
            .await
            .unwrap();
        assert!(!read.item().unwrap().contains_key("m"));
    })
    .await;
}
