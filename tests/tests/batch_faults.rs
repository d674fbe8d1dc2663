//! Batch reads and writes and write transactions against a mocked client
//! (aws-smithy-mocks), for the faults DynamoDB Local cannot produce: items
//! and keys left unprocessed over several rounds, throttled requests,
//! retries running out, a request failing for good, and every reason a
//! transaction can be canceled for. No DynamoDB Local needed.
//!
//! The batch tests check zero loss above all: every item (key) is written
//! (read) exactly once or handed back as a leftover, by key, never both and
//! never neither, and the counts the batch reports say the same.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::ErrorMetadata;
use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemError, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemError, BatchWriteItemOutput};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::error::{
    InternalServerError, ProvisionedThroughputExceededException, RequestLimitExceeded, ResourceNotFoundException,
    ThrottlingException, TransactionCanceledException,
};
use aws_sdk_dynamodb::types::{CancellationReason, KeysAndAttributes, TransactWriteItem, WriteRequest};
use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
use dyngen_example_vcs::vcs::*;
use dyngen_runtime::chrono::{DateTime, Utc};
use dyngen_runtime::{
    BatchWrite, CancelReason, CanceledAction, Entity, Error, Item, Leftover, Operation, PrimaryKey, RetryPolicy,
    Unversioned,
};

const TABLE: &str = "vcs";

/// The table key of an item: `pk` and `sk`.
type Key = (String, String);

fn key_of(item: &Item) -> Key {
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_else(|| panic!("`{name}` missing or not a string in {item:?}"))
    };
    (text("pk"), text("sk"))
}

fn write_key(request: &WriteRequest) -> Key {
    match (&request.put_request, &request.delete_request) {
        (Some(put), None) => key_of(&put.item),
        (None, Some(delete)) => key_of(&delete.key),
        _ => panic!("a write request is a put or a delete: {request:?}"),
    }
}

/// Fast retries, so that the tests take milliseconds.
fn fast(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    }
}

/// A client whose requests are answered by the first of `rules` that
/// matches (a request no rule matches panics).
///
/// The SDK's own retries are turned off. With them on (standard mode, 3
/// attempts, the default of `BehaviorVersion::latest()`), the SDK resends a
/// request that failed with a throttling or server error
/// (`ProvisionedThroughputExceededException`, `ThrottlingException`,
/// `RequestLimitExceeded`, `InternalServerError`) itself, after its own
/// backoff, before the batch sees the error; and aws-smithy-mocks answers
/// such an SDK-level retry by asking the rule that answered the first
/// attempt for its next response with a placeholder instead of the request.
/// Tried: a rule computing its response from the request then panics
/// ("Input type mismatch in compute_response"), and a `then_error` rule
/// answers 6 times for a batch that made 2 attempts, taking about 4 s. One
/// attempt of the batch would no longer be one request the mock sees,
/// requests could not be counted per round, and the tests would check the
/// SDK's retrying instead of the batch's.
fn client(rules: &[&Rule]) -> aws_sdk_dynamodb::Client {
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |conf| conf
        .retry_config(RetryConfig::disabled()))
}

/// The error metadata a deserialized DynamoDB error carries. The batches'
/// retry rule (`retryable` in runtime/src/sdk.rs) reads the error code from
/// it, as the SDK's deserializers set it for every error; a modeled error
/// built without it would have no code.
fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!("{code} (mocked)"))
        .build()
}

const THROTTLING: [&str; 4] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
];

fn write_error(code: &str) -> BatchWriteItemError {
    let message = format!("{code} (mocked)");
    match code {
        "ProvisionedThroughputExceededException" => BatchWriteItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        "ThrottlingException" => BatchWriteItemError::ThrottlingException(
            ThrottlingException::builder().message(message).meta(meta(code)).build(),
        ),
        "RequestLimitExceeded" => BatchWriteItemError::RequestLimitExceeded(
            RequestLimitExceeded::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        "InternalServerError" => BatchWriteItemError::InternalServerError(
            InternalServerError::builder().message(message).meta(meta(code)).build(),
        ),
        "ResourceNotFoundException" => BatchWriteItemError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        // Not modeled (e.g. ValidationException): an unhandled error with its code.
        _ => BatchWriteItemError::generic(meta(code)),
    }
}

fn get_error(code: &str) -> BatchGetItemError {
    let message = format!("{code} (mocked)");
    match code {
        "ProvisionedThroughputExceededException" => BatchGetItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        "ThrottlingException" => BatchGetItemError::ThrottlingException(
            ThrottlingException::builder().message(message).meta(meta(code)).build(),
        ),
        "RequestLimitExceeded" => BatchGetItemError::RequestLimitExceeded(
            RequestLimitExceeded::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        "InternalServerError" => BatchGetItemError::InternalServerError(
            InternalServerError::builder().message(message).meta(meta(code)).build(),
        ),
        "ResourceNotFoundException" => BatchGetItemError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message(message)
                .meta(meta(code))
                .build(),
        ),
        _ => BatchGetItemError::generic(meta(code)),
    }
}

/// How the mock answers one batch request, given each item (key) it holds
/// with the number of requests that held it before.
enum Reply {
    /// These are left unprocessed; the others are processed.
    Unprocessed(BTreeSet<Key>),
    /// The request fails with this error code; nothing is processed.
    Fail(&'static str),
}

/// Leaves unprocessed the items `left` says.
fn leave(items: &[(Key, u32)], mut left: impl FnMut(&Key, u32) -> bool) -> Reply {
    Reply::Unprocessed(
        items
            .iter()
            .filter(|(key, before)| left(key, *before))
            .map(|(key, _)| key.clone())
            .collect(),
    )
}

/// How many requests holding an item leave it unprocessed: 0 to `rounds`
/// - 1, by its position among the planned keys.
fn stubbornness(keys: impl IntoIterator<Item = Key>, rounds: u32) -> HashMap<Key, u32> {
    keys.into_iter()
        .enumerate()
        .map(|(i, key)| (key, u32::try_from(i).expect("few keys") % rounds))
        .collect()
}

// ---------------------------------------------------------------------------
// Batch writes
// ---------------------------------------------------------------------------

/// One BatchWriteItem request the mock answered.
#[derive(Debug)]
struct WriteCall {
    /// What it held, in order.
    sent: Vec<(Key, WriteRequest)>,
    /// What the mock processed (wrote): nothing when it failed.
    accepted: Vec<Key>,
    /// The error code it failed with.
    error: Option<&'static str>,
}

#[derive(Default)]
struct WriteState {
    /// Requests that held each item so far.
    seen: HashMap<Key, u32>,
    calls: Vec<WriteCall>,
}

type WriteLog = Arc<Mutex<WriteState>>;

/// A BatchWriteItem mock answering every request with `respond(call
/// number, items with their earlier requests)`, and recording it.
fn batch_write_mock(respond: impl Fn(usize, &[(Key, u32)]) -> Reply + Send + Sync + 'static) -> (Rule, WriteLog) {
    let log = WriteLog::default();
    let state = log.clone();
    let rule = mock!(aws_sdk_dynamodb::Client::batch_write_item).then_compute_response(move |input| {
        let tables = input.request_items().expect("request items");
        assert_eq!(tables.len(), 1, "one table per request: {tables:?}");
        let sent: Vec<(Key, WriteRequest)> = tables
            .get(TABLE)
            .expect("requests for the table")
            .iter()
            .map(|request| (write_key(request), request.clone()))
            .collect();
        let mut state = state.lock().unwrap();
        let items: Vec<(Key, u32)> = sent
            .iter()
            .map(|(key, _)| {
                let count = state.seen.entry(key.clone()).or_default();
                *count += 1;
                (key.clone(), *count - 1)
            })
            .collect();
        match respond(state.calls.len(), &items) {
            Reply::Fail(code) => {
                state.calls.push(WriteCall {
                    sent,
                    accepted: Vec::new(),
                    error: Some(code),
                });
                MockResponse::Error(write_error(code))
            }
            Reply::Unprocessed(left) => {
                let unprocessed: Vec<WriteRequest> = sent
                    .iter()
                    .filter(|(key, _)| left.contains(key))
                    .map(|(_, request)| request.clone())
                    .collect();
                let accepted = sent
                    .iter()
                    .filter(|(key, _)| !left.contains(key))
                    .map(|(key, _)| key.clone())
                    .collect();
                state.calls.push(WriteCall {
                    sent,
                    accepted,
                    error: None,
                });
                // DynamoDB answers `"UnprocessedItems": {}` when it wrote everything.
                let mut unprocessed_items = HashMap::new();
                if !unprocessed.is_empty() {
                    unprocessed_items.insert(TABLE.to_owned(), unprocessed);
                }
                MockResponse::Output(
                    BatchWriteItemOutput::builder()
                        .set_unprocessed_items(Some(unprocessed_items))
                        .build(),
                )
            }
        }
    });
    (rule, log)
}

/// What a batch write should do to one item.
#[derive(Debug, Clone, PartialEq)]
enum Planned {
    /// Put this item (without `createdAt` and `updatedAt`, which the batch sets).
    Put(Item),
    /// Delete the item at this key.
    Delete(Item),
}

fn without_timestamps(mut item: Item) -> Item {
    assert!(
        item.contains_key("createdAt") && item.contains_key("updatedAt"),
        "timestamps in {item:?}"
    );
    item.remove("createdAt");
    item.remove("updatedAt");
    item
}

/// The batch's writes, by item, as it should send them.
type Plan = BTreeMap<Key, Planned>;

fn plan_put<E: Unversioned>(batch: &mut BatchWrite<'_>, plan: &mut Plan, item: &E) {
    batch.put(item).expect("put added");
    let stored = item.to_item().expect("item encodes");
    plan.insert(key_of(&stored), Planned::Put(without_timestamps(stored)));
}

fn plan_delete<K>(batch: &mut BatchWrite<'_>, plan: &mut Plan, key: &K)
where
    K: PrimaryKey + Clone + std::fmt::Debug + 'static,
    K::Entity: Unversioned,
{
    batch.delete(key).expect("delete added");
    let stored = key.to_key().expect("key encodes");
    plan.insert(key_of(&stored), Planned::Delete(stored));
}

fn epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(0, 0).expect("epoch")
}

fn issue(number: usize) -> Issue {
    Issue {
        issue_number: format!("{number:04}"),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: format!("user{}", number % 7),
        subject: format!("Issue {number}"),
        body: format!("Body of issue {number}"),
        status: if number % 3 == 0 {
            IssueStatus::Closed
        } else {
            IssueStatus::Open
        },
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn issue_key(number: usize) -> IssueKey {
    issue(number).key()
}

fn user(number: usize) -> User {
    User {
        username: format!("user{number}"),
        full_name: format!("User Number {number}"),
        bio: "Writes code".to_owned(),
        location: "Earth".to_owned(),
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn repository(name: &str) -> Repository {
    Repository {
        counters: ::std::default::Default::default(),
        repo_name: name.to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "octocat".to_owned(),
        about: format!("About {name}"),
        description: format!("Description of {name}"),
        is_private: false,
        default_branch: "main".to_owned(),
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn pull_request(number: usize) -> PullRequest {
    PullRequest {
        pull_request_number: format!("{number:04}"),
        repo_name: "hello-world".to_owned(),
        repo_owner: "octocat".to_owned(),
        username: "user1".to_owned(),
        subject: format!("Pull request {number}"),
        body: format!("Body of pull request {number}"),
        status: IssueStatus::Open,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

/// 40 issue puts, 10 user puts and 12 pull request deletes; issue 0 is put
/// twice and user 3 put then deleted, each time the later request replacing
/// the earlier one: 62 distinct writes, in three requests of at most 25.
fn fill(batch: &mut BatchWrite<'_>) -> Plan {
    let mut plan = Plan::new();
    for n in 0..40 {
        plan_put(batch, &mut plan, &issue(n));
    }
    for n in 0..10 {
        plan_put(batch, &mut plan, &user(n));
    }
    for n in 0..12 {
        plan_delete(batch, &mut plan, &pull_request(n).key());
    }
    let edited = Issue {
        subject: "Edited".to_owned(),
        ..issue(0)
    };
    plan_put(batch, &mut plan, &edited);
    plan_delete(batch, &mut plan, &user(3).key());
    assert_eq!(plan.len(), 62);
    assert_eq!(batch.len(), 62, "a later request for an item replaces the earlier one");
    plan
}

/// What a request sent does, as planned.
fn as_planned(request: &WriteRequest) -> Planned {
    match (&request.put_request, &request.delete_request) {
        (Some(put), None) => Planned::Put(without_timestamps(put.item.clone())),
        (None, Some(delete)) => Planned::Delete(delete.key.clone()),
        _ => panic!("a write request is a put or a delete: {request:?}"),
    }
}

/// A leftover of a batch write: what it holds (a put's item as it would
/// have been written, timestamps included, or a delete's key), after
/// checking its entity and operation match its type.
fn leftover_write(leftover: &Leftover) -> Planned {
    fn put<E: Entity>(leftover: &Leftover) -> Option<Planned> {
        let item = leftover.get::<E>()?;
        assert_eq!(leftover.entity, E::NAME, "{leftover:?}");
        assert_eq!(leftover.operation, Operation::Put, "{leftover:?}");
        Some(Planned::Put(item.to_item().expect("leftover encodes")))
    }
    fn delete<K: PrimaryKey + 'static>(leftover: &Leftover) -> Option<Planned> {
        let key = leftover.get::<K>()?;
        assert_eq!(leftover.entity, K::Entity::NAME, "{leftover:?}");
        assert_eq!(leftover.operation, Operation::Delete, "{leftover:?}");
        Some(Planned::Delete(key.to_key().expect("leftover key encodes")))
    }
    put::<Issue>(leftover)
        .or_else(|| put::<User>(leftover))
        .or_else(|| put::<Repository>(leftover))
        .or_else(|| put::<PullRequest>(leftover))
        .or_else(|| delete::<IssueKey>(leftover))
        .or_else(|| delete::<UserKey>(leftover))
        .or_else(|| delete::<RepositoryKey>(leftover))
        .or_else(|| delete::<PullRequestKey>(leftover))
        .unwrap_or_else(|| panic!("leftover of an unexpected type: {leftover:?}"))
}

/// Zero loss: every request held at most 25 distinct planned writes, as
/// planned, and none already written; every planned write was written by
/// exactly one request or is exactly one leftover, never both, never
/// neither; a leftover holds what was planned (a put: the item as it was
/// sent, with the batch's timestamps, from `written_between`); `written`
/// counts what was written.
fn assert_zero_loss(
    plan: &Plan,
    calls: &[WriteCall],
    written: usize,
    leftovers: &[Leftover],
    written_between: (DateTime<Utc>, DateTime<Utc>),
) {
    let mut accepted: BTreeMap<&Key, usize> = BTreeMap::new();
    let mut last_sent: HashMap<&Key, &WriteRequest> = HashMap::new();
    for (n, call) in calls.iter().enumerate() {
        assert!(
            !call.sent.is_empty() && call.sent.len() <= 25,
            "request {n} holds {} writes",
            call.sent.len()
        );
        let distinct: BTreeSet<&Key> = call.sent.iter().map(|(key, _)| key).collect();
        assert_eq!(distinct.len(), call.sent.len(), "request {n} holds one item twice");
        for (key, request) in &call.sent {
            let planned = plan
                .get(key)
                .unwrap_or_else(|| panic!("request {n} holds {key:?}, which the batch does not"));
            assert_eq!(&as_planned(request), planned, "request {n}, item {key:?}");
            assert!(
                !accepted.contains_key(key),
                "request {n} sends {key:?} again after it was written"
            );
            last_sent.insert(key, request);
        }
        for key in &call.accepted {
            *accepted.entry(key).or_default() += 1;
        }
    }
    let mut left: BTreeMap<Key, usize> = BTreeMap::new();
    for leftover in leftovers {
        let value = leftover_write(leftover);
        let key = match &value {
            Planned::Put(item) | Planned::Delete(item) => key_of(item),
        };
        let planned = plan
            .get(&key)
            .unwrap_or_else(|| panic!("leftover {leftover:?} is not in the batch"));
        match (&value, planned) {
            (Planned::Put(item), Planned::Put(_)) => {
                assert_eq!(&Planned::Put(without_timestamps(item.clone())), planned, "{leftover:?}");
                let (created, updated) = (&item["createdAt"], &item["updatedAt"]);
                assert_eq!(created, updated, "{leftover:?}");
                let at: DateTime<Utc> = created.as_s().expect("timestamp text").parse().expect("timestamp");
                assert!(
                    written_between.0 <= at && at <= written_between.1,
                    "{leftover:?}: timestamps of the batch"
                );
                if let Some(sent) = last_sent.get(&key) {
                    let sent = &sent.put_request.as_ref().expect("a put").item;
                    assert_eq!(sent, item, "a leftover is the item as it was sent");
                }
            }
            (Planned::Delete(_), Planned::Delete(_)) => assert_eq!(&value, planned, "{leftover:?}"),
            _ => panic!("leftover {leftover:?} is not the write planned: {planned:?}"),
        }
        *left.entry(key).or_default() += 1;
    }
    for key in plan.keys() {
        let times_written = accepted.get(key).copied().unwrap_or(0);
        let times_left = left.get(key).copied().unwrap_or(0);
        assert!(
            matches!((times_written, times_left), (1, 0) | (0, 1)),
            "{key:?}: written {times_written} times and {times_left} times a leftover"
        );
    }
    assert_eq!(
        written,
        accepted.values().sum::<usize>(),
        "`written` counts the writes done"
    );
    assert_eq!(written + leftovers.len(), plan.len());
}

/// The requests for each chunk: all requests holding the same first item
/// belong to one chunk when every request of the chunk holds its first
/// item (true when that item is never processed).
fn requests_per_first_item(calls: &[WriteCall]) -> BTreeMap<&Key, usize> {
    let mut counts = BTreeMap::new();
    for call in calls {
        *counts.entry(&call.sent[0].0).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn partially_processed_batches_are_resent_until_every_item_is_written_exactly_once() {
    for concurrency in [1, 3] {
        let keys = Arc::new(Mutex::new(HashMap::new()));
        let stubborn = keys.clone();
        // Round r leaves unprocessed the items planned to be left more than r times.
        let (rule, log) = batch_write_mock(move |_, items| {
            let stubborn = stubborn.lock().unwrap();
            leave(items, |key, before| before < stubborn[key])
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let start = Utc::now();
        let mut batch = db.batch_write();
        let plan = fill(&mut batch);
        *keys.lock().unwrap() = stubbornness(plan.keys().cloned(), 4);
        let outcome = batch
            .retry(fast(5))
            .concurrency(concurrency)
            .send()
            .await
            .expect("batch write");
        let state = log.lock().unwrap();
        assert_zero_loss(
            &plan,
            &state.calls,
            outcome.written,
            &outcome.leftovers,
            (start, Utc::now()),
        );
        assert_eq!(outcome.written, 62, "concurrency {concurrency}");
        assert!(outcome.leftovers.is_empty(), "{:?}", outcome.leftovers);
        // Three chunks, each with items left three times: four requests each.
        assert_eq!(state.calls.len(), 12, "concurrency {concurrency}");
        let subsets: BTreeSet<Vec<&Key>> = state.calls.iter().map(|call| call.accepted.iter().collect()).collect();
        assert_eq!(subsets.len(), 12, "every round processed a different subset");
    }
}

#[tokio::test]
async fn throttled_requests_interleaved_with_partial_successes_are_retried_without_loss() {
    for concurrency in [1, 3] {
        let keys = Arc::new(Mutex::new(HashMap::new()));
        let stubborn = keys.clone();
        // Every item of a chunk has been sent as often as the others still
        // pending: the first, third, fifth … request of a chunk is throttled
        // (each throttling error in turn), the others process some items.
        let throttles = AtomicUsize::new(0);
        let (rule, log) = batch_write_mock(move |_, items| {
            let before = items[0].1;
            assert!(items.iter().all(|(_, b)| *b == before), "pending items sent alike");
            if before % 2 == 0 {
                Reply::Fail(THROTTLING[throttles.fetch_add(1, Ordering::Relaxed) % THROTTLING.len()])
            } else {
                let stubborn = stubborn.lock().unwrap();
                leave(items, |key, before| before < stubborn[key])
            }
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let start = Utc::now();
        let mut batch = db.batch_write();
        let plan = fill(&mut batch);
        *keys.lock().unwrap() = stubbornness(plan.keys().cloned(), 6);
        let outcome = batch
            .retry(fast(8))
            .concurrency(concurrency)
            .send()
            .await
            .expect("throttling is retried, not an error");
        let state = log.lock().unwrap();
        assert_zero_loss(
            &plan,
            &state.calls,
            outcome.written,
            &outcome.leftovers,
            (start, Utc::now()),
        );
        assert_eq!(outcome.written, 62);
        assert!(outcome.leftovers.is_empty(), "{:?}", outcome.leftovers);
        // Per chunk: throttled, some, throttled, more, throttled, the rest.
        assert_eq!(state.calls.len(), 18, "concurrency {concurrency}");
        let throttled: BTreeSet<&str> = state.calls.iter().filter_map(|call| call.error).collect();
        assert_eq!(
            throttled,
            THROTTLING.into_iter().collect(),
            "every throttling error seen"
        );
    }
}

#[tokio::test]
async fn items_still_unprocessed_after_the_last_attempt_are_typed_leftovers() {
    let (rule, log) = batch_write_mock(|_, items| leave(items, |_, _| true));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let start = Utc::now();
    let mut batch = db.batch_write();
    let plan = fill(&mut batch);
    let outcome = batch.retry(fast(5)).send().await.expect("unprocessed is not an error");
    let state = log.lock().unwrap();
    assert_zero_loss(
        &plan,
        &state.calls,
        outcome.written,
        &outcome.leftovers,
        (start, Utc::now()),
    );
    assert_eq!(outcome.written, 0);
    assert_eq!(outcome.leftovers.len(), 62);
    // Exactly `max_attempts` requests per chunk, each the whole chunk.
    assert_eq!(
        requests_per_first_item(&state.calls).into_values().collect::<Vec<_>>(),
        [5, 5, 5]
    );
    let chunks: BTreeSet<Vec<&Key>> = state
        .calls
        .iter()
        .map(|call| call.sent.iter().map(|(key, _)| key).collect())
        .collect();
    assert_eq!(
        chunks.iter().map(Vec::len).collect::<Vec<_>>(),
        [25, 25, 12],
        "each request the whole chunk, every time"
    );

    // Typed: the item as it would have been written (timestamps aside), or the key.
    let edited = outcome
        .leftovers
        .iter()
        .find_map(|l| l.get::<Issue>().filter(|i| i.issue_number == "0000"))
        .expect("issue 0 left over");
    assert_eq!(
        edited,
        &Issue {
            subject: "Edited".to_owned(),
            created_at: edited.created_at,
            updated_at: edited.created_at,
            ..issue(0)
        },
        "the later put of issue 0"
    );
    assert!(edited.created_at >= start);
    let issue_7 = outcome
        .leftovers
        .iter()
        .find_map(|l| l.get::<Issue>().filter(|i| i.issue_number == "0007"))
        .expect("issue 7 left over");
    assert_eq!(
        issue_7,
        &Issue {
            created_at: issue_7.created_at,
            updated_at: issue_7.updated_at,
            ..issue(7)
        }
    );
    let deleted_users: Vec<&UserKey> = outcome.leftovers.iter().filter_map(|l| l.get::<UserKey>()).collect();
    assert_eq!(deleted_users, [&user(3).key()], "user 3's put was replaced by a delete");
    let mut deleted_pull_requests: Vec<&PullRequestKey> = outcome
        .leftovers
        .iter()
        .filter_map(|l| l.get::<PullRequestKey>())
        .collect();
    deleted_pull_requests.sort_by(|a, b| a.pull_request_number.cmp(&b.pull_request_number));
    let expected: Vec<PullRequestKey> = (0..12).map(|n| pull_request(n).key()).collect();
    assert_eq!(deleted_pull_requests, expected.iter().collect::<Vec<_>>());
    assert_eq!(
        outcome.leftovers.iter().filter(|l| l.get::<User>().is_some()).count(),
        9
    );
}

#[tokio::test]
async fn retries_running_out_after_partial_progress_leave_exactly_the_unwritten_items() {
    for concurrency in [1, 3] {
        let keys = Arc::new(Mutex::new(HashMap::new()));
        let stubborn = keys.clone();
        let (rule, log) = batch_write_mock(move |_, items| {
            let stubborn = stubborn.lock().unwrap();
            leave(items, |key, before| before < stubborn[key])
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let start = Utc::now();
        let mut batch = db.batch_write();
        let plan = fill(&mut batch);
        // Every seventh item is never processed, the others after 0 to 3 rounds.
        let mut planned = stubbornness(plan.keys().cloned(), 4);
        let never: BTreeSet<Key> = plan.keys().step_by(7).cloned().collect();
        for key in &never {
            planned.insert(key.clone(), u32::MAX);
        }
        *keys.lock().unwrap() = planned;
        let outcome = batch
            .retry(fast(5))
            .concurrency(concurrency)
            .send()
            .await
            .expect("unprocessed is not an error");
        let state = log.lock().unwrap();
        assert_zero_loss(
            &plan,
            &state.calls,
            outcome.written,
            &outcome.leftovers,
            (start, Utc::now()),
        );
        assert_eq!(outcome.written, 62 - never.len());
        let left: BTreeSet<Key> = outcome
            .leftovers
            .iter()
            .map(|l| match leftover_write(l) {
                Planned::Put(item) | Planned::Delete(item) => key_of(&item),
            })
            .collect();
        assert_eq!(left, never);
        // Every chunk holds a never-processed item: five requests each.
        assert_eq!(state.calls.len(), 15, "concurrency {concurrency}");
    }
}

#[tokio::test]
async fn throttling_on_every_attempt_leaves_everything_over_without_an_error() {
    let (rule, log) = batch_write_mock(|call, _| Reply::Fail(THROTTLING[call % THROTTLING.len()]));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let start = Utc::now();
    let mut batch = db.batch_write();
    let plan = fill(&mut batch);
    let outcome = batch
        .retry(fast(4))
        .concurrency(2)
        .send()
        .await
        .expect("throttling is not an error");
    let state = log.lock().unwrap();
    assert_zero_loss(
        &plan,
        &state.calls,
        outcome.written,
        &outcome.leftovers,
        (start, Utc::now()),
    );
    assert_eq!(outcome.written, 0);
    assert_eq!(outcome.leftovers.len(), 62);
    assert_eq!(
        requests_per_first_item(&state.calls).into_values().collect::<Vec<_>>(),
        [4, 4, 4]
    );
}

/// Checks the error of a batch that failed with `code`, and returns what
/// it carries.
fn batch_error(result: Result<dyngen_runtime::BatchWriteOutcome, Error>, code: &str) -> (usize, Vec<Leftover>) {
    match result {
        Err(Error::Batch {
            operation: Operation::BatchWrite,
            done,
            leftovers,
            source,
        }) => {
            assert!(
                matches!(
                    *source,
                    Error::Sdk {
                        operation: Operation::BatchWrite,
                        ..
                    }
                ),
                "{source:?}"
            );
            assert!(source.to_string().contains(code), "{source}");
            (done, leftovers)
        }
        other => panic!("expected Error::Batch of a batch write, got {other:?}"),
    }
}

#[tokio::test]
async fn a_request_failing_for_good_is_an_error_carrying_everything_not_written() {
    for concurrency in [1, 3] {
        // Issue 30 is in the second chunk (requests 25 to 49); that chunk's
        // first request fails with an error that retrying does not cure.
        let trigger = key_of(&issue(30).to_item().unwrap());
        let (rule, log) = batch_write_mock(move |_, items| {
            if items.iter().any(|(key, _)| *key == trigger) {
                Reply::Fail("ValidationException")
            } else {
                leave(items, |_, _| false)
            }
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let start = Utc::now();
        let mut batch = db.batch_write();
        let plan = fill(&mut batch);
        let result = batch.retry(fast(5)).concurrency(concurrency).send().await;
        let (done, leftovers) = batch_error(result, "ValidationException");
        let state = log.lock().unwrap();
        assert_zero_loss(&plan, &state.calls, done, &leftovers, (start, Utc::now()));
        let failed: Vec<&WriteCall> = state.calls.iter().filter(|c| c.error.is_some()).collect();
        assert_eq!(failed.len(), 1, "a non-retryable error is not retried");
        let failed_chunk: BTreeSet<&Key> = failed[0].sent.iter().map(|(key, _)| key).collect();
        assert_eq!(failed_chunk.len(), 25);
        for leftover in &leftovers {
            let (Planned::Put(item) | Planned::Delete(item)) = leftover_write(leftover);
            let key = key_of(&item);
            let sent = state.calls.iter().any(|c| c.sent.iter().any(|(k, _)| *k == key));
            assert!(
                failed_chunk.contains(&key) || !sent,
                "leftover {key:?}: the failed request's or one not sent"
            );
        }
        assert!(failed_chunk.iter().all(|key| {
            leftovers.iter().any(|l| {
                let (Planned::Put(item) | Planned::Delete(item)) = leftover_write(l);
                key_of(&item) == **key
            })
        }));
    }
}

#[tokio::test]
async fn a_request_failing_for_good_after_partial_progress_counts_what_was_written() {
    for concurrency in [1, 3] {
        // The second chunk (issues 25 to 39, users 0 to 9; issue 31 is its
        // seventh): its first request processes every other item, leaving
        // 13, issue 31 among them; its second fails (the table is gone).
        // The other chunks are fine.
        let trigger = key_of(&issue(31).to_item().unwrap());
        let (rule, log) = batch_write_mock(move |_, items| {
            if items.iter().any(|(key, _)| *key == trigger) {
                if items[0].1 == 0 {
                    let mut every_other = false;
                    leave(items, |key, _| {
                        every_other = !every_other;
                        every_other || *key == trigger
                    })
                } else {
                    Reply::Fail("ResourceNotFoundException")
                }
            } else {
                leave(items, |_, _| false)
            }
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let start = Utc::now();
        let mut batch = db.batch_write();
        let plan = fill(&mut batch);
        let result = batch.retry(fast(5)).concurrency(concurrency).send().await;
        let (done, leftovers) = batch_error(result, "ResourceNotFoundException");
        let state = log.lock().unwrap();
        assert_zero_loss(&plan, &state.calls, done, &leftovers, (start, Utc::now()));
        let failed = state
            .calls
            .iter()
            .find(|c| c.error.is_some())
            .expect("a failed request");
        assert_eq!(failed.sent.len(), 13, "the 13 items the first request left");
        assert_eq!(done, 62 - 13);
        assert_eq!(leftovers.len(), 13);
    }
}

#[tokio::test]
async fn every_request_failing_for_good_leaves_everything_over() {
    let (rule, log) = batch_write_mock(|_, _| Reply::Fail("ItemCollectionSizeLimitExceededException"));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let start = Utc::now();
    let mut batch = db.batch_write();
    let plan = fill(&mut batch);
    let result = batch.retry(fast(5)).concurrency(3).send().await;
    let (done, leftovers) = batch_error(result, "ItemCollectionSizeLimitExceededException");
    let state = log.lock().unwrap();
    assert_zero_loss(&plan, &state.calls, done, &leftovers, (start, Utc::now()));
    assert_eq!(done, 0);
    assert_eq!(leftovers.len(), 62);
    assert!(state.calls.len() <= 3, "no request failing for good is retried");
}

// ---------------------------------------------------------------------------
// Batch gets
// ---------------------------------------------------------------------------

/// One BatchGetItem request the mock answered.
#[derive(Debug)]
struct GetCall {
    sent: Vec<Key>,
    /// The keys the mock processed: their items were returned, if stored.
    /// Nothing when it failed.
    processed: Vec<Key>,
}

#[derive(Default)]
struct GetState {
    seen: HashMap<Key, u32>,
    calls: Vec<GetCall>,
}

type GetLog = Arc<Mutex<GetState>>;

/// A BatchGetItem mock over the items `stored`, answering every request
/// with `respond` like [`batch_write_mock`].
fn batch_get_mock(
    stored: Vec<Item>,
    respond: impl Fn(usize, &[(Key, u32)]) -> Reply + Send + Sync + 'static,
) -> (Rule, GetLog) {
    let stored: HashMap<Key, Item> = stored.into_iter().map(|item| (key_of(&item), item)).collect();
    let log = GetLog::default();
    let state = log.clone();
    let rule = mock!(aws_sdk_dynamodb::Client::batch_get_item).then_compute_response(move |input| {
        let tables = input.request_items().expect("request items");
        assert_eq!(tables.len(), 1, "one table per request: {tables:?}");
        let keys = tables.get(TABLE).expect("keys of the table").keys().to_vec();
        for key in &keys {
            assert_eq!(key.len(), 2, "a key is pk and sk: {key:?}");
        }
        let sent: Vec<Key> = keys.iter().map(key_of).collect();
        let mut state = state.lock().unwrap();
        let items: Vec<(Key, u32)> = sent
            .iter()
            .map(|key| {
                let count = state.seen.entry(key.clone()).or_default();
                *count += 1;
                (key.clone(), *count - 1)
            })
            .collect();
        match respond(state.calls.len(), &items) {
            Reply::Fail(code) => {
                state.calls.push(GetCall {
                    sent,
                    processed: Vec::new(),
                });
                MockResponse::Error(get_error(code))
            }
            Reply::Unprocessed(left) => {
                let processed: Vec<Key> = sent.iter().filter(|key| !left.contains(*key)).cloned().collect();
                let found: Vec<Item> = processed.iter().filter_map(|key| stored.get(key).cloned()).collect();
                let unprocessed: Vec<Item> = keys.iter().filter(|key| left.contains(&key_of(key))).cloned().collect();
                state.calls.push(GetCall { sent, processed });
                let mut unprocessed_keys = HashMap::new();
                if !unprocessed.is_empty() {
                    unprocessed_keys.insert(
                        TABLE.to_owned(),
                        KeysAndAttributes::builder()
                            .set_keys(Some(unprocessed))
                            .build()
                            .expect("keys"),
                    );
                }
                MockResponse::Output(
                    BatchGetItemOutput::builder()
                        .responses(TABLE, found)
                        .set_unprocessed_keys(Some(unprocessed_keys))
                        .build(),
                )
            }
        }
    });
    (rule, log)
}

/// Zero loss for reads: every request held at most 100 distinct keys and
/// none already read; every key was read by exactly one request or is
/// exactly one leftover.
fn assert_every_key_read_once_or_left(keys: &BTreeSet<Key>, calls: &[GetCall], leftovers: &BTreeSet<Key>) {
    let mut read: BTreeMap<&Key, usize> = BTreeMap::new();
    for (n, call) in calls.iter().enumerate() {
        assert!(
            !call.sent.is_empty() && call.sent.len() <= 100,
            "request {n}: {}",
            call.sent.len()
        );
        let distinct: BTreeSet<&Key> = call.sent.iter().collect();
        assert_eq!(distinct.len(), call.sent.len(), "request {n} holds one key twice");
        for key in &call.sent {
            assert!(
                keys.contains(key),
                "request {n} reads {key:?}, which the batch does not"
            );
            assert!(!read.contains_key(key), "request {n} reads {key:?} again");
        }
        for key in &call.processed {
            *read.entry(key).or_default() += 1;
        }
    }
    for key in keys {
        let times_read = read.get(key).copied().unwrap_or(0);
        let left = leftovers.contains(key);
        assert!(
            matches!((times_read, left), (1, false) | (0, true)),
            "{key:?}: read {times_read} times, leftover: {left}"
        );
    }
}

fn leftover_issue_keys(leftovers: &[Leftover]) -> BTreeSet<Key> {
    leftovers
        .iter()
        .map(|l| {
            assert_eq!(l.operation, Operation::BatchGet, "{l:?}");
            assert_eq!(l.entity, "Issue", "{l:?}");
            key_of(&l.get::<IssueKey>().expect("an IssueKey").to_key().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn unprocessed_keys_are_resent_until_every_key_is_read_exactly_once() {
    for (concurrency, throttle) in [(1, false), (3, false), (1, true), (3, true)] {
        let issues: Vec<Issue> = (0..120).map(issue).collect();
        let users: Vec<User> = (0..10).map(user).collect();
        let mut stored: Vec<Item> = issues.iter().map(|i| i.to_item().unwrap()).collect();
        stored.extend(users.iter().map(|u| u.to_item().unwrap()));
        let keys: BTreeSet<Key> = stored.iter().map(key_of).collect();
        let stubborn = stubbornness(stored.iter().map(key_of), 4);
        // Partial rounds leave the keys planned to be left more often; with
        // `throttle`, every other request of a chunk is throttled.
        let throttles = AtomicUsize::new(0);
        let (rule, log) = batch_get_mock(stored, move |_, items| {
            let before = items[0].1;
            if throttle && before % 2 == 0 {
                return Reply::Fail(THROTTLING[throttles.fetch_add(1, Ordering::Relaxed) % THROTTLING.len()]);
            }
            let round = if throttle { before / 2 } else { before };
            leave(items, |key, _| round < stubborn[key])
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let mut get = db.batch_get();
        let issue_tickets: Vec<_> = issues.iter().map(|i| get.get(&i.key()).expect("key")).collect();
        let user_tickets: Vec<_> = users.iter().map(|u| get.get(&u.key()).expect("key")).collect();
        let again = get.get(&issue_key(5)).expect("key");
        let result = get
            .retry(fast(8))
            .concurrency(concurrency)
            .send()
            .await
            .expect("batch get");
        assert!(result.is_complete(), "{:?}", result.leftovers());
        for (ticket, issue) in issue_tickets.into_iter().zip(&issues) {
            assert_eq!(result.get(ticket).expect("read"), Some(issue));
        }
        for (ticket, user) in user_tickets.into_iter().zip(&users) {
            assert_eq!(result.get(ticket).expect("read"), Some(user));
        }
        assert_eq!(
            result.get(again).expect("read"),
            Some(&issues[5]),
            "a key asked for twice"
        );
        assert_eq!(result.items::<Issue>().count(), 120);
        let state = log.lock().unwrap();
        assert_every_key_read_once_or_left(&keys, &state.calls, &BTreeSet::new());
        // Two chunks (100 and 30 keys), four partial rounds each, and as many
        // throttled requests.
        let expected = if throttle { 16 } else { 8 };
        assert_eq!(
            state.calls.len(),
            expected,
            "concurrency {concurrency}, throttle {throttle}"
        );
    }
}

#[tokio::test]
async fn a_key_without_an_item_is_none_not_a_leftover() {
    // Issues 0 to 9 are stored, 10 to 19 are not; DynamoDB processes every
    // key, and returns the items there are.
    let stored: Vec<Item> = (0..10).map(|n| issue(n).to_item().unwrap()).collect();
    let (rule, log) = batch_get_mock(stored, |_, items| leave(items, |_, _| false));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let mut get = db.batch_get();
    let tickets: Vec<_> = (0..20).map(|n| get.get(&issue_key(n)).expect("key")).collect();
    let result = get.retry(fast(5)).send().await.expect("batch get");
    assert_eq!(log.lock().unwrap().calls.len(), 1, "every key processed at once");
    assert!(
        result.leftovers().is_empty(),
        "keys DynamoDB processed are not leftovers: {:?}",
        result.leftovers()
    );
    for (n, ticket) in tickets.into_iter().enumerate() {
        match result.get(ticket) {
            Ok(found) => assert_eq!(found, (n < 10).then(|| issue(n)).as_ref(), "issue {n}"),
            Err(error) => panic!("issue {n}: {error}"),
        }
    }
}

#[tokio::test]
async fn keys_still_unprocessed_after_the_last_attempt_are_typed_leftovers() {
    for concurrency in [1, 2] {
        let issues: Vec<Issue> = (0..150).map(issue).collect();
        let stored: Vec<Item> = issues.iter().map(|i| i.to_item().unwrap()).collect();
        let keys: BTreeSet<Key> = stored.iter().map(key_of).collect();
        // Every eleventh issue is never read; the others after 0 to 2 rounds.
        let never: BTreeSet<usize> = (0..150).step_by(11).collect();
        let mut stubborn = stubbornness(stored.iter().map(key_of), 3);
        for &n in &never {
            stubborn.insert(key_of(&stored[n]), u32::MAX);
        }
        let (rule, log) = batch_get_mock(stored, move |_, items| {
            leave(items, |key, before| before < stubborn[key])
        });
        let db = Vcs::new(client(&[&rule]), TABLE);
        let mut get = db.batch_get();
        let tickets: Vec<_> = issues.iter().map(|i| get.get(&i.key()).expect("key")).collect();
        let result = get
            .retry(fast(4))
            .concurrency(concurrency)
            .send()
            .await
            .expect("unprocessed is not an error");
        assert!(!result.is_complete());
        for (n, ticket) in tickets.into_iter().enumerate() {
            if never.contains(&n) {
                assert!(
                    matches!(
                        result.get(ticket),
                        Err(Error::Unprocessed {
                            entity: "Issue",
                            operation: Operation::BatchGet
                        })
                    ),
                    "issue {n}: {:?}",
                    result.get(ticket)
                );
            } else {
                assert_eq!(result.get(ticket).expect("read"), Some(&issues[n]), "issue {n}");
            }
        }
        let left = leftover_issue_keys(result.leftovers());
        let expected: BTreeSet<Key> = never.iter().map(|&n| key_of(&issue_key(n).to_key().unwrap())).collect();
        assert_eq!(left, expected);
        let mut typed: Vec<&IssueKey> = result.leftovers().iter().filter_map(|l| l.get::<IssueKey>()).collect();
        typed.sort_by(|a, b| a.issue_number.cmp(&b.issue_number));
        let expected_keys: Vec<IssueKey> = never.iter().map(|&n| issue_key(n)).collect();
        assert_eq!(typed, expected_keys.iter().collect::<Vec<_>>(), "the keys as given");
        let state = log.lock().unwrap();
        assert_every_key_read_once_or_left(&keys, &state.calls, &left);
        // Both chunks hold a key never read: `max_attempts` requests each.
        assert_eq!(state.calls.len(), 8, "concurrency {concurrency}");
        assert_eq!(result.items::<Issue>().count(), 150 - never.len());
    }
}

#[tokio::test]
async fn a_get_request_failing_for_good_is_an_error_carrying_the_unread_keys() {
    let issues: Vec<Issue> = (0..150).map(issue).collect();
    let stored: Vec<Item> = issues.iter().map(|i| i.to_item().unwrap()).collect();
    let keys: BTreeSet<Key> = stored.iter().map(key_of).collect();
    // The second chunk (keys 100 to 149): a first round reads half of it,
    // the second request fails.
    let trigger = key_of(&stored[120]);
    let (rule, log) = batch_get_mock(stored, move |_, items| {
        if items.iter().any(|(key, _)| *key == trigger) {
            if items[0].1 == 0 {
                leave(items, |key, _| key.1 >= trigger.1)
            } else {
                Reply::Fail("ValidationException")
            }
        } else {
            leave(items, |_, _| false)
        }
    });
    let db = Vcs::new(client(&[&rule]), TABLE);
    let mut get = db.batch_get();
    for issue in &issues {
        get.get(&issue.key()).expect("key");
    }
    let result = get.retry(fast(5)).send().await;
    let (done, leftovers) = match result {
        Err(Error::Batch {
            operation: Operation::BatchGet,
            done,
            leftovers,
            source,
        }) => {
            assert!(source.to_string().contains("ValidationException"), "{source}");
            (done, leftovers)
        }
        other => panic!(
            "expected Error::Batch of a batch get, got {:?}",
            other.map(|r| r.leftovers().len())
        ),
    };
    let left = leftover_issue_keys(&leftovers);
    let expected: BTreeSet<Key> = (120..150).map(|n| key_of(&issue_key(n).to_key().unwrap())).collect();
    assert_eq!(left, expected, "the keys the failed request held");
    assert_eq!(done, 120);
    assert_every_key_read_once_or_left(&keys, &log.lock().unwrap().calls, &left);
}

// ---------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------

/// A TransactWriteItems mock canceling every transaction with `reasons`
/// (code, with the stored item for ConditionalCheckFailed); it records the
/// actions sent.
fn canceling_mock(reasons: Vec<(&'static str, Option<Item>)>) -> (Rule, Arc<Mutex<Vec<Vec<TransactWriteItem>>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sent = log.clone();
    let rule = mock!(aws_sdk_dynamodb::Client::transact_write_items).then_compute_response(move |input| {
        sent.lock().unwrap().push(input.transact_items().to_vec());
        let codes: Vec<&str> = reasons.iter().map(|(code, _)| *code).collect();
        let reasons = reasons
            .iter()
            .map(|(code, item)| {
                let reason = CancellationReason::builder().code(*code).set_item(item.clone());
                match *code {
                    "None" => reason,
                    "ValidationError" => reason.message("One or more parameter values were invalid"),
                    _ => reason.message(format!("{code} (mocked)")),
                }
                .build()
            })
            .collect();
        MockResponse::Error(TransactWriteItemsError::TransactionCanceledException(
            TransactionCanceledException::builder()
                .message(format!(
                    "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                    codes.join(", ")
                ))
                .set_cancellation_reasons(Some(reasons))
                .meta(meta("TransactionCanceledException"))
                .build(),
        ))
    });
    (rule, log)
}

fn canceled(result: Result<(), Error>) -> Vec<CanceledAction> {
    match result {
        Err(Error::TransactionCanceled {
            operation: Operation::TransactWrite,
            actions,
        }) => actions,
        other => panic!("expected a canceled transaction, got {other:?}"),
    }
}

/// The kinds of actions of a request, in order.
fn action_kinds(items: &[TransactWriteItem]) -> Vec<&'static str> {
    items
        .iter()
        .map(|item| match item {
            TransactWriteItem { put: Some(_), .. } => "put",
            TransactWriteItem { update: Some(_), .. } => "update",
            TransactWriteItem { delete: Some(_), .. } => "delete",
            TransactWriteItem {
                condition_check: Some(_),
                ..
            } => "check",
            _ => panic!("an empty action: {item:?}"),
        })
        .collect()
}

const EVERY_REASON: [&str; 8] = [
    "None",
    "ConditionalCheckFailed",
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "ItemCollectionSizeLimitExceeded",
    "ValidationError",
    "RequestLimitExceeded",
];

fn every_reason(stored: Option<Item>) -> Vec<(&'static str, Option<Item>)> {
    EVERY_REASON
        .into_iter()
        .map(|code| {
            (
                code,
                (code == "ConditionalCheckFailed").then(|| stored.clone()).flatten(),
            )
        })
        .collect()
}

/// Checks the actions 2 to 7 of a transaction canceled with
/// [`EVERY_REASON`] and built like [`eight_actions`].
fn assert_other_reasons(actions: &[CanceledAction]) {
    let rest: Vec<(usize, &str, Operation)> = actions[1..]
        .iter()
        .map(|a| (a.position, a.entity, a.operation))
        .collect();
    assert_eq!(
        rest,
        [
            (2, "Issue", Operation::Update),
            (3, "PullRequest", Operation::Delete),
            (4, "Repository", Operation::ConditionCheck),
            (5, "Repository", Operation::Put),
            (6, "Issue", Operation::Upsert),
            (7, "PullRequest", Operation::Create),
        ]
    );
    assert!(
        matches!(actions[1].reason, CancelReason::TransactionConflict),
        "{:?}",
        actions[1]
    );
    assert!(
        matches!(&actions[2].reason, CancelReason::Throttled { code } if code == "ThrottlingError"),
        "{:?}",
        actions[2]
    );
    assert!(
        matches!(&actions[3].reason, CancelReason::Throttled { code } if code == "ProvisionedThroughputExceeded"),
        "{:?}",
        actions[3]
    );
    assert!(
        matches!(actions[4].reason, CancelReason::ItemCollectionSizeLimitExceeded),
        "{:?}",
        actions[4]
    );
    assert!(
        matches!(&actions[5].reason, CancelReason::Validation { message } if message == "One or more parameter values were invalid"),
        "{:?}",
        actions[5]
    );
    assert!(
        matches!(&actions[6].reason, CancelReason::Throttled { code } if code == "RequestLimitExceeded"),
        "{:?}",
        actions[6]
    );
}

/// A stored version of issue 1, as another writer left it.
fn stored_issue_1() -> Issue {
    Issue {
        subject: "Written by someone else".to_owned(),
        status: IssueStatus::Closed,
        created_at: DateTime::from_timestamp(1_700_000_000, 5).unwrap(),
        updated_at: DateTime::from_timestamp(1_700_000_100, 7).unwrap(),
        ..issue(1)
    }
}

#[tokio::test]
async fn every_cancellation_reason_is_reported_at_its_position_and_a_failed_create_is_already_exists() {
    let stored = stored_issue_1();
    let (rule, log) = canceling_mock(every_reason(Some(stored.to_item().unwrap())));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let (new_issue, new_repository, new_pull_request) = (issue(1), repository("rust"), pull_request(9));
    let result = db
        .transact_write()
        .put(db.users().put(&user(1)))
        .put(db.issues().create(&new_issue))
        .update(db.issues().update(&issue_key(2)).set_status(IssueStatus::Closed))
        .delete(db.pull_requests().delete(&pull_request(3).key()))
        .check(&repository("hello-world").key(), |a| a.is_private.eq(false))
        .put(db.repositories().put(&new_repository))
        .put(db.issues().upsert(&issue(6)))
        .put(db.pull_requests().create(&new_pull_request))
        .send()
        .await;
    let error_text = result.as_ref().map_err(ToString::to_string).err();
    let actions = canceled(result);
    assert_eq!(
        action_kinds(&log.lock().unwrap()[0]),
        ["put", "put", "update", "delete", "check", "put", "update", "put"],
        "the actions in order"
    );
    assert_eq!(actions.len(), 7, "`None` is not a cause: {actions:?}");
    assert_eq!(
        (actions[0].position, actions[0].entity, actions[0].operation),
        (1, "Issue", Operation::Create)
    );
    assert!(
        matches!(&actions[0].reason, CancelReason::Refused(error) if matches!(**error, Error::AlreadyExists { entity: "Issue" })),
        "{:?}",
        actions[0]
    );
    assert_other_reasons(&actions);
    let error_text = error_text.expect("an error");
    assert!(
        error_text.contains("action 1 (create of Issue): Issue already exists"),
        "{error_text}"
    );
    assert!(!error_text.contains("action 0"), "{error_text}");
}

#[tokio::test]
async fn a_failed_update_condition_in_a_transaction_carries_the_stored_item() {
    let stored = stored_issue_1();
    let (rule, _) = canceling_mock(every_reason(Some(stored.to_item().unwrap())));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let (new_repository, new_pull_request) = (repository("rust"), pull_request(9));
    let result = db
        .transact_write()
        .put(db.users().put(&user(1)))
        .update(
            db.issues()
                .update(&issue_key(1))
                .set_subject("Mine")
                .condition(|a| a.status.eq(IssueStatus::Open)),
        )
        .update(db.issues().update(&issue_key(2)).set_status(IssueStatus::Closed))
        .delete(db.pull_requests().delete(&pull_request(3).key()))
        .check(&repository("hello-world").key(), |a| a.is_private.eq(false))
        .put(db.repositories().put(&new_repository))
        .put(db.issues().upsert(&issue(6)))
        .put(db.pull_requests().create(&new_pull_request))
        .send()
        .await;
    let actions = canceled(result);
    assert_eq!(actions.len(), 7, "{actions:?}");
    assert_eq!(
        (actions[0].position, actions[0].entity, actions[0].operation),
        (1, "Issue", Operation::Update)
    );
    match &actions[0].reason {
        CancelReason::Refused(error) => {
            assert!(
                matches!(
                    **error,
                    Error::ConditionFailed {
                        entity: "Issue",
                        operation: Operation::Update,
                        ..
                    }
                ),
                "{error:?}"
            );
            assert_eq!(error.current::<Issue>(), Some(&stored), "the stored item, decoded");
        }
        other => panic!("expected Refused(ConditionFailed), got {other:?}"),
    }
    assert_other_reasons(&actions);
}

#[tokio::test]
async fn a_failed_update_of_a_missing_item_in_a_transaction_is_not_found() {
    // DynamoDB returns no item when there is none.
    let (rule, _) = canceling_mock(every_reason(None));
    let db = Vcs::new(client(&[&rule]), TABLE);
    let (new_repository, new_pull_request) = (repository("rust"), pull_request(9));
    let result = db
        .transact_write()
        .put(db.users().put(&user(1)))
        .update(db.issues().update(&issue_key(1)).set_subject("Mine"))
        .update(db.issues().update(&issue_key(2)).set_status(IssueStatus::Closed))
        .delete(db.pull_requests().delete(&pull_request(3).key()))
        .check(&repository("hello-world").key(), |a| a.is_private.eq(false))
        .put(db.repositories().put(&new_repository))
        .put(db.issues().upsert(&issue(6)))
        .put(db.pull_requests().create(&new_pull_request))
        .send()
        .await;
    let actions = canceled(result);
    assert!(
        matches!(&actions[0].reason, CancelReason::Refused(error) if matches!(**error, Error::NotFound { entity: "Issue" })),
        "{:?}",
        actions[0]
    );
    assert_eq!(actions[0].position, 1);
    assert_other_reasons(&actions);
}
