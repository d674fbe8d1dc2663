//! Rust values to and from DynamoDB `AttributeValue`s, without serde.
//!
//! | Rust type | Stored as |
//! |---|---|
//! | `String` | `S` |
//! | `bool` | `BOOL` |
//! | `i32`, `i64`, `u32`, `u64` | `N`, an integer |
//! | `f64` | `N`, the shortest text that reads back as the same `f64` |
//! | [`Decimal`] | `N`, normalized (no trailing zeros) |
//! | `DateTime<Utc>` | `S`, RFC 3339 with nine fraction digits and `Z` |
//! | [`Bytes`] | `B` |
//! | `Vec<T>` | `L` |
//! | `BTreeMap<String, T>` | `M` |
//! | `BTreeSet<String>` | `SS` |
//! | `BTreeSet<i32 / i64 / u32 / u64 / Decimal>` | `NS` |
//! | `BTreeSet<Bytes>` | `BS` |
//! | [`EpochSeconds`] (a TTL timestamp) | `N`, whole seconds since the Unix epoch |
//!
//! Decoding moves strings, vectors and maps out of the `AttributeValue`; it
//! never clones them. A value of the wrong DynamoDB type is
//! [`ValueErrorKind::WrongType`], named with DynamoDB's type letters (`S`,
//! `N`, `B`, `BOOL`, `NULL`, `L`, `M`, `SS`, `NS`, `BS`). Errors inside lists
//! and maps carry their path (`[2]`, `.key`, `[2].key`).
//!
//! # Empty sets
//!
//! DynamoDB cannot store an empty set, so an empty set encodes to `None` and
//! the attribute is left out; an absent set attribute decodes to an empty set
//! ([`AttributeCodec::absent`]). Where a value cannot be left out, as an
//! element of a list or a value of a map, an empty set is stored as `NULL`,
//! and `NULL` decodes back to the empty set.
//!
//! # `f64`
//!
//! DynamoDB numbers are decimals of at most 38 significant digits with a
//! magnitude from `1E-130` up to (not including) `1E+126`; NaN and the
//! infinities have no representation, and neither do finite `f64`s outside
//! that range. [`AttributeCodec::encode`] is infallible, so:
//!
//! - a finite `f64` encodes to the shortest decimal text that reads back as
//!   the same `f64` (at most 17 significant digits), in exponent notation
//!   (`1.5e300`) when its magnitude is below `1e-7` or from `1e21` on, and in
//!   plain notation otherwise. `-0.0` is stored as `0`. A finite value out of
//!   DynamoDB's range encodes, but DynamoDB rejects the request;
//! - NaN and the infinities encode to `NULL`, and decoding `NULL` as a
//!   required `f64` is an error (`NaN or infinite f64 cannot be stored`).
//!
//! Neither is meant to happen: generated code calls [`validate_f64`] before
//! it stores an `f64`, so the caller gets an error before anything is sent.

use crate::error::{ValueError, ValueErrorKind};
use crate::Item;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

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

    /// Whether DynamoDB can store the value; `Err` says why not. Only values
    /// holding an `f64` can fail (NaN, infinities, magnitudes DynamoDB's
    /// numbers cannot hold): the generated `to_item` calls this before
    /// writing, so such values are an error rather than a silent `NULL`.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Removes `field` from `item` and decodes it; absent means [`AttributeCodec::absent`].
///
/// `NULL` is treated like an absent attribute for types that have an
/// absent value (sets); for every other type it is a wrong type.
#[inline]
pub fn take<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<T, ValueError> {
    match item.remove(field) {
        Some(value) => decode_element(value),
        None => T::absent().ok_or_else(ValueError::missing),
    }
}

/// Like [`take`] for optional attributes: absent or `NULL` is `None`.
#[inline]
pub fn take_optional<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<Option<T>, ValueError> {
    match item.remove(field) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(value) => T::decode(value).map(Some),
    }
}

/// Like [`take`], for a field of a nested struct: errors get `.field` in
/// front of their path.
#[inline]
pub fn take_field<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<T, ValueError> {
    take(item, field).map_err(|e| e.within(format_args!(".{field}")))
}

/// Like [`take_optional`], for a field of a nested struct: errors get
/// `.field` in front of their path.
#[inline]
pub fn take_optional_field<T: AttributeCodec>(item: &mut Item, field: &str) -> Result<Option<T>, ValueError> {
    take_optional(item, field).map_err(|e| e.within(format_args!(".{field}")))
}

/// Stores `value` under `field` (nothing for an empty set).
#[inline]
pub fn put<T: AttributeCodec>(item: &mut Item, field: &str, value: &T) {
    if let Some(value) = value.encode() {
        item.insert(field.to_owned(), value);
    }
}

/// Stores `value` under `field` when it is `Some`.
#[inline]
pub fn put_optional<T: AttributeCodec>(item: &mut Item, field: &str, value: &Option<T>) {
    if let Some(value) = value {
        put(item, field, value);
    }
}

/// An item being written, attribute by attribute: what generated
/// `to_item`, `PrimaryKey::to_key` and struct encoders build, the mirror of
/// [`Decoder`].
#[derive(Debug, Default)]
pub struct Encoder {
    item: Item,
}

impl Encoder {
    /// An empty item with room for `capacity` attributes.
    pub fn with_capacity(capacity: usize) -> Self {
        Encoder {
            item: Item::with_capacity(capacity),
        }
    }

    /// Stores `value` under `field` (nothing for an empty set).
    #[inline]
    pub fn put<T: AttributeCodec>(&mut self, field: &str, value: &T) {
        put(&mut self.item, field, value);
    }

    /// Stores `value` under `field` when it is `Some`.
    #[inline]
    pub fn put_optional<T: AttributeCodec>(&mut self, field: &str, value: &Option<T>) {
        put_optional(&mut self.item, field, value);
    }

    /// Stores an encoded value under `field`.
    pub fn insert(&mut self, field: &str, value: aws_sdk_dynamodb::types::AttributeValue) {
        self.item.insert(field.to_owned(), value);
    }

    /// Stores a string key attribute (or the entity tag) under `field`.
    pub fn key(&mut self, field: &str, text: impl Into<String>) {
        self.insert(field, aws_sdk_dynamodb::types::AttributeValue::S(text.into()));
    }

    /// Stores a key attribute of type `ty` from the text its key builder
    /// made (see [`crate::key::attribute`]).
    pub fn typed_key(&mut self, field: &str, ty: crate::key::KeyType, text: String) {
        self.insert(field, crate::key::attribute(ty, text));
    }

    /// The item as written.
    pub fn finish(self) -> Item {
        self.item
    }
}

/// DynamoDB's name for the type of `value`: `S`, `N`, `B`, `BOOL`, `NULL`,
/// `L`, `M`, `SS`, `NS` or `BS` (`unknown` for a type this SDK version does
/// not know).
pub fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "unknown",
    }
}

#[cold]
#[inline(never)]
fn wrong_type(expected: &'static str, found: &AttributeValue) -> ValueError {
    ValueError::new(ValueErrorKind::WrongType {
        expected,
        found: type_name(found),
    })
}

/// Decodes a list element or map value: `NULL` stands for an empty set.
#[inline]
fn decode_element<T: AttributeCodec>(value: AttributeValue) -> Result<T, ValueError> {
    if let AttributeValue::Null(_) = value {
        if let Some(absent) = T::absent() {
            return Ok(absent);
        }
    }
    T::decode(value)
}

/// Encodes a list element or map value: an empty set becomes `NULL`.
#[inline]
fn encode_element<T: AttributeCodec>(value: &T) -> AttributeValue {
    value.encode().unwrap_or(AttributeValue::Null(true))
}

// ---------------------------------------------------------------------------
// Strings, booleans, bytes

impl AttributeCodec for String {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::S(self.clone()))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::S(s) => Ok(s),
            other => Err(wrong_type("S", &other)),
        }
    }
}

impl AttributeCodec for bool {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::Bool(*self))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::Bool(b) => Ok(b),
            other => Err(wrong_type("BOOL", &other)),
        }
    }
}

impl AttributeCodec for Bytes {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::B(Blob::new(self.0.clone())))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::B(b) => Ok(Bytes(b.into_inner())),
            other => Err(wrong_type("B", &other)),
        }
    }
}

// ---------------------------------------------------------------------------
// Numbers

/// A DynamoDB number taken apart: `±mantissa × 10^exponent`, the mantissa
/// without leading or trailing zeros (0 for zero, with exponent 0).
struct Number {
    negative: bool,
    mantissa: u128,
    exponent: i64,
}

/// Why a number text is not a [`Number`].
enum NumberSyntax {
    Malformed,
    TooManyDigits,
}

/// At most this many significant digits, as in DynamoDB (and they fit a u128).
const MAX_DIGITS: u32 = 38;

impl Number {
    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (`.5` and `5.` too).
    fn parse(text: &str) -> Result<Number, NumberSyntax> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let mut mantissa: u128 = 0;
        let mut digits = 0u32; // significant digits in `mantissa`
        let mut pending_zeros = 0u32; // zeros after the last nonzero digit
        let mut fraction_len: i64 = 0;
        let mut seen_digit = false;
        let mut seen_point = false;
        while i < bytes.len() {
            match bytes[i] {
                b'0' => {
                    seen_digit = true;
                    if mantissa != 0 {
                        pending_zeros += 1;
                    }
                    fraction_len += i64::from(seen_point);
                }
                d @ b'1'..=b'9' => {
                    seen_digit = true;
                    fraction_len += i64::from(seen_point);
                    digits += pending_zeros + 1;
                    if digits > MAX_DIGITS {
                        return Err(NumberSyntax::TooManyDigits);
                    }
                    mantissa = mantissa * 10u128.pow(pending_zeros + 1) + u128::from(d - b'0');
                    pending_zeros = 0;
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return Err(NumberSyntax::Malformed),
            }
            i += 1;
        }
        if !seen_digit {
            return Err(NumberSyntax::Malformed);
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() {
            // bytes[i] is the exponent marker.
            i += 1;
            let exponent_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            if i == bytes.len() {
                return Err(NumberSyntax::Malformed);
            }
            for &b in &bytes[i..] {
                if !b.is_ascii_digit() {
                    return Err(NumberSyntax::Malformed);
                }
                // Saturate: anything this large is out of every range anyway.
                exponent = (exponent * 10 + i64::from(b - b'0')).min(1 << 40);
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        if mantissa == 0 {
            return Ok(Number {
                negative: false,
                mantissa: 0,
                exponent: 0,
            });
        }
        Ok(Number {
            negative,
            mantissa,
            exponent: exponent - fraction_len + i64::from(pending_zeros),
        })
    }
}

/// Whether DynamoDB stores `text` as a number: the syntax, at most 38
/// significant digits, and a magnitude from 1e-130 to below 1e126 (what a
/// `json` document's numbers are checked against before writing).
pub(crate) fn check_number_text(text: &str) -> Result<(), String> {
    match Number::parse(text) {
        Err(NumberSyntax::Malformed) => Err(format!("`{text}` is not a number")),
        Err(NumberSyntax::TooManyDigits) => Err(format!("{text} has more than {MAX_DIGITS} significant digits")),
        Ok(n) if n.mantissa == 0 => Ok(()),
        Ok(n) => {
            // The exponent of the leading digit: 1.5e3 has magnitude 3.
            let magnitude = n.exponent + i64::from(n.mantissa.ilog10());
            if (-130..=125).contains(&magnitude) {
                Ok(())
            } else {
                Err(format!(
                    "{text} is outside DynamoDB's number range (magnitudes from 1e-130 to below 1e126)"
                ))
            }
        }
    }
}

/// Whether two number texts are the same number (`1E+2` and `100.0` are).
pub(crate) fn same_number(a: &str, b: &str) -> bool {
    match (Number::parse(a), Number::parse(b)) {
        (Ok(a), Ok(b)) => a.negative == b.negative && a.mantissa == b.mantissa && a.exponent == b.exponent,
        _ => false,
    }
}

#[cold]
#[inline(never)]
fn not_a_number(text: &str) -> ValueError {
    ValueError::invalid(format!("`{text}` is not a number"))
}

#[cold]
#[inline(never)]
fn out_of_range(text: &str, type_name: &str) -> ValueError {
    ValueError::invalid(format!("{text} is out of range for {type_name}"))
}

#[cold]
#[inline(never)]
fn not_an_integer(text: &str, type_name: &str) -> ValueError {
    ValueError::invalid(format!("{text} is not an integer, as {type_name} requires"))
}

/// Parses an integer; the fast path is the plain decimal form.
#[inline]
fn parse_integer<T>(text: &str, type_name: &'static str) -> Result<T, ValueError>
where
    T: std::str::FromStr + TryFrom<i128>,
{
    match text.parse::<T>() {
        Ok(v) => Ok(v),
        Err(_) => parse_integer_slow(text, type_name),
    }
}

/// Integers in any form DynamoDB accepts (`1E+3`, `1000.0`), with precise errors.
#[cold]
#[inline(never)]
fn parse_integer_slow<T: TryFrom<i128>>(text: &str, type_name: &'static str) -> Result<T, ValueError> {
    let number = match Number::parse(text) {
        Ok(number) => number,
        Err(NumberSyntax::Malformed) => return Err(not_a_number(text)),
        Err(NumberSyntax::TooManyDigits) => return Err(out_of_range(text, type_name)),
    };
    if number.exponent < 0 {
        // The mantissa has no trailing zeros, so its last digit is a fraction.
        return Err(not_an_integer(text, type_name));
    }
    let magnitude = u32::try_from(number.exponent)
        .ok()
        .and_then(|e| 10u128.checked_pow(e))
        .and_then(|p| number.mantissa.checked_mul(p))
        .and_then(|m| i128::try_from(m).ok())
        .ok_or_else(|| out_of_range(text, type_name))?;
    let value = if number.negative { -magnitude } else { magnitude };
    T::try_from(value).map_err(|_| out_of_range(text, type_name))
}

macro_rules! integer_codec {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl AttributeCodec for $t {
            #[inline]
            fn encode(&self) -> Option<AttributeValue> {
                Some(AttributeValue::N(self.to_string()))
            }

            #[inline]
            fn decode(value: AttributeValue) -> Result<Self, ValueError> {
                match value {
                    AttributeValue::N(text) => parse_integer(&text, $name),
                    other => Err(wrong_type("N", &other)),
                }
            }
        }

        impl SetElement for $t {
            #[inline]
            fn encode_set(set: &BTreeSet<Self>) -> AttributeValue {
                AttributeValue::Ns(set.iter().map(|v| v.to_string()).collect())
            }

            #[inline]
            fn decode_set(value: AttributeValue) -> Result<BTreeSet<Self>, ValueError> {
                match value {
                    AttributeValue::Ns(texts) => texts.iter().map(|t| parse_integer(t, $name)).collect(),
                    other => Err(wrong_type("NS", &other)),
                }
            }
        }
    )*};
}

integer_codec!(i32 => "i32", i64 => "i64", u32 => "u32", u64 => "u64");

/// The text an `f64` is stored as (see the [module documentation](self)).
#[inline]
fn f64_text(value: f64) -> String {
    use fmt::Write;
    let magnitude = value.abs();
    let mut text = String::with_capacity(24);
    if magnitude == 0.0 {
        text.push('0');
    } else if (1e-7..1e21).contains(&magnitude) {
        let _ = write!(text, "{value}");
    } else {
        let _ = write!(text, "{value:e}");
    }
    text
}

/// Checks that DynamoDB can store `value`: it is finite, and zero or of a
/// magnitude from `1e-130` up to (not including) `1e126`. Generated code
/// calls this before storing an `f64`; the error is a message for the caller.
pub fn validate_f64(value: f64) -> Result<(), String> {
    if value.is_nan() {
        Err("NaN cannot be stored in DynamoDB".to_owned())
    } else if value.is_infinite() {
        Err(format!("{value} cannot be stored in DynamoDB"))
    } else if value != 0.0 && !(1e-130..1e126).contains(&value.abs()) {
        Err(format!(
            "{value:e} is outside DynamoDB's number range (magnitudes from 1e-130 to below 1e126)"
        ))
    } else {
        Ok(())
    }
}

impl AttributeCodec for f64 {
    /// NaN and the infinities encode to `NULL`: see the [module documentation](self).
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        if self.is_finite() {
            Some(AttributeValue::N(f64_text(*self)))
        } else {
            Some(AttributeValue::Null(true))
        }
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::N(text) => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                // Rust also reads `inf` and `NaN`, which DynamoDB never holds.
                Ok(_) if Number::parse(&text).is_ok() => Err(out_of_range(&text, "f64")),
                _ => Err(not_a_number(&text)),
            },
            AttributeValue::Null(_) => Err(ValueError::invalid("NaN or infinite f64 cannot be stored")),
            other => Err(wrong_type("N", &other)),
        }
    }

    fn validate(&self) -> Result<(), String> {
        validate_f64(*self)
    }
}

/// Decimal text of a [`Decimal`]: normalized, so one value has one text.
#[inline]
fn decimal_text(value: &Decimal) -> String {
    value.normalize().to_string()
}

/// Parses a decimal exactly: a value that does not fit [`Decimal`] (more than
/// 28 fraction digits, or a magnitude of 2^96 or more) is out of range, not
/// rounded.
fn parse_decimal(text: &str) -> Result<Decimal, ValueError> {
    if let Ok(v) = Decimal::from_str_exact(text) {
        return Ok(v);
    }
    parse_decimal_slow(text)
}

#[cold]
#[inline(never)]
fn parse_decimal_slow(text: &str) -> Result<Decimal, ValueError> {
    let number = match Number::parse(text) {
        Ok(number) => number,
        Err(NumberSyntax::Malformed) => return Err(not_a_number(text)),
        Err(NumberSyntax::TooManyDigits) => return Err(out_of_range(text, "decimal")),
    };
    let out_of_range = || out_of_range(text, "decimal");
    if number.mantissa == 0 {
        return Ok(Decimal::ZERO);
    }
    let (magnitude, scale) = if number.exponent >= 0 {
        let magnitude = u32::try_from(number.exponent)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|p| number.mantissa.checked_mul(p))
            .ok_or_else(out_of_range)?;
        (magnitude, 0)
    } else {
        let scale = u32::try_from(-number.exponent)
            .ok()
            .filter(|&s| s <= Decimal::MAX_SCALE)
            .ok_or_else(out_of_range)?;
        (number.mantissa, scale)
    };
    let magnitude = i128::try_from(magnitude).map_err(|_| out_of_range())?;
    let signed = if number.negative { -magnitude } else { magnitude };
    Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| out_of_range())
}

impl AttributeCodec for Decimal {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::N(decimal_text(self)))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::N(text) => parse_decimal(&text),
            other => Err(wrong_type("N", &other)),
        }
    }
}

impl SetElement for Decimal {
    #[inline]
    fn encode_set(set: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Ns(set.iter().map(decimal_text).collect())
    }

    #[inline]
    fn decode_set(value: AttributeValue) -> Result<BTreeSet<Self>, ValueError> {
        match value {
            AttributeValue::Ns(texts) => texts.iter().map(|t| parse_decimal(t)).collect(),
            other => Err(wrong_type("NS", &other)),
        }
    }
}

// ---------------------------------------------------------------------------
// Timestamps

/// RFC 3339 text of a timestamp: nine fraction digits and `Z`, so that texts
/// of timestamps in years 0 to 9999 sort like the timestamps.
#[inline]
pub(crate) fn timestamp_text(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, ValueError> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(_) => parse_timestamp_slow(text),
    }
}

/// Years outside 0..=9999 are written with a sign (`+10000-01-01T…`), which
/// RFC 3339 has no room for; ISO 8601 does.
#[cold]
#[inline(never)]
fn parse_timestamp_slow(text: &str) -> Result<DateTime<Utc>, ValueError> {
    if text.starts_with(['+', '-']) {
        if let Ok(t) = DateTime::parse_from_str(text, "%+") {
            return Ok(t.with_timezone(&Utc));
        }
    }
    Err(ValueError::invalid(format!("`{text}` is not an RFC 3339 timestamp")))
}

impl AttributeCodec for DateTime<Utc> {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::S(timestamp_text(self)))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::S(text) => parse_timestamp(&text),
            other => Err(wrong_type("S", &other)),
        }
    }
}

/// How a value written as text in a key is typed when read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextForm {
    /// Strings, enums, RFC 3339 timestamps.
    S,
    /// Numbers.
    N,
    /// `true` / `false`.
    Bool,
}

/// How a value written as a segment of dyngen's key layout reads back
/// (see docs/key-format.md): strings, enums and timestamps as their text,
/// unsigned integers with their leading zeros, signed ones with the
/// offset their negatives carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentForm {
    S,
    Bool,
    Unsigned,
    /// A signed integer of this many bits.
    Signed(u32),
}

/// Segment `position` of the segmented key attribute `field`, as the
/// value it was written from.
fn segment_value(item: &Item, field: &str, position: usize, form: SegmentForm) -> Result<AttributeValue, ValueError> {
    let text = match item.get(field) {
        Some(AttributeValue::S(text)) => text,
        Some(other) => return Err(wrong_type("S", other)),
        None => return Err(ValueError::missing()),
    };
    let segments = crate::key::decode_segments(text).map_err(ValueError::invalid)?;
    let Some(segment) = segments.into_iter().nth(position) else {
        return Err(ValueError::invalid(format!(
            "the key `{text}` has no segment {position}"
        )));
    };
    let invalid = |segment: &str| ValueError::invalid(format!("`{segment}` in the key `{text}` is no such value"));
    Ok(match form {
        SegmentForm::S => AttributeValue::S(segment),
        SegmentForm::Bool => match segment.as_str() {
            "true" => AttributeValue::Bool(true),
            "false" => AttributeValue::Bool(false),
            _ => return Err(invalid(&segment)),
        },
        SegmentForm::Unsigned => {
            let digits = segment.trim_start_matches('0');
            if !segment.bytes().all(|b| b.is_ascii_digit()) || segment.is_empty() {
                return Err(invalid(&segment));
            }
            AttributeValue::N(if digits.is_empty() {
                "0".to_owned()
            } else {
                digits.to_owned()
            })
        }
        SegmentForm::Signed(bits) => match crate::key::signed_from_text(&segment, bits) {
            Some(value) => AttributeValue::N(value.to_string()),
            None => return Err(invalid(&segment)),
        },
    })
}

/// An item being decoded as an entity's: each `take` removes one attribute
/// and places its error on the entity and the attribute. What generated
/// `from_item` reads through.
#[derive(Debug)]
pub struct Decoder {
    item: Item,
    entity: &'static str,
}

impl Decoder {
    pub fn new(item: Item, entity: &'static str) -> Self {
        Decoder { item, entity }
    }

    /// [`take`].
    pub fn take<T: AttributeCodec>(&mut self, field: &str) -> Result<T, crate::error::DecodeError> {
        take(&mut self.item, field).map_err(|e| e.at(self.entity, field))
    }

    /// [`take_optional`].
    pub fn take_optional<T: AttributeCodec>(&mut self, field: &str) -> Result<Option<T>, crate::error::DecodeError> {
        take_optional(&mut self.item, field).map_err(|e| e.at(self.entity, field))
    }

    /// A timestamp stored as epoch seconds (a `ttl` attribute).
    pub fn take_epoch(&mut self, field: &str) -> Result<DateTime<Utc>, crate::error::DecodeError> {
        self.item
            .remove(field)
            .ok_or_else(ValueError::missing)
            .and_then(epoch_seconds::decode)
            .map_err(|e| e.at(self.entity, field))
    }

    /// An optional timestamp stored as epoch seconds (absent or `NULL`: `None`).
    pub fn take_optional_epoch(&mut self, field: &str) -> Result<Option<DateTime<Utc>>, crate::error::DecodeError> {
        self.item
            .remove(field)
            .filter(|v| !v.is_null())
            .map(epoch_seconds::decode)
            .transpose()
            .map_err(|e| e.at(self.entity, field))
    }

    /// Attribute `attribute`, read from segment `position` of the
    /// segmented key attribute `field`: a projection of an index that
    /// holds the attribute only inside its keys. The key stays in the item.
    pub fn take_segment<T: AttributeCodec>(
        &mut self,
        attribute: &str,
        field: &str,
        position: usize,
        form: SegmentForm,
    ) -> Result<T, crate::error::DecodeError> {
        segment_value(&self.item, field, position, form)
            .and_then(T::decode)
            .map_err(|e| e.at(self.entity, attribute))
    }

    /// [`take_key_text`].
    pub fn take_key_text<T: AttributeCodec>(
        &mut self,
        field: &str,
        prefix: &str,
        suffix: &str,
        form: TextForm,
    ) -> Result<T, crate::error::DecodeError> {
        take_key_text(&mut self.item, field, prefix, suffix, form).map_err(|e| e.at(self.entity, field))
    }
}

/// Reads an attribute stored only in a key attribute with literal text
/// around it (`example_orders_v1#{aggregateId}`): strips `prefix` and
/// `suffix` from the key's text and decodes the rest as `form`. The key
/// attribute stays in the item (it is the key).
pub fn take_key_text<T: AttributeCodec>(
    item: &mut Item,
    field: &str,
    prefix: &str,
    suffix: &str,
    form: TextForm,
) -> Result<T, ValueError> {
    let text = match item.get(field) {
        Some(AttributeValue::S(text)) => text,
        Some(other) => return Err(wrong_type("S", other)),
        None => return Err(ValueError::missing()),
    };
    let Some(value) = text.strip_prefix(prefix).and_then(|t| t.strip_suffix(suffix)) else {
        return Err(ValueError::invalid(format!(
            "the key `{text}` does not have the form `{prefix}…{suffix}`"
        )));
    };
    let value = match form {
        TextForm::S => AttributeValue::S(value.to_owned()),
        TextForm::N => AttributeValue::N(value.to_owned()),
        TextForm::Bool => match value {
            "true" => AttributeValue::Bool(true),
            "false" => AttributeValue::Bool(false),
            other => return Err(ValueError::invalid(format!("`{other}` is no bool"))),
        },
    };
    T::decode(value)
}

/// Timestamps stored as whole seconds since the Unix epoch (`N`), the form
/// DynamoDB's time to live reads. Encoding drops the fraction of a second
/// (rounding towards the past).
pub mod epoch_seconds {
    use super::AttributeCodec;
    use crate::error::ValueError;
    use aws_sdk_dynamodb::types::AttributeValue;
    use chrono::{DateTime, Utc};

    /// `N`, the whole seconds since the Unix epoch.
    #[inline]
    pub fn encode(value: &DateTime<Utc>) -> AttributeValue {
        AttributeValue::N(value.timestamp().to_string())
    }

    /// Reads an integer number of seconds since the Unix epoch.
    #[inline]
    pub fn decode(value: AttributeValue) -> Result<DateTime<Utc>, ValueError> {
        let seconds = i64::decode(value)?;
        DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| ValueError::invalid(format!("{seconds} seconds is out of range for a timestamp")))
    }
}

/// A timestamp stored as epoch seconds (see [`epoch_seconds`]), for use
/// with [`take`] and [`put`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub DateTime<Utc>);

impl AttributeCodec for EpochSeconds {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(epoch_seconds::encode(&self.0))
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        epoch_seconds::decode(value).map(EpochSeconds)
    }
}

macro_rules! stored_timestamp {
    ($(#[$doc:meta])* $name:ident, $encode:expr, $decode:expr, $key_text:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub DateTime<Utc>);

        impl AttributeCodec for $name {
            #[inline]
            fn encode(&self) -> Option<AttributeValue> {
                let encode: fn(&DateTime<Utc>) -> AttributeValue = $encode;
                Some(encode(&self.0))
            }

            #[inline]
            fn decode(value: AttributeValue) -> Result<Self, ValueError> {
                let decode: fn(AttributeValue) -> Result<DateTime<Utc>, ValueError> = $decode;
                decode(value).map($name)
            }
        }

        impl From<DateTime<Utc>> for $name {
            fn from(time: DateTime<Utc>) -> Self {
                $name(time)
            }
        }

        /// In a template or raw key: the stored text.
        impl crate::key::KeyText for $name {
            fn write_text(&self, out: &mut String) -> Result<(), String> {
                if !(0..=9999).contains(&chrono::Datelike::year(&self.0)) {
                    return Err("timestamps in keys must fall in years 0 to 9999".to_owned());
                }
                let text: fn(&DateTime<Utc>) -> String = $key_text;
                out.push_str(&text(&self.0));
                Ok(())
            }
        }

        /// In dyngen's own layout: the canonical form of the stored
        /// (truncated) instant, so the item is found by the value read back.
        impl crate::key::KeySegment for $name {
            fn write_segment(&self, casing: crate::key::Casing, out: &mut String) -> Result<(), String> {
                let stored = <$name as AttributeCodec>::decode(<$name as AttributeCodec>::encode(self).ok_or("no value")?)
                    .map_err(|e| format!("{e:?}"))?;
                stored.0.write_segment(casing, out)
            }
        }
    };
}

fn decode_text_timestamp(value: AttributeValue) -> Result<DateTime<Utc>, ValueError> {
    <DateTime<Utc> as AttributeCodec>::decode(value)
}

stored_timestamp!(
    /// A timestamp stored as RFC 3339 text with 3 fraction digits
    /// (`2026-11-03T10:00:00.123Z`, JavaScript's `toISOString`); `@format("rfc3339_millis")`.
    Rfc3339Millis,
    |t| AttributeValue::S(t.to_rfc3339_opts(SecondsFormat::Millis, true)),
    decode_text_timestamp,
    |t| t.to_rfc3339_opts(SecondsFormat::Millis, true)
);
stored_timestamp!(
    /// A timestamp stored as RFC 3339 text in whole seconds
    /// (`2026-11-03T10:00:00Z`); `@format("rfc3339_seconds")`.
    Rfc3339Seconds,
    |t| AttributeValue::S(t.to_rfc3339_opts(SecondsFormat::Secs, true)),
    decode_text_timestamp,
    |t| t.to_rfc3339_opts(SecondsFormat::Secs, true)
);
stored_timestamp!(
    /// A timestamp stored as milliseconds since the Unix epoch (`N`);
    /// `@format("epoch_millis")`.
    EpochMillis,
    |t| AttributeValue::N(t.timestamp_millis().to_string()),
    |v| {
        let millis = i64::decode(v)?;
        DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| ValueError::invalid(format!("{millis} milliseconds is out of range for a timestamp")))
    },
    |t| t.timestamp_millis().to_string()
);

/// In a native `N` key or a template: the whole seconds.
/// A TTL timestamp is stored in whole seconds, so its key uses the same
/// whole-second value: the item is found again by the value read back.
impl crate::key::KeySegment for EpochSeconds {
    fn write_segment(&self, casing: crate::key::Casing, out: &mut String) -> Result<(), String> {
        let whole = chrono::DateTime::from_timestamp(self.0.timestamp(), 0)
            .ok_or_else(|| "timestamp out of range".to_owned())?;
        whole.write_segment(casing, out)
    }
}

impl crate::key::KeyText for EpochSeconds {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        if !(0..=9999).contains(&chrono::Datelike::year(&self.0)) {
            return Err("timestamps in keys must fall in years 0 to 9999".to_owned());
        }
        out.push_str(&self.0.timestamp().to_string());
        Ok(())
    }
}

/// In a native `B` sort-key condition: the hex text `attribute` turns back
/// into the bytes.
impl crate::key::KeyText for Bytes {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        out.push_str(&crate::key::hex_text(&self.0));
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Lists, maps, structs and enums

impl<T: AttributeCodec> AttributeCodec for Vec<T> {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        Some(AttributeValue::L(self.iter().map(encode_element).collect()))
    }

    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::L(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, element) in list.into_iter().enumerate() {
                    out.push(decode_element(element).map_err(|e| e.within(format_args!("[{i}]")))?);
                }
                Ok(out)
            }
            other => Err(wrong_type("L", &other)),
        }
    }

    fn validate(&self) -> Result<(), String> {
        for (i, element) in self.iter().enumerate() {
            element.validate().map_err(|message| format!("[{i}]: {message}"))?;
        }
        Ok(())
    }
}

impl<T: AttributeCodec> AttributeCodec for BTreeMap<String, T> {
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        let mut map = HashMap::with_capacity(self.len());
        for (key, value) in self {
            map.insert(key.clone(), encode_element(value));
        }
        Some(AttributeValue::M(map))
    }

    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        match value {
            AttributeValue::M(map) => map
                .into_iter()
                .map(|(key, value)| match decode_element(value) {
                    Ok(value) => Ok((key, value)),
                    Err(e) => Err(e.within(format_args!(".{key}"))),
                })
                .collect(),
            other => Err(wrong_type("M", &other)),
        }
    }

    fn validate(&self) -> Result<(), String> {
        for (key, value) in self {
            value.validate().map_err(|message| format!(".{key}: {message}"))?;
        }
        Ok(())
    }
}

/// The `M` value of a generated struct, from its fields.
#[inline]
pub fn encode_map(item: Item) -> AttributeValue {
    AttributeValue::M(item)
}

/// The fields of a generated struct, from its `M` value (moved, not copied).
#[inline]
pub fn decode_map(value: AttributeValue) -> Result<Item, ValueError> {
    match value {
        AttributeValue::M(map) => Ok(map),
        other => Err(wrong_type("M", &other)),
    }
}

/// The `S` value of a generated enum's variant.
#[inline]
pub fn encode_enum(value: &'static str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// The variant stored as `value`, among `variants` (stored value, variant).
#[inline]
pub fn decode_enum<T: Copy>(value: AttributeValue, variants: &[(&str, T)]) -> Result<T, ValueError> {
    match value {
        AttributeValue::S(text) => match variants.iter().find(|(name, _)| *name == text) {
            Some(&(_, variant)) => Ok(variant),
            None => Err(unknown_variant(&text, variants.iter().map(|(name, _)| *name))),
        },
        other => Err(wrong_type("S", &other)),
    }
}

/// The variant among `all` whose stored string (`as_str`) is `value`: a
/// generated enum's decoder (see [`crate::enum_impls!`]).
pub fn decode_enum_of<T: Copy>(
    value: AttributeValue,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<T, ValueError> {
    match value {
        AttributeValue::S(text) => match all.iter().copied().find(|variant| as_str(*variant) == text) {
            Some(variant) => Ok(variant),
            None => Err(unknown_variant(&text, all.iter().map(|variant| as_str(*variant)))),
        },
        other => Err(wrong_type("S", &other)),
    }
}

/// What every generated enum has the same way: it is stored, and written
/// into keys, as its `as_str()`, and read back from it (one of its `ALL`).
/// Generated code calls it once per enum.
#[macro_export]
macro_rules! enum_impls {
    ($enum:ident) => {
        impl $crate::value::AttributeCodec for $enum {
            fn encode(&self) -> ::core::option::Option<$crate::aws_sdk_dynamodb::types::AttributeValue> {
                ::core::option::Option::Some($crate::value::encode_enum(self.as_str()))
            }

            fn decode(
                value: $crate::aws_sdk_dynamodb::types::AttributeValue,
            ) -> ::core::result::Result<Self, $crate::ValueError> {
                $crate::value::decode_enum_of(value, &Self::ALL, Self::as_str)
            }
        }

        impl $crate::key::KeySegment for $enum {
            fn write_segment(
                &self,
                casing: $crate::Casing,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<(), ::std::string::String> {
                $crate::key::write_escaped(self.as_str(), casing, out);
                ::core::result::Result::Ok(())
            }
        }
    };
}

#[cold]
#[inline(never)]
fn unknown_variant<'a>(text: &str, names: impl Iterator<Item = &'a str>) -> ValueError {
    let mut message = format!("unknown value `{text}`; expected one of ");
    for (i, name) in names.enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push('`');
        message.push_str(name);
        message.push('`');
    }
    ValueError::invalid(message)
}

// ---------------------------------------------------------------------------
// Sets

/// A type whose `BTreeSet` is stored as a DynamoDB set: `String` (`SS`),
/// the integer types and [`Decimal`] (`NS`), and [`Bytes`] (`BS`).
pub trait SetElement: Ord + Sized {
    /// The stored set; `set` is not empty.
    fn encode_set(set: &BTreeSet<Self>) -> AttributeValue;

    /// Decodes a stored set; repeated elements merge.
    fn decode_set(value: AttributeValue) -> Result<BTreeSet<Self>, ValueError>;
}

impl<T: SetElement> AttributeCodec for BTreeSet<T> {
    /// `None` for the empty set, which DynamoDB cannot store.
    #[inline]
    fn encode(&self) -> Option<AttributeValue> {
        if self.is_empty() {
            None
        } else {
            Some(T::encode_set(self))
        }
    }

    #[inline]
    fn decode(value: AttributeValue) -> Result<Self, ValueError> {
        T::decode_set(value)
    }

    /// An absent set is the empty set.
    #[inline]
    fn absent() -> Option<Self> {
        Some(BTreeSet::new())
    }
}

impl SetElement for String {
    #[inline]
    fn encode_set(set: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Ss(set.iter().cloned().collect())
    }

    #[inline]
    fn decode_set(value: AttributeValue) -> Result<BTreeSet<Self>, ValueError> {
        match value {
            AttributeValue::Ss(strings) => Ok(strings.into_iter().collect()),
            other => Err(wrong_type("SS", &other)),
        }
    }
}

impl SetElement for Bytes {
    #[inline]
    fn encode_set(set: &BTreeSet<Self>) -> AttributeValue {
        AttributeValue::Bs(set.iter().map(|b| Blob::new(b.0.clone())).collect())
    }

    #[inline]
    fn decode_set(value: AttributeValue) -> Result<BTreeSet<Self>, ValueError> {
        match value {
            AttributeValue::Bs(blobs) => Ok(blobs.into_iter().map(|b| Bytes(b.into_inner())).collect()),
            other => Err(wrong_type("BS", &other)),
        }
    }
}

/// A timestamp's stored value through its format's wrapper (timestamps
/// always have one): what `Entity::stored_now` returns.
pub fn encode_timestamp<W: AttributeCodec>(wrapped: W) -> AttributeValue {
    wrapped.encode().unwrap_or(AttributeValue::Null(true))
}
