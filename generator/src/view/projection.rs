//! Projection types: an entity's named projections (`projection Summary
//! [..]` → `UserSummary`), and what an access pattern on an index that
//! projects less than all returns (`UserByEmailProjection`). Each holds
//! exactly the attributes it can read, with the entity's types and docs.

use super::common::{doc_lines, is_eq, key_field, lit, KeyField, RT};
use super::entity::{fields, key_text_decode};
use super::field::FieldView;
use dyngen_dsl::ir::{Attribute, Casing, Entity, EntityIndex, KeyCodec, KeyPart, KeyTemplate, Schema, Type};
use dyngen_dsl::names;
use std::collections::BTreeSet;

pub struct ProjectionTypeView {
    pub docs: Vec<String>,
    pub type_name: String,
    /// The entity projected: `User`.
    pub entity: String,
    pub entity_name_lit: String,
    pub fields: Vec<ProjectedField>,
    pub derive_eq: bool,
    /// How its items show they are the entity's: a `Claim` variant.
    pub claim: &'static str,
    /// A named projection's stored names (`ProjectionOf::ATTRIBUTES`), as
    /// literals; `None` for an index's projection, which reads what the
    /// index holds.
    pub attributes: Option<Vec<String>>,
    /// The entity's key type, when every primary key attribute is a field.
    pub key_type: Option<String>,
    pub key_fields: Vec<KeyField>,
}

pub struct ProjectedField {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub rust_type: String,
    /// Reads the field from the `value::Decoder` `item`, with `?`.
    pub decode: String,
}

impl ProjectedField {
    fn of(field: &FieldView) -> Self {
        ProjectedField {
            docs: field.docs.clone(),
            rust_name: field.rust_name.clone(),
            rust_type: field.rust_type.clone(),
            decode: field.decode.clone(),
        }
    }
}

/// The entity's named projections.
pub fn named_projection_views(schema: &Schema, entity: &Entity) -> Vec<ProjectionTypeView> {
    let entity_fields = fields(schema, entity);
    entity
        .projections
        .iter()
        .map(|projection| {
            let chosen = entity.projection_attributes(projection);
            let fields = chosen
                .iter()
                .filter_map(|a| field_of(entity, &entity_fields, a))
                .map(ProjectedField::of)
                .collect();
            let docs = if projection.docs.is_empty() {
                vec![format!(
                    "/// Projection `{}` of `{}`: its primary key and the attributes the schema lists.",
                    projection.name, entity.name
                )]
            } else {
                doc_lines(&projection.docs)
            };
            let stored: Vec<String> = chosen.iter().map(|a| lit(&a.field)).collect();
            projection_view(
                schema,
                entity,
                Projected {
                    docs,
                    type_name: names::projection_type(&entity.rust_name, &projection.type_suffix),
                    chosen: &chosen,
                    fields,
                    claim: "Full",
                    attributes: Some(stored),
                },
            )
        })
        .collect()
}

/// What access pattern `index` returns when its table index projects
/// less than all; `None` when it reads whole items.
pub fn index_projection_view(schema: &Schema, entity: &Entity, index: &EntityIndex) -> Option<ProjectionTypeView> {
    let projected = schema.projected_fields(entity, index)?;
    let entity_fields = fields(schema, entity);
    let keys: Vec<&KeyTemplate> = [
        Some(&entity.primary.pk),
        entity.primary.sk.as_ref(),
        Some(&index.pk),
        index.sk.as_ref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut chosen = Vec::new();
    let mut fields = Vec::new();
    for attr in &entity.attributes {
        if projected.contains(attr.field.as_str()) {
            if let Some(field) = field_of(entity, &entity_fields, attr) {
                chosen.push(attr);
                fields.push(ProjectedField::of(field));
            }
        } else if let Some(decode) = keys.iter().find_map(|key| key_decode(schema, entity, attr, key)) {
            let field = field_of(entity, &entity_fields, attr)?;
            chosen.push(attr);
            fields.push(ProjectedField {
                decode,
                ..ProjectedField::of(field)
            });
        }
    }
    let table_index = index.table_index.index_name().unwrap_or_default();
    let tag = schema.table.entity_tag_field.as_deref();
    let claim = match tag {
        Some(tag) if projected.contains(tag) => {
            if entity.fixed.iter().all(|f| projected.contains(f.field.as_str())) {
                "Full"
            } else {
                "Tag"
            }
        }
        _ => "Keys",
    };
    let docs = vec![
        format!(
            "/// What access pattern `{}` of `{}` reads: index `{table_index}` projects only some attributes,",
            index.name, entity.name
        ),
        "/// so its items hold those and the attributes its keys are made of.".to_owned(),
    ];
    Some(projection_view(
        schema,
        entity,
        Projected {
            docs,
            type_name: names::index_projection_type(&entity.rust_name, &index.name),
            chosen: &chosen,
            fields,
            claim,
            attributes: None,
        },
    ))
}

/// What a projection type is made of, before its shared parts.
struct Projected<'a> {
    docs: Vec<String>,
    type_name: String,
    chosen: &'a [&'a Attribute],
    fields: Vec<ProjectedField>,
    claim: &'static str,
    attributes: Option<Vec<String>>,
}

fn projection_view(schema: &Schema, entity: &Entity, projected: Projected<'_>) -> ProjectionTypeView {
    let names: BTreeSet<&str> = projected.chosen.iter().map(|a| a.name.as_str()).collect();
    let primary: Vec<&Attribute> = std::iter::once(&entity.primary.pk)
        .chain(&entity.primary.sk)
        .flat_map(|k| &k.composites)
        .filter_map(|c| entity.attribute(c))
        .collect();
    let has_key = primary.iter().all(|a| names.contains(a.name.as_str()));
    ProjectionTypeView {
        docs: projected.docs,
        type_name: projected.type_name,
        entity: entity.rust_name.clone(),
        entity_name_lit: lit(&entity.name),
        fields: projected.fields,
        derive_eq: projected.chosen.iter().all(|a| is_eq(schema, &a.ty)),
        claim: projected.claim,
        attributes: projected.attributes,
        key_type: has_key.then(|| names::key_type(&entity.rust_name)),
        key_fields: primary.iter().map(|a| key_field(schema, a)).collect(),
    }
}

fn field_of<'f>(entity: &Entity, fields: &'f [FieldView], attr: &Attribute) -> Option<&'f FieldView> {
    entity
        .attributes
        .iter()
        .position(|a| a.name == attr.name)
        .and_then(|i| fields.get(i))
}

/// Reading `attr` back from a segment of dyngen's key layout: a value
/// written whole, in a form that reads back exactly (no casing, no
/// derived part, no stored timestamp format). `None` when `key` does not
/// hold it so.
fn key_decode(schema: &Schema, entity: &Entity, attr: &Attribute, key: &KeyTemplate) -> Option<String> {
    let read = match key.layout.codec {
        KeyCodec::Segmented => segment_decode(attr, key)?,
        // A template of this one value, with literal text around it.
        KeyCodec::Text | KeyCodec::Native => {
            let (held, prefix, suffix) = entity.key_text_attribute(key)?;
            if held.name != attr.name {
                return None;
            }
            key_text_decode(schema, attr, &key.field, &prefix, &suffix)
        }
    };
    Some(if attr.optional {
        format!("::std::option::Option::Some({read})")
    } else {
        read
    })
}

fn segment_decode(attr: &Attribute, key: &KeyTemplate) -> Option<String> {
    let position = key
        .layout
        .parts
        .iter()
        .position(|part| matches!(part, KeyPart::Value(v) if v.attribute == attr.name && v.derive.is_none()))?;
    let form = match &attr.ty {
        Type::String | Type::Enum(_) if key.casing == Casing::Preserve => "S",
        Type::Timestamp if attr.time_format.is_none() => "S",
        Type::Bool => "Bool",
        Type::U32 | Type::U64 => "Unsigned",
        Type::I32 => "Signed(32)",
        Type::I64 => "Signed(64)",
        _ => return None,
    };
    // The field's type tells `take_segment` what to read.
    Some(format!(
        "item.take_segment({}, {}, {position}, {RT}::value::SegmentForm::{form})?",
        lit(&attr.name),
        lit(&key.field),
    ))
}
