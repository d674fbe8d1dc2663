//! An entity: its item struct, key structs, attributes struct for
//! conditions, the `Entity` and `PrimaryKey` impls and the entity client.

use super::common::{
    attr_value_type, docs_or, is_eq, key_field, lit, rust_type, secondary_keys, time_wrapper, KeyField, RT,
};
use super::field::{field_view, ErrorContext, FieldView};
use super::query::{index_view, IndexView, KeyPutView};
use dyngen_dsl::ir::{Attribute, AttributeRole, Entity, Schema, TimeFormat, Type};
use dyngen_dsl::names;
use std::collections::BTreeSet;

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
    /// `Entity::FIXED`'s elements.
    pub fixed: Vec<FixedView>,
    /// The wrapper `updatedAt` is stored through, when it has a format:
    /// `Entity::stored_now` encodes the time with it.
    pub now_wrapper: Option<&'static str>,
    /// Primary key fields.
    pub key_fields: Vec<KeyField>,
    /// What `PrimaryKey::to_key` writes: each key attribute, from the key
    /// struct `self`.
    pub primary_key_puts: Vec<KeyPutView>,
    /// For an entity of a table without an entity tag that holds several
    /// entities: how its items are told apart.
    pub key_mark: Option<KeyMarkView>,
    pub attributes_type: String,
    /// The attribute the docs of the attributes struct show in an example.
    pub example_attribute: String,
    pub attr_fields: Vec<AttrFieldView>,
    /// Stored names `upsert` may remove, as literals.
    pub stored: Vec<String>,
    pub maintained: MaintainedView,
    /// Stored names of the readonly attributes `upsert` must not change, as literals.
    pub readonly: Vec<String>,
    /// The fields `touch(&mut self, now)` sets to `now`.
    pub touch: Vec<String>,
    pub version: Option<VersionView>,
    /// `Entity::UNIQUE`'s sets.
    pub unique: Vec<UniqueView>,
}

/// One unique set: its attributes' names and stored names, as literals.
pub struct UniqueView {
    pub attributes: Vec<String>,
    pub fields: Vec<String>,
}

impl EntityView {
    /// Whether a method of the entity client is named like a std trait's
    /// (an access pattern called `next`): its impl allows the clippy lint.
    pub fn client_shadows_std_method(&self) -> bool {
        self.all_indexes().any(|index| {
            names::looks_like_std_trait_method(&index.method)
                || index
                    .across
                    .as_ref()
                    .is_some_and(|a| names::looks_like_std_trait_method(&a.method))
        })
    }

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

/// A `FixedAttribute`: an attribute every item of the entity holds.
pub struct FixedView {
    pub field_lit: String,
    pub value_lit: String,
}

/// A `KeyMark`: the key attribute and the literal prefix only this
/// entity's keys start with.
pub struct KeyMarkView {
    pub attribute_lit: String,
    pub prefix_lit: String,
}

/// `pub <name>: Attr<Entity, T>` of the attributes struct.
pub struct AttrFieldView {
    /// As written in the schema.
    pub name: String,
    pub rust_name: String,
    pub value_type: String,
    /// The stored name, as a literal.
    pub field_lit: String,
    /// For an attribute stored only in a key, as text: the literal text
    /// around its value there, which conditions compare with.
    pub key_text: Option<KeyTextView>,
}

/// The literal text before and after a value in a key, as literals.
pub struct KeyTextView {
    pub prefix_lit: String,
    pub suffix_lit: String,
}

/// The `Maintained` constant: the stored names (as literals) of the
/// attributes dyngen writes itself.
pub struct MaintainedView {
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub version: Option<String>,
    pub ttl: Option<String>,
}

impl MaintainedView {
    /// Whether dyngen maintains any attribute (else the trait's default, none).
    pub fn any(&self) -> bool {
        self.created_at.is_some() || self.updated_at.is_some() || self.version.is_some() || self.ttl.is_some()
    }
}

/// The version attribute, for `Entity::version` and `set_version`.
pub struct VersionView {
    /// As written in the schema.
    pub name: String,
    pub rust_name: String,
    pub rust_type: String,
    /// The stored name, as a literal.
    pub field_lit: String,
}

pub fn entity_view(schema: &Schema, entity: &Entity) -> EntityView {
    let primary = index_view(schema, entity, &entity.primary);
    let mut indexes: Vec<IndexView> = entity.indexes.iter().map(|i| index_view(schema, entity, i)).collect();
    write_keys_once(&primary, &mut indexes);
    let primary_key_puts = primary
        .keys()
        .map(|k| k.put(&entity.rust_name, k.args_from("self")))
        .collect();
    let attribute = |role: AttributeRole| entity.attributes.iter().find(|a| a.role == role);
    EntityView {
        primary_key_puts,
        key_mark: schema.key_mark(entity).map(|mark| KeyMarkView {
            attribute_lit: lit(mark.field),
            prefix_lit: lit(&mark.prefix),
        }),
        docs: docs_or(&entity.docs, || {
            format!("/// Entity `{}`: one kind of item in the table.", entity.name)
        }),
        name: entity.name.clone(),
        name_lit: lit(&entity.name),
        rust_name: entity.rust_name.clone(),
        client: names::client_type(&entity.rust_name),
        client_method: names::client_method(entity),
        key_type: names::key_type(&entity.rust_name),
        fields: fields(schema, entity),
        field_count: entity.attributes.len(),
        derive_eq: entity.attributes.iter().all(|a| is_eq(schema, &a.ty)),
        unique: entity
            .uniques
            .iter()
            .map(|set| UniqueView {
                attributes: set.attributes.iter().map(|a| lit(a)).collect(),
                fields: set
                    .attributes
                    .iter()
                    .filter_map(|a| entity.attribute(a))
                    .map(|a| lit(&a.field))
                    .collect(),
            })
            .collect(),
        primary,
        indexes,
        entity_tag_lit: schema.table.entity_tag_field.as_deref().map(lit),
        tag_value_lit: lit(&entity.tag_value),
        tag_const: (entity.tag_value != entity.name).then(|| lit(&entity.tag_value)),
        fixed: entity
            .fixed
            .iter()
            .map(|f| FixedView {
                field_lit: lit(&f.field),
                value_lit: lit(&f.value),
            })
            .collect(),
        now_wrapper: attribute(AttributeRole::UpdatedAt).and_then(time_wrapper),
        key_fields: key_fields(schema, entity),
        attributes_type: names::attributes_type(&entity.rust_name),
        example_attribute: entity
            .attributes
            .first()
            .map_or("name", |a| a.rust_name.as_str())
            .to_string(),
        attr_fields: entity
            .attributes
            .iter()
            .map(|a| attr_field(schema, entity, a))
            .collect(),
        stored: stored_names(entity),
        maintained: maintained(entity),
        readonly: entity
            .attributes
            .iter()
            // dyngen writes the maintained ones itself (a `readonly version`
            // changes on every write by design).
            .filter(|a| a.readonly && matches!(a.role, AttributeRole::Data | AttributeRole::Ttl))
            .map(|a| lit(&a.field))
            .collect(),
        touch: entity
            .attributes
            .iter()
            .filter(|a| matches!(a.role, AttributeRole::CreatedAt | AttributeRole::UpdatedAt))
            .map(|a| a.rust_name.clone())
            .collect(),
        version: attribute(AttributeRole::Version).map(|a| VersionView {
            name: a.name.clone(),
            rust_name: a.rust_name.clone(),
            rust_type: rust_type(schema, &a.ty),
            field_lit: lit(&a.field),
        }),
    }
}

fn maintained(entity: &Entity) -> MaintainedView {
    let field_of = |role: AttributeRole| {
        let attr = entity.attributes.iter().find(|a| a.role == role);
        attr.map(|a| lit(&a.field))
    };
    MaintainedView {
        created_at: field_of(AttributeRole::CreatedAt),
        updated_at: field_of(AttributeRole::UpdatedAt),
        version: field_of(AttributeRole::Version),
        ttl: field_of(AttributeRole::Ttl),
    }
}

/// The fields of the primary key struct. An attribute may be in both the
/// partition and the sort key: the key type holds it once.
fn key_fields(schema: &Schema, entity: &Entity) -> Vec<KeyField> {
    let mut seen = BTreeSet::new();
    entity
        .primary
        .pk
        .composites
        .iter()
        .chain(entity.primary.sk.iter().flat_map(|t| &t.composites))
        .filter(|c| seen.insert(c.as_str()))
        .filter_map(|c| entity.attribute(c))
        .map(|a| key_field(schema, a))
        .collect()
}

/// Keys of several indexes may share a physical attribute (a raw `created`
/// sort key on the table and on its indexes): written once, by the first.
fn write_keys_once(primary: &IndexView, indexes: &mut [IndexView]) {
    let mut written: BTreeSet<String> = primary.item_keys.iter().map(|k| k.put.field.clone()).collect();
    for index in indexes {
        index.item_keys.retain(|k| written.insert(k.put.field.clone()));
        // The sort key builder of an index whose sort key attribute another
        // index writes is not called: its queries start from labels only.
        let kept: BTreeSet<&str> = index.item_keys.iter().map(|k| k.put.field.as_str()).collect();
        if let Some(sk) = &mut index.sk {
            if !kept.contains(sk.field.as_str()) && index.writes_pk {
                sk.written_elsewhere = true;
            }
        }
    }
}

/// The item's fields. An attribute that is itself a key attribute is
/// written once, as the key; one stored only inside a key's text is read
/// back from that text.
pub(super) fn fields(schema: &Schema, entity: &Entity) -> Vec<FieldView> {
    let mut fields: Vec<FieldView> = entity
        .attributes
        .iter()
        .map(|a| field_view(schema, a, &entity.name, ErrorContext::Entity(&entity.name)))
        .collect();
    for (field, attr) in fields.iter_mut().zip(&entity.attributes) {
        let Some(stored) = entity.key_stored_form(attr) else {
            continue;
        };
        field.encode = String::new();
        if stored.from_text {
            field.decode = key_text_decode(schema, attr, &attr.field, &stored.prefix, &stored.suffix);
        }
    }
    fields
}

/// Reads `attr` back from the text of key attribute `key_field`, between
/// the literal `prefix` and `suffix`.
pub(super) fn key_text_decode(
    schema: &Schema,
    attr: &Attribute,
    key_field: &str,
    prefix: &str,
    suffix: &str,
) -> String {
    format!(
        "item.take_key_text::<{}>({}, {}, {}, {RT}::value::TextForm::{})?{}",
        attr_value_type(schema, attr),
        lit(key_field),
        lit(prefix),
        lit(suffix),
        text_form(attr),
        if time_wrapper(attr).is_some() { ".0" } else { "" },
    )
}

/// The `TextForm` a value stored in a key's text is parsed as.
fn text_form(attr: &Attribute) -> &'static str {
    match &attr.ty {
        Type::Bool => "Bool",
        t if t.is_number() => "N",
        Type::Timestamp if attr.time_format.is_some_and(TimeFormat::is_number) => "N",
        _ => "S",
    }
}

fn attr_field(schema: &Schema, entity: &Entity, attr: &Attribute) -> AttrFieldView {
    AttrFieldView {
        name: attr.name.clone(),
        rust_name: attr.rust_name.clone(),
        value_type: attr_value_type(schema, attr),
        field_lit: lit(&attr.field),
        // Stored only in a key, as text: conditions compare that text.
        key_text: entity
            .key_stored_form(attr)
            .filter(|stored| stored.from_text)
            .map(|stored| KeyTextView {
                prefix_lit: lit(&stored.prefix),
                suffix_lit: lit(&stored.suffix),
            }),
    }
}

/// The stored names `upsert` may remove: every attribute's and every
/// secondary key's. An attribute stored in the primary key is the key:
/// never removed.
fn stored_names(entity: &Entity) -> Vec<String> {
    let keys = secondary_keys(entity);
    let mut stored: BTreeSet<&str> = entity.attributes.iter().map(|a| a.field.as_str()).collect();
    stored.extend(keys.iter().map(|k| k.template.field.as_str()));
    for key in std::iter::once(&entity.primary.pk).chain(&entity.primary.sk) {
        stored.remove(key.field.as_str());
    }
    stored.into_iter().map(lit).collect()
}
