//! The key codec. See `docs/key-format.md` for the format and its proofs.
//!
//! A key is a sequence of *segments*, each written escaped and followed by
//! the delimiter `#`: `vcs#octocat#`, `Issue#Open#0000000000000000001#`.
//! The encoding is injective (distinct segment sequences give distinct
//! strings), order-preserving (tuple order of the values = byte order of
//! the keys), case-preserving unless a key asks for `casing`, and readable:
//! letters, digits and `-_.@:/` stand for themselves.

use crate::error::Error;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use rust_decimal::Decimal;

/// Ends every segment. Sorts below every byte an encoded value can start with.
pub const DELIMITER: char = '#';
/// Starts an escape of a character `<= '$'`: `$` and two uppercase hex digits.
pub const ESCAPE: char = '$';
/// Greater than every encoded character: the upper end of range conditions.
pub const SENTINEL: char = '\u{10FFFF}';
/// The noncharacter that starts the escapes of U+10FFFE and U+10FFFF
/// (followed by `0` or `1`). Sorts above every unescaped character and below
/// [`SENTINEL`].
pub const HIGH_ESCAPE: char = '\u{10FFFE}';
/// DynamoDB's limit for a partition key value, in UTF-8 bytes.
pub const PARTITION_KEY_MAX: usize = 2048;
/// DynamoDB's limit for a sort key value, in UTF-8 bytes.
pub const SORT_KEY_MAX: usize = 1024;

/// Case normalisation of a key's string values (never of its labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Casing {
    #[default]
    Preserve,
    Lower,
    Upper,
}

/// A value that can be a key composite.
pub trait KeySegment {
    /// Appends the escaped segment (without the delimiter) to `out`.
    /// `Err` carries a message for values that have no key form.
    fn write_segment(&self, casing: Casing, out: &mut String) -> Result<(), String>;
}

/// Appends `value` escaped, without a delimiter. Generated enums write their
/// stored string through this.
#[inline]
pub fn write_escaped(value: &str, casing: Casing, out: &mut String) {
    match casing {
        Casing::Preserve => escape_into(value, out),
        Casing::Lower => escape_into(&value.to_lowercase(), out),
        Casing::Upper => escape_into(&value.to_uppercase(), out),
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

#[inline]
fn escape_into(value: &str, out: &mut String) {
    // Fast path, byte-wise: every char that needs escaping is either one byte
    // <= b'$' or a four-byte char starting with 0xF4 (U+100000 and up).
    if !value.bytes().any(|b| b <= ESCAPE as u8 || b == 0xF4) {
        out.push_str(value);
        return;
    }
    escape_slow(value, out)
}

#[cold]
#[inline(never)]
fn escape_slow(value: &str, out: &mut String) {
    if !value.chars().any(needs_escape) {
        out.push_str(value);
        return;
    }
    out.reserve(value.len() + 8);
    for c in value.chars() {
        match c {
            '\0'..=ESCAPE => {
                let code = c as usize;
                out.push(ESCAPE);
                out.push(HEX_DIGITS[code >> 4] as char);
                out.push(HEX_DIGITS[code & 0xF] as char);
            }
            HIGH_ESCAPE => {
                out.push(HIGH_ESCAPE);
                out.push('0');
            }
            SENTINEL => {
                out.push(HIGH_ESCAPE);
                out.push('1');
            }
            _ => out.push(c),
        }
    }
}

fn needs_escape(c: char) -> bool {
    c <= ESCAPE || c >= HIGH_ESCAPE
}

fn hex_value(c: char) -> Option<u32> {
    // Only the canonical (uppercase) digits: decoding is the exact inverse.
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='F' => Some(c as u32 - 'A' as u32 + 10),
        _ => None,
    }
}

fn unescape_segment(segment: &str) -> Result<String, String> {
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        match c {
            ESCAPE => {
                let code = match (chars.next().and_then(hex_value), chars.next().and_then(hex_value)) {
                    (Some(high), Some(low)) => high * 16 + low,
                    _ => return Err(format!("malformed escape in segment `{segment}`")),
                };
                match char::from_u32(code) {
                    Some(c) if c <= ESCAPE => out.push(c),
                    _ => return Err(format!("escape of an unescaped character in segment `{segment}`")),
                }
            }
            HIGH_ESCAPE => match chars.next() {
                Some('0') => out.push(HIGH_ESCAPE),
                Some('1') => out.push(SENTINEL),
                _ => return Err(format!("malformed escape of U+10FFFE/U+10FFFF in segment `{segment}`")),
            },
            c if needs_escape(c) => {
                return Err(format!("unescaped U+{:04X} in segment `{segment}`", c as u32));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Splits a key into its unescaped segments (for tests and debugging).
///
/// The empty string is the key of no segments. Anything that
/// [`write_escaped`] cannot produce is an error: a missing final `#`, a
/// malformed or non-canonical escape (lowercase hex, `$41`), or an unescaped
/// U+10FFFE / U+10FFFF.
pub fn decode_segments(key: &str) -> Result<Vec<String>, String> {
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = key.strip_suffix(DELIMITER) else {
        return Err(format!("key `{key}` does not end with `{DELIMITER}`"));
    };
    body.split(DELIMITER).map(unescape_segment).collect()
}

/// Builds one key attribute value, reporting errors against the entity and
/// attribute they belong to.
#[derive(Debug)]
pub struct KeyBuilder {
    entity: &'static str,
    attribute: &'static str,
    max: usize,
    buffer: String,
    error: Option<Box<Error>>,
}

impl KeyBuilder {
    /// A partition key value for `attribute` (limit [`PARTITION_KEY_MAX`]).
    #[inline]
    pub fn partition(entity: &'static str, attribute: &'static str) -> Self {
        Self::new(entity, attribute, PARTITION_KEY_MAX)
    }

    /// A sort key value for `attribute` (limit [`SORT_KEY_MAX`]).
    #[inline]
    pub fn sort(entity: &'static str, attribute: &'static str) -> Self {
        Self::new(entity, attribute, SORT_KEY_MAX)
    }

    #[inline]
    fn new(entity: &'static str, attribute: &'static str, max: usize) -> Self {
        KeyBuilder {
            entity,
            attribute,
            max,
            buffer: String::with_capacity(64),
            error: None,
        }
    }

    /// Appends a fixed label segment (service, entity or collection name).
    #[inline]
    pub fn label(mut self, label: &str) -> Self {
        if self.error.is_none() {
            write_escaped(label, Casing::Preserve, &mut self.buffer);
            self.buffer.push(DELIMITER);
        }
        self
    }

    /// Appends a composite value segment; `composite` names it in errors.
    #[inline]
    pub fn value<S: KeySegment + ?Sized>(mut self, composite: &'static str, value: &S, casing: Casing) -> Self {
        if self.error.is_none() {
            match value.write_segment(casing, &mut self.buffer) {
                Ok(()) => self.buffer.push(DELIMITER),
                Err(message) => {
                    self.error = Some(Box::new(Error::InvalidKey {
                        entity: self.entity,
                        attribute: composite,
                        message,
                    }))
                }
            }
        }
        self
    }

    /// The key string, or the first error (invalid value, too long).
    #[inline]
    pub fn build(self) -> Result<String, Error> {
        let max = self.max;
        let (entity, attribute) = (self.entity, self.attribute);
        let key = self.build_prefix()?;
        if key.len() > max {
            return Err(Error::KeyTooLong {
                entity,
                attribute,
                length: key.len(),
                max,
            });
        }
        Ok(key)
    }

    /// The key so far, without the length check: a query prefix.
    #[inline]
    pub fn build_prefix(self) -> Result<String, Error> {
        match self.error {
            Some(error) => Err(*error),
            None => Ok(self.buffer),
        }
    }
}

/// A sort-key condition as DynamoDB receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKeyCondition {
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends, like DynamoDB's `BETWEEN`.
    Between(String, String),
}

/// The comparison applied to the next composite after a fixed prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    Gt(String),
    Gte(String),
    Lt(String),
    Lte(String),
    /// Both ends inclusive.
    Between(String, String),
    /// A prefix of the composite's value (strings only).
    Begins(String),
}

/// Turns "composites before this one are fixed (`prefix`, ending in `#`),
/// and this one compares so" into a key condition, using the escaped
/// segment values (without delimiters).
///
/// | comparison | condition |
/// |---|---|
/// | `Gt(v)` | `BETWEEN P v $` and `P S` |
/// | `Gte(v)` | `BETWEEN P v #` and `P S` |
/// | `Lt(v)` | `BETWEEN P` and `P v` |
/// | `Lte(v)` | `BETWEEN P` and `P v # S` |
/// | `Between(a, b)` | `BETWEEN P a #` and `P b # S` |
/// | `Begins(s)` | `begins_with(P s)` |
///
/// (`S` is [`SENTINEL`].) `Between(a, b)` with `a > b` gives a lower bound
/// above the upper one, which DynamoDB rejects; callers check `a <= b`.
pub fn range_condition(prefix: &str, comparison: &Comparison) -> SortKeyCondition {
    let cat = |parts: &[&str]| {
        let mut s = String::with_capacity(prefix.len() + parts.iter().map(|p| p.len()).sum::<usize>());
        s.push_str(prefix);
        parts.iter().for_each(|p| s.push_str(p));
        s
    };
    const D: &str = "#";
    const E: &str = "$";
    const S: &str = "\u{10FFFF}";
    match comparison {
        Comparison::Gt(v) => SortKeyCondition::Between(cat(&[v, E]), cat(&[S])),
        Comparison::Gte(v) => SortKeyCondition::Between(cat(&[v, D]), cat(&[S])),
        Comparison::Lt(v) => SortKeyCondition::Between(cat(&[]), cat(&[v])),
        Comparison::Lte(v) => SortKeyCondition::Between(cat(&[]), cat(&[v, D, S])),
        Comparison::Between(a, b) => SortKeyCondition::Between(cat(&[a, D]), cat(&[b, D, S])),
        Comparison::Begins(s) => SortKeyCondition::BeginsWith(cat(&[s])),
    }
}

impl KeySegment for str {
    #[inline]
    fn write_segment(&self, casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(self, casing, out);
        Ok(())
    }
}

impl KeySegment for String {
    #[inline]
    fn write_segment(&self, casing: Casing, out: &mut String) -> Result<(), String> {
        self.as_str().write_segment(casing, out)
    }
}

impl<T: KeySegment + ?Sized> KeySegment for &T {
    fn write_segment(&self, casing: Casing, out: &mut String) -> Result<(), String> {
        (**self).write_segment(casing, out)
    }
}

// Typed values. Their canonical forms use only digits, `-`, `~`, `:`, `.`,
// `T`, `Z` and lowercase letters, none of which needs escaping; they still go
// through `write_escaped` so the escaping invariant holds by construction.
// `casing` applies to string values only and is ignored here: a typed value
// has exactly one key form.

impl KeySegment for bool {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(if *self { "true" } else { "false" }, Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for u32 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(&format!("{self:010}"), Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for u64 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(&format!("{self:020}"), Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for i32 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        let text = if *self >= 0 {
            format!("{self:010}")
        } else {
            format!("-{:010}", i64::from(*self) + (1i64 << 31))
        };
        write_escaped(&text, Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for i64 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        let text = if *self >= 0 {
            format!("{self:019}")
        } else {
            format!("-{:019}", i128::from(*self) + (1i128 << 63))
        };
        write_escaped(&text, Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for Decimal {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(&decimal_key(*self), Casing::Preserve, out);
        Ok(())
    }
}

/// `0`; `1 EEE M` for d = 0.M × 10^(EEE − 500); `- (999 − EEE) (9 − M) ~`.
fn decimal_key(value: Decimal) -> String {
    if value.is_zero() {
        return "0".to_owned();
    }
    let value = value.normalize();
    let digits = value.mantissa().unsigned_abs().to_string();
    // |value| = digits × 10^-scale = 0.digits × 10^(len − scale).
    let exponent = digits.len() as i64 - i64::from(value.scale());
    let significant = digits.trim_end_matches('0');
    // Decimal's range (1e-28 ..= 7.9e28) keeps the biased exponent in 473..=529.
    let biased = exponent + 500;
    debug_assert!((0..=999).contains(&biased));
    if value.is_sign_positive() {
        format!("1{biased:03}{significant}")
    } else {
        let complement: String = significant.bytes().map(|b| char::from(b'9' - (b - b'0'))).collect();
        format!("-{:03}{complement}~", 999 - biased)
    }
}

/// A TTL timestamp is stored in whole seconds, so its key uses the same
/// whole-second value: the item is found again by the value read back.
#[cfg(feature = "client")]
impl KeySegment for crate::value::EpochSeconds {
    fn write_segment(&self, casing: Casing, out: &mut String) -> Result<(), String> {
        let whole =
            DateTime::from_timestamp(self.0.timestamp(), 0).ok_or_else(|| "timestamp out of range".to_owned())?;
        whole.write_segment(casing, out)
    }
}

impl KeySegment for DateTime<Utc> {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        if !(0..=9999).contains(&self.year()) {
            return Err("timestamps in keys must fall in years 0 to 9999".to_owned());
        }
        write_escaped(&self.to_rfc3339_opts(SecondsFormat::Nanos, true), Casing::Preserve, out);
        Ok(())
    }
}
