//! The resolved schema: the only thing the generator ever sees.
//!
//! Every reference has been checked to point at a definition, every entity
//! key names its physical attributes, and collections know their members and
//! their shared index. Order is declaration order everywhere (never hash
//! order), so the same schema always gives the same IR. Spans are kept for
//! diagnostics but compare equal and are not serialized.

use crate::span::Span;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schema {
    /// The key namespace: the first segment of every partition key.
    pub service: String,
    /// Docs of the `service` declaration: the schema's module docs.
    pub docs: Vec<String>,
    pub table: Table,
    pub enums: Vec<Enum>,
    pub structs: Vec<Struct>,
    pub entities: Vec<Entity>,
    /// Sorted by name.
    pub collections: Vec<Collection>,
}

impl Schema {
    pub fn enum_named(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    pub fn struct_named(&self, name: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.name == name)
    }

    pub fn entity_named(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    pub fn collection_named(&self, name: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    pub rust_name: String,
    pub docs: Vec<String>,
    /// Physical partition key attribute of the table.
    pub pk: String,
    /// Physical sort key attribute of the table, if it has one.
    pub sk: Option<String>,
    /// Secondary indexes in declaration order.
    pub indexes: Vec<TableIndex>,
    /// The attribute DynamoDB's TTL is enabled on: declared with `ttl:` or
    /// taken from the entities' `ttl` attributes (which must agree).
    pub ttl_field: Option<String>,
    /// Attribute holding each item's entity name.
    pub entity_tag_field: String,
    #[serde(skip)]
    pub span: Span,
}

impl Table {
    pub fn index_named(&self, name: &str) -> Option<&TableIndex> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Physical key attributes of `index`: (partition, sort).
    pub fn key_fields(&self, index: &TableIndexRef) -> Option<(&str, Option<&str>)> {
        match index {
            TableIndexRef::Primary => Some((self.pk.as_str(), self.sk.as_deref())),
            TableIndexRef::Global(name) | TableIndexRef::Local(name) => {
                self.index_named(name).map(|i| (i.pk.as_str(), i.sk.as_deref()))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum IndexKind {
    Global,
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableIndex {
    pub name: String,
    pub kind: IndexKind,
    pub docs: Vec<String>,
    /// Partition key attribute; for a local index, always the table's.
    pub pk: String,
    pub sk: Option<String>,
    pub projection: Projection,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Projection {
    All,
    KeysOnly,
    /// Stored attribute names projected besides the keys.
    Include(Vec<String>),
}

/// Which table index an entity key lives on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TableIndexRef {
    Primary,
    Global(String),
    Local(String),
}

impl TableIndexRef {
    /// The DynamoDB `IndexName`, or `None` for the table itself.
    pub fn index_name(&self) -> Option<&str> {
        match self {
            TableIndexRef::Primary => None,
            TableIndexRef::Global(n) | TableIndexRef::Local(n) => Some(n),
        }
    }

    /// How the index is named in messages.
    pub fn describe(&self) -> String {
        match self {
            TableIndexRef::Primary => "the table's primary index".to_string(),
            TableIndexRef::Global(n) | TableIndexRef::Local(n) => format!("index `{n}`"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enum {
    pub name: String,
    pub rust_name: String,
    pub docs: Vec<String>,
    pub variants: Vec<Variant>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub name: String,
    pub rust_name: String,
    /// The string stored in DynamoDB (the name unless `= "..."` says otherwise).
    pub value: String,
    pub docs: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A named record type, stored as a DynamoDB map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Struct {
    pub name: String,
    pub rust_name: String,
    pub docs: Vec<String>,
    pub fields: Vec<Attribute>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// As written; also the value stored in the entity tag attribute and the
    /// entity's label in keys.
    pub name: String,
    pub rust_name: String,
    pub docs: Vec<String>,
    /// Declared attributes in order, then the ones markers add
    /// (`createdAt`, `updatedAt`, `version`).
    pub attributes: Vec<Attribute>,
    pub primary: EntityIndex,
    /// Secondary access patterns in declaration order.
    pub indexes: Vec<EntityIndex>,
    /// `timestamps`: `createdAt` and `updatedAt` are maintained by dyngen.
    pub timestamps: bool,
    /// Name of the optimistic-locking attribute.
    pub version: Option<String>,
    /// Name of the expiry attribute (epoch seconds in the table's TTL field).
    pub ttl: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Entity {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The primary key first, then the secondary indexes.
    pub fn all_indexes(&self) -> impl Iterator<Item = &EntityIndex> {
        std::iter::once(&self.primary).chain(&self.indexes)
    }
}

/// What an attribute is for, beyond holding data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AttributeRole {
    Data,
    CreatedAt,
    UpdatedAt,
    Version,
    Ttl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    /// As written in the schema.
    pub name: String,
    /// snake_case, escaped when it is a keyword (`r#type`).
    pub rust_name: String,
    /// The DynamoDB attribute name (`@field`, or the name).
    pub field: String,
    pub docs: Vec<String>,
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
    /// Cannot change after the item is created.
    pub readonly: bool,
    pub role: AttributeRole,
    /// Added by a marker (`timestamps`, `version`) rather than declared.
    pub implicit: bool,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Type {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F64,
    /// Exact decimal number (DynamoDB numbers carry 38 significant digits).
    Decimal,
    Bytes,
    /// A UTC instant.
    Timestamp,
    Enum(String),
    Struct(String),
    List(Box<Type>),
    /// String keys to values.
    Map(Box<Type>),
    /// A DynamoDB set: string, number or binary elements.
    Set(Box<Type>),
}

impl Type {
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::I32 | Type::I64 | Type::U32 | Type::U64)
    }

    pub fn is_number(&self) -> bool {
        self.is_integer() || matches!(self, Type::F64 | Type::Decimal)
    }

    /// Types a key composite may have: their values have one canonical,
    /// order-preserving string form.
    pub fn is_key_scalar(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                Type::String | Type::Bool | Type::Decimal | Type::Timestamp | Type::Enum(_)
            )
    }

    /// How the type is written in a schema.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Bool => "bool".into(),
            Type::I32 => "i32".into(),
            Type::I64 => "i64".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::F64 => "f64".into(),
            Type::Decimal => "decimal".into(),
            Type::Bytes => "bytes".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Enum(n) | Type::Struct(n) => n.clone(),
            Type::List(t) => format!("list<{}>", t.describe()),
            Type::Map(t) => format!("map<{}>", t.describe()),
            Type::Set(t) => format!("set<{}>", t.describe()),
        }
    }
}

/// A default value, already checked against its attribute's type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Value {
    String(String),
    Bool(bool),
    Integer(i128),
    /// f64 or decimal, as written (without `_`).
    Number(String),
    /// A variant name of the attribute's enum.
    Enum(String),
    List(Vec<Value>),
    EmptyMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Casing {
    /// Values are stored exactly as given (the default).
    Preserve,
    Lower,
    Upper,
}

/// One access pattern of an entity: its primary key or a secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityIndex {
    /// `primary`, or the index name as written.
    pub name: String,
    /// snake_case.
    pub rust_name: String,
    pub docs: Vec<String>,
    pub table_index: TableIndexRef,
    pub collection: Option<String>,
    pub pk: KeyTemplate,
    /// Present exactly when the table index has a sort key.
    pub sk: Option<KeyTemplate>,
    /// Some composite is optional: items without it are not in this index.
    pub sparse: bool,
    #[serde(skip)]
    pub span: Span,
}

impl EntityIndex {
    pub fn is_primary(&self) -> bool {
        self.table_index == TableIndexRef::Primary
    }
}

/// How one physical key attribute is built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyTemplate {
    /// The physical attribute written (`pk`, `gsi1sk`, ...).
    pub field: String,
    /// Attribute names whose values make up the key, in order.
    pub composites: Vec<String>,
    pub casing: Casing,
    #[serde(skip)]
    pub span: Span,
}

/// Entities that share partitions on one index and are read by one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    pub name: String,
    /// UpperCamel name for the collection's types.
    pub rust_name: String,
    pub table_index: TableIndexRef,
    /// The partition key composites every member shares: (attribute name, type).
    pub partition: Vec<(String, Type)>,
    /// In declaration order of the entities.
    pub members: Vec<CollectionMember>,
    /// The first member's index name.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionMember {
    pub entity: String,
    /// The member entity's index that joins the collection.
    pub index: String,
}
