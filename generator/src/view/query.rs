//! An entity's indexes: the key builder functions, the keys `to_item`
//! writes, and the query side of each access pattern (the partition struct,
//! the query method, the sort-key stages narrowing it).

use super::common::{
    bare, bucket_type, casing_variant, derived_arg, doc_lines, key_field, key_fn_name, key_value, lit, non_string,
    part_rust_name, part_type, rust_type, text_value, time_wrapper, KeyField, KeyRole, NamedType, RT,
};
use dyngen_dsl::ir::{
    self, Attribute, Derive, Entity, EntityIndex, KeyCodec, KeyComposite, KeyLayout, KeyPart, KeyTemplate, KeyType,
    Schema, TableIndexRef, TimeFormat, Type,
};
use dyngen_dsl::names;

/// One key attribute of an entity index: its builder function.
pub struct KeyView {
    /// The physical attribute, as a literal.
    pub field: String,
    /// Name of the generated builder function (`primary_pk`, `owned_sk`).
    pub fn_name: String,
    /// The `KeyBuilder` constructor: `partition` or `sort`.
    pub constructor: &'static str,
    /// The key's casing as a `Casing` variant: `Preserve`.
    pub casing: &'static str,
    pub params: Vec<NamedType>,
    /// Where each parameter's value comes from.
    pub sources: Vec<KeyParamSource>,
    /// What the builder writes, part by part.
    pub steps: Vec<KeyStep>,
    /// How the built text becomes the attribute's value.
    pub attr_type: KeyType,
    /// Another index's key writes the same attribute (with the same
    /// value): this builder is not needed.
    pub written_elsewhere: bool,
}

/// One call of the key builder chain; the strings are Rust expressions.
pub enum KeyStep {
    /// `.label("USER")`, or `.labels(&["owned", "USER"])` for several in a
    /// row: literal segments of dyngen's own layout.
    Labels(Vec<String>),
    /// `.literal("USER#")`: a template's literal text.
    Literal(String),
    /// `.value(part, arg, casing)`: a value segment.
    Value { part: String, arg: String },
    /// `.binary(part, &param.0)`: the bytes of a binary key.
    Binary { part: String, param: String },
    /// `.text(part, arg, casing, delimiter)`: a template's value, which must
    /// not contain `delimiter`, the character after it (`None` at the end).
    Text {
        part: String,
        arg: String,
        delimiter: Option<String>,
    },
}

/// The attribute a key builder parameter is read from, and the part derived
/// from it, if any (`created` → `createdMonth`).
pub struct KeyParamSource {
    /// The attribute's Rust name.
    pub attribute: String,
    pub optional: bool,
    pub derive: Option<Derive>,
}

/// A statement writing a key attribute through its builder:
/// `item.key("pk", Self::primary_pk(&self.repo_owner)?);`.
pub struct KeyPutView {
    /// The key attribute, as a literal.
    pub field: String,
    /// The key's DynamoDB type when not a string (`put_typed`).
    pub key_type: Option<&'static str>,
    /// The type whose builder is called: `Self`, or the entity's.
    pub owner: String,
    pub fn_name: String,
    pub args: Vec<String>,
}

impl KeyView {
    /// The arguments of a call from an item or key struct named `receiver`
    /// (`self`), which holds the source attributes.
    pub fn args_from(&self, receiver: &str) -> Vec<String> {
        self.sources
            .iter()
            .map(|s| derived_arg(s.derive, &format!("&{receiver}.{}", s.attribute)))
            .collect()
    }

    /// Writing this key attribute with `owner`'s builder, called with `args`.
    pub fn put(&self, owner: &str, args: Vec<String>) -> KeyPutView {
        KeyPutView {
            field: self.field.clone(),
            key_type: non_string(self.attr_type),
            owner: owner.to_string(),
            fn_name: self.fn_name.clone(),
            args,
        }
    }
}

pub fn key_view(
    schema: &Schema,
    entity: &Entity,
    index: &EntityIndex,
    template: &KeyTemplate,
    role: KeyRole,
) -> KeyView {
    let layout = &template.layout;
    let mut steps = Vec::new();
    let mut params = Vec::new();
    let mut sources = Vec::new();
    for (i, part) in layout.parts.iter().enumerate() {
        let value = match part {
            KeyPart::Literal(text) if layout.codec == KeyCodec::Segmented => {
                match steps.last_mut() {
                    Some(KeyStep::Labels(labels)) => labels.push(lit(text)),
                    _ => steps.push(KeyStep::Labels(vec![lit(text)])),
                }
                continue;
            }
            KeyPart::Literal(text) => {
                steps.push(KeyStep::Literal(lit(text)));
                continue;
            }
            KeyPart::Value(value) => value,
        };
        let Some(attr) = entity.attribute(&value.attribute) else {
            continue;
        };
        let name = part_rust_name(attr, value.derive);
        steps.push(value_step(schema, layout, i, attr, value, &name));
        // A string is borrowed as `&str`: callers hold `String`s or `&str`s.
        let rust_type = match (&attr.ty, value.derive) {
            (Type::String, None) => "&str".to_string(),
            _ => format!("&{}", part_type(schema, attr, value.derive)),
        };
        params.push(NamedType { rust_type, name });
        sources.push(KeyParamSource {
            attribute: attr.rust_name.clone(),
            optional: attr.optional,
            derive: value.derive,
        });
    }
    KeyView {
        field: lit(&template.field),
        fn_name: key_fn_name(index, role),
        constructor: match role {
            KeyRole::Partition => "partition",
            KeyRole::Sort => "sort",
        },
        casing: casing_variant(template.casing),
        params,
        sources,
        steps,
        attr_type: layout.attr_type,
        written_elsewhere: false,
    }
}

/// The builder step of value part `i` of `layout`, read from `attr`
/// through the parameter `name`.
fn value_step(
    schema: &Schema,
    layout: &KeyLayout,
    i: usize,
    attr: &Attribute,
    value: &KeyComposite,
    name: &str,
) -> KeyStep {
    let part = lit(&value.name());
    match layout.codec {
        KeyCodec::Segmented => KeyStep::Value {
            part,
            arg: match value.derive {
                Some(_) => name.to_string(),
                None => key_value(attr, &attr.rust_name, true),
            },
        },
        KeyCodec::Text | KeyCodec::Native if layout.attr_type == KeyType::B => KeyStep::Binary {
            part,
            param: name.to_string(),
        },
        KeyCodec::Text | KeyCodec::Native => KeyStep::Text {
            part,
            arg: text_value(schema, attr, value.derive, name, true),
            // A value must not contain the text that ends it.
            delimiter: match layout.parts.get(i + 1) {
                Some(KeyPart::Literal(next)) => next.chars().next().map(|c| format!("{c:?}")),
                _ => None,
            },
        },
    }
}

/// A stage of a sort-key condition chain: the composite it constrains next.
pub struct StageView {
    /// The composite the stage before fixed; `None` for the first stage.
    pub fixed_before: Option<String>,
    pub type_name: String,
    /// The method fixing the composite: its Rust name (maybe `r#type`).
    pub eq_method: String,
    /// The Rust name without `r#`, for `_gt`, `_between`, ...
    pub composite_rust: String,
    pub composite_name: String,
    pub composite_lit: String,
    /// The stage fixing the composite leads to; `None` for the last, which
    /// leads to the plain query.
    pub next_stage: Option<String>,
    pub is_string: bool,
    /// Whether the range methods exist (`_gt`, `_between`, ...): the key's
    /// text sorts like this composite's values.
    pub ordered: bool,
    /// `query_stage!`'s codec: `segmented` (dyngen's own layout) or
    /// `text` (templates and native keys).
    pub codec: &'static str,
    /// The key's casing as a `Casing` variant: `Preserve`.
    pub casing_variant: &'static str,
    /// The type of the stage methods' argument and how it reaches the key
    /// codec: `plain(&str)`, `wrap(T, W)`, `into(Month)`, `as_str(Status)`.
    pub arg_kind: String,
}

pub struct IndexView {
    pub docs: Vec<String>,
    /// The method on the entity client that starts the query.
    pub method: String,
    /// The access pattern as written in the schema; `None` for the primary key.
    pub pattern: Option<String>,
    /// The table index the pattern reads: ``index `gsi1` ``.
    pub table_index: String,
    pub partition_type: String,
    pub partition_fields: Vec<KeyField>,
    pub pk: KeyView,
    pub sk: Option<KeyView>,
    /// The index's DynamoDB name as a literal; `None` for the table.
    pub index_name_lit: Option<String>,
    /// The sort key attribute as a literal, when the index has one.
    pub sk_field_lit: Option<String>,
    /// Labels of the sort key, each followed by `#`, as a literal.
    pub sk_prefix_lit: String,
    pub sk_composite_count: usize,
    /// For keys other than dyngen's own layout (or a query that must filter
    /// by the entity tag); `None` for the default.
    pub layout: Option<QueryLayoutView>,
    /// For a partition key with one time bucket: the method reading the
    /// pattern across a range of buckets.
    pub across: Option<AcrossView>,
    pub stages: Vec<StageView>,
    /// The type the query method returns.
    pub query_type: String,
    /// What each item reads as: the entity, or the pattern's projection
    /// type when its index projects less than all.
    pub item_type: String,
    /// The runtime macro declaring its stages: `query_stage`, or
    /// `projection_query_stage` (no `filter`) for a projection.
    pub stage_macro: &'static str,
    /// The key attributes `to_item` writes for this index.
    pub item_keys: Vec<ItemKeyView>,
    /// Whether items carry this index's partition key attribute: not for a
    /// local index, whose partition key is the table's (the primary key
    /// writes it).
    pub writes_pk: bool,
}

impl IndexView {
    /// The partition key builder, then the sort key builder.
    pub fn keys(&self) -> impl Iterator<Item = &KeyView> {
        std::iter::once(&self.pk).chain(&self.sk)
    }
}

/// A `QueryLayout` value: how a query reads keys that are not dyngen's own
/// layout of strings.
pub struct QueryLayoutView {
    /// The partition key's DynamoDB type: `S`.
    pub partition: &'static str,
    pub sort: SortLayoutView,
    pub entity_filter: bool,
    pub fetch_items: bool,
}

/// A `SortLayout` variant.
pub enum SortLayoutView {
    Segmented,
    /// The key's DynamoDB type.
    Native(&'static str),
    /// The literal text after each value, in order, as literals.
    Text(Vec<String>),
}

/// `<pattern>_across`: an access pattern read across a range of buckets.
pub struct AcrossView {
    pub method: String,
    /// `::dyngen_runtime::key::Month`.
    pub bucket_type: String,
    /// The partition field holding the bucket (`created_month`).
    pub bucket_field: String,
    /// The partition's other fields, copied from `from`.
    pub other_fields: Vec<String>,
    pub part_name: String,
    /// Hash shards, which are read in shard order, not in key order.
    pub shards: bool,
}

/// A key attribute as `to_item` writes it from the item's fields.
pub struct ItemKeyView {
    pub put: KeyPutView,
    /// `if let Some(owner) = &self.owner` (a tuple of them for several) when
    /// the key has optional composites: each key attribute is written exactly
    /// when all of its own composites are present (a sparse index), which is
    /// the rule updates follow too.
    pub guard: Option<String>,
}

fn item_key_view(key: &KeyView) -> ItemKeyView {
    let mut optional: Vec<&str> = Vec::new();
    for source in key.sources.iter().filter(|s| s.optional) {
        if !optional.contains(&source.attribute.as_str()) {
            optional.push(&source.attribute);
        }
    }
    // An optional composite is bound by the guard, under its own name.
    let args = key
        .sources
        .iter()
        .map(|s| match s.optional {
            true => derived_arg(s.derive, &s.attribute),
            false => derived_arg(s.derive, &format!("&self.{}", s.attribute)),
        })
        .collect();
    let guard = match optional.as_slice() {
        [] => None,
        [one] => Some(format!("if let ::std::option::Option::Some({one}) = &self.{one}")),
        _ => {
            let patterns: Vec<String> = optional
                .iter()
                .map(|n| format!("::std::option::Option::Some({n}),"))
                .collect();
            let values: Vec<String> = optional.iter().map(|n| format!("&self.{n},")).collect();
            Some(format!("if let ({}) = ({})", patterns.concat(), values.concat()))
        }
    };
    ItemKeyView {
        put: key.put("Self", args),
        guard,
    }
}

/// The argument type a query method takes for a key composite: borrowed
/// for strings, by value for the `Copy` scalars.
fn composite_arg_type(schema: &Schema, ty: &Type) -> String {
    match ty {
        Type::String => "&str".into(),
        other => rust_type(schema, other),
    }
}

/// Whether a value's stored text sorts like the value, so that a range on a
/// template's last composite is a range of keys: strings and enums (by
/// their stored text), booleans, fixed-width timestamps and time buckets.
/// Numbers are written unpadded in templates (`9` sorts after `10`).
fn text_sorts_by_value(attr: &Attribute, derive: Option<Derive>) -> bool {
    derive.is_some()
        || match attr.ty {
            Type::String | Type::Enum(_) | Type::Bool => true,
            Type::Timestamp => !attr.time_format.is_some_and(TimeFormat::is_number),
            _ => false,
        }
}

/// The `QueryLayout` a query of `index` needs, or `None` for dyngen's own
/// layout with keys that tell the entity's items from all others.
fn query_layout(schema: &Schema, entity: &Entity, index: &EntityIndex) -> Option<QueryLayoutView> {
    let pk = &index.pk.layout;
    let sort = match index.sk.as_ref().map(|sk| &sk.layout) {
        None => SortLayoutView::Segmented,
        Some(layout) => match layout.codec {
            KeyCodec::Segmented => SortLayoutView::Segmented,
            KeyCodec::Native => SortLayoutView::Native(layout.attr_type.word()),
            KeyCodec::Text => SortLayoutView::Text(text_after_values(layout)),
        },
    };
    let entity_filter = schema.table.entity_tag_field.is_some() && schema.keys_shared_with_others(entity, index);
    let fetch_items = index.fetch;
    let default = pk.attr_type == KeyType::S
        && index
            .sk
            .as_ref()
            .is_none_or(|sk| sk.layout.codec == KeyCodec::Segmented && sk.layout.attr_type == KeyType::S)
        && !entity_filter
        && !fetch_items;
    (!default).then_some(QueryLayoutView {
        partition: pk.attr_type.word(),
        sort,
        entity_filter,
        fetch_items,
    })
}

/// The literal text after each value of a template, in order, as literals.
fn text_after_values(layout: &KeyLayout) -> Vec<String> {
    let mut after = Vec::new();
    let mut parts = layout
        .parts
        .iter()
        .skip_while(|p| matches!(p, KeyPart::Literal(_)))
        .peekable();
    while let Some(part) = parts.next() {
        if let KeyPart::Value(_) = part {
            let mut text = String::new();
            while let Some(KeyPart::Literal(l)) = parts.peek() {
                text.push_str(l);
                parts.next();
            }
            after.push(lit(&text));
        }
    }
    after
}

/// A value part of a sort key, with the attribute it is read from.
struct SortPart<'a> {
    attr: &'a Attribute,
    composite: &'a KeyComposite,
}

/// The sort-key stages of one index: one per value part of its sort key.
struct StageChain<'a> {
    schema: &'a Schema,
    entity: &'a Entity,
    index: &'a EntityIndex,
    parts: Vec<SortPart<'a>>,
}

impl StageChain<'_> {
    fn index_name(&self) -> Option<&str> {
        (!self.index.is_primary()).then_some(self.index.name.as_str())
    }

    /// The composite the stage before stage `i` fixes; `None` for the first.
    fn fixed_before(&self, i: usize) -> Option<String> {
        i.checked_sub(1).map(|before| self.parts[before].composite.name())
    }

    /// The type of stage `i`: named after the composite fixed before it.
    fn type_name(&self, i: usize) -> String {
        names::query_stage_type(
            &self.entity.rust_name,
            self.index_name(),
            self.fixed_before(i).as_deref(),
        )
    }

    fn stage(&self, i: usize) -> StageView {
        let SortPart { attr, composite } = self.parts[i];
        let sk = self.index.sk.as_ref();
        let codec = sk.map_or(KeyCodec::Segmented, |t| t.layout.codec);
        let is_last = i + 1 == self.parts.len();
        // dyngen's own layout orders every composite; a template or a raw
        // key only its last one, when nothing follows it and its text sorts
        // like its value; a native key always (see docs/key-format.md).
        let ordered = match codec {
            KeyCodec::Segmented | KeyCodec::Native => true,
            KeyCodec::Text => {
                is_last && sk.is_some_and(|t| t.layout.ends_with_value()) && text_sorts_by_value(attr, composite.derive)
            }
        };
        let arg_type = match composite.derive {
            None => composite_arg_type(self.schema, &attr.ty),
            Some(d) => format!("impl ::std::convert::Into<{}>", bucket_type(d)),
        };
        let part_name = composite.name();
        StageView {
            fixed_before: self.fixed_before(i),
            type_name: self.type_name(i),
            eq_method: part_rust_name(attr, composite.derive),
            composite_rust: bare(&part_rust_name(attr, composite.derive)).to_string(),
            composite_lit: lit(&part_name),
            composite_name: part_name,
            next_stage: (!is_last).then(|| self.type_name(i + 1)),
            arg_kind: self.arg_kind(attr, composite.derive, codec, &arg_type),
            is_string: attr.ty == Type::String && composite.derive.is_none() && ordered,
            ordered,
            codec: match codec {
                KeyCodec::Segmented => "segmented",
                KeyCodec::Text | KeyCodec::Native => "text",
            },
            casing_variant: casing_variant(sk.map_or(ir::Casing::Preserve, |t| t.casing)),
        }
    }

    /// How the methods `query_stage!` declares take their argument and
    /// hand it to the key codec (`__key_arg!`): through the key's codec, and
    /// a `ttl` or other stored timestamp form in its stored form (see
    /// `common::key_value`).
    fn arg_kind(&self, attr: &Attribute, derive: Option<Derive>, codec: KeyCodec, arg_type: &str) -> String {
        if let Some(d) = derive {
            return format!("into({})", bucket_type(d));
        }
        match (codec, &attr.ty) {
            (KeyCodec::Text | KeyCodec::Native, Type::Enum(e)) if self.schema.enum_named(e).is_some() => {
                format!("as_str({arg_type})")
            }
            _ => match time_wrapper(attr) {
                Some(wrapper) => format!("wrap({arg_type}, {RT}::value::{wrapper})"),
                None => format!("plain({arg_type})"),
            },
        }
    }
}

fn stage_views(schema: &Schema, entity: &Entity, index: &EntityIndex) -> Vec<StageView> {
    let parts = index
        .sk
        .iter()
        .flat_map(|t| t.values())
        .filter_map(|v| {
            entity
                .attribute(&v.attribute)
                .map(|attr| SortPart { attr, composite: v })
        })
        .collect();
    let chain = StageChain {
        schema,
        entity,
        index,
        parts,
    };
    (0..chain.parts.len()).map(|i| chain.stage(i)).collect()
}

/// The fields of an index's partition struct: its partition key's parts.
fn partition_fields(schema: &Schema, entity: &Entity, index: &EntityIndex) -> Vec<KeyField> {
    index
        .pk
        .values()
        .filter_map(|v| entity.attribute(&v.attribute).map(|a| (a, v.derive)))
        .map(|(a, derive)| match derive {
            None => key_field(schema, a),
            Some(d) => KeyField {
                docs: match d {
                    Derive::Shard(count) => format!(
                        "/// The shard of `{}` (of {count}) that the partition holds: `Shard::of(&value, {count})`, or each of `Shard::all({count})`.",
                        a.name
                    ),
                    _ => format!("/// The {} of `{}` (UTC) that the partition holds.", d.word(), a.name),
                },
                rust_name: part_rust_name(a, Some(d)),
                rust_type: part_type(schema, a, Some(d)),
            },
        })
        .collect()
}

/// `<pattern>_across`, for a partition key with exactly one derived part.
fn across_view(entity: &Entity, index: &EntityIndex) -> Option<AcrossView> {
    let mut derived = index
        .pk
        .values()
        .filter_map(|v| Some((entity.attribute(&v.attribute)?, v.derive?)));
    let (attr, derive) = derived.next()?;
    if derived.next().is_some() {
        return None;
    }
    Some(AcrossView {
        method: format!(
            "{}_across",
            if index.is_primary() {
                "query"
            } else {
                bare(&index.rust_name)
            }
        ),
        bucket_type: bucket_type(derive),
        bucket_field: part_rust_name(attr, Some(derive)),
        other_fields: index
            .pk
            .values()
            .filter(|v| v.derive.is_none())
            .filter_map(|v| entity.attribute(&v.attribute))
            .map(|a| a.rust_name.clone())
            .collect(),
        part_name: derive.written(&attr.name),
        shards: !derive.is_time_bucket(),
    })
}

/// The query method's docs: the schema's, or a line naming the pattern.
fn index_docs(entity: &Entity, index: &EntityIndex) -> Vec<String> {
    if !index.docs.is_empty() {
        return doc_lines(&index.docs);
    }
    vec![if index.is_primary() {
        format!("/// Queries `{}` items by primary key, in one partition.", entity.name)
    } else {
        format!(
            "/// Queries `{}` items through access pattern `{}`, on {}.",
            entity.name,
            index.name,
            index.table_index.describe()
        )
    }]
}

pub fn index_view(schema: &Schema, entity: &Entity, index: &EntityIndex) -> IndexView {
    let pk = key_view(schema, entity, index, &index.pk, KeyRole::Partition);
    let sk = index
        .sk
        .as_ref()
        .map(|t| key_view(schema, entity, index, t, KeyRole::Sort));
    let is_primary = index.is_primary();
    let index_name = (!is_primary).then_some(index.name.as_str());
    let stages = stage_views(schema, entity, index);
    let projected = schema.projected_fields(entity, index).is_some();
    let item_type = if projected {
        names::index_projection_type(&entity.rust_name, &index.name)
    } else {
        entity.rust_name.clone()
    };
    let query_type = match stages.first() {
        Some(stage) => format!("{}<'t>", stage.type_name),
        None => format!("{RT}::Query<'t, {item_type}>"),
    };
    let writes_pk = !matches!(index.table_index, TableIndexRef::Local(_));
    // A local index's partition key is the table's: the primary key writes it.
    let item_keys = std::iter::once(&pk)
        .chain(&sk)
        .filter(|key| writes_pk || key.field != pk.field)
        .map(item_key_view)
        .collect();
    IndexView {
        docs: index_docs(entity, index),
        method: if is_primary {
            "query".into()
        } else {
            index.rust_name.clone()
        },
        pattern: index_name.map(str::to_string),
        table_index: index.table_index.describe(),
        partition_type: names::partition_type(&entity.rust_name, index_name),
        partition_fields: partition_fields(schema, entity, index),
        index_name_lit: schema.table.physical_index_name(&index.table_index).map(lit),
        sk_field_lit: index.sk.as_ref().map(|t| lit(&t.field)),
        sk_prefix_lit: lit(&index.sk.as_ref().map(|t| t.layout.literal_prefix()).unwrap_or_default()),
        sk_composite_count: stages.len(),
        layout: query_layout(schema, entity, index),
        across: across_view(entity, index),
        pk,
        sk,
        stages,
        query_type,
        item_type,
        stage_macro: if projected {
            "projection_query_stage"
        } else {
            "query_stage"
        },
        item_keys,
        writes_pk,
    }
}
