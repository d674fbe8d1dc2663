//! View-models: everything the templates print, computed here so that the
//! templates only arrange it. Each function turns a piece of the IR into the
//! Rust tokens (as text) that stand for it.

use dyngen_dsl::ir::{
    self, Attribute, AttributeRole, Casing, Derive, Entity, EntityIndex, KeyCodec, KeyPart, KeyType, Schema,
    TimeFormat, Type, Value,
};
use dyngen_dsl::names;

/// The runtime crate, always by absolute path.
pub const RT: &str = "::dyngen_runtime";

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
pub fn doc_text(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_in_comment(c: char) -> bool {
        (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_in_comment) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_in_comment(c) {
            safe.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    std::borrow::Cow::Owned(safe)
}

/// The schema's doc lines, or `fallback` when it has none: every generated
/// public item is documented.
fn docs_or(docs: &[String], fallback: impl FnOnce() -> String) -> Vec<String> {
    if docs.is_empty() {
        vec![fallback()]
    } else {
        doc_lines(docs)
    }
}

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
        Type::Timestamp => format!("{RT}::chrono::DateTime<{RT}::chrono::Utc>"),
        Type::Enum(name) => schema
            .enum_named(name)
            .map_or_else(|| name.clone(), |e| e.rust_name.clone()),
        Type::Struct(name) => schema
            .struct_named(name)
            .map_or_else(|| name.clone(), |s| s.rust_name.clone()),
        Type::List(t) => format!("::std::vec::Vec<{}>", rust_type(schema, t)),
        Type::Map(t) => format!(
            "::std::collections::BTreeMap<::std::string::String, {}>",
            rust_type(schema, t)
        ),
        Type::Set(t) => format!("::std::collections::BTreeSet<{}>", rust_type(schema, t)),
    }
}

/// The argument type a query method takes for a key composite: borrowed
/// for strings, by value for the `Copy` scalars.
fn composite_arg_type(schema: &Schema, ty: &Type) -> String {
    match ty {
        Type::String => "&str".into(),
        other => rust_type(schema, other),
    }
}

fn casing_variant(c: Casing) -> &'static str {
    match c {
        Casing::Preserve => "Preserve",
        Casing::Lower => "Lower",
        Casing::Upper => "Upper",
    }
}

fn casing(c: Casing) -> String {
    let variant = casing_variant(c);
    format!("{RT}::Casing::{variant}")
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
        (_, Value::Number(text)) => match decimal_parts(text) {
            Some((mantissa, scale)) => {
                format!("{RT}::rust_decimal::Decimal::from_i128_with_scale({mantissa}, {scale})")
            }
            // Not representable: fail where the value is used, not at run time.
            None => format!(
                "::std::compile_error!({})",
                lit(&format!(
                    "dyngen: the decimal default `{text}` does not fit a `rust_decimal::Decimal` \
                     (at most 28 decimal places and a 96-bit mantissa)"
                ))
            ),
        },
        (Type::Enum(name), Value::Enum(variant)) => {
            let e = schema.enum_named(name);
            let rust_enum = e.map_or_else(|| name.clone(), |e| e.rust_name.clone());
            let rust_variant = e
                .and_then(|e| e.variants.iter().find(|v| &v.name == variant))
                .map_or_else(|| variant.clone(), |v| v.rust_name.clone());
            format!("{rust_enum}::{rust_variant}")
        }
        (Type::List(t), Value::List(items)) => {
            let items: Vec<String> = items.iter().map(|v| value_expr(schema, t, v)).collect();
            format!("::std::vec![{}]", items.join(", "))
        }
        (Type::Set(t), Value::List(items)) => {
            let items: Vec<String> = items.iter().map(|v| value_expr(schema, t, v)).collect();
            format!("::std::collections::BTreeSet::from([{}])", items.join(", "))
        }
        (_, Value::EmptyMap) => "::std::collections::BTreeMap::new()".into(),
        // The IR only holds defaults that fit their types.
        (_, other) => format!("{other:?}"),
    }
}

/// `-12.50e1` → `Some((-1250, 1))`: the mantissa and scale of an exact
/// decimal, or `None` when a `rust_decimal::Decimal` cannot hold it: more
/// than 28 decimal places (after dropping trailing zeros) or a mantissa of
/// more than 96 bits. (The DSL accepts DynamoDB's 38 digits.)
pub fn decimal_parts(text: &str) -> Option<(i128, u32)> {
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
        return Some((0, scale.clamp(0, MAX_SCALE) as u32));
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
    Some((if negative { -mantissa } else { mantissa }, scale as u32))
}

/// The schema's docs of an attribute, or a line naming it, so that every
/// generated field is documented.
///
/// Facts the type does not show follow: the stored name when `@field`
/// changed it, the `ttl` and `version` roles, and (with `with_default`, for
/// the item's own fields) the default read when an item lacks the attribute.
fn attribute_docs(attr: &Attribute, with_default: bool, in_struct: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if attr.field != attr.name {
        notes.push(format!("Stored as `{}`.", doc_text(&attr.field)));
    }
    if attr.docs.is_empty() {
        match attr.role {
            AttributeRole::Ttl if attr.ty == Type::Timestamp => {
                notes.push("The item's expiry time (DynamoDB TTL), stored as seconds since the Unix epoch.".to_string())
            }
            AttributeRole::Ttl => {
                notes.push("The item's expiry time (DynamoDB TTL), in seconds since the Unix epoch.".to_string())
            }
            AttributeRole::Version => notes.push("The item's optimistic-locking version.".to_string()),
            _ => {}
        }
    }
    // A set's default is not applied on read (see `field_view`).
    if let Some(default) = attr
        .default
        .as_ref()
        .filter(|_| with_default && !matches!(attr.ty, Type::Set(_)))
    {
        notes.push(format!("Read as `{}` when absent.", doc_text(&literal_text(default))));
    }
    if attr.docs.is_empty() {
        let noun = if in_struct { "Field" } else { "Attribute" };
        notes.insert(0, format!("{noun} `{}`.", attr.name));
        vec![format!("/// {}", notes.join(" "))]
    } else {
        let mut lines = doc_lines(&attr.docs);
        if !notes.is_empty() {
            lines.push("///".to_string());
            lines.push(format!("/// {}", notes.join(" ")));
        }
        lines
    }
}

/// A default as the schema writes it: `"main"`, `false`, `Open`, `[1, 2]`, `{}`.
fn literal_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(text) => text.clone(),
        Value::Enum(variant) => variant.clone(),
        Value::List(items) => format!("[{}]", items.iter().map(literal_text).collect::<Vec<_>>().join(", ")),
        Value::EmptyMap => "{}".to_string(),
    }
}

/// `AttributeCodec::validate` of the attribute's value (skipped when an
/// optional one is absent), its error mapped by `map_err`, then `?`.
fn validate_statement(attr: &Attribute, map_err: &str) -> String {
    let name = &attr.rust_name;
    let check = |value: &str| format!("{RT}::value::AttributeCodec::validate({value}).map_err({map_err})?;");
    if attr.optional {
        format!(
            "if let ::std::option::Option::Some(value) = &self.{name} {{ {} }}",
            check("value")
        )
    } else {
        check(&format!("&self.{name}"))
    }
}

/// A field of a key or partition struct: (docs, Rust name, type).
fn key_field(schema: &Schema, attr: &Attribute) -> (String, String, String) {
    (
        attribute_docs(attr, false, false).join("\n"),
        attr.rust_name.clone(),
        rust_type(schema, &attr.ty),
    )
}

/// How one attribute (or struct field) is written into and read from a map.
pub struct FieldView {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub rust_type: String,
    /// A statement rejecting values DynamoDB cannot store, when the type can hold them.
    pub validate: Option<String>,
    /// The same check inside a struct's `validate`, with a path in the message.
    pub validate_in_struct: Option<String>,
    /// Statements storing `self.<field>` into the map named `item`.
    pub encode: String,
    /// An expression reading the field from the map named `item`, with `?`.
    pub decode: String,
}

pub fn field_view(schema: &Schema, attr: &Attribute, owner: &str, error_context: ErrorContext) -> FieldView {
    let base_type = rust_type(schema, &attr.ty);
    let rust_type = if attr.optional {
        format!("::std::option::Option<{base_type}>")
    } else {
        base_type
    };
    let name = &attr.rust_name;
    let field = &attr.field;
    let epoch = attr.time_format == Some(TimeFormat::EpochSeconds) && attr.ty == Type::Timestamp;
    // DynamoDB cannot store NaN or infinities: refuse them before writing.
    let has_f64 = contains_f64(schema, &attr.ty, &mut Vec::new());
    let validate = has_f64.then(|| {
        validate_statement(
            attr,
            &format!("|message| {RT}::Error::InvalidValue {{ entity: {owner:?}, attribute: {field:?}, message }}"),
        )
    });
    // The stored name goes in as an argument: it may hold `{`.
    let validate_in_struct = has_f64.then(|| {
        validate_statement(
            attr,
            &format!(
                "|message| ::std::format!(\"{{}}: {{message}}\", {})",
                lit(&format!(".{field}"))
            ),
        )
    });
    let wrapper = time_wrapper(attr).filter(|_| !epoch);
    let mut encode = String::new();
    if let Some(w) = wrapper {
        // A timestamp stored in another form goes through its wrapper.
        encode.push_str(&if attr.optional {
            format!("if let ::std::option::Option::Some(value) = &self.{name} {{ {RT}::value::put(&mut item, {field:?}, &{RT}::value::{w}(*value)); }}")
        } else {
            format!("{RT}::value::put(&mut item, {field:?}, &{RT}::value::{w}(self.{name}));")
        });
    } else {
        encode.push_str(&match (epoch, attr.optional) {
        (true, false) => format!("item.insert({field:?}.to_owned(), {RT}::value::epoch_seconds::encode(&self.{name}));"),
        (true, true) => format!(
            "if let ::std::option::Option::Some(value) = &self.{name} {{ item.insert({field:?}.to_owned(), {RT}::value::epoch_seconds::encode(value)); }}"
        ),
        (false, false) => format!("{RT}::value::put(&mut item, {field:?}, &self.{name});"),
        (false, true) => format!("{RT}::value::put_optional(&mut item, {field:?}, &self.{name});"),
    });
    }
    // An entity's attribute is read through its `value::Decoder` (which
    // places errors on the entity), a struct's field by the free functions.
    let take = |method: &str, turbofish: &str| match error_context {
        ErrorContext::Entity(_) => format!("item.{method}{turbofish}({field:?})?"),
        ErrorContext::Struct => format!(
            "{RT}::value::{method}{turbofish}(&mut item, {field:?}){}?",
            error_context.map_err(field)
        ),
    };
    let decode = if let Some(w) = wrapper {
        let turbofish = format!("::<{RT}::value::{w}>");
        if attr.optional {
            format!("{}.map(|v| v.0)", take("take_optional", &turbofish))
        } else {
            format!("{}.0", take("take", &turbofish))
        }
    } else if epoch {
        if attr.optional {
            take("take_optional_epoch", "")
        } else {
            take("take_epoch", "")
        }
    } else if attr.optional {
        take("take_optional", "")
    } else if attr.role == AttributeRole::Version {
        // An item written before the entity had a version is at version 0:
        // the version a write expects of an item never written with one.
        format!("{}.unwrap_or(0)", take("take_optional", ""))
    } else if let Some(default) = attr.default.as_ref().filter(|_| !matches!(attr.ty, Type::Set(_))) {
        // (A set's default is not applied on read: an empty set is stored as
        // an absent attribute, and must read back empty.)
        let fallback = match default {
            Value::List(items) if items.is_empty() => ".unwrap_or_default()".to_string(),
            Value::EmptyMap => ".unwrap_or_default()".to_string(),
            Value::String(s) if s.is_empty() => ".unwrap_or_default()".to_string(),
            // Literals and enum variants: nothing to compute.
            Value::Bool(_) | Value::Integer(_) | Value::Enum(_) => {
                format!(".unwrap_or({})", value_expr(schema, &attr.ty, default))
            }
            Value::Number(_) if attr.ty == Type::F64 => {
                format!(".unwrap_or({})", value_expr(schema, &attr.ty, default))
            }
            _ => format!(".unwrap_or_else(|| {})", value_expr(schema, &attr.ty, default)),
        };
        format!("{}{fallback}", take("take_optional", ""))
    } else {
        take("take", "")
    };
    FieldView {
        docs: attribute_docs(attr, true, matches!(error_context, ErrorContext::Struct)),
        rust_name: name.clone(),
        rust_type,
        validate,
        validate_in_struct,
        encode,
        decode,
    }
}

/// How a decode error is placed: on an entity attribute, or inside a struct.
#[derive(Clone, Copy)]
pub enum ErrorContext<'a> {
    Entity(&'a str),
    Struct,
}

impl ErrorContext<'_> {
    fn map_err(self, field: &str) -> String {
        match self {
            ErrorContext::Entity(entity) => format!(".map_err(|e| e.at({entity:?}, {field:?}))"),
            ErrorContext::Struct => format!(".map_err(|e| e.within({}))", lit(&format!(".{field}"))),
        }
    }
}

pub struct EnumView {
    pub docs: Vec<String>,
    pub rust_name: String,
    /// (docs, Rust variant, stored value).
    pub variants: Vec<(Vec<String>, String, String)>,
}

pub fn enum_view(e: &ir::Enum) -> EnumView {
    EnumView {
        docs: docs_or(&e.docs, || {
            format!("/// Enum `{}` of the schema, stored as a string.", e.name)
        }),
        rust_name: e.rust_name.clone(),
        variants: e
            .variants
            .iter()
            .map(|v| (doc_lines(&v.docs), v.rust_name.clone(), lit(&v.value)))
            .collect(),
    }
}

pub struct StructView {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub fields: Vec<FieldView>,
    pub derive_eq: bool,
}

pub fn struct_view(schema: &Schema, s: &ir::Struct) -> StructView {
    StructView {
        docs: docs_or(&s.docs, || {
            format!("/// Struct `{}` of the schema, stored as a DynamoDB map.", s.name)
        }),
        rust_name: s.rust_name.clone(),
        fields: s
            .fields
            .iter()
            .map(|f| field_view(schema, f, &s.name, ErrorContext::Struct))
            .collect(),
        derive_eq: s.fields.iter().all(|f| is_eq(schema, &f.ty, &mut Vec::new())),
    }
}

/// Whether values of the type support `Eq` (no `f64` anywhere inside).
fn is_eq(schema: &Schema, ty: &Type, visiting: &mut Vec<String>) -> bool {
    !contains_f64(schema, ty, visiting)
}

/// Whether the type holds an `f64` anywhere inside.
fn contains_f64(schema: &Schema, ty: &Type, visiting: &mut Vec<String>) -> bool {
    match ty {
        Type::F64 => true,
        Type::List(t) | Type::Map(t) | Type::Set(t) => contains_f64(schema, t, visiting),
        Type::Struct(name) => {
            if visiting.contains(name) {
                return false;
            }
            visiting.push(name.clone());
            let found = schema
                .struct_named(name)
                .is_some_and(|s| s.fields.iter().any(|f| contains_f64(schema, &f.ty, visiting)));
            visiting.pop();
            found
        }
        _ => false,
    }
}

/// One key attribute of an entity index: how to build its value.
pub struct KeyView {
    /// The physical attribute, as a literal.
    pub field: String,
    /// Name of the generated builder function (`primary_pk`, `owned_sk`).
    pub fn_name: String,
    /// Parameters of the builder function: (rust name, type).
    pub params: Vec<(String, String)>,
    /// Where each parameter's value comes from.
    pub sources: Vec<KeyParamSource>,
    /// The builder expression, returning `Result<String, Error>`.
    pub build: String,
    /// How the built text becomes the attribute's value.
    pub attr_type: KeyType,
    /// Another index's key writes the same attribute (with the same
    /// value): this builder is not needed.
    pub written_elsewhere: bool,
}

/// The attribute a key builder parameter is read from, and the part derived
/// from it, if any (`created` → `createdMonth`).
pub struct KeyParamSource {
    /// The attribute's Rust name.
    pub attribute: String,
    pub optional: bool,
    pub derive: Option<Derive>,
}

impl KeyView {
    /// The arguments of a call from an item or key struct named `receiver`
    /// (`self`), which holds the source attributes.
    pub fn args_from_source(&self, receiver: &str) -> String {
        let args: Vec<String> = self
            .sources
            .iter()
            .map(|s| derived_arg(s.derive, &format!("&{receiver}.{}", s.attribute)))
            .collect();
        args.join(", ")
    }

    /// The statement writing this key attribute, built by `expr`, into the
    /// item `target`.
    pub fn put(&self, target: &str, expr: &str) -> String {
        let field = &self.field;
        match self.attr_type {
            KeyType::S => format!("{RT}::key::put(&mut {target}, {field}, {expr});"),
            other => format!(
                "{RT}::key::put_typed(&mut {target}, {field}, {}, {expr});",
                key_type(other)
            ),
        }
    }
}

/// `::dyngen_runtime::key::KeyType::N`.
pub fn key_type(ty: KeyType) -> String {
    format!("{RT}::key::KeyType::{}", ty.word())
}

/// The argument for a key part from `source` (a `&T` expression of the
/// attribute): the attribute itself, or its derived bucket.
pub fn derived_arg(derive: Option<Derive>, source: &str) -> String {
    match derive {
        None => source.to_string(),
        Some(Derive::Shard(count)) => format!("&{RT}::key::Shard::of({source}, {count})"),
        Some(d) => format!("&{RT}::key::{}::of({source})", d.runtime_type()),
    }
}

/// The Rust name of a key part's parameter: the attribute's, or
/// `created_month` for `month(created)`.
fn part_rust_name(attr: &Attribute, derive: Option<Derive>) -> String {
    match derive {
        None => attr.rust_name.clone(),
        Some(d) => format!("{}_{}", attr.rust_name.trim_start_matches("r#"), d.word()),
    }
}

/// The type of a key part: the attribute's, or the bucket's.
fn part_type(schema: &Schema, attr: &Attribute, derive: Option<Derive>) -> String {
    match derive {
        None => rust_type(schema, &attr.ty),
        Some(d) => format!("{RT}::key::{}", d.runtime_type()),
    }
}

/// How a key composite's value is handed to the key codec. A `ttl`
/// timestamp is stored in whole seconds, so its key uses whole seconds too
/// (`EpochSeconds`): an item is then found again by the value read back.
/// Other stored timestamp forms are wrapped the same way, so that a raw key
/// holds exactly the stored text.
fn key_value(attr: &Attribute, value: &str, by_ref: bool) -> String {
    let deref = if by_ref { "*" } else { "" };
    match time_wrapper(attr) {
        Some(wrapper) => format!("&{RT}::value::{wrapper}({deref}{value})"),
        None if by_ref => value.to_string(),
        None => format!("&{value}"),
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

/// A key part's value as the text codec takes it: enums by their stored
/// string (`as_str`), everything else as the key codec does.
fn text_value(schema: &Schema, attr: &Attribute, derive: Option<Derive>, value: &str, by_ref: bool) -> String {
    if derive.is_some() {
        return if by_ref { value.to_string() } else { format!("&{value}") };
    }
    match &attr.ty {
        Type::Enum(_) if schema.enum_named(enum_name(&attr.ty)).is_some() => format!("{value}.as_str()"),
        _ => key_value(attr, value, by_ref),
    }
}

fn enum_name(ty: &Type) -> &str {
    match ty {
        Type::Enum(n) => n,
        _ => "",
    }
}

fn key_view(
    schema: &Schema,
    entity: &Entity,
    index: &EntityIndex,
    template: &ir::KeyTemplate,
    is_sort: bool,
) -> KeyView {
    let role = if is_sort { "sk" } else { "pk" };
    let constructor = if is_sort { "sort" } else { "partition" };
    let layout = &template.layout;
    let mut build = format!(
        "{RT}::key::KeyBuilder::{constructor}({:?}, {:?})",
        entity.name, template.field
    );
    let mut params = Vec::new();
    let mut sources = Vec::new();
    for (i, part) in layout.parts.iter().enumerate() {
        let value = match part {
            KeyPart::Literal(text) => {
                match layout.codec {
                    KeyCodec::Segmented => build.push_str(&format!(".label({text:?})")),
                    _ => build.push_str(&format!(".literal({text:?})")),
                }
                continue;
            }
            KeyPart::Value(value) => value,
        };
        let Some(attr) = entity.attribute(&value.attribute) else {
            continue;
        };
        let name = part_rust_name(attr, value.derive);
        let part_name = lit(&value.name());
        match layout.codec {
            KeyCodec::Segmented => {
                let arg = if value.derive.is_some() {
                    name.clone()
                } else {
                    key_value(attr, &attr.rust_name, true)
                };
                build.push_str(&format!(".value({part_name}, {arg}, {})", casing(template.casing)));
            }
            KeyCodec::Text | KeyCodec::Native if layout.attr_type == KeyType::B => {
                build.push_str(&format!(".binary({part_name}, &{name}.0)"));
            }
            KeyCodec::Text | KeyCodec::Native => {
                // A value must not contain the text that ends it.
                let delimiter = match layout.parts.get(i + 1) {
                    Some(KeyPart::Literal(next)) => next.chars().next().map_or_else(
                        || "::std::option::Option::None".to_string(),
                        |c| format!("::std::option::Option::Some({c:?})"),
                    ),
                    _ => "::std::option::Option::None".to_string(),
                };
                let arg = text_value(schema, attr, value.derive, &name, true);
                build.push_str(&format!(
                    ".text({part_name}, {arg}, {}, {delimiter})",
                    casing(template.casing)
                ));
            }
        }
        params.push((name, format!("&{}", part_type(schema, attr, value.derive))));
        sources.push(KeyParamSource {
            attribute: attr.rust_name.clone(),
            optional: attr.optional,
            derive: value.derive,
        });
    }
    build.push_str(".build()");
    KeyView {
        field: lit(&template.field),
        fn_name: format!("{}_{role}", index.rust_name.trim_start_matches("r#")),
        params,
        sources,
        build,
        attr_type: layout.attr_type,
        written_elsewhere: false,
    }
}

/// A stage of a sort-key condition chain: the composite it constrains next.
pub struct StageView {
    pub docs: String,
    pub type_name: String,
    /// The method fixing the composite: its Rust name (maybe `r#type`).
    pub eq_method: String,
    /// The Rust name without `r#`, for `_gt`, `_between`, ...
    pub composite_rust: String,
    pub composite_name: String,
    pub composite_lit: String,
    pub arg_type: String,
    /// What fixing the composite returns: the next stage or the plain query.
    pub eq_return: String,
    pub eq_body: String,
    pub is_string: bool,
    /// Whether the range methods exist (`_gt`, `_between`, ...): the key's
    /// text sorts like this composite's values.
    pub ordered: bool,
    /// `sort_key_ranges!`'s codec: `segmented` (dyngen's own layout) or
    /// `text` (templates and native keys).
    pub codec: &'static str,
    /// The key's casing as a `Casing` variant: `Preserve`.
    pub casing_variant: &'static str,
    /// How the range methods' argument reaches the key codec:
    /// `plain(&str)`, `wrap(T, W)`, `into(Month)`, `as_str(Status)`.
    pub ranges_value: String,
}

pub struct IndexView {
    pub docs: Vec<String>,
    /// The method on the entity client that starts the query.
    pub method: String,
    pub partition_type: String,
    pub partition_docs: String,
    /// Fields of the partition key struct: (docs, rust name, type).
    pub partition_fields: Vec<(String, String, String)>,
    pub pk: KeyView,
    pub sk: Option<KeyView>,
    /// The index's DynamoDB name as a literal; `None` for the table.
    pub index_name_lit: Option<String>,
    /// The sort key attribute as a literal, when the index has one.
    pub sk_field_lit: Option<String>,
    /// Labels of the sort key, each followed by `#`, as a literal.
    pub sk_prefix_lit: String,
    pub sk_composite_count: usize,
    /// `QueryLayout` expression for keys other than dyngen's own layout (or
    /// a query that must filter by the entity tag); `None` for the default.
    pub layout: Option<String>,
    /// For a partition key with one time bucket: the method reading the
    /// pattern across a range of buckets.
    pub across: Option<AcrossView>,
    pub stages: Vec<StageView>,
    /// The type the query method returns.
    pub query_type: String,
    /// The key attributes `to_item` writes for this index.
    pub item_keys: Vec<ItemKeyView>,
    /// Whether items carry this index's partition key attribute: not for a
    /// local index, whose partition key is the table's (the primary key
    /// writes it).
    pub writes_pk: bool,
}

pub struct EntityView {
    pub docs: Vec<String>,
    pub name: String,
    pub name_lit: String,
    pub rust_name: String,
    pub client: String,
    pub client_method: String,
    pub key_type: String,
    pub fields: Vec<FieldView>,
    pub field_count: usize,
    pub derive_eq: bool,
    pub primary: IndexView,
    pub indexes: Vec<IndexView>,
    /// The entity tag attribute, when the table has one.
    pub entity_tag_lit: Option<String>,
    /// What the tag holds for this entity.
    pub tag_value_lit: String,
    /// `Entity::TAG`, when the tag holds something else than the name.
    pub tag_const: Option<String>,
    /// `Entity::FIXED`'s elements (`FixedAttribute` expressions).
    pub fixed: Vec<String>,
    /// The body of `Entity::stored_now`, when `updatedAt` has a format.
    pub stored_now: Option<String>,
    /// Primary key fields: (docs, rust name, type).
    pub key_fields: Vec<(String, String, String)>,
    /// What `PrimaryKey::to_key` writes: one `key::put` statement per key
    /// attribute, from the key struct `self`.
    pub primary_key_values: Vec<String>,
    /// `KeyMark` expression, for an entity of a table without an entity
    /// tag that holds several entities: how its items are told apart.
    pub key_mark: Option<String>,
}

impl EntityView {
    pub fn all_indexes(&self) -> impl Iterator<Item = &IndexView> {
        std::iter::once(&self.primary).chain(&self.indexes)
    }

    /// Key attributes an item can carry: for `Item::with_capacity`.
    pub fn key_attribute_count(&self) -> usize {
        self.all_indexes()
            .map(|i| usize::from(i.writes_pk) + usize::from(i.sk.is_some()))
            .sum()
    }
}

impl IndexView {
    /// The partition key builder, then the sort key builder.
    pub fn keys(&self) -> impl Iterator<Item = &KeyView> {
        std::iter::once(&self.pk).chain(&self.sk)
    }
}

/// `<pattern>_across`: an access pattern read across a range of buckets.
pub struct AcrossView {
    pub method: String,
    /// `::dyngen_runtime::key::Month`.
    pub bucket_type: String,
    /// The partition field holding the bucket (`created_month`).
    pub bucket_field: String,
    /// The partition's other fields, copied from `from`.
    pub other_fields: Vec<String>,
    pub part_name: String,
    /// Hash shards, which are read in shard order, not in key order.
    pub shards: bool,
}

/// A key attribute as `to_item` writes it from the item's fields.
pub struct ItemKeyView {
    pub field: String,
    /// `key::put(&mut item, "pk", Self::primary_pk(&self.repo_owner)?);`:
    /// the key from the item's fields, written.
    pub put: String,
    /// `if let Some(owner) = &self.owner` (a tuple of them for several) when
    /// the key has optional composites: each key attribute is written exactly
    /// when all of its own composites are present (a sparse index), which is
    /// the rule updates follow too.
    pub guard: Option<String>,
}

fn item_key_view(key: &KeyView) -> ItemKeyView {
    let mut optional: Vec<&str> = Vec::new();
    for source in key.sources.iter().filter(|s| s.optional) {
        if !optional.contains(&source.attribute.as_str()) {
            optional.push(&source.attribute);
        }
    }
    let args: Vec<String> = key
        .sources
        .iter()
        .map(|s| {
            if s.optional {
                derived_arg(s.derive, &s.attribute)
            } else {
                derived_arg(s.derive, &format!("&self.{}", s.attribute))
            }
        })
        .collect();
    let guard = (!optional.is_empty()).then(|| match optional.as_slice() {
        [one] => format!("if let ::std::option::Option::Some({one}) = &self.{one}"),
        _ => {
            let patterns: Vec<String> = optional
                .iter()
                .map(|n| format!("::std::option::Option::Some({n}),"))
                .collect();
            let values: Vec<String> = optional.iter().map(|n| format!("&self.{n},")).collect();
            format!("if let ({}) = ({})", patterns.concat(), values.concat())
        }
    });
    ItemKeyView {
        field: key.field.clone(),
        put: key.put("item", &format!("Self::{}({})?", key.fn_name, args.join(", "))),
        guard,
    }
}

/// Whether a value's stored text sorts like the value, so that a range on a
/// template's last composite is a range of keys: strings and enums (by
/// their stored text), booleans, fixed-width timestamps and time buckets.
/// Numbers are written unpadded in templates (`9` sorts after `10`).
fn text_sorts_by_value(attr: &Attribute, derive: Option<Derive>) -> bool {
    derive.is_some()
        || match attr.ty {
            Type::String | Type::Enum(_) | Type::Bool => true,
            Type::Timestamp => !attr.time_format.is_some_and(TimeFormat::is_number),
            _ => false,
        }
}

/// The `QueryLayout` a query of `index` needs, or `None` for dyngen's own
/// layout with keys that tell the entity's items from all others.
fn query_layout(schema: &Schema, entity: &Entity, index: &EntityIndex) -> Option<String> {
    let pk = &index.pk.layout;
    let sort = match &index.sk {
        None => format!("{RT}::query::SortLayout::Segmented"),
        Some(sk) => match sk.layout.codec {
            KeyCodec::Segmented => format!("{RT}::query::SortLayout::Segmented"),
            KeyCodec::Native => format!("{RT}::query::SortLayout::Native({})", key_type(sk.layout.attr_type)),
            KeyCodec::Text => {
                // The literal text after each value, in order.
                let mut after = Vec::new();
                let mut parts = sk
                    .layout
                    .parts
                    .iter()
                    .skip_while(|p| matches!(p, KeyPart::Literal(_)))
                    .peekable();
                while let Some(part) = parts.next() {
                    if let KeyPart::Value(_) = part {
                        let mut text = String::new();
                        while let Some(KeyPart::Literal(l)) = parts.peek() {
                            text.push_str(l);
                            parts.next();
                        }
                        after.push(format!("{text:?}"));
                    }
                }
                format!("{RT}::query::SortLayout::Text {{ after: &[{}] }}", after.join(", "))
            }
        },
    };
    let entity_filter = schema.table.entity_tag_field.is_some() && schema.keys_shared_with_others(entity, index);
    let fetch_items = index.fetch;
    let default = pk.attr_type == KeyType::S
        && index
            .sk
            .as_ref()
            .is_none_or(|sk| sk.layout.codec == KeyCodec::Segmented && sk.layout.attr_type == KeyType::S)
        && !entity_filter
        && !fetch_items;
    (!default).then(|| {
        format!(
            "{RT}::query::QueryLayout {{ partition: {}, sort: {sort}, entity_filter: {entity_filter}, fetch_items: {fetch_items} }}",
            key_type(pk.attr_type)
        )
    })
}

fn index_view(schema: &Schema, entity: &Entity, index: &EntityIndex) -> IndexView {
    let pk = key_view(schema, entity, index, &index.pk, false);
    let sk = index.sk.as_ref().map(|t| key_view(schema, entity, index, t, true));
    let is_primary = index.is_primary();
    let index_name = (!is_primary).then_some(index.name.as_str());
    let partition_type = names::partition_type(&entity.rust_name, index_name);
    let base_query_type = names::query_stage_type(&entity.rust_name, index_name, None);
    // The sort key's value parts, with the attribute each is read from.
    let parts: Vec<(&Attribute, &ir::KeyComposite)> = index
        .sk
        .iter()
        .flat_map(|t| t.values())
        .filter_map(|v| entity.attribute(&v.attribute).map(|a| (a, v)))
        .collect();
    let sk_layout = index.sk.as_ref().map(|t| &t.layout);
    let sk_codec = sk_layout.map_or(KeyCodec::Segmented, |l| l.codec);
    let sk_casing = index.sk.as_ref().map_or(Casing::Preserve, |t| t.casing);
    let query = format!("{RT}::Query<'t, {}>", entity.rust_name);
    let mut stages = Vec::new();
    let mut stage_type = base_query_type.clone();
    for (i, (attr, part)) in parts.iter().enumerate() {
        let part_name = part.name();
        let next_type = match parts.get(i + 1) {
            Some(_) => names::query_stage_type(&entity.rust_name, index_name, Some(&part_name)),
            None => query.clone(),
        };
        let docs = if i == 0 {
            format!(
                "/// A query of `{}` through {}: narrow it by `{}` next, or run it.",
                entity.name,
                if is_primary {
                    "its primary key".to_string()
                } else {
                    format!("access pattern `{}`", index.name)
                },
                part_name
            )
        } else {
            format!(
                "/// The same query with `{}` fixed: narrow it by `{}` next, or run it.",
                parts[i - 1].1.name(),
                part_name
            )
        };
        let is_last = i + 1 == parts.len();
        // dyngen's own layout orders every composite; a template or a raw
        // key only its last one, when nothing follows it and its text sorts
        // like its value; a native key always (see docs/key-format.md).
        let (method_prefix, ordered) = match sk_codec {
            KeyCodec::Segmented => ("", true),
            KeyCodec::Native => ("text_", true),
            KeyCodec::Text => (
                "text_",
                is_last && sk_layout.is_some_and(|l| l.ends_with_value()) && text_sorts_by_value(attr, part.derive),
            ),
        };
        let value_of = |name: &str| match sk_codec {
            KeyCodec::Segmented if part.derive.is_some() => format!("&{name}"),
            KeyCodec::Segmented => key_value(attr, name, false),
            _ => text_value(schema, attr, part.derive, name, false),
        };
        let (arg_type, convert) = match part.derive {
            None => (composite_arg_type(schema, &attr.ty), None),
            Some(d) => {
                let ty = format!("{RT}::key::{}", d.runtime_type());
                (
                    format!("impl ::std::convert::Into<{ty}>"),
                    Some(format!("::std::convert::Into::<{ty}>::into")),
                )
            }
        };
        let converted = |name: &str| match &convert {
            Some(f) => format!("{f}({name})"),
            None => name.to_string(),
        };
        let value_ref = |name: &str| match &convert {
            Some(_) => format!("&{}", converted(name)),
            None => value_of(name),
        };
        let eq_call = format!(
            "self.0.{method_prefix}eq({}, {}, {})",
            lit(&part_name),
            value_ref("value"),
            casing(sk_casing)
        );
        // How `sort_key_ranges!` hands the argument to the key codec: the
        // same conversions as `value_of` and `convert` above.
        let ranges_value = match part.derive {
            Some(d) => format!("into({RT}::key::{})", d.runtime_type()),
            None => match (sk_codec, &attr.ty) {
                (KeyCodec::Text | KeyCodec::Native, Type::Enum(e)) if schema.enum_named(e).is_some() => {
                    format!("as_str({arg_type})")
                }
                _ => match time_wrapper(attr) {
                    Some(wrapper) => format!("wrap({arg_type}, {RT}::value::{wrapper})"),
                    None => format!("plain({arg_type})"),
                },
            },
        };
        let (eq_return, eq_body) = if parts.get(i + 1).is_some() {
            (format!("{next_type}<'t>"), format!("{next_type}({eq_call})"))
        } else {
            (next_type.clone(), eq_call)
        };
        stages.push(StageView {
            docs,
            type_name: stage_type.clone(),
            eq_method: part_rust_name(attr, part.derive),
            composite_rust: part_rust_name(attr, part.derive).trim_start_matches("r#").to_string(),
            composite_name: part_name.clone(),
            composite_lit: lit(&part_name),
            arg_type,
            eq_return,
            eq_body,
            is_string: attr.ty == Type::String && part.derive.is_none() && ordered,
            ordered,
            codec: if method_prefix.is_empty() { "segmented" } else { "text" },
            casing_variant: casing_variant(sk_casing),
            ranges_value,
        });
        stage_type = next_type;
    }
    let query_type = match stages.first() {
        Some(stage) => format!("{}<'t>", stage.type_name),
        None => query,
    };
    let sk_prefix: String = sk_layout.map(ir::KeyLayout::literal_prefix).unwrap_or_default();
    let partition_fields = index
        .pk
        .values()
        .filter_map(|v| entity.attribute(&v.attribute).map(|a| (a, v)))
        .map(|(a, v)| match v.derive {
            None => key_field(schema, a),
            Some(d) => (
                match d {
                    Derive::Shard(count) => format!(
                        "/// The shard of `{}` (of {count}) that the partition holds: `Shard::of(&value, {count})`, or each of `Shard::all({count})`.",
                        a.name
                    ),
                    _ => format!("/// The {} of `{}` (UTC) that the partition holds.", d.word(), a.name),
                },
                part_rust_name(a, Some(d)),
                part_type(schema, a, Some(d)),
            ),
        })
        .collect();
    let layout = query_layout(schema, entity, index);
    let buckets: Vec<(&Attribute, Derive)> = index
        .pk
        .values()
        .filter_map(|v| Some((entity.attribute(&v.attribute)?, v.derive?)))
        .collect();
    let across = match buckets.as_slice() {
        [(attr, derive)] => Some(AcrossView {
            method: format!(
                "{}_across",
                if is_primary {
                    "query"
                } else {
                    index.rust_name.trim_start_matches("r#")
                }
            ),
            bucket_type: format!("{RT}::key::{}", derive.runtime_type()),
            bucket_field: part_rust_name(attr, Some(*derive)),
            other_fields: index
                .pk
                .values()
                .filter(|v| v.derive.is_none())
                .filter_map(|v| entity.attribute(&v.attribute))
                .map(|a| a.rust_name.clone())
                .collect(),
            part_name: derive.written(&attr.name),
            shards: !derive.is_time_bucket(),
        }),
        _ => None,
    };
    let writes_pk = !matches!(index.table_index, ir::TableIndexRef::Local(_));
    let mut item_keys = Vec::new();
    for (key, template) in std::iter::once((&pk, &index.pk)).chain(sk.as_ref().zip(index.sk.as_ref())) {
        if template.field == index.pk.field && !writes_pk {
            continue;
        }
        item_keys.push(item_key_view(key));
    }
    IndexView {
        writes_pk,
        item_keys,
        docs: if index.docs.is_empty() {
            vec![if is_primary {
                format!("/// Queries `{}` items by primary key, in one partition.", entity.name)
            } else {
                format!(
                    "/// Queries `{}` items through access pattern `{}`, on {}.",
                    entity.name,
                    index.name,
                    index.table_index.describe()
                )
            }]
        } else {
            doc_lines(&index.docs)
        },
        method: if is_primary {
            "query".into()
        } else {
            index.rust_name.clone()
        },
        partition_docs: if is_primary {
            format!(
                "/// The partition of `{}`'s primary key: what [`{}Client::query`] reads.",
                entity.name, entity.rust_name
            )
        } else {
            format!(
                "/// The partition of `{}`'s access pattern `{}` (on {}):\n/// what [`{}Client::{}`] reads.",
                entity.name,
                index.name,
                index.table_index.describe(),
                entity.rust_name,
                index.rust_name
            )
        },
        partition_type,
        partition_fields,
        pk,
        sk,
        index_name_lit: schema.table.physical_index_name(&index.table_index).map(lit),
        sk_field_lit: index.sk.as_ref().map(|t| lit(&t.field)),
        sk_prefix_lit: lit(&sk_prefix),
        sk_composite_count: parts.len(),
        layout,
        across,
        stages,
        query_type,
    }
}

pub fn entity_view(schema: &Schema, entity: &Entity) -> EntityView {
    // An attribute may be in both the partition and the sort key: the key
    // type holds it once.
    let mut seen = std::collections::BTreeSet::new();
    let key_fields = entity
        .primary
        .pk
        .composites
        .iter()
        .chain(entity.primary.sk.iter().flat_map(|t| &t.composites))
        .filter(|c| seen.insert(c.as_str()))
        .filter_map(|c| entity.attribute(c))
        .map(|a| key_field(schema, a))
        .collect();
    let primary = index_view(schema, entity, &entity.primary);
    let mut indexes: Vec<IndexView> = entity.indexes.iter().map(|i| index_view(schema, entity, i)).collect();
    // Keys of several indexes may share a physical attribute (a raw
    // `created` sort key on the table and on its indexes): written once.
    let mut written: std::collections::BTreeSet<String> = primary.item_keys.iter().map(|k| k.field.clone()).collect();
    for index in &mut indexes {
        index.item_keys.retain(|k| written.insert(k.field.clone()));
        // The sort key builder of an index whose sort key attribute another
        // index writes is not called: its queries start from labels only.
        let kept: std::collections::BTreeSet<&str> = index.item_keys.iter().map(|k| k.field.as_str()).collect();
        if let Some(sk) = &mut index.sk {
            if !kept.contains(sk.field.as_str()) && index.writes_pk {
                sk.written_elsewhere = true;
            }
        }
    }
    let primary_key_values = primary
        .keys()
        .map(|k| {
            k.put(
                "key",
                &format!("{}::{}({})?", entity.rust_name, k.fn_name, k.args_from_source("self")),
            )
        })
        .collect();
    let mut fields: Vec<FieldView> = entity
        .attributes
        .iter()
        .map(|a| field_view(schema, a, &entity.name, ErrorContext::Entity(&entity.name)))
        .collect();
    for (field, attr) in fields.iter_mut().zip(&entity.attributes) {
        let Some(stored) = entity.key_stored_form(attr) else {
            continue;
        };
        // The key attribute is this attribute: written once, as the key.
        field.encode = String::new();
        if stored.from_text {
            let form = match &attr.ty {
                Type::Bool => "Bool",
                t if t.is_number() => "N",
                Type::Timestamp if attr.time_format.is_some_and(TimeFormat::is_number) => "N",
                _ => "S",
            };
            let (ty, unwrap) = match time_wrapper(attr) {
                Some(w) => (format!("{RT}::value::{w}"), ".0"),
                None => (rust_type(schema, &attr.ty), ""),
            };
            field.decode = format!(
                "item.take_key_text::<{ty}>({}, {}, {}, {RT}::value::TextForm::{form})?{unwrap}",
                lit(&attr.field),
                lit(&stored.prefix),
                lit(&stored.suffix),
            );
        }
    }
    EntityView {
        primary_key_values,
        key_mark: key_mark(schema, entity),
        docs: docs_or(&entity.docs, || {
            format!("/// Entity `{}`: one kind of item in the table.", entity.name)
        }),
        name: entity.name.clone(),
        name_lit: lit(&entity.name),
        rust_name: entity.rust_name.clone(),
        client: names::client_type(&entity.rust_name),
        client_method: names::client_method(entity),
        key_type: names::key_type(&entity.rust_name),
        fields,
        field_count: entity.attributes.len(),
        derive_eq: entity.attributes.iter().all(|a| is_eq(schema, &a.ty, &mut Vec::new())),
        primary,
        indexes,
        entity_tag_lit: schema.table.entity_tag_field.as_deref().map(lit),
        tag_value_lit: lit(&entity.tag_value),
        tag_const: (entity.tag_value != entity.name).then(|| lit(&entity.tag_value)),
        fixed: entity
            .fixed
            .iter()
            .map(|f| {
                format!(
                    "{RT}::entity::FixedAttribute {{ field: {}, value: {} }}",
                    lit(&f.field),
                    lit(&f.value)
                )
            })
            .collect(),
        stored_now: entity
            .attributes
            .iter()
            .find(|a| a.role == AttributeRole::UpdatedAt)
            .and_then(time_wrapper)
            .map(|wrapper| format!("{RT}::value::encode_timestamp({RT}::value::{wrapper}(*now))")),
        key_fields,
    }
}

/// How items of `entity` are told apart in a table without an entity tag
/// that holds several entities: the primary key attribute whose literal
/// prefix no other entity's key can start with (the checker refuses tables
/// where there is none, E0406).
fn key_mark(schema: &Schema, entity: &Entity) -> Option<String> {
    let mark = schema.key_mark(entity)?;
    Some(format!(
        "{RT}::entity::KeyMark {{ attribute: {}, prefix: {} }}",
        lit(mark.field),
        lit(&mark.prefix)
    ))
}

/// The members' sort key layouts, in member order.
fn member_sort_layouts<'s>(schema: &'s Schema, c: &ir::Collection) -> Vec<&'s ir::KeyLayout> {
    c.members
        .iter()
        .filter_map(|m| {
            let e = schema.entity_named(&m.entity)?;
            let index = e.all_indexes().find(|i| i.name == m.index)?;
            Some(&index.sk.as_ref()?.layout)
        })
        .collect()
}

/// What every sort key of the collection starts with: the collection's
/// label in dyngen's own layout; for templates, the literal text all
/// members' sort keys start with (maybe none).
pub(crate) fn collection_prefix(schema: &Schema, c: &ir::Collection) -> String {
    let layouts = member_sort_layouts(schema, c);
    if layouts.iter().all(|l| l.codec == KeyCodec::Segmented) {
        return format!("{}#", c.name);
    }
    let prefixes: Vec<String> = layouts.iter().map(|l| l.literal_prefix()).collect();
    let mut common = prefixes.first().cloned().unwrap_or_default();
    for p in &prefixes[1.min(prefixes.len())..] {
        let shared = common.chars().zip(p.chars()).take_while(|(a, b)| a == b).count();
        common = common.chars().take(shared).collect();
    }
    common
}

/// The layout of a collection query whose members' sort keys are templates:
/// a prefix read (the common literal text) kept to the members by tag.
fn collection_layout(schema: &Schema, c: &ir::Collection, pk: &ir::KeyLayout) -> Option<String> {
    let layouts = member_sort_layouts(schema, c);
    if layouts.iter().all(|l| l.codec == KeyCodec::Segmented) && pk.attr_type == KeyType::S {
        return None;
    }
    let members: Vec<String> = c
        .members
        .iter()
        .map(|m| lit(schema.entity_named(&m.entity).map_or(&m.entity, |e| &e.tag_value)))
        .collect();
    Some(format!(
        ".layout({RT}::query::QueryLayout {{ partition: {}, sort: {RT}::query::SortLayout::Segmented, entity_filter: false, fetch_items: false }}).only_entities(&[{}])",
        key_type(pk.attr_type),
        members.join(", ")
    ))
}

pub struct CollectionView {
    /// Of the table handle's method that queries the collection.
    pub docs: String,
    /// As written in the schema.
    pub name: String,
    pub table_rust_name: String,
    pub method: String,
    pub key_type: String,
    pub item_type: String,
    pub grouped_type: String,
    /// (docs, rust name, type) of the partition key fields.
    pub partition_fields: Vec<(String, String, String)>,
    /// The first member's partition key builder, called with the key's fields.
    pub pk_build: String,
    pub name_lit: String,
    /// The index's DynamoDB name as a literal; `None` for the table.
    pub index_name_lit: Option<String>,
    pub pk_attribute_lit: String,
    /// The sort key attribute as a literal, when the index has one.
    pub sk_field_lit: Option<String>,
    pub sk_prefix_lit: String,
    pub members: Vec<CollectionMemberView>,
    /// For members whose keys are templates: the `QueryLayout` and the
    /// member names the query keeps (`only_entities`).
    pub layout: Option<String>,
}

/// One member entity of a collection.
pub struct CollectionMemberView {
    /// The literal its items' entity tag holds.
    pub tag_lit: String,
    pub rust_type: String,
    /// Its field in the grouped type (plural).
    pub field: String,
    /// A match guard after the tag (` if ..`), for entities whose items
    /// also hold fixed attributes.
    pub guard: String,
}

pub fn collection_view(schema: &Schema, c: &ir::Collection) -> Option<CollectionView> {
    let first = c.members.first()?;
    let entity = schema.entity_named(&first.entity)?;
    let index = entity.all_indexes().find(|i| i.name == first.index)?;
    let pk = key_view(schema, entity, index, &index.pk, false);
    let [collection_key, collection_item, collection_grouped] = names::collection_types(&c.rust_name);
    let args: Vec<String> = pk.params.iter().map(|(name, _)| format!("&key.{name}")).collect();
    let members: Vec<(String, String, String)> = c
        .members
        .iter()
        .filter_map(|m| schema.entity_named(&m.entity))
        .map(|e| {
            (
                e.name.clone(),
                e.rust_name.clone(),
                names::plural_value_name(&e.name).unwrap_or_else(|_| e.rust_name.to_lowercase()),
            )
        })
        .collect();
    let member_list: Vec<String> = members.iter().map(|(n, _, _)| format!("`{n}`")).collect();
    let member_list = match member_list.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => member_list.concat(),
    };
    // The table handle has one method per entity and per collection: a
    // collection named like an entity's plural (`sessions`) says so.
    let method = names::collection_method(schema, &c.name);
    Some(CollectionView {
        docs: format!(
            "/// Queries collection `{}` on {}:\n/// the {member_list} items of one partition, in one query.",
            c.name,
            c.table_index.describe(),
        ),
        name: c.name.clone(),
        table_rust_name: schema.table.rust_name.clone(),
        method,
        key_type: collection_key,
        item_type: collection_item,
        grouped_type: collection_grouped,
        partition_fields: c
            .partition
            .iter()
            .filter_map(|(name, _)| entity.attribute(name))
            .map(|a| key_field(schema, a))
            .collect(),
        pk_build: format!("{}::{}({})", entity.rust_name, pk.fn_name, args.join(", ")),
        name_lit: lit(&c.name),
        index_name_lit: schema.table.physical_index_name(&c.table_index).map(lit),
        sk_field_lit: index.sk.as_ref().map(|t| lit(&t.field)),
        pk_attribute_lit: lit(&index.pk.field),
        sk_prefix_lit: lit(&collection_prefix(schema, c)),
        layout: collection_layout(schema, c, &index.pk.layout),
        members: c
            .members
            .iter()
            .filter_map(|m| schema.entity_named(&m.entity))
            .zip(members)
            .map(|(e, (_, rust_type, field))| CollectionMemberView {
                tag_lit: lit(&e.tag_value),
                guard: if e.fixed.is_empty() {
                    String::new()
                } else {
                    format!(" if {RT}::entity::has_fixed::<{rust_type}>(&item)")
                },
                rust_type,
                field,
            })
            .collect(),
    })
}

pub struct TableView {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub pk: String,
    pub sk: String,
    /// `IndexDef` expressions.
    pub indexes: Vec<String>,
    pub ttl: String,
    pub entity_tag: String,
    /// `("v", KeyType::N), ..` for key attributes that are not strings.
    pub key_types: Option<String>,
}

/// A Rust string literal.
pub fn lit(value: &str) -> String {
    format!("{value:?}")
}

fn option_str(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("::std::option::Option::Some({v:?})"),
        None => "::std::option::Option::None".into(),
    }
}

pub fn table_view(schema: &Schema) -> TableView {
    let t = &schema.table;
    let mut docs = doc_lines(&t.docs);
    if !schema.docs.is_empty() {
        if !docs.is_empty() {
            docs.push("///".into());
        }
        docs.extend(doc_lines(&schema.docs));
    }
    TableView {
        docs,
        rust_name: t.rust_name.clone(),
        pk: format!("{:?}", t.pk),
        sk: option_str(t.sk.as_deref()),
        indexes: t
            .indexes
            .iter()
            .map(|i| {
                let kind = match i.kind {
                    ir::IndexKind::Global => "Global",
                    ir::IndexKind::Local => "Local",
                };
                let projection = match &i.projection {
                    ir::Projection::All => format!("{RT}::Projection::All"),
                    ir::Projection::KeysOnly => format!("{RT}::Projection::KeysOnly"),
                    ir::Projection::Include(names) => format!("{RT}::Projection::Include(&{names:?})"),
                };
                format!(
                    "{RT}::IndexDef {{ name: {:?}, kind: {RT}::IndexKind::{kind}, pk: {:?}, sk: {}, projection: {projection} }}",
                    i.physical_name,
                    i.pk,
                    option_str(i.sk.as_deref())
                )
            })
            .collect(),
        ttl: option_str(t.ttl_field.as_deref()),
        key_types: {
            let typed: Vec<String> = t
                .key_attribute_types()
                .into_iter()
                .filter(|(_, ty)| *ty != KeyType::S)
                .map(|(name, ty)| format!("({}, {})", lit(name), key_type(ty)))
                .collect();
            (!typed.is_empty()).then(|| typed.join(", "))
        },
        // An empty name stands for "no tag" (DynamoDB has no empty
        // attribute names).
        entity_tag: lit(t.entity_tag_field.as_deref().unwrap_or("")),
    }
}
