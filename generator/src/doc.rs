//! `dyngen doc`: the table design and its access patterns, for reviewers.
//!
//! One model ([`DesignDoc`]) is computed from the schema, then printed as
//! Markdown (for a code host) or serialized as JSON: both formats carry the
//! same facts. Everything comes out in schema order (declaration order;
//! collections by name), never hash order, so the same schema always gives
//! the same text and a design change shows up as a small diff. See
//! docs/doc-command.md.
//!
//! Example keys are built by the runtime's key codec
//! ([`dyngen_runtime::key::KeyBuilder`], which generated modules call) from
//! one fixed example value per type: for a string the attribute's name in
//! angle brackets (`<username>`), for an enum its first variant, `true`, 1
//! for every number, and 2024-01-02T03:04:05Z.

use dyngen_dsl::ir::{
    self, Attribute, AttributeRole, Casing, Collection, Entity, EntityIndex, IndexKind, KeyCodec, KeyPart, KeyTemplate,
    KeyType, Schema, TableIndexRef, TimeFormat, Type,
};
use dyngen_runtime::chrono::{DateTime, TimeZone, Utc};
use dyngen_runtime::key::{self as codec, KeyBuilder, KeySegment, KeyText};
use dyngen_runtime::rust_decimal::Decimal;
use serde::Serialize;
use std::fmt::Write as _;

/// What `dyngen doc` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Markdown,
    Json,
}

/// The document for `schema`, read from a file named `source_name`.
pub fn render_doc(schema: &Schema, source_name: &str, format: DocFormat) -> String {
    let doc = DesignDoc::of(schema, source_name);
    match format {
        DocFormat::Markdown => markdown(&doc),
        DocFormat::Json => {
            let mut text = serde_json::to_string_pretty(&doc).expect("the design document serializes to JSON");
            text.push('\n');
            text
        }
    }
}

// ---------------------------------------------------------------------------
// Example values

/// The fixed example timestamp: 2024-01-02T03:04:05Z. Whole seconds, so a
/// `ttl` timestamp (written in whole seconds) has the same key form.
fn example_timestamp() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
        .single()
        .expect("a valid fixed date")
}

/// A composite's example value, typed as the generated code holds it.
#[derive(Debug, Clone)]
enum ExampleValue {
    /// A string, or an enum's stored value (written the same way).
    Str(String),
    Bool(bool),
    I32(i32),
    I64(i64),
    U32(u32),
    U64(u64),
    Decimal(Decimal),
    Timestamp(DateTime<Utc>),
}

impl ExampleValue {
    /// As a user would write it.
    fn text(&self) -> String {
        match self {
            ExampleValue::Str(s) => s.clone(),
            ExampleValue::Bool(b) => b.to_string(),
            ExampleValue::I32(v) => v.to_string(),
            ExampleValue::I64(v) => v.to_string(),
            ExampleValue::U32(v) => v.to_string(),
            ExampleValue::U64(v) => v.to_string(),
            ExampleValue::Decimal(v) => v.to_string(),
            ExampleValue::Timestamp(t) => t.to_rfc3339_opts(dyngen_runtime::chrono::SecondsFormat::AutoSi, true),
        }
    }
}

/// Delegates to the runtime's own impls: a generated enum writes its stored
/// string through `write_escaped` with the key's casing, as `str` does.
impl KeySegment for ExampleValue {
    fn write_segment(&self, casing: codec::Casing, out: &mut String) -> Result<(), String> {
        match self {
            ExampleValue::Str(s) => s.as_str().write_segment(casing, out),
            ExampleValue::Bool(v) => v.write_segment(casing, out),
            ExampleValue::I32(v) => v.write_segment(casing, out),
            ExampleValue::I64(v) => v.write_segment(casing, out),
            ExampleValue::U32(v) => v.write_segment(casing, out),
            ExampleValue::U64(v) => v.write_segment(casing, out),
            ExampleValue::Decimal(v) => v.write_segment(casing, out),
            ExampleValue::Timestamp(v) => v.write_segment(casing, out),
        }
    }
}

/// The example value of a key composite: for a string its name in angle
/// brackets (`<username>`), for an enum its first variant, `true`, 1 for
/// every number, and 2024-01-02T03:04:05Z.
fn example_value(schema: &Schema, attr: &Attribute) -> ExampleValue {
    example_of_type(schema, &attr.ty, &attr.name)
}

/// The example value of type `ty` for an attribute called `name`.
fn example_of_type(schema: &Schema, ty: &Type, name: &str) -> ExampleValue {
    match ty {
        Type::String => ExampleValue::Str(format!("<{name}>")),
        Type::Enum(enum_name) => ExampleValue::Str(
            schema
                .enum_named(enum_name)
                .and_then(|e| e.variants.first())
                .map_or_else(|| enum_name.clone(), |v| v.value.clone()),
        ),
        Type::Bool => ExampleValue::Bool(true),
        Type::I32 => ExampleValue::I32(1),
        Type::I64 => ExampleValue::I64(1),
        Type::U32 => ExampleValue::U32(1),
        Type::U64 => ExampleValue::U64(1),
        Type::Decimal => ExampleValue::Decimal(Decimal::ONE),
        Type::Timestamp => ExampleValue::Timestamp(example_timestamp()),
        // Not key scalars (`E0301`): the IR never has them in keys.
        other => ExampleValue::Str(format!("<{}>", other.describe())),
    }
}

fn runtime_casing(casing: Casing) -> codec::Casing {
    match casing {
        Casing::Preserve => codec::Casing::Preserve,
        Casing::Lower => codec::Casing::Lower,
        Casing::Upper => codec::Casing::Upper,
    }
}

/// One segment as the codec writes it (without the delimiter).
fn segment(value: &ExampleValue, casing: Casing) -> String {
    let mut out = String::new();
    match value.write_segment(runtime_casing(casing), &mut out) {
        Ok(()) => out,
        Err(message) => format!("(no key form: {message})"),
    }
}

// ---------------------------------------------------------------------------
// The model

/// Everything `dyngen doc` says about a schema. Serialized as is for
/// `--format json`; field order is declaration order here.
#[derive(Debug, Serialize)]
pub struct DesignDoc {
    /// The schema file's name.
    pub source: String,
    /// The key namespace: the first segment of every partition key.
    pub service: String,
    pub docs: Vec<String>,
    pub table: TableDoc,
    /// Every physical key attribute, in table order, with what writes it.
    pub key_attributes: Vec<KeyAttributeDoc>,
    /// Entity access patterns (entities in order, primary key first), then
    /// collections (by name).
    pub access_patterns: Vec<AccessPatternDoc>,
    pub collections: Vec<CollectionDoc>,
    /// Access patterns with an optional composite.
    pub sparse_indexes: Vec<SparseDoc>,
    pub entities: Vec<EntityDoc>,
    /// The example value of each type that appears in a key.
    pub example_values: Vec<ExampleValueDoc>,
}

#[derive(Debug, Serialize)]
pub struct TableDoc {
    pub name: String,
    pub docs: Vec<String>,
    /// The table's own key first (`name: null`, `kind: "table"`), then the
    /// secondary indexes in declaration order.
    pub indexes: Vec<IndexDoc>,
    /// The attribute DynamoDB's TTL is enabled on.
    pub ttl_attribute: Option<String>,
    /// The attribute holding each item's entity name.
    /// `None` for a table without an entity tag.
    pub entity_tag_attribute: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IndexDoc {
    /// `null` for the table's own key.
    pub name: Option<String>,
    /// `table`, `global` or `local`.
    pub kind: &'static str,
    pub pk: String,
    pub sk: Option<String>,
    /// `null` for the table's own key.
    pub projection: Option<ProjectionDoc>,
    pub docs: Vec<String>,
    /// Entity access patterns on it (`Issue.managed`).
    pub access_patterns: Vec<String>,
    pub collections: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionDoc {
    All,
    KeysOnly,
    Include(Vec<String>),
}

/// One physical key attribute.
#[derive(Debug, Serialize)]
pub struct KeyAttributeDoc {
    pub attribute: String,
    /// What it is the key of: `pk of the table`, `sk of gsi1`, ...
    pub roles: Vec<KeyRoleDoc>,
    /// The access patterns that write it, entities in order.
    pub written_by: Vec<KeyFillDoc>,
}

#[derive(Debug, Serialize)]
pub struct KeyRoleDoc {
    /// `null` for the table's own key.
    pub index: Option<String>,
    /// `partition` or `sort`.
    pub key: &'static str,
}

#[derive(Debug, Serialize)]
pub struct KeyFillDoc {
    pub entity: String,
    pub access_pattern: String,
    #[serde(flatten)]
    pub key: KeyDoc,
    /// Optional composites: the attribute is written only when all of them
    /// are set. Empty: always written.
    pub written_when: Vec<String>,
}

/// How one key attribute value is built.
#[derive(Debug, Serialize)]
pub struct KeyDoc {
    pub attribute: String,
    /// The labels, then `{composite}` for each composite, each followed by `#`.
    pub template: String,
    /// The fixed segments the key starts with.
    pub labels: Vec<String>,
    pub composites: Vec<CompositeDoc>,
    /// `none`, `lower` or `upper`, as the schema writes it.
    pub casing: &'static str,
    /// The key built from the example values.
    pub example: String,
}

#[derive(Debug, Serialize)]
pub struct CompositeDoc {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub optional: bool,
    /// The example value.
    pub example: String,
    /// The example value as this key writes it (escaped, cased, padded).
    pub segment: String,
}

#[derive(Debug, Serialize)]
pub struct AccessPatternDoc {
    /// `Issue.managed`, or `collection managed`.
    pub id: String,
    /// `entity` or `collection`.
    pub kind: &'static str,
    /// The access pattern's name (`primary`, `managed`) or the collection's.
    pub name: String,
    /// The entity (of an entity pattern), or the collection's members.
    pub reads: Vec<String>,
    /// The collection an entity pattern joins.
    pub collection: Option<String>,
    pub docs: Vec<String>,
    /// The table index: `null` for the table's own key.
    pub index: Option<String>,
    /// `table`, `global` or `local`.
    pub index_kind: &'static str,
    pub partition: KeyDoc,
    /// `null` when the index has no sort key.
    pub sort: Option<SortDoc>,
    /// Some composite is optional: items without it are not in the index.
    pub sparse: bool,
    pub conditions: ConditionsDoc,
}

#[derive(Debug, Serialize)]
pub struct SortDoc {
    pub attribute: String,
    /// The labels, each followed by `#`: what every key of the pattern starts with.
    pub prefix: String,
    /// The composites a query fixes left to right; the first one not fixed
    /// may take a range (`gt`, `gte`, `lt`, `lte`, `between`; `begins` for
    /// strings). Empty for a collection.
    pub composites: Vec<CompositeDoc>,
    /// The whole key from the example values (`null` for a collection).
    pub example: Option<String>,
    /// The template (`null` for a collection).
    pub template: Option<String>,
    pub casing: &'static str,
    /// The prefix is the whole key: a template (or an ElectroDB key) of
    /// literal text only, which a query reads by equality.
    #[serde(skip)]
    pub whole_key: bool,
}

/// Key conditions as DynamoDB receives them, with the example values.
#[derive(Debug, Serialize)]
pub struct ConditionsDoc {
    /// Nothing narrowed: the partition (and, with a sort key, `begins_with`
    /// the labels).
    pub whole_partition: String,
    /// Every sort-key composite fixed; `null` when there are none.
    pub all_fixed: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CollectionDoc {
    pub name: String,
    pub index: Option<String>,
    pub index_kind: &'static str,
    /// The partition key composites every member shares.
    pub partition: Vec<String>,
    pub members: Vec<CollectionMemberDoc>,
}

#[derive(Debug, Serialize)]
pub struct CollectionMemberDoc {
    pub entity: String,
    pub access_pattern: String,
    /// What the member's sort keys start with.
    pub sort_key_prefix: String,
}

#[derive(Debug, Serialize)]
pub struct SparseDoc {
    /// `Job.owned`.
    pub access_pattern: String,
    pub index: Option<String>,
    pub index_kind: &'static str,
    /// Items without any of these are not in the index.
    pub optional_composites: Vec<String>,
    /// The key attributes left out of an item that lacks one of their own
    /// composites.
    pub attributes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EntityDoc {
    pub name: String,
    pub docs: Vec<String>,
    /// Its access patterns (`primary`, then the indexes).
    pub access_patterns: Vec<String>,
    pub ttl: Option<TtlDoc>,
    pub version: Option<VersionDoc>,
    pub timestamps: Option<TimestampsDoc>,
    /// Its unique sets, each the attributes whose values no two items share.
    pub unique: Vec<Vec<String>>,
    /// Its named projections.
    pub projections: Vec<NamedProjectionDoc>,
}

/// A named projection: its name and every attribute it holds (the primary
/// key's first).
#[derive(Debug, Serialize)]
pub struct NamedProjectionDoc {
    pub name: String,
    pub attributes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TtlDoc {
    pub attribute: String,
    /// The stored name: the table's TTL attribute.
    pub field: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// An item without it never expires.
    pub optional: bool,
}

#[derive(Debug, Serialize)]
pub struct VersionDoc {
    pub attribute: String,
    pub field: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// Added by the `version` marker rather than declared.
    pub implicit: bool,
}

#[derive(Debug, Serialize)]
pub struct TimestampsDoc {
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct ExampleValueDoc {
    #[serde(rename = "type")]
    pub ty: String,
    /// The value (for strings, `<` the attribute's name `>`).
    pub value: String,
    /// How a key writes it (for strings and enums, before casing).
    pub segment: String,
    /// How the value was chosen, where the type does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

// ---------------------------------------------------------------------------
// Building the model

fn index_name(index: &TableIndexRef) -> Option<String> {
    index.index_name().map(str::to_owned)
}

fn index_kind(index: &TableIndexRef) -> &'static str {
    match index {
        TableIndexRef::Primary => "table",
        TableIndexRef::Global(_) => "global",
        TableIndexRef::Local(_) => "local",
    }
}

fn casing_name(casing: Casing) -> &'static str {
    match casing {
        Casing::Preserve => "none",
        Casing::Lower => "lower",
        Casing::Upper => "upper",
    }
}

fn pattern_id(entity: &Entity, index: &EntityIndex) -> String {
    format!("{}.{}", entity.name, index.name)
}

/// The literal parts of a key as the IR lays it out: the labels of
/// dyngen's own layout, or a template's literal text.
fn key_labels(template: &KeyTemplate) -> Vec<String> {
    template
        .layout
        .parts
        .iter()
        .filter_map(|p| match p {
            KeyPart::Literal(l) => Some(l.clone()),
            KeyPart::Value(_) => None,
        })
        .collect()
}

/// `t` as an attribute of `format` stores it in a key: the runtime's
/// `value::Rfc3339Millis` & co. (not built without its `client` feature,
/// which the generator leaves out).
fn formatted_timestamp(t: &DateTime<Utc>, format: Option<TimeFormat>) -> String {
    use dyngen_runtime::chrono::SecondsFormat;
    match format {
        None | Some(TimeFormat::Rfc3339Nanos) => {
            let mut out = String::new();
            let _ = t.write_text(&mut out);
            out
        }
        Some(TimeFormat::Rfc3339Millis) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        Some(TimeFormat::Rfc3339Seconds) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        Some(TimeFormat::EpochSeconds) => t.timestamp().to_string(),
        Some(TimeFormat::EpochMillis) => t.timestamp_millis().to_string(),
    }
}

/// Delegates to the runtime's text forms (templates and raw keys).
impl KeyText for ExampleValue {
    fn write_text(&self, out: &mut String) -> Result<(), String> {
        match self {
            ExampleValue::Str(s) => s.as_str().write_text(out),
            ExampleValue::Bool(v) => v.write_text(out),
            ExampleValue::I32(v) => v.write_text(out),
            ExampleValue::I64(v) => v.write_text(out),
            ExampleValue::U32(v) => v.write_text(out),
            ExampleValue::U64(v) => v.write_text(out),
            ExampleValue::Decimal(v) => v.write_text(out),
            ExampleValue::Timestamp(v) => v.write_text(out),
        }
    }
}

fn key_doc(schema: &Schema, entity: &Entity, _index: &EntityIndex, template: &KeyTemplate, is_sort: bool) -> KeyDoc {
    let layout = &template.layout;
    let segmented = layout.codec == KeyCodec::Segmented;
    let mut text = String::new();
    let mut builder = if is_sort {
        KeyBuilder::sort("", "")
    } else {
        KeyBuilder::partition("", "")
    };
    let mut composites = Vec::new();
    for part in &layout.parts {
        match part {
            KeyPart::Literal(label) if segmented => {
                builder = builder.label(label);
                let _ = write!(text, "{label}#");
            }
            KeyPart::Literal(literal) => {
                builder = builder.literal(literal);
                text.push_str(&literal.replace('{', "{{").replace('}', "}}"));
            }
            KeyPart::Value(v) => {
                let Some(attr) = entity.attribute(&v.attribute) else {
                    continue;
                };
                let value = example_value(schema, attr);
                let name = match v.derive {
                    Some(d) => d.written(&attr.name),
                    None => attr.name.clone(),
                };
                use dyngen_dsl::ir::Derive;
                let shown = match (v.derive, &value) {
                    // The shard of the example value, by the runtime's hash.
                    (Some(Derive::Shard(count)), _) => ExampleValue::Str(codec::Shard::of(&value, count).text()),
                    // A time bucket of the example timestamp (`2024-01`).
                    (Some(Derive::Year), ExampleValue::Timestamp(t)) => ExampleValue::Str(codec::Year::of(t).text()),
                    (Some(Derive::Month), ExampleValue::Timestamp(t)) => ExampleValue::Str(codec::Month::of(t).text()),
                    (Some(Derive::Day), ExampleValue::Timestamp(t)) => ExampleValue::Str(codec::Day::of(t).text()),
                    (Some(Derive::Hour), ExampleValue::Timestamp(t)) => ExampleValue::Str(codec::Hour::of(t).text()),
                    (Some(_), _) => ExampleValue::Str(format!("<{name}>")),
                    // A template or native key holds a timestamp in its format.
                    (None, ExampleValue::Timestamp(t)) if !segmented && attr.time_format.is_some() => {
                        ExampleValue::Str(formatted_timestamp(t, attr.time_format))
                    }
                    (None, _) => value.clone(),
                };
                if segmented {
                    builder = builder.value("", &shown, runtime_casing(template.casing));
                    let _ = write!(text, "{{{name}}}#");
                } else {
                    builder = builder.text("", &shown, runtime_casing(template.casing), None);
                    let _ = write!(text, "{{{name}}}");
                }
                composites.push(CompositeDoc {
                    name,
                    ty: attr.ty.describe(),
                    optional: attr.optional,
                    example: shown.text(),
                    segment: if segmented {
                        segment(&shown, template.casing)
                    } else {
                        shown.text()
                    },
                });
            }
        }
    }
    if layout.attr_type != KeyType::S {
        let _ = write!(text, " ({})", layout.attr_type.word());
    }
    let example = match builder.build() {
        Ok(key) => key,
        Err(dyngen_runtime::Error::KeyTooLong { length, max, .. }) => {
            format!("(the example is {length} bytes long, over DynamoDB's limit of {max})")
        }
        Err(error) => format!("({error})"),
    };
    KeyDoc {
        attribute: template.field.clone(),
        template: text,
        labels: key_labels(template),
        composites,
        casing: casing_name(template.casing),
        example,
    }
}

/// `value` in double quotes (keys never hold `"` or `\` unescaped, but say
/// so exactly if one did).
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn optional_composites(entity: &Entity, template: &KeyTemplate) -> Vec<String> {
    template
        .composites
        .iter()
        .filter(|c| entity.attribute(c).is_some_and(|a| a.optional))
        .cloned()
        .collect()
}

/// Whether the access pattern writes its partition key attribute: not on a
/// local index, whose partition key the primary key writes.
fn writes_pk(index: &EntityIndex) -> bool {
    !matches!(index.table_index, TableIndexRef::Local(_))
}

impl DesignDoc {
    /// The model of `schema`, read from `source_name`.
    pub fn of(schema: &Schema, source_name: &str) -> DesignDoc {
        DesignDoc {
            source: source_name.to_string(),
            service: schema.service.clone(),
            docs: schema.docs.clone(),
            table: table_doc(schema),
            key_attributes: key_attributes(schema),
            access_patterns: access_patterns(schema),
            collections: schema
                .collections
                .iter()
                .filter_map(|c| collection_doc(schema, c))
                .collect(),
            sparse_indexes: sparse_indexes(schema),
            entities: schema.entities.iter().map(entity_doc).collect(),
            example_values: example_values(schema),
        }
    }
}

fn table_doc(schema: &Schema) -> TableDoc {
    let t = &schema.table;
    let patterns_on = |target: &TableIndexRef| -> (Vec<String>, Vec<String>) {
        let patterns = schema
            .entities
            .iter()
            .flat_map(|e| e.all_indexes().map(move |i| (e, i)))
            .filter(|(_, i)| &i.table_index == target)
            .map(|(e, i)| pattern_id(e, i))
            .collect();
        let collections = schema
            .collections
            .iter()
            .filter(|c| &c.table_index == target)
            .map(|c| c.name.clone())
            .collect();
        (patterns, collections)
    };
    let (access_patterns, collections) = patterns_on(&TableIndexRef::Primary);
    let mut indexes = vec![IndexDoc {
        name: None,
        kind: "table",
        pk: t.pk.clone(),
        sk: t.sk.clone(),
        projection: None,
        docs: Vec::new(),
        access_patterns,
        collections,
    }];
    for index in &t.indexes {
        let target = match index.kind {
            IndexKind::Global => TableIndexRef::Global(index.name.clone()),
            IndexKind::Local => TableIndexRef::Local(index.name.clone()),
        };
        let (access_patterns, collections) = patterns_on(&target);
        indexes.push(IndexDoc {
            name: Some(index.name.clone()),
            kind: index_kind(&target),
            pk: index.pk.clone(),
            sk: index.sk.clone(),
            projection: Some(match &index.projection {
                ir::Projection::All => ProjectionDoc::All,
                ir::Projection::KeysOnly => ProjectionDoc::KeysOnly,
                ir::Projection::Include(names) => ProjectionDoc::Include(names.clone()),
            }),
            docs: index.docs.clone(),
            access_patterns,
            collections,
        });
    }
    TableDoc {
        name: t.name.clone(),
        docs: t.docs.clone(),
        indexes,
        ttl_attribute: t.ttl_field.clone(),
        entity_tag_attribute: t.entity_tag_field.clone(),
    }
}

fn key_attributes(schema: &Schema) -> Vec<KeyAttributeDoc> {
    let t = &schema.table;
    let mut attributes: Vec<KeyAttributeDoc> = Vec::new();
    let mut add = |attribute: &str, index: Option<&str>, key: &'static str| {
        let role = KeyRoleDoc {
            index: index.map(str::to_owned),
            key,
        };
        match attributes.iter_mut().find(|a| a.attribute == attribute) {
            Some(existing) => existing.roles.push(role),
            None => attributes.push(KeyAttributeDoc {
                attribute: attribute.to_string(),
                roles: vec![role],
                written_by: Vec::new(),
            }),
        }
    };
    add(&t.pk, None, "partition");
    if let Some(sk) = &t.sk {
        add(sk, None, "sort");
    }
    for index in &t.indexes {
        add(&index.pk, Some(&index.name), "partition");
        if let Some(sk) = &index.sk {
            add(sk, Some(&index.name), "sort");
        }
    }
    for attribute in &mut attributes {
        for entity in &schema.entities {
            for index in entity.all_indexes() {
                let keys = std::iter::once((&index.pk, false))
                    .filter(|_| writes_pk(index))
                    .chain(index.sk.iter().map(|t| (t, true)));
                for (template, is_sort) in keys {
                    if template.field == attribute.attribute {
                        attribute.written_by.push(KeyFillDoc {
                            entity: entity.name.clone(),
                            access_pattern: index.name.clone(),
                            key: key_doc(schema, entity, index, template, is_sort),
                            written_when: optional_composites(entity, template),
                        });
                    }
                }
            }
        }
    }
    attributes
}

fn conditions(partition: &KeyDoc, sort: Option<&SortDoc>) -> ConditionsDoc {
    let pk = format!("{} = {}", partition.attribute, quoted(&partition.example));
    let Some(sort) = sort else {
        return ConditionsDoc {
            whole_partition: pk,
            all_fixed: None,
        };
    };
    ConditionsDoc {
        // A sort key with no fixed text (a raw key) reads the whole
        // partition with no sort-key condition.
        whole_partition: if sort.prefix.is_empty() {
            pk.clone()
        } else if sort.whole_key {
            format!("{pk} AND {} = {}", sort.attribute, quoted(&sort.prefix))
        } else {
            format!("{pk} AND begins_with({}, {})", sort.attribute, quoted(&sort.prefix))
        },
        all_fixed: sort
            .example
            .as_ref()
            .filter(|_| !sort.composites.is_empty())
            .map(|example| format!("{pk} AND {} = {}", sort.attribute, quoted(example))),
    }
}

fn entity_pattern(schema: &Schema, entity: &Entity, index: &EntityIndex) -> AccessPatternDoc {
    let partition = key_doc(schema, entity, index, &index.pk, false);
    let sort = index.sk.as_ref().map(|template| {
        let key = key_doc(schema, entity, index, template, true);
        SortDoc {
            attribute: key.attribute,
            prefix: template.layout.literal_prefix(),
            composites: key.composites,
            example: Some(key.example),
            template: Some(key.template),
            casing: key.casing,
            whole_key: template.layout.codec == KeyCodec::Text && !template.layout.has_values(),
        }
    });
    AccessPatternDoc {
        id: pattern_id(entity, index),
        kind: "entity",
        name: index.name.clone(),
        reads: vec![entity.name.clone()],
        collection: index.collection.clone(),
        docs: index.docs.clone(),
        index: index_name(&index.table_index),
        index_kind: index_kind(&index.table_index),
        conditions: conditions(&partition, sort.as_ref()),
        partition,
        sort,
        sparse: index.sparse,
    }
}

/// The first member's access pattern: its partition key is every member's
/// (`E0402`).
fn first_member<'s>(schema: &'s Schema, c: &Collection) -> Option<(&'s Entity, &'s EntityIndex)> {
    let first = c.members.first()?;
    let entity = schema.entity_named(&first.entity)?;
    let index = entity.all_indexes().find(|i| i.name == first.index)?;
    Some((entity, index))
}

fn collection_pattern(schema: &Schema, c: &Collection) -> Option<AccessPatternDoc> {
    let (entity, index) = first_member(schema, c)?;
    let partition = key_doc(schema, entity, index, &index.pk, false);
    let sort = index.sk.as_ref().map(|template| SortDoc {
        attribute: template.field.clone(),
        prefix: crate::view::collection_prefix(schema, c),
        composites: Vec::new(),
        example: None,
        template: None,
        casing: casing_name(template.casing),
        whole_key: false,
    });
    Some(AccessPatternDoc {
        id: format!("collection {}", c.name),
        kind: "collection",
        name: c.name.clone(),
        reads: c.members.iter().map(|m| m.entity.clone()).collect(),
        collection: Some(c.name.clone()),
        docs: Vec::new(),
        index: index_name(&c.table_index),
        index_kind: index_kind(&c.table_index),
        conditions: conditions(&partition, sort.as_ref()),
        partition,
        sort,
        sparse: c.members.iter().any(|m| {
            schema
                .entity_named(&m.entity)
                .and_then(|e| e.all_indexes().find(|i| i.name == m.index))
                .is_some_and(|i| i.sparse)
        }),
    })
}

fn access_patterns(schema: &Schema) -> Vec<AccessPatternDoc> {
    let mut patterns: Vec<AccessPatternDoc> = schema
        .entities
        .iter()
        .flat_map(|e| e.all_indexes().map(move |i| entity_pattern(schema, e, i)))
        .collect();
    patterns.extend(schema.collections.iter().filter_map(|c| collection_pattern(schema, c)));
    patterns
}

fn collection_doc(schema: &Schema, c: &Collection) -> Option<CollectionDoc> {
    let members = c
        .members
        .iter()
        .filter_map(|m| {
            let entity = schema.entity_named(&m.entity)?;
            let index = entity.all_indexes().find(|i| i.name == m.index)?;
            Some(CollectionMemberDoc {
                entity: entity.name.clone(),
                access_pattern: index.name.clone(),
                sort_key_prefix: index.sk.as_ref().map(|t| t.layout.literal_prefix()).unwrap_or_default(),
            })
        })
        .collect();
    Some(CollectionDoc {
        name: c.name.clone(),
        index: index_name(&c.table_index),
        index_kind: index_kind(&c.table_index),
        partition: c.partition.iter().map(|(name, _)| name.clone()).collect(),
        members,
    })
}

fn sparse_indexes(schema: &Schema) -> Vec<SparseDoc> {
    let mut sparse = Vec::new();
    for entity in &schema.entities {
        for index in entity.all_indexes().filter(|i| i.sparse) {
            let mut optional = Vec::new();
            let mut attributes = Vec::new();
            let keys = std::iter::once(&index.pk)
                .filter(|_| writes_pk(index))
                .chain(index.sk.iter());
            for template in keys {
                let own = optional_composites(entity, template);
                if !own.is_empty() {
                    attributes.push(template.field.clone());
                }
                for name in own {
                    if !optional.contains(&name) {
                        optional.push(name);
                    }
                }
            }
            sparse.push(SparseDoc {
                access_pattern: pattern_id(entity, index),
                index: index_name(&index.table_index),
                index_kind: index_kind(&index.table_index),
                optional_composites: optional,
                attributes,
            });
        }
    }
    sparse
}

fn entity_doc(entity: &Entity) -> EntityDoc {
    let role = |role: AttributeRole| entity.attributes.iter().find(|a| a.role == role);
    EntityDoc {
        name: entity.name.clone(),
        docs: entity.docs.clone(),
        access_patterns: entity.all_indexes().map(|i| i.name.clone()).collect(),
        ttl: entity
            .ttl
            .as_deref()
            .and_then(|name| entity.attribute(name))
            .map(|a| TtlDoc {
                attribute: a.name.clone(),
                field: a.field.clone(),
                ty: a.ty.describe(),
                optional: a.optional,
            }),
        version: entity
            .version
            .as_deref()
            .and_then(|name| entity.attribute(name))
            .map(|a| VersionDoc {
                attribute: a.name.clone(),
                field: a.field.clone(),
                ty: a.ty.describe(),
                implicit: a.implicit,
            }),
        timestamps: match (role(AttributeRole::CreatedAt), role(AttributeRole::UpdatedAt)) {
            (Some(created), Some(updated)) if entity.timestamps => Some(TimestampsDoc {
                created_at: created.field.clone(),
                updated_at: updated.field.clone(),
            }),
            _ => None,
        },
        unique: entity.uniques.iter().map(|set| set.attributes.clone()).collect(),
        projections: entity
            .projections
            .iter()
            .map(|p| NamedProjectionDoc {
                name: p.name.clone(),
                attributes: entity.projection_attributes(p).iter().map(|a| a.name.clone()).collect(),
            })
            .collect(),
    }
}

/// The example value of every type used in a key: strings first, then the
/// enums by name, then the other scalars in a fixed order.
fn example_values(schema: &Schema) -> Vec<ExampleValueDoc> {
    let mut used: Vec<&Type> = Vec::new();
    let mut first_string = None;
    let mut ttl_timestamp = false;
    for entity in &schema.entities {
        for index in entity.all_indexes() {
            for name in index
                .pk
                .composites
                .iter()
                .chain(index.sk.iter().flat_map(|t| &t.composites))
            {
                if let Some(attr) = entity.attribute(name) {
                    if !used.contains(&&attr.ty) {
                        used.push(&attr.ty);
                    }
                    if attr.ty == Type::String && first_string.is_none() {
                        first_string = Some(attr.name.as_str());
                    }
                    ttl_timestamp |= attr.role == AttributeRole::Ttl && attr.ty == Type::Timestamp;
                }
            }
        }
    }
    let rank = |ty: &Type| match ty {
        Type::String => 0,
        Type::Enum(_) => 1,
        Type::Bool => 2,
        Type::I32 => 3,
        Type::I64 => 4,
        Type::U32 => 5,
        Type::U64 => 6,
        Type::Decimal => 7,
        Type::Timestamp => 8,
        _ => 9,
    };
    used.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.describe().cmp(&b.describe())));
    used.into_iter()
        .map(|ty| {
            let value = example_of_type(schema, ty, first_string.unwrap_or("name"));
            ExampleValueDoc {
                ty: ty.describe(),
                value: value.text(),
                segment: segment(&value, Casing::Preserve),
                note: match ty {
                    Type::String => Some("the attribute's name in angle brackets; cased by the key's `casing`"),
                    Type::Enum(_) => Some("the first variant's stored value; cased by the key's `casing`"),
                    Type::Timestamp if ttl_timestamp => Some("whole seconds, like the key of a `ttl` timestamp"),
                    _ => None,
                },
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Markdown

/// `text` as inline code, safe inside a table cell.
fn code(text: &str) -> String {
    let fence = if text.contains('`') { "`` " } else { "`" };
    let closing: String = fence.chars().rev().collect();
    cell(&format!("{fence}{text}{closing}"))
}

/// `text` safe inside a table cell: `|` escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Doc lines as one table cell.
fn docs_cell(docs: &[String]) -> String {
    let text = docs
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        "—".to_string()
    } else {
        cell(&text)
    }
}

fn list_or_dash(items: impl IntoIterator<Item = String>, separator: &str) -> String {
    let items: Vec<String> = items.into_iter().collect();
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(separator)
    }
}

fn index_cell(index: Option<&str>, kind: &str) -> String {
    match (index, kind) {
        (None, _) => "table".to_string(),
        (Some(name), "local") => format!("{} (local)", code(name)),
        (Some(name), _) => code(name),
    }
}

fn composite_list(composites: &[CompositeDoc], separator: &str) -> String {
    list_or_dash(
        composites.iter().map(|c| {
            let optional = if c.optional { "?" } else { "" };
            format!("{}: {}{optional}", code(&c.name), cell(&c.ty))
        }),
        separator,
    )
}

fn count(n: usize) -> String {
    if n == 0 {
        "no".to_string()
    } else {
        n.to_string()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn markdown(doc: &DesignDoc) -> String {
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(
        o,
        "<!-- Generated by `dyngen doc` from {}. Regenerate it instead of editing it. -->",
        doc.source.replace("--", "- -")
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "# Table design: {}", code(&doc.service));
    let _ = writeln!(o);
    if !doc.docs.is_empty() {
        for line in &doc.docs {
            let _ = writeln!(o, "{line}");
        }
        let _ = writeln!(o);
    }
    let globals = doc.table.indexes.iter().filter(|i| i.kind == "global").count();
    let locals = doc.table.indexes.iter().filter(|i| i.kind == "local").count();
    let _ = writeln!(
        o,
        "One table, {}, with {} global and {} local secondary {}; {} with {}; {}. Every partition key starts \
         with the service name, {}.",
        code(&doc.table.name),
        count(globals),
        count(locals),
        if locals == 1 { "index" } else { "indexes" },
        plural(doc.entities.len(), "entity", "entities"),
        plural(
            doc.access_patterns.iter().filter(|p| p.kind == "entity").count(),
            "access pattern",
            "access patterns"
        ),
        plural(doc.collections.len(), "collection", "collections"),
        code(&doc.service),
    );
    let _ = writeln!(o);

    table_section(o, doc);
    key_attributes_section(o, doc);
    access_patterns_section(o, doc);
    collections_section(o, doc);
    sparse_section(o, doc);
    entities_section(o, doc);
    example_values_section(o, doc);
    // One final newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn table_section(o: &mut String, doc: &DesignDoc) {
    let t = &doc.table;
    let _ = writeln!(o, "## Table {}", code(&t.name));
    let _ = writeln!(o);
    if !t.docs.is_empty() {
        for line in &t.docs {
            let _ = writeln!(o, "{line}");
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "| Index | Kind | Partition key | Sort key | Projection | Access patterns | Collections | Notes |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    for index in &t.indexes {
        let projection = match &index.projection {
            None => "—".to_string(),
            Some(ProjectionDoc::All) => "all".to_string(),
            Some(ProjectionDoc::KeysOnly) => "keys only".to_string(),
            Some(ProjectionDoc::Include(names)) => format!(
                "keys and {}",
                names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
            ),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {projection} | {} | {} | {} |",
            index.name.as_deref().map_or_else(|| "table".to_string(), code),
            match index.kind {
                "table" => "primary key",
                other => other,
            },
            code(&index.pk),
            index.sk.as_deref().map_or_else(|| "—".to_string(), code),
            list_or_dash(index.access_patterns.iter().map(|p| code(p)), ", "),
            list_or_dash(index.collections.iter().map(|c| code(c)), ", "),
            docs_cell(&index.docs),
        );
    }
    let _ = writeln!(o);
    match &t.ttl_attribute {
        Some(ttl) => {
            let _ = writeln!(
                o,
                "- TTL attribute: {} (DynamoDB deletes items some time after this epoch-seconds time).",
                code(ttl)
            );
        }
        None => {
            let _ = writeln!(o, "- TTL attribute: none.");
        }
    }
    match &t.entity_tag_attribute {
        Some(tag) => {
            let _ = writeln!(
                o,
                "- Entity tag attribute: {} (every item stores its entity's name there).",
                code(tag)
            );
        }
        None => {
            let _ = writeln!(o, "- Entity tag attribute: none (the keys tell the entities apart).");
        }
    }
    let _ = writeln!(o);
}

fn key_attributes_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Key attributes");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Which entity writes each physical key attribute, and how. A key is a sequence of segments, each \
         followed by `#`: the labels (the service; the collection and entity names), then the values of the \
         composites, written as `{{name}}` in the template (see dyngen's docs/key-format.md). Casing applies to string \
         and enum values only. Examples are built by the key codec from the [example values](#example-values)."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| Attribute | Entity | Access pattern | Template | Casing | Written | Example |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    for attribute in &doc.key_attributes {
        let name = code(&attribute.attribute);
        if attribute.written_by.is_empty() {
            let _ = writeln!(o, "| {name} | — | — | — | — | never | — |");
        }
        for fill in &attribute.written_by {
            let written = if fill.written_when.is_empty() {
                "always".to_string()
            } else {
                format!(
                    "when {} {} set",
                    fill.written_when
                        .iter()
                        .map(|c| code(c))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    if fill.written_when.len() == 1 { "is" } else { "are" }
                )
            };
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} | {written} | {} |",
                cell(&fill.entity),
                code(&fill.access_pattern),
                code(&fill.key.template),
                fill.key.casing,
                code(&fill.key.example),
            );
        }
    }
    let _ = writeln!(o);
}

fn access_patterns_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Access patterns");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "One query each: the partition is fixed by all its composites. Sort-key composites are fixed left to \
         right; a query may stop after any of them, and the next one may take a range (`gt`, `gte`, `lt`, `lte`, \
         `between`, and `begins` for strings). The example conditions use the [example values](#example-values): \
         first the whole partition, then every sort-key composite fixed."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| Access pattern | Reads | Index | Partition key | Sort key, in order | Example key conditions | Notes |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    for p in &doc.access_patterns {
        let name = match p.kind {
            "collection" => format!("collection {}", code(&p.name)),
            _ => code(&p.id),
        };
        let partition = if p.partition.composites.is_empty() {
            "— (one partition)".to_string()
        } else {
            composite_list(&p.partition.composites, ", ")
        };
        let sort = match &p.sort {
            None => "no sort key".to_string(),
            Some(sort) if p.kind == "collection" => format!("members' own, after {}", code(&sort.prefix)),
            Some(sort) => composite_list(&sort.composites, " → "),
        };
        let mut example = code(&p.conditions.whole_partition);
        if let Some(all) = &p.conditions.all_fixed {
            example.push_str("<br>");
            example.push_str(&code(all));
        }
        let mut notes = Vec::new();
        if p.kind == "entity" {
            if let Some(c) = &p.collection {
                notes.push(format!("In collection {}.", code(c)));
            }
        }
        if p.sparse {
            let optional: Vec<String> = p
                .partition
                .composites
                .iter()
                .chain(p.sort.iter().flat_map(|s| &s.composites))
                .filter(|c| c.optional)
                .map(|c| code(&c.name))
                .collect();
            notes.push(match p.kind {
                "collection" => "Some members' items are left out (sparse).".to_string(),
                _ => format!("Items without {} are left out (sparse).", optional.join(" or ")),
            });
        }
        let docs = docs_cell(&p.docs);
        if docs != "—" {
            notes.insert(0, docs);
        }
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {partition} | {sort} | {example} | {} |",
            cell(&p.reads.join(", ")),
            index_cell(p.index.as_deref(), p.index_kind),
            list_or_dash(notes, " "),
        );
    }
    let _ = writeln!(o);
}

fn collections_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Collections");
    let _ = writeln!(o);
    if doc.collections.is_empty() {
        let _ = writeln!(o, "None.");
        let _ = writeln!(o);
        return;
    }
    let _ = writeln!(
        o,
        "A collection query reads one partition of the index with `begins_with` on the collection's name; \
         each member's items sort under its own prefix."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| Collection | Index | Partition key | Member | Access pattern | Sort-key prefix |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for c in &doc.collections {
        for m in &c.members {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                code(&c.name),
                index_cell(c.index.as_deref(), c.index_kind),
                list_or_dash(c.partition.iter().map(|p| code(p)), ", "),
                cell(&m.entity),
                code(&m.access_pattern),
                code(&m.sort_key_prefix),
            );
        }
    }
    let _ = writeln!(o);
}

fn sparse_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Sparse indexes");
    let _ = writeln!(o);
    if doc.sparse_indexes.is_empty() {
        let _ = writeln!(
            o,
            "None: every item is in every index its entity uses (no key has an optional composite)."
        );
        let _ = writeln!(o);
        return;
    }
    let _ = writeln!(
        o,
        "Access patterns with an optional composite. A key attribute is written only when all of its own \
         composites are set; an item without one of them is not in the index."
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| Access pattern | Index | Optional composites | Key attributes left out |"
    );
    let _ = writeln!(o, "|---|---|---|---|");
    for s in &doc.sparse_indexes {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            code(&s.access_pattern),
            index_cell(s.index.as_deref(), s.index_kind),
            list_or_dash(s.optional_composites.iter().map(|c| code(c)), ", "),
            list_or_dash(s.attributes.iter().map(|a| code(a)), ", "),
        );
    }
    let _ = writeln!(o);
}

fn entities_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Entities");
    let _ = writeln!(o);
    let extras = doc
        .entities
        .iter()
        .any(|e| !e.unique.is_empty() || !e.projections.is_empty());
    let _ = writeln!(
        o,
        "| Entity | Description | Access patterns | TTL | Version | Timestamps |{}",
        if extras { " Unique | Projections |" } else { "" }
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|{}", if extras { "---|---|" } else { "" });
    for e in &doc.entities {
        let stored = |name: &str, field: &str| {
            if name == field {
                String::new()
            } else {
                format!(", stored as {}", code(field))
            }
        };
        let ttl = e.ttl.as_ref().map_or_else(
            || "—".to_string(),
            |t| {
                format!(
                    "{}: {}{}{}",
                    code(&t.attribute),
                    cell(&t.ty),
                    if t.optional { "?" } else { "" },
                    stored(&t.attribute, &t.field)
                )
            },
        );
        let version = e.version.as_ref().map_or_else(
            || "—".to_string(),
            |v| {
                format!(
                    "{}: {}{}{}",
                    code(&v.attribute),
                    cell(&v.ty),
                    stored(&v.attribute, &v.field),
                    if v.implicit { " (marker)" } else { "" }
                )
            },
        );
        let timestamps = e.timestamps.as_ref().map_or_else(
            || "—".to_string(),
            |t| format!("{}, {}", code(&t.created_at), code(&t.updated_at)),
        );
        let listed = |names: &[String]| names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ");
        let unique = if e.unique.is_empty() {
            "—".to_string()
        } else {
            e.unique
                .iter()
                .map(|set| {
                    if set.len() == 1 {
                        listed(set)
                    } else {
                        format!("[{}]", listed(set))
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let projections = if e.projections.is_empty() {
            "—".to_string()
        } else {
            e.projections
                .iter()
                .map(|p| format!("{}: {}", code(&p.name), listed(&p.attributes)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let more = if extras {
            format!(" {unique} | {projections} |")
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {ttl} | {version} | {timestamps} |{more}",
            cell(&e.name),
            docs_cell(&e.docs),
            e.access_patterns.iter().map(|p| code(p)).collect::<Vec<_>>().join(", "),
        );
    }
    let _ = writeln!(o);
}

fn example_values_section(o: &mut String, doc: &DesignDoc) {
    let _ = writeln!(o, "## Example values");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "The example keys above are built by dyngen's key codec (`dyngen_runtime::key::KeyBuilder`, which the \
         generated code calls) from these values:"
    );
    let _ = writeln!(o);
    if doc.example_values.is_empty() {
        let _ = writeln!(o, "(No key has composites: every key is labels only.)");
        let _ = writeln!(o);
        return;
    }
    let _ = writeln!(o, "| Type | Example value | In a key |");
    let _ = writeln!(o, "|---|---|---|");
    for v in &doc.example_values {
        let note = v.note.map_or_else(String::new, |n| format!(" ({n})"));
        let _ = writeln!(
            o,
            "| {} | {}{note} | {} |",
            code(&v.ty),
            code(&v.value),
            code(&v.segment)
        );
    }
    let _ = writeln!(o);
}
