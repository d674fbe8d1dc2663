//! What the view-models share: Rust type names, literals, doc comments and
//! the key-layout rules (casing, key types, how key builders and their
//! parameters are named).

use dyngen_dsl::ir::{
    Attribute, AttributeRole, Casing, Derive, Entity, EntityIndex, KeyTemplate, KeyType, Schema, TableIndexRef,
    TimeFormat, Type, Value,
};
use std::borrow::Cow;

/// The runtime crate, always by absolute path.
pub const RT: &str = "::dyngen_runtime";

/// A name with its Rust type: a parameter, or a field of a generated struct.
pub struct NamedType {
    pub name: String,
    pub rust_type: String,
}

/// A Rust string literal.
pub fn lit(value: &str) -> String {
    format!("{value:?}")
}

/// `"a", "b" and "c"`: items of a sentence.
pub fn joined(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

/// The Rust name without `r#`, to build other names from (`type_sk`).
pub fn bare(rust_name: &str) -> &str {
    rust_name.trim_start_matches("r#")
}

// Doc comments.

/// Doc comment lines as `///` lines (already including the slashes).
pub fn doc_lines(docs: &[String]) -> Vec<String> {
    docs.iter()
        .map(|line| {
            if line.is_empty() {
                "///".to_string()
            } else {
                format!("/// {}", doc_text(line))
            }
        })
        .collect()
}

/// Text from the schema made safe inside a `///` comment: a line break
/// (`\r`, `\n`) would end the comment and turn the rest into code, and
/// rustc refuses text-direction controls (U+202A..U+202E, U+2066..U+2069)
/// in comments; these and other control characters are written as escapes
/// (`\u{202e}`). Everything else is kept as written.
pub fn doc_text(text: &str) -> Cow<'_, str> {
    fn unsafe_in_comment(c: char) -> bool {
        (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_in_comment) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_in_comment(c) {
            safe.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// The schema's doc lines, or `fallback` when it has none: every generated
/// public item is documented.
pub fn docs_or(docs: &[String], fallback: impl FnOnce() -> String) -> Vec<String> {
    if docs.is_empty() {
        vec![fallback()]
    } else {
        doc_lines(docs)
    }
}

/// The schema's docs of an attribute, or a line naming it, so that every
/// generated field is documented.
///
/// Facts the type does not show follow: the stored name when `@field`
/// changed it, the `ttl` and `version` roles, and (with `with_default`, for
/// the item's own fields) the default read when an item lacks the attribute.
pub fn attribute_docs(attr: &Attribute, with_default: bool, in_struct: bool) -> Vec<String> {
    let notes = attribute_notes(attr, with_default);
    if attr.docs.is_empty() {
        let noun = if in_struct { "Field" } else { "Attribute" };
        let named = format!("{noun} `{}`.", attr.name);
        vec![format!("/// {}", [vec![named], notes].concat().join(" "))]
    } else {
        let mut lines = doc_lines(&attr.docs);
        if !notes.is_empty() {
            lines.push("///".to_string());
            lines.push(format!("/// {}", notes.join(" ")));
        }
        lines
    }
}

/// The facts `attribute_docs` adds, as sentences.
fn attribute_notes(attr: &Attribute, with_default: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if attr.field != attr.name {
        notes.push(format!("Stored as `{}`.", doc_text(&attr.field)));
    }
    if attr.docs.is_empty() {
        let role = match attr.role {
            AttributeRole::Ttl if attr.ty == Type::Timestamp => {
                Some("The item's expiry time (DynamoDB TTL), stored as seconds since the Unix epoch.")
            }
            AttributeRole::Ttl => Some("The item's expiry time (DynamoDB TTL), in seconds since the Unix epoch."),
            AttributeRole::Version => Some("The item's optimistic-locking version."),
            _ => None,
        };
        notes.extend(role.map(str::to_string));
    }
    if let Some(default) = attr.read_default().filter(|_| with_default) {
        notes.push(format!("Read as `{}` when absent.", doc_text(&default.schema_text())));
    }
    if let Some(Value::Generated(generator)) = &attr.default {
        notes.push(format!(
            "Made (`{}`) when the item is written from a draft that leaves it out.",
            generator.call()
        ));
    }
    notes
}

// Rust types and values.

/// The Rust type of a schema type.
pub fn rust_type(schema: &Schema, ty: &Type) -> String {
    match ty {
        Type::String => "::std::string::String".into(),
        Type::Bool => "bool".into(),
        Type::I32 => "i32".into(),
        Type::I64 => "i64".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::F64 => "f64".into(),
        Type::Decimal => format!("{RT}::rust_decimal::Decimal"),
        Type::Bytes => format!("{RT}::Bytes"),
        Type::Timestamp => format!("{RT}::Timestamp"),
        Type::Enum(name) => schema
            .enum_named(name)
            .map_or_else(|| name.clone(), |e| e.rust_name.clone()),
        Type::Struct(name) => schema
            .struct_named(name)
            .map_or_else(|| name.clone(), |s| s.rust_name.clone()),
        Type::List(t) => format!("::std::vec::Vec<{}>", rust_type(schema, t)),
        Type::Map(t) => format!("{RT}::Map<{}>", rust_type(schema, t)),
        Type::Set(t) => format!("::std::collections::BTreeSet<{}>", rust_type(schema, t)),
        Type::Json => format!("{RT}::Document"),
    }
}

/// The type an attribute has in conditions: its value type, or the wrapper
/// of a timestamp stored in another form (a `ttl` timestamp is compared as
/// the epoch seconds it is stored as).
pub fn attr_value_type(schema: &Schema, attr: &Attribute) -> String {
    match time_wrapper(attr) {
        Some(wrapper) => format!("{RT}::value::{wrapper}"),
        None => rust_type(schema, &attr.ty),
    }
}

/// The runtime wrapper a timestamp is stored through, when it is not the
/// default RFC 3339 text.
pub fn time_wrapper(attr: &Attribute) -> Option<&'static str> {
    if attr.ty != Type::Timestamp {
        return None;
    }
    match attr.time_format? {
        TimeFormat::Rfc3339Nanos => None,
        TimeFormat::Rfc3339Millis => Some("Rfc3339Millis"),
        TimeFormat::Rfc3339Seconds => Some("Rfc3339Seconds"),
        TimeFormat::EpochSeconds => Some("EpochSeconds"),
        TimeFormat::EpochMillis => Some("EpochMillis"),
    }
}

/// Whether values of the type support `Eq` (no `f64` anywhere inside).
pub fn is_eq(schema: &Schema, ty: &Type) -> bool {
    !contains_f64(schema, ty, &mut Vec::new())
}

/// Whether the type holds an `f64` anywhere inside (`visiting`: the
/// structs on the way, which a recursive struct meets again).
pub fn contains_f64(schema: &Schema, ty: &Type, visiting: &mut Vec<String>) -> bool {
    contains(schema, ty, &|t| *t == Type::F64, visiting)
}

/// Whether values of the type can hold what DynamoDB refuses, so that
/// `to_item` checks them before writing: an `f64` (NaN, infinities) or a
/// `json` document (its numbers' texts, empty sets).
pub fn needs_validation(schema: &Schema, ty: &Type) -> bool {
    contains(schema, ty, &|t| matches!(t, Type::F64 | Type::Json), &mut Vec::new())
}

/// Whether `ty`, or a type anywhere inside it, is one `wanted` picks.
fn contains(schema: &Schema, ty: &Type, wanted: &dyn Fn(&Type) -> bool, visiting: &mut Vec<String>) -> bool {
    if wanted(ty) {
        return true;
    }
    match ty {
        Type::List(t) | Type::Map(t) | Type::Set(t) => contains(schema, t, wanted, visiting),
        Type::Struct(name) => {
            if visiting.contains(name) {
                return false;
            }
            visiting.push(name.clone());
            let found = schema
                .struct_named(name)
                .is_some_and(|s| s.fields.iter().any(|f| contains(schema, &f.ty, wanted, visiting)));
            visiting.pop();
            found
        }
        _ => false,
    }
}

/// A Rust expression for a default value of type `ty`.
pub fn value_expr(schema: &Schema, ty: &Type, value: &Value) -> String {
    match (ty, value) {
        (_, Value::String(s)) => format!("{s:?}.to_owned()"),
        (_, Value::Bool(b)) => b.to_string(),
        (Type::F64, Value::Integer(i)) => format!("{i}_f64"),
        (Type::Decimal, Value::Integer(i)) => format!("{RT}::rust_decimal::Decimal::from_i128_with_scale({i}, 0)"),
        (t, Value::Integer(i)) => format!("{i}_{}", rust_type(schema, t)),
        (Type::F64, Value::Number(text)) => format!("{text}_f64"),
        (_, Value::Number(text)) => decimal_expr(text),
        (Type::Enum(name), Value::Enum(variant)) => {
            let e = schema.enum_named(name);
            let rust_enum = e.map_or_else(|| name.clone(), |e| e.rust_name.clone());
            let rust_variant = e
                .and_then(|e| e.variants.iter().find(|v| &v.name == variant))
                .map_or_else(|| variant.clone(), |v| v.rust_name.clone());
            format!("{rust_enum}::{rust_variant}")
        }
        (Type::Json, Value::EmptyMap) => format!("{RT}::Document::Map(::std::collections::BTreeMap::new())"),
        (Type::Json, Value::List(_)) => format!("{RT}::Document::List(::std::vec::Vec::new())"),
        (Type::List(t), Value::List(items)) => format!("::std::vec![{}]", value_list(schema, t, items)),
        (Type::Set(t), Value::List(items)) => {
            format!("::std::collections::BTreeSet::from([{}])", value_list(schema, t, items))
        }
        (_, Value::EmptyMap) => "::std::collections::BTreeMap::new()".into(),
        // The IR only holds defaults that fit their types.
        (_, other) => format!("{other:?}"),
    }
}

/// The elements of a list or set default, as expressions between commas.
fn value_list(schema: &Schema, ty: &Type, items: &[Value]) -> String {
    let items: Vec<String> = items.iter().map(|v| value_expr(schema, ty, v)).collect();
    items.join(", ")
}

/// A decimal default; one `Decimal` cannot hold fails where the value is
/// used, at compile time, not at run time.
fn decimal_expr(text: &str) -> String {
    match decimal_parts(text) {
        Some(Decimal { mantissa, scale }) => {
            format!("{RT}::rust_decimal::Decimal::from_i128_with_scale({mantissa}, {scale})")
        }
        None => format!(
            "::std::compile_error!({})",
            lit(&format!(
                "dyngen: the decimal default `{text}` does not fit a `rust_decimal::Decimal` \
                 (at most 28 decimal places and a 96-bit mantissa)"
            ))
        ),
    }
}

/// An exact decimal as `rust_decimal::Decimal` holds it: `mantissa` × 10^-`scale`.
#[derive(Debug, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

/// `-12.50e1` → mantissa -1250, scale 1; or `None` when a
/// `rust_decimal::Decimal` cannot hold it: more than 28 decimal places
/// (after dropping trailing zeros) or a mantissa of more than 96 bits. (The
/// DSL accepts DynamoDB's 38 digits.)
pub fn decimal_parts(text: &str) -> Option<Decimal> {
    const MAX_SCALE: i64 = 28;
    const MAX_MANTISSA: i128 = (1 << 96) - 1;
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let negative = number.starts_with('-');
    let digits = number.trim_start_matches(['-', '+']);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    let mut scale = i64::try_from(fraction.len()).ok()?.checked_sub(exponent)?;
    if mantissa == 0 {
        let scale = scale.clamp(0, MAX_SCALE) as u32;
        return Some(Decimal { mantissa: 0, scale });
    }
    while scale < 0 {
        mantissa = mantissa.checked_mul(10)?;
        scale += 1;
    }
    while scale > MAX_SCALE && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if scale > MAX_SCALE || mantissa > MAX_MANTISSA {
        return None;
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(Decimal {
        mantissa,
        scale: scale as u32,
    })
}

// Key layouts.

/// A key's casing as a `Casing` variant: `Preserve`.
pub fn casing_variant(c: Casing) -> &'static str {
    match c {
        Casing::Preserve => "Preserve",
        Casing::Lower => "Lower",
        Casing::Upper => "Upper",
    }
}

/// `::dyngen_runtime::key::KeyType::N`.
pub fn key_type(ty: KeyType) -> String {
    format!("{RT}::key::KeyType::{}", ty.word())
}

/// The key's DynamoDB type when it is not a string (`N`, `B`): the key is
/// then written with the `_typed` functions.
pub fn non_string(ty: KeyType) -> Option<&'static str> {
    (ty != KeyType::S).then(|| ty.word())
}

/// Which key of an index a builder makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    Partition,
    Sort,
}

/// The one place key builder functions are named: `{index}_pk`,
/// `{index}_sk` (`primary_pk`, `owned_sk`). Items, keys, queries and
/// updates all call them by this name.
pub fn key_fn_name(index: &EntityIndex, role: KeyRole) -> String {
    let suffix = match role {
        KeyRole::Partition => "pk",
        KeyRole::Sort => "sk",
    };
    format!("{}_{suffix}", bare(&index.rust_name))
}

/// The Rust name of a key part's parameter: the attribute's, or
/// `created_month` for `month(created)`.
pub fn part_rust_name(attr: &Attribute, derive: Option<Derive>) -> String {
    match derive {
        None => attr.rust_name.clone(),
        Some(d) => format!("{}_{}", bare(&attr.rust_name), d.word()),
    }
}

/// The type of a key part: the attribute's, or the bucket's.
pub fn part_type(schema: &Schema, attr: &Attribute, derive: Option<Derive>) -> String {
    match derive {
        None => rust_type(schema, &attr.ty),
        Some(d) => bucket_type(d),
    }
}

/// `::dyngen_runtime::key::Month`: the runtime type of a derived part.
pub fn bucket_type(derive: Derive) -> String {
    format!("{RT}::key::{}", derive.runtime_type())
}

/// The argument for a key part from `source` (a `&T` expression of the
/// attribute): the attribute itself, or its derived bucket.
pub fn derived_arg(derive: Option<Derive>, source: &str) -> String {
    match derive {
        None => source.to_string(),
        Some(Derive::Shard(count)) => format!("&{RT}::key::Shard::of({source}, {count})"),
        Some(d) => format!("&{}::of({source})", bucket_type(d)),
    }
}

/// How a key composite's value is handed to the key codec. A `ttl`
/// timestamp is stored in whole seconds, so its key uses whole seconds too
/// (`EpochSeconds`): an item is then found again by the value read back.
/// Other stored timestamp forms are wrapped the same way, so that a raw key
/// holds exactly the stored text.
pub fn key_value(attr: &Attribute, value: &str, by_ref: bool) -> String {
    let deref = if by_ref { "*" } else { "" };
    match time_wrapper(attr) {
        Some(wrapper) => format!("&{RT}::value::{wrapper}({deref}{value})"),
        None if by_ref => value.to_string(),
        None => format!("&{value}"),
    }
}

/// A key part's value as the text codec takes it: enums by their stored
/// string (`as_str`), everything else as the key codec does.
pub fn text_value(schema: &Schema, attr: &Attribute, derive: Option<Derive>, value: &str, by_ref: bool) -> String {
    if derive.is_some() {
        return if by_ref { value.to_string() } else { format!("&{value}") };
    }
    match &attr.ty {
        Type::Enum(name) if schema.enum_named(name).is_some() => format!("{value}.as_str()"),
        _ => key_value(attr, value, by_ref),
    }
}

/// A field of a key or partition struct.
pub struct KeyField {
    /// `///` lines, joined by line breaks.
    pub docs: String,
    pub rust_name: String,
    pub rust_type: String,
}

/// The key struct field of an attribute.
pub fn key_field(schema: &Schema, attr: &Attribute) -> KeyField {
    KeyField {
        docs: attribute_docs(attr, false, false).join("\n"),
        rust_name: attr.rust_name.clone(),
        rust_type: rust_type(schema, &attr.ty),
    }
}

/// One secondary key attribute an entity writes, with its builder.
pub struct SecondaryKey<'a> {
    pub index: &'a EntityIndex,
    pub template: &'a KeyTemplate,
    pub fn_name: String,
}

/// The secondary key attributes of `entity`, index by index: each one's
/// partition key (not a local index's, which is the table's) and sort key.
pub fn secondary_keys(entity: &Entity) -> Vec<SecondaryKey<'_>> {
    let mut keys = Vec::new();
    for index in &entity.indexes {
        if !matches!(index.table_index, TableIndexRef::Local(_)) {
            keys.push(SecondaryKey {
                index,
                template: &index.pk,
                fn_name: key_fn_name(index, KeyRole::Partition),
            });
        }
        if let Some(sk) = &index.sk {
            keys.push(SecondaryKey {
                index,
                template: sk,
                fn_name: key_fn_name(index, KeyRole::Sort),
            });
        }
    }
    keys
}
