//! The draft of an entity with generated defaults (`id: string = uuid()`):
//! the entity's fields with the generated ones optional, and the
//! `Writable` impl that makes what a draft leaves out as it is written.

use dyngen_dsl::ir::{AttributeRole, Entity, Generator, Schema, Value};

use super::common::{rust_type, RT};

/// `IssueDraft` and how it becomes an `Issue`.
pub struct DraftView {
    /// `IssueDraft`.
    pub rust_name: String,
    /// The entity it drafts: `Issue`.
    pub entity: String,
    /// The entity's name as the schema writes it.
    pub entity_name: String,
    pub fields: Vec<DraftField>,
    /// The maintained attributes (`createdAt`, `updatedAt`, `version`) the
    /// draft leaves out: the write sets them.
    pub maintained: Vec<String>,
}

pub struct DraftField {
    pub docs: Vec<String>,
    pub rust_name: String,
    /// The field's type in the draft: `Option<T>` for a generated one.
    pub rust_type: String,
    /// The entity field's value, from the draft `self`.
    pub value: String,
}

/// The draft of `entity`, when it has an attribute with a generated default.
pub fn draft_view(schema: &Schema, entity: &Entity) -> Option<DraftView> {
    if !entity
        .attributes
        .iter()
        .any(|a| matches!(a.default, Some(Value::Generated(_))))
    {
        return None;
    }
    let rust_name = dyngen_dsl::names::draft_type(&entity.rust_name);
    let mut fields = Vec::new();
    let mut maintained = Vec::new();
    for attr in &entity.attributes {
        let base = rust_type(schema, &attr.ty);
        let name = &attr.rust_name;
        if attr.implicit
            && matches!(
                attr.role,
                AttributeRole::CreatedAt | AttributeRole::UpdatedAt | AttributeRole::Version
            )
        {
            maintained.push(name.clone());
            continue;
        }
        let field = match &attr.default {
            Some(Value::Generated(generator)) => {
                let make = match generator {
                    Generator::Uuid => "uuid",
                    Generator::Ulid => "ulid",
                    Generator::Now => "now",
                };
                DraftField {
                    docs: vec![format!(
                        "/// `{}`: `None` makes one (`{}`) when the draft is written.",
                        attr.name,
                        generator.call()
                    )],
                    rust_name: name.clone(),
                    rust_type: format!("::std::option::Option<{base}>"),
                    // A timestamp is `Copy`: clippy refuses a `clone` of it.
                    value: match generator {
                        Generator::Now => format!("self.{name}.unwrap_or_else({RT}::generate::{make})"),
                        Generator::Uuid | Generator::Ulid => {
                            format!("self.{name}.clone().unwrap_or_else({RT}::generate::{make})")
                        }
                    },
                }
            }
            _ => DraftField {
                docs: vec![format!("/// `{}`.", attr.name)],
                rust_name: name.clone(),
                rust_type: if attr.optional {
                    format!("::std::option::Option<{base}>")
                } else {
                    base
                },
                value: format!("::std::clone::Clone::clone(&self.{name})"),
            },
        };
        fields.push(field);
    }
    Some(DraftView {
        rust_name,
        entity: entity.rust_name.clone(),
        entity_name: entity.name.clone(),
        fields,
        maintained,
    })
}
