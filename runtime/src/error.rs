//! One error type for everything a generated access layer can do wrong.
//! Every variant names the entity (and the attribute or operation) involved.

use std::fmt;

/// `crate::Item`, spelled out: this module depends on nothing else in the
/// crate, so every other module can use it without an import circle.
#[cfg(feature = "client")]
type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// The DynamoDB operation an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Get,
    Put,
    Create,
    Delete,
    Update,
    Upsert,
    Query,
    Scan,
    /// A condition check of a transaction.
    ConditionCheck,
    BatchGet,
    BatchWrite,
    TransactWrite,
    TransactGet,
    CreateTable,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Get => "get",
            Operation::Put => "put",
            Operation::Create => "create",
            Operation::Delete => "delete",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Query => "query",
            Operation::Scan => "scan",
            Operation::ConditionCheck => "condition check",
            Operation::BatchGet => "batch get",
            Operation::BatchWrite => "batch write",
            Operation::TransactWrite => "transaction",
            Operation::TransactGet => "transactional get",
            Operation::CreateTable => "create table",
        })
    }
}

/// Errors of the generated access layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item does not exist (`update`, `delete_existing`, versioned `delete`).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },

    /// `create` found an item with the same primary key.
    #[error("{entity} already exists")]
    AlreadyExists { entity: &'static str },

    /// A condition of the request did not hold. `current` is the item as it
    /// is stored (`None` when there is none), read by the failed request
    /// itself: see [`Error::current`].
    #[error("condition failed on {operation} of {entity}")]
    ConditionFailed {
        entity: &'static str,
        operation: Operation,
        current: Option<Current>,
    },

    /// The stored item's version is not the one the write expected: someone
    /// else wrote it since it was read. `current` is the stored item.
    #[error("version conflict on {operation} of {entity}: expected version {expected}, found {found}")]
    VersionConflict {
        entity: &'static str,
        operation: Operation,
        expected: i128,
        found: i128,
        current: Option<Current>,
    },

    /// An item read from the table does not fit its entity.
    #[error(transparent)]
    Decode(#[from] DecodeError),

    /// The item read is not an `expected` item: the table's entity tag
    /// names another entity (`found`), or the item has no tag at all
    /// (`found: None`). It was not decoded; `item` is the item as stored.
    #[cfg(feature = "client")]
    #[error("expected a `{expected}` item, found {}", found_entity(found.as_deref()))]
    WrongEntity {
        expected: &'static str,
        found: Option<String>,
        item: Box<Item>,
    },

    /// DynamoDB applied the write, but the item it returned (the item as
    /// written, or as it was) does not decode, because another attribute of
    /// the stored item does not fit the entity. The write is done: do not
    /// retry it. `item` is the item DynamoDB returned.
    #[cfg(feature = "client")]
    #[error("{operation} of {entity} was applied, but the item DynamoDB returned does not decode: {source}")]
    WrittenUndecodable {
        entity: &'static str,
        operation: Operation,
        item: Box<Item>,
        #[source]
        source: DecodeError,
    },

    /// The write would give a unique attribute (or set of attributes) a
    /// value another item of the entity holds: its guard item belongs to
    /// that item. Nothing was written.
    #[error(
        "{entity}: {} = {} is held by another item",
        describe_fields(attributes),
        describe_values(values)
    )]
    NotUnique {
        entity: &'static str,
        /// The unique set's attributes, as the schema names them.
        attributes: &'static [&'static str],
        /// Their values, as stored (numbers in their shortest form).
        values: Vec<String>,
    },

    /// DynamoDB applied the write (a transaction, as writes of entities with
    /// unique attributes are), but reading the item back afterwards failed.
    /// The write is done: do not retry it.
    #[cfg(feature = "client")]
    #[error("{operation} of {entity} was applied, but reading the item back failed: {source}")]
    WrittenUnread {
        entity: &'static str,
        operation: Operation,
        #[source]
        source: Box<Error>,
    },

    /// A key value exceeds DynamoDB's limit (2048 bytes for partition keys,
    /// 1024 for sort keys); checked before any request is sent.
    #[error("{entity}: key attribute `{attribute}` would be {length} bytes; DynamoDB allows {max}")]
    KeyTooLong {
        entity: &'static str,
        attribute: &'static str,
        length: usize,
        max: usize,
    },

    /// An item exceeds DynamoDB's 400 KB limit; checked before sending.
    #[error("{entity}: item is {size} bytes; DynamoDB allows {max}")]
    ItemTooLarge {
        entity: &'static str,
        size: usize,
        max: usize,
    },

    /// A key value cannot be encoded (e.g. a timestamp outside years 0..=9999).
    #[error("{entity}: key composite `{attribute}`: {message}")]
    InvalidKey {
        entity: &'static str,
        attribute: &'static str,
        message: String,
    },

    /// A value that DynamoDB cannot store (a NaN or infinite `f64`);
    /// checked before sending.
    #[error("{entity}: attribute `{attribute}`: {message}")]
    InvalidValue {
        entity: &'static str,
        attribute: &'static str,
        message: String,
    },

    /// A nested update (`.at(|a| a.ship_to.fields().city)`) that cannot be
    /// written: the map or list it goes into is not stored (DynamoDB
    /// refuses such a path), it overlaps another action of the update, or
    /// it names a whole attribute or one the update may not change.
    /// Nothing was written.
    #[error("{entity}: update of `{path}`: {reason}")]
    InvalidPath {
        entity: &'static str,
        path: String,
        reason: String,
    },

    /// A cursor that is malformed or belongs to another query.
    #[error("invalid cursor for {entity} query: {reason}")]
    InvalidCursor { entity: &'static str, reason: String },

    /// A query that cannot do what it was asked: a filter on an access
    /// pattern that reads a keys-only index (`fetch`), whose entries hold no
    /// attributes to filter on. Nothing was read.
    #[error("{entity} query: {reason}")]
    UnsupportedQuery { entity: &'static str, reason: String },

    /// A key of a batch or transactional get that DynamoDB did not read
    /// after every retry (see the result's leftovers).
    #[error("{entity}: not read by the {operation}: DynamoDB left the key unprocessed after every retry")]
    Unprocessed { entity: &'static str, operation: Operation },

    /// A batch request failed for another reason than throttling. `done`
    /// reads or writes were carried out (the other chunks still ran);
    /// `leftovers` are the keys or items that were not, typed.
    #[cfg(feature = "client")]
    #[error("{operation} stopped after {done} done, {} left over: {source}", leftovers.len())]
    Batch {
        operation: Operation,
        done: usize,
        leftovers: Vec<Leftover>,
        #[source]
        source: Box<Error>,
    },

    /// A transaction with more actions than DynamoDB allows; nothing was sent.
    #[error("a transaction holds {actions} actions; DynamoDB allows {max}")]
    TransactionTooLarge { actions: usize, max: usize },

    /// Two actions of a transaction on one item, which DynamoDB refuses;
    /// nothing was sent. Positions count from 0.
    #[error("actions {first} and {second} of the transaction are both on one {entity} item")]
    TransactionDuplicate {
        entity: &'static str,
        first: usize,
        second: usize,
    },

    /// DynamoDB canceled the transaction: nothing was written. Each action
    /// that caused it, with its position, entity, operation and reason.
    #[cfg(feature = "client")]
    #[error("{operation} canceled: {}", describe_canceled(actions))]
    TransactionCanceled {
        operation: Operation,
        actions: Vec<CanceledAction>,
    },

    /// The request failed in the SDK or in DynamoDB.
    #[error("{operation} of {entity} failed: {source}")]
    Sdk {
        entity: &'static str,
        operation: Operation,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// `a \`Post\` item`, or what an untagged item is.
#[cfg(feature = "client")]
fn found_entity(found: Option<&str>) -> String {
    match found {
        Some(entity) => format!("a `{entity}` item"),
        None => "an item without an entity tag".to_string(),
    }
}

impl Error {
    /// The stored item a failed condition or version check found, if it is
    /// an `E` that decodes: `err.current::<Issue>()`.
    pub fn current<E: 'static>(&self) -> Option<&E> {
        self.current_item().and_then(Current::get)
    }

    /// What a failed condition or version check found stored, decoded or
    /// not ([`Current::undecodable`]).
    pub fn current_item(&self) -> Option<&Current> {
        match self {
            Error::ConditionFailed { current, .. } | Error::VersionConflict { current, .. } => current.as_ref(),
            _ => None,
        }
    }

    /// Whether DynamoDB applied the write this error is about: true only for
    /// [`Error::WrittenUndecodable`] and [`Error::WrittenUnread`]. Every
    /// other error of a single write means nothing was written.
    pub fn was_applied(&self) -> bool {
        #[cfg(feature = "client")]
        if let Error::WrittenUndecodable { .. } | Error::WrittenUnread { .. } = self {
            return true;
        }
        false
    }

    /// Wraps an SDK error, keeping it as the source.
    pub fn sdk(
        entity: &'static str,
        operation: Operation,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Sdk {
            entity,
            operation,
            source: Box::new(source),
        }
    }
}

/// An item of any entity, carried by errors that report what is stored.
/// [`Current::get`] gives it back typed; a stored item that does not decode
/// is kept as it is stored ([`Current::undecodable`]), so a refusal is
/// still reported as a refusal.
pub struct Current(Stored);

enum Stored {
    Decoded(Box<dyn AnyItem>),
    /// Boxed whole, so that errors carrying a `Current` stay small.
    #[cfg(feature = "client")]
    Undecodable(Box<Undecodable>),
}

#[cfg(feature = "client")]
#[derive(Debug)]
struct Undecodable {
    item: Item,
    error: DecodeError,
}

trait AnyItem: std::any::Any + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any + fmt::Debug + Send + Sync> AnyItem for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Current {
    pub fn new<E: std::any::Any + fmt::Debug + Send + Sync>(item: E) -> Self {
        Current(Stored::Decoded(Box::new(item)))
    }

    /// A stored item that does not decode, with the reason.
    #[cfg(feature = "client")]
    pub fn new_undecodable(item: Item, error: DecodeError) -> Self {
        Current(Stored::Undecodable(Box::new(Undecodable { item, error })))
    }

    /// The item, if it is an `E` (and decoded).
    pub fn get<E: 'static>(&self) -> Option<&E> {
        match &self.0 {
            // `as_any` of the item, not of the box (which is `Any` too).
            Stored::Decoded(item) => (**item).as_any().downcast_ref(),
            #[cfg(feature = "client")]
            Stored::Undecodable(_) => None,
        }
    }

    /// The item as stored and why it does not decode, when it does not.
    #[cfg(feature = "client")]
    pub fn undecodable(&self) -> Option<(&Item, &DecodeError)> {
        match &self.0 {
            Stored::Decoded(_) => None,
            Stored::Undecodable(stored) => Some((&stored.item, &stored.error)),
        }
    }
}

impl fmt::Debug for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Stored::Decoded(item) => item.fmt(f),
            #[cfg(feature = "client")]
            Stored::Undecodable(stored) => stored.fmt(f),
        }
    }
}

/// What is wrong with one value, relative to where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueErrorKind {
    /// A required attribute is absent.
    Missing,
    /// The attribute holds another DynamoDB type.
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// The type is right but the value is not (a number out of range, an
    /// unknown enum value, a malformed timestamp).
    Invalid(String),
}

/// A value that could not be decoded, with its path inside the attribute
/// (`""` for the attribute itself, `.city`, `[2].sku`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub path: String,
    pub kind: ValueErrorKind,
}

impl ValueError {
    pub fn new(kind: ValueErrorKind) -> Self {
        ValueError {
            path: String::new(),
            kind,
        }
    }

    pub fn missing() -> Self {
        ValueError::new(ValueErrorKind::Missing)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ValueError::new(ValueErrorKind::Invalid(message.into()))
    }

    /// Prefixes the path, as an error travels out of a nested value.
    pub fn within(mut self, segment: impl fmt::Display) -> Self {
        self.path = format!("{segment}{}", self.path);
        self
    }

    /// Names the entity and attribute the value belongs to.
    pub fn at(self, entity: &'static str, attribute: &str) -> DecodeError {
        DecodeError {
            entity,
            attribute: format!("{attribute}{}", self.path),
            kind: self.kind,
        }
    }
}

/// An item that does not decode into its entity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    pub entity: &'static str,
    /// The stored attribute name, with the path inside it (`shipTo.city`).
    pub attribute: String,
    pub kind: ValueErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (entity, attribute) = (self.entity, &self.attribute);
        match &self.kind {
            ValueErrorKind::Missing => write!(f, "cannot decode {entity}: attribute `{attribute}` is missing"),
            ValueErrorKind::WrongType { expected, found } => write!(
                f,
                "cannot decode {entity}: attribute `{attribute}` holds {found}, expected {expected}"
            ),
            ValueErrorKind::Invalid(message) => {
                write!(f, "cannot decode {entity}: attribute `{attribute}`: {message}")
            }
        }
    }
}

/// A key or item a batch could not read or write: after every retry, or
/// because its request failed. [`Leftover::get`] gives it back typed.
#[cfg(feature = "client")]
pub struct Leftover {
    pub entity: &'static str,
    /// `BatchGet` (a key), `Put` (an item as it would have been written) or
    /// `Delete` (a key).
    pub operation: Operation,
    pub(crate) value: Current,
}

#[cfg(feature = "client")]
impl Leftover {
    /// The key or item, if it is a `T`: `leftover.get::<UserKey>()`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.value.get()
    }
}

#[cfg(feature = "client")]
impl fmt::Debug for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Leftover({} of {}: {:?})", self.operation, self.entity, self.value)
    }
}

/// Why DynamoDB canceled a transaction, for one action.
#[cfg(feature = "client")]
#[derive(Debug)]
#[non_exhaustive]
pub enum CancelReason {
    /// The action's condition did not hold: `NotFound`, `AlreadyExists`,
    /// `VersionConflict` or `ConditionFailed` (with the stored item), as the
    /// same write alone would have failed.
    Refused(Box<Error>),
    /// Another transaction or write was changing the item at the same time.
    TransactionConflict,
    /// DynamoDB throttled the action (`ProvisionedThroughputExceeded`,
    /// `ThrottlingError`, `RequestLimitExceeded`): send the transaction again.
    Throttled { code: String },
    /// A local index's item collection would exceed 10 GB.
    ItemCollectionSizeLimitExceeded,
    /// DynamoDB found the action invalid.
    Validation { message: String },
    /// A code this version of dyngen does not know.
    Other { code: String, message: Option<String> },
}

#[cfg(feature = "client")]
impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelReason::Refused(error) => write!(f, "{error}"),
            CancelReason::TransactionConflict => f.write_str("transaction conflict"),
            CancelReason::Throttled { code } => write!(f, "throttled ({code})"),
            CancelReason::ItemCollectionSizeLimitExceeded => f.write_str("item collection over 10 GB"),
            CancelReason::Validation { message } => write!(f, "invalid: {message}"),
            CancelReason::Other { code, message } => match message {
                Some(message) => write!(f, "{code}: {message}"),
                None => f.write_str(code),
            },
        }
    }
}

/// One action of a canceled transaction and why it failed.
#[cfg(feature = "client")]
#[derive(Debug)]
pub struct CanceledAction {
    /// The action's position in the transaction, from 0.
    pub position: usize,
    pub entity: &'static str,
    pub operation: Operation,
    pub reason: CancelReason,
}

/// "action 1 (update of Issue): …; action 3 (…)…", for the error message.
#[cfg(feature = "client")]
pub(crate) fn describe_canceled(actions: &[CanceledAction]) -> String {
    if actions.is_empty() {
        return "no reason given".to_string();
    }
    actions
        .iter()
        .map(|a| format!("action {} ({} of {}): {}", a.position, a.operation, a.entity, a.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `` `email` `` or `` [`org`, `slug`] ``.
fn describe_fields(attributes: &[&str]) -> String {
    match attributes {
        [one] => format!("`{one}`"),
        many => format!(
            "[{}]",
            many.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `` `ada@example.com` `` or `` [`acme`, `blog`] ``.
fn describe_values(values: &[String]) -> String {
    match values {
        [one] => format!("`{one}`"),
        many => format!(
            "[{}]",
            many.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A copy of `error`, for errors recorded once and reported by every run of
/// the query. `Error` is not `Clone` because of its SDK source; that variant
/// cannot arise while building a query, but is copied as its message.
#[cfg(feature = "client")]
pub(crate) fn duplicate(error: &Error) -> Error {
    match error {
        Error::NotUnique {
            entity,
            attributes,
            values,
        } => Error::NotUnique {
            entity,
            attributes,
            values: values.clone(),
        },
        #[cfg(feature = "client")]
        Error::WrittenUnread {
            entity,
            operation,
            source,
        } => Error::WrittenUnread {
            entity,
            operation: *operation,
            source: Box::new(duplicate(source)),
        },
        Error::NotFound { entity } => Error::NotFound { entity },
        Error::AlreadyExists { entity } => Error::AlreadyExists { entity },
        Error::UnsupportedQuery { entity, reason } => Error::UnsupportedQuery {
            entity,
            reason: reason.clone(),
        },
        // Write errors; a query never records them. The item is not copied.
        Error::ConditionFailed { entity, operation, .. } => Error::ConditionFailed {
            entity,
            operation: *operation,
            current: None,
        },
        Error::VersionConflict {
            entity,
            operation,
            expected,
            found,
            ..
        } => Error::VersionConflict {
            entity,
            operation: *operation,
            expected: *expected,
            found: *found,
            current: None,
        },
        Error::Decode(e) => Error::Decode(e.clone()),
        Error::WrongEntity { expected, found, item } => Error::WrongEntity {
            expected,
            found: found.clone(),
            item: item.clone(),
        },
        Error::WrittenUndecodable {
            entity,
            operation,
            item,
            source,
        } => Error::WrittenUndecodable {
            entity,
            operation: *operation,
            item: item.clone(),
            source: source.clone(),
        },
        Error::KeyTooLong {
            entity,
            attribute,
            length,
            max,
        } => Error::KeyTooLong {
            entity,
            attribute,
            length: *length,
            max: *max,
        },
        Error::ItemTooLarge { entity, size, max } => Error::ItemTooLarge {
            entity,
            size: *size,
            max: *max,
        },
        Error::InvalidKey {
            entity,
            attribute,
            message,
        } => Error::InvalidKey {
            entity,
            attribute,
            message: message.clone(),
        },
        Error::InvalidValue {
            entity,
            attribute,
            message,
        } => Error::InvalidValue {
            entity,
            attribute,
            message: message.clone(),
        },
        Error::InvalidCursor { entity, reason } => Error::InvalidCursor {
            entity,
            reason: reason.clone(),
        },
        Error::InvalidPath { entity, path, reason } => Error::InvalidPath {
            entity,
            path: path.clone(),
            reason: reason.clone(),
        },
        // Batch and transaction errors; a query never records them.
        other @ (Error::Unprocessed { .. }
        | Error::Batch { .. }
        | Error::TransactionTooLarge { .. }
        | Error::TransactionDuplicate { .. }
        | Error::TransactionCanceled { .. }) => Error::Sdk {
            entity: "query",
            operation: Operation::Query,
            source: other.to_string().into(),
        },
        Error::Sdk {
            entity,
            operation,
            source,
        } => Error::Sdk {
            entity,
            operation: *operation,
            source: source.to_string().into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_gives_back_the_item_by_its_type() {
        let error = Error::ConditionFailed {
            entity: "Thing",
            operation: Operation::Update,
            current: Some(Current::new(String::from("stored"))),
        };
        assert_eq!(error.current::<String>().map(String::as_str), Some("stored"));
        assert_eq!(error.current::<u32>(), None);
    }

    #[cfg(feature = "client")]
    #[test]
    fn duplicate_keeps_variant_and_message() {
        let e = duplicate(&Error::InvalidKey {
            entity: "Thing",
            attribute: "id",
            message: "bad".into(),
        });
        assert!(matches!(e, Error::InvalidKey { entity: "Thing", attribute: "id", ref message } if message == "bad"));
        let sdk = duplicate(&Error::sdk("Thing", Operation::Query, std::io::Error::other("boom")));
        assert_eq!(sdk.to_string(), "query of Thing failed: boom");
    }
}
