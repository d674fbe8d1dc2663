//! Enums, structs, type expressions, literal values (defaults) and
//! timestamp formats.

use super::entity::AttributeNames;
use super::suggest::{string_choices, suggest};
use super::{Lowerer, TypeKind, BUILTIN_TYPES, REDEFINED};
use crate::ast;
use crate::diagnostic::Code;
use crate::ir::*;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Why a literal does not fit a type: the label at the literal, and help.
struct Mismatch {
    label: String,
    help: String,
}

impl Lowerer {
    // ---- enums and structs -----------------------------------------------

    pub(super) fn enum_decl(&mut self, e: &ast::Enum) -> Enum {
        if e.variants.is_empty() {
            let message = format!("enum `{}` has no variants", e.name.text);
            self.report(Code::EmptyEnum, message, e.name.span, "declared here")
                .help("list its values: `enum Status { Open, Closed }`");
        }
        let rust_name = self.type_rust_name(&e.name, "enum");
        let mut names: BTreeMap<&str, Span> = BTreeMap::new();
        let mut values: BTreeMap<String, Span> = BTreeMap::new();
        let mut rust_names: BTreeMap<String, &ast::Ident> = BTreeMap::new();
        let mut variants = Vec::new();
        for v in &e.variants {
            if let Some(first) = names.get(v.name.text.as_str()) {
                let message = format!("variant `{}` is declared twice in enum `{}`", v.name.text, e.name.text);
                self.report_repeat(Code::DuplicateVariant, message, (v.name.span, *first), REDEFINED)
                    .help("remove one of them");
                continue;
            }
            names.insert(&v.name.text, v.name.span);
            let value = v
                .value
                .as_ref()
                .map_or_else(|| v.name.text.clone(), |s| s.value.clone());
            let value_span = v.value.as_ref().map_or(v.name.span, |s| s.span);
            if value.is_empty() {
                let message = format!("variant `{}` stores an empty string", v.name.text);
                self.report(Code::DuplicateVariant, message, value_span, "empty")
                    .help("store a non-empty string: DynamoDB key values cannot be empty");
            }
            if let Some(first) = values.get(&value) {
                let message = format!("two variants of `{}` are stored as \"{value}\"", e.name.text);
                let label = "stored as the same string here";
                self.report(Code::DuplicateVariant, message, value_span, label)
                    .secondary(*first, format!("already stored as \"{value}\" here"))
                    .help("give each variant its own stored value, or it could not be read back");
            }
            values.insert(value.clone(), value_span);
            let rust_name = self.type_rust_name(&v.name, "variant");
            if let Some(first) = rust_names.get(&rust_name) {
                let message = format!(
                    "variants `{}` and `{}` are both `{rust_name}` in Rust",
                    first.text, v.name.text
                );
                let label = format!("becomes `{rust_name}`");
                self.report(Code::RustNameCollision, message, v.name.span, label)
                    .secondary(first.span, format!("also becomes `{rust_name}`"))
                    .help("rename one; a variant can keep its stored string with `= \"...\"`");
            }
            rust_names.insert(rust_name.clone(), &v.name);
            variants.push(Variant {
                name: v.name.text.clone(),
                rust_name,
                value,
                docs: v.docs.clone(),
                span: v.name.span,
            });
        }
        Enum {
            name: e.name.text.clone(),
            rust_name,
            docs: e.docs.clone(),
            variants,
            span: e.name.span,
        }
    }

    pub(super) fn struct_decl(&mut self, s: &ast::Struct) -> Struct {
        let rust_name = self.type_rust_name(&s.name, "struct");
        let mut fields = Vec::new();
        let mut seen = AttributeNames::default();
        for f in &s.fields {
            if !seen.insert(self, f, &s.name.text) {
                continue;
            }
            for suffix in &f.suffixes {
                let word = match suffix.kind {
                    ast::AttrSuffixKind::Readonly => "readonly",
                    ast::AttrSuffixKind::Version => "version",
                    ast::AttrSuffixKind::Ttl => "ttl",
                    ast::AttrSuffixKind::Unique => "unique",
                    _ => continue,
                };
                let message = format!("struct fields cannot be `{word}`");
                let label = format!("`{word}` on a field of struct `{}`", s.name.text);
                self.report(Code::StructFieldModifier, message, suffix.span, label)
                    .help(format!(
                        "`{word}` applies to a whole item: put it on an entity attribute"
                    ));
            }
            if let Some(a) = self.attribute(f) {
                if let Some(Value::Generated(generator)) = &a.default {
                    // Drafts make generated values for entity attributes only.
                    let message = format!("struct fields cannot have a generated default (`{}`)", generator.call());
                    let label = format!("on a field of struct `{}`", s.name.text);
                    self.report(Code::DefaultMismatch, message, a.span, label).help(
                        "generated defaults are made when an entity's draft is written: put it on an entity attribute, or set the field in code",
                    );
                }
                fields.push(a);
            }
        }
        Struct {
            name: s.name.text.clone(),
            rust_name,
            docs: s.docs.clone(),
            fields,
            span: s.name.span,
        }
    }

    // ---- type expressions ------------------------------------------------

    /// Resolves a type; `None` (with a diagnostic) when it does not resolve.
    pub(super) fn type_expr(&mut self, t: &ast::TypeExpr, top_level: bool) -> Option<Type> {
        if !top_level {
            if let Some(q) = t.optional {
                let message = "`?` can only mark a whole attribute as optional";
                let label = "optional inside a type argument";
                self.report(Code::NestedOptional, message, q, label)
                    .help("DynamoDB lists, maps and sets hold values, not absences: remove this `?`");
            }
        }
        let name = t.name.text.as_str();
        if !self.check_type_arguments(t) {
            return None;
        }
        let ty = match name {
            "string" => Type::String,
            "bool" => Type::Bool,
            "i32" => Type::I32,
            "i64" => Type::I64,
            "u32" => Type::U32,
            "u64" => Type::U64,
            "f64" => Type::F64,
            "decimal" => Type::Decimal,
            "bytes" => Type::Bytes,
            "timestamp" => Type::Timestamp,
            "json" | "document" => Type::Json,
            "list" => Type::List(Box::new(self.type_expr(&t.args[0], false)?)),
            "map" => Type::Map(Box::new(self.type_expr(&t.args[0], false)?)),
            "set" => Type::Set(Box::new(self.set_element(&t.args[0])?)),
            _ => self.named_type(t)?,
        };
        Some(ty)
    }

    /// `false` (with a diagnostic) when `t` has the wrong number of type
    /// arguments.
    fn check_type_arguments(&mut self, t: &ast::TypeExpr) -> bool {
        let name = t.name.text.as_str();
        let arity = match name {
            "list" | "map" | "set" => 1,
            _ => 0,
        };
        if t.args.len() == arity {
            return true;
        }
        let message = if arity == 0 {
            format!("`{name}` takes no type arguments")
        } else {
            format!("`{name}` takes exactly one type argument, got {}", t.args.len())
        };
        let help = match name {
            "map" => "maps have string keys; write the value type only: `map<i64>`".to_string(),
            "list" | "set" => format!("write `{name}<T>`, e.g. `{name}<string>`"),
            _ => format!("write `{name}` without `<..>`"),
        };
        self.report(Code::TypeArguments, message, t.span, "here").help(help);
        false
    }

    /// The element type of a `set<..>`: strings, numbers or bytes only.
    fn set_element(&mut self, arg: &ast::TypeExpr) -> Option<Type> {
        let element = self.type_expr(arg, false)?;
        if element == Type::F64 {
            let message = "a set cannot hold `f64`";
            let label = "floating-point set";
            self.report(Code::InvalidSetElement, message, arg.span, label)
                .note("set elements must compare exactly, and floats do not (NaN, 0.1 + 0.2)")
                .help("use `set<decimal>` for exact numbers, or `list<f64>`");
            return None;
        }
        if !(element == Type::String || element == Type::Bytes || element.is_number()) {
            let message = format!("a set cannot hold `{}`", element.describe());
            let label = "not a string, number or bytes type";
            self.report(Code::InvalidSetElement, message, arg.span, label)
                .note("DynamoDB has string sets, number sets and binary sets only")
                .help("use `list<..>` for other element types");
            return None;
        }
        Some(element)
    }

    /// A type declared in the schema: an enum or a struct.
    fn named_type(&mut self, t: &ast::TypeExpr) -> Option<Type> {
        let name = t.name.text.as_str();
        match self.types.get(name).copied() {
            Some((TypeKind::Enum, _)) => Some(Type::Enum(name.to_string())),
            Some((TypeKind::Struct, _)) => Some(Type::Struct(name.to_string())),
            Some((TypeKind::Entity, span)) => {
                let message = format!("`{name}` is an entity, not a type");
                self.report(Code::UnknownType, message, t.name.span, "used as a type here")
                    .secondary(span, "entity defined here")
                    .help("entities are items of their own; to nest a record, declare a `struct`");
                None
            }
            None => {
                let suggestion = suggest(
                    name,
                    BUILTIN_TYPES
                        .iter()
                        .copied()
                        .chain(self.types.keys().map(String::as_str)),
                )
                .map(str::to_string);
                let message = format!("unknown type `{name}`");
                let label = "not a built-in type, enum or struct";
                self.report(Code::UnknownType, message, t.name.span, label)
                    .help_suggesting(
                        suggestion.as_deref(),
                        "declare it with `enum` or `struct`, or use a built-in type",
                    );
                None
            }
        }
    }

    // ---- literal values --------------------------------------------------

    pub(super) fn default_value(&mut self, lit: &ast::Literal, ty: &Type, attr: &ast::Ident) -> Option<Value> {
        match self.value(lit, ty) {
            Ok(v) => Some(v),
            Err(reason) => {
                let message = format!("default of `{}` does not fit `{}`", attr.text, ty.describe());
                self.report(Code::DefaultMismatch, message, lit.span, reason.label)
                    .help(reason.help);
                None
            }
        }
    }

    fn value(&self, lit: &ast::Literal, ty: &Type) -> Result<Value, Mismatch> {
        use ast::LiteralKind as L;
        let mismatch = |label: &str, help: String| {
            Err(Mismatch {
                label: label.to_string(),
                help,
            })
        };
        match (ty, &lit.kind) {
            (Type::String, L::String(s)) => Ok(Value::String(s.clone())),
            (Type::Bool, L::Bool(b)) => Ok(Value::Bool(*b)),
            (t, L::Integer(text)) if t.is_integer() => {
                let (min, max): (i128, i128) = match t {
                    Type::I32 => (i32::MIN.into(), i32::MAX.into()),
                    Type::I64 => (i64::MIN.into(), i64::MAX.into()),
                    Type::U32 => (0, u32::MAX.into()),
                    _ => (0, u64::MAX.into()),
                };
                match text.parse::<i128>() {
                    Ok(v) if (min..=max).contains(&v) => Ok(Value::Integer(v)),
                    _ => mismatch(
                        "out of range",
                        format!("`{}` holds values from {min} to {max}", t.describe()),
                    ),
                }
            }
            (Type::F64 | Type::Decimal, L::Integer(text) | L::Float(text)) => {
                // Significant digits of the mantissa, as DynamoDB counts them.
                let mantissa = text
                    .split(['e', 'E'])
                    .next()
                    .unwrap_or_default()
                    .replace(['-', '.'], "");
                let digits = mantissa.trim_start_matches('0').trim_end_matches('0').len();
                let finite = text.parse::<f64>().is_ok_and(f64::is_finite);
                if *ty == Type::Decimal && !fits_decimal(text) {
                    mismatch(
                        "not representable as a `decimal`",
                        "a `decimal` (rust_decimal) holds at most 28 significant digits, 28 decimal places \
                         and 28 integer digits"
                            .into(),
                    )
                } else if *ty == Type::Decimal && digits > 38 {
                    mismatch(
                        "more than 38 digits",
                        "DynamoDB numbers keep at most 38 significant digits".into(),
                    )
                } else if !finite {
                    mismatch("not a finite number", "write a number DynamoDB can store".into())
                } else {
                    Ok(Value::Number(text.clone()))
                }
            }
            (Type::Enum(name), L::Name(variant)) => {
                let Some(e) = self.enum_variants(name) else {
                    return mismatch("unknown enum", String::new());
                };
                if e.contains(variant) {
                    Ok(Value::Enum(variant.clone()))
                } else {
                    mismatch(
                        &format!("`{name}` has no variant `{variant}`"),
                        format!(
                            "use one of: {}",
                            e.iter()
                                .collect::<BTreeSet<_>>()
                                .into_iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                }
            }
            (Type::List(element), L::List(items)) | (Type::Set(element), L::List(items)) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.value(item, element)?);
                }
                if matches!(ty, Type::Set(_)) {
                    let mut seen = BTreeSet::new();
                    for value in &values {
                        if !seen.insert(format!("{value:?}")) {
                            return mismatch(
                                "a set cannot hold the same value twice",
                                "remove the repeated element".into(),
                            );
                        }
                    }
                }
                Ok(Value::List(values))
            }
            (Type::Map(_), L::EmptyMap) => Ok(Value::EmptyMap),
            (ty, L::Call(name)) => {
                let known = crate::ir::Generator::ALL
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, g)| *g);
                match (known, ty) {
                    (Some(g @ (crate::ir::Generator::Uuid | crate::ir::Generator::Ulid)), Type::String) => {
                        Ok(Value::Generated(g))
                    }
                    (Some(crate::ir::Generator::Now), Type::Timestamp) => {
                        Ok(Value::Generated(crate::ir::Generator::Now))
                    }
                    (Some(crate::ir::Generator::Now), _) => mismatch(
                        "`now()` makes a timestamp",
                        "give the attribute the type `timestamp`, or use `uuid()` or `ulid()` for strings".into(),
                    ),
                    (Some(g), _) => mismatch(
                        &format!("`{}` makes a string", g.call()),
                        "give the attribute the type `string`".into(),
                    ),
                    (None, _) => mismatch(
                        &format!("`{name}()` is not a generated default"),
                        "the generated defaults are `uuid()` and `ulid()` (strings) and `now()` (timestamps)".into(),
                    ),
                }
            }
            (Type::Json, L::EmptyMap) => Ok(Value::EmptyMap),
            (Type::Json, L::List(items)) if items.is_empty() => Ok(Value::List(Vec::new())),
            (Type::Json, _) => mismatch(
                "a json attribute's default can only be `{}` or `[]`",
                "write `= {}` or `= []`, or make the attribute optional".into(),
            ),
            (Type::Bytes, _) => mismatch("bytes have no literal default", "remove the default".into()),
            (Type::Timestamp, _) => mismatch(
                "timestamps have no literal default",
                "remove the default; `timestamps` maintains createdAt and updatedAt".into(),
            ),
            (Type::Struct(name), _) => mismatch(
                &format!("struct `{name}` has no literal default"),
                "make the attribute optional, or give its fields defaults".into(),
            ),
            (ty, _) => mismatch(
                &format!("not a `{}` value", ty.describe()),
                format!("write {}", example_literal(ty)),
            ),
        }
    }

    fn enum_variants(&self, name: &str) -> Option<&Vec<String>> {
        self.enum_variants.get(name)
    }

    // ---- time formats ----------------------------------------------------

    /// How a timestamp is stored: `@format(..)`, epoch seconds for `ttl`.
    pub(super) fn time_format(
        &mut self,
        a: &ast::Attribute,
        ty: &Type,
        role: AttributeRole,
        format: Option<&ast::StringLit>,
    ) -> Option<TimeFormat> {
        let is_timestamp = *ty == Type::Timestamp;
        let ttl_default = (role == AttributeRole::Ttl && is_timestamp).then_some(TimeFormat::EpochSeconds);
        let Some(written) = format else {
            return ttl_default;
        };
        let Some((_, chosen)) = TimeFormat::ALL.iter().find(|(w, _)| *w == written.value) else {
            self.unknown_time_format(written);
            return ttl_default;
        };
        if !is_timestamp {
            let message = format!("`@format` on `{}`, which is a `{}`", a.name.text, ty.describe());
            self.report(Code::TimeFormat, message, written.span, "only timestamps have formats")
                .help("remove `@format`, or make the attribute a `timestamp`");
            return None;
        }
        if role == AttributeRole::Ttl && *chosen != TimeFormat::EpochSeconds {
            let message = format!("ttl attribute `{}` is stored as `{}`", a.name.text, written.value);
            let label = "DynamoDB's TTL reads epoch seconds";
            self.report(Code::TimeFormat, message, written.span, label)
                .help("remove `@format` (a ttl timestamp is stored as epoch seconds)");
            return ttl_default;
        }
        (*chosen != TimeFormat::Rfc3339Nanos || role == AttributeRole::Ttl).then_some(*chosen)
    }

    /// Reports an `@format("..")` naming no format.
    pub(super) fn unknown_time_format(&mut self, written: &ast::StringLit) {
        let message = format!("`{}` is no timestamp format", written.value);
        let choices = string_choices(TimeFormat::ALL.iter().map(|(w, _)| *w));
        self.report(Code::TimeFormat, message, written.span, "unknown format")
            .help(format!("use one of {choices}"));
    }
}

/// Whether a number literal fits the generated `decimal` type
/// (rust_decimal: a 96-bit mantissa and a scale of at most 28).
fn fits_decimal(text: &str) -> bool {
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(i64::MAX)),
        None => (text, 0),
    };
    let digits = number.trim_start_matches(['-', '+']);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all: String = format!("{whole}{fraction}");
    let significant = all.trim_start_matches('0');
    if significant.trim_end_matches('0').is_empty() {
        return true; // zero, whatever its exponent
    }
    let Some(scale) = (fraction.len() as i64).checked_sub(exponent) else {
        return false;
    };
    // Digits left of the point once the exponent is applied.
    let integer_digits = significant.len() as i64 - scale;
    let trimmed = significant.trim_end_matches('0').len() as i64;
    let needed_scale = scale - (significant.len() as i64 - trimmed);
    needed_scale <= 28 && integer_digits <= 28 && trimmed <= 28
}

fn example_literal(ty: &Type) -> String {
    match ty {
        Type::String => "a string such as `\"main\"`".into(),
        Type::Bool => "`true` or `false`".into(),
        t if t.is_integer() => "a whole number such as `0`".into(),
        Type::F64 | Type::Decimal => "a number such as `0.5`".into(),
        Type::Enum(_) => "a variant name".into(),
        Type::List(_) | Type::Set(_) => "a list such as `[]`".into(),
        Type::Map(_) | Type::Json => "`{}`".into(),
        _ => "a literal of that type".into(),
    }
}
