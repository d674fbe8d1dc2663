//! `dyngen_runtime::embedded::EmbeddedEngine` itself: what a user's tests
//! rely on when they start one (the suites' differential run covers what it
//! serves).

use dyngen_runtime::embedded::EmbeddedEngine;

async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    dyngen_tests::create_raw_table(client, name, None).await;
}

async fn tables(client: &aws_sdk_dynamodb::Client) -> Vec<String> {
    client
        .list_tables()
        .send()
        .await
        .expect("list tables")
        .table_names()
        .to_vec()
}

#[tokio::test]
async fn each_engine_starts_empty_and_keeps_its_own_data() {
    let first = EmbeddedEngine::start().unwrap();
    let second = EmbeddedEngine::start().unwrap();
    assert_ne!(first.endpoint_url(), second.endpoint_url());
    assert!(
        first.endpoint_url().starts_with("http://127.0.0.1:"),
        "{}",
        first.endpoint_url()
    );
    create_table(&first.client(), "only-here").await;
    assert_eq!(tables(&first.client()).await, ["only-here"]);
    assert!(tables(&second.client()).await.is_empty());
}

/// Started outside any async runtime, an engine serves one runtime after
/// another (as `#[tokio::test]`s sharing one engine do), with its data.
#[test]
fn one_engine_outlives_the_runtimes_that_use_it() {
    let engine = EmbeddedEngine::start().unwrap();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    runtime().block_on(create_table(&engine.client(), "kept"));
    // A new runtime, and a client made from the endpoint alone.
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(engine.endpoint_url())
        .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "any", "thing", None, None, "test",
        ))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    assert_eq!(runtime().block_on(tables(&client)), ["kept"]);
}

#[tokio::test]
async fn a_stopped_engine_answers_nothing() {
    let engine = EmbeddedEngine::start().unwrap();
    let client = engine.client();
    assert!(tables(&client).await.is_empty());
    let endpoint = engine.endpoint_url().trim_start_matches("http://").to_owned();
    engine.stop();
    // The port is closed once `stop` has returned.
    assert!(
        std::net::TcpStream::connect(&endpoint).is_err(),
        "{endpoint} still accepts connections"
    );
    assert!(client.list_tables().send().await.is_err());
}

#[test]
fn the_engine_names_its_version() {
    let version = EmbeddedEngine::version();
    assert!(version.chars().next().is_some_and(|c| c.is_ascii_digit()), "{version}");
}
