//! Proves the harness works against a real DynamoDB Local: a single-table
//! layout (string pk/sk plus one GSI), written and read with the raw SDK.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use dyngen_tests::{require_dynamodb_local, unique_table_name, with_table_cleanup};

const GSI: &str = "gsi1";

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema element")
}

fn string_attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition")
}

async fn create_table(client: &Client, table: &str) {
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(vec![
            string_attr("pk"),
            string_attr("sk"),
            string_attr("gsi1pk"),
            string_attr("gsi1sk"),
        ]))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(GSI)
                .key_schema(key("gsi1pk", KeyType::Hash))
                .key_schema(key("gsi1sk", KeyType::Range))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .expect("global secondary index"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create table {table}: {}", e.into_service_error()));
}

#[tokio::test]
async fn put_get_and_query_gsi_roundtrip() {
    let client = require_dynamodb_local!();
    let table = unique_table_name("dyngen-harness");
    create_table(&client, &table).await;

    with_table_cleanup(&client, &table, |client, table| async move {
        client
            .put_item()
            .table_name(&table)
            .item("pk", s("USER#alice"))
            .item("sk", s("PROFILE"))
            .item("gsi1pk", s("EMAIL#alice@example.com"))
            .item("gsi1sk", s("USER#alice"))
            .item("name", s("Alice"))
            .item("logins", AttributeValue::N("42".to_owned()))
            .send()
            .await
            .expect("put_item");

        let got = client
            .get_item()
            .table_name(&table)
            .key("pk", s("USER#alice"))
            .key("sk", s("PROFILE"))
            .consistent_read(true)
            .send()
            .await
            .expect("get_item");
        let item = got.item().expect("item written above is found");
        assert_eq!(item.get("name"), Some(&s("Alice")));
        assert_eq!(item.get("logins"), Some(&AttributeValue::N("42".to_owned())));
        assert_eq!(item.get("gsi1pk"), Some(&s("EMAIL#alice@example.com")));

        let missing = client
            .get_item()
            .table_name(&table)
            .key("pk", s("USER#bob"))
            .key("sk", s("PROFILE"))
            .send()
            .await
            .expect("get_item for a missing key");
        assert!(missing.item().is_none());

        let queried = client
            .query()
            .table_name(&table)
            .index_name(GSI)
            .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :prefix)")
            .expression_attribute_values(":pk", s("EMAIL#alice@example.com"))
            .expression_attribute_values(":prefix", s("USER#"))
            .send()
            .await
            .expect("query gsi1");
        assert_eq!(queried.count(), 1);
        let hit = &queried.items()[0];
        assert_eq!(hit.get("pk"), Some(&s("USER#alice")));
        assert_eq!(hit.get("sk"), Some(&s("PROFILE")));
        assert_eq!(hit.get("name"), Some(&s("Alice")));
    })
    .await;

    let after = client.describe_table().table_name(&table).send().await;
    match after {
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) => {}
        other => panic!("table {table} should have been deleted, describe_table gave {other:?}"),
    }
}
