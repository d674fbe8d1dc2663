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
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

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

/// What a generated key builder (`primary_pk`, `owned_sk`, ..) returns: the
/// key's text, or why the values have none ([`Error::InvalidKey`],
/// [`Error::KeyTooLong`]).
pub type KeyResult = Result<String, Error>;

/// Builds one key attribute value, reporting errors against the entity and
/// attribute they belong to.
#[derive(Debug)]
pub struct KeyBuilder {
    entity: &'static str,
    attribute: &'static str,
    max: usize,
    buffer: String,
    /// Bytes of `B` keys written as hex: each is two characters of the
    /// buffer but one byte of the key DynamoDB stores.
    binary_bytes: usize,
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
            binary_bytes: 0,
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

    /// Appends literal segments, one after the other.
    #[inline]
    pub fn labels(self, labels: &[&str]) -> Self {
        labels.iter().fold(self, |builder, label| builder.label(label))
    }

    /// [`value`](Self::value) with the value's case kept (`Casing::Preserve`),
    /// as most keys have it.
    #[inline]
    pub fn plain<S: KeySegment + ?Sized>(self, composite: &'static str, value: &S) -> Self {
        self.value(composite, value, Casing::Preserve)
    }

    /// Appends a composite value segment; `composite` names it in errors.
    #[inline]
    pub fn value<S: KeySegment + ?Sized>(mut self, composite: &'static str, value: &S, casing: Casing) -> Self {
        if self.error.is_none() {
            match value.write_segment(casing, &mut self.buffer) {
                Ok(()) => self.buffer.push(DELIMITER),
                Err(message) => self.refuse(composite, message),
            }
        }
        self
    }

    /// Appends literal text as it is: a template's fixed text (`USER#`).
    #[inline]
    pub fn literal(mut self, text: &str) -> Self {
        if self.error.is_none() {
            self.buffer.push_str(text);
        }
        self
    }

    /// Appends a value's stored text, unescaped (templates and raw keys):
    /// strings (cased), numbers unpadded, RFC 3339 timestamps. A value
    /// containing `delimiter`, the first character of the text that
    /// follows it, is refused: the key could not be read back, and two
    /// items could share it. So is one containing [`SENTINEL`], the upper
    /// bound of range conditions.
    #[inline]
    pub fn text<V: KeyText + ?Sized>(
        mut self,
        composite: &'static str,
        value: &V,
        casing: Casing,
        delimiter: Option<char>,
    ) -> Self {
        if self.error.is_some() {
            return self;
        }
        let start = self.buffer.len();
        // Cased first: the checks below see the text the key holds.
        let written = value.write_text(&mut self.buffer).map(|()| match casing {
            Casing::Preserve => {}
            Casing::Lower | Casing::Upper => {
                let text = &self.buffer[start..];
                let cased = if casing == Casing::Lower {
                    text.to_lowercase()
                } else {
                    text.to_uppercase()
                };
                self.buffer.truncate(start);
                self.buffer.push_str(&cased);
            }
        });
        let problem = match written {
            Err(message) => Some(message),
            Ok(()) => {
                let text = &self.buffer[start..];
                if let Some(d) = delimiter.filter(|d| text.contains(*d)) {
                    Some(format!(
                        "the value `{text}` contains `{d}`, which ends it in this key: the key would be ambiguous"
                    ))
                } else if text.contains(SENTINEL) {
                    Some("the value contains U+10FFFF, which keys cannot hold".to_string())
                } else {
                    None
                }
            }
        };
        if let Some(message) = problem {
            self.refuse(composite, message);
        }
        self
    }

    /// Records why the value of `composite` cannot be in a key: the
    /// builder's result is that error.
    #[cold]
    fn refuse(&mut self, composite: &'static str, message: String) {
        self.error = Some(Box::new(Error::InvalidKey {
            entity: self.entity,
            attribute: composite,
            message,
        }));
    }

    /// Appends bytes for a `B` key, as lowercase hex: the text a `B` key
    /// travels as until [`attribute`] turns it into bytes.
    #[inline]
    pub fn binary(mut self, _composite: &'static str, value: &[u8]) -> Self {
        if self.error.is_none() {
            self.binary_bytes += value.len();
            for b in value {
                self.buffer.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
                self.buffer.push(char::from(HEX_LOWER[usize::from(b & 0xF)]));
            }
        }
        self
    }

    /// The key string, or the first error (invalid value, too long).
    #[inline]
    pub fn build(self) -> Result<String, Error> {
        let max = self.max;
        let (entity, attribute, binary_bytes) = (self.entity, self.attribute, self.binary_bytes);
        let key = self.build_prefix()?;
        // The stored length: a `B` key's bytes, not their hex text.
        let length = key.len() - binary_bytes;
        if length > max {
            return Err(Error::KeyTooLong {
                entity,
                attribute,
                length,
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
    /// `>`, `>=`, `<`, `<=`: for keys that are one value (raw or native),
    /// with nothing before it to stay inside.
    Greater(String),
    GreaterOrEqual(String),
    Less(String),
    LessOrEqual(String),
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

/// A signed integer of `bits` bits as text that sorts like the numbers:
/// `width` digits when not negative; `-` and `value + 2^(bits - 1)` in
/// `width` digits when negative (`-` sorts before every digit, and the
/// offset makes larger negatives sort later).
fn signed_text(value: i128, width: usize, bits: u32) -> String {
    if value >= 0 {
        format!("{value:0width$}")
    } else {
        format!("-{:0width$}", value + (1i128 << (bits - 1)))
    }
}

/// The integer a signed segment holds: [`signed_text`]'s inverse.
pub fn signed_from_text(text: &str, bits: u32) -> Option<i128> {
    match text.strip_prefix('-') {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<i128>().ok().map(|v| v - (1i128 << (bits - 1)))
        }
        _ if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

impl KeySegment for i32 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(&signed_text(i128::from(*self), 10, 32), Casing::Preserve, out);
        Ok(())
    }
}

impl KeySegment for i64 {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        write_escaped(&signed_text(i128::from(*self), 19, 64), Casing::Preserve, out);
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

impl KeySegment for DateTime<Utc> {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        if !(0..=9999).contains(&self.year()) {
            return Err("timestamps in keys must fall in years 0 to 9999".to_owned());
        }
        write_escaped(&self.to_rfc3339_opts(SecondsFormat::Nanos, true), Casing::Preserve, out);
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Declared layouts: templates, raw keys, native `N` and `B` keys.

/// DynamoDB's type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    S,
    N,
    B,
}

/// A key attribute's value from the text a key builder made: the text for
/// `S`, the number's text for `N`, the bytes of the hex text for `B`.
#[cfg(feature = "client")]
pub fn attribute(ty: KeyType, text: String) -> aws_sdk_dynamodb::types::AttributeValue {
    use aws_sdk_dynamodb::types::AttributeValue;
    match ty {
        KeyType::S => AttributeValue::S(text),
        KeyType::N => AttributeValue::N(text),
        KeyType::B => AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(hex_bytes(&text))),
    }
}

/// The text a key builder writes for the bytes of a `B` key (lowercase hex).
pub fn hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
        out.push(char::from(HEX_LOWER[usize::from(b & 0xF)]));
    }
    out
}

/// The inverse of [`hex_text`]; text that is not hex gives no bytes for
/// its odd or invalid digits (it is never written so).
pub fn hex_bytes(text: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks_exact(2)
        .filter_map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// A value in a template or raw key: its stored text, unescaped.
pub trait KeyText {
    /// Appends the text to `out`; `Err` for values with no key form.
    fn write_text(&self, out: &mut String) -> Result<(), String>;
}

impl KeyText for str {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        out.push_str(self);
        Ok(())
    }
}

impl KeyText for String {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        out.push_str(self);
        Ok(())
    }
}

impl<T: KeyText + ?Sized> KeyText for &T {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        (**self).write_text(out)
    }
}

macro_rules! key_text_display {
    ($($t:ty),*) => {$(
        impl KeyText for $t {
            fn write_text(&self, out: &mut String) -> Result<(), String> {
                use std::fmt::Write as _;
                let _ = write!(out, "{self}");
                Ok(())
            }
        }
    )*};
}
key_text_display!(bool, u32, u64, i32, i64);

impl KeyText for Decimal {
    /// The normalized number, as DynamoDB returns it (`1.50` → `1.5`).
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        use std::fmt::Write as _;
        let _ = write!(out, "{}", self.normalize());
        Ok(())
    }
}

impl KeyText for DateTime<Utc> {
    /// The stored form: RFC 3339 with 9 fraction digits.
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        if !(0..=9999).contains(&self.year()) {
            return Err("timestamps in keys must fall in years 0 to 9999".to_owned());
        }
        out.push_str(&self.to_rfc3339_opts(SecondsFormat::Nanos, true));
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Time buckets: key parts derived from a timestamp (`month(created)`).

macro_rules! bucket {
    ($(#[$doc:meta])* $name:ident, $format:literal, $truncate:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(DateTime<Utc>);

        impl $name {
            /// The bucket `time` falls in (UTC).
            pub fn of(time: &DateTime<Utc>) -> Self {
                let truncate: fn(&DateTime<Utc>) -> DateTime<Utc> = $truncate;
                $name(truncate(time))
            }

            /// The first instant of the bucket.
            pub fn start(&self) -> DateTime<Utc> {
                self.0
            }

            /// The bucket's text in keys.
            pub fn text(&self) -> String {
                self.0.format($format).to_string()
            }

            fn check(&self) -> Result<(), String> {
                if (0..=9999).contains(&self.0.year()) {
                    Ok(())
                } else {
                    Err("time buckets in keys must fall in years 0 to 9999".to_owned())
                }
            }
        }

        impl From<DateTime<Utc>> for $name {
            fn from(time: DateTime<Utc>) -> Self {
                $name::of(&time)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.text())
            }
        }

        impl KeySegment for $name {
            fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
                self.check()?;
                write_escaped(&self.text(), Casing::Preserve, out);
                Ok(())
            }
        }

        impl KeyText for $name {
            fn write_text(&self, out: &mut String) -> Result<(), String> {
                self.check()?;
                out.push_str(&self.text());
                Ok(())
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Hash shards: a key part derived from a value (`shard(orderId, 16)`), to
// spread one partition's writes over a fixed number of partitions.

/// One of `count` shards: the FNV-1a (64-bit) hash of a value's key text
/// (its UTF-8 bytes, before casing), modulo `count`. Written zero-padded to
/// the width of `count - 1` (`03` of 16), so shards sort by number. The
/// hash is fixed by this definition: the same value is in the same shard in
/// every version of dyngen and on every machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    index: u16,
    count: u16,
}

impl Shard {
    /// The largest shard count a schema may declare.
    pub const MAX_COUNT: u16 = 1000;

    /// Shard `index` of `count` (`None` unless `index < count` and
    /// `2 <= count <= 1000`).
    pub fn new(index: u16, count: u16) -> Option<Self> {
        ((2..=Self::MAX_COUNT).contains(&count) && index < count).then_some(Shard { index, count })
    }

    /// The shard `value` is in, of `count` (clamped to 2..=1000).
    pub fn of<V: KeyText + ?Sized>(value: &V, count: u16) -> Self {
        let count = count.clamp(2, Self::MAX_COUNT);
        let mut text = String::new();
        // Strings and integers (the types a shard is declared on) always
        // have a text; anything else hashes what it wrote.
        let _ = value.write_text(&mut text);
        let index = fnv1a(text.as_bytes()) % u64::from(count);
        Shard {
            index: u16::try_from(index).unwrap_or(0),
            count,
        }
    }

    /// Shard 0 of `count` (clamped to 2..=1000).
    pub fn first(count: u16) -> Self {
        Shard {
            index: 0,
            count: count.clamp(2, Self::MAX_COUNT),
        }
    }

    /// The last shard of `count` (clamped to 2..=1000).
    pub fn last(count: u16) -> Self {
        let first = Shard::first(count);
        first.with_index(first.count - 1)
    }

    /// Every shard of `count`, in order.
    pub fn all(count: u16) -> Vec<Self> {
        Bucket::range(Shard::first(count), Shard::last(count))
    }

    fn with_index(self, index: u16) -> Self {
        Shard { index, ..self }
    }

    pub fn index(self) -> u16 {
        self.index
    }

    pub fn count(self) -> u16 {
        self.count
    }

    /// The shard's text in keys: `03`.
    pub fn text(self) -> String {
        let width = (self.count - 1).to_string().len();
        format!("{:0width$}", self.index)
    }

    fn check(self) -> Result<(), String> {
        if self.index < self.count {
            Ok(())
        } else {
            Err(format!("shard {} of {} does not exist", self.index, self.count))
        }
    }
}

/// FNV-1a, 64 bits: the shard hash (see [`Shard`]).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl KeySegment for Shard {
    fn write_segment(&self, _casing: Casing, out: &mut String) -> Result<(), String> {
        self.check()?;
        out.push_str(&self.text());
        Ok(())
    }
}

impl KeyText for Shard {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        self.check()?;
        out.push_str(&self.text());
        Ok(())
    }
}

impl Bucket for Shard {
    fn successor(&self) -> Self {
        self.with_index(self.index.saturating_add(1))
    }
}

fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    use chrono::TimeZone as _;
    Utc.with_ymd_and_hms(year, month, day, hour, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

bucket!(
    /// A UTC year: `2026`.
    Year, "%Y", |t| at(t.year(), 1, 1, 0)
);
bucket!(
    /// A UTC month: `2026-11`.
    Month, "%Y-%m", |t| at(t.year(), t.month(), 1, 0)
);
bucket!(
    /// A UTC day: `2026-11-03`.
    Day, "%Y-%m-%d", |t| at(t.year(), t.month(), t.day(), 0)
);
bucket!(
    /// A UTC hour: `2026-11-03T10`.
    Hour, "%Y-%m-%dT%H", |t| {
        use chrono::Timelike as _;
        at(t.year(), t.month(), t.day(), t.hour())
    }
);

impl Year {
    /// `None` outside years 0 to 9999.
    pub fn new(year: i32) -> Option<Self> {
        (0..=9999).contains(&year).then(|| Year(at(year, 1, 1, 0)))
    }

    pub fn next(&self) -> Self {
        Year(at(self.0.year() + 1, 1, 1, 0))
    }
}

impl Month {
    /// `None` for a month outside 1 to 12 or a year outside 0 to 9999.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((0..=9999).contains(&year) && (1..=12).contains(&month)).then(|| Month(at(year, month, 1, 0)))
    }

    /// The month after this one.
    pub fn next(&self) -> Self {
        let (y, m) = (self.0.year(), self.0.month());
        Month(if m == 12 {
            at(y + 1, 1, 1, 0)
        } else {
            at(y, m + 1, 1, 0)
        })
    }
}

impl Day {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        use chrono::TimeZone as _;
        if !(0..=9999).contains(&year) {
            return None;
        }
        Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).single().map(Day)
    }

    pub fn next(&self) -> Self {
        Day(self.0 + chrono::Duration::days(1))
    }
}

impl Hour {
    pub fn new(year: i32, month: u32, day: u32, hour: u32) -> Option<Self> {
        use chrono::TimeZone as _;
        if !(0..=9999).contains(&year) {
            return None;
        }
        Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).single().map(Hour)
    }

    pub fn next(&self) -> Self {
        Hour(self.0 + chrono::Duration::hours(1))
    }
}

/// Time buckets that can be walked in order: every bucket from `from` to
/// `to`, both included, for reading a bucketed index across a range.
pub trait Bucket: Copy + Ord {
    fn successor(&self) -> Self;

    /// `from..=to` in order (empty when `from > to`).
    fn range(from: Self, to: Self) -> Vec<Self> {
        let mut out = Vec::new();
        let mut at = from;
        while at <= to {
            out.push(at);
            at = at.successor();
        }
        out
    }
}

impl Bucket for Year {
    fn successor(&self) -> Self {
        self.next()
    }
}
impl Bucket for Month {
    fn successor(&self) -> Self {
        self.next()
    }
}
impl Bucket for Day {
    fn successor(&self) -> Self {
        self.next()
    }
}
impl Bucket for Hour {
    fn successor(&self) -> Self {
        self.next()
    }
}

/// The range condition on a template's last value, after the literal text
/// `prefix` (everything before the value). Keys are `prefix` followed by
/// the value's text, so order is the values' text order; the bounds stay
/// inside `prefix` (values never contain [`SENTINEL`]).
pub fn text_range_condition(prefix: &str, comparison: &Comparison) -> Option<SortKeyCondition> {
    let cat = |v: &str, tail: &str| format!("{prefix}{v}{tail}");
    let top = cat("", "\u{10FFFF}");
    Some(match comparison {
        // The smallest text above `v` is `v` followed by U+0000.
        Comparison::Gt(v) if prefix.is_empty() => SortKeyCondition::Greater(v.clone()),
        Comparison::Gt(v) => SortKeyCondition::Between(cat(v, "\u{0}"), top),
        Comparison::Gte(v) if prefix.is_empty() => SortKeyCondition::GreaterOrEqual(v.clone()),
        Comparison::Gte(v) => SortKeyCondition::Between(cat(v, ""), top),
        Comparison::Lt(v) if prefix.is_empty() => SortKeyCondition::Less(v.clone()),
        Comparison::Lt(v) => SortKeyCondition::Between(prefix.to_owned(), predecessor(&cat(v, ""), prefix.len())?),
        Comparison::Lte(v) if prefix.is_empty() => SortKeyCondition::LessOrEqual(v.clone()),
        Comparison::Lte(v) => SortKeyCondition::Between(prefix.to_owned(), cat(v, "")),
        Comparison::Between(a, b) => SortKeyCondition::Between(cat(a, ""), cat(b, "")),
        Comparison::Begins(s) => SortKeyCondition::BeginsWith(cat(s, "")),
    })
}

/// The largest text below `text` that keeps its first `keep` bytes, among
/// texts without U+10FFFF after them: the last character one lower, then
/// U+10FFFF. `None` when nothing lies between (`text` is the prefix itself).
fn predecessor(text: &str, keep: usize) -> Option<String> {
    let (head, last) = text.char_indices().last()?;
    if head < keep {
        return None;
    }
    let mut out = text[..head].to_owned();
    match last as u32 {
        // Nothing lies between `x` and `x` U+0000.
        0 => {}
        0xE000 => {
            out.push('\u{D7FF}');
            out.push(SENTINEL);
        }
        c => {
            out.push(char::from_u32(c - 1)?);
            out.push(SENTINEL);
        }
    }
    Some(out)
}
