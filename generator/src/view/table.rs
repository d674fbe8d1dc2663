//! The table handle: its `TableDef`, entity clients and collection queries
//! (the latter two from the entity and collection views).

use super::common::{doc_lines, lit, non_string};
use dyngen_dsl::ir::{IndexKind, Projection, Schema};

pub struct TableView {
    pub docs: Vec<String>,
    pub rust_name: String,
    pub pk_lit: String,
    pub sk_lit: Option<String>,
    pub indexes: Vec<IndexDefView>,
    pub ttl_lit: Option<String>,
    /// The entity tag attribute as a literal; an empty name stands for "no
    /// tag" (DynamoDB has no empty attribute names).
    pub entity_tag_lit: String,
    /// Key attributes that are not strings.
    pub key_types: Vec<KeyTypeView>,
}

/// An `IndexDef`: one secondary index of the table.
pub struct IndexDefView {
    pub name_lit: String,
    /// The `IndexDef` constructor of its kind: `global` or `local`.
    pub constructor: &'static str,
    pub pk_lit: String,
    pub sk_lit: Option<String>,
    pub projection: ProjectionView,
}

/// A `Projection` variant.
pub enum ProjectionView {
    All,
    KeysOnly,
    /// The attributes projected, as literals.
    Include(Vec<String>),
}

/// A key attribute and its DynamoDB type (`N`, `B`).
pub struct KeyTypeView {
    pub attribute_lit: String,
    pub key_type: &'static str,
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
        pk_lit: lit(&t.pk),
        sk_lit: t.sk.as_deref().map(lit),
        indexes: t
            .indexes
            .iter()
            .map(|i| IndexDefView {
                name_lit: lit(&i.physical_name),
                constructor: match i.kind {
                    IndexKind::Global => "global",
                    IndexKind::Local => "local",
                },
                pk_lit: lit(&i.pk),
                sk_lit: i.sk.as_deref().map(lit),
                projection: match &i.projection {
                    Projection::All => ProjectionView::All,
                    Projection::KeysOnly => ProjectionView::KeysOnly,
                    Projection::Include(names) => ProjectionView::Include(names.iter().map(|n| lit(n)).collect()),
                },
            })
            .collect(),
        ttl_lit: t.ttl_field.as_deref().map(lit),
        entity_tag_lit: lit(t.entity_tag_field.as_deref().unwrap_or("")),
        key_types: t
            .key_attribute_types()
            .into_iter()
            .filter_map(|(name, ty)| {
                Some(KeyTypeView {
                    attribute_lit: lit(name),
                    key_type: non_string(ty)?,
                })
            })
            .collect(),
    }
}
