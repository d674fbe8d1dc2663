//! The schema's own types: enums (stored as strings) and structs (stored
//! as maps, with their fields as `Attr`s for conditions).

use super::common::{doc_lines, docs_or, is_eq, lit, rust_type};
use super::field::{field_view, ErrorContext, FieldView};
use dyngen_dsl::ir::{self, Schema};
use dyngen_dsl::names;

pub struct EnumView {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub variants: Vec<VariantView>,
}

/// One variant of an enum.
pub struct VariantView {
    pub docs: Vec<String>,
    pub rust_name: String,
    /// The stored string, as a literal.
    pub value_lit: String,
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
            .map(|v| VariantView {
                docs: doc_lines(&v.docs),
                rust_name: v.rust_name.clone(),
                value_lit: lit(&v.value),
            })
            .collect(),
    }
}

pub struct StructView {
    pub docs: Vec<String>,
    /// As written in the schema.
    pub name: String,
    pub rust_name: String,
    pub fields: Vec<FieldView>,
    pub derive_eq: bool,
    /// The type of the struct's fields as `Attr`s below a path (`AddressFields`).
    pub fields_type: String,
    pub condition_fields: Vec<ConditionFieldView>,
}

/// A field of a struct as an `Attr`, for conditions.
pub struct ConditionFieldView {
    /// As written in the schema.
    pub name: String,
    pub rust_name: String,
    pub value_type: String,
    /// The stored name, as a literal.
    pub field_lit: String,
}

pub fn struct_view(schema: &Schema, s: &ir::Struct) -> StructView {
    StructView {
        docs: docs_or(&s.docs, || {
            format!("/// Struct `{}` of the schema, stored as a DynamoDB map.", s.name)
        }),
        name: s.name.clone(),
        rust_name: s.rust_name.clone(),
        fields: s
            .fields
            .iter()
            .map(|f| field_view(schema, f, &s.name, ErrorContext::Struct))
            .collect(),
        derive_eq: s.fields.iter().all(|f| is_eq(schema, &f.ty)),
        fields_type: names::fields_type(&s.rust_name),
        condition_fields: s
            .fields
            .iter()
            .map(|f| ConditionFieldView {
                name: f.name.clone(),
                rust_name: f.rust_name.clone(),
                value_type: rust_type(schema, &f.ty),
                field_lit: lit(&f.field),
            })
            .collect(),
    }
}
