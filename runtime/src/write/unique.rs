//! Unique attributes: every write of an entity with unique sets
//! ([`crate::entity::Entity::UNIQUE`]) keeps one *guard item* per set's
//! values in step, in the same transaction as the write. A guard's key is
//! the values (`_unique#User#email#ada@example.com#`), so two items cannot
//! both hold them: the second guard's put is refused, and the write with
//! it. The guard names its owner (the item's table key), so an item's own
//! guard is never a clash. See docs/writes.md, "Unique attributes".
//!
//! Writes that may replace or remove values (put, upsert, update, delete)
//! read the stored item first (consistently), and the transaction holds
//! only while the item's unique attributes are still what was read: a
//! writer that changed them in between makes it retry with a new read.

use super::{Existence, Guard, Prepared, Request};
use crate::entity::{EntityMeta, UniqueSet};
use crate::error::{CancelReason, CanceledAction, Error, Operation};
use crate::expr::Aliases;
use crate::sdk::sdk_error;
use crate::table::Table;
use crate::Item;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason, TransactWriteItem};
use std::collections::BTreeMap;

/// What guard items hold in the table's entity-tag attribute: no entity's
/// name (an entity name is an identifier), so no read of an entity, a
/// scan or a collection ever takes a guard for an item.
pub const GUARD_TAG: &str = "dyngen:unique";
/// The attribute of a guard item naming the item that holds its values.
pub const OWNER: &str = "_owner";
/// How many times a write is tried when another writer changes the item
/// (or its guards) between the read and the transaction.
const ATTEMPTS: u32 = 6;

/// What a write of an entity with unique sets changes of their values.
#[derive(Debug, Clone)]
pub(crate) enum UniqueChange {
    /// `create`: the new item's stored values; there is no stored item.
    Create(Item),
    /// `put` or `upsert`: the whole item written, replacing the stored one.
    Replace(Item),
    /// `update`: what it does to the unique attributes it touches; the
    /// others stay as stored.
    Update(BTreeMap<&'static str, UniqueValue>),
    Delete,
}

/// What an update does to one unique attribute.
#[derive(Debug, Clone)]
pub(crate) enum UniqueValue {
    Set(AttributeValue),
    /// Sets it when the stored item has none.
    SetIfAbsent(AttributeValue),
    Remove,
}

/// The unique attributes' stored values in `item` (the others left out).
pub(crate) fn unique_fields(meta: &EntityMeta, item: &Item) -> Item {
    meta.unique
        .iter()
        .flat_map(|set| set.fields)
        .filter_map(|field| item.get(*field).map(|v| ((*field).to_owned(), v.clone())))
        .collect()
}

/// One guard item a write puts or deletes.
#[derive(Debug, Clone)]
pub(crate) struct GuardAction {
    pub(crate) prepared: Prepared,
    set: &'static UniqueSet,
    values: Vec<String>,
}

impl GuardAction {
    /// The error of a refused guard put: another item holds the values.
    pub(crate) fn clash(&self, meta: &EntityMeta) -> Error {
        Error::NotUnique {
            entity: meta.name,
            attributes: self.set.attributes,
            values: self.values.clone(),
        }
    }
}

/// A write with its guard actions, ready for one transaction.
#[derive(Debug)]
pub(crate) struct Planned {
    /// The write itself, holding only while the unique attributes are
    /// still as read.
    pub(crate) main: Prepared,
    pub(crate) guards: Vec<GuardAction>,
}

/// Whether `change` needs the stored item: everything but `create`.
fn needs_read(change: &UniqueChange) -> bool {
    !matches!(change, UniqueChange::Create(_))
}

/// Whether `prepared` is a unique write that reads the stored item first.
fn reads_first(prepared: &Prepared) -> bool {
    prepared.unique.as_ref().is_some_and(needs_read)
}

/// The table key of the item a prepared write is about.
fn table_key(table: &Table, request: &Request) -> Item {
    let def = table.def();
    let item = match request {
        Request::Put(item) => item,
        Request::Update { key, .. } | Request::Delete(key) | Request::Check(key) => key,
    };
    std::iter::once(def.pk)
        .chain(def.sk)
        .filter_map(|f| item.get(f).map(|v| (f.to_owned(), v.clone())))
        .collect()
}

/// The stored item a unique write replaces or removes, read consistently
/// (`None` when there is none, or the write needs none).
pub(crate) async fn read_stored(table: &Table, prepared: &Prepared) -> Result<Option<Item>, Error> {
    let Some(change) = &prepared.unique else {
        return Ok(None);
    };
    if !needs_read(change) {
        return Ok(None);
    }
    read_item(
        table,
        prepared.entity,
        prepared.operation,
        table_key(table, &prepared.request),
    )
    .await
}

async fn read_item(
    table: &Table,
    entity: &'static str,
    operation: Operation,
    key: Item,
) -> Result<Option<Item>, Error> {
    let output = table
        .client()
        .get_item()
        .table_name(table.name())
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| sdk_error(entity, operation, e))?;
    Ok(output.item.filter(|item| !item.is_empty()))
}

/// The canonical text of a stored unique value: strings as they are,
/// numbers in their shortest form (`1.50` and `1.5` are one number),
/// bools as `true`/`false`, binaries in hex. `None` for what holds no
/// value (`NULL`, or a type a unique attribute cannot have).
fn value_text(value: &AttributeValue) -> Option<String> {
    match value {
        AttributeValue::S(s) => Some(s.clone()),
        AttributeValue::N(n) => Some(
            n.parse::<rust_decimal::Decimal>()
                .map(|d| d.normalize().to_string())
                .unwrap_or_else(|_| n.clone()),
        ),
        AttributeValue::Bool(b) => Some(b.to_string()),
        AttributeValue::B(b) => Some(crate::key::hex_text(b.as_ref())),
        _ => None,
    }
}

/// The values of `set` in `fields`, when it holds all of them (a set with
/// an absent value is not guarded).
fn set_values(set: &UniqueSet, fields: &Item) -> Option<Vec<String>> {
    set.fields.iter().map(|f| fields.get(*f).and_then(value_text)).collect()
}

/// The key text of the guard of `values` of `set`: segments of dyngen's
/// key codec, so that distinct values give distinct keys.
fn guard_key_text(meta: &EntityMeta, set: &UniqueSet, values: &[String]) -> String {
    let mut text = String::new();
    let fields = set.fields.join(",");
    for segment in ["_unique", meta.tag, fields.as_str()]
        .into_iter()
        .chain(values.iter().map(String::as_str))
    {
        crate::key::write_escaped(segment, crate::key::Casing::Preserve, &mut text);
        text.push(crate::key::DELIMITER);
    }
    text
}

/// The guard's table key.
fn guard_key(table: &Table, meta: &EntityMeta, set: &UniqueSet, values: &[String]) -> Item {
    let text = guard_key_text(meta, set, values);
    let def = table.def();
    std::iter::once(def.pk)
        .chain(def.sk)
        .map(|f| (f.to_owned(), AttributeValue::S(text.clone())))
        .collect()
}

/// What a guard says of its owner: the owner's table key, as text.
fn owner_text(table: &Table, key: &Item) -> String {
    let (pk, sk) = crate::slots::item_key(table, key);
    format!("{pk}\n{sk}")
}

/// A guard put or delete, allowed while the guard is absent or is the
/// owner's.
fn guard_action(
    table: &Table,
    meta: &'static EntityMeta,
    set: &'static UniqueSet,
    values: Vec<String>,
    owner: &str,
    put: bool,
) -> GuardAction {
    let key = guard_key(table, meta, set, &values);
    let mut aliases = Aliases::new();
    let pk = aliases.name(table.def().pk);
    let owner_name = aliases.name(OWNER);
    let owner_value = aliases.value(AttributeValue::S(owner.to_owned()));
    let condition = format!("attribute_not_exists({pk}) OR {owner_name} = {owner_value}");
    let request = if put {
        let mut item = key;
        item.insert(
            table.def().entity_tag.to_owned(),
            AttributeValue::S(GUARD_TAG.to_owned()),
        );
        item.insert(OWNER.to_owned(), AttributeValue::S(owner.to_owned()));
        Request::Put(item)
    } else {
        Request::Delete(key)
    };
    let operation = if put { Operation::Put } else { Operation::Delete };
    let prepared = Prepared::new(
        meta,
        operation,
        request,
        Some(condition),
        aliases,
        Guard::new(Existence::Any),
    );
    GuardAction {
        prepared: Prepared {
            unique: None,
            ..prepared
        },
        set,
        values,
    }
}

/// The write `prepared` with its guard actions, given the stored item
/// `stored` (`None`: none, or `create`, which reads none).
pub(crate) fn plan(table: &Table, prepared: &Prepared, stored: Option<&Item>) -> Result<Planned, Error> {
    let meta = prepared.meta;
    let mut main = prepared.clone();
    let Some(change) = main.unique.take() else {
        return Ok(Planned {
            main,
            guards: Vec::new(),
        });
    };
    let key = table_key(table, &prepared.request);
    let owner = owner_text(table, &key);
    let old = stored.map(|item| unique_fields(meta, item)).unwrap_or_default();
    let new: Option<Item> = match &change {
        UniqueChange::Create(fields) | UniqueChange::Replace(fields) => Some(fields.clone()),
        UniqueChange::Update(changes) => {
            let mut fields = old.clone();
            for (field, change) in changes {
                match change {
                    UniqueValue::Set(value) => {
                        fields.insert((*field).to_owned(), value.clone());
                    }
                    UniqueValue::SetIfAbsent(value) => {
                        fields.entry((*field).to_owned()).or_insert_with(|| value.clone());
                    }
                    UniqueValue::Remove => {
                        fields.remove(*field);
                    }
                }
            }
            Some(fields)
        }
        UniqueChange::Delete => None,
    };
    if needs_read(&change) {
        add_unchanged_condition(table, &mut main, stored);
    }
    let mut guards = Vec::new();
    for set in meta.unique {
        let before = stored.and(set_values(set, &old));
        let after = new.as_ref().and_then(|fields| set_values(set, fields));
        // A put writes its guards again even when the values stay: that
        // also guards an item written before its values were unique.
        let rewrite = matches!(change, UniqueChange::Replace(_));
        if before == after && !rewrite {
            continue;
        }
        if let Some(values) = before.filter(|before| Some(before) != after.as_ref()) {
            guards.push(guard_action(table, meta, set, values, &owner, false));
        }
        if let Some(values) = after {
            guards.push(guard_action(table, meta, set, values, &owner, true));
        }
    }
    Ok(Planned { main, guards })
}

/// Makes `main` hold only while the stored item's unique attributes are
/// what was read (`stored`), or while there is still no item.
fn add_unchanged_condition(table: &Table, main: &mut Prepared, stored: Option<&Item>) {
    let meta = main.meta;
    let mut aliases = Aliases::prefixed("u");
    let parts: Vec<String> = match stored {
        None => vec![format!("attribute_not_exists({})", aliases.name(table.def().pk))],
        Some(item) => meta
            .unique
            .iter()
            .flat_map(|set| set.fields)
            .map(|field| {
                let name = aliases.name(field);
                match item.get(*field) {
                    Some(value) => format!("{name} = {}", aliases.value(value.clone())),
                    None => format!("attribute_not_exists({name})"),
                }
            })
            .collect(),
    };
    let unchanged = parts.join(" AND ");
    main.condition = Some(match main.condition.take() {
        Some(condition) => format!("({condition}) AND {unchanged}"),
        None => unchanged,
    });
    let (names, values) = aliases.into_maps();
    if let Some(names) = names {
        main.names.get_or_insert_with(Default::default).extend(names);
    }
    if let Some(values) = values {
        main.values.get_or_insert_with(Default::default).extend(values);
    }
}

/// Whether the stored item's unique attributes (or its existence) differ
/// between what was read (`before`) and what a refusal returned (`now`):
/// another writer came in between, and the write is tried again.
fn changed_since(meta: &EntityMeta, before: Option<&Item>, now: Option<&Item>) -> bool {
    match (before, now) {
        (None, None) => false,
        (Some(before), Some(now)) => unique_fields(meta, before) != unique_fields(meta, now),
        _ => true,
    }
}

/// How one attempt of a unique write ended.
enum Attempt {
    Done,
    /// Another writer came in between: read again and retry.
    Retry(Error),
    Failed(Error),
}

/// Sends a single write of an entity with unique sets: read, plan, one
/// transaction, retried while other writers come in between. Answers as
/// [`Prepared::send`] does: `Some(item)` for an update (the item as
/// written, or as read before with `return_old`) and an upsert (the item
/// as stored).
pub(crate) async fn send(table: &Table, prepared: Prepared) -> Result<Option<Item>, Error> {
    let policy = crate::retry::RetryPolicy::default();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let stored = read_stored(table, &prepared).await?;
        let gone = matches!(prepared.unique, Some(UniqueChange::Update(_) | UniqueChange::Delete)) && stored.is_none();
        if gone {
            // Nothing stored: no guard to move; the write says what that
            // means (`NotFound`, or a delete of nothing).
            return Prepared {
                unique: None,
                ..prepared
            }
            .send_alone(table)
            .await;
        }
        let planned = plan(table, &prepared, stored.as_ref())?;
        match attempt_once(table, &prepared, &planned, stored.as_ref()).await {
            Attempt::Done => return answer(table, &prepared, stored).await,
            Attempt::Failed(error) => return Err(error),
            Attempt::Retry(error) if attempt >= ATTEMPTS => return Err(error),
            Attempt::Retry(_) => tokio::time::sleep(policy.delay(attempt)).await,
        }
    }
}

/// What a single unique write answers with once its transaction is done.
async fn answer(table: &Table, prepared: &Prepared, stored: Option<Item>) -> Result<Option<Item>, Error> {
    let rereads = matches!(prepared.request, Request::Update { .. }) && !prepared.return_old;
    if prepared.return_old {
        return Ok(stored);
    }
    if !rereads {
        return Ok(None);
    }
    // A transaction answers with no item: read what was written.
    let key = table_key(table, &prepared.request);
    let mut last = None;
    for _ in 0..3 {
        match read_item(table, prepared.entity, prepared.operation, key.clone()).await {
            Ok(item) => return Ok(Some(item.unwrap_or_default())),
            Err(error) => last = Some(error),
        }
    }
    Err(Error::WrittenUnread {
        entity: prepared.entity,
        operation: prepared.operation,
        source: Box::new(last.unwrap_or(Error::NotFound {
            entity: prepared.entity,
        })),
    })
}

async fn attempt_once(table: &Table, prepared: &Prepared, planned: &Planned, stored: Option<&Item>) -> Attempt {
    let items: Result<Vec<TransactWriteItem>, Error> = std::iter::once(&planned.main)
        .chain(planned.guards.iter().map(|g| &g.prepared))
        .map(|action| super::transact_item(table, action))
        .collect();
    let items = match items {
        Ok(items) => items,
        Err(error) => return Attempt::Failed(error),
    };
    let result = table
        .client()
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    let err = match result {
        Ok(_) => return Attempt::Done,
        Err(err) => err,
    };
    let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) = err.as_service_error() else {
        return Attempt::Failed(sdk_error(prepared.entity, prepared.operation, err));
    };
    let reasons: Vec<CancellationReason> = canceled.cancellation_reasons().to_vec();
    let meta = prepared.meta;
    let mut conflict = false;
    for (position, reason) in reasons.into_iter().enumerate() {
        match reason.code.as_deref().unwrap_or_default() {
            "" | "None" => {}
            "ConditionalCheckFailed" if position == 0 => {
                let now = reason.item.filter(|item| !item.is_empty());
                let raced = reads_first(prepared) && changed_since(meta, stored, now.as_ref());
                if raced {
                    return Attempt::Retry(prepared.refused(now));
                }
                return Attempt::Failed(prepared.refused(now));
            }
            "ConditionalCheckFailed" => {
                // A new guard another item holds; or an old one: the stored
                // item held values it never guarded (written before they
                // were unique), which another item has claimed since.
                let Some(guard) = planned.guards.get(position - 1) else {
                    continue;
                };
                return Attempt::Failed(guard.clash(meta));
            }
            "TransactionConflict" => conflict = true,
            code => {
                return Attempt::Failed(Error::TransactionCanceled {
                    operation: Operation::TransactWrite,
                    actions: vec![CanceledAction {
                        position,
                        entity: prepared.entity,
                        operation: prepared.operation,
                        reason: CancelReason::Other {
                            code: code.to_owned(),
                            message: reason.message,
                        },
                    }],
                })
            }
        }
    }
    let error = Error::TransactionCanceled {
        operation: Operation::TransactWrite,
        actions: vec![CanceledAction {
            position: 0,
            entity: prepared.entity,
            operation: prepared.operation,
            reason: CancelReason::TransactionConflict,
        }],
    };
    if conflict {
        Attempt::Retry(error)
    } else {
        Attempt::Failed(error)
    }
}
