//! DynamoDB's item size rules, to reject oversized items before sending.
//!
//! The rules are those of "DynamoDB item sizes and formats" in the DynamoDB
//! developer guide
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>):
//!
//! - an item is the sum of its attributes, each the UTF-8 length of its name
//!   plus the size of its value;
//! - `S`: the UTF-8 length; `B`: the raw (not base64) length;
//! - `N`: 1 byte per two significant digits, plus 1 byte, where leading and
//!   trailing zeros are not significant: `(digits + 1) / 2 + 1` (so `0` is 1
//!   byte, `12345` is 4, `-1.5` is 2). The guide calls this approximate;
//!   measurements (Zac Charles' calculator) suggest DynamoDB can charge a
//!   byte or two more (digits paired at the decimal point, a byte for the
//!   sign), so for numbers this is a lower bound, and the check never refuses
//!   an item DynamoDB would take;
//! - `BOOL` and `NULL`: 1 byte;
//! - `L` and `M`: 3 bytes, plus for each element 1 byte and its size (for
//!   `M`, the size includes the UTF-8 length of the element's name);
//! - `SS`, `NS`, `BS`: the sum of the element sizes (the guide does not list
//!   sets; this is how they are commonly counted).

use crate::error::Error;
use crate::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// DynamoDB's maximum item size: 400 KB, names and values together.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size DynamoDB charges for `item`, in bytes.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

/// The size of one attribute value, without its name.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum::<usize>(),
        AttributeValue::Ss(strings) => strings.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

/// The size of a number given as text (`-1.5`, `12E3`): one byte per two
/// significant digits, rounded up, plus one.
pub fn number_size(text: &str) -> usize {
    significant_digits(text).div_ceil(2) + 1
}

/// Digits from the first to the last nonzero digit of the mantissa.
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let mut count = 0;
    let mut pending_zeros = 0;
    for b in mantissa.bytes() {
        match b {
            b'0' if count > 0 => pending_zeros += 1,
            b'1'..=b'9' => {
                count += pending_zeros + 1;
                pending_zeros = 0;
            }
            _ => {}
        }
    }
    count
}

/// The size of `item`, or [`Error::ItemTooLarge`] when it exceeds
/// [`MAX_ITEM_SIZE`].
pub fn check_item_size(entity: &'static str, item: &Item) -> Result<usize, Error> {
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        Err(Error::ItemTooLarge {
            entity,
            size,
            max: MAX_ITEM_SIZE,
        })
    } else {
        Ok(size)
    }
}
