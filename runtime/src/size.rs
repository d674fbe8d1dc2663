//! DynamoDB's item size rules, to reject oversized items before sending.

use crate::Item;

/// DynamoDB's maximum item size: 400 KB, names and values together.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size DynamoDB charges for `item`, in bytes.
pub fn item_size(item: &Item) -> usize {
    let _ = item;
    todo!("item size")
}
