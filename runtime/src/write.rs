//! Writes: put, create, upsert, update and delete, with typed conditions,
//! optimistic locking and maintained timestamps.
//!
//! Every builder is awaited directly (`db.users().put(&user).await?`) or
//! first given a condition. What each write does, exactly, is in
//! `docs/writes.md`; the rules in short:
//!
//! - `put` replaces the item; `create` only writes a new one; `upsert`
//!   writes the whole item but keeps an existing `createdAt`; `update`
//!   changes some attributes of an existing item; `delete` removes it.
//! - `createdAt`/`updatedAt` are set by the write, not taken from the value.
//! - The version a write is given is the one it expects stored (0: none);
//!   it writes that version + 1.
//! - A refused write reads the stored item in the same request
//!   (`ReturnValuesOnConditionCheckFailure`) and says why: `NotFound`,
//!   `AlreadyExists`, `VersionConflict` or `ConditionFailed`.

use crate::condition::{Comparator, Condition, Node, Operand};
use crate::entity::{Entity, EntityMeta, PrimaryKey};
use crate::error::{Current, Error, Operation};
use crate::expr::{Aliases, Names, Path, Values};
use crate::sdk::{condition_failed, sdk_error};
use crate::size::check_item_size;
use crate::table::{Expiry, Table};
use crate::value::{AttributeCodec, SetElement};
use crate::Item;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::future::{Future, IntoFuture};
use std::pin::Pin;

pub(crate) mod unique;
use unique::{UniqueChange, UniqueValue};

/// The future of an awaited write builder.
pub type WriteFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// What the stored item must be like for a write to go ahead, besides the
/// caller's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existence {
    /// No requirement (`put`, `upsert`, `delete`).
    Any,
    /// The item must not exist (`create`).
    Absent,
    /// The item must exist (`update`, `delete_existing`, versioned `delete`).
    Present,
}

/// The parts every conditional write shares.
#[derive(Debug, Clone)]
struct Guard {
    existence: Existence,
    /// The version the stored item must have (0: none stored).
    expected_version: Option<i128>,
    condition: Option<Node>,
    /// `upsert`'s readonly attributes with the values it writes (`None`:
    /// none): an existing item must already hold the same.
    readonly: Vec<(&'static str, Option<AttributeValue>)>,
    /// The maps and lists nested updates write into, each with the path it
    /// writes: they must be stored (DynamoDB refuses a path into nothing),
    /// and a refusal names the first that is not.
    parents: Vec<(Path, Path)>,
    /// Set when the condition was rendered for an entity with a TTL on a
    /// table that hides expired items: the rule the condition applied, so a
    /// refusal judges the returned item by the same clock.
    expiry: Option<Expiry>,
}

impl Guard {
    fn new(existence: Existence) -> Self {
        Guard {
            existence,
            expected_version: None,
            condition: None,
            readonly: Vec::new(),
            parents: Vec::new(),
            expiry: None,
        }
    }

    fn add_condition(&mut self, node: Node) {
        self.condition = Some(Node::all_of(self.condition.take(), node));
    }

    /// The condition expression, or `None` when the write is unconditional.
    /// `now` is the write's clock: the time it writes, and the one its
    /// expiry checks judge by.
    fn render(
        &mut self,
        meta: &EntityMeta,
        table: &Table,
        aliases: &mut Aliases,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, Error> {
        // Only the write's own checks (existence, version, readonly) judge
        // expiry; a caller's condition sees the stored item as it is.
        let judged = self.existence != Existence::Any
            || (self.expected_version.is_some() && meta.maintained.version.is_some())
            || !self.readonly.is_empty();
        self.expiry = meta
            .maintained
            .ttl
            .and(table.expiry_filter())
            .filter(|_| judged)
            .map(|field| Expiry::new(field, now));
        // An expired item counts as absent: DynamoDB deletes it within days,
        // and reads already leave it out, so `create` may replace it and
        // `update` does not revive it.
        let conditions = self.expiry.map(|expiry| expiry.conditions(aliases));
        let (expired, live) = conditions.map_or((None, None), |c| (Some(c.expired), Some(c.live)));
        let mut parts = Vec::new();
        match self.existence {
            Existence::Any => {}
            Existence::Absent => {
                let pk = aliases.name(table.def().pk);
                parts.push(match &expired {
                    Some(expired) => format!("(attribute_not_exists({pk}) OR {expired})"),
                    None => format!("attribute_not_exists({pk})"),
                });
            }
            Existence::Present => {
                parts.push(format!("attribute_exists({})", aliases.name(table.def().pk)));
                parts.extend(live.clone());
            }
        }
        if let (Some(expected), Some(field)) = (self.expected_version, meta.maintained.version) {
            let name = aliases.name(field);
            let value = aliases.value(AttributeValue::N(expected.to_string()));
            // Under `Present` the item is already required to be live.
            let unchecked = self.existence == Existence::Any;
            if expected == 0 {
                // Version 0 is "never written": no item, one from before the
                // entity had a version, or an expired one.
                let expired = expired
                    .clone()
                    .filter(|_| unchecked)
                    .map(|e| format!(" OR {e}"))
                    .unwrap_or_default();
                parts.push(format!("(attribute_not_exists({name}) OR {name} = {value}{expired})"));
            } else {
                parts.push(format!("{name} = {value}"));
                parts.extend(live.filter(|_| unchecked));
            }
        }
        // A readonly attribute may be given any value by a new (or expired)
        // item, or one stored before it had the attribute; an existing one
        // must already hold the value.
        for (field, value) in &self.readonly {
            let pk = aliases.name(table.def().pk);
            let name = aliases.name(field);
            let mut alternatives = vec![format!("attribute_not_exists({pk})")];
            alternatives.extend(expired.clone());
            alternatives.push(format!("attribute_not_exists({name})"));
            if let Some(value) = value {
                alternatives.push(format!("{name} = {}", aliases.value(value.clone())));
            }
            parts.push(format!("({})", alternatives.join(" OR ")));
        }
        for (parent, _) in &self.parents {
            parts.push(format!("attribute_exists({})", aliases.path(parent)));
        }
        if let Some(condition) = &self.condition {
            parts.push(format!("({})", condition.render(meta.name, aliases)?));
        }
        Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
    }

    /// Why a conditional write was refused, from the stored item the
    /// request returned.
    fn refused(&self, meta: &EntityMeta, operation: Operation, stored: Option<Item>) -> Error {
        let current = stored
            .filter(|item| !item.is_empty())
            // An expired item was judged absent by the condition.
            .filter(|item| !self.expiry.is_some_and(|expiry| expiry.expired(item)));
        // The first map or list a nested update writes into that the item
        // does not store.
        let missing_parent = current
            .as_ref()
            .and_then(|item| self.parents.iter().find(|(parent, _)| parent.find(item).is_none()));
        let missing_parent = missing_parent.map(|(parent, path)| Error::InvalidPath {
            entity: meta.name,
            path: path.to_string(),
            reason: format!(
                "`{parent}` is not stored, and DynamoDB cannot write inside it; set `{parent}` (or the whole attribute) first"
            ),
        });
        // A stored item that does not decode is kept as it is: the write
        // was still refused, and says why.
        let (current, found) = match current {
            None => (None, Some(0)),
            Some(item) => {
                let stored_version = stored_version(meta, &item);
                match (meta.decode_current)(item.clone()) {
                    Ok((decoded, found)) => (Some(decoded), found),
                    Err(error) => (Some(Current::new_undecodable(item, error)), stored_version),
                }
            }
        };
        match (current, self.existence) {
            (None, Existence::Present) => Error::NotFound { entity: meta.name },
            (Some(_), Existence::Absent) => Error::AlreadyExists { entity: meta.name },
            (current, _) => match self.expected_version {
                Some(expected) if found != Some(expected) => Error::VersionConflict {
                    entity: meta.name,
                    operation,
                    expected,
                    found: found.unwrap_or(0),
                    current,
                },
                _ if missing_parent.is_some() => missing_parent.unwrap_or(Error::NotFound { entity: meta.name }),
                _ => Error::ConditionFailed {
                    entity: meta.name,
                    operation,
                    current,
                },
            },
        }
    }
}

/// The version stored in `item`, read without decoding the rest (0 when it
/// has none, as for a decoded item); `None` for an entity without one, or a
/// version that is not a number.
fn stored_version(meta: &EntityMeta, item: &Item) -> Option<i128> {
    let field = meta.maintained.version?;
    match item.get(field) {
        None => Some(0),
        Some(AttributeValue::N(n)) => n.parse().ok(),
        Some(_) => None,
    }
}

/// Decodes the item DynamoDB returned from a write it applied. When that
/// fails the write still happened: [`Error::WrittenUndecodable`] says so
/// and carries the item, so a caller does not take it for a failed write.
fn decode_written<E: Entity>(operation: Operation, item: Item) -> Result<E, Error> {
    // `from_item` consumes the item it decodes, so the error's copy is made
    // up front: one copy of the returned item per update or upsert (measured
    // in docs/performance.md). Avoiding it needs a decoder that can hand the
    // item back, which generated `from_item` is not.
    match E::from_item(item.clone()) {
        Ok(decoded) => Ok(decoded),
        Err(source) => Err(Error::WrittenUndecodable {
            entity: E::NAME,
            operation,
            item: Box::new(item),
            source,
        }),
    }
}

/// How [`Put`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PutMode {
    Put,
    Create,
    Upsert,
}

/// `put`, `create` or `upsert` of one item; await it, or add a condition
/// first. Resolves to the item as written.
#[must_use = "a write does nothing until it is awaited"]
pub struct Put<'a, E: Entity> {
    table: &'a Table,
    item: std::borrow::Cow<'a, E>,
    mode: PutMode,
    guard: Guard,
}

impl<'a, E: Entity> Put<'a, E> {
    pub(crate) fn replace(table: &'a Table, item: std::borrow::Cow<'a, E>) -> Self {
        Self::new(table, item, PutMode::Put, Existence::Any)
    }

    pub(crate) fn create(table: &'a Table, item: std::borrow::Cow<'a, E>) -> Self {
        Self::new(table, item, PutMode::Create, Existence::Absent)
    }

    pub(crate) fn upsert(table: &'a Table, item: std::borrow::Cow<'a, E>) -> Self {
        Self::new(table, item, PutMode::Upsert, Existence::Any)
    }

    fn new(table: &'a Table, item: std::borrow::Cow<'a, E>, mode: PutMode, existence: Existence) -> Self {
        let mut guard = Guard::new(existence);
        // `create` needs no version check: there is no stored item.
        if mode != PutMode::Create {
            guard.expected_version = item.version();
        }
        Put {
            table,
            item,
            mode,
            guard,
        }
    }

    /// Writes only if `build` (given the entity's attributes) holds for the
    /// stored item; otherwise [`Error::ConditionFailed`] with that item.
    /// Several conditions must all hold.
    pub fn condition(mut self, build: impl FnOnce(&E::Attributes) -> Condition<E>) -> Self {
        self.guard.add_condition(build(&E::attributes()).into_node());
        self
    }

    fn operation(&self) -> Operation {
        match self.mode {
            PutMode::Put => Operation::Put,
            PutMode::Create => Operation::Create,
            PutMode::Upsert => Operation::Upsert,
        }
    }

    /// The value to store: timestamps set to now, the version incremented.
    fn written(&self, now: DateTime<Utc>) -> Result<E, Error> {
        let mut written = E::clone(&self.item);
        written.touch(now);
        if let Some(version) = self.item.version() {
            let next = if self.mode == PutMode::Create { 1 } else { version + 1 };
            written.set_version(next)?;
        }
        Ok(written)
    }

    /// The request and the value it writes: timestamps set to `now`, the
    /// version incremented.
    pub(crate) fn prepare(self, now: DateTime<Utc>) -> Result<(Prepared, E), Error> {
        let operation = self.operation();
        let written = self.written(now)?;
        let mut item = written.to_item()?;
        check_item_size(E::NAME, &item)?;
        let mut aliases = Aliases::new();
        let mut guard = self.guard;
        if self.mode == PutMode::Upsert {
            guard.readonly = E::READONLY
                .iter()
                .map(|&field| (field, item.get(field).cloned()))
                .collect();
        }
        let condition = guard.render(E::META, self.table, &mut aliases, now)?;
        let unique = (!E::UNIQUE.is_empty()).then(|| {
            let fields = unique::unique_fields(E::META, &item);
            if self.mode == PutMode::Create {
                UniqueChange::Create(fields)
            } else {
                UniqueChange::Replace(fields)
            }
        });
        let request = if self.mode == PutMode::Upsert {
            let key = take_key(self.table, &mut item);
            Request::Update {
                key,
                expression: Some(upsert_expression(E::META, item, &mut aliases)),
            }
        } else {
            Request::Put(item)
        };
        let prepared = Prepared {
            unique,
            ..Prepared::new(E::META, operation, request, condition, aliases, guard)
        };
        Ok((prepared, written))
    }

    pub async fn send(self) -> Result<E, Error> {
        let table = self.table;
        let (prepared, written) = self.prepare(Utc::now())?;
        match prepared.send(table).await? {
            // `upsert` answers with the item as stored (it keeps `createdAt`).
            Some(stored) => decode_written(Operation::Upsert, stored),
            None => Ok(written),
        }
    }
}

impl<'a, E: Entity> IntoFuture for Put<'a, E> {
    type Output = Result<E, Error>;
    type IntoFuture = WriteFuture<'a, E>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The table's primary key attributes, taken out of `item`.
fn take_key(table: &Table, item: &mut Item) -> Item {
    let def = table.def();
    let mut key = Item::with_capacity(2);
    for field in std::iter::once(def.pk).chain(def.sk) {
        if let Some(value) = item.remove(field) {
            key.insert(field.to_owned(), value);
        }
    }
    key
}

/// `upsert`'s UpdateExpression: every attribute of `item` (the key taken
/// out) set, `createdAt` only if absent, every other attribute the entity
/// may store removed.
fn upsert_expression(meta: &EntityMeta, item: Item, aliases: &mut Aliases) -> String {
    let absent: Vec<&str> = meta.stored.iter().copied().filter(|f| !item.contains_key(*f)).collect();
    let mut update = UpdateExpression::default();
    // Sorted, so the same value gives the same expression.
    let item: BTreeMap<String, AttributeValue> = item.into_iter().collect();
    for (field, value) in item {
        let name = aliases.name(&field);
        let value = aliases.value(value);
        if meta.maintained.created_at == Some(field.as_str()) {
            update.set.push(format!("{name} = if_not_exists({name}, {value})"));
        } else {
            update.set.push(format!("{name} = {value}"));
        }
    }
    for field in absent {
        update.remove.push(aliases.name(field));
    }
    update.text()
}

/// A request builder (of a single write or a transaction's action) with the
/// table, the write's condition and placeholders, and the stored item
/// returned if the condition fails: the part every kind of write shares.
///
/// The stored item is asked for only when there is a condition to fail:
/// an unconditional write cannot be refused.
macro_rules! guarded {
    // A transaction's prepared action, which may be sent again: copied.
    ($builder:expr, $table:expr, copy $action:expr) => {
        guarded!(
            $builder,
            $table,
            $action.condition.clone(),
            $action.names.clone(),
            $action.values.clone()
        )
    };
    ($builder:expr, $table:expr, $condition:expr, $names:expr, $values:expr) => {{
        let condition: ::std::option::Option<::std::string::String> = $condition;
        let refusal_returns = condition
            .is_some()
            .then_some(::aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld);
        $builder
            .table_name($table.name())
            .set_condition_expression(condition)
            .set_expression_attribute_names($names)
            .set_expression_attribute_values($values)
            .set_return_values_on_condition_check_failure(refusal_returns)
    }};
}

/// What a prepared write sends.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    Put(Item),
    Update {
        key: Item,
        expression: Option<String>,
    },
    Delete(Item),
    /// A transaction's condition check.
    Check(Item),
}

/// One write, ready to send alone or as an action of a transaction: the
/// request, its expressions, and what tells a refusal's reason.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) entity: &'static str,
    pub(crate) operation: Operation,
    pub(crate) request: Request,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<Names>,
    pub(crate) values: Option<Values>,
    /// An update that answers with the item as it was (`ALL_OLD`).
    pub(crate) return_old: bool,
    guard: Guard,
    /// The entity written: what a refusal decodes the stored item as.
    meta: &'static EntityMeta,
    /// For an entity with unique sets: what the write changes of their
    /// values, which its guard items follow (`unique`).
    pub(crate) unique: Option<UniqueChange>,
}

impl Prepared {
    fn new(
        meta: &'static EntityMeta,
        operation: Operation,
        request: Request,
        condition: Option<String>,
        aliases: Aliases,
        guard: Guard,
    ) -> Self {
        let (names, values) = aliases.into_maps();
        Prepared {
            entity: meta.name,
            operation,
            request,
            condition,
            names,
            values,
            return_old: false,
            guard,
            meta,
            unique: None,
        }
    }

    /// A condition check of a transaction: `condition` on the item at `key`.
    pub(crate) fn check<E: Entity>(table: &Table, key: Item, condition: Condition<E>) -> Result<Self, Error> {
        let mut guard = Guard::new(Existence::Any);
        guard.add_condition(condition.into_node());
        let mut aliases = Aliases::new();
        let rendered = guard.render(E::META, table, &mut aliases, Utc::now())?;
        Ok(Prepared::new(
            E::META,
            Operation::ConditionCheck,
            Request::Check(key),
            rendered,
            aliases,
            guard,
        ))
    }

    /// The table key of the item the write is about, for telling two writes
    /// of one item apart.
    pub(crate) fn item_key(&self, table: &Table) -> crate::slots::ItemKey {
        let key = match &self.request {
            Request::Put(item) => item,
            Request::Update { key, .. } | Request::Delete(key) | Request::Check(key) => key,
        };
        crate::slots::item_key(table, key)
    }

    /// The entity written.
    pub(crate) fn meta(&self) -> &'static EntityMeta {
        self.meta
    }

    /// Why the write was refused, from the stored item returned with the refusal.
    pub(crate) fn refused(&self, stored: Option<Item>) -> Error {
        self.guard.refused(self.meta, self.operation, stored)
    }

    /// Sends the write: alone, or with the guard items of its entity's
    /// unique sets in one transaction. `Some(item)` for writes that answer
    /// with the stored item (updates and upserts).
    async fn send(self, table: &Table) -> Result<Option<Item>, Error> {
        if self.unique.is_some() {
            return unique::send(table, self).await;
        }
        self.send_alone(table).await
    }

    /// Sends the write alone, moving its parts into the request (nothing is
    /// copied). `Some(item)` for writes that answer with the stored item
    /// (UpdateItem).
    async fn send_alone(self, table: &Table) -> Result<Option<Item>, Error> {
        let client = table.client();
        let Prepared {
            entity,
            operation,
            request,
            condition,
            names,
            values,
            return_old,
            guard,
            meta,
            unique: _,
        } = self;
        let refusal = Refusal {
            entity,
            operation,
            guard,
            meta,
        };
        match request {
            Request::Put(item) => {
                let result = guarded!(client.put_item(), table, condition, names, values)
                    .set_item(Some(item))
                    .send()
                    .await;
                refusal.check(result).map(|_| None)
            }
            Request::Update { key, expression } => {
                let result = guarded!(client.update_item(), table, condition, names, values)
                    .set_key(Some(key))
                    .set_update_expression(expression)
                    .return_values(if return_old {
                        ReturnValue::AllOld
                    } else {
                        ReturnValue::AllNew
                    })
                    .send()
                    .await;
                refusal
                    .check(result)
                    .map(|output| Some(output.attributes.unwrap_or_default()))
            }
            Request::Delete(key) => {
                let result = guarded!(client.delete_item(), table, condition, names, values)
                    .set_key(Some(key))
                    .send()
                    .await;
                refusal.check(result).map(|_| None)
            }
            // Condition checks exist only in transactions.
            Request::Check(_) => Ok(None),
        }
    }
}

/// The `TransactWriteItem` of a prepared write.
pub(crate) fn transact_item(
    table: &Table,
    action: &Prepared,
) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, Error> {
    use aws_sdk_dynamodb::types::{
        ConditionCheck, Delete as SdkDelete, Put as SdkPut, TransactWriteItem, Update as SdkUpdate,
    };
    let invalid = |e| Error::sdk(action.entity, action.operation, e);
    let item = TransactWriteItem::builder();
    let item = match &action.request {
        Request::Put(stored) => item.put(
            guarded!(SdkPut::builder(), table, copy action)
                .set_item(Some(stored.clone()))
                .build()
                .map_err(invalid)?,
        ),
        // A transaction's update needs an expression; an update of nothing
        // (no setters, no `updatedAt`, no version) becomes a check.
        Request::Update {
            key,
            expression: Some(expression),
        } => item.update(
            guarded!(SdkUpdate::builder(), table, copy action)
                .set_key(Some(key.clone()))
                .update_expression(expression)
                .build()
                .map_err(invalid)?,
        ),
        Request::Delete(key) => item.delete(
            guarded!(SdkDelete::builder(), table, copy action)
                .set_key(Some(key.clone()))
                .build()
                .map_err(invalid)?,
        ),
        Request::Update { key, expression: None } | Request::Check(key) => item.condition_check(
            guarded!(ConditionCheck::builder(), table, copy action)
                .set_key(Some(key.clone()))
                .build()
                .map_err(invalid)?,
        ),
    };
    Ok(item.build())
}

/// What tells why a single write was refused, once its request is sent.
struct Refusal {
    entity: &'static str,
    operation: Operation,
    guard: Guard,
    meta: &'static EntityMeta,
}

impl Refusal {
    /// The result of the request: a refused condition says why (from the
    /// stored item the request returned); other failures are [`Error::Sdk`].
    fn check<O, Failure>(&self, result: Result<O, SdkError<Failure>>) -> Result<O, Error>
    where
        Failure: StoredItem + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(output) => Ok(output),
            Err(err) if condition_failed(&err) => Err(self.guard.refused(self.meta, self.operation, stored_item(err))),
            Err(err) => Err(sdk_error(self.entity, self.operation, err)),
        }
    }
}

/// The stored item a refused conditional write returned.
fn stored_item<E, R>(err: SdkError<E, R>) -> Option<Item>
where
    E: StoredItem,
{
    match err {
        SdkError::ServiceError(context) => context.into_err().stored_item(),
        _ => None,
    }
}

/// The operation errors that carry the item of a failed condition.
pub(crate) trait StoredItem {
    fn stored_item(self) -> Option<Item>;
}

macro_rules! stored_item {
    ($($error:path),*) => {$(
        impl StoredItem for $error {
            fn stored_item(self) -> Option<Item> {
                match self {
                    Self::ConditionalCheckFailedException(e) => e.item,
                    _ => None,
                }
            }
        }
    )*};
}

stored_item!(
    aws_sdk_dynamodb::operation::put_item::PutItemError,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError
);

/// The clauses of an UpdateExpression.
#[derive(Debug, Default)]
struct UpdateExpression {
    set: Vec<String>,
    remove: Vec<String>,
    add: Vec<String>,
    delete: Vec<String>,
}

impl UpdateExpression {
    fn text(&self) -> String {
        let mut text = String::new();
        for (keyword, clauses) in [
            ("SET", &self.set),
            ("REMOVE", &self.remove),
            ("ADD", &self.add),
            ("DELETE", &self.delete),
        ] {
            if !clauses.is_empty() {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(keyword);
                text.push(' ');
                text.push_str(&clauses.join(", "));
            }
        }
        text
    }
}

/// `delete` of one item; await it, or add a condition first.
#[must_use = "a write does nothing until it is awaited"]
pub struct Delete<'a, E: Entity> {
    table: &'a Table,
    key: Result<Item, Error>,
    guard: Guard,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<'a, E: Entity> Delete<'a, E> {
    pub(crate) fn new<K: PrimaryKey<Entity = E>>(table: &'a Table, key: &K, must_exist: bool) -> Self {
        Delete {
            table,
            key: key.to_key(),
            guard: Guard::new(if must_exist { Existence::Present } else { Existence::Any }),
            entity: std::marker::PhantomData,
        }
    }

    /// Deletes only if the stored version is `expected`; otherwise
    /// [`Error::VersionConflict`] (or [`Error::NotFound`]). Generated
    /// clients of versioned entities require it.
    pub fn expect_version(mut self, expected: i128) -> Self {
        self.guard.existence = Existence::Present;
        self.guard.expected_version = Some(expected);
        self
    }

    /// Deletes only if `build` holds for the stored item.
    pub fn condition(mut self, build: impl FnOnce(&E::Attributes) -> Condition<E>) -> Self {
        self.guard.add_condition(build(&E::attributes()).into_node());
        self
    }

    pub(crate) fn prepare(self) -> Result<Prepared, Error> {
        let key = self.key?;
        let mut aliases = Aliases::new();
        let mut guard = self.guard;
        let condition = guard.render(E::META, self.table, &mut aliases, Utc::now())?;
        let prepared = Prepared::new(
            E::META,
            Operation::Delete,
            Request::Delete(key),
            condition,
            aliases,
            guard,
        );
        Ok(Prepared {
            unique: (!E::UNIQUE.is_empty()).then_some(UniqueChange::Delete),
            ..prepared
        })
    }

    pub async fn send(self) -> Result<(), Error> {
        let table = self.table;
        self.prepare()?.send(table).await?;
        Ok(())
    }
}

impl<'a, E: Entity> IntoFuture for Delete<'a, E> {
    type Output = Result<(), Error>;
    type IntoFuture = WriteFuture<'a, ()>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// What an update does to one attribute.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Set(AttributeValue),
    SetIfAbsent(AttributeValue),
    Add(AttributeValue),
    Subtract(AttributeValue),
    Append(AttributeValue),
    Prepend(AttributeValue),
    AddElements(AttributeValue),
    DeleteElements(AttributeValue),
    Remove,
}

/// A generated update builder's runtime part (`IssueUpdate` holds one):
/// the generated setters decide which attributes and key attributes
/// change; this collects them (the setters of [`RawUpdate`], reached
/// through `Deref`) and runs the request. The item must exist.
///
/// One action per attribute: a later setter of the same attribute replaces
/// an earlier one (DynamoDB rejects two actions on one path).
#[derive(Debug)]
pub struct Update<'a, E: Entity> {
    raw: RawUpdate<'a>,
    entity: std::marker::PhantomData<fn() -> E>,
}

/// The untyped part of an [`Update`]: everything but the entity's type,
/// so that it is compiled once, not once per entity.
#[derive(Debug)]
pub struct RawUpdate<'a> {
    table: &'a Table,
    meta: &'static EntityMeta,
    key: Result<Item, Error>,
    actions: BTreeMap<&'static str, Action>,
    /// The range conditions of integer `add`/`subtract` actions, by
    /// attribute: replaced together with their action.
    bounds: BTreeMap<&'static str, Node>,
    /// Actions inside attributes (`shipTo.city`), in the order given; one
    /// per path.
    nested: Vec<(Path, Action)>,
    guard: Guard,
    now: DateTime<Utc>,
    /// The first error of a setter, reported when the update runs.
    error: Option<Error>,
}

impl<'a, E: Entity> Update<'a, E> {
    pub fn new<K: PrimaryKey<Entity = E>>(table: &'a Table, key: &K) -> Self {
        Update {
            raw: RawUpdate::new(table, E::META, key.to_key()),
            entity: std::marker::PhantomData,
        }
    }

    /// Updates only if `condition` holds for the stored item.
    pub fn condition(&mut self, condition: Condition<E>) {
        self.raw.guard.add_condition(condition.into_node());
    }

    /// Runs the update; the item as written.
    pub async fn send(self) -> Result<E, Error> {
        let stored = self.raw.run(false).await?;
        decode_written(Operation::Update, stored)
    }

    /// Runs the update; the item as it was before.
    pub async fn send_returning_old(self) -> Result<E, Error> {
        let stored = self.raw.run(true).await?;
        decode_written(Operation::Update, stored)
    }

    /// The request, for sending alone or in a transaction.
    pub(crate) fn prepare(self) -> Result<Prepared, Error> {
        self.raw.prepare()
    }
}

/// What [`At`] needs of an update builder: a way to its runtime update.
/// Generated builders and [`Update`] have it.
pub trait NestedTarget<E> {
    /// Runs `f` on the builder's runtime update.
    fn with_raw(&mut self, f: &mut dyn FnMut(&mut RawUpdate<'_>));
}

impl<E: Entity> NestedTarget<E> for Update<'_, E> {
    fn with_raw(&mut self, f: &mut dyn FnMut(&mut RawUpdate<'_>)) {
        f(&mut self.raw);
    }
}

/// A value inside an attribute of an update, from the builder's `at`:
/// `.at(|a| a.ship_to.fields().city).set("Oslo")`. Each method records the
/// action and gives the builder back. The map or list the value is in must
/// be stored: if it is not, the update writes nothing and fails with
/// [`Error::InvalidPath`] naming it (a condition checks it, so this also
/// holds in a transaction, where it cancels the transaction as a failed
/// condition of that action).
#[must_use = "an `at` does nothing until an action (`set`, `remove`, ...) is chosen"]
pub struct At<B, E, T> {
    builder: B,
    path: Path,
    marker: std::marker::PhantomData<fn() -> (E, T)>,
}

impl<B, E, T> At<B, E, T> {
    pub fn new(builder: B, attr: crate::condition::Attr<E, T>) -> Self {
        At {
            builder,
            path: attr.path().clone(),
            marker: std::marker::PhantomData,
        }
    }

    fn act(mut self, mut f: impl FnMut(&mut RawUpdate<'_>, Path)) -> B
    where
        B: NestedTarget<E>,
    {
        let path = self.path;
        self.builder.with_raw(&mut |raw| f(raw, path.clone()));
        self.builder
    }

    /// Removes the value: a struct field, a map entry, or a list element
    /// (the ones after it move up; a position past the end removes nothing).
    pub fn remove(self) -> B
    where
        B: NestedTarget<E>,
    {
        self.act(|raw, path| raw.remove_nested(path))
    }
}

impl<B: NestedTarget<E>, E, T: AttributeCodec> At<B, E, T> {
    /// Sets the value. A list position past the end appends, as in DynamoDB.
    pub fn set(self, value: impl Into<T>) -> B {
        let value = value.into();
        self.act(|raw, path| raw.set_nested(path, &value))
    }
}

impl<B: NestedTarget<E>, E, T: AttributeCodec> At<B, E, Vec<T>> {
    /// Appends elements to the list (an absent list counts as empty).
    pub fn append(self, elements: impl IntoIterator<Item = T>) -> B {
        let elements: Vec<T> = elements.into_iter().collect();
        self.act(|raw, path| raw.append_nested(path, &elements, false))
    }

    /// Puts elements in front of the list (an absent list counts as empty).
    pub fn prepend(self, elements: impl IntoIterator<Item = T>) -> B {
        let elements: Vec<T> = elements.into_iter().collect();
        self.act(|raw, path| raw.append_nested(path, &elements, true))
    }
}

impl<B: NestedTarget<E>, E, T: Number> At<B, E, T> {
    /// Adds `delta` to the number (an absent one counts as zero). An
    /// integer stays in its type's range: an update that would leave it
    /// fails with `ConditionFailed`.
    #[allow(clippy::should_implement_trait)] // `+` would not say where it adds
    pub fn add(self, delta: T) -> B {
        self.act(|raw, path| raw.add_nested(path, &delta, delta.integer_range()))
    }
}

/// A number type a nested `add` takes.
pub trait Number: AttributeCodec {
    /// For an integer: the value as an `i128`, and its type's range.
    fn integer_range(&self) -> Option<(i128, i128, i128)>;
}

macro_rules! integer_numbers {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn integer_range(&self) -> Option<(i128, i128, i128)> {
                Some((i128::from(*self), i128::from(<$t>::MIN), i128::from(<$t>::MAX)))
            }
        }
    )*};
}

integer_numbers!(i32, i64, u32, u64);

impl Number for f64 {
    fn integer_range(&self) -> Option<(i128, i128, i128)> {
        None
    }
}

impl Number for rust_decimal::Decimal {
    fn integer_range(&self) -> Option<(i128, i128, i128)> {
        None
    }
}

impl<'a, E: Entity> std::ops::Deref for Update<'a, E> {
    type Target = RawUpdate<'a>;

    fn deref(&self) -> &RawUpdate<'a> {
        &self.raw
    }
}

impl<'a, E: Entity> std::ops::DerefMut for Update<'a, E> {
    fn deref_mut(&mut self) -> &mut RawUpdate<'a> {
        &mut self.raw
    }
}

impl<'a> RawUpdate<'a> {
    fn new(table: &'a Table, meta: &'static EntityMeta, key: Result<Item, Error>) -> Self {
        RawUpdate {
            table,
            meta,
            key,
            actions: BTreeMap::new(),
            bounds: BTreeMap::new(),
            nested: Vec::new(),
            guard: Guard::new(Existence::Present),
            now: Utc::now(),
            error: None,
        }
    }

    /// The time this update writes as `updatedAt` (and into keys that hold it).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Updates only if the stored version is `expected`.
    pub fn expect_version(&mut self, expected: i128) {
        self.guard.expected_version = Some(expected);
    }

    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Records the one action on `field`, replacing an earlier one (and
    /// its range condition).
    fn act(&mut self, field: &'static str, action: Action) {
        self.bounds.remove(field);
        self.actions.insert(field, action);
    }

    fn encoded<T: AttributeCodec>(&mut self, field: &'static str, value: &T) -> Option<AttributeValue> {
        if let Err(message) = value.validate() {
            self.fail(Error::InvalidValue {
                entity: self.meta.name,
                attribute: field,
                message,
            });
        }
        value.encode()
    }

    /// Sets an attribute (an empty set removes it, as sets are stored).
    pub fn set<T: AttributeCodec>(&mut self, field: &'static str, value: &T) {
        let action = match self.encoded(field, value) {
            Some(value) => Action::Set(value),
            None => Action::Remove,
        };
        self.act(field, action);
    }

    /// Sets a string attribute to anything that converts into a `String`
    /// (the `impl Into<String>` of a generated setter).
    pub fn set_text(&mut self, field: &'static str, value: impl Into<String>) {
        self.set(field, &value.into());
    }

    /// Sets an attribute to `value` when it is `Some` (a builder's pending
    /// value); nothing otherwise.
    pub fn set_some<T: AttributeCodec>(&mut self, field: &'static str, value: &Option<T>) {
        if let Some(value) = value {
            self.set(field, value);
        }
    }

    /// Sets an attribute only if the item has none.
    pub fn set_if_absent<T: AttributeCodec>(&mut self, field: &'static str, value: &T) {
        if let Some(value) = self.encoded(field, value) {
            self.act(field, Action::SetIfAbsent(value));
        }
    }

    /// Sets a key attribute to a built key value.
    pub fn set_key(&mut self, field: &'static str, value: Result<String, Error>) {
        match value {
            Ok(value) => {
                self.act(field, Action::Set(AttributeValue::S(value)));
            }
            Err(error) => self.fail(error),
        }
    }

    /// Writes a rebuilt key attribute of type `ty` (`N`, `B`) from the text
    /// its builder made.
    pub fn set_key_typed(&mut self, field: &'static str, ty: crate::key::KeyType, value: Result<String, Error>) {
        match value {
            Ok(value) => {
                self.act(field, Action::Set(crate::key::attribute(ty, value)));
            }
            Err(error) => self.fail(error),
        }
    }

    /// Removes an attribute (an optional one, or a key attribute whose
    /// composite became absent).
    pub fn remove(&mut self, field: &'static str) {
        self.act(field, Action::Remove);
    }

    /// Adds `delta` to a number (absent counts as zero).
    pub fn add<T: AttributeCodec>(&mut self, field: &'static str, delta: &T) {
        if let Some(value) = self.encoded(field, delta) {
            self.act(field, Action::Add(value));
        }
    }

    /// Subtracts `delta` from a number (absent counts as zero).
    pub fn subtract<T: AttributeCodec>(&mut self, field: &'static str, delta: &T) {
        if let Some(value) = self.encoded(field, delta) {
            self.act(field, Action::Subtract(value));
        }
    }

    /// Adds `delta` to an integer of a type whose values lie in
    /// `min..=max`: the update only runs if the result stays in that range
    /// (else `ConditionFailed`), so a stored value always decodes.
    pub fn add_integer(&mut self, field: &'static str, delta: i128, min: i128, max: i128) {
        self.act(field, Action::Add(AttributeValue::N(delta.to_string())));
        self.integer_bounds(field, delta, min, max);
    }

    /// Subtracts `delta` from an integer, like [`RawUpdate::add_integer`].
    pub fn subtract_integer(&mut self, field: &'static str, delta: i128, min: i128, max: i128) {
        self.act(field, Action::Subtract(AttributeValue::N(delta.to_string())));
        self.integer_bounds(field, -delta, min, max);
    }

    /// The condition keeping `stored + change` within `min..=max`; an absent
    /// value counts as zero.
    fn integer_bounds(&mut self, field: &'static str, change: i128, min: i128, max: i128) {
        let path = crate::expr::Path::attribute(field);
        let number = |n: i128| Operand::Value(AttributeValue::N(n.to_string()));
        let bound = if change >= 0 {
            Node::Compare(Operand::Path(path.clone()), Comparator::Lte, number(max - change))
        } else {
            Node::Compare(Operand::Path(path.clone()), Comparator::Gte, number(min - change))
        };
        let from_zero_ok = (min..=max).contains(&change);
        let condition = if from_zero_ok {
            Node::Or(Box::new(Node::NotExists(path)), Box::new(bound))
        } else {
            bound
        };
        self.bounds.insert(field, condition);
    }

    /// Appends elements to a list (absent counts as empty).
    pub fn append<T: AttributeCodec>(&mut self, field: &'static str, elements: &Vec<T>) {
        if let Some(value) = self.encoded(field, elements) {
            self.act(field, Action::Append(value));
        }
    }

    /// Puts elements in front of a list (absent counts as empty).
    pub fn prepend<T: AttributeCodec>(&mut self, field: &'static str, elements: &Vec<T>) {
        if let Some(value) = self.encoded(field, elements) {
            self.act(field, Action::Prepend(value));
        }
    }

    /// Adds elements to a set; adding none changes nothing.
    pub fn add_elements<T: SetElement>(&mut self, field: &'static str, elements: &BTreeSet<T>) {
        if let Some(value) = elements.encode() {
            self.act(field, Action::AddElements(value));
        }
    }

    /// Deletes elements from a set (a set left empty disappears, as empty
    /// sets are stored); deleting none changes nothing.
    pub fn delete_elements<T: SetElement>(&mut self, field: &'static str, elements: &BTreeSet<T>) {
        if let Some(value) = elements.encode() {
            self.act(field, Action::DeleteElements(value));
        }
    }

    /// Records the action on `path`, inside an attribute, replacing an
    /// earlier one on the same path. Refused (reported when the update
    /// runs): a whole attribute (its setter keeps keys and checks in step),
    /// an attribute the update may not change, and a path inside another
    /// action's path, or around it, which DynamoDB rejects.
    fn act_nested(&mut self, path: Path, action: Action) {
        let refuse = |reason: String| Error::InvalidPath {
            entity: self.meta.name,
            path: path.to_string(),
            reason,
        };
        let root = path.root();
        let maintained = self.meta.maintained;
        let error = if !path.is_nested() {
            Some(refuse(format!(
                "a whole attribute: use its setter (`set_...`), which keeps the keys built from `{root}` in step"
            )))
        } else if self.meta.readonly.contains(&root) || maintained.created_at == Some(root) {
            Some(refuse(format!("`{root}` is readonly")))
        } else if maintained.updated_at == Some(root)
            || maintained.version == Some(root)
            || maintained.ttl == Some(root)
        {
            Some(refuse(format!("dyngen maintains `{root}`")))
        } else {
            self.nested
                .iter()
                .find(|(other, _)| *other != path && (path.is_within(other) || other.is_within(&path)))
                .map(|(other, _)| refuse(format!("overlaps `{other}`, which the update also writes; DynamoDB allows one action per document path")))
        };
        if let Some(error) = error {
            return self.fail(error);
        }
        if let Some(parent) = path.parent() {
            if !self.guard.parents.iter().any(|(p, _)| *p == parent) {
                self.guard.parents.push((parent, path.clone()));
            }
        }
        match self.nested.iter_mut().find(|(other, _)| *other == path) {
            Some(entry) => entry.1 = action,
            None => self.nested.push((path, action)),
        }
    }

    /// Sets the value at `path`, inside an attribute.
    pub fn set_nested<T: AttributeCodec>(&mut self, path: Path, value: &T) {
        if let Err(message) = value.validate() {
            return self.fail(Error::InvalidPath {
                entity: self.meta.name,
                path: path.to_string(),
                reason: message,
            });
        }
        let action = match value.encode() {
            Some(value) => Action::Set(value),
            // An empty set is stored absent.
            None => Action::Remove,
        };
        self.act_nested(path, action);
    }

    /// Removes the value at `path` (a struct field, a map entry, a list
    /// element: the elements after it move up).
    pub fn remove_nested(&mut self, path: Path) {
        self.act_nested(path, Action::Remove);
    }

    /// Appends (or, with `front`, prepends) elements to the list at `path`;
    /// an absent list counts as empty.
    pub fn append_nested<T: AttributeCodec>(&mut self, path: Path, elements: &Vec<T>, front: bool) {
        match elements.encode() {
            Some(value) => self.act_nested(
                path,
                if front {
                    Action::Prepend(value)
                } else {
                    Action::Append(value)
                },
            ),
            None => self.fail(Error::InvalidPath {
                entity: self.meta.name,
                path: path.to_string(),
                reason: "the elements cannot be stored".to_owned(),
            }),
        }
    }

    /// Adds `delta` to the number at `path` (absent counts as zero). For an
    /// integer of a type whose values lie in `range`, the update runs only
    /// if the result stays in it (else `ConditionFailed`).
    pub fn add_nested<T: AttributeCodec>(&mut self, path: Path, delta: &T, range: Option<(i128, i128, i128)>) {
        if let Err(message) = delta.validate() {
            return self.fail(Error::InvalidPath {
                entity: self.meta.name,
                path: path.to_string(),
                reason: message,
            });
        }
        let Some(value) = delta.encode() else { return };
        if let Some((delta, min, max)) = range {
            let number = |n: i128| Operand::Value(AttributeValue::N(n.to_string()));
            let bound = if delta >= 0 {
                Node::Compare(Operand::Path(path.clone()), Comparator::Lte, number(max - delta))
            } else {
                Node::Compare(Operand::Path(path.clone()), Comparator::Gte, number(min - delta))
            };
            let condition = if (min..=max).contains(&delta) {
                Node::Or(Box::new(Node::NotExists(path.clone())), Box::new(bound))
            } else {
                bound
            };
            self.guard.add_condition(condition);
        }
        self.act_nested(path, Action::Add(value));
    }

    /// The guard with the range conditions of the integer actions.
    /// The guard with the range bounds of the additions (a copy, for tests).
    #[cfg(test)]
    fn full_guard(&self) -> Guard {
        let mut guard = self.guard.clone();
        for bound in self.bounds.values() {
            guard.add_condition(bound.clone());
        }
        guard
    }

    /// The UpdateExpression (a copy of the actions, for tests).
    #[cfg(test)]
    fn expression(&self, aliases: &mut Aliases) -> UpdateExpression {
        let actions = self
            .actions
            .iter()
            .map(|(f, a)| (Path::attribute(f), a.clone()))
            .chain(self.nested.iter().cloned());
        expression_of(self.meta, actions, &self.now, self.guard.expected_version, aliases)
    }

    /// The request, for sending alone or in a transaction.
    pub(crate) fn prepare(self) -> Result<Prepared, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        // A nested action inside an attribute the update also sets whole:
        // DynamoDB rejects overlapping paths.
        if let Some((path, _)) = self
            .nested
            .iter()
            .find(|(path, _)| self.actions.contains_key(path.root()))
        {
            return Err(Error::InvalidPath {
                entity: self.meta.name,
                path: path.to_string(),
                reason: format!(
                    "the update also sets `{}` whole; DynamoDB allows one action per document path",
                    path.root()
                ),
            });
        }
        let unique = self.unique_change()?;
        let mut aliases = Aliases::new();
        // The actions and conditions move into the request: nothing is copied.
        let marks = crate::entity::marks(self.meta, self.table.def().entity_tag)
            .into_iter()
            .map(|(field, value)| (Path::attribute(field), Action::Set(value)));
        let text = expression_of(
            self.meta,
            self.actions
                .into_iter()
                .map(|(field, action)| (Path::attribute(field), action))
                .chain(self.nested)
                .chain(marks),
            &self.now,
            self.guard.expected_version,
            &mut aliases,
        )
        .text();
        let mut guard = self.guard;
        for bound in self.bounds.into_values() {
            guard.add_condition(bound);
        }
        let key = self.key?;
        let condition = guard.render(self.meta, self.table, &mut aliases, self.now)?;
        let request = Request::Update {
            key,
            // An update of nothing still checks the item and returns it.
            expression: (!text.is_empty()).then_some(text),
        };
        let prepared = Prepared::new(self.meta, Operation::Update, request, condition, aliases, guard);
        Ok(Prepared { unique, ..prepared })
    }

    /// What the update changes of unique attributes: `None` when it
    /// touches none (it needs no guard). A unique value is set (maybe only
    /// if absent) or removed: another action on it would leave its new
    /// value unknown until written.
    fn unique_change(&self) -> Result<Option<UniqueChange>, Error> {
        let mut changes = BTreeMap::new();
        for field in self.meta.unique.iter().flat_map(|set| set.fields) {
            let change = match self.actions.get(field) {
                None => continue,
                Some(Action::Set(value)) => UniqueValue::Set(value.clone()),
                Some(Action::SetIfAbsent(value)) => UniqueValue::SetIfAbsent(value.clone()),
                Some(Action::Remove) => UniqueValue::Remove,
                Some(_) => {
                    return Err(Error::InvalidValue {
                        entity: self.meta.name,
                        attribute: field,
                        message: "a unique attribute is changed by setting or removing it, not in place".to_owned(),
                    })
                }
            };
            changes.insert(*field, change);
        }
        Ok((!changes.is_empty()).then_some(UniqueChange::Update(changes)))
    }

    /// Sends the update; the item DynamoDB answers with.
    async fn run(self, return_old: bool) -> Result<Item, Error> {
        let table = self.table;
        let mut prepared = self.prepare()?;
        prepared.return_old = return_old;
        Ok(prepared.send(table).await?.unwrap_or_default())
    }
}

/// The UpdateExpression of the actions, `updatedAt` and the version.
fn expression_of(
    meta: &EntityMeta,
    actions: impl Iterator<Item = (Path, Action)>,
    now: &DateTime<Utc>,
    expected_version: Option<i128>,
    aliases: &mut Aliases,
) -> UpdateExpression {
    let mut update = UpdateExpression::default();
    let maintained = meta.maintained;
    let updated_at = maintained
        .updated_at
        .map(|field| (Path::attribute(field), Action::Set((meta.stored_now)(now))));
    let version = match (maintained.version, expected_version) {
        (Some(field), Some(expected)) => Some((
            Path::attribute(field),
            Action::Set(AttributeValue::N((expected + 1).to_string())),
        )),
        _ => None,
    };
    for (path, action) in actions.chain(updated_at).chain(version) {
        let name = aliases.path(&path);
        let adds = matches!(action, Action::Add(_) | Action::Append(_));
        match action {
            Action::Set(value) => update.set.push(format!("{name} = {}", aliases.value(value))),
            Action::SetIfAbsent(value) => {
                let value = aliases.value(value);
                update.set.push(format!("{name} = if_not_exists({name}, {value})"));
            }
            Action::Add(value) | Action::Subtract(value) => {
                let zero = aliases.value(AttributeValue::N("0".into()));
                let sign = if adds { '+' } else { '-' };
                let value = aliases.value(value);
                update
                    .set
                    .push(format!("{name} = if_not_exists({name}, {zero}) {sign} {value}"));
            }
            Action::Append(value) | Action::Prepend(value) => {
                let empty = aliases.value(AttributeValue::L(Vec::new()));
                let value = aliases.value(value);
                let existing = format!("if_not_exists({name}, {empty})");
                update.set.push(if adds {
                    format!("{name} = list_append({existing}, {value})")
                } else {
                    format!("{name} = list_append({value}, {existing})")
                });
            }
            Action::AddElements(value) => update.add.push(format!("{name} {}", aliases.value(value))),
            Action::DeleteElements(value) => update.delete.push(format!("{name} {}", aliases.value(value))),
            Action::Remove => update.remove.push(name),
        }
    }
    update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Maintained;
    use crate::error::DecodeError;
    use crate::table::TableDef;

    /// A versioned entity with `updatedAt`; only its constants matter here.
    #[derive(Debug, Clone)]
    struct Thing;

    impl Entity for Thing {
        const NAME: &'static str = "Thing";
        const STORED: &'static [&'static str] = &["n"];
        const MAINTAINED: Maintained = Maintained {
            created_at: Some("createdAt"),
            updated_at: Some("updatedAt"),
            version: Some("v"),
            ttl: Some("expires"),
        };
        type Attributes = ();

        fn attributes() {}

        fn to_item(&self) -> Result<Item, Error> {
            Ok(Item::new())
        }

        fn from_item(_: Item) -> Result<Self, DecodeError> {
            Ok(Thing)
        }

        fn primary_key(&self) -> Result<Item, Error> {
            Ok(Item::new())
        }
    }

    struct Key;

    impl PrimaryKey for Key {
        type Entity = Thing;

        fn to_key(&self) -> Result<Item, Error> {
            Ok(Item::new())
        }
    }

    static DEF: TableDef = TableDef {
        pk: "pk",
        sk: Some("sk"),
        indexes: &[],
        ttl: None,
        entity_tag: "_et",
    };

    fn table() -> Table {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build();
        Table::new(aws_sdk_dynamodb::Client::from_conf(config), "t", &DEF)
    }

    /// `DEF` with a TTL attribute, whose expired items writes treat as absent.
    static DEF_WITH_TTL: TableDef = TableDef {
        ttl: Some("expires"),
        ..DEF
    };

    fn table_with_ttl() -> Table {
        let table = table();
        Table::new(table.client().clone(), "t", &DEF_WITH_TTL)
    }

    /// The expressions an update sends, with placeholders resolved, for
    /// reading: `SET name = value`.
    fn resolved(update: &Update<'_, Thing>) -> (String, String) {
        let mut aliases = Aliases::new();
        let expression = update.expression(&mut aliases).text();
        let condition = update
            .full_guard()
            .render(Thing::META, update.table, &mut aliases, update.now)
            .unwrap()
            .unwrap();
        let [expression, condition] = resolve(aliases, [expression, condition]);
        (expression, condition)
    }

    /// A guard's condition with placeholders resolved.
    fn rendered(guard: &mut Guard, table: &Table) -> String {
        let mut aliases = Aliases::new();
        let condition = guard
            .render(Thing::META, table, &mut aliases, Utc::now())
            .unwrap()
            .unwrap();
        let [condition] = resolve(aliases, [condition]);
        condition
    }

    /// `texts` with placeholders resolved, after checking that each
    /// placeholder is used (DynamoDB rejects unused ones).
    fn resolve<const N: usize>(aliases: Aliases, texts: [String; N]) -> [String; N] {
        let (names, values) = aliases.into_maps();
        for alias in names
            .iter()
            .flatten()
            .map(|(a, _)| a)
            .chain(values.iter().flatten().map(|(a, _)| a))
        {
            assert!(
                texts.iter().any(|t| t.contains(alias.as_str())),
                "unused placeholder {alias} in {texts:?}"
            );
        }
        texts.map(|text| resolve_one(&names, &values, text))
    }

    fn resolve_one(names: &Option<Names>, values: &Option<Values>, mut text: String) -> String {
        let mut names: Vec<_> = names.iter().flatten().collect();
        // Longest placeholders first, so `#n1` does not eat `#n10`.
        names.sort_by_key(|(alias, _)| std::cmp::Reverse(alias.len()));
        for (alias, name) in names {
            text = text.replace(alias.as_str(), name);
        }
        let mut values: Vec<_> = values.iter().flatten().collect();
        values.sort_by_key(|(alias, _)| std::cmp::Reverse(alias.len()));
        for (alias, value) in values {
            let shown = match value {
                AttributeValue::N(n) if n.parse::<i64>().is_ok_and(|n| (n - Utc::now().timestamp()).abs() < 60) => {
                    "<now>".to_string()
                }
                AttributeValue::N(n) => n.clone(),
                AttributeValue::S(s) if s.ends_with('Z') => "<now>".to_string(),
                AttributeValue::S(s) => format!("{s:?}"),
                other => format!("{other:?}"),
            };
            text = text.replace(alias.as_str(), &shown);
        }
        text
    }

    #[test]
    fn an_expired_item_counts_as_absent() {
        let table = table_with_ttl();
        let live = "(attribute_not_exists(expires) OR expires > <now>)";
        assert_eq!(
            rendered(&mut Guard::new(Existence::Absent), &table),
            "(attribute_not_exists(pk) OR expires <= <now>)"
        );
        assert_eq!(
            rendered(&mut Guard::new(Existence::Present), &table),
            format!("attribute_exists(pk) AND {live}")
        );
        let mut put = Guard::new(Existence::Any);
        put.expected_version = Some(0);
        assert_eq!(
            rendered(&mut put, &table),
            "(attribute_not_exists(v) OR v = 0 OR expires <= <now>)"
        );
        put.expected_version = Some(3);
        assert_eq!(rendered(&mut put, &table), format!("v = 3 AND {live}"));
        let mut update = Guard::new(Existence::Present);
        update.expected_version = Some(3);
        assert_eq!(
            rendered(&mut update, &table),
            format!("attribute_exists(pk) AND {live} AND v = 3")
        );
        // A write that checks neither existence nor a version names no
        // TTL attribute (DynamoDB rejects unused names).
        let mut aliases = Aliases::new();
        assert_eq!(
            Guard::new(Existence::Any)
                .render(Thing::META, &table, &mut aliases, Utc::now())
                .unwrap(),
            None
        );
        assert_eq!(aliases.into_maps(), (None, None));
        // `show_expired` writes see expired items, as its reads do.
        assert_eq!(
            rendered(&mut Guard::new(Existence::Absent), &table_with_ttl().show_expired()),
            "attribute_not_exists(pk)"
        );
    }

    #[test]
    fn upsert_keeps_readonly_attributes_unless_the_item_is_new_or_expired() {
        let readonly = vec![("src", Some(AttributeValue::S("web".into()))), ("gone", None)];
        let mut guard = Guard::new(Existence::Any);
        guard.readonly = readonly.clone();
        assert_eq!(
            rendered(&mut guard, &table()),
            "(attribute_not_exists(pk) OR attribute_not_exists(src) OR src = \"web\") AND \
             (attribute_not_exists(pk) OR attribute_not_exists(gone))"
        );
        guard.expected_version = Some(2);
        assert_eq!(
            rendered(&mut guard, &table_with_ttl()),
            "v = 2 AND (attribute_not_exists(expires) OR expires > <now>) AND \
             (attribute_not_exists(pk) OR expires <= <now> OR attribute_not_exists(src) OR src = \"web\") AND \
             (attribute_not_exists(pk) OR expires <= <now> OR attribute_not_exists(gone))"
        );
        // Judged by expiry even without a version.
        let mut guard = Guard::new(Existence::Any);
        guard.readonly = readonly;
        rendered(&mut guard, &table_with_ttl());
        assert!(guard.expiry.is_some());
    }

    #[test]
    fn a_refusal_judges_the_returned_item_by_the_conditions_clock() {
        let table = table_with_ttl();
        let mut guard = Guard::new(Existence::Present);
        rendered(&mut guard, &table);
        let now = guard.expiry.unwrap().now;
        let item = |expires: i64| {
            Item::from([
                ("pk".to_string(), AttributeValue::S("p".into())),
                ("expires".to_string(), AttributeValue::N(expires.to_string())),
            ])
        };
        assert!(matches!(
            guard.refused(Thing::META, Operation::Update, Some(item(now))),
            Error::NotFound { entity: "Thing" }
        ));
        assert!(matches!(
            guard.refused(Thing::META, Operation::Update, Some(item(now + 1))),
            Error::ConditionFailed { current: Some(_), .. }
        ));
    }

    #[test]
    fn one_action_per_attribute_and_every_clause_kind() {
        let table = table();
        let mut update = Update::new(&table, &Key);
        update.set("status", &"draft".to_string());
        update.set("status", &"open".to_string());
        update.remove("assignee");
        update.add_integer("count", 2, i128::from(u32::MIN), i128::from(u32::MAX));
        update.append("log", &vec!["x".to_string()]);
        update.add_elements("tags", &BTreeSet::from(["a".to_string()]));
        update.delete_elements("old", &BTreeSet::from(["b".to_string()]));
        update.delete_elements("none", &BTreeSet::<String>::new());
        update.set("empty", &BTreeSet::<String>::new());
        update.expect_version(4);
        let (expression, condition) = resolved(&update);
        assert_eq!(
            expression,
            "SET count = if_not_exists(count, 0) + 2, log = list_append(if_not_exists(log, []), [\"x\"]), \
             status = \"open\", updatedAt = <now>, v = 5 REMOVE assignee, empty ADD tags {\"a\"} DELETE old {\"b\"}"
                .replace("[]", &format!("{:?}", AttributeValue::L(Vec::new())))
                .replace(
                    "[\"x\"]",
                    &format!("{:?}", AttributeValue::L(vec![AttributeValue::S("x".into())]))
                )
                .replace("{\"a\"}", &format!("{:?}", AttributeValue::Ss(vec!["a".into()])))
                .replace("{\"b\"}", &format!("{:?}", AttributeValue::Ss(vec!["b".into()])))
        );
        assert_eq!(
            condition,
            "attribute_exists(pk) AND v = 4 AND ((attribute_not_exists(count)) OR (count <= 4294967293))"
        );
    }

    #[test]
    fn a_later_setter_replaces_an_integer_action_and_its_range_condition() {
        let table = table();
        let mut update = Update::new(&table, &Key);
        update.add_integer("count", 2, 0, 10);
        update.set("count", &7_u32);
        update.expect_version(1);
        let (expression, condition) = resolved(&update);
        assert_eq!(expression, "SET count = 7, updatedAt = <now>, v = 2");
        assert_eq!(condition, "attribute_exists(pk) AND v = 1");
    }

    #[test]
    fn version_zero_accepts_an_item_without_a_version() {
        let table = table();
        let mut update = Update::new(&table, &Key);
        update.expect_version(0);
        let (expression, condition) = resolved(&update);
        assert_eq!(expression, "SET updatedAt = <now>, v = 1");
        assert_eq!(condition, "attribute_exists(pk) AND (attribute_not_exists(v) OR v = 0)");
    }

    #[test]
    fn integer_bounds_keep_the_result_in_the_rust_type() {
        let table = table();
        let mut update = Update::new(&table, &Key);
        // Subtracting from an unsigned absent value would go below zero:
        // the attribute must exist and be large enough.
        update.subtract_integer("hits", 3, 0, i128::from(u64::MAX));
        update.add_integer("level", -2, i128::from(i32::MIN), i128::from(i32::MAX));
        let (_, condition) = resolved(&update);
        assert_eq!(
            condition,
            "attribute_exists(pk) AND ((hits >= 3) AND ((attribute_not_exists(level)) OR (level >= -2147483646)))"
        );
    }

    #[test]
    fn a_setter_error_is_reported_when_the_update_runs() {
        let table = table();
        let mut update = Update::new(&table, &Key);
        update.set("score", &f64::NAN);
        let error = futures::executor::block_on(update.send()).unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidValue {
                    entity: "Thing",
                    attribute: "score",
                    ..
                }
            ),
            "{error}"
        );
    }
}
