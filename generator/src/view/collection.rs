//! A collection: its partition key struct, the item enum over its members,
//! the grouped result, and the table method that queries it.

use super::common::{joined, key_field, lit, KeyField, KeyRole};
use super::query::{key_view, QueryLayoutView, SortLayoutView};
use dyngen_dsl::ir::{self, KeyCodec, KeyType, Schema};
use dyngen_dsl::names;

pub struct CollectionView {
    /// As written in the schema.
    pub name: String,
    /// The table index queried: ``index `gsi1` ``.
    pub table_index: String,
    /// The members, for docs: `` `User` and `Repo` ``.
    pub member_list: String,
    pub table_rust_name: String,
    pub method: String,
    pub key_type: String,
    pub item_type: String,
    pub grouped_type: String,
    pub partition_fields: Vec<KeyField>,
    /// The first member's type, whose partition key builder the query calls.
    pub pk_owner: String,
    pub pk_fn: String,
    /// The builder's parameters, each a field of the partition struct.
    pub pk_args: Vec<String>,
    pub name_lit: String,
    /// The index's DynamoDB name as a literal; `None` for the table.
    pub index_name_lit: Option<String>,
    pub pk_attribute_lit: String,
    /// The sort key attribute as a literal, when the index has one.
    pub sk_field_lit: Option<String>,
    pub sk_prefix_lit: String,
    pub members: Vec<CollectionMemberView>,
    /// For members whose keys are templates: how the query reads them.
    pub layout: Option<CollectionLayoutView>,
}

/// One member entity of a collection.
pub struct CollectionMemberView {
    pub rust_type: String,
    /// Its field in the grouped type (plural).
    pub field: String,
}

/// A collection query of template keys: a prefix read (the common literal
/// text) kept to the members by tag.
pub struct CollectionLayoutView {
    pub query: QueryLayoutView,
    /// The members' tags, as literals.
    pub only_entities: Vec<String>,
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
pub fn collection_prefix(schema: &Schema, c: &ir::Collection) -> String {
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

fn collection_layout(schema: &Schema, c: &ir::Collection, pk: &ir::KeyLayout) -> Option<CollectionLayoutView> {
    let layouts = member_sort_layouts(schema, c);
    if layouts.iter().all(|l| l.codec == KeyCodec::Segmented) && pk.attr_type == KeyType::S {
        return None;
    }
    Some(CollectionLayoutView {
        query: QueryLayoutView {
            partition: pk.attr_type.word(),
            sort: SortLayoutView::Segmented,
            entity_filter: false,
            fetch_items: false,
        },
        only_entities: c
            .members
            .iter()
            .map(|m| lit(schema.entity_named(&m.entity).map_or(&m.entity, |e| &e.tag_value)))
            .collect(),
    })
}

pub fn collection_view(schema: &Schema, c: &ir::Collection) -> Option<CollectionView> {
    let first = c.members.first()?;
    let entity = schema.entity_named(&first.entity)?;
    let index = entity.all_indexes().find(|i| i.name == first.index)?;
    let pk = key_view(schema, entity, index, &index.pk, KeyRole::Partition);
    let [key_type, item_type, grouped_type] = names::collection_types(&c.rust_name);
    let members: Vec<&ir::Entity> = c
        .members
        .iter()
        .filter_map(|m| schema.entity_named(&m.entity))
        .collect();
    let member_names: Vec<String> = members.iter().map(|e| format!("`{}`", e.name)).collect();
    Some(CollectionView {
        name: c.name.clone(),
        table_index: c.table_index.describe(),
        member_list: joined(&member_names),
        table_rust_name: schema.table.rust_name.clone(),
        // The table handle has one method per entity and per collection: a
        // collection named like an entity's plural (`sessions`) says so.
        method: names::collection_method(schema, &c.name),
        key_type,
        item_type,
        grouped_type,
        partition_fields: c
            .partition
            .iter()
            .filter_map(|(name, _)| entity.attribute(name))
            .map(|a| key_field(schema, a))
            .collect(),
        pk_owner: entity.rust_name.clone(),
        pk_args: pk.params.into_iter().map(|p| p.name).collect(),
        pk_fn: pk.fn_name,
        name_lit: lit(&c.name),
        index_name_lit: schema.table.physical_index_name(&c.table_index).map(lit),
        sk_field_lit: index.sk.as_ref().map(|t| lit(&t.field)),
        pk_attribute_lit: lit(&index.pk.field),
        sk_prefix_lit: lit(&collection_prefix(schema, c)),
        layout: collection_layout(schema, c, &index.pk.layout),
        members: members
            .iter()
            .map(|e| CollectionMemberView {
                rust_type: e.rust_name.clone(),
                field: names::plural_value_name(&e.name).unwrap_or_else(|_| e.rust_name.to_lowercase()),
            })
            .collect(),
    })
}
