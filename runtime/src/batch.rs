//! Batch reads and writes across entities: any number of keys or items,
//! split into requests of DynamoDB's sizes, what DynamoDB leaves unprocessed
//! retried with backoff, and whatever still could not be done handed back
//! typed. Nothing is dropped silently.
//!
//! ```ignore
//! let mut get = db.batch_get();
//! let user = get.get(&UserKey { username: "octocat".into() })?;
//! let repo = get.get(&RepositoryKey { repo_owner: "octocat".into(), repo_name: "hello-world".into() })?;
//! let found = get.send().await?;
//! let user: Option<&User> = found.get(user)?;
//! ```

use crate::entity::{Entity, PrimaryKey};
pub use crate::error::Leftover;
use crate::error::{Current, Error, Operation};
use crate::retry::RetryPolicy;
use crate::sdk::{retryable, sdk_error};
use crate::size::check_item_size;
use crate::slots::{item_key, Fetched, GetSlots, ItemKey};
pub use crate::slots::{GetResult, Ticket};
use crate::table::Table;
use crate::Item;
use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use std::collections::HashMap;
use std::fmt;

/// DynamoDB's limits per request.
pub const BATCH_GET_MAX: usize = 100;
pub const BATCH_WRITE_MAX: usize = 25;

/// Entities written without a check: batch writes cannot carry conditions
/// or guard items, so only these can be put or deleted in a batch (a
/// versioned entity, or one with unique attributes, is a compile error
/// there). Generated code implements it for every entity with neither a
/// `version` nor a `unique` attribute.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a version or unique attributes, which a batch write cannot check",
    label = "a versioned entity, or one with unique attributes, in a batch write",
    note = "put or delete it with a transaction (`transact_write`) or a single write, which check the version and keep unique values' guard items"
)]
pub trait Unversioned: Entity {}

/// A batch's `retry` and `concurrency` settings (with their docs), over its
/// `policy` and `concurrency` fields.
macro_rules! retry_and_concurrency {
    ($retry:literal, $concurrency:literal) => {
        #[doc = $retry]
        pub fn retry(mut self, policy: RetryPolicy) -> Self {
            self.policy = policy;
            self
        }

        #[doc = $concurrency]
        pub fn concurrency(mut self, requests: usize) -> Self {
            self.concurrency = requests.max(1);
            self
        }
    };
}

impl Table {
    /// A batch read of items of any entities.
    pub fn batch_get(&self) -> BatchGet<'_> {
        BatchGet::new(self)
    }

    /// A batch of puts and deletes of items of any unversioned entities.
    pub fn batch_write(&self) -> BatchWrite<'_> {
        BatchWrite::new(self)
    }
}

/// Reads many items of any entities, by key.
///
/// Keys are deduplicated (a key added twice is read once; both tickets see
/// it) and sent in requests of 100; keys DynamoDB leaves unprocessed are
/// sent again after a backoff ([`RetryPolicy`]), and the ones still unread
/// after the last attempt are [`GetResult::leftovers`]. Expired items are
/// missing, as for every read.
#[must_use = "a batch does nothing until it is sent"]
pub struct BatchGet<'t> {
    table: &'t Table,
    keys: GetSlots,
    policy: RetryPolicy,
    concurrency: usize,
    consistent: bool,
}

impl<'t> BatchGet<'t> {
    pub(crate) fn new(table: &'t Table) -> Self {
        BatchGet {
            table,
            keys: GetSlots::default(),
            policy: RetryPolicy::default(),
            concurrency: 1,
            consistent: false,
        }
    }

    crate::slots::slot_methods!(
        "Keys asking for different projections go in different requests, since a request projects all its keys alike."
    );

    retry_and_concurrency!(
        "How unprocessed keys are retried.",
        "How many requests may run at once (at least 1, the default)."
    );

    /// Strongly consistent reads.
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads everything. A request that fails for another reason than
    /// throttling ends its chunk (the other chunks are still read) and
    /// makes the result [`Error::Batch`], which carries the keys not read.
    pub async fn send(self) -> Result<GetResult, Error> {
        let BatchGet {
            table,
            keys,
            policy,
            concurrency,
            consistent,
        } = self;
        let mut results: Vec<Fetched> = keys.slots.iter().map(|_| Fetched::Unread).collect();
        let chunks: Vec<Vec<usize>> = keys
            .groups()
            .iter()
            .flat_map(|group| group.chunks(BATCH_GET_MAX).map(<[usize]>::to_vec))
            .collect();
        let keys_ref = &keys;
        let mut outcomes = futures::stream::iter(chunks)
            .map(|chunk| read_chunk(table, keys_ref, chunk, policy, consistent))
            .buffer_unordered(concurrency);
        let mut failure = None;
        while let Some(outcome) = outcomes.next().await {
            for slot in outcome.processed {
                results[slot] = Fetched::Missing;
            }
            keys_ref.record(table, &mut results, outcome.items, outcome.asked);
            if failure.is_none() {
                failure = outcome.error;
            }
        }
        drop(outcomes);
        let read = results.iter().filter(|r| !matches!(r, Fetched::Unread)).count();
        let result = keys.into_result(results);
        match failure {
            Some(source) => Err(Error::Batch {
                operation: Operation::BatchGet,
                done: read,
                leftovers: result.leftovers,
                source: Box::new(source),
            }),
            None => Ok(result),
        }
    }
}

/// What reading one chunk of keys came to.
struct ReadOutcome {
    /// What the chunk's keys asked for.
    asked: crate::slots::Asked,
    /// The items read.
    items: Vec<Item>,
    /// The slots DynamoDB processed: read, or found to have no item.
    processed: Vec<usize>,
    /// The error that ended the chunk early, if one did.
    error: Option<Error>,
}

/// Reads one chunk of at most 100 keys, retrying unprocessed ones.
async fn read_chunk(
    table: &Table,
    keys: &GetSlots,
    mut pending: Vec<usize>,
    policy: RetryPolicy,
    consistent: bool,
) -> ReadOutcome {
    let asked = pending.first().and_then(|&i| keys.slots[i].asked);
    let mut outcome = ReadOutcome {
        asked,
        items: Vec::new(),
        processed: Vec::new(),
        error: None,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut aliases = crate::expr::Aliases::new();
        let projection = asked.map(|p| table.projection_expression(p.meta, p.attributes, &mut aliases));
        let request = KeysAndAttributes::builder()
            .set_keys(Some(pending.iter().map(|&i| keys.slots[i].key.clone()).collect()))
            .set_consistent_read(consistent.then_some(true))
            .set_projection_expression(projection)
            .set_expression_attribute_names(aliases.into_maps().0)
            .build();
        let request = match request {
            Ok(request) => request,
            Err(error) => {
                outcome.error = Some(Error::sdk("items", Operation::BatchGet, error));
                return outcome;
            }
        };
        let result = table
            .client()
            .batch_get_item()
            .request_items(table.name(), request)
            .send()
            .await;
        match result {
            Ok(mut output) => {
                let items = output
                    .responses
                    .as_mut()
                    .and_then(|r| r.remove(table.name()))
                    .unwrap_or_default();
                outcome.items.extend(items);
                let unprocessed: std::collections::HashSet<usize> = output
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(table.name()))
                    .map(|k| k.keys)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|key| keys.position(&item_key(table, key), asked))
                    .collect();
                // A key not handed back was read; no item means none stored.
                let (left, done): (Vec<usize>, Vec<usize>) = pending.into_iter().partition(|i| unprocessed.contains(i));
                outcome.processed.extend(done);
                pending = left;
                if pending.is_empty() {
                    return outcome;
                }
            }
            Err(err) if retryable(&err) => {}
            Err(err) => {
                outcome.error = Some(sdk_error("items", Operation::BatchGet, err));
                return outcome;
            }
        }
        if attempt >= policy.max_attempts {
            return outcome;
        }
        tokio::time::sleep(policy.delay(attempt)).await;
    }
}

/// One distinct item to put or key to delete.
struct WriteOp {
    entity: &'static str,
    operation: Operation,
    request: WriteRequest,
    /// The item as written, or the key, for leftovers.
    value: Current,
}

/// What a batch write did.
#[derive(Debug)]
pub struct BatchWriteOutcome {
    /// Puts and deletes that were carried out.
    pub written: usize,
    /// The ones still unprocessed after every retry, typed by
    /// [`Leftover::get`] (the item as it would have been written, or the
    /// key); empty when everything was written.
    pub leftovers: Vec<Leftover>,
}

/// Puts and deletes of many items of any (unversioned) entities.
///
/// A later put or delete of the same item replaces an earlier one in the
/// batch (DynamoDB refuses two requests for one item in a batch, and "the
/// last write wins" is what the same calls one by one would leave). Items
/// are sent in requests of 25; what DynamoDB leaves unprocessed is sent
/// again after a backoff ([`RetryPolicy`]); what is still unprocessed after
/// the last attempt is returned in [`BatchWriteOutcome::leftovers`]. Size
/// and key limits are checked when an item is added. Puts set `createdAt`
/// and `updatedAt` like [`crate::EntityClient::put`].
#[must_use = "a batch does nothing until it is sent"]
pub struct BatchWrite<'t> {
    table: &'t Table,
    ops: Vec<WriteOp>,
    positions: HashMap<ItemKey, usize>,
    policy: RetryPolicy,
    concurrency: usize,
    now: DateTime<Utc>,
}

impl<'t> BatchWrite<'t> {
    pub(crate) fn new(table: &'t Table) -> Self {
        BatchWrite {
            table,
            ops: Vec::new(),
            positions: HashMap::new(),
            policy: RetryPolicy::default(),
            concurrency: 1,
            now: Utc::now(),
        }
    }

    fn push(&mut self, key: ItemKey, op: WriteOp) {
        match self.positions.get(&key) {
            Some(&i) => self.ops[i] = op,
            None => {
                self.positions.insert(key, self.ops.len());
                self.ops.push(op);
            }
        }
    }

    /// Adds a put of `item` (replacing any earlier request for the same
    /// item). Fails when the item is over 400 KB or a key over its limit.
    pub fn put<E: Unversioned>(&mut self, item: &E) -> Result<(), Error> {
        let mut written = item.clone();
        written.touch(self.now);
        let stored = written.to_item()?;
        check_item_size(E::NAME, &stored)?;
        let key = item_key(self.table, &stored);
        let request = PutRequest::builder()
            .set_item(Some(stored))
            .build()
            .map_err(|e| Error::sdk(E::NAME, Operation::BatchWrite, e))?;
        self.push(
            key,
            WriteOp {
                entity: E::NAME,
                operation: Operation::Put,
                request: WriteRequest::builder().put_request(request).build(),
                value: Current::new(written),
            },
        );
        Ok(())
    }

    /// Adds a delete of the item at `key` (replacing any earlier request
    /// for the same item).
    pub fn delete<K>(&mut self, key: &K) -> Result<(), Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
        K::Entity: Unversioned,
    {
        let stored = key.to_key()?;
        let id = item_key(self.table, &stored);
        let request = DeleteRequest::builder()
            .set_key(Some(stored))
            .build()
            .map_err(|e| Error::sdk(K::Entity::NAME, Operation::BatchWrite, e))?;
        self.push(
            id,
            WriteOp {
                entity: K::Entity::NAME,
                operation: Operation::Delete,
                request: WriteRequest::builder().delete_request(request).build(),
                value: Current::new(key.clone()),
            },
        );
        Ok(())
    }

    /// How many distinct puts and deletes the batch holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    retry_and_concurrency!(
        "How unprocessed items are retried.",
        "How many requests of 25 may run at once (at least 1, the default): for bulk loads."
    );

    /// Writes everything. A request that fails for another reason than
    /// throttling ends its chunk (the other chunks are still written) and
    /// makes the result [`Error::Batch`], which carries everything not
    /// written: the failed requests' items and any leftovers of the others.
    pub async fn send(self) -> Result<BatchWriteOutcome, Error> {
        let BatchWrite {
            table,
            ops,
            policy,
            concurrency,
            ..
        } = self;
        let mut chunks: Vec<Vec<WriteOp>> = Vec::new();
        for op in ops {
            match chunks.last_mut() {
                Some(chunk) if chunk.len() < BATCH_WRITE_MAX => chunk.push(op),
                _ => chunks.push(vec![op]),
            }
        }
        let mut outcomes = futures::stream::iter(chunks)
            .map(|chunk| write_chunk(table, chunk, policy))
            .buffer_unordered(concurrency);
        let mut written = 0;
        let mut leftovers = Vec::new();
        let mut failure = None;
        while let Some(outcome) = outcomes.next().await {
            written += outcome.written;
            leftovers.extend(outcome.left.into_iter().map(|op| Leftover {
                entity: op.entity,
                operation: op.operation,
                value: op.value,
            }));
            if failure.is_none() {
                failure = outcome.error;
            }
        }
        match failure {
            Some(source) => Err(Error::Batch {
                operation: Operation::BatchWrite,
                done: written,
                leftovers,
                source: Box::new(source),
            }),
            None => Ok(BatchWriteOutcome { written, leftovers }),
        }
    }
}

struct ChunkOutcome {
    written: usize,
    left: Vec<WriteOp>,
    error: Option<Error>,
}

/// Writes one chunk of at most 25 requests, retrying unprocessed ones.
async fn write_chunk(table: &Table, mut pending: Vec<WriteOp>, policy: RetryPolicy) -> ChunkOutcome {
    let mut written = 0;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let requests: Vec<WriteRequest> = pending.iter().map(|op| op.request.clone()).collect();
        let result = table
            .client()
            .batch_write_item()
            .request_items(table.name(), requests)
            .send()
            .await;
        match result {
            Ok(output) => {
                let unprocessed = output
                    .unprocessed_items
                    .and_then(|mut u| u.remove(table.name()))
                    .unwrap_or_default();
                let left: std::collections::HashSet<ItemKey> =
                    unprocessed.iter().map(|r| request_key(table, r)).collect();
                let before = pending.len();
                pending.retain(|op| left.contains(&request_key(table, &op.request)));
                written += before - pending.len();
                if pending.is_empty() {
                    return ChunkOutcome {
                        written,
                        left: pending,
                        error: None,
                    };
                }
            }
            Err(err) if retryable(&err) => {}
            Err(err) => {
                let entity = pending.first().map_or("items", |op| op.entity);
                return ChunkOutcome {
                    written,
                    left: pending,
                    error: Some(sdk_error(entity, Operation::BatchWrite, err)),
                };
            }
        }
        if attempt >= policy.max_attempts {
            return ChunkOutcome {
                written,
                left: pending,
                error: None,
            };
        }
        tokio::time::sleep(policy.delay(attempt)).await;
    }
}

/// The item a write request is about.
fn request_key(table: &Table, request: &WriteRequest) -> ItemKey {
    if let Some(put) = &request.put_request {
        item_key(table, &put.item)
    } else if let Some(delete) = &request.delete_request {
        item_key(table, &delete.key)
    } else {
        (String::new(), String::new())
    }
}
