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
use crate::error::{Current, Error, Operation};
use crate::ops::{retryable, sdk_error};
use crate::retry::RetryPolicy;
use crate::size::check_item_size;
use crate::table::Table;
use crate::Item;
use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

/// DynamoDB's limits per request.
pub const BATCH_GET_MAX: usize = 100;
pub const BATCH_WRITE_MAX: usize = 25;

/// Entities written without a version check: batch writes cannot carry
/// conditions, so only these can be put or deleted in a batch (a versioned
/// entity is a compile error there). Generated code implements it for every
/// entity without a `version`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a version, which a batch write cannot check",
    label = "a versioned entity in a batch write",
    note = "put or delete it with a transaction (`transact_write`) or a single write, which check the version"
)]
pub trait Unversioned: Entity {}

/// The table key of an item (partition and sort key, each as its type and
/// text), which tells two requests for one item apart.
pub(crate) type ItemKey = (String, String);

pub(crate) fn item_key(table: &Table, item: &Item) -> ItemKey {
    use aws_sdk_dynamodb::types::AttributeValue;
    let def = table.def();
    // Typed, so that `N` 1 and `S` "1" (or two `N` keys) never read as one.
    let text = |field: Option<&str>| match field.and_then(|f| item.get(f)) {
        Some(AttributeValue::S(s)) => format!("S{s}"),
        Some(AttributeValue::N(n)) => format!("N{n}"),
        Some(AttributeValue::B(b)) => format!("B{}", crate::key::hex_text(b.as_ref())),
        _ => String::new(),
    };
    (text(Some(def.pk)), text(def.sk))
}

/// A key or item a batch could not read or write: after every retry, or
/// because its request failed. [`Leftover::get`] gives it back typed.
pub struct Leftover {
    pub entity: &'static str,
    /// `BatchGet` (a key), `Put` (an item as it would have been written) or
    /// `Delete` (a key).
    pub operation: Operation,
    value: Current,
}

impl Leftover {
    /// The key or item, if it is a `T`: `leftover.get::<UserKey>()`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.value.get()
    }
}

impl fmt::Debug for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Leftover({} of {}: {:?})", self.operation, self.entity, self.value)
    }
}

/// A typed handle on one key of a [`BatchGet`] (or a transactional get):
/// what its result is looked up with.
pub struct Ticket<E> {
    slot: usize,
    entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Ticket<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Ticket<E> {}

impl<E> fmt::Debug for Ticket<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ticket({})", self.slot)
    }
}

/// One distinct key to read.
pub(crate) struct GetSlot {
    pub(crate) entity: &'static str,
    pub(crate) key: Item,
    /// The key as given, for leftovers.
    original: Current,
    /// Reads the stored item: checks its entity tag and decodes it.
    decode: fn(Item, &str) -> Result<Current, Error>,
}

/// The distinct keys of a read, in the order first asked for.
#[derive(Default)]
pub(crate) struct GetSlots {
    pub(crate) slots: Vec<GetSlot>,
    positions: HashMap<ItemKey, usize>,
}

impl GetSlots {
    pub(crate) fn add<K>(&mut self, table: &Table, key: &K) -> Result<Ticket<K::Entity>, Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
    {
        let item = key.to_key()?;
        let id = item_key(table, &item);
        let slot = match self.positions.get(&id) {
            Some(&slot) => slot,
            None => {
                self.slots.push(GetSlot {
                    entity: K::Entity::NAME,
                    key: item,
                    original: Current::new(key.clone()),
                    decode: |item, tag| crate::entity::read_entity::<K::Entity>(item, tag).map(Current::new),
                });
                self.positions.insert(id, self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        Ok(Ticket {
            slot,
            entity: PhantomData,
        })
    }

    pub(crate) fn position(&self, key: &ItemKey) -> Option<usize> {
        self.positions.get(key).copied()
    }

    /// Records read items in `results`.
    pub(crate) fn record(&self, table: &Table, results: &mut [Fetched], items: Vec<Item>) {
        for item in items {
            if let Some(slot) = self.position(&item_key(table, &item)) {
                results[slot] = if table.is_expired(&item) {
                    Fetched::Missing
                } else {
                    match (self.slots[slot].decode)(item, table.def().entity_tag) {
                        Ok(value) => Fetched::Found(value),
                        Err(error) => Fetched::Invalid(error),
                    }
                };
            }
        }
    }

    pub(crate) fn into_result(self, results: Vec<Fetched>) -> GetResult {
        let mut leftovers = Vec::new();
        let mut slots = Vec::with_capacity(results.len());
        for (slot, fetched) in self.slots.into_iter().zip(results) {
            if let Fetched::Unread = fetched {
                leftovers.push(Leftover {
                    entity: slot.entity,
                    operation: Operation::BatchGet,
                    value: slot.original,
                });
                slots.push((slot.entity, Fetched::Unread));
            } else {
                slots.push((slot.entity, fetched));
            }
        }
        GetResult { slots, leftovers }
    }
}

/// What became of one key.
pub(crate) enum Fetched {
    Found(Current),
    Missing,
    /// Stored, but another entity's or not decodable.
    Invalid(Error),
    /// Not read: still unprocessed after every retry.
    Unread,
}

/// The items a batch or transactional get read, looked up by [`Ticket`].
pub struct GetResult {
    slots: Vec<(&'static str, Fetched)>,
    leftovers: Vec<Leftover>,
}

impl GetResult {
    /// The item of `ticket`: `Ok(None)` when there is none (or it has
    /// expired); [`Error::Unprocessed`] when DynamoDB did not read it after
    /// every retry (its key is among [`GetResult::leftovers`]);
    /// [`Error::Decode`] when the stored item does not decode, and
    /// [`Error::WrongEntity`] when it is another entity's.
    pub fn get<E: 'static>(&self, ticket: Ticket<E>) -> Result<Option<&E>, Error> {
        let Some((entity, fetched)) = self.slots.get(ticket.slot) else {
            return Ok(None);
        };
        match fetched {
            Fetched::Found(value) => Ok(value.get()),
            Fetched::Missing => Ok(None),
            Fetched::Invalid(error) => Err(crate::query::duplicate(error)),
            Fetched::Unread => Err(Error::Unprocessed {
                entity,
                operation: Operation::BatchGet,
            }),
        }
    }

    /// Every item found that is an `E`, in the order their keys were first
    /// added. A stored item that could not be read (another entity's item
    /// under the key, or one that does not decode) is not among them: it is
    /// in [`GetResult::unreadable`], never dropped silently.
    pub fn items<E: 'static>(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().filter_map(|(_, fetched)| match fetched {
            Fetched::Found(value) => value.get(),
            _ => None,
        })
    }

    /// Why each stored item that could not be read was not:
    /// [`Error::WrongEntity`] or [`Error::Decode`], in the order their keys
    /// were first added. Empty when every item found was read.
    pub fn unreadable(&self) -> impl Iterator<Item = &Error> {
        self.slots.iter().filter_map(|(_, fetched)| match fetched {
            Fetched::Invalid(error) => Some(error),
            _ => None,
        })
    }

    /// The keys that were not read after every retry, typed by
    /// [`Leftover::get`]; empty when everything was read.
    pub fn leftovers(&self) -> &[Leftover] {
        &self.leftovers
    }

    /// Whether every key was read.
    pub fn is_complete(&self) -> bool {
        self.leftovers.is_empty()
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

    /// Adds a key; the ticket looks up its item in the result. Fails only
    /// when the key cannot be encoded (too long, invalid composite).
    pub fn get<K>(&mut self, key: &K) -> Result<Ticket<K::Entity>, Error>
    where
        K: PrimaryKey + Clone + fmt::Debug + 'static,
    {
        self.keys.add(self.table, key)
    }

    /// How unprocessed keys are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How many requests may run at once (at least 1, the default).
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = requests.max(1);
        self
    }

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
        let chunks: Vec<Vec<usize>> = (0..keys.slots.len())
            .collect::<Vec<_>>()
            .chunks(BATCH_GET_MAX)
            .map(<[usize]>::to_vec)
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
            keys_ref.record(table, &mut results, outcome.items);
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
    let mut outcome = ReadOutcome {
        items: Vec::new(),
        processed: Vec::new(),
        error: None,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let request = KeysAndAttributes::builder()
            .set_keys(Some(pending.iter().map(|&i| keys.slots[i].key.clone()).collect()))
            .set_consistent_read(consistent.then_some(true))
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
                    .filter_map(|key| keys.position(&item_key(table, key)))
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

    /// How unprocessed items are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How many requests of 25 may run at once (at least 1, the default):
    /// for bulk loads.
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = requests.max(1);
        self
    }

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
