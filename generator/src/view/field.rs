//! How one attribute of an entity, or one field of a struct, is written
//! into and read from a DynamoDB map: shared by the entity and struct views.

use super::common::{attribute_docs, lit, needs_validation, rust_type, time_wrapper, value_expr, RT};
use dyngen_dsl::ir::{Attribute, AttributeRole, Schema, TimeFormat, Type, Value};

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

/// How a timestamp is stored, when it is not RFC 3339 with nanoseconds.
#[derive(Clone, Copy)]
enum Stored {
    /// Epoch seconds, through `value::epoch_seconds`.
    Epoch,
    /// Through a runtime wrapper (`Rfc3339Millis`, `EpochMillis`, ...).
    Wrapped(&'static str),
    /// As the value's own codec writes it.
    Plain,
}

impl Stored {
    fn of(attr: &Attribute) -> Stored {
        if attr.time_format == Some(TimeFormat::EpochSeconds) && attr.ty == Type::Timestamp {
            Stored::Epoch
        } else {
            time_wrapper(attr).map_or(Stored::Plain, Stored::Wrapped)
        }
    }
}

pub fn field_view(schema: &Schema, attr: &Attribute, owner: &str, error_context: ErrorContext) -> FieldView {
    let base_type = rust_type(schema, &attr.ty);
    let rust_type = if attr.optional {
        format!("::std::option::Option<{base_type}>")
    } else {
        base_type
    };
    let field = &attr.field;
    // DynamoDB cannot store NaN, infinities, malformed numbers or empty
    // sets: refuse them before writing.
    let checked = needs_validation(schema, &attr.ty);
    let validate = checked.then(|| {
        validate_statement(
            attr,
            &format!("|message| {RT}::Error::InvalidValue {{ entity: {owner:?}, attribute: {field:?}, message }}"),
        )
    });
    // The stored name goes in as an argument: it may hold `{`.
    let validate_in_struct = checked.then(|| {
        validate_statement(
            attr,
            &format!(
                "|message| ::std::format!(\"{{}}: {{message}}\", {})",
                lit(&format!(".{field}"))
            ),
        )
    });
    let stored = Stored::of(attr);
    FieldView {
        docs: attribute_docs(attr, true, matches!(error_context, ErrorContext::Struct)),
        rust_name: attr.rust_name.clone(),
        rust_type,
        validate,
        validate_in_struct,
        encode: encode_statement(attr, stored),
        decode: decode_expr(schema, attr, stored, error_context),
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

/// The statement storing `self.<field>` into the `value::Encoder` `item`.
fn encode_statement(attr: &Attribute, stored: Stored) -> String {
    let name = &attr.rust_name;
    let field = &attr.field;
    match (stored, attr.optional) {
        // A timestamp stored in another form goes through its wrapper.
        (Stored::Wrapped(w), true) => format!(
            "if let ::std::option::Option::Some(value) = &self.{name} {{ item.put({field:?}, &{RT}::value::{w}(*value)); }}"
        ),
        (Stored::Wrapped(w), false) => format!("item.put({field:?}, &{RT}::value::{w}(self.{name}));"),
        (Stored::Epoch, false) => {
            format!("item.insert({field:?}, {RT}::value::epoch_seconds::encode(&self.{name}));")
        }
        (Stored::Epoch, true) => format!(
            "if let ::std::option::Option::Some(value) = &self.{name} {{ item.insert({field:?}, {RT}::value::epoch_seconds::encode(value)); }}"
        ),
        (Stored::Plain, false) => format!("item.put({field:?}, &self.{name});"),
        (Stored::Plain, true) => format!("item.put_optional({field:?}, &self.{name});"),
    }
}

/// The expression reading the field from the map `item`, with `?`.
fn decode_expr(schema: &Schema, attr: &Attribute, stored: Stored, error_context: ErrorContext) -> String {
    let field = &attr.field;
    // An entity's attribute is read through its `value::Decoder` (which
    // places errors on the entity), a struct's field by the free functions.
    let take = |method: &str, turbofish: &str| match error_context {
        ErrorContext::Entity(_) => format!("item.{method}{turbofish}({field:?})?"),
        ErrorContext::Struct => format!(
            "{RT}::value::{method}{turbofish}(&mut item, {field:?}){}?",
            error_context.map_err(field)
        ),
    };
    match stored {
        Stored::Wrapped(w) => {
            let turbofish = format!("::<{RT}::value::{w}>");
            if attr.optional {
                format!("{}.map(|v| v.0)", take("take_optional", &turbofish))
            } else {
                format!("{}.0", take("take", &turbofish))
            }
        }
        Stored::Epoch if attr.optional => take("take_optional_epoch", ""),
        Stored::Epoch => take("take_epoch", ""),
        Stored::Plain if attr.optional => take("take_optional", ""),
        // An item written before the entity had a version is at version 0:
        // the version a write expects of an item never written with one.
        Stored::Plain if attr.role == AttributeRole::Version => format!("{}.unwrap_or(0)", take("take_optional", "")),
        Stored::Plain => match attr.read_default() {
            Some(default) => format!(
                "{}{}",
                take("take_optional", ""),
                default_fallback(schema, attr, default)
            ),
            None => take("take", ""),
        },
    }
}

/// What an absent attribute with a default reads as: `.unwrap_or(..)`.
fn default_fallback(schema: &Schema, attr: &Attribute, default: &Value) -> String {
    match default {
        // `Document::default()` is `Null`, not the `{}` or `[]` written.
        _ if attr.ty == Type::Json => format!(".unwrap_or_else(|| {})", value_expr(schema, &attr.ty, default)),
        Value::List(items) if items.is_empty() => ".unwrap_or_default()".to_string(),
        Value::EmptyMap => ".unwrap_or_default()".to_string(),
        Value::String(s) if s.is_empty() => ".unwrap_or_default()".to_string(),
        // Literals and enum variants: nothing to compute.
        Value::Bool(_) | Value::Integer(_) | Value::Enum(_) => {
            format!(".unwrap_or({})", value_expr(schema, &attr.ty, default))
        }
        Value::Number(_) if attr.ty == Type::F64 => format!(".unwrap_or({})", value_expr(schema, &attr.ty, default)),
        _ => format!(".unwrap_or_else(|| {})", value_expr(schema, &attr.ty, default)),
    }
}
