//! Rust values to and from DynamoDB `AttributeValue`s, without serde.

use crate::error::ValueError;
use crate::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// Binary data (`bytes` in a schema), stored as `B`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

/// A type that is stored as one attribute value.
pub trait AttributeCodec: Sized {
    /// The stored value; `None` when there is nothing to store (an empty set,
    /// which DynamoDB cannot hold).
    fn encode(&self) -> Option<AttributeValue>;

    /// Decodes a stored value.
    fn decode(value: AttributeValue) -> Result<Self, ValueError>;

    /// What an absent attribute means: `None` (an error for required
    /// attributes), except for sets, which are stored absent when empty.
    fn absent() -> Option<Self> {
        None
    }
}

/// Removes `field` from `item` and decodes it; absent means [`AttributeCodec::absent`].
pub fn take<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<T, ValueError> {
    let _ = (item, field);
    todo!("value codec")
}

/// Like [`take`] for optional attributes: absent or `NULL` is `None`.
pub fn take_optional<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<Option<T>, ValueError> {
    let _ = (item, field);
    todo!("value codec")
}

/// Stores `value` under `field` (nothing for an empty set).
pub fn put<T: AttributeCodec>(item: &mut Item, field: &str, value: &T) {
    let _ = (item, field, value);
    todo!("value codec")
}

/// Stores `value` under `field` when it is `Some`.
pub fn put_optional<T: AttributeCodec>(item: &mut Item, field: &str, value: &Option<T>) {
    let _ = (item, field, value);
    todo!("value codec")
}
