//! Shared harness for dyngen's integration tests against DynamoDB Local.
//!
//! Run everything with `scripts/test-all.sh`: it installs and starts DynamoDB
//! Local, exports [`ENDPOINT_ENV`] and runs the whole workspace's tests.
//!
//! A test that needs DynamoDB starts with [`require_dynamodb_local!`]:
//!
//! ```no_run
//! #[tokio::test]
//! async fn my_test() {
//!     let client = dyngen_tests::require_dynamodb_local!();
//!     let table = dyngen_tests::unique_table_name("my-test");
//!     // create `table`, use it, then:
//!     dyngen_tests::delete_table_best_effort(&client, &table).await;
//! }
//! ```
//!
//! The same suite runs on the embedded engine (`dyngen_runtime::embedded`)
//! when [`ENGINE_ENV`] is `embedded`: every test binary then starts one
//! engine in process and shares it between its tests. DynamoDB Local stays
//! the reference; the places where the engines differ are listed in
//! docs/testing.md and asked for with [`engine`].
//!
//! When DynamoDB Local is not configured or not reachable, the test is
//! skipped (with a loud message on stderr) in a developer's shell, but it
//! fails under CI (`CI` set to anything but empty, `0` or `false`) or when
//! [`REQUIRE_ENV`] is set the same way (as `scripts/test-all.sh` does).

use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::Client;

/// Env var holding DynamoDB Local's URL, e.g. `http://127.0.0.1:8000`.
pub const ENDPOINT_ENV: &str = "DYNGEN_DYNAMODB_ENDPOINT";

/// Env var choosing the engine the suite runs on: `dynamodb-local` (the
/// default, at [`ENDPOINT_ENV`]) or `embedded` (in process).
pub const ENGINE_ENV: &str = "DYNGEN_ENGINE";

/// The engine a test binary runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// DynamoDB Local at [`ENDPOINT_ENV`]: the reference.
    DynamoDbLocal,
    /// dyngen-runtime's embedded engine, one per test binary.
    Embedded,
}

/// The engine chosen by [`ENGINE_ENV`]. Panics on a value it does not know,
/// so that a typo cannot quietly run the suite on the wrong engine.
pub fn engine() -> Engine {
    match std::env::var(ENGINE_ENV).as_deref().map(str::trim) {
        Err(_) | Ok("") | Ok("dynamodb-local") => Engine::DynamoDbLocal,
        Ok("embedded") => Engine::Embedded,
        Ok(other) => panic!("{ENGINE_ENV}={other}: expected `dynamodb-local` or `embedded`"),
    }
}

/// The embedded engine this test binary shares, started on first use.
fn embedded_engine() -> &'static dyngen_runtime::embedded::EmbeddedEngine {
    static ENGINE: std::sync::OnceLock<dyngen_runtime::embedded::EmbeddedEngine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| dyngen_runtime::embedded::EmbeddedEngine::start().unwrap_or_else(|e| panic!("{e}")))
}

/// Runs the shared embedded engine's TTL sweep (see
/// `EmbeddedEngine::sweep_ttl`); the number of items it deleted. Only for
/// [`Engine::Embedded`].
pub fn embedded_sweep_ttl() -> usize {
    assert_eq!(engine(), Engine::Embedded, "only the embedded engine sweeps on request");
    embedded_engine().sweep_ttl().expect("TTL sweep")
}

/// Env var that, like `CI`, turns "DynamoDB Local unavailable" from a skip
/// into a test failure.
pub const REQUIRE_ENV: &str = "DYNGEN_REQUIRE_DYNAMODB_LOCAL";

/// Region the client is configured with (DynamoDB Local accepts any).
pub const REGION: &str = "us-east-1";

/// How long the reachability probe may take before DynamoDB Local counts as
/// unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why DynamoDB Local cannot be used.
#[derive(Debug, Clone)]
pub enum Unavailable {
    /// [`ENDPOINT_ENV`] is unset or empty.
    EndpointUnset,
    /// The endpoint is set but a `ListTables` call against it failed.
    Unreachable { endpoint: String, error: String },
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::EndpointUnset => write!(f, "{ENDPOINT_ENV} is not set"),
            Unavailable::Unreachable { endpoint, error } => {
                write!(f, "DynamoDB Local at {endpoint} is not reachable: {error}")
            }
        }
    }
}

impl std::error::Error for Unavailable {}

/// The endpoint of the chosen [`engine`]: the embedded engine's (started
/// here), or DynamoDB Local's if [`ENDPOINT_ENV`] is set and non-empty.
pub fn endpoint() -> Option<String> {
    if engine() == Engine::Embedded {
        return Some(embedded_engine().endpoint_url().to_owned());
    }
    std::env::var(ENDPOINT_ENV)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A client for DynamoDB Local at `endpoint`: fixed region, static dummy
/// credentials and short timeouts. It never reads AWS env vars or profiles,
/// so a developer's AWS setup cannot point the tests at real AWS.
pub fn client_for(endpoint: &str) -> Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(20))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "dyngen-tests"))
        .timeout_config(timeouts)
        .build();
    Client::from_conf(config)
}

/// A client for the DynamoDB Local named by [`ENDPOINT_ENV`], after checking
/// that it answers (a `ListTables` call).
pub async fn client() -> Result<Client, Unavailable> {
    let endpoint = endpoint().ok_or(Unavailable::EndpointUnset)?;
    let client = client_for(&endpoint);
    let probe = tokio::time::timeout(PROBE_TIMEOUT, client.list_tables().limit(1).send()).await;
    match probe {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(err)) => Err(Unavailable::Unreachable {
            endpoint,
            error: DisplayErrorContext(&err).to_string(),
        }),
        Err(_) => Err(Unavailable::Unreachable {
            endpoint,
            error: format!("no answer within {}s", PROBE_TIMEOUT.as_secs()),
        }),
    }
}

/// Whether an env var is set to something other than empty, `0` or `false`.
fn env_flag(name: &str) -> bool {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
        }
        Err(_) => false,
    }
}

/// True when an unavailable DynamoDB Local must fail tests instead of
/// skipping them: under CI (`CI`) or when [`REQUIRE_ENV`] is set.
pub fn dynamodb_local_required() -> bool {
    env_flag("CI") || env_flag(REQUIRE_ENV)
}

/// A DynamoDB Local client, or `None` if the calling test should skip.
///
/// Panics (failing the test) instead of returning `None` when
/// [`dynamodb_local_required`] is true.
pub async fn local_client_or_skip() -> Option<Client> {
    let why = match client().await {
        Ok(client) => return Some(client),
        Err(why) => why,
    };
    let test = std::thread::current().name().unwrap_or("<unnamed test>").to_owned();
    if dynamodb_local_required() {
        panic!(
            "{test}: DynamoDB Local is required here (CI or {REQUIRE_ENV} is set) but unavailable: \
             {why}.\nRun the tests with `scripts/test-all.sh`, which installs and starts DynamoDB \
             Local and sets {ENDPOINT_ENV}."
        );
    }
    // Written straight to the process's stderr, bypassing libtest's output
    // capture, so the skip is visible in a plain `cargo test` run.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED {test}: DynamoDB Local not reachable ({why}); \
         run scripts/test-all.sh ***\n"
    );
    None
}

/// Start of a test that needs DynamoDB Local: evaluates to a [`Client`], or
/// returns early from the test when it should be skipped (see
/// [`local_client_or_skip`]). For tests returning a value, pass the value to
/// return on skip, e.g. `require_dynamodb_local!(Ok(()))`.
#[macro_export]
macro_rules! require_dynamodb_local {
    () => {
        match $crate::local_client_or_skip().await {
            ::std::option::Option::Some(client) => client,
            ::std::option::Option::None => return,
        }
    };
    ($on_skip:expr) => {
        match $crate::local_client_or_skip().await {
            ::std::option::Option::Some(client) => client,
            ::std::option::Option::None => return $on_skip,
        }
    };
}

/// A table name unique to this call (process id, counter and time), so tests
/// running in parallel each get their own table. Characters DynamoDB does not
/// allow in table names are replaced in `prefix`.
pub fn unique_table_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let prefix: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(180)
        .collect();
    let prefix = if prefix.is_empty() { "t" } else { &prefix };
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

/// Deletes `table`, ignoring failure (it is only cleanup; DynamoDB Local
/// runs in memory and forgets everything when stopped anyway).
pub async fn delete_table_best_effort(client: &Client, table: &str) {
    if let Err(err) = client.delete_table().table_name(table).send().await {
        eprintln!("note: could not delete table {table}: {}", DisplayErrorContext(&err));
    }
}

/// Runs `body` and then deletes `table` even if `body` panicked (the panic is
/// then resumed, so the test still fails with its original message).
pub async fn with_table_cleanup<F, Fut>(client: &Client, table: &str, body: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(body(client.clone(), table.to_owned())).await;
    delete_table_best_effort(client, table).await;
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test body for table {table} did not complete: {err}");
    }
}

/// Runs `body` with a DynamoDB Local client and a fresh table name (see
/// [`unique_table_name`]); the table is deleted afterwards, also when `body`
/// panics. Skips like [`require_dynamodb_local!`].
pub async fn run_with_table<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(Client, String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let client = require_dynamodb_local!();
    let table = unique_table_name(prefix);
    with_table_cleanup(&client, &table, body).await;
}

/// Creates `table` with the SDK alone (on-demand): a string `pk`, and a
/// sort key `sk` of type `sk` when given. For tests of the engine itself,
/// without a generated module.
pub async fn create_raw_table(client: &Client, table: &str, sk: Option<aws_sdk_dynamodb::types::ScalarAttributeType>) {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    let attribute = |name: &str, ty: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ty)
            .build()
            .expect("attribute")
    };
    let key = |name: &str, ty: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(ty)
            .build()
            .expect("key")
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash));
    if let Some(sk) = sk {
        request = request
            .attribute_definitions(attribute("sk", sk))
            .key_schema(key("sk", KeyType::Range));
    }
    request.send().await.expect("create table");
}

/// An item as DynamoDB stores it.
pub type RawItem = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// Writes `item` exactly as given, with the SDK: stored data the generated
/// layer did not write (another program's, or a broken one).
pub async fn put_raw(client: &Client, table: &str, item: RawItem) {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");
}

/// The item stored under `key`, read consistently with the SDK.
pub async fn get_raw(client: &Client, table: &str, key: RawItem) -> Option<RawItem> {
    client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_unique_and_valid() {
        let a = unique_table_name("roundtrip");
        let b = unique_table_name("roundtrip");
        assert_ne!(a, b);
        assert!(a.starts_with("roundtrip-"));
        let odd = unique_table_name("a b/c::d");
        assert!(odd.starts_with("a-b-c--d-"), "{odd}");
        for name in [a, b, odd, unique_table_name("")] {
            assert!((3..=255).contains(&name.len()), "{name}");
            assert!(name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
        }
    }
}
