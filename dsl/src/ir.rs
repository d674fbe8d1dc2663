//! The resolved schema: the only thing the generator ever sees.
//!
//! Every reference has been checked to point at a definition, every entity
//! key names its physical attributes, and collections know their members and
//! their shared index. Order is declaration order everywhere (never hash
//! order), so the same schema always gives the same IR. Spans are kept for
//! diagnostics but compare equal and are not serialized.

use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeSet;

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
    /// The stored names the queries of access pattern `index` read when
    /// its table index projects less than every attribute (`keys_only`,
    /// `include`): the table's and the index's key attributes and the
    /// included names. `None` when they read whole items: the primary key,
    /// an index projecting all (or all that `entity` stores, its entity
    /// tag and fixed attributes), or a `fetch` pattern (which reads the
    /// items from the table).
    pub fn projected_fields(&self, entity: &Entity, index: &EntityIndex) -> Option<BTreeSet<&str>> {
        if index.fetch {
            return None;
        }
        let table_index = self.table.index_named(index.table_index.index_name()?)?;
        let included: Vec<&str> = match &table_index.projection {
            Projection::All => return None,
            Projection::KeysOnly => Vec::new(),
            Projection::Include(names) => names.iter().map(String::as_str).collect(),
        };
        let keys = [
            Some(self.table.pk.as_str()),
            self.table.sk.as_deref(),
            Some(table_index.pk.as_str()),
            table_index.sk.as_deref(),
        ];
        let projected: BTreeSet<&str> = keys.into_iter().flatten().chain(included).collect();
        let whole = entity
            .attributes
            .iter()
            .map(|a| a.field.as_str())
            .chain(self.table.entity_tag_field.as_deref())
            .chain(entity.fixed.iter().map(|f| f.field.as_str()))
            .all(|field| projected.contains(field));
        (!whole).then_some(projected)
    }

    /// Whether items of another entity can have keys that `index` of
    /// `entity` reads: the same partition and an overlapping sort key on
    /// the same table index. The keys alone then do not tell the entities
    /// apart; reads need the entity tag.
    pub fn keys_shared_with_others(&self, entity: &Entity, index: &EntityIndex) -> bool {
        self.entities.iter().filter(|e| e.name != entity.name).any(|other| {
            other
                .all_indexes()
                .filter(|o| o.table_index == index.table_index)
                .any(|o| keys_may_meet(index, o))
        })
    }

    /// How items of `entity` are told apart in a table without an entity
    /// tag that holds several entities: a key attribute of its primary key
    /// (the sort key first) whose literal prefix no other entity's key in
    /// that attribute can start with. `None` with a tag, for a table's only
    /// entity, and for an entity nothing tells apart (the checker refuses
    /// that, `E0406`).
    pub fn key_mark(&self, entity: &Entity) -> Option<KeyMarkRule<'_>> {
        if self.table.entity_tag_field.is_some() || self.entities.len() < 2 {
            return None;
        }
        let mine = self.entity_named(&entity.name)?;
        let others: Vec<&Entity> = self.entities.iter().filter(|e| e.name != entity.name).collect();
        let keys = mine.primary.sk.iter().chain(std::iter::once(&mine.primary.pk));
        for key in keys {
            let prefix = key.layout.literal_prefix();
            let apart = others.iter().all(|o| {
                let theirs = if key.field == o.primary.pk.field {
                    Some(&o.primary.pk)
                } else {
                    o.primary.sk.as_ref()
                };
                theirs.is_none_or(|t| !key.layout.may_overlap(&t.layout))
            });
            if apart && !prefix.is_empty() {
                return Some(KeyMarkRule {
                    field: &key.field,
                    prefix,
                });
            }
        }
        None
    }

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

/// See [`Schema::key_mark`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMarkRule<'s> {
    /// The key attribute.
    pub field: &'s str,
    /// What every key of the entity in it starts with.
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    pub rust_name: String,
    pub docs: Vec<String>,
    /// Physical partition key attribute of the table.
    pub pk: String,
    /// Its DynamoDB type (`S` unless declared otherwise).
    pub pk_type: KeyType,
    /// Physical sort key attribute of the table, if it has one.
    pub sk: Option<String>,
    pub sk_type: KeyType,
    /// Secondary indexes in declaration order.
    pub indexes: Vec<TableIndex>,
    /// The attribute DynamoDB's TTL is enabled on: declared with `ttl:` or
    /// taken from the entities' `ttl` attributes (which must agree).
    pub ttl_field: Option<String>,
    /// Attribute holding each item's entity name; `None` for a table declared
    /// with `entity_tag: none` (its keys alone tell its entities apart).
    pub entity_tag_field: Option<String>,
    /// How list-form keys (`pk: [a, b]`) are laid out (`format:`).
    pub format: KeyFormat,
    #[serde(skip)]
    pub span: Span,
}

/// A table's `format`: the layout of its list-form keys and the attributes
/// that mark its items. See docs/key-format.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyFormat {
    /// dyngen's own: segmented, escaped, order-preserving (the default).
    Dyngen,
    /// ElectroDB's (3.x): `$service#attr_value`, `$entity_version#attr_value`,
    /// `$collection#entity_version#..`, lowercased; `__edb_e__` and
    /// `__edb_v__` on every item.
    ElectroDb,
}

impl KeyFormat {
    pub const ALL: [(&'static str, KeyFormat); 2] =
        [("dyngen", KeyFormat::Dyngen), ("electrodb", KeyFormat::ElectroDb)];

    pub fn word(self) -> &'static str {
        match self {
            KeyFormat::Dyngen => "dyngen",
            KeyFormat::ElectroDb => "electrodb",
        }
    }
}

/// ElectroDB's entity-name attribute.
pub const ELECTRODB_ENTITY_FIELD: &str = "__edb_e__";
/// ElectroDB's model-version attribute.
pub const ELECTRODB_VERSION_FIELD: &str = "__edb_v__";

impl Table {
    pub fn index_named(&self, name: &str) -> Option<&TableIndex> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The DynamoDB `IndexName` of `index` (its `name:` when declared), or
    /// `None` for the table itself.
    pub fn physical_index_name<'a>(&'a self, index: &'a TableIndexRef) -> Option<&'a str> {
        let name = index.index_name()?;
        Some(self.index_named(name).map_or(name, |i| i.physical_name.as_str()))
    }

    /// Every key attribute of the table and its indexes once, in order of
    /// first use, with its declared type (the first declaration's).
    pub fn key_attribute_types(&self) -> Vec<(&str, KeyType)> {
        let mut out: Vec<(&str, KeyType)> = Vec::new();
        let sk = self.sk.as_deref().map(|s| (s, self.sk_type));
        let all = std::iter::once(Some((self.pk.as_str(), self.pk_type)))
            .chain(std::iter::once(sk))
            .chain(self.indexes.iter().flat_map(|i| {
                [
                    Some((i.pk.as_str(), i.pk_type)),
                    i.sk.as_deref().map(|s| (s, i.sk_type)),
                ]
            }))
            .flatten();
        for (name, ty) in all {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, ty));
            }
        }
        out
    }

    /// DynamoDB types of the key attributes of `index`: (partition, sort).
    pub fn key_types(&self, index: &TableIndexRef) -> (KeyType, KeyType) {
        match index {
            TableIndexRef::Primary => (self.pk_type, self.sk_type),
            TableIndexRef::Global(name) | TableIndexRef::Local(name) => self
                .index_named(name)
                .map_or((KeyType::S, KeyType::S), |i| (i.pk_type, i.sk_type)),
        }
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
    /// The schema's identifier for the index.
    pub name: String,
    /// The index's name in DynamoDB: `name: "gsi1pk-gsi1sk-index"`, or the
    /// identifier.
    pub physical_name: String,
    pub kind: IndexKind,
    pub docs: Vec<String>,
    /// Partition key attribute; for a local index, always the table's.
    pub pk: String,
    pub pk_type: KeyType,
    pub sk: Option<String>,
    pub sk_type: KeyType,
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

/// Whether a raw text key holds exactly what the attribute stores: the text
/// of strings, enums and RFC 3339 timestamps (numbers and bools are stored
/// as `N` and `BOOL`).
fn text_is_stored_form(attr: &Attribute) -> bool {
    match attr.ty {
        Type::String | Type::Enum(_) => true,
        Type::Timestamp => !attr.time_format.is_some_and(TimeFormat::is_number),
        _ => false,
    }
}

/// Whether two access patterns on one table index can write the same keys.
pub fn keys_may_meet(a: &EntityIndex, b: &EntityIndex) -> bool {
    let sort = match (&a.sk, &b.sk) {
        (Some(x), Some(y)) => x.layout.may_overlap(&y.layout),
        _ => true,
    };
    a.pk.layout.may_overlap(&b.pk.layout) && sort
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
    /// What the entity tag attribute holds for this entity: its name, or
    /// its ElectroDB model's name (`model_name:`).
    pub tag_value: String,
    /// Attributes every item of the entity holds with a fixed value besides
    /// the entity tag (ElectroDB's `__edb_v__`): written by every put and
    /// update, and checked by every read.
    pub fixed: Vec<FixedAttribute>,
    /// `projection Summary [..]`, in declaration order.
    pub projections: Vec<NamedProjection>,
    /// `unique [..]` and `unique` attributes: each set's values are held
    /// by at most one item, through a guard item per value.
    pub uniques: Vec<UniqueSet>,
    #[serde(skip)]
    pub span: Span,
}

/// A named subset of an entity's attributes that reads can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedProjection {
    /// As written: `Summary`.
    pub name: String,
    /// Its Rust form, which follows the entity's name: `UserSummary`.
    pub type_suffix: String,
    pub docs: Vec<String>,
    /// The attributes listed, in order (the primary key's are added by
    /// [`Entity::projection_attributes`]).
    pub attributes: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// Attributes whose values, together, no two items of the entity share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueSet {
    /// Attribute names, in the order written.
    pub attributes: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// An attribute with a fixed value on every item of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixedAttribute {
    pub field: String,
    pub value: String,
}

impl Entity {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The attributes a named projection holds: the primary key's
    /// composites (so that every projected item can be read or written
    /// again by its key), then the listed ones, each once, in the
    /// entity's declaration order.
    pub fn projection_attributes(&self, projection: &NamedProjection) -> Vec<&Attribute> {
        let keys: Vec<&str> = std::iter::once(&self.primary.pk)
            .chain(&self.primary.sk)
            .flat_map(|k| k.composites.iter().map(String::as_str))
            .collect();
        self.attributes
            .iter()
            .filter(|a| keys.contains(&a.name.as_str()) || projection.attributes.contains(&a.name))
            .collect()
    }

    /// The primary key first, then the secondary indexes.
    pub fn all_indexes(&self) -> impl Iterator<Item = &EntityIndex> {
        std::iter::once(&self.primary).chain(&self.indexes)
    }

    /// The attribute a key is, unchanged, when it is a *raw* key: a template
    /// of exactly one value (`"{id}"`) with no casing, or a native `N`/`B`
    /// key, whose value is stored exactly as the attribute would be.
    pub fn raw_key_attribute(&self, key: &KeyTemplate) -> Option<&Attribute> {
        self.key_text_attribute(key)
            .filter(|(attr, prefix, suffix)| {
                prefix.is_empty()
                    && suffix.is_empty()
                    && (key.layout.codec == KeyCodec::Native || text_is_stored_form(attr))
            })
            .map(|(attr, _, _)| attr)
    }

    /// The attribute a key holds with literal text around it, which reads
    /// back from the key: a template with exactly one value of a type whose
    /// text round-trips, no casing. (prefix, suffix) are the literal text.
    pub fn key_text_attribute(&self, key: &KeyTemplate) -> Option<(&Attribute, String, String)> {
        let values: Vec<&KeyComposite> = key.values().collect();
        let [KeyComposite {
            attribute,
            derive: None,
        }] = values.as_slice()
        else {
            return None;
        };
        let attr = self.attribute(attribute)?;
        if key.layout.codec == KeyCodec::Native {
            return Some((attr, String::new(), String::new()));
        }
        if key.layout.codec != KeyCodec::Text || key.casing != Casing::Preserve {
            return None;
        }
        let round_trips = attr.ty.is_integer()
            || matches!(
                attr.ty,
                Type::String | Type::Enum(_) | Type::Timestamp | Type::Bool | Type::Decimal
            );
        if !round_trips {
            return None;
        }
        let mut prefix = String::new();
        let mut suffix = String::new();
        let mut seen = false;
        for part in &key.layout.parts {
            match part {
                KeyPart::Literal(text) if seen => suffix.push_str(text),
                KeyPart::Literal(text) => prefix.push_str(text),
                KeyPart::Value(_) => seen = true,
            }
        }
        Some((attr, prefix, suffix))
    }

    /// How `attr` is stored when it is stored in a key attribute only (its
    /// stored name is that key attribute's). A key with literal text (or a
    /// text key of a number or bool) holds an attribute only in the primary
    /// key, which never changes; a raw key anywhere.
    pub fn key_stored_form(&self, attr: &Attribute) -> Option<KeyStored> {
        let mut form = None;
        for index in self.all_indexes() {
            let local = matches!(index.table_index, TableIndexRef::Local(_));
            for key in std::iter::once(&index.pk)
                .chain(&index.sk)
                .filter(|k| k.field == attr.field)
            {
                if local && std::ptr::eq(key, &index.pk) {
                    // The table's partition key, written by the primary key.
                    continue;
                }
                if self.raw_key_attribute(key).is_some_and(|a| a.name == attr.name) {
                    form.get_or_insert(KeyStored {
                        prefix: String::new(),
                        suffix: String::new(),
                        from_text: false,
                    });
                    continue;
                }
                match self.key_text_attribute(key) {
                    Some((a, prefix, suffix)) if a.name == attr.name && index.is_primary() => {
                        form = Some(KeyStored {
                            prefix,
                            suffix,
                            from_text: true,
                        });
                    }
                    _ => return None,
                }
            }
        }
        form
    }

    /// Whether `attr` is stored in key attributes only: every key this
    /// entity writes under the attribute's own name is that attribute's
    /// raw key. Such an attribute is written once, by its key.
    pub fn is_key_stored(&self, attr: &Attribute) -> bool {
        self.key_stored_form(attr).is_some()
    }
}

/// How an attribute stored in a key attribute reads back from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStored {
    /// Literal text before and after the value in the key.
    pub prefix: String,
    pub suffix: String,
    /// The value is read from the key's text (strip the literal text, then
    /// parse), not taken as the attribute's stored value.
    pub from_text: bool,
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
    /// How a timestamp is stored: `@format(..)`, epoch seconds for a `ttl`
    /// attribute, else `None` (the default RFC 3339 form).
    pub time_format: Option<TimeFormat>,
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
    /// Any DynamoDB value tree (`json`, or `document`), stored natively.
    Json,
}

impl Attribute {
    /// The default an item without the attribute reads as. Not for a set:
    /// an empty set is stored absent and must read back empty. Not for a
    /// generated default (`uuid()`): reading never makes one up.
    pub fn read_default(&self) -> Option<&Value> {
        self.default
            .as_ref()
            .filter(|d| !matches!(self.ty, Type::Set(_)) && !matches!(d, Value::Generated(_)))
    }
}

impl Value {
    /// The value as a schema writes it: `"main"`, `false`, `Open`, `[1, 2]`,
    /// `{}`, `uuid()`.
    pub fn schema_text(&self) -> String {
        match self {
            Value::String(s) => format!("{s:?}"),
            Value::Bool(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Number(text) => text.clone(),
            Value::Enum(variant) => variant.clone(),
            Value::List(items) => format!(
                "[{}]",
                items.iter().map(Value::schema_text).collect::<Vec<_>>().join(", ")
            ),
            Value::EmptyMap => "{}".to_string(),
            Value::Generated(generator) => generator.call().to_string(),
        }
    }
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
            Type::Json => "json".into(),
        }
    }
}

/// How a timestamp attribute is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeFormat {
    /// RFC 3339 text in UTC with 9 fraction digits (the default; sortable).
    Rfc3339Nanos,
    /// RFC 3339 text with 3 fraction digits, as JavaScript's `toISOString`.
    Rfc3339Millis,
    /// RFC 3339 text in whole seconds (`2026-11-03T10:00:00Z`).
    Rfc3339Seconds,
    /// A number: whole seconds since the Unix epoch (TTL attributes).
    EpochSeconds,
    /// A number: milliseconds since the Unix epoch.
    EpochMillis,
}

impl TimeFormat {
    /// The word a schema writes in `@format("...")`.
    pub const ALL: [(&'static str, TimeFormat); 5] = [
        ("rfc3339", TimeFormat::Rfc3339Nanos),
        ("rfc3339_millis", TimeFormat::Rfc3339Millis),
        ("rfc3339_seconds", TimeFormat::Rfc3339Seconds),
        ("epoch_seconds", TimeFormat::EpochSeconds),
        ("epoch_millis", TimeFormat::EpochMillis),
    ];

    pub fn word(self) -> &'static str {
        TimeFormat::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("rfc3339", |(w, _)| w)
    }

    pub fn is_number(self) -> bool {
        matches!(self, TimeFormat::EpochSeconds | TimeFormat::EpochMillis)
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
    /// Made when the item is written, if the caller leaves it out.
    Generated(Generator),
}

/// A generated default: `= uuid()`, `= ulid()`, `= now()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Generator {
    /// A random UUID (version 4), lowercase and hyphenated.
    Uuid,
    /// A ULID: 26 characters that sort by creation time (monotonic within
    /// a process), good for sort keys.
    Ulid,
    /// The time of the write.
    Now,
}

impl Generator {
    /// Every generator, by the name a schema calls it with.
    pub const ALL: [(&'static str, Generator); 3] = [
        ("uuid", Generator::Uuid),
        ("ulid", Generator::Ulid),
        ("now", Generator::Now),
    ];

    /// How a schema writes it: `uuid()`.
    pub fn call(self) -> &'static str {
        match self {
            Generator::Uuid => "uuid()",
            Generator::Ulid => "ulid()",
            Generator::Now => "now()",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Casing {
    /// Values are stored exactly as given (the default).
    Preserve,
    Lower,
    Upper,
}

impl Casing {
    /// `text` in this casing (as the runtime cases values).
    pub fn apply(self, text: &str) -> String {
        match self {
            Casing::Preserve => text.to_string(),
            Casing::Lower => text.to_lowercase(),
            Casing::Upper => text.to_uppercase(),
        }
    }
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
    /// `fetch`: queries read the index's keys, then the items from the
    /// table (for an index that projects less than the entity stores).
    pub fetch: bool,
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
    /// Attribute names whose values make up the key, in order (the source
    /// attribute of a derived part).
    pub composites: Vec<String>,
    pub casing: Casing,
    /// Everything the key is written from, in order: the one description
    /// of the layout that generator, `doc`, `table`, `diff` and validation
    /// read.
    pub layout: KeyLayout,
    #[serde(skip)]
    pub span: Span,
}

impl KeyTemplate {
    /// The value parts, in order.
    pub fn values(&self) -> impl Iterator<Item = &KeyComposite> {
        self.layout.parts.iter().filter_map(|p| match p {
            KeyPart::Value(v) => Some(v),
            KeyPart::Literal(_) => None,
        })
    }
}

/// DynamoDB's type of a key attribute, as in CreateTable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum KeyType {
    S,
    N,
    B,
}

impl KeyType {
    pub fn word(self) -> &'static str {
        match self {
            KeyType::S => "S",
            KeyType::N => "N",
            KeyType::B => "B",
        }
    }
}

/// How a key attribute's parts become its value. See docs/key-format.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyCodec {
    /// dyngen's own: every part escaped and followed by `#`; values in their
    /// canonical, order-preserving forms.
    Segmented,
    /// A template (or a raw key): literal text and values as stored, side by
    /// side, unescaped.
    Text,
    /// One value, stored natively: the key attribute is `N` or `B`.
    Native,
}

/// A key layout: its DynamoDB type, its codec, and its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyLayout {
    pub attr_type: KeyType,
    pub codec: KeyCodec,
    pub parts: Vec<KeyPart>,
}

impl KeyLayout {
    /// The literal text before the first value (the whole key when it has
    /// none). For a segmented key, each label followed by `#`.
    pub fn literal_prefix(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                KeyPart::Literal(text) => {
                    out.push_str(text);
                    if self.codec == KeyCodec::Segmented {
                        out.push('#');
                    }
                }
                KeyPart::Value(_) => break,
            }
        }
        out
    }

    /// Whether some value of this key can equal some value of `other` (on
    /// the same key attribute). Proven apart: keys of different types, and
    /// keys whose fixed text differs before either one's first value (for
    /// segmented keys, their labels, each ending in `#`). Anything else may
    /// meet.
    pub fn may_overlap(&self, other: &KeyLayout) -> bool {
        if self.attr_type != other.attr_type {
            return false;
        }
        if self.codec == KeyCodec::Native || other.codec == KeyCodec::Native {
            return true;
        }
        let (a, b) = (self.literal_prefix(), other.literal_prefix());
        let (a_fixed, b_fixed) = (!self.has_values(), !other.has_values());
        match (a_fixed, b_fixed) {
            (true, true) => a == b,
            (true, false) => a.starts_with(&b),
            (false, true) => b.starts_with(&a),
            (false, false) => a.starts_with(&b) || b.starts_with(&a),
        }
    }

    pub fn has_values(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, KeyPart::Value(_)))
    }

    /// Whether the key ends with a value (no literal text after the last one).
    pub fn ends_with_value(&self) -> bool {
        matches!(self.parts.last(), Some(KeyPart::Value(_)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum KeyPart {
    /// Fixed text: a label of the segmented layout (service, collection or
    /// entity name), or a template's literal text.
    Literal(String),
    Value(KeyComposite),
}

/// A value in a key: an attribute, or a part derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyComposite {
    /// The attribute the value is read from.
    pub attribute: String,
    pub derive: Option<Derive>,
}

impl KeyComposite {
    /// How the part is named in generated code and messages: the attribute,
    /// or `createdMonth` for `month(created)`.
    pub fn name(&self) -> String {
        match self.derive {
            None => self.attribute.clone(),
            Some(d) => format!("{}{}", self.attribute, d.suffix()),
        }
    }
}

/// A key part computed from an attribute: a timestamp's UTC bucket, or a
/// value's hash shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Derive {
    /// `2026`
    Year,
    /// `2026-11`
    Month,
    /// `2026-11-03`
    Day,
    /// `2026-11-03T10`
    Hour,
    /// `03`: one of this many shards of a string or integer (its text's
    /// FNV-1a hash modulo the count; see the runtime's `key::Shard`).
    Shard(u16),
}

impl Derive {
    pub const ALL: [(&'static str, Derive); 4] = [
        ("year", Derive::Year),
        ("month", Derive::Month),
        ("day", Derive::Day),
        ("hour", Derive::Hour),
    ];

    /// As written in a schema: `month`, `shard`.
    pub fn word(self) -> &'static str {
        match self {
            Derive::Shard(_) => "shard",
            _ => Derive::ALL.iter().find(|(_, d)| *d == self).map_or("month", |(w, _)| w),
        }
    }

    /// The part as a schema writes it: `month(created)`, `shard(id, 16)`.
    pub fn written(self, attribute: &str) -> String {
        match self {
            Derive::Shard(count) => format!("shard({attribute}, {count})"),
            _ => format!("{}({attribute})", self.word()),
        }
    }

    /// Whether the part is a time bucket of a timestamp.
    pub fn is_time_bucket(self) -> bool {
        !matches!(self, Derive::Shard(_))
    }

    /// Appended to the attribute's name: `createdMonth`.
    pub fn suffix(self) -> &'static str {
        match self {
            Derive::Year => "Year",
            Derive::Month => "Month",
            Derive::Day => "Day",
            Derive::Hour => "Hour",
            Derive::Shard(_) => "Shard",
        }
    }

    /// The runtime type holding the bucket.
    pub fn runtime_type(self) -> &'static str {
        match self {
            Derive::Year => "Year",
            Derive::Month => "Month",
            Derive::Day => "Day",
            Derive::Hour => "Hour",
            Derive::Shard(_) => "Shard",
        }
    }
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
