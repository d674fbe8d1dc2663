//! Rules that span several items: collections, key layouts, stored field
//! names, TTL, Rust names, unused definitions. Runs on the IR, even when
//! lowering reported errors, so one run shows every problem.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::*;
use crate::span::Span;
use std::collections::{BTreeMap, BTreeSet};

/// `lowering_failed` suppresses the "unused" warnings: an item that failed
/// to lower would make what it uses look unused.
pub fn validate(schema: &Schema, lowering_failed: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    collections(schema, &mut out);
    key_prefixes(schema, &mut out);
    declared_layouts(schema, &mut out);
    key_attributes(schema, &mut out);
    projections(schema, &mut out);
    unique_guards(schema, &mut out);
    stored_fields(schema, &mut out);
    ttl_fields(schema, &mut out);
    rust_names(schema, &mut out);
    generated_type_names(schema, &mut out);
    update_method_names(schema, &mut out);
    generated_method_names(schema, &mut out);
    recursive_structs(schema, &mut out);
    if !lowering_failed {
        unused(schema, &mut out);
    }
    out
}

fn entity_index<'a>(schema: &'a Schema, member: &CollectionMember) -> Option<(&'a Entity, &'a EntityIndex)> {
    let entity = schema.entity_named(&member.entity)?;
    let index = entity.all_indexes().find(|i| i.name == member.index)?;
    Some((entity, index))
}

fn collections(schema: &Schema, out: &mut Vec<Diagnostic>) {
    for collection in &schema.collections {
        let members: Vec<(&Entity, &EntityIndex)> = collection
            .members
            .iter()
            .filter_map(|m| entity_index(schema, m))
            .collect();
        let Some(&(first_entity, first)) = members.first() else {
            continue;
        };

        // One index per collection.
        let mut index_ok = true;
        for &(entity, index) in &members[1..] {
            if index.table_index != first.table_index {
                index_ok = false;
                out.push(
                    Diagnostic::new(
                        Code::CollectionIndexMismatch,
                        format!(
                            "collection `{}` is on {} and on {}",
                            collection.name,
                            first.table_index.describe(),
                            index.table_index.describe()
                        ),
                    )
                    .primary(
                        index.span,
                        format!("`{}` puts it on {}", entity.name, index.table_index.describe()),
                    )
                    .secondary(
                        first.span,
                        format!("`{}` puts it on {}", first_entity.name, first.table_index.describe()),
                    )
                    .note("a collection is read with one query, so all its members must live on one index")
                    .help("use the same table index for every member, or give the collections different names"),
                );
            }
        }
        if !index_ok {
            continue;
        }

        // A sort key to tell members apart.
        if first.sk.is_none() {
            out.push(
                Diagnostic::new(
                    Code::CollectionWithoutSortKey,
                    format!(
                        "collection `{}` is on {}, which has no sort key",
                        collection.name,
                        first.table_index.describe()
                    ),
                )
                .primary(first.span, "collection declared here")
                .note("members share partitions; only the sort key keeps their items apart")
                .help("put the collection on an index with a sort key"),
            );
            continue;
        }

        // Partition keys built the same way.
        // Attributes already reported as partition composites of different types.
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for &(entity, index) in &members[1..] {
            if let Some(reason) = partition_difference(first_entity, first, entity, index) {
                for (x, y) in first.pk.composites.iter().zip(&index.pk.composites) {
                    if x == y && first_entity.attribute(x).map(|a| &a.ty) != entity.attribute(y).map(|a| &a.ty) {
                        reported.insert(x);
                    }
                }
                out.push(
                    Diagnostic::new(
                        Code::CollectionPartitionMismatch,
                        format!("members of collection `{}` build their partition keys differently", collection.name),
                    )
                    .primary(index.pk.span, format!("`{}`: {}", entity.name, describe_pk(&index.pk)))
                    .secondary(first.pk.span, format!("`{}`: {}", first_entity.name, describe_pk(&first.pk)))
                    .note(reason)
                    .help("collection members need the same partition composites (names, order, types and casing) so one key reads them all"),
                );
            }
        }

        // Attributes shared by name agree.
        let mut by_name: BTreeMap<&str, (&Entity, &Attribute)> = BTreeMap::new();
        for &(entity, _) in &members {
            for attr in &entity.attributes {
                match by_name.get(attr.name.as_str()) {
                    None => {
                        by_name.insert(&attr.name, (entity, attr));
                    }
                    Some(&(other_entity, other)) => {
                        let what = if other.ty != attr.ty || other.optional != attr.optional {
                            format!(
                                "`{}` is `{}{}` here but `{}{}` in `{}`",
                                attr.name,
                                attr.ty.describe(),
                                if attr.optional { "?" } else { "" },
                                other.ty.describe(),
                                if other.optional { "?" } else { "" },
                                other_entity.name
                            )
                        } else if other.field != attr.field {
                            format!(
                                "`{}` is stored as `{}` here but as `{}` in `{}`",
                                attr.name, attr.field, other.field, other_entity.name
                            )
                        } else {
                            continue;
                        };
                        if !reported.insert(&attr.name) {
                            continue;
                        }
                        out.push(
                            Diagnostic::new(
                                Code::CollectionAttributeMismatch,
                                format!(
                                    "members of collection `{}` disagree on attribute `{}`",
                                    collection.name, attr.name
                                ),
                            )
                            .primary(attr.span, what)
                            .secondary(other.span, format!("declared in `{}` here", other_entity.name))
                            .help("give shared attributes the same type and stored field, or rename one"),
                        );
                    }
                }
            }
        }
    }
}

fn partition_difference(a_entity: &Entity, a: &EntityIndex, b_entity: &Entity, b: &EntityIndex) -> Option<String> {
    if a.pk.composites.len() != b.pk.composites.len() {
        return Some(format!(
            "`{}` uses {} composites, `{}` uses {}",
            a_entity.name,
            a.pk.composites.len(),
            b_entity.name,
            b.pk.composites.len()
        ));
    }
    for (x, y) in a.pk.composites.iter().zip(&b.pk.composites) {
        if x != y {
            return Some(format!("`{x}` and `{y}` stand in the same position"));
        }
        let tx = a_entity.attribute(x).map(|t| &t.ty);
        let ty = b_entity.attribute(y).map(|t| &t.ty);
        if tx != ty {
            return Some(format!(
                "`{x}` is `{}` in `{}` but `{}` in `{}`",
                tx.map_or("?".into(), Type::describe),
                a_entity.name,
                ty.map_or("?".into(), Type::describe),
                b_entity.name
            ));
        }
    }
    if a.pk.layout != b.pk.layout {
        return Some(format!(
            "`{}` writes its partition key as {}, `{}` as {}",
            a_entity.name,
            describe_layout(&a.pk),
            b_entity.name,
            describe_layout(&b.pk)
        ));
    }
    if a.pk.casing != b.pk.casing {
        return Some(format!(
            "`{}` writes its partition key with {}, `{}` with {}",
            a_entity.name,
            casing_word(a.pk.casing),
            b_entity.name,
            casing_word(b.pk.casing)
        ));
    }
    None
}

fn casing_word(casing: Casing) -> &'static str {
    match casing {
        Casing::Lower => "`casing lower`",
        Casing::Upper => "`casing upper`",
        Casing::Preserve => "no casing",
    }
}

/// `pk [a, b]`, with the casing when there is one.
fn describe_pk(key: &KeyTemplate) -> String {
    let casing = match key.casing {
        Casing::Preserve => "",
        Casing::Lower => " casing lower",
        Casing::Upper => " casing upper",
    };
    format!("pk [{}]{casing}", key.composites.join(", "))
}

/// The fixed part of the keys an access pattern reads: see docs/design.md,
/// "Key layout". Two patterns on one index collide when their partitions can
/// coincide and one's fixed sort-key segments are a prefix of the other's.
struct Pattern {
    what: String,
    span: Span,
    index: TableIndexRef,
    /// Number of partition composites: keys with different counts never meet.
    partition_arity: usize,
    /// Fixed segments at the start of the sort key (or of the partition key,
    /// when the index has no sort key).
    fixed: Vec<String>,
    collection: Option<String>,
}

fn key_prefixes(schema: &Schema, out: &mut Vec<Diagnostic>) {
    // Labels exist in dyngen's own layout only; templates are checked by
    // `declared_layouts`. The labels are the key's literal parts: the sort
    // key's (collection, entity), or the partition key's after the service.
    let labelled = |i: &EntityIndex| i.sk.as_ref().unwrap_or(&i.pk).layout.codec == KeyCodec::Segmented;
    let labels = |i: &EntityIndex| -> Vec<String> {
        let (key, skip) = match &i.sk {
            Some(sk) => (sk, 0),
            None => (&i.pk, 1),
        };
        key.layout
            .parts
            .iter()
            .filter_map(|p| match p {
                KeyPart::Literal(l) => Some(l.clone()),
                KeyPart::Value(_) => None,
            })
            .skip(skip)
            .collect()
    };
    let mut patterns: Vec<Pattern> = Vec::new();
    for collection in &schema.collections {
        let Some((_, index)) = collection.members.first().and_then(|m| entity_index(schema, m)) else {
            continue;
        };
        if !labelled(index) {
            continue;
        }
        patterns.push(Pattern {
            what: format!("collection `{}`", collection.name),
            span: index.span,
            index: index.table_index.clone(),
            partition_arity: index.pk.composites.len(),
            fixed: labels(index).into_iter().take(1).collect(),
            collection: Some(collection.name.clone()),
        });
    }
    for entity in &schema.entities {
        for index in entity.all_indexes().filter(|i| i.collection.is_none() && labelled(i)) {
            patterns.push(Pattern {
                what: format!(
                    "`{}` {}",
                    entity.name,
                    if index.is_primary() {
                        "primary key".to_string()
                    } else {
                        format!("index `{}`", index.name)
                    }
                ),
                span: index.span,
                index: index.table_index.clone(),
                partition_arity: index.pk.composites.len(),
                fixed: labels(index),
                collection: None,
            });
        }
    }
    for (i, a) in patterns.iter().enumerate() {
        for b in &patterns[i + 1..] {
            if a.index != b.index || a.partition_arity != b.partition_arity {
                continue;
            }
            if a.collection.is_some() && a.collection == b.collection {
                continue;
            }
            let n = a.fixed.len().min(b.fixed.len());
            if a.fixed[..n] == b.fixed[..n] {
                out.push(
                    Diagnostic::new(
                        Code::OverlappingKeyPrefixes,
                        format!(
                            "{} and {} can write the same keys on {}",
                            b.what,
                            a.what,
                            a.index.describe()
                        ),
                    )
                    .primary(b.span, format!("keys start with `{}`", b.fixed.join("#")))
                    .secondary(a.span, format!("keys also start with `{}`", a.fixed.join("#")))
                    .note(
                        "both label their keys with the same name, so a query for one would return items of the other",
                    )
                    .help("rename the collection or the entity"),
                );
            }
        }
    }
}

/// What declared layouts (templates, raw and native keys, no entity tag)
/// give up, where the checker cannot prove the entities apart.
fn declared_layouts(schema: &Schema, out: &mut Vec<Diagnostic>) {
    let tag = schema.table.entity_tag_field.as_deref();
    if tag.is_none() {
        // A collection reads several entities in one query and tells their
        // items apart by the tag.
        for c in schema.collections.iter().filter(|c| c.members.len() > 1) {
            out.push(
                Diagnostic::new(
                    Code::EntityTag,
                    format!(
                        "collection `{}` needs an entity tag, and table `{}` has none",
                        c.name, schema.table.name
                    ),
                )
                .primary(c.span, "a collection of several entities")
                .secondary(schema.table.span, "`entity_tag: none`")
                .note("a collection query returns items of several entities and tells them apart by the entity tag")
                .help("name the tag attribute (`entity_tag: kind`), or query each entity's access pattern on its own"),
            );
        }
    }
    unescaped_values(schema, out);
    let mut collided: BTreeSet<&str> = BTreeSet::new();
    for (i, a) in schema.entities.iter().enumerate() {
        for b in &schema.entities[i + 1..] {
            for x in a.all_indexes() {
                for y in b.all_indexes().filter(|y| y.table_index == x.table_index) {
                    let all_segmented = [Some(&x.pk), x.sk.as_ref(), Some(&y.pk), y.sk.as_ref()]
                        .into_iter()
                        .flatten()
                        .all(|k| k.layout.codec == KeyCodec::Segmented);
                    if all_segmented || !keys_may_meet(x, y) {
                        continue;
                    }
                    let key = |e: &Entity, k: &EntityIndex| {
                        let describe = |t: &KeyTemplate| describe_layout(t);
                        match &k.sk {
                            Some(sk) => format!("`{}` writes {} / {}", e.name, describe(&k.pk), describe(sk)),
                            None => format!("`{}` writes {}", e.name, describe(&k.pk)),
                        }
                    };
                    let where_ = x.table_index.describe();
                    match (x.is_primary(), tag) {
                        (true, Some(tag)) => out.push(
                            Diagnostic::new(
                                Code::SharedPrimaryKey,
                                format!("`{}` and `{}` can write the same primary key", a.name, b.name),
                            )
                            .primary(y.span, key(b, y))
                            .secondary(x.span, key(a, x))
                            .note(format!(
                                "reads tell the two apart by `{tag}`, but a `put` of one replaces an item of the other with the same key"
                            ))
                            .help("give the keys different literal prefixes (`\"USER#{id}\"`, `\"ORDER#{id}\"`), or write with `create`, which refuses an existing key"),
                        ),
                        (false, Some(_)) => {}
                        (_, None) => out.push({
                            collided.insert(&a.name);
                            collided.insert(&b.name);
                            Diagnostic::new(
                                Code::KeyCollision,
                                format!("`{}` and `{}` can write the same keys on {where_}", a.name, b.name),
                            )
                            .primary(y.span, key(b, y))
                            .secondary(x.span, key(a, x))
                            .note("the table has no entity tag, so nothing tells an item of one from an item of the other")
                            .help("give the keys different literal prefixes (`\"USER#{id}\"`, `\"ORDER#{id}\"`), or name an entity tag")
                        }),
                    }
                }
            }
        }
    }
    // Keys apart pair by pair are not enough: a read of one entity must
    // tell its items from every other entity's by one key attribute.
    if tag.is_none() && schema.entities.len() > 1 {
        for entity in &schema.entities {
            if collided.contains(entity.name.as_str()) || schema.key_mark(entity).is_some() {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::KeyCollision,
                    format!("nothing tells `{}`'s items from the other entities' items", entity.name),
                )
                .primary(entity.primary.span, format!("`{}`'s primary key", entity.name))
                .note(
                    "in a table without an entity tag, an entity's items are told apart by the literal prefix of one \
                     primary key attribute that no other entity's key in that attribute can start with; each other \
                     entity differs from this one, but not all by the same attribute",
                )
                .help("give its partition or sort key a literal prefix of its own (`\"ORDER#{id}\"`), or name an entity tag"),
            );
        }
    }
}

/// ElectroDB's keys hold values as they are, lowercased: say once per
/// table what that gives up, at the first key where it matters.
fn unescaped_values(schema: &Schema, out: &mut Vec<Diagnostic>) {
    if schema.table.format != KeyFormat::ElectroDb {
        return;
    }
    let first_text_value = schema.entities.iter().find_map(|e| {
        e.all_indexes()
            .flat_map(|i| std::iter::once(&i.pk).chain(&i.sk))
            .filter(|k| k.layout.codec == KeyCodec::Text)
            .find_map(|k| {
                let value = k
                    .values()
                    .find(|v| v.derive.is_none() && e.attribute(&v.attribute).is_some_and(|a| a.ty == Type::String))?;
                Some((e, k, value))
            })
    });
    let Some((entity, key, value)) = first_text_value else {
        return;
    };
    out.push(
        Diagnostic::new(
            Code::UnescapedKeyValues,
            format!(
                "table `{}` stores key values as ElectroDB does: unescaped{}",
                schema.table.name,
                if key.casing == Casing::Preserve { "" } else { " and case-folded" }
            ),
        )
        .primary(key.span, format!("`{}.{}` goes into {} as it is", entity.name, value.attribute, describe_layout(key)))
        .note(
            "with no escaping, `a#reponame_b` + `c` and `a` + `b#reponame_c` would give the same key: dyngen refuses \
             (Error::InvalidKey, naming the entity and attribute) a value holding the `#` that follows it, and never writes it",
        )
        .note(if key.casing == Casing::Preserve {
            "values keep their case".to_string()
        } else {
            "values that differ only in case (`Octocat`, `octocat`) share a key: a put of one replaces the other".to_string()
        })
        .help("keep `#` out of key values; to keep case, write `casing none` on the key (ElectroDB's `casing: \"none\"`)"),
    );
}

/// A key as a schema would write it: `[a, b]`, `"USER#{id}"`, `[version] (N)`.
pub(crate) fn describe_layout(key: &KeyTemplate) -> String {
    let mut text = String::new();
    match key.layout.codec {
        KeyCodec::Segmented => {
            let values: Vec<String> = key.values().map(|v| v.name()).collect();
            text.push_str(&format!("`{}` = [{}]", key.field, values.join(", ")));
        }
        KeyCodec::Text | KeyCodec::Native => {
            let mut template = String::new();
            for part in &key.layout.parts {
                match part {
                    KeyPart::Literal(l) => template.push_str(&l.replace('{', "{{").replace('}', "}}")),
                    KeyPart::Value(v) => match v.derive {
                        Some(d) => template.push_str(&format!("{{{}}}", d.written(&v.attribute))),
                        None => template.push_str(&format!("{{{}}}", v.attribute)),
                    },
                }
            }
            text.push_str(&format!("`{}` = {template:?}", key.field));
        }
    }
    if key.layout.attr_type != KeyType::S {
        text.push_str(&format!(" ({})", key.layout.attr_type.word()));
    }
    text
}

/// Key attributes the table itself uses twice (pk == sk, or a local index
/// reusing a table key). Lowering reports those; every entity writing them
/// would only repeat the error.
fn table_key_conflicts(table: &Table) -> BTreeSet<&str> {
    let mut conflicts = BTreeSet::new();
    if table.sk.as_deref() == Some(table.pk.as_str()) {
        conflicts.insert(table.pk.as_str());
    }
    for index in &table.indexes {
        let Some(sk) = index.sk.as_deref() else { continue };
        let reuses_table_key = index.kind == IndexKind::Local && (sk == table.pk || Some(sk) == table.sk.as_deref());
        if sk == index.pk || reuses_table_key {
            conflicts.insert(sk);
        }
    }
    conflicts
}

/// Guard items of unique sets live in the entity's table: their keys are
/// strings, and their entity tag tells them from every entity's items.
fn unique_guards(schema: &Schema, out: &mut Vec<Diagnostic>) {
    let table = &schema.table;
    for entity in &schema.entities {
        let Some(set) = entity.uniques.first() else { continue };
        let problem = if table.entity_tag_field.is_none() {
            "the table has no entity tag, which tells guard items from items"
        } else if table.pk_type != KeyType::S || (table.sk.is_some() && table.sk_type != KeyType::S) {
            "the table's key attributes are not strings, which guard items' keys are"
        } else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::UniqueAttribute,
                format!("entity `{}` has unique attributes, but {problem}", entity.name),
            )
            .primary(set.span, "unique values are kept in guard items")
            .secondary(table.span, "the table is declared here")
            .help("guard items need a table with an entity tag and string keys; check uniqueness in the application instead"),
        );
    }
}

/// An access pattern on an index that projects less than every attribute
/// reads a projection type (`UserByEmailProjection`). Two things still
/// need whole items, or the entity tag: a collection (its query decodes
/// each member's whole item), and keys that other entities' items can
/// share (only the projected entity tag tells those apart).
fn projections(schema: &Schema, out: &mut Vec<Diagnostic>) {
    for entity in &schema.entities {
        for index in &entity.indexes {
            let Some(projected) = schema.projected_fields(entity, index) else {
                continue;
            };
            let Some(table_index) = index.table_index.index_name().and_then(|n| schema.table.index_named(n)) else {
                continue;
            };
            let tag = schema.table.entity_tag_field.as_deref();
            let marks: Vec<&str> = tag
                .into_iter()
                .chain(entity.fixed.iter().map(|f| f.field.as_str()))
                .filter(|field| !projected.contains(field))
                .collect();
            let (problem, missing, help) = if let Some(collection) = &index.collection {
                let missing: Vec<&str> = entity
                    .attributes
                    .iter()
                    .map(|a| a.field.as_str())
                    .chain(tag)
                    .filter(|field| !projected.contains(field))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                (
                    format!("collection `{collection}` reads whole `{}` items", entity.name),
                    missing,
                    format!(
                        "use `projection: all` on `{}`, or `include` every stored attribute of the entity and the entity tag",
                        table_index.name
                    ),
                )
            } else if !marks.is_empty() && schema.keys_shared_with_others(entity, index) {
                (
                    format!(
                        "other entities' items can have the keys it reads, and only the entity tag tells `{}` items apart",
                        entity.name
                    ),
                    marks,
                    format!(
                        "`include` {} in `{}`'s projection, or read the items by key: `index {} on {} fetch {{ .. }}`",
                        tag.map_or_else(String::new, |t| format!("`{t}`")),
                        table_index.name,
                        index.name,
                        table_index.name
                    ),
                )
            } else {
                continue;
            };
            let shown: Vec<String> = missing.iter().take(6).map(|m| format!("`{m}`")).collect();
            let more = if missing.len() > 6 {
                format!(" and {} more", missing.len() - 6)
            } else {
                String::new()
            };
            out.push(
                Diagnostic::new(
                    Code::PartialProjection,
                    format!(
                        "`{}` index `{}` reads from `{}`, which does not project what it needs",
                        entity.name, index.name, table_index.name
                    ),
                )
                .primary(index.span, problem)
                .secondary(table_index.span, "the projection is declared here")
                .note(format!("not projected: {}{more}", shown.join(", ")))
                .help(help),
            );
        }
    }
}

/// Within one entity, two keys may not write one physical attribute.
fn key_attributes(schema: &Schema, out: &mut Vec<Diagnostic>) {
    let conflicts = table_key_conflicts(&schema.table);
    for entity in &schema.entities {
        let mut writers: BTreeMap<&str, (&EntityIndex, &KeyTemplate)> = BTreeMap::new();
        for index in entity.all_indexes() {
            for key in std::iter::once(&index.pk).chain(&index.sk) {
                // A local index's partition key is the table's own.
                if matches!(index.table_index, TableIndexRef::Local(_)) && std::ptr::eq(key, &index.pk) {
                    continue;
                }
                if conflicts.contains(key.field.as_str()) {
                    continue;
                }
                if let Some((other_index, other)) = writers.get(key.field.as_str()) {
                    if other.composites != key.composites || other.casing != key.casing || other.layout != key.layout {
                        out.push(
                            Diagnostic::new(
                                Code::KeyAttributeName,
                                format!(
                                    "`{}` writes attribute `{}` from two different keys",
                                    entity.name, key.field
                                ),
                            )
                            .primary(
                                key.span,
                                format!("{} writes `{}` here", describe_index(index), key.field),
                            )
                            .secondary(other.span, format!("{} writes it here", describe_index(other_index)))
                            .help("give each table index its own key attributes"),
                        );
                    }
                } else {
                    writers.insert(&key.field, (index, key));
                }
            }
        }
    }
}

fn describe_index(index: &EntityIndex) -> String {
    if index.is_primary() {
        "the primary key".into()
    } else {
        format!("index `{}`", index.name)
    }
}

fn key_fields(table: &Table) -> BTreeSet<&str> {
    let mut fields = BTreeSet::new();
    fields.insert(table.pk.as_str());
    fields.extend(table.sk.as_deref());
    for index in &table.indexes {
        fields.insert(index.pk.as_str());
        fields.extend(index.sk.as_deref());
    }
    fields
}

fn stored_fields(schema: &Schema, out: &mut Vec<Diagnostic>) {
    let keys = key_fields(&schema.table);
    let owners = schema
        .entities
        .iter()
        .map(|e| (e.name.as_str(), &e.attributes, true))
        .chain(schema.structs.iter().map(|s| (s.name.as_str(), &s.fields, false)));
    for (owner, attributes, is_entity) in owners {
        let mut seen: BTreeMap<&str, &Attribute> = BTreeMap::new();
        for attr in attributes.iter() {
            if is_entity && !attr.implicit {
                let key_stored = schema.entity_named(owner).is_some_and(|e| e.is_key_stored(attr));
                if keys.contains(attr.field.as_str()) && !key_stored {
                    out.push(
                        Diagnostic::new(
                            Code::FieldIsKeyAttribute,
                            format!(
                                "`{owner}.{}` is stored as `{}`, a key attribute of the table",
                                attr.name, attr.field
                            ),
                        )
                        .primary(attr.span, format!("stored as `{}`", attr.field))
                        .note(
                            "dyngen writes key attributes from the key composites; this attribute would overwrite them",
                        )
                        .help("rename the attribute, or store it elsewhere with `@field(\"...\")`"),
                    );
                    continue;
                }
                if Some(attr.field.as_str()) == schema.table.entity_tag_field.as_deref() {
                    out.push(
                        Diagnostic::new(
                            Code::FieldIsReserved,
                            format!("`{owner}.{}` is stored as `{}`, the entity tag", attr.name, attr.field),
                        )
                        .primary(attr.span, format!("stored as `{}`", attr.field))
                        .note("dyngen stores each item's entity name there to tell collection members apart")
                        .help("store it elsewhere with `@field(\"...\")`, or change the table's `entity_tag:`"),
                    );
                    continue;
                }
                let entity = schema.entity_named(owner);
                if let Some(fixed) = entity.and_then(|e| e.fixed.iter().find(|f| f.field == attr.field)) {
                    out.push(
                        Diagnostic::new(
                            Code::FieldIsReserved,
                            format!("`{owner}.{}` is stored as `{}`", attr.name, attr.field),
                        )
                        .primary(attr.span, format!("stored as `{}`", attr.field))
                        .note(format!(
                            "every `{owner}` item holds `{}` = \"{}\": the table's format marks its items so",
                            fixed.field, fixed.value
                        ))
                        .help("store it elsewhere with `@field(\"...\")`"),
                    );
                    continue;
                }
                if schema.table.ttl_field.as_deref() == Some(attr.field.as_str()) && attr.role != AttributeRole::Ttl {
                    out.push(
                        Diagnostic::new(
                            Code::FieldIsReserved,
                            format!(
                                "`{owner}.{}` is stored as `{}`, the table's TTL attribute",
                                attr.name, attr.field
                            ),
                        )
                        .primary(attr.span, format!("stored as `{}`", attr.field))
                        .note("DynamoDB deletes items whose TTL attribute holds a past epoch time")
                        .help("mark it `ttl` if it is the expiry, or store it elsewhere with `@field(\"...\")`"),
                    );
                    continue;
                }
            }
            if let Some(first) = seen.get(attr.field.as_str()) {
                let d = if first.implicit || attr.implicit {
                    // Markers add their attributes last: point at the user's one.
                    let (declared, added) = if first.implicit { (attr, *first) } else { (*first, attr) };
                    Diagnostic::new(
                        Code::FieldIsReserved,
                        format!(
                            "`{owner}.{}` is stored as `{}`, which dyngen maintains",
                            declared.name, declared.field
                        ),
                    )
                    .primary(declared.span, format!("stored as `{}`", declared.field))
                    .secondary(added.span, format!("`{}` is added here", added.name))
                    .help("store it elsewhere with `@field(\"...\")`")
                } else {
                    Diagnostic::new(
                        Code::FieldCollision,
                        format!(
                            "`{owner}.{}` and `{owner}.{}` are both stored as `{}`",
                            first.name, attr.name, attr.field
                        ),
                    )
                    .primary(attr.span, format!("stored as `{}`", attr.field))
                    .secondary(first.span, format!("`{}` is stored there too", first.name))
                    .help("give one of them another `@field(\"...\")`")
                };
                out.push(d);
                continue;
            }
            seen.insert(&attr.field, attr);
        }
    }
}

fn ttl_fields(schema: &Schema, out: &mut Vec<Diagnostic>) {
    // Without `ttl:` in the table, lowering takes the first entity's ttl
    // field. A table field equal to that one may never have been declared, so
    // the other entities are compared with that entity instead.
    let first_ttl = schema
        .entities
        .iter()
        .find_map(|e| e.ttl.as_deref().and_then(|n| e.attribute(n)));
    let declared = schema
        .table
        .ttl_field
        .as_deref()
        .filter(|f| first_ttl.is_none_or(|a| a.field != *f));
    let mut first: Option<(&Entity, &Attribute)> = None;
    for entity in &schema.entities {
        let Some(attr) = entity.ttl.as_deref().and_then(|n| entity.attribute(n)) else {
            continue;
        };
        if let Some(field) = declared {
            if attr.field != field {
                out.push(
                    Diagnostic::new(
                        Code::TtlField,
                        format!(
                            "`{}.{}` is the ttl, but stored as `{}`",
                            entity.name, attr.name, attr.field
                        ),
                    )
                    .primary(attr.span, format!("stored as `{}`", attr.field))
                    .secondary(schema.table.span, format!("the table's TTL attribute is `{field}`"))
                    .note("DynamoDB reads one TTL attribute per table")
                    .help(format!("store it as the table's TTL attribute: `@field(\"{field}\")`")),
                );
            }
        } else if let Some((first_entity, first_attr)) = first {
            if first_attr.field != attr.field {
                out.push(
                    Diagnostic::new(
                        Code::TtlField,
                        format!(
                            "ttl attributes are stored as `{}` and as `{}`",
                            first_attr.field, attr.field
                        ),
                    )
                    .primary(
                        attr.span,
                        format!("`{}` stores its ttl as `{}`", entity.name, attr.field),
                    )
                    .secondary(
                        first_attr.span,
                        format!("`{}` stores its ttl as `{}`", first_entity.name, first_attr.field),
                    )
                    .note("DynamoDB reads one TTL attribute per table")
                    .help(format!(
                        "store every entity's ttl under the same name, e.g. `@field(\"{}\")`",
                        first_attr.field
                    )),
                );
            }
        } else {
            first = Some((entity, attr));
        }
    }
}

fn rust_names(schema: &Schema, out: &mut Vec<Diagnostic>) {
    let clash = |what: &str, items: Vec<(&str, &str, Span)>, out: &mut Vec<Diagnostic>| {
        let mut seen: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
        for (name, rust, span) in items {
            match seen.get(rust) {
                Some((first, first_span)) if *first != name => out.push(
                    Diagnostic::new(
                        Code::RustNameCollision,
                        format!("{what} `{first}` and `{name}` are both `{rust}` in Rust"),
                    )
                    .primary(span, format!("becomes `{rust}`"))
                    .secondary(*first_span, format!("also becomes `{rust}`"))
                    .help(if what == "attributes" || what == "fields" {
                        "rename one; an attribute can keep its stored name with `@field(\"...\")`"
                    } else {
                        "rename one of them"
                    }),
                ),
                Some(_) => {}
                None => {
                    seen.insert(rust, (name, span));
                }
            }
        }
    };
    let types: Vec<(&str, &str, Span)> = schema
        .entities
        .iter()
        .map(|e| (e.name.as_str(), e.rust_name.as_str(), e.span))
        .chain(
            schema
                .enums
                .iter()
                .map(|e| (e.name.as_str(), e.rust_name.as_str(), e.span)),
        )
        .chain(
            schema
                .structs
                .iter()
                .map(|s| (s.name.as_str(), s.rust_name.as_str(), s.span)),
        )
        .collect();
    clash("types", types.clone(), out);
    if let Some((name, _, span)) = types.iter().find(|(_, rust, _)| *rust == schema.table.rust_name) {
        out.push(
            Diagnostic::new(
                Code::RustNameCollision,
                format!(
                    "table `{}` and type `{name}` are both `{}` in Rust",
                    schema.table.name, schema.table.rust_name
                ),
            )
            .primary(
                schema.table.span,
                format!("the table becomes `{}`", schema.table.rust_name),
            )
            .secondary(*span, format!("`{name}` also becomes `{}`", schema.table.rust_name))
            .help("rename the table or the type"),
        );
    }
    for collection in &schema.collections {
        // A collection is a method of the table handle (`db.activity(..)`)
        // and the start of type names (`ActivityItem`).
        let unnamable = match (
            crate::names::value_name(&collection.name),
            crate::names::type_name(&collection.name),
        ) {
            (Err(e), _) => Some(format!("its query method would be `{}`", e.converted)),
            (_, Err(e)) => Some(format!("becomes `{}` in Rust", e.converted)),
            _ => None,
        };
        if let Some(becomes) = unnamable {
            out.push(
                Diagnostic::new(
                    Code::ReservedRustName,
                    format!("collection `{}` cannot be named in Rust", collection.name),
                )
                .primary(collection.span, format!("{becomes}, which cannot be an identifier"))
                .help("rename the collection"),
            );
        }
    }
    clash(
        "collections",
        schema
            .collections
            .iter()
            .map(|c| (c.name.as_str(), c.rust_name.as_str(), c.span))
            .collect(),
        out,
    );
    for entity in &schema.entities {
        clash(
            "attributes",
            entity
                .attributes
                .iter()
                .map(|a| (a.name.as_str(), a.rust_name.as_str(), a.span))
                .collect(),
            out,
        );
        clash(
            "indexes",
            entity
                .indexes
                .iter()
                .map(|i| (i.name.as_str(), i.rust_name.as_str(), i.span))
                .collect(),
            out,
        );
    }
    for s in &schema.structs {
        clash(
            "fields",
            s.fields
                .iter()
                .map(|a| (a.name.as_str(), a.rust_name.as_str(), a.span))
                .collect(),
            out,
        );
    }
}

/// Two attributes of one entity whose update-builder methods would share a
/// name (`add_to_x` of a set `x` and `add_to_x` of a number `toX`): the
/// generated module would not compile.
fn update_method_names(schema: &Schema, out: &mut Vec<Diagnostic>) {
    use crate::names;
    for entity in &schema.entities {
        let mut first_use: BTreeMap<String, &crate::ir::Attribute> = BTreeMap::new();
        for attr in &entity.attributes {
            for setter in names::setters(entity, attr) {
                let method = setter.method_name(&attr.rust_name);
                match first_use.get(&method) {
                    Some(first) if first.name != attr.name => out.push(
                        Diagnostic::new(
                            Code::RustNameCollision,
                            format!(
                                "attributes `{}` and `{}` of entity `{}` would both get an update method `{method}`",
                                first.name, attr.name, entity.name
                            ),
                        )
                        .primary(attr.span, format!("`{}` gets `{method}`", attr.name))
                        .secondary(first.span, format!("`{}` gets `{method}` too", first.name))
                        .note("update builders name their methods after the attribute and the operation")
                        .help("rename one of the attributes (`@field` keeps the stored name)"),
                    ),
                    Some(_) => {}
                    None => {
                        first_use.insert(method, attr);
                    }
                }
            }
        }
    }
}

/// A Rust type name the generated module will contain: a declared type or
/// one dyngen derives from a declaration.
struct TypeNameUse {
    rust_name: String,
    /// "entity `OrderUpdate`", "the update type of `Order`".
    what: String,
    /// Where to point: the name to change to make this one differ.
    span: Span,
    /// What to rename to change this name: "entity `Order`", "access pattern
    /// `byDate` of `Order`".
    rename: String,
    /// The Rust name of the declaration the name is derived from (the name
    /// itself for a declared type).
    owner_rust_name: String,
    declared: bool,
}

/// The generator emits types of its own (`UserKey`, `IssueManagedQuery`,
/// `OwnedCollection`, ...). Any of them meeting another type name would make
/// the generated module fail to compile, so it is reported here instead.
fn generated_type_names(schema: &Schema, out: &mut Vec<Diagnostic>) {
    use crate::names;
    let mut names_in_use: Vec<TypeNameUse> = Vec::new();
    let mut declare = |rust_name: &str, what: String, span: Span| {
        names_in_use.push(TypeNameUse {
            rust_name: rust_name.to_string(),
            rename: what.clone(),
            what,
            span,
            owner_rust_name: rust_name.to_string(),
            declared: true,
        });
    };
    declare(
        &schema.table.rust_name,
        format!("table `{}`", schema.table.name),
        schema.table.span,
    );
    for e in &schema.entities {
        declare(&e.rust_name, format!("entity `{}`", e.name), e.span);
    }
    for e in &schema.enums {
        declare(&e.rust_name, format!("enum `{}`", e.name), e.span);
    }
    for s in &schema.structs {
        declare(&s.rust_name, format!("struct `{}`", s.name), s.span);
    }
    let generated = |rust_name: String, what: String, span: Span, rename: String, owner: &str| TypeNameUse {
        rust_name,
        what,
        span,
        rename,
        owner_rust_name: owner.to_string(),
        declared: false,
    };
    for e in &schema.entities {
        let entity = format!("entity `{}`", e.name);
        let owner = e.rust_name.as_str();
        names_in_use.push(generated(
            names::key_type(owner),
            format!("the primary key type of `{}`", e.name),
            e.span,
            entity.clone(),
            owner,
        ));
        names_in_use.push(generated(
            names::client_type(owner),
            format!("the client type of `{}`", e.name),
            e.span,
            entity.clone(),
            owner,
        ));
        names_in_use.push(generated(
            names::attributes_type(owner),
            format!("the attributes type of `{}`", e.name),
            e.span,
            entity.clone(),
            owner,
        ));
        names_in_use.push(generated(
            names::update_type(owner),
            format!("the update type of `{}`", e.name),
            e.span,
            entity.clone(),
            owner,
        ));
        if e.attributes
            .iter()
            .any(|a| matches!(a.default, Some(crate::ir::Value::Generated(_))))
        {
            names_in_use.push(generated(
                names::draft_type(owner),
                format!("the draft type of `{}`", e.name),
                e.span,
                entity.clone(),
                owner,
            ));
        }
        for p in &e.projections {
            names_in_use.push(generated(
                names::projection_type(owner, &p.type_suffix),
                format!("the type of `{}`'s projection `{}`", e.name, p.name),
                p.span,
                format!("projection `{}` of `{}`", p.name, e.name),
                owner,
            ));
        }
        for index in e.indexes.iter().filter(|i| schema.projected_fields(e, i).is_some()) {
            names_in_use.push(generated(
                names::index_projection_type(owner, &index.name),
                format!("the projection type of `{}`'s access pattern `{}`", e.name, index.name),
                index.span,
                format!("access pattern `{}` of `{}`", index.name, e.name),
                owner,
            ));
        }
        for index in e.all_indexes() {
            let index_name = (!index.is_primary()).then_some(index.name.as_str());
            // The primary key's types are named after the entity alone; an
            // access pattern's after the entity and the pattern.
            let (what, span, rename) = if index.is_primary() {
                ("primary key".to_string(), e.span, entity.clone())
            } else {
                (
                    format!("access pattern `{}`", index.name),
                    index.span,
                    format!("access pattern `{}` of `{}`", index.name, e.name),
                )
            };
            names_in_use.push(generated(
                names::partition_type(owner, index_name),
                format!("the partition type of `{}`'s {what}", e.name),
                span,
                rename.clone(),
                owner,
            ));
            let composites: Vec<&String> = index.sk.iter().flat_map(|t| &t.composites).collect();
            if !composites.is_empty() {
                names_in_use.push(generated(
                    names::query_stage_type(owner, index_name, None),
                    format!("the query type of `{}`'s {what}", e.name),
                    span,
                    rename.clone(),
                    owner,
                ));
            }
            for c in composites.iter().take(composites.len().saturating_sub(1)) {
                names_in_use.push(generated(
                    names::query_stage_type(owner, index_name, Some(c)),
                    format!("a query stage of `{}`'s {what}", e.name),
                    span,
                    rename.clone(),
                    owner,
                ));
            }
        }
    }
    for s in &schema.structs {
        names_in_use.push(generated(
            names::fields_type(&s.rust_name),
            format!("the fields type of struct `{}`", s.name),
            s.span,
            format!("struct `{}`", s.name),
            &s.rust_name,
        ));
    }
    for c in &schema.collections {
        for name in names::collection_types(&c.rust_name) {
            names_in_use.push(generated(
                name,
                format!("a type of collection `{}`", c.name),
                c.span,
                format!("collection `{}`", c.name),
                &c.rust_name,
            ));
        }
    }
    let mut first_use: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name_use) in names_in_use.iter().enumerate() {
        let Some(&j) = first_use.get(name_use.rust_name.as_str()) else {
            first_use.insert(&name_use.rust_name, i);
            continue;
        };
        let first = &names_in_use[j];
        // Two declared names meeting is `rust_names`' business.
        if first.declared && name_use.declared {
            continue;
        }
        // The name to change is the one that imitates a generated name: a
        // declared type rather than a generated one, else the one derived
        // from the longer name (`OrderByDate`'s types, not `Order`'s).
        let (change, keep) = if first.declared != name_use.declared {
            if first.declared {
                (first, name_use)
            } else {
                (name_use, first)
            }
        } else if first.owner_rust_name.len() > name_use.owner_rust_name.len() {
            (first, name_use)
        } else {
            (name_use, first)
        };
        let name = &change.rust_name;
        let help = if change.declared {
            format!(
                "rename {}: dyngen generates `{name}` as {}, so no declared type can have that name",
                change.rename, keep.what
            )
        } else {
            format!(
                "rename {}, or {}: dyngen derives both type names from them",
                change.rename, keep.rename
            )
        };
        out.push(
            Diagnostic::new(
                Code::RustNameCollision,
                format!("{} and {} would both be named `{name}`", change.what, keep.what),
            )
            .primary(change.span, format!("{} is `{name}`", change.what))
            .secondary(keep.span, format!("{} is `{name}` too", keep.what))
            .note("dyngen names the types it generates after the entity, index or collection they serve")
            .help(help),
        );
    }
}

/// Names that would become a generated method or variant that exists
/// already: an access pattern named like an entity client's method, a
/// sort-key composite named like a query stage's method, a collection
/// member named like the item enum's `Unknown` variant. The generated
/// module would not compile (or, through `Deref`, would quietly hide the
/// runtime's method), so they are reported here.
fn generated_method_names(schema: &Schema, out: &mut Vec<Diagnostic>) {
    use crate::names;
    let listed = |methods: &[&str]| methods.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
    for entity in &schema.entities {
        for index in &entity.indexes {
            let method = index.rust_name.trim_start_matches("r#");
            if names::ENTITY_CLIENT_METHODS.contains(&method) {
                out.push(
                    Diagnostic::new(
                        Code::RustNameCollision,
                        format!(
                            "access pattern `{}` of entity `{}` would be queried by a method `{method}`, which every entity client has already",
                            index.name, entity.name
                        ),
                    )
                    .primary(
                        index.span,
                        format!("`{}` would become `{}Client::{method}`", index.name, entity.rust_name),
                    )
                    .note(format!("entity clients have the methods {}", listed(names::ENTITY_CLIENT_METHODS)))
                    .help(format!(
                        "rename the access pattern, e.g. `by_{method}`; its table index and collection keep their names"
                    )),
                );
            }
        }
        for index in entity.all_indexes() {
            for composite in index.sk.iter().flat_map(|t| &t.composites) {
                let Some(attr) = entity.attribute(composite) else {
                    continue;
                };
                let method = attr.rust_name.trim_start_matches("r#");
                if !names::QUERY_STAGE_METHODS.contains(&method) {
                    continue;
                }
                let pattern = if index.is_primary() {
                    "the primary key".to_string()
                } else {
                    format!("access pattern `{}`", index.name)
                };
                out.push(
                    Diagnostic::new(
                        Code::RustNameCollision,
                        format!(
                            "sort-key composite `{composite}` of entity `{}` would get a query method `{method}`, which every query has already",
                            entity.name
                        ),
                    )
                    .primary(attr.span, format!("`{composite}` is in the sort key of {pattern}"))
                    .secondary(
                        index.sk.as_ref().map_or(index.span, |t| t.span),
                        "queries get one method per sort-key composite, named after it",
                    )
                    .note(format!("queries have the methods {}", listed(names::QUERY_STAGE_METHODS)))
                    .help(format!(
                        "rename the attribute and keep its stored name: `{composite}Value: ... @field(\"{}\")`",
                        attr.field
                    )),
                );
            }
        }
    }
    for collection in &schema.collections {
        for member in &collection.members {
            let Some(entity) = schema.entity_named(&member.entity) else {
                continue;
            };
            if entity.rust_name == names::UNKNOWN_MEMBER {
                out.push(
                    Diagnostic::new(
                        Code::RustNameCollision,
                        format!(
                            "entity `{}` cannot be a member of collection `{}`: its item type has an `{}` variant of its own",
                            entity.name,
                            collection.name,
                            names::UNKNOWN_MEMBER
                        ),
                    )
                    .primary(
                        entity.span,
                        format!(
                            "`{}` would be a second `{}Item::{}`",
                            entity.name,
                            collection.rust_name,
                            names::UNKNOWN_MEMBER
                        ),
                    )
                    .note("a collection query returns the items that no member claims as its `Unknown` variant")
                    .help("rename the entity (its name is also its stored entity tag and key label) or leave it out of the collection"),
                );
            }
        }
    }
}

/// A struct that holds itself without a list or map in between would be
/// infinitely large.
fn recursive_structs(schema: &Schema, out: &mut Vec<Diagnostic>) {
    fn direct_structs(ty: &Type) -> Option<&str> {
        match ty {
            Type::Struct(name) => Some(name),
            _ => None,
        }
    }
    // Each cycle once: `A -> B -> A` is also `B -> A -> B`.
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    // The first struct of a name, as `Schema::struct_named` finds it, without its linear scan.
    let by_name: BTreeMap<&str, &Struct> = schema.structs.iter().rev().map(|s| (s.name.as_str(), s)).collect();
    for s in &schema.structs {
        // Depth-first over direct (non-container) struct fields; each entry
        // remembers the field of `s` the path started from.
        // Paths are rebuilt from `parents` only when a cycle is found: cloning
        // one per stack entry made a long chain of structs cubic.
        let mut stack: Vec<(&str, Option<Span>)> = vec![(s.name.as_str(), None)];
        let mut parents: BTreeMap<&str, &str> = BTreeMap::new();
        let mut visited: BTreeSet<&str> = BTreeSet::new();
        while let Some((current, start)) = stack.pop() {
            let Some(def) = by_name.get(current) else {
                continue;
            };
            for field in &def.fields {
                let Some(next) = direct_structs(&field.ty) else {
                    continue;
                };
                let start = start.unwrap_or(field.span);
                if next == s.name {
                    let mut path = vec![current];
                    while let Some(&parent) = parents.get(path[path.len() - 1]) {
                        path.push(parent);
                    }
                    path.reverse();
                    let mut members = path.clone();
                    members.sort_unstable();
                    if !reported.insert(members) {
                        stack.clear();
                        break;
                    }
                    let mut cycle = path.clone();
                    cycle.push(next);
                    let mut d = Diagnostic::new(Code::RecursiveStruct, format!("struct `{}` contains itself", s.name))
                        .primary(start, format!("cycle: {}", cycle.join(" -> ")));
                    if current != s.name {
                        d = d.secondary(field.span, format!("`{current}` holds `{}` here", s.name));
                    }
                    out.push(
                        d.note(
                            "a struct stored inside itself with no list or map in between would be infinitely large",
                        )
                        .help("hold it in a `list<..>` or `map<..>`"),
                    );
                    stack.clear();
                    break;
                }
                if visited.insert(next) {
                    parents.insert(next, current);
                    stack.push((next, Some(start)));
                }
            }
        }
    }
}

fn unused(schema: &Schema, out: &mut Vec<Diagnostic>) {
    fn mention<'a>(ty: &'a Type, used: &mut BTreeSet<&'a str>) {
        match ty {
            Type::Enum(n) | Type::Struct(n) => {
                used.insert(n);
            }
            Type::List(t) | Type::Map(t) | Type::Set(t) => mention(t, used),
            _ => {}
        }
    }
    let mut used = BTreeSet::new();
    for attr in schema
        .entities
        .iter()
        .flat_map(|e| &e.attributes)
        .chain(schema.structs.iter().flat_map(|s| &s.fields))
    {
        mention(&attr.ty, &mut used);
    }
    for e in &schema.enums {
        if !used.contains(e.name.as_str()) {
            out.push(
                Diagnostic::new(Code::UnusedType, format!("enum `{}` is never used", e.name))
                    .primary(e.span, "declared here")
                    .help("use it as an attribute type, or remove it"),
            );
        }
    }
    for s in &schema.structs {
        if !used.contains(s.name.as_str()) {
            out.push(
                Diagnostic::new(Code::UnusedType, format!("struct `{}` is never used", s.name))
                    .primary(s.span, "declared here")
                    .help("use it as an attribute type, or remove it"),
            );
        }
    }
    let used_indexes: BTreeSet<&str> = schema
        .entities
        .iter()
        .flat_map(Entity::all_indexes)
        .filter_map(|i| i.table_index.index_name())
        .collect();
    for index in &schema.table.indexes {
        if !used_indexes.contains(index.name.as_str()) {
            out.push(
                Diagnostic::new(Code::UnusedTableIndex, format!("no entity uses index `{}`", index.name))
                    .primary(index.span, "declared here")
                    .note("an unused index still costs storage and write capacity once items carry its keys")
                    .help("add an entity `index .. on` it, or remove it"),
            );
        }
    }
}
