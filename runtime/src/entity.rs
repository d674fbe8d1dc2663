//! The traits generated code implements.

use crate::error::{DecodeError, Error};
use crate::Item;

/// A generated entity: a Rust struct stored as one DynamoDB item.
pub trait Entity: Sized + Send + Sync + 'static {
    /// The entity's name as written in the schema: stored in the table's
    /// entity-tag attribute and used as the key label.
    const NAME: &'static str;

    /// The complete item: every attribute that has a value, the primary key,
    /// the key attributes of every secondary index whose composites are all
    /// present (an absent optional composite leaves a sparse index out), and
    /// the entity tag. Fails on keys over DynamoDB's length limits.
    fn to_item(&self) -> Result<Item, Error>;

    /// Decodes an item. Unknown attributes (other entities' fields, keys,
    /// attributes added by a newer schema) are ignored.
    fn from_item(item: Item) -> Result<Self, DecodeError>;

    /// The primary key attributes (`pk` and `sk`) of this item.
    fn primary_key(&self) -> Result<Item, Error>;
}

/// The primary key of one entity: exactly what identifies one item.
///
/// The associated `Entity` is what makes passing a `UserKey` to
/// `repositories().get(..)` a compile error.
pub trait PrimaryKey: Send + Sync {
    type Entity: Entity;

    /// The `pk` (and `sk`) attributes of the item this key identifies.
    fn to_key(&self) -> Result<Item, Error>;
}

/// What a query yields per item: an entity, or one member of a collection.
pub trait FromItem: Sized + Send + 'static {
    /// Decodes one item; `Ok(None)` skips it (an item of an entity this
    /// reader does not know, e.g. one added by a newer schema).
    fn from_item(item: Item) -> Result<Option<Self>, DecodeError>;
}
